"""rtstation.gui."""
