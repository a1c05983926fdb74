"""Mock agency APIs: a separate HTTP service standing in for the agencies.

Nothing else in the project imports this package; the action server reaches it
only over HTTP, exactly as it would reach a real agency.
"""
