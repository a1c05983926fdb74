"""The service catalog: life experiences, agencies, services; content, not code."""
