"""CX measurement: the A-11 Section 280 survey answers and conversation analytics."""
