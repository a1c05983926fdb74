"""The contact-center agent console: calls driven by the assistant, verification, wrap-up."""
