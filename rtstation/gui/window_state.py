"""The main window's layout between runs: geometry, splitters, column widths, the tab.

Kept in the window's QSettings (gui.ini in the station's configuration folder, see
``app.ui_settings_for``), so a second station started with another ``--config`` keeps its
own layout and nothing lands in the Windows registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QSplitter

from rtstation.gui.widgets.column_fit import ColumnFitter

if TYPE_CHECKING:
    from rtstation.gui.main_window import MainWindow


def _splitters(window: MainWindow) -> dict[str, QSplitter]:
    return {
        "main": window.main_splitter,
        "right": window.right_splitter,
        "vertical": window.vertical_splitter,
    }


def _column_fitters(window: MainWindow) -> dict[str, ColumnFitter]:
    return {
        "mainWindow/treeHeader": window.tree_panel.column_fitter,
        "mainWindow/jobHeader": window.jobs_panel.column_fitter,
    }


def save_window_state(window: MainWindow) -> None:
    """Geometry, toolbar/dock state, splitters, column widths and the bottom tab."""
    settings = window.ui_settings
    settings.setValue("mainWindow/geometry", window.saveGeometry())
    settings.setValue("mainWindow/state", window.saveState())
    for name, splitter in _splitters(window).items():
        settings.setValue(f"mainWindow/splitter/{name}", splitter.saveState())
    for key, fitter in _column_fitters(window).items():
        settings.setValue(key, fitter.header.saveState())
    settings.setValue("mainWindow/bottomTab", window.bottom_tabs.currentIndex())
    settings.sync()


def restore_window_state(window: MainWindow) -> None:
    """What ``save_window_state`` stored; a first start keeps the built-in layout."""
    settings = window.ui_settings
    geometry = settings.value("mainWindow/geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    state = settings.value("mainWindow/state")
    if isinstance(state, QByteArray) and not state.isEmpty():
        window.restoreState(state)
    for name, splitter in _splitters(window).items():
        value = settings.value(f"mainWindow/splitter/{name}")
        if isinstance(value, QByteArray) and not value.isEmpty():
            splitter.restoreState(value)
    for key, fitter in _column_fitters(window).items():
        header = settings.value(key)
        if isinstance(header, QByteArray):
            fitter.restore(header)
    tab = settings.value("mainWindow/bottomTab")
    if tab is not None:
        window.bottom_tabs.setCurrentIndex(int(tab))
