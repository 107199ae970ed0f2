"""Small things a new user tripped over: the toolbar, the port-in-use message after a
settings change, the empty-state hint, Settings under File."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QToolButton

from tests.peers.peers import free_port


@pytest.fixture
def blocked_port() -> Iterator[int]:
    """A loopback port another program listens on."""
    port = free_port()
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
    blocker.bind(("127.0.0.1", port))
    blocker.listen(1)
    try:
        yield port
    finally:
        blocker.close()


def _visible_box() -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            return widget
    return None


def test_a_long_receiver_message_keeps_the_toolbar_actions_visible(
    qtbot: Any, make_station: Any, make_window: Any, blocked_port: int
) -> None:
    window = make_window(make_station(port=blocked_port))
    qtbot.mouseClick(window.receiver_control.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.receiver_control.state == "error", timeout=10_000)
    qtbot.waitUntil(lambda: _visible_box() is not None, timeout=10_000)
    _visible_box().close()
    label = window.receiver_control.state_label
    assert "is already in use by another program" in label.toolTip()
    toolbar = window.toolbar
    rules_button = toolbar.widgetForAction(window.rules_action)
    assert isinstance(rules_button, QToolButton) and rules_button.isVisible()
    assert toolbar.actionGeometry(window.rules_action).right() <= toolbar.width()
    extension = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    assert extension is None or not extension.isVisible()


def test_a_port_taken_after_a_settings_change_says_the_settings_were_saved(
    qtbot: Any, make_station: Any, make_window: Any, blocked_port: int
) -> None:
    from dataclasses import replace

    window = make_window(make_station())
    qtbot.mouseClick(window.receiver_control.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.receiver_control.state == "listening", timeout=10_000)
    new = replace(window.station.settings, port=blocked_port)
    with qtbot.waitSignal(window.config_controller.settingsApplied, timeout=10_000):
        window.config_controller.apply_settings(new)
    qtbot.waitUntil(lambda: _visible_box() is not None, timeout=10_000)
    box = _visible_box()
    assert box.text().startswith("The settings were saved, but the DICOM receiver could not start.")
    assert "could not be applied" not in box.text()
    assert f"Port {blocked_port} is already in use" in box.text()
    box.close()
    assert window.station.settings.port == blocked_port


def test_the_empty_hint_follows_the_receiver_and_settings_are_under_file(
    qtbot: Any, make_station: Any, make_window: Any
) -> None:
    window = make_window(make_station())
    hint = window.tree_panel.empty_label
    assert "Start the receiver" in hint.text()
    qtbot.mouseClick(window.receiver_control.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.receiver_control.state == "listening", timeout=10_000)
    assert "Start the receiver" not in hint.text()
    assert "The receiver is listening" in hint.text()
    qtbot.waitUntil(window.receiver_control.button.isEnabled)  # the start task has ended
    qtbot.mouseClick(window.receiver_control.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.receiver_control.state == "stopped", timeout=10_000)

    file_menu = window.menuBar().actions()[0].menu()
    assert window.settings_action in file_menu.actions()
