"""The Station's members for sending by hand and for the send queue.

Thin by design: each is one call into the dispatcher, the queue or the node workers, kept
on the Station so the GUI and the CLI have one object to talk to (docs/station-api.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rtstation.config import Node, Settings
from rtstation.net.echo import EchoResult, echo
from rtstation.routing.send_queue import Job, SendQueue
from rtstation.routing.workers import NodeWorkers
from rtstation.station.dispatch import Dispatcher
from rtstation.station.sending import peer_for
from rtstation.storage.decisions import DecisionStore


@dataclass(frozen=True)
class PlanStatus:
    """What the GUI shows next to a plan: what it waits for, and where it went."""

    waiting: str
    decision: str  # "pending", "forwarded", "not-forwarded" or "" (never received)
    forwarded: dict[str, str]  # node -> state of the newest job for this plan


class QueueControlMixin:
    """Manual sends, the queue's jobs and the nodes' pause state."""

    settings: Settings
    decisions: DecisionStore
    queue: SendQueue
    workers: NodeWorkers
    dispatcher: Dispatcher

    def plan_status(self, plan_uid: str) -> PlanStatus:
        row = self.decisions.get(plan_uid)
        return PlanStatus(
            waiting=row.waiting if row else "",
            decision=row.state if row else "",
            forwarded=self.queue.plan_delivery_summary(plan_uid),
        )

    # -- sending ------------------------------------------------------------------------

    def send_plans(
        self, plan_uids: Iterable[str], node_names: Sequence[str], *, force: bool = False
    ) -> list[int]:
        """Manual forwarding of plans to nodes; returns the job ids."""
        return self.dispatcher.send_plans(plan_uids, node_names, force=force)

    def send_instances(
        self,
        sop_instance_uids: Sequence[str],
        node_names: Sequence[str],
        *,
        label: str = "",
        force: bool = False,
    ) -> list[int]:
        """Manual forwarding of arbitrary stored instances (a patient, a folder) in ARIA order."""
        return self.dispatcher.send_instances(
            sop_instance_uids, node_names, label=label, force=force
        )

    def jobs(
        self,
        states: Sequence[str] | None = None,
        node: str | None = None,
        plan_uid: str | None = None,
        limit: int = 500,
        *,
        include_cleared: bool = False,
    ) -> list[Job]:
        """Jobs newest first; without the ones "Clear finished" took off unless asked."""
        cleared = include_cleared
        return self.queue.jobs(states, node, plan_uid, limit, include_cleared=cleared)

    def retry_job(self, job_id: int) -> bool:
        return self.workers.retry(job_id)

    def cancel_job(self, job_id: int) -> bool:
        return self.workers.cancel(job_id)

    def pause_node(self, name: str) -> None:
        self.workers.pause_node(name)

    def resume_node(self, name: str) -> None:
        self.workers.resume_node(name)

    def is_paused(self, name: str) -> bool:
        return self.queue.is_paused(name)

    def echo(self, node: Node) -> EchoResult:
        """C-ECHO a node (blocking network call: never on the GUI thread)."""
        return echo(peer_for(node, self.settings.ae_title))
