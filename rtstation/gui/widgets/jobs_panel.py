"""JobsPanel: the send queue table, with Retry and Cancel on the selected job."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from rtstation.gui.models.job_table_model import (
    COL_REASON,
    FINISHED_STATES,
    JOB_ID_ROLE,
    STATE_ROLE,
    JobTableModel,
)


class JobsPanel(QWidget):
    """A table of jobs; right-click offers Retry (failed jobs) and Cancel (open jobs)."""

    retryRequested = Signal(int)
    cancelRequested = Signal(int)

    def __init__(self, model: JobTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = QTableView(self)
        self.view.setObjectName("jobTable")
        self.view.setModel(model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((110, 160, 110, 80, 125)):
            if column < COL_REASON:
                self.view.setColumnWidth(column, width)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu_requested)
        self.retry_action = QAction(self.tr("Retry"), self)
        self.retry_action.triggered.connect(self._on_retry_triggered)
        self.cancel_action = QAction(self.tr("Cancel job"), self)
        self.cancel_action.triggered.connect(self._on_cancel_triggered)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

    def _selected(self) -> tuple[int, str] | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        return int(self.model.data(rows[0], JOB_ID_ROLE)), str(self.model.data(rows[0], STATE_ROLE))

    @Slot(QPoint)
    def _on_context_menu_requested(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        self.view.selectRow(index.row())
        selected = self._selected()
        if selected is None:
            return
        _job_id, state = selected
        self.retry_action.setEnabled(state in ("failed", "cancelled"))
        self.cancel_action.setEnabled(state not in FINISHED_STATES)
        menu = QMenu(self)
        menu.addAction(self.retry_action)
        menu.addAction(self.cancel_action)
        menu.exec(self.view.viewport().mapToGlobal(position))

    @Slot()
    def _on_retry_triggered(self) -> None:
        selected = self._selected()
        if selected is not None:
            self.retryRequested.emit(selected[0])

    @Slot()
    def _on_cancel_triggered(self) -> None:
        selected = self._selected()
        if selected is not None:
            self.cancelRequested.emit(selected[0])
