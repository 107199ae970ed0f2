"""LogPanel: the log pane, with a level filter and follow-the-tail scrolling."""

from __future__ import annotations

import logging

from PySide6.QtCore import QModelIndex, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rtstation.gui.models.log_model import LogListModel


class LogPanel(QWidget):
    """Shows a :class:`LogListModel`; scrolls with new lines while the user is at the end."""

    LEVELS = (
        ("Debug", logging.DEBUG),
        ("Info", logging.INFO),
        ("Warning", logging.WARNING),
        ("Error", logging.ERROR),
    )

    def __init__(self, model: LogListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.level_combo = QComboBox(self)
        self.level_combo.setObjectName("logLevel")
        names = {
            "Debug": self.tr("Debug"),
            "Info": self.tr("Info"),
            "Warning": self.tr("Warning"),
            "Error": self.tr("Error"),
        }
        for name, level in self.LEVELS:
            self.level_combo.addItem(names[name], level)
        self.level_combo.setCurrentIndex(max(0, self.level_combo.findData(model.minimum_level)))
        self.level_combo.currentIndexChanged.connect(self._on_level_changed)
        clear = QPushButton(self.tr("Clear"), self)
        clear.clicked.connect(model.clear)
        self.view = QListView(self)
        self.view.setObjectName("logView")
        self.view.setModel(model)
        self.view.setUniformItemSizes(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Show:"), self))
        top.addWidget(self.level_combo)
        top.addStretch(1)
        top.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self._follow = True
        model.rowsAboutToBeInserted.connect(self._on_rows_about_to_be_inserted)
        model.rowsInserted.connect(self._on_rows_inserted)

    @Slot(int)
    def _on_level_changed(self, _row: int) -> None:
        self.model.set_minimum_level(int(self.level_combo.currentData()))
        self.view.scrollToBottom()

    @Slot(QModelIndex, int, int)
    def _on_rows_about_to_be_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        bar = self.view.verticalScrollBar()
        self._follow = bar.value() >= bar.maximum() - 2

    @Slot(QModelIndex, int, int)
    def _on_rows_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        if self._follow:
            self.view.scrollToBottom()
