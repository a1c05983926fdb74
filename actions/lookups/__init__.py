"""Case-status lookups: the forms that collect identity details and the lookup action."""
