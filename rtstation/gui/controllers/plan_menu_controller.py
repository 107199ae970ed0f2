"""PlanMenuController: the plan tree's context menu and what its actions do.

Right-clicking a plan is the quick way to do what the Send panel does in three steps
(tick the plan, tick the node, press Send) and to ask the question a physicist asks
before trusting automatic forwarding: "what would the rules do with *this* plan?".

* "Send to" lists every enabled node (a paused one marked as such: its jobs wait) and
  "All checked nodes" (the nodes ticked in the Send panel). Sending goes through
  :class:`SendController`, so the incomplete-plan and send-again questions are the same
  as for the Send button.
* "Test forwarding rules" runs ``Station.evaluate_rules`` on a worker (it reads the
  catalog) and shows one line per rule, as the station itself would decide now.

The tree panel only reports which plans the menu is for; this controller builds the
menu, so the panel stays a view and the wiring in ``MainWindow`` stays wiring.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from rtstation.gui.controllers.pause_controller import PauseController
from rtstation.gui.controllers.send_controller import SendController
from rtstation.gui.core_text import render
from rtstation.gui.messages import show_error
from rtstation.gui.workers import run_task

if TYPE_CHECKING:
    from rtstation.station import Station

LOGGER = logging.getLogger(__name__)


class PlanMenuController(QObject):
    """Builds and shows the plan context menu; sends and explains the rules from it."""

    rulesExplained = Signal(str, list)  # plan UID, the lines shown

    def __init__(
        self,
        station: Station,
        send_controller: SendController,
        pauses: PauseController,
        ticked_nodes: Callable[[], list[str]],
        plan_label: Callable[[str], str],
        window: QWidget,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.send_controller = send_controller
        self.pauses = pauses
        self.ticked_nodes = ticked_nodes
        self.plan_label = plan_label
        self.window = window
        self.menu: QMenu | None = None
        self.rules_box: QMessageBox | None = None
        self.on_delete: Callable[[list[str]], None] | None = None  # the window's delete

    # -- the menu -----------------------------------------------------------------------

    @Slot(QPoint, list, str)
    def _on_plan_menu_requested(
        self, position: QPoint, plan_uids: list[str], clicked_uid: str
    ) -> None:
        if not plan_uids:
            return
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = self.build_menu(plan_uids, clicked_uid or plan_uids[0])
        self.menu.popup(position)

    def build_menu(self, plan_uids: Sequence[str], clicked_uid: str) -> QMenu:
        """The menu for ``plan_uids``; the actions keep their own copy of the UIDs, so a
        selection that changes while the menu is open does not change what is sent."""
        uids = list(plan_uids)
        menu = QMenu(self.window)
        menu.setObjectName("planMenu")
        menu.setToolTipsVisible(True)
        if len(uids) > 1:
            header = menu.addAction(self.tr("%1 selected plans").replace("%1", str(len(uids))))
            header.setEnabled(False)
            menu.addSeparator()

        send_menu = menu.addMenu(self.tr("Send to"))
        send_menu.setObjectName("sendToMenu")
        send_menu.setToolTipsVisible(True)
        send_menu.setEnabled(not self.send_controller.busy)
        nodes = self.station.settings.enabled_nodes
        for node in nodes:
            name = node.name
            text = (
                self.tr("%1 (paused)").replace("%1", name) if self.pauses.is_paused(name) else name
            )
            action = QAction(text, send_menu)
            action.setObjectName(f"sendTo:{name}")
            action.setToolTip(f"{node.ae_title} @ {node.host}:{node.port}")
            action.triggered.connect(lambda _checked=False, n=name: self.send(uids, [n]))
            send_menu.addAction(action)
        if not nodes:
            empty = send_menu.addAction(self.tr("No DICOM nodes are enabled. Add one in Settings."))
            empty.setEnabled(False)
        send_menu.addSeparator()
        ticked = self.ticked_nodes()
        all_checked = QAction(self.tr("All checked nodes"), send_menu)
        all_checked.setObjectName("sendToChecked")
        all_checked.setEnabled(bool(ticked))
        all_checked.setToolTip(
            ", ".join(ticked) if ticked else self.tr("Tick nodes in the Send panel first.")
        )
        # read the ticks when chosen, not when the menu opened: that is what the user sees
        all_checked.triggered.connect(lambda _checked=False: self.send(uids, self.ticked_nodes()))
        send_menu.addAction(all_checked)

        menu.addSeparator()
        rules = QAction(self.tr("Test forwarding rules"), menu)
        rules.setObjectName("testRules")
        rules.setToolTip(
            self.tr("What the rules decide for %1, without sending anything").replace(
                "%1", self.plan_label(clicked_uid) or clicked_uid
            )
        )
        rules.triggered.connect(lambda _checked=False: self.test_rules(clicked_uid))
        menu.addAction(rules)
        if self.on_delete is not None:
            menu.addSeparator()
            delete = QAction(self.tr("Delete..."), menu)
            delete.setObjectName("deletePlans")
            on_delete = self.on_delete
            delete.triggered.connect(lambda _checked=False: on_delete(uids))
            menu.addAction(delete)
        return menu

    # -- actions ------------------------------------------------------------------------

    def send(self, plan_uids: Sequence[str], node_names: Sequence[str]) -> bool:
        """Through the Send button's path: same questions, same queueing on a worker."""
        return self.send_controller.send(plan_uids, node_names)

    def test_rules(self, plan_uid: str) -> None:
        """Ask the station what its rules say about the plan; show the answer."""
        station = self.station
        run_task(
            lambda _control: station.evaluate_rules(plan_uid),
            lambda decision: self._on_rules_evaluated(plan_uid, decision),
            lambda exc: show_error(
                self.window, self.tr("The forwarding rules could not be tested."), exc
            ),
            name="test-rules",
        )

    def _on_rules_evaluated(self, plan_uid: str, decision: Any) -> None:
        label = self.plan_label(plan_uid) or plan_uid
        if decision.nodes:
            headline = (
                self.tr("The rules send %1 to %2.")
                .replace("%1", label)
                .replace("%2", ", ".join(decision.nodes))
            )
        else:
            headline = self.tr("No rule sends %1 anywhere.").replace("%1", label)
        lines = [render(line) for line in decision.explanation()]
        waiting = [render(what) for what in decision.waiting_for]
        if waiting:
            lines.append(self.tr("Still waiting for: %1").replace("%1", ", ".join(waiting)))
        if self.rules_box is not None:  # one answer at a time; the newest is the one asked
            self.rules_box.close()
            self.rules_box.deleteLater()
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("Forwarding rules"),
            headline + "\n\n" + "\n".join(lines),
            QMessageBox.StandardButton.Ok,
            self.window,
        )
        box.setObjectName("rulesExplanationBox")
        box.setTextFormat(Qt.TextFormat.PlainText)  # rule names are text, never markup
        box.setModal(False)
        box.show()
        self.rules_box = box
        self.rulesExplained.emit(plan_uid, lines)
