"""Table models over a list of rows: the boilerplate once, each table's cells its own.

:class:`ItemsTableModel` answers rowCount, columnCount, headerData and the index checks
of data for any list of row objects; a table only says what a cell shows
(:meth:`ItemsTableModel.cell`). The send queue, the nodes of the Settings dialog and the
refused files of an import summary are such tables.

:class:`RowsTableModel` is the simplest one: rows of text for the small tables in the
details panel (beams, files, history), which show a snapshot the tree already holds; all
rows are swapped in one reset when another plan is selected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

AnyIndex = QModelIndex | QPersistentModelIndex
_INVALID = QModelIndex()  # default argument for the Qt overrides (never mutated)


class ItemsTableModel(QAbstractTableModel):
    """A read-only table whose rows are ``self._rows`` (any objects) under ``headers()``."""

    def __init__(self, headers: Sequence[str] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self._headers = tuple(headers)
        self._rows: list[Any] = []

    def headers(self) -> tuple[str, ...]:
        """The column titles (override to translate them when asked)."""
        return self._headers

    def cell(self, row: Any, column: int, role: int) -> Any:
        """What ``role`` of ``column`` shows for ``row``; None for nothing."""
        raise NotImplementedError

    def rowCount(self, parent: AnyIndex = _INVALID) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = _INVALID) -> int:
        return 0 if parent.isValid() else len(self.headers())

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        headers = self.headers()
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(headers)
        ):
            return headers[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            not index.isValid()
            or not 0 <= index.row() < len(self._rows)
            or not 0 <= index.column() < len(self.headers())
        ):
            return None
        return self.cell(self._rows[index.row()], index.column(), role)


class RowsTableModel(ItemsTableModel):
    """Rows of strings under fixed headers; ``numeric_columns`` are right-aligned."""

    def __init__(
        self,
        headers: Sequence[str],
        numeric_columns: Sequence[int] = (),
        parent: Any = None,
    ) -> None:
        super().__init__(headers, parent)
        self._numeric = frozenset(numeric_columns)

    def cell(self, row: Any, column: int, role: int) -> Any:
        if column >= len(row):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return row[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self._numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def set_rows(self, rows: Sequence[Sequence[str]]) -> None:
        self.beginResetModel()
        self._rows = [tuple(str(v) for v in row) for row in rows]
        self.endResetModel()

    def rows(self) -> list[tuple[str, ...]]:
        return list(self._rows)
