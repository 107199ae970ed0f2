"""rtstation.config."""
