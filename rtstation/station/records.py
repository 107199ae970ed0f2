"""The Station's record keeping: why plans went (or not), the send history, delete and
retention.

A mixin of :class:`~rtstation.station.station.Station`, split off so the facade module
stays small; it only delegates to the parts the Station builds (``decisions``, ``queue``,
``history``, ``deleting``, ``retention``, ``forwarder``), and what each member does is in
docs/station-api.md. Construction of those parts is :func:`build_records`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rtstation.routing.history import SendHistory
from rtstation.station.deleting import DeleteSelection, Deleting
from rtstation.station.history_report import HistoryReport, build_report, utc_text
from rtstation.station.plan_report import PlanExplanation, explanation_of
from rtstation.station.retention import Retention, RetentionReport
from rtstation.storage.deletion import DeleteOutcome, Deleter

if TYPE_CHECKING:
    from rtstation.dicom.rt_tree import PlanBundle
    from rtstation.routing.send_queue import SendQueue
    from rtstation.station.forwarding import AutoForwarder
    from rtstation.station.station import Station
    from rtstation.storage.decisions import DecisionStore


def build_records(
    station: Station, db_path: Path, busy_timeout: float
) -> tuple[SendHistory, Deleting, Retention]:
    """The history reader, the journalled deleter and retention over the station's database
    (called by ``Station.__init__`` once its catalog and queue exist)."""
    history = SendHistory(db_path, busy_timeout=busy_timeout)
    deleter = Deleter(db_path, station.storage_root, busy_timeout=busy_timeout)
    deleting = Deleting(station.catalog, deleter, station.bus)
    retention = Retention(
        lambda: station.settings, station.catalog, station.queue, history, deleting
    )
    return history, deleting, retention


class RecordsMixin:
    """History, explanations, delete and retention members of the Station."""

    decisions: DecisionStore
    queue: SendQueue
    history: SendHistory
    deleting: Deleting
    retention: Retention
    forwarder: AutoForwarder

    def plan_bundle(self, plan_uid: str) -> PlanBundle | None: ...  # the Station's

    def plan_explanation(self, plan_uid: str, *, live: bool = True) -> PlanExplanation:
        """Every rule's verdict (as reason codes), the plan's sends and what it waits for;
        today's rules for a plan with none stored unless ``live`` is False (tree snapshots)."""
        row = self.decisions.get(plan_uid)
        today = None
        if live and (row is None or not row.verdicts):
            bundle = self.plan_bundle(plan_uid)
            today = self.forwarder.explain(bundle) if bundle is not None else None
        return explanation_of(plan_uid, row, self.queue.jobs(plan_uid=plan_uid), today)

    def history_report(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> HistoryReport:
        """The send history of jobs queued in [since, until) with per-rule counts."""
        entries = self.history.entries(
            since.timestamp() if since else None, until.timestamp() if until else None
        )
        decided = self.decisions.decided_between(utc_text(since, ""), utc_text(until, "9999"))
        return build_report(since, until, entries, decided)

    # -- deleting and retention ---------------------------------------------------------

    def select_for_delete(
        self, *, plans: Sequence[str] = (), patients: Sequence[str] = (), everything: bool = False
    ) -> DeleteSelection:
        """What a delete would remove (nothing happens yet). Blocking."""
        if everything:
            return self.deleting.select_all()
        if patients:
            return self.deleting.select_patients(patients)
        return self.deleting.select_plans(plans)

    def delete(
        self, selection: DeleteSelection, reason: str = "deleted by a user"
    ) -> DeleteOutcome:
        """Delete files and rows together; refused (RtStationError) while a job still has
        to send part of it. Blocking."""
        return self.deleting.run(selection, reason)

    def cleanup(self, *, dry_run: bool = False) -> RetentionReport:
        """Retention now: what would go (``dry_run``) or remove it. Blocking."""
        return self.retention.plan() if dry_run else self.retention.run()

    def clear_finished_jobs(self) -> int:
        """Take finished jobs off the queue view (the history keeps them)."""
        return self.history.clear_finished()
