"""The station's own SVG icons (rtstation/resources/icons), loaded once.

Icons are looked up by name so widgets do not hard-code paths, and a missing file gives
an empty icon instead of an exception: a button without a picture is still a button.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"


@cache
def icon(name: str) -> QIcon:
    path = ICON_DIR / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()
