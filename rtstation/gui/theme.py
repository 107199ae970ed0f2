"""Light and dark: follow the system's colour scheme, or force one (View > Colour scheme).

Qt 6.8+ tells the platform's scheme (``QStyleHints.colorScheme``) and lets an application
ask for one (``setColorScheme``); platform themes that honour that switch the palette
themselves, others (X11 without a desktop theme, the offscreen platform) do not. So the
palette is set here as well: Fusion's standard palette for light, a dark palette built
from the same roles for dark. The choice is the window's own preference, kept in its
QSettings (gui.ini in the configuration folder), not in settings.ini, which the headless
station shares.

The few colours the GUI draws itself (green "listening", red failures, amber warnings)
come from :func:`status_color`, which picks a tint readable on the current background.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QBrush, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMenu

LOGGER = logging.getLogger(__name__)

SCHEME_KEY = "appearance/colorScheme"
SCHEMES = ("system", "light", "dark")

_TINTS = {
    # kind: (on a light background, on a dark background)
    "ok": ("#1b7f3b", "#6fd37f"),
    "error": ("#b3261e", "#ff7b72"),
    "warning": ("#8a5a00", "#e3b341"),
    "muted": ("#6e6e6e", "#a0a0a0"),
}


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether text is drawn on a dark background (the window colour is dark)."""
    if palette is None:
        palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def status_color(kind: str) -> str:
    """A colour for "ok", "error", "warning" or "muted" text on the current background."""
    light, dark = _TINTS[kind]
    return dark if is_dark() else light


def status_brush(kind: str) -> QBrush:
    """:func:`status_color` as a brush, for a model's ForegroundRole."""
    return QBrush(QColor(status_color(kind)))


def dark_palette() -> QPalette:
    """A dark palette for every colour role Fusion draws with."""
    palette = QPalette()
    window, base, text = QColor(45, 45, 48), QColor(30, 30, 32), QColor(230, 230, 230)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor(40, 40, 43),
        QPalette.ColorRole.ToolTipBase: QColor(60, 60, 64),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor(150, 150, 150),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: window,
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(255, 90, 90),
        QPalette.ColorRole.Highlight: QColor(42, 110, 187),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: QColor(110, 170, 255),
        QPalette.ColorRole.Light: QColor(70, 70, 74),
        QPalette.ColorRole.Midlight: QColor(60, 60, 64),
        QPalette.ColorRole.Mid: QColor(110, 110, 115),
        QPalette.ColorRole.Dark: QColor(25, 25, 27),
        QPalette.ColorRole.Shadow: QColor(0, 0, 0),
    }
    for role, color in roles.items():
        palette.setColor(role, color)
    disabled = QColor(125, 125, 125)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


class ThemeController(QObject):
    """Applies the remembered colour scheme and follows the system when asked to."""

    schemeChanged = Signal(str)  # "system", "light" or "dark": the user's choice

    def __init__(self, ui_settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ui_settings = ui_settings
        value = str(ui_settings.value(SCHEME_KEY, "system") or "system")
        self.choice = value if value in SCHEMES else "system"
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_changed)

    @property
    def dark(self) -> bool:
        """Whether the window is dark now."""
        if self.choice == "system":
            return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
        return self.choice == "dark"

    def set_choice(self, choice: str) -> None:
        """Use ``choice`` ("system", "light", "dark") from now on and remember it."""
        if choice not in SCHEMES:
            raise ValueError(f"Unknown colour scheme '{choice}': expected one of {SCHEMES}")
        self.choice = choice
        self.ui_settings.setValue(SCHEME_KEY, choice)
        self.apply()
        self.schemeChanged.emit(choice)

    def apply(self) -> None:
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return
        hints = QGuiApplication.styleHints()
        requested = {
            "light": Qt.ColorScheme.Light,
            "dark": Qt.ColorScheme.Dark,
        }.get(self.choice, Qt.ColorScheme.Unknown)
        hints.setColorScheme(requested)
        dark = self.dark
        if dark:
            app.setPalette(dark_palette())
        elif self.choice == "light":
            app.setPalette(app.style().standardPalette())
        else:  # the platform's own light palette
            app.setPalette(QPalette())
        LOGGER.debug("Colour scheme %s (%s)", self.choice, "dark" if dark else "light")

    def add_menu_actions(self, menu: QMenu) -> dict[str, QAction]:
        """Three exclusive choices in ``menu``; the current one checked."""
        group = QActionGroup(menu)
        texts = {
            "system": self.tr("Follow the &system"),
            "light": self.tr("&Light"),
            "dark": self.tr("&Dark"),
        }
        actions: dict[str, QAction] = {}
        for choice in SCHEMES:
            action = QAction(texts[choice], menu)
            action.setCheckable(True)
            action.setChecked(choice == self.choice)
            action.triggered.connect(lambda _checked=False, c=choice: self.set_choice(c))
            group.addAction(action)
            menu.addAction(action)
            actions[choice] = action
        return actions

    @Slot(Qt.ColorScheme)
    def _on_system_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.choice == "system":
            self.apply()
