"""The main window's "Delete selected...", "Delete all..." and "Send history..." entries.

Kept out of main_window.py (one call there): "Delete selected" deletes the patients whose
rows are selected, else the plans of the selected rows (a file row stands for its plan),
else the ticked plans; the DeleteController asks first and says what goes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from rtstation.gui.controllers.delete_controller import DeleteController
from rtstation.gui.models.plan_tree_nodes import KIND_ROLE, PATIENT, PATIENT_ID_ROLE

if TYPE_CHECKING:
    from rtstation.gui.main_window import MainWindow


def selected_patients(window: MainWindow) -> list[str]:
    rows = window.tree_panel.view.selectionModel().selectedRows()
    return list(
        dict.fromkeys(
            str(index.data(PATIENT_ID_ROLE)) for index in rows if index.data(KIND_ROLE) == PATIENT
        )
    )


def delete_selected(window: MainWindow) -> None:
    patients = selected_patients(window)
    if patients:
        window.delete_controller.delete_patients(patients)
        return
    plans = window.tree_panel.selected_plan_uids() or window.tree_model.checked_plan_uids()
    if plans:
        window.delete_controller.delete_plans(plans)
        return
    QMessageBox.information(
        window,
        QCoreApplication.translate("HousekeepingActions", "Delete"),
        QCoreApplication.translate(
            "HousekeepingActions", "Select the patients or plans to delete in the list first."
        ),
    )


def add_housekeeping_actions(window: MainWindow, file_menu: QMenu, view_menu: QMenu) -> None:
    """Delete entries in File (as the DICOM RT Station has them), the history in View."""
    window.delete_controller = DeleteController(window.station, window, window)
    window.delete_controller.deleted.connect(lambda _selection: window.tree_controller.load_all())
    window.plan_menu_controller.on_delete = window.delete_controller.delete_plans
    delete = QAction(
        QCoreApplication.translate("HousekeepingActions", "&Delete selected..."), window
    )
    delete.setObjectName("deleteSelectedAction")
    delete.setShortcut(QKeySequence.StandardKey.Delete)
    delete.triggered.connect(lambda: delete_selected(window))
    delete_all = QAction(
        QCoreApplication.translate("HousekeepingActions", "Delete &all..."), window
    )
    delete_all.setObjectName("deleteAllAction")
    delete_all.triggered.connect(window.delete_controller.delete_all)
    history = QAction(QCoreApplication.translate("HousekeepingActions", "Send &history..."), window)
    history.setObjectName("historyAction")
    history.triggered.connect(lambda: open_history(window))
    file_menu.addSeparator()
    file_menu.addAction(delete)
    file_menu.addAction(delete_all)
    view_menu.addAction(history)
    window.delete_selected_action = delete
    window.delete_all_action = delete_all
    window.history_action = history


def open_history(window: MainWindow) -> None:
    from rtstation.gui.dialogs.history_dialog import HistoryDialog

    dialog = HistoryDialog(window.station, window)
    window.history_dialog = dialog
    dialog.exec()
    dialog.deleteLater()
    window.history_dialog = None
