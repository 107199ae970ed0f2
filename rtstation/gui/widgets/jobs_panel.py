"""JobsPanel: the send queue table, with Retry, Cancel and Pause/Resume node on the
selected job.

Pause and resume are offered here because the job table is where a physicist sees a node
misbehave (a TPS in maintenance answering every association with a refusal); the panel
only says what was asked for, the pause controller does it on a worker.
"""

from __future__ import annotations

from collections.abc import Iterable

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
    COL_PLAN,
    COL_REASON,
    FINISHED_STATES,
    JOB_ID_ROLE,
    NODE_ROLE,
    STATE_ROLE,
    JobTableModel,
)
from rtstation.gui.widgets.column_fit import ColumnFitter
from rtstation.gui.widgets.job_filter_bar import JobFilterBar


class JobsPanel(QWidget):
    """A table of jobs; right-click offers Retry (failed jobs), Cancel (open jobs) and
    Pause or Resume for the job's node."""

    retryRequested = Signal(int)
    clearFinishedRequested = Signal()
    cancelRequested = Signal(int)
    pauseRequested = Signal(str)
    resumeRequested = Signal(str)

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
        self.column_fitter = ColumnFitter(self.view, range(COL_REASON), {COL_PLAN: 260}, self)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu_requested)
        self.retry_action = QAction(self.tr("Retry"), self)
        self.retry_action.triggered.connect(self._on_retry_triggered)
        self.cancel_action = QAction(self.tr("Cancel job"), self)
        self.cancel_action.triggered.connect(self._on_cancel_triggered)
        self.pause_action = QAction(self)
        self.pause_action.triggered.connect(self._on_pause_triggered)
        self._paused: set[str] = set()
        self._menu_node = ""
        self.context_menu: QMenu | None = None
        self.filter_bar = JobFilterBar(self.view, model, self)
        self.filter_bar.clearFinishedRequested.connect(self.clearFinishedRequested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.view)

    def set_paused_nodes(self, names: Iterable[str]) -> None:
        """Which nodes are paused, so the menu offers Resume for them."""
        self._paused = set(names)

    def _selected(self) -> tuple[int, str, str] | None:
        """(job id, state, node) of the selected job."""
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        row = rows[0]
        return (
            int(self.model.data(row, JOB_ID_ROLE)),
            str(self.model.data(row, STATE_ROLE)),
            str(self.model.data(row, NODE_ROLE)),
        )

    @Slot(QPoint)
    def _on_context_menu_requested(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        self.view.selectRow(index.row())
        selected = self._selected()
        if selected is None:
            return
        _job_id, state, node = selected
        self.retry_action.setEnabled(state in ("failed", "cancelled", "retrying"))
        self.retry_action.setText(self.tr("Retry now") if state == "retrying" else self.tr("Retry"))
        self.cancel_action.setEnabled(state not in FINISHED_STATES)
        self._menu_node = node
        self.pause_action.setText(
            self.tr("Resume node %1").replace("%1", node)
            if node in self._paused
            else self.tr("Pause node %1").replace("%1", node)
        )
        if self.context_menu is not None:
            self.context_menu.deleteLater()
        menu = QMenu(self)
        menu.setObjectName("jobMenu")
        menu.addAction(self.retry_action)
        menu.addAction(self.cancel_action)
        menu.addSeparator()
        menu.addAction(self.pause_action)
        self.context_menu = menu
        menu.popup(self.view.viewport().mapToGlobal(position))

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

    @Slot()
    def _on_pause_triggered(self) -> None:
        """For the node the menu was opened on, whatever is selected by now."""
        node = self._menu_node
        if not node:
            return
        if node in self._paused:
            self.resumeRequested.emit(node)
        else:
            self.pauseRequested.emit(node)
