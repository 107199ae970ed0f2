"""Check the connection to a node both ways, as ``rtstation doctor``: TCP reach, C-ECHO, our
receiver port, and whether the node reaches us (a one-instance C-MOVE to our AE title).

The checks run on a worker; the dialog shows one row per check with its diagnosis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rtstation.config import Node
from rtstation.gui import workers
from rtstation.station import Station
from rtstation.station.doctor import Check, run_checks
from rtstation.station.sending import peer_for


class DoctorDialog(QDialog):
    def __init__(
        self,
        station: Station,
        parent: QWidget | None = None,
        *,
        nodes: Sequence[Node] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("DoctorDialog")
        self.setWindowTitle(self.tr("Check connections"))
        self.station = station
        self._task: workers.TaskHandle[Any] | None = None
        self.checks: list[Check] = []

        self.node_combo = QComboBox()
        # Settings passes the node as edited (maybe not saved yet); the menu the saved ones.
        self._nodes = {n.name: n for n in (nodes if nodes is not None else station.settings.nodes)}
        for node in self._nodes.values():
            self.node_combo.addItem(
                f"{node.name} ({node.ae_title} {node.host}:{node.port})", node.name
            )
        self.check_button = QPushButton(self.tr("Check"))
        self.close_button = QPushButton(self.tr("Close"))
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Node")))
        top.addWidget(self.node_combo, 1)
        top.addWidget(self.check_button)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Check"), self.tr("Result"), self.tr("Detail")]
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(True)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.check_button.clicked.connect(self._on_check_clicked)
        self.close_button.clicked.connect(self.reject)
        self.check_button.setEnabled(self.node_combo.count() > 0)
        self.resize(820, 320)

    @property
    def busy(self) -> bool:
        return self._task is not None

    @Slot()
    def _on_check_clicked(self) -> None:
        node = self._nodes.get(str(self.node_combo.currentData() or ""))
        if node is None:
            return
        peer = peer_for(node, self.station.settings.ae_title)
        settings, data_dir = self.station.settings, self.station.paths.data_dir
        self.check_button.setEnabled(False)
        self.table.setRowCount(0)
        self.status_label.setText(self.tr("Checking…"))

        def work(_control: workers.TaskControl) -> list[Check]:
            return run_checks(peer, settings, data_dir)

        self._task = workers.run_task(work, self._on_done, self._on_failed, name="doctor")

    def _on_done(self, checks: list[Check]) -> None:
        self._task = None
        self.checks = checks
        words = {True: self.tr("OK"), False: self.tr("Failed"), None: self.tr("Not checked")}
        for check in checks:
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(check.name))
            self.table.setItem(row, 1, QTableWidgetItem(words[check.ok]))
            self.table.setItem(row, 2, QTableWidgetItem(check.detail))
        self.table.resizeRowsToContents()
        failed = any(c.ok is False for c in checks)
        self.status_label.setText(
            self.tr("A check failed: see its detail.") if failed else self.tr("All checks passed.")
        )
        self.check_button.setEnabled(True)

    def _on_failed(self, exc: BaseException) -> None:
        self._task = None
        self.status_label.setText(str(exc))
        self.check_button.setEnabled(True)
