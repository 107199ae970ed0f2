"""The main window's "Retrieve from an archive", "Store a folder" and "Check connections"
menu entries.

Kept out of main_window.py so the window needs two lines for them: the dialogs are modal,
and each runs its own network work on workers.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QWidget

from rtstation.config import Node
from rtstation.station import Station


def add_archive_actions(window: QMainWindow, menu: QMenu, station: Station) -> None:
    """Add the entries to ``menu``; the dialogs open on ``window``."""
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

    doctor = QAction(QCoreApplication.translate("ArchiveActions", "&Check connections..."), window)

    retrieve.triggered.connect(open_retrieve)
    store.triggered.connect(open_store)
    doctor.triggered.connect(lambda: open_doctor(station, window))
    retrieve.setObjectName("retrieveAction")
    store.setObjectName("storeAction")
    doctor.setObjectName("doctorAction")
    menu.addAction(retrieve)
    menu.addAction(store)
    menu.addAction(doctor)


def open_doctor(station: Station, parent: QWidget, nodes: Sequence[Node] | None = None) -> None:
    """The connection checks, for ``nodes`` (as edited in Settings) or the saved ones."""
    from rtstation.gui.dialogs.doctor_dialog import DoctorDialog

    dialog = DoctorDialog(station, parent, nodes=nodes)
    dialog.exec()
    dialog.deleteLater()
