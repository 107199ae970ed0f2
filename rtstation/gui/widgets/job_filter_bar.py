"""The queue view's filter by state and its "Clear finished" button.

The filter hides rows of the job table (``QTableView.setRowHidden``) instead of putting a
proxy model in between, so every index the panel, its menu and its tests use stays the
model's own. It is applied again whenever the model's rows or states change.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QModelIndex, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QTableView, QWidget

from rtstation.gui.models.job_table_model import STATE_ROLE, JobTableModel

#: (key, states shown); None shows every job.
FILTERS: tuple[tuple[str, frozenset[str] | None], ...] = (
    ("all", None),
    ("open", frozenset({"queued", "pending", "in_flight", "sending", "retrying"})),
    ("retrying", frozenset({"retrying"})),
    ("failed", frozenset({"failed"})),
    ("done", frozenset({"done"})),
    ("cancelled", frozenset({"cancelled"})),
)


def _filter_label(key: str) -> str:
    return {
        "all": QCoreApplication.translate("JobFilterBar", "All jobs"),
        "open": QCoreApplication.translate("JobFilterBar", "Open (queued, sending, retrying)"),
        "retrying": QCoreApplication.translate("JobFilterBar", "Waiting to retry"),
        "failed": QCoreApplication.translate("JobFilterBar", "Failed"),
        "done": QCoreApplication.translate("JobFilterBar", "Done"),
        "cancelled": QCoreApplication.translate("JobFilterBar", "Cancelled"),
    }[key]


class JobFilterBar(QWidget):
    """ "Show: [state]" and "Clear finished"; hides the rows of ``view`` that do not match."""

    clearFinishedRequested = Signal()

    def __init__(self, view: QTableView, model: JobTableModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = view
        self.model = model
        self.combo = QComboBox(self)
        self.combo.setObjectName("jobStateFilter")
        for key, _states in FILTERS:
            self.combo.addItem(_filter_label(key), key)
        self.combo.currentIndexChanged.connect(self.apply)
        self.clear_button = QPushButton(self.tr("Clear finished"), self)
        self.clear_button.setToolTip(
            self.tr(
                "Take done, failed and cancelled jobs off this list (the send history keeps them)"
            )
        )
        self.clear_button.clicked.connect(self.clearFinishedRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(self.tr("Show:"), self))
        layout.addWidget(self.combo)
        layout.addStretch(1)
        layout.addWidget(self.clear_button)
        model.rowsInserted.connect(self.apply)
        model.rowsRemoved.connect(self.apply)
        model.modelReset.connect(self.apply)
        model.dataChanged.connect(self._on_data_changed)

    def set_filter(self, key: str) -> None:
        self.combo.setCurrentIndex(max(self.combo.findData(key), 0))

    @Slot()
    def apply(self, *_args: object) -> None:
        self._apply_rows(range(self.model.rowCount()))

    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, *_: object):
        """A job's progress changed: only its row (sending a series changes it per item)."""
        self._apply_rows(range(top_left.row(), bottom_right.row() + 1))

    def _apply_rows(self, rows: range) -> None:
        wanted = dict(FILTERS).get(self.combo.currentData())
        for row in rows:
            state = self.model.data(self.model.index(row, 0), STATE_ROLE)
            self.view.setRowHidden(row, wanted is not None and state not in wanted)

    def visible_states(self) -> list[str]:
        """States of the rows shown (tests)."""
        return [
            str(self.model.data(self.model.index(row, 0), STATE_ROLE))
            for row in range(self.model.rowCount())
            if not self.view.isRowHidden(row)
        ]
