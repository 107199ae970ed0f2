"""Light and dark: the system's scheme by default, either one forced from View, and the
choice remembered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette

from rtstation.gui.theme import SCHEME_KEY, is_dark, status_color


@pytest.fixture(autouse=True)
def _back_to_the_system_scheme(qapp: Any) -> Iterator[None]:
    """Palettes are global: the next test starts light again."""
    yield
    QGuiApplication.styleHints().setColorScheme(Qt.ColorScheme.Unknown)
    qapp.setPalette(QPalette())


def test_dark_forced_from_the_view_menu_is_applied_and_remembered(
    qtbot: Any, make_station: Any, make_window: Any, ui_settings: Any
) -> None:
    station = make_station()
    window = make_window(station, start=False)
    assert window.theme.choice == "system"
    system_dark = QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
    assert is_dark() == system_dark
    assert window.scheme_actions["system"].isChecked()

    window.scheme_actions["dark"].trigger()
    assert is_dark()
    qtbot.waitUntil(lambda: window.palette().color(QPalette.ColorRole.Base).lightness() < 128)
    assert status_color("error") == "#ff7b72"  # the light-on-dark tint
    assert ui_settings.value(SCHEME_KEY) == "dark"
    window.receiver_control.set_state("listening", "Listening as RTSTATION on port 104")
    assert status_color("ok") in window.receiver_control.state_label.styleSheet()
    window.close()

    again = make_window(station, start=False)
    assert again.theme.choice == "dark" and again.scheme_actions["dark"].isChecked()
    assert is_dark()

    again.scheme_actions["light"].trigger()
    assert not is_dark()
    assert status_color("error") == "#b3261e"
    again.scheme_actions["system"].trigger()
    assert is_dark() == system_dark
    assert ui_settings.value(SCHEME_KEY) == "system"
