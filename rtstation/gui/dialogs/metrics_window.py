"""The Metrics view: a sortable, filterable table of plans, and a DVH per plan.

The figures come from the station's catalog, where its metrics thread keeps every plan's
metrics as plans arrive, so opening the view on a big station reads rows instead of
doses; only what is missing or out of date is computed. "Compute again" computes every
plan anew. Both run on a worker (gui/workers.py) with progress and Cancel; so does
writing an export. The filter takes the
same expressions as ``rtstation metrics --filter`` (``label contains ADP and dmax_gy >
60``); a mistyped one is named under the field and the table keeps the last good filter.
Selecting a plan draws its cumulative DVH: a curve per ROI (tick a ROI to show or hide
it), the prescription as a dashed line, and the dose and volumes under the mouse.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QItemSelection, QModelIndex, Qt
from PySide6.QtGui import QAction, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from rtstation.dicom.metrics import PLAN_COLUMNS, PlanReport, plan_row, report_json
from rtstation.dicom.metrics_filter import FilterError
from rtstation.gui import workers
from rtstation.gui.messages import show_error
from rtstation.gui.models.metrics_table_model import MetricsFilterProxy, MetricsTableModel
from rtstation.gui.widgets.dvh_plot import DvhCurve, DvhPlot, curve_color

if TYPE_CHECKING:
    from rtstation.station import Station

LOGGER = logging.getLogger(__name__)


def compute_reports(
    station: Station, control: workers.TaskControl, *, recompute: bool = False
) -> list[PlanReport]:
    """Every stored plan's report (worker thread); stops between plans on Cancel."""
    reports = station.plan_metrics(
        recompute=recompute, progress=control.progress, should_cancel=control.should_cancel
    )
    control.check_cancelled()
    return reports


def write_export(path: Path, reports: list[PlanReport], fmt: str) -> Path:
    """CSV (one row per plan, the CLI's columns) or JSON (the CLI's shape)."""
    if fmt == "json":
        data = {"plans": [report_json(r) for r in reports]}
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(PLAN_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for report in reports:
            row = plan_row(report)
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in PLAN_COLUMNS})
    return path


class MetricsWindow(QWidget):
    """A top-level window over a station; ``refresh()`` (re)computes every plan's metrics."""

    def __init__(self, station: Station, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.station = station
        self.setObjectName("MetricsWindow")
        self.setWindowTitle(self.tr("Plan metrics"))
        self.model = MetricsTableModel(self)
        self.proxy = MetricsFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._task: workers.TaskHandle[Any] | None = None
        self._export_task: workers.TaskHandle[Any] | None = None
        self._build()
        self.resize(1200, 720)

    # -- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("metricsFilter")
        self.filter_edit.setPlaceholderText(
            self.tr("Filter, e.g. label contains ADP and dmax_gy > 60")
        )
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.apply_filter)
        self.filter_error = QLabel(self)
        self.filter_error.setObjectName("metricsFilterError")
        self.filter_error.setWordWrap(True)
        self.filter_error.setStyleSheet("color: #b00020")
        self.refresh_button = QPushButton(self.tr("Compute again"), self)
        self.refresh_button.clicked.connect(lambda: self.refresh(recompute=True))
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.csv_button = QPushButton(self.tr("Export CSV..."), self)
        self.csv_button.clicked.connect(lambda: self._ask_export("csv"))
        self.json_button = QPushButton(self.tr("Export JSON..."), self)
        self.json_button.clicked.connect(lambda: self._ask_export("json"))
        self.progress_label = QLabel(self)
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        for widget in (self.refresh_button, self.cancel_button, self.csv_button, self.json_button):
            top.addWidget(widget)

        self.table = QTableView(self)
        self.table.setObjectName("metricsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

        self.roi_model = QStandardItemModel(self)
        self.roi_model.itemChanged.connect(self._on_roi_toggled)
        self.roi_list = QListView(self)
        self.roi_list.setObjectName("dvhRois")
        self.roi_list.setModel(self.roi_model)
        self.roi_list.setMaximumWidth(220)
        self.plot = DvhPlot(self)
        self.readout = QLabel(self.tr("Move the mouse over the DVH to read dose and volume."), self)
        self.readout.setObjectName("dvhReadout")
        self.plot.cursorMoved.connect(lambda _dose, text: self.readout.setText(text))
        self.dvh_title = QLabel(self)
        plot_box = QWidget(self)
        plot_layout = QVBoxLayout(plot_box)
        plot_layout.setContentsMargins(0, 0, 0, 0)
        plot_layout.addWidget(self.dvh_title)
        row = QHBoxLayout()
        row.addWidget(self.roi_list)
        row.addWidget(self.plot, 1)
        plot_layout.addLayout(row, 1)
        plot_layout.addWidget(self.readout)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(plot_box)
        splitter.setSizes([360, 360])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.filter_error)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.progress_label)
        self.filter_error.hide()

    # -- computing ----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None or self._export_task is not None

    def refresh(self, *, recompute: bool = False) -> workers.TaskHandle[Any]:
        """Read (``recompute``: compute) every plan's metrics on a worker, then fill the table."""
        if self._task is not None:
            self._task.cancel()
        self.progress_label.setText(self.tr("Computing plan metrics..."))
        self.refresh_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        station = self.station
        handle = workers.run_task(
            lambda control: compute_reports(station, control, recompute=recompute),
            on_done=self._on_computed,
            on_error=self._on_failed,
            on_progress=self._on_progress,
            on_cancelled=self._on_cancelled,
            name="plan metrics",
        )
        self._task = handle
        return handle

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.progress_label.setText(
            self.tr("Computing plan metrics: %1 of %2 (%3)")
            .replace("%1", str(done))
            .replace("%2", str(total))
            .replace("%3", text)
        )

    def _computation_over(self) -> None:
        self._task = None
        self.refresh_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _on_computed(self, reports: list[PlanReport]) -> None:
        self._computation_over()
        self.model.set_reports(reports)
        self.table.resizeColumnsToContents()
        self.progress_label.setText(self.tr("%n plan(s)", "", len(reports)))

    def _on_failed(self, exc: BaseException) -> None:
        self._computation_over()
        self.progress_label.setText(
            self.tr("Computing the metrics failed: %1").replace("%1", str(exc))
        )
        LOGGER.error("Plan metrics failed: %s", exc)

    def _on_cancelled(self) -> None:
        self._computation_over()
        self.progress_label.setText(self.tr("Cancelled: the table shows the last complete result."))

    # -- filter, selection, DVH ---------------------------------------------------------

    def apply_filter(self, text: str) -> bool:
        """Filter the table; a bad expression is shown and the last good filter stays."""
        try:
            self.proxy.set_expression(text)
        except FilterError as exc:
            self.filter_error.setText(str(exc))
            self.filter_error.show()
            return False
        self.filter_error.hide()
        self.filter_error.clear()
        return True

    def shown_reports(self) -> list[PlanReport]:
        return [self.model.report(r) for r in self.proxy.source_rows()]

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self.open_dvh(self.proxy.mapToSource(indexes[0]))

    def open_dvh(self, source_index: QModelIndex) -> None:
        report = self.model.report(source_index.row())
        curves = []
        self.roi_model.blockSignals(True)
        self.roi_model.clear()
        for roi in report.rois:
            if not roi.volume_at_least_cc.size or not roi.volume_at_least_cc[0]:
                continue
            color = curve_color(len(curves))
            percent = 100.0 * roi.volume_at_least_cc / roi.volume_at_least_cc[0]
            curves.append(DvhCurve(roi.name, roi.dose_gy, percent, color))
            item = QStandardItem(roi.name)
            item.setCheckable(True)
            item.setCheckState(Qt.CheckState.Checked)
            item.setForeground(color)
            item.setEditable(False)
            self.roi_model.appendRow(item)
        self.roi_model.blockSignals(False)
        self.roi_list.reset()
        self.plot.set_curves(curves, report.plan.prescription_gy)
        label = report.plan.label or report.plan.plan_uid
        if curves:
            self.dvh_title.setText(self.tr("DVH of plan %1").replace("%1", label))
        else:
            reason = "; ".join(report.notes) or self.tr("no ROI has a dose")
            self.dvh_title.setText(
                self.tr("No DVH for plan %1: %2").replace("%1", label).replace("%2", reason)
            )

    def _on_roi_toggled(self, item: QStandardItem) -> None:
        self.plot.set_visible(item.text(), item.checkState() == Qt.CheckState.Checked)

    # -- export -------------------------------------------------------------------------

    def _ask_export(self, fmt: str) -> None:
        title = self.tr("Export CSV") if fmt == "csv" else self.tr("Export JSON")
        pattern = self.tr("CSV files (*.csv)") if fmt == "csv" else self.tr("JSON files (*.json)")
        path, _ = QFileDialog.getSaveFileName(self, title, f"plan-metrics.{fmt}", pattern)
        if path:
            self.export(Path(path), fmt)

    def export(
        self, path: Path, fmt: str, on_done: Callable[[Path], None] | None = None
    ) -> workers.TaskHandle[Any]:
        """Write the rows shown (filtered, in the shown order) on a worker."""
        reports = self.shown_reports()

        def done(written: Path) -> None:
            self._export_task = None
            self.progress_label.setText(self.tr("Exported %1").replace("%1", str(written)))
            if on_done is not None:
                on_done(written)

        def failed(exc: BaseException) -> None:
            self._export_task = None
            show_error(self, self.tr("Export failed"), exc)

        self._export_task = workers.run_task(
            lambda _control: write_export(path, reports, fmt),
            on_done=done,
            on_error=failed,
            name="metrics export",
        )
        return self._export_task

    def closeEvent(self, event: Any) -> None:
        self.cancel()
        super().closeEvent(event)


class MetricsLauncher:
    """The menu action that opens the one Metrics window of a main window (lazily)."""

    def __init__(self, station: Station, menu: QMenu, parent: QWidget) -> None:
        self.station = station
        self.parent = parent
        self.window: MetricsWindow | None = None
        self.action = QAction(
            QCoreApplication.translate("MetricsLauncher", "Plan &metrics and DVH..."), parent
        )
        self.action.triggered.connect(self.open)
        menu.addAction(self.action)

    def open(self) -> MetricsWindow:
        if self.window is None:
            self.window = MetricsWindow(self.station, self.parent)
            self.window.refresh()
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        return self.window

    def close(self) -> None:
        if self.window is not None:
            self.window.close()
