"""NodesPanel: a checkbox per enabled DICOM node and the Send button.

As in the original station: tick plans in the tree, tick one or more nodes, press Send.
The panel only collects the choice; sending is the send controller's business. Ticks
survive a settings change for nodes that still exist, so saving the settings does not
silently change where the next Send goes.

A paused node (its jobs wait, nothing is sent to it) reads "NAME (paused)", and a
right-click on its checkbox offers Pause or Resume; the pausing itself is the pause
controller's business, on a worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from rtstation.gui.icons import icon


class NodesPanel(QGroupBox):
    """Destination checkboxes and Send; emits ``sendRequested(node names)``, and
    ``pauseRequested(name)``/``resumeRequested(name)`` from a checkbox's context menu."""

    sendRequested = Signal(list)
    tickedNodesChanged = Signal()
    pauseRequested = Signal(str)
    resumeRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Send to"))
        self.setObjectName("nodesPanel")
        self._boxes: dict[str, QCheckBox] = {}
        self._paused: set[str] = set()
        self.context_menu: QMenu | None = None
        self._checked_plans = 0
        self._sending = False
        self._box_area = QVBoxLayout()
        self._box_area.setSpacing(2)
        self.empty_label = QLabel(self.tr("No DICOM nodes are enabled. Add one in Settings."), self)
        self.empty_label.setWordWrap(True)
        self.send_button = QPushButton(icon("send"), self.tr("Send"), self)
        self.send_button.setObjectName("sendButton")
        self.send_button.clicked.connect(self._on_send_clicked)
        self.hint_label = QLabel(self)
        self.hint_label.setWordWrap(True)
        self.hint_label.setObjectName("sendHint")
        buttons = QHBoxLayout()
        buttons.addWidget(self.hint_label, 1)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self._box_area)
        layout.addWidget(self.empty_label)
        layout.addLayout(buttons)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._update_button()

    def set_nodes(self, nodes: Sequence[Any]) -> None:
        """Show one checkbox per *enabled* node, keeping the ticks of nodes that remain."""
        ticked = set(self.ticked_nodes())
        for box in self._boxes.values():
            self._box_area.removeWidget(box)
            box.deleteLater()
        self._boxes = {}
        for node in nodes:
            if not getattr(node, "enabled", True):
                continue
            box = QCheckBox(node.name, self)
            box.setObjectName(f"node:{node.name}")
            box.setToolTip(f"{node.ae_title} @ {node.host}:{node.port}")
            box.setChecked(node.name in ticked)
            box.toggled.connect(self._on_box_toggled)
            box.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            box.customContextMenuRequested.connect(
                lambda position, name=node.name: self._show_node_menu(name, position)
            )
            self._box_area.addWidget(box)
            self._boxes[node.name] = box
        self.empty_label.setVisible(not self._boxes)
        self._update_labels()
        self._update_button()

    def set_paused_nodes(self, names: Sequence[str]) -> None:
        """Mark the paused nodes ("NAME (paused)"); a ticked paused node stays ticked:
        its jobs are queued and go out when it is resumed."""
        self._paused = set(names)
        self._update_labels()

    def is_paused(self, name: str) -> bool:
        return name in self._paused

    def _update_labels(self) -> None:
        for name, box in self._boxes.items():
            box.setText(
                self.tr("%1 (paused)").replace("%1", name) if name in self._paused else name
            )

    def node_box(self, name: str) -> QCheckBox | None:
        return self._boxes.get(name)

    def ticked_nodes(self) -> list[str]:
        return [name for name, box in self._boxes.items() if box.isChecked()]

    def set_checked_plan_count(self, count: int) -> None:
        self._checked_plans = count
        self._update_button()

    def set_sending(self, sending: bool) -> None:
        """While the send request is handed to the station (a worker), no double click."""
        self._sending = sending
        self._update_button()

    def _update_button(self) -> None:
        nodes = len(self.ticked_nodes())
        plans = self._checked_plans
        self.send_button.setEnabled(bool(nodes and plans) and not self._sending)
        if not plans:
            hint = self.tr("Tick the plans to send in the tree.")
        elif not nodes:
            hint = self.tr("Tick at least one node.")
        else:
            hint = (
                self.tr("%1 to %2")
                .replace("%1", self.tr("%n plan(s)", "", plans))
                .replace("%2", self.tr("%n node(s)", "", nodes))
            )
        self.hint_label.setText(hint)

    @Slot(bool)
    def _on_box_toggled(self, _checked: bool) -> None:
        self._update_button()
        self.tickedNodesChanged.emit()

    def _show_node_menu(self, name: str, position: QPoint) -> None:
        """Pause or Resume for the right-clicked node (``position`` is the box's)."""
        box = self._boxes.get(name)
        if box is None:
            return
        if self.context_menu is not None:
            self.context_menu.deleteLater()
        menu = QMenu(self)
        menu.setObjectName("nodeMenu")
        if name in self._paused:
            action = QAction(self.tr("Resume node %1").replace("%1", name), menu)
            action.triggered.connect(lambda: self.resumeRequested.emit(name))
        else:
            action = QAction(self.tr("Pause node %1").replace("%1", name), menu)
            action.triggered.connect(lambda: self.pauseRequested.emit(name))
        menu.addAction(action)
        self.context_menu = menu
        menu.popup(box.mapToGlobal(position))

    @Slot()
    def _on_send_clicked(self) -> None:
        nodes = self.ticked_nodes()
        if nodes and self._checked_plans:
            self.sendRequested.emit(nodes)
