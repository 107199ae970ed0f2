"""What an import did: counts, and every rejected file with the reason, in one dialog.

A physicist importing an old export needs to know at a glance whether everything arrived
and, if not, which files were refused and why (not DICOM, truncated, no SOP Instance UID),
without opening the log. The report is ``rtstation.storage.importer.ImportReport``; only
its ``stored``, ``duplicates``, ``replaced``, ``rejected``, ``cleared`` and ``cancelled``
are read, so any object with those attributes works.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from rtstation.gui.core_text import render
from rtstation.gui.models.rows_model import ItemsTableModel

LOGGER = logging.getLogger(__name__)

_NO_PARENT = QModelIndex()


class ImportReportLike(Protocol):
    stored: int
    duplicates: int
    replaced: int
    rejected: list[tuple[str, str]]


class RejectedFilesModel(ItemsTableModel):
    """Rejected files and folders of a report, named as the import names them (their path
    below the imported folder, so two files of one name stay apart), and the reason."""

    def __init__(self, rejected: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self._rows = [(str(path), str(reason)) for path, reason in rejected]

    def headers(self) -> tuple[str, ...]:
        return (self.tr("File or folder"), self.tr("Reason"))

    def cell(self, row: Any, column: int, role: int) -> Any:
        path, reason = row
        if role == Qt.ItemDataRole.DisplayRole:
            return path if column == 0 else render(reason)
        if role == Qt.ItemDataRole.ToolTipRole:
            return path if column == 0 else render(reason)
        return None


class ImportSummaryDialog(QDialog):
    """Counts on top, the rejected files below (only when there are any)."""

    def __init__(self, report: ImportReportLike, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ImportSummaryDialog")
        self.setWindowTitle(self.tr("Import finished"))
        rejected = list(getattr(report, "rejected", []) or [])
        cancelled = bool(getattr(report, "cancelled", False))
        cleared = int(getattr(report, "cleared", 0) or 0)

        headline = QLabel()
        headline.setWordWrap(True)
        font = headline.font()
        font.setBold(True)
        headline.setFont(font)
        if cancelled:
            headline.setText(self.tr("The import was cancelled; what was stored so far stays."))
            self.setWindowTitle(self.tr("Import cancelled"))
        elif rejected:
            headline.setText(self.tr("Some files could not be imported."))
        else:
            headline.setText(self.tr("All files were imported."))

        self.counts: dict[str, QLabel] = {}
        counts = QFormLayout()
        for key, label, value in (
            ("stored", self.tr("Stored:"), report.stored),
            ("duplicates", self.tr("Already there (identical):"), report.duplicates),
            ("replaced", self.tr("Replaced (same UID, new content):"), report.replaced),
            ("rejected", self.tr("Rejected:"), len(rejected)),
            ("cleared", self.tr("Source files removed:"), cleared),
        ):
            value_label = QLabel(str(value))
            value_label.setObjectName(f"count_{key}")
            self.counts[key] = value_label
            counts.addRow(label, value_label)

        layout = QVBoxLayout(self)
        layout.addWidget(headline)
        layout.addLayout(counts)
        self.rejected_view: QTableView | None = None
        if rejected:
            layout.addWidget(QLabel(self.tr("Rejected files (nothing was stored from these):")))
            view = QTableView()
            view.setModel(RejectedFilesModel(rejected, view))
            view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            view.setWordWrap(False)
            view.verticalHeader().hide()
            header = view.horizontalHeader()
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(0, 240)
            header.setStretchLastSection(True)
            layout.addWidget(view, 1)
            self.rejected_view = view
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        buttons.button(QDialogButtonBox.StandardButton.Close).setFocus()
        self.resize(680, 460 if rejected else 220)
