"""rtstation.net."""
