"""rtstation.storage."""
