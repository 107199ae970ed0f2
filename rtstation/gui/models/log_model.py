"""LogListModel: the last few thousand log lines, filtered by level, for the log pane.

Bounded, because a station runs for months. Appends are batched: entries arrive as queued
signals (possibly hundreds a second while a CT series streams in with verbose logging),
and inserting them one row at a time would make the view relayout hundreds of times a
second. They wait in a list and are flushed by a short timer as one ``beginInsertRows``.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Slot,
)

from rtstation.gui.log_handler import LogEntry
from rtstation.gui.theme import status_brush

AnyIndex = QModelIndex | QPersistentModelIndex
_INVALID = QModelIndex()  # default argument for the Qt overrides (never mutated)

LEVEL_ROLE = Qt.ItemDataRole.UserRole + 1
_FLUSH_MS = 100


class LogListModel(QAbstractListModel):
    """Log entries at or above ``minimum_level``, oldest first, at most ``capacity`` kept."""

    def __init__(
        self, capacity: int = 5000, minimum_level: int = logging.INFO, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self._all: deque[LogEntry] = deque(maxlen=capacity)
        self._visible: list[LogEntry] = []
        self._minimum_level = minimum_level
        self._pending: list[LogEntry] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(_FLUSH_MS)
        self._timer.timeout.connect(self.flush)

    # -- Qt model interface -------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = _INVALID) -> int:
        return 0 if parent.isValid() else len(self._visible)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._visible):
            return None
        entry = self._visible[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.line()
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{entry.logger}\n{entry.message}"
        if role == Qt.ItemDataRole.ForegroundRole:
            if entry.level >= logging.ERROR:
                return status_brush("error")
            if entry.level >= logging.WARNING:
                return status_brush("warning")
            if entry.level < logging.INFO:
                return status_brush("muted")
            return None
        if role == LEVEL_ROLE:
            return entry.level
        return None

    # -- feeding ------------------------------------------------------------------------

    @Slot(object)
    def add(self, entry: LogEntry) -> None:
        """Queue one entry; it shows within ``_FLUSH_MS`` (GUI thread only)."""
        self._pending.append(entry)
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def flush(self) -> None:
        """Insert what is pending as one block, then trim the oldest beyond capacity."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        self._all.extend(pending)
        shown = [e for e in pending if e.level >= self._minimum_level][-self.capacity :]
        if shown:
            first = len(self._visible)
            self.beginInsertRows(QModelIndex(), first, first + len(shown) - 1)
            self._visible.extend(shown)
            self.endInsertRows()
        overflow = len(self._visible) - self.capacity
        if overflow > 0:
            self.beginRemoveRows(QModelIndex(), 0, overflow - 1)
            del self._visible[:overflow]
            self.endRemoveRows()

    @property
    def minimum_level(self) -> int:
        return self._minimum_level

    def set_minimum_level(self, level: int) -> None:
        """Show only entries at ``level`` or above (a reset: the user changed the filter)."""
        self.flush()
        if level == self._minimum_level:
            return
        self.beginResetModel()
        self._minimum_level = level
        self._visible = [e for e in self._all if e.level >= level]
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._all.clear()
        self._visible = []
        self._pending = []
        self.endResetModel()

    def entry(self, row: int) -> LogEntry | None:
        return self._visible[row] if 0 <= row < len(self._visible) else None
