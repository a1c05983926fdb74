"""The web app (port 8000): widget page, agent console, content studio, CX insights."""
