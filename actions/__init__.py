"""The rasa-sdk action server: actions grouped by concern, one HTTP client per agency."""
