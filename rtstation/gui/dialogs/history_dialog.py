"""The send history over a date range, with per-rule counts, and its export to CSV or JSON.

What went where, when and why, for the physicist who is asked on Monday what the station
did over the weekend: every job queued in the range with its trigger, patient, plan, node
and times, and per rule the plans it forwarded, failed and skipped. The report comes from
``Station.history_report`` on a worker; the export writes the same CSV or JSON as
``rtstation history`` (so a spreadsheet made from either looks the same).
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rtstation.gui.messages import show_error
from rtstation.gui.rule_reasons import trigger_text
from rtstation.gui.workers import run_task
from rtstation.station.history_report import HistoryReport, local_time

if TYPE_CHECKING:
    from rtstation.station import Station

LOGGER = logging.getLogger(__name__)


def day_range(first: QDate, last: QDate) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in local time: both days included."""
    since = datetime.combine(first.toPython(), time()).astimezone()
    until = datetime.combine(last.toPython() + timedelta(days=1), time()).astimezone()
    return since, until


class HistoryDialog(QDialog):
    """Date range, the jobs and the per-rule counts; Export writes CSV or JSON."""

    def __init__(self, station: Station, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.report: HistoryReport | None = None
        self.setWindowTitle(self.tr("Send history"))
        today = QDate.currentDate()
        self.first = QDateEdit(today.addDays(-30))
        self.last = QDateEdit(today)
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.dateChanged.connect(self.refresh)
        self.format = QComboBox()
        self.format.addItem("CSV", "csv")
        self.format.addItem("JSON", "json")
        self.export_button = QPushButton(self.tr("Export..."))
        self.export_button.clicked.connect(self.export)
        self.status = QLabel()
        top = QHBoxLayout()
        for widget in (
            QLabel(self.tr("From")),
            self.first,
            QLabel(self.tr("to")),
            self.last,
            self.format,
            self.export_button,
        ):
            top.addWidget(widget)
        top.addStretch(1)
        self.jobs = self._table(
            (
                self.tr("Queued"),
                self.tr("Started"),
                self.tr("Finished"),
                self.tr("Patient"),
                self.tr("Plan"),
                self.tr("Node"),
                self.tr("Trigger"),
                self.tr("State"),
            )
        )
        self.rules = self._table(
            (self.tr("Rule"), self.tr("Forwarded"), self.tr("Failed"), self.tr("Skipped"))
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.jobs, 3)
        layout.addWidget(QLabel(self.tr("Plans per rule")))
        layout.addWidget(self.rules, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(960, 560)
        self.refresh()

    @staticmethod
    def _table(headers: tuple[str, ...]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(list(headers))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.verticalHeader().setVisible(False)
        return table

    def refresh(self) -> None:
        since, until = day_range(self.first.date(), self.last.date())
        station = self.station
        self.status.setText(self.tr("Reading the send history..."))
        run_task(
            lambda _control: station.history_report(since, until),
            self._show,
            lambda exc: show_error(self, self.tr("The send history could not be read."), exc),
            name="history-report",
        )

    def _show(self, report: HistoryReport) -> None:
        self.report = report
        self.jobs.setRowCount(len(report.entries))
        for row, entry in enumerate(report.entries):
            values = (
                _short(local_time(entry.created_at)),
                _short(local_time(entry.started_at)),
                _short(local_time(entry.finished_at)),
                entry.patient_id,
                entry.plan_label or entry.plan_uid,
                entry.node,
                trigger_text(entry.trigger),
                f"{entry.state} {entry.sent + entry.skipped}/{entry.total}",
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == 7 and entry.last_error:
                    item.setToolTip(entry.last_error)
                self.jobs.setItem(row, column, item)
        self.rules.setRowCount(len(report.rules))
        for row, counts in enumerate(report.rules):
            c = counts.as_dict()
            name = self.tr("manual") if c["rule"] == "manual" else c["rule"]
            for column, value in enumerate((name, c["forwarded"], c["failed"], c["skipped"])):
                item = QTableWidgetItem(str(value))
                if column:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.rules.setItem(row, column, item)
        self.status.setText(self.tr("%n send job(s) in this range", "", len(report.entries)))

    def export(self) -> None:
        if self.report is None:
            return
        fmt = self.format.currentData()
        name = f"rtstation-history-{self.first.date().toString('yyyy-MM-dd')}.{fmt}"
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export the send history"), name, f"{fmt.upper()} (*.{fmt})"
        )
        if path:
            self.export_to(Path(path), fmt)

    def export_to(self, path: Path, fmt: str) -> None:
        """Write the shown report to ``path`` on a worker (also what a test calls)."""
        report = self.report
        if report is None:
            return
        text = report.to_csv() if fmt == "csv" else report.to_json() + "\n"
        run_task(
            lambda _control: path.write_text(text, encoding="utf-8"),
            lambda _written: self.status.setText(self.tr("Saved %1").replace("%1", str(path))),
            lambda exc: show_error(self, self.tr("The send history could not be saved."), exc),
            name="history-export",
        )


def _short(iso: str) -> str:
    return iso[:19].replace("T", " ") if iso else ""
