"""SendController: turn "these plans to these nodes" into durable jobs.

``Station.send_plans`` only writes jobs into the durable queue and returns at once, but it
still touches SQLite, so it runs on a worker like everything else. Before that, the two
questions the original station never asked: is the plan complete (forwarding half a plan
to a treatment system is worse than forwarding nothing), and was it already delivered to
that node (the queue skips delivered instances unless forced)? The Send button and the
tree's "Send to" menu both come here, so both ask the same questions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from rtstation.gui.messages import show_error
from rtstation.gui.models.plan_tree_model import PlanTreeModel
from rtstation.gui.workers import run_task

if TYPE_CHECKING:
    from rtstation.station import Station

LOGGER = logging.getLogger(__name__)


class SendController(QObject):
    """Confirms, then queues; emits ``sendQueued(job ids)`` or ``sendFailed(exc)``."""

    sendStarted = Signal()
    sendQueued = Signal(list)
    sendFailed = Signal(object)

    def __init__(
        self,
        station: Station,
        tree_model: PlanTreeModel,
        window: QWidget,
        parent: QObject | None = None,
        *,
        confirm: bool = True,
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.tree_model = tree_model
        self.window = window
        self.confirm = confirm
        self.busy = False

    def send(self, plan_uids: Sequence[str], node_names: Sequence[str]) -> bool:
        """Ask what needs asking, then queue; False when the user said no or nothing to do."""
        uids, nodes = list(plan_uids), list(node_names)
        if not uids or not nodes or self.busy:
            return False
        force = False
        if self.confirm:
            if not self._confirm_unapproved(uids):
                return False
            if not self._confirm_incomplete(uids):
                return False
            answer = self._confirm_resend(uids, nodes)
            if answer is None:
                return False
            force = answer
        self.busy = True
        self.sendStarted.emit()
        station = self.station
        LOGGER.info("Sending %d plan(s) to %s", len(uids), ", ".join(nodes))
        run_task(
            lambda _control: station.send_plans(uids, nodes, force=force),
            self._on_queued,
            self._on_failed,
            name="send-plans",
        )
        return True

    def _confirm_unapproved(self, uids: list[str]) -> bool:
        """A plan that is not APPROVED (UNAPPROVED, REJECTED, a draft) is usually not
        meant for a treatment system; the rules' "approved only" guards automatic sends,
        this question guards the manual one."""
        unapproved = []
        for uid in uids:
            snapshot = self.tree_model.plan_snapshot(uid)
            if snapshot is not None and snapshot.approval.upper() != "APPROVED":
                status = snapshot.approval or self.tr("no approval status")
                unapproved.append(f"{snapshot.label}: {status}")
        if not unapproved:
            return True
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Send a plan that is not approved?"),
            self.tr("%n of the plans to send is not APPROVED. Send anyway?", "", len(unapproved)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window,
        )
        box.setObjectName("unapprovedQuestion")
        box.setInformativeText("\n".join(unapproved))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def _confirm_incomplete(self, uids: list[str]) -> bool:
        incomplete = []
        for uid in uids:
            snapshot = self.tree_model.plan_snapshot(uid)
            if snapshot is not None and not snapshot.complete:
                incomplete.append(f"{snapshot.label}: {snapshot.completeness}")
        if not incomplete:
            return True
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Send incomplete plan?"),
            self.tr(
                "Some of the plans to send are incomplete: something they reference has not "
                "arrived. Send them anyway?"
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window,
        )
        box.setDetailedText("\n".join(incomplete))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def _confirm_resend(self, uids: list[str], nodes: list[str]) -> bool | None:
        """True to force a resend, False to send what is new, None to abort."""
        already = []
        for uid in uids:
            states = self.tree_model.forwarded_states(uid)
            for node in nodes:
                if states.get(node) == "done":
                    already.append(f"{self.tree_model.plan_label(uid) or uid} -> {node}")
        if not already:
            return False
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Send again?"),
            self.tr(
                "Some plans were already delivered to these nodes. Send everything again, or "
                "only what the node does not have yet?"
            ),
            QMessageBox.StandardButton.Cancel,
            self.window,
        )
        again = box.addButton(self.tr("Send again"), QMessageBox.ButtonRole.AcceptRole)
        only_new = box.addButton(self.tr("Only what is new"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(only_new)
        box.setDetailedText("\n".join(already))
        box.exec()
        clicked = box.clickedButton()
        if clicked is again:
            return True
        if clicked is only_new:
            return False
        return None

    def _on_queued(self, job_ids: object) -> None:
        self.busy = False
        ids = list(job_ids) if isinstance(job_ids, (list, tuple)) else []
        self.sendQueued.emit(ids)

    def _on_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.sendFailed.emit(exc)
        show_error(self.window, self.tr("The plans could not be queued for sending."), exc)
