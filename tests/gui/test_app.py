"""The composition root as ``rtstation gui`` runs it: the CLI's station opener (which sets
up logging), the window, the Log pane, the window's own settings file."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from rtstation.cli import cmd_gui
from rtstation.gui import app as gui_app
from rtstation.net import pynetdicom_tuning
from tests.gui.conftest import write_settings
from tests.peers.peers import free_port


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """``setup_logging`` replaces the ``rtstation`` logger's handlers: put them back."""
    logger = logging.getLogger("rtstation")
    before = list(logger.handlers)
    yield
    for handler in list(logger.handlers):
        if handler not in before:
            logger.removeHandler(handler)
            handler.close()
    for handler in before:
        if handler not in logger.handlers:
            logger.addHandler(handler)


@pytest.fixture
def opened(
    qtbot: Any,
    qapp: Any,
    config_dir: Path,
    restored_logging: None,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[gui_app.OpenedStation]:
    # open_window switches the process to pynetdicom's polling delays: undone after the test
    monkeypatch.setattr(pynetdicom_tuning, "_short_polling", True)
    write_settings(config_dir, port=free_port())
    args = argparse.Namespace(config=str(config_dir), verbose=0, bind="127.0.0.1")
    result = gui_app.open_window(qapp, cmd_gui.station_opener(args))
    assert result is not None
    qtbot.addWidget(result.window)
    yield result
    gui_app.close_window(result)


def test_the_window_keeps_the_receivers_polling_at_pynetdicoms_pace(opened: Any) -> None:
    """At 50 µs the receiver's polling threads took the interpreter lock from the window
    often enough to make it late by 119 ms (bench_gui_responsiveness.py, 1,000 patients)."""
    assert not pynetdicom_tuning._short_polling


def test_a_station_log_line_reaches_the_log_pane(qtbot: Any, opened: Any) -> None:
    window = opened.window
    qtbot.waitUntil(lambda: not window.tree_controller.busy, timeout=10_000)
    qtbot.mouseClick(window.receiver_control.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.receiver_control.state == "listening", timeout=10_000)
    port = window.station.settings.port
    view = window.log_panel.view

    def pane_lines() -> list[str]:
        model = view.model()
        return [str(model.index(row, 0).data()) for row in range(model.rowCount())]

    qtbot.waitUntil(
        lambda: any(f"Listening as RTSTATION on port {port}" in line for line in pane_lines()),
        timeout=10_000,
    )
    qtbot.waitUntil(window.receiver_control.button.isEnabled)  # the start task has ended
    qtbot.mouseClick(window.receiver_control.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.receiver_control.state == "stopped", timeout=10_000)


def test_window_state_lives_in_the_station_config_folder(opened: Any, config_dir: Path) -> None:
    window = opened.window
    window.shutdown()
    assert Path(window.ui_settings.fileName()) == config_dir / "gui.ini"
    assert window.ui_settings.value("mainWindow/geometry") is not None
    assert (config_dir / "gui.ini").is_file()
