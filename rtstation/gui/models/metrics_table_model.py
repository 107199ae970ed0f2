"""The metrics table: one row per plan, sortable by value and filterable by expression.

The source model holds the :class:`PlanReport` of every plan and its flat row
(``rtstation.dicom.metrics.plan_row``, the same row the CLI's CSV and ``--filter`` use), so
a filter typed here means what it means on the command line. Sorting goes by the raw value
(numbers as numbers, a missing value first), not by the displayed text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from rtstation.dicom.metrics import PLAN_COLUMNS, PlanReport, plan_row
from rtstation.dicom.metrics_filter import Predicate, compile_filter

AnyIndex = QModelIndex | QPersistentModelIndex
_INVALID = QModelIndex()
RAW_ROLE = Qt.ItemDataRole.UserRole + 1

# Shown columns, in order; each is a key of plan_row (the filter knows all PLAN_COLUMNS).
COLUMNS: tuple[str, ...] = (
    "patient_id",
    "label",
    "approval",
    "machines",
    "fractions",
    "prescription_gy",
    "total_mu",
    "grid",
    "dmin_gy",
    "dmean_gy",
    "dmax_gy",
    "rois",
    "notes",
)
_NUMERIC = frozenset(
    {"fractions", "prescription_gy", "total_mu", "dmin_gy", "dmean_gy", "dmax_gy", "rois"}
)


def column_title(key: str) -> str:
    titles = {
        "patient_id": QCoreApplication.translate("MetricsTableModel", "Patient"),
        "label": QCoreApplication.translate("MetricsTableModel", "Plan"),
        "approval": QCoreApplication.translate("MetricsTableModel", "Approval"),
        "machines": QCoreApplication.translate("MetricsTableModel", "Machine"),
        "fractions": QCoreApplication.translate("MetricsTableModel", "Fractions"),
        "prescription_gy": QCoreApplication.translate("MetricsTableModel", "Prescription (Gy)"),
        "total_mu": QCoreApplication.translate("MetricsTableModel", "MU"),
        "grid": QCoreApplication.translate("MetricsTableModel", "Dose grid"),
        "dmin_gy": QCoreApplication.translate("MetricsTableModel", "Dmin (Gy)"),
        "dmean_gy": QCoreApplication.translate("MetricsTableModel", "Dmean (Gy)"),
        "dmax_gy": QCoreApplication.translate("MetricsTableModel", "Dmax (Gy)"),
        "rois": QCoreApplication.translate("MetricsTableModel", "ROIs"),
        "notes": QCoreApplication.translate("MetricsTableModel", "Notes"),
    }
    return titles.get(key, key)


def _display(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


class MetricsTableModel(QAbstractTableModel):
    """Plan reports as rows; ``report(row)`` gives the full report behind a row."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._reports: list[PlanReport] = []
        self._rows: list[dict[str, Any]] = []

    def set_reports(self, reports: Sequence[PlanReport]) -> None:
        self.beginResetModel()
        self._reports = list(reports)
        self._rows = [plan_row(r) for r in self._reports]
        self.endResetModel()

    def report(self, row: int) -> PlanReport:
        return self._reports[row]

    def row_values(self, row: int) -> dict[str, Any]:
        return self._rows[row]

    def rowCount(self, parent: AnyIndex = _INVALID) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = _INVALID) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return column_title(COLUMNS[section])
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        key = COLUMNS[index.column()]
        value = self._rows[index.row()].get(key)
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _display(value) if key != "notes" else (value or None)
        if role == RAW_ROLE:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole and key in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class MetricsFilterProxy(QSortFilterProxyModel):
    """Keeps the rows a filter expression accepts; sorts by raw values."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._predicate: Predicate | None = None
        self.setSortRole(RAW_ROLE)

    def set_expression(self, text: str) -> None:
        """Apply ``text`` (empty: every row); raises FilterError and keeps the old filter."""
        predicate = compile_filter(text, PLAN_COLUMNS) if text.strip() else None
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+: the brackets replace invalidate*
            self.beginFilterChange()
            self._predicate = predicate
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._predicate = predicate
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        if self._predicate is None:
            return True
        model = self.sourceModel()
        assert isinstance(model, MetricsTableModel)
        return self._predicate(model.row_values(source_row))

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        a, b = left.data(RAW_ROLE), right.data(RAW_ROLE)
        if a is None or b is None:
            return a is None and b is not None
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        return str(a).lower() < str(b).lower()

    def source_rows(self) -> list[int]:
        """Source rows in the order shown (filtered and sorted)."""
        return [self.mapToSource(self.index(r, 0)).row() for r in range(self.rowCount())]
