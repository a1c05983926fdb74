"""Content studio: content staff edit, review and publish what the assistant says and knows."""
