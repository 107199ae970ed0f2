"""The Nodes tab's table: the dialog's working list of nodes and their last Test result.

Kept apart from the dialog so the dialog module stays about layout and validation; the
table is an item model over a plain list of :class:`Node` values (docs/conventions.md, "GUI
shape": the view is not the data store).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from rtstation.config.model import Node
from rtstation.gui.core_text import render
from rtstation.gui.dialogs._echo import EchoResultLike
from rtstation.gui.models.rows_model import ItemsTableModel
from rtstation.gui.theme import status_color

_NO_PARENT = QModelIndex()


def format_echo_result(result: EchoResultLike) -> str:
    """``OK, 3 ms`` or ``Failed: connection refused (...)``: the Test column's text."""
    if result.ok:
        ms = result.round_trip_ms
        if ms is None:
            return QCoreApplication.translate("SettingsDialog", "OK")
        shown = "<1" if ms < 1 else f"{ms:.0f}"
        return QCoreApplication.translate("SettingsDialog", "OK, {ms} ms").format(ms=shown)
    return QCoreApplication.translate("SettingsDialog", "Failed: {reason}").format(
        reason=render(result.reason)
        or QCoreApplication.translate("SettingsDialog", "no reason given")
    )


class NodesTableModel(ItemsTableModel):
    """The dialog's working list of nodes, plus the last Test result of each.

    The list of Node values is the data; the view only shows it (docs/conventions.md, "GUI
    shape": the widget is not the data store).
    """

    COLUMNS = ("name", "ae_title", "host", "port", "calling_ae", "enabled", "test")

    def __init__(self, nodes: list[Node], parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self._rows = nodes
        self.test_results: dict[str, tuple[bool | None, str]] = {}

    @property
    def nodes(self) -> list[Node]:
        return self._rows

    def headers(self) -> tuple[str, ...]:
        return (
            self.tr("Name"),
            self.tr("AE title"),
            self.tr("Host"),
            self.tr("Port"),
            self.tr("Calling AE"),
            self.tr("Enabled"),
            self.tr("Test"),
        )

    def cell(self, node: Any, column_number: int, role: int) -> Any:
        column = self.COLUMNS[column_number]
        if column == "test":
            ok, text = self.test_results.get(node.name.casefold(), (None, ""))
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                return text
            if role == Qt.ItemDataRole.ForegroundRole and ok is not None:
                return QColor(status_color("ok")) if ok else QColor(status_color("error"))
            return None
        if column == "enabled":
            if role == Qt.ItemDataRole.DisplayRole:
                return self.tr("yes") if node.enabled else self.tr("no")
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "calling_ae" and not node.calling_ae:
                return self.tr("(station AE)")
            return str(getattr(node, column))
        if role == Qt.ItemDataRole.ForegroundRole and not node.enabled:
            return QColor("gray")
        return None

    def replace_nodes(self, nodes: list[Node]) -> None:
        self.beginResetModel()
        self._rows = nodes
        self.endResetModel()

    def set_test_result(self, name: str, ok: bool | None, text: str) -> None:
        self.test_results[name.casefold()] = (ok, text)
        for row, node in enumerate(self.nodes):
            if node.name.casefold() == name.casefold():
                cell = self.index(row, self.COLUMNS.index("test"))
                self.dataChanged.emit(cell, cell)

    def forget_test_result(self, name: str) -> None:
        self.test_results.pop(name.casefold(), None)
