"""The main window's "Retrieve from an archive" and "Store a folder" menu entries.

Kept out of main_window.py so the window needs two lines for them: the dialogs are modal,
and each runs its own network work on workers.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

from rtstation.station import Station


def add_archive_actions(window: QMainWindow, menu: QMenu, station: Station) -> None:
    """Add both entries to ``menu``; the dialogs open on ``window``."""
    retrieve = QAction(
        QCoreApplication.translate("ArchiveActions", "&Retrieve from an archive..."), window
    )
    store = QAction(
        QCoreApplication.translate("ArchiveActions", "S&tore a folder to a node..."), window
    )

    def open_retrieve() -> None:
        from rtstation.gui.dialogs.retrieve_dialog import RetrieveDialog

        dialog = RetrieveDialog(station, window)
        dialog.exec()
        dialog.deleteLater()

    def open_store() -> None:
        from rtstation.gui.dialogs.store_dialog import StoreDialog

        dialog = StoreDialog(station, getattr(window, "ui_settings", None), window)
        dialog.exec()
        dialog.deleteLater()

    retrieve.triggered.connect(open_retrieve)
    store.triggered.connect(open_store)
    retrieve.setObjectName("retrieveAction")
    store.setObjectName("storeAction")
    menu.addAction(retrieve)
    menu.addAction(store)
