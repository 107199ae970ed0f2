"""rtstation.routing."""
