"""rtstation.cli."""
