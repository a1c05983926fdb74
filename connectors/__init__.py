"""Custom Rasa input channels (website widget, agent console), registered in
bot/credentials.yml by module path. Each channel masks identifiers at the edge."""
