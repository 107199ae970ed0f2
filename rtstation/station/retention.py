"""Retention: remove old plans, or the oldest while the storage is over its limit.

The roadmap's auto-cleanup policies, from settings.ini [Retention]:

* ``max_age_days``: a plan received more than N days ago (its RTPLAN's receive time) goes;
* ``max_storage_gb``: while the stored files add up to more than N GB, the oldest eligible
  plans go until the total is below it (counting what removing each one really frees: a CT
  another plan still needs stays, so it frees nothing);
* ``only_delivered`` (default): a plan is eligible only when every node it was queued for
  has its newest job ``done``; a plan never sent is kept. Never a plan with pending work
  (a job queued, sending or waiting to retry), whatever the setting.

:meth:`Retention.plan` is the dry run (``rtstation cleanup --dry-run``) and says for each
plan why it would go; :meth:`Retention.run` removes the same plans one by one through
:class:`~rtstation.station.deleting.Deleting`, so a plan that got a job meanwhile is
refused alone and the others still go. Every removal is audited ("retention").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rtstation.config import Settings
from rtstation.errors import RtStationError
from rtstation.routing.history import SendHistory
from rtstation.routing.send_queue import SendQueue
from rtstation.station.deleting import DeleteSelection, Deleting
from rtstation.storage.catalog import Catalog

LOGGER = logging.getLogger(__name__)

GB = 1024**3


@dataclass(frozen=True)
class Candidate:
    """A plan retention would remove, and why ("older than 30 days", "storage over 200 GB")."""

    plan_uid: str
    plan_label: str
    patient_id: str
    received_at: str
    why: str


@dataclass
class RetentionReport:
    candidates: list[Candidate] = field(default_factory=list)
    selection: DeleteSelection | None = None
    removed: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (plan uid, sentence)
    kept_undelivered: int = 0
    kept_pending: int = 0

    def summary(self) -> str:
        what = self.selection.summary() if self.selection else "nothing"
        refused = f"; {len(self.refused)} refused" if self.refused else ""
        return (
            f"{len(self.candidates)} plan(s) eligible ({what}); {len(self.removed)} removed"
            f"{refused}; kept: {self.kept_pending} with pending work, "
            f"{self.kept_undelivered} not delivered everywhere"
        )


class Retention:
    """Chooses and removes plans by the retention settings; blocking, any thread."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        catalog: Catalog,
        queue: SendQueue,
        history: SendHistory,
        deleting: Deleting,
    ) -> None:
        self._settings = settings
        self.catalog = catalog
        self.queue = queue
        self.history = history
        self.deleting = deleting

    @property
    def enabled(self) -> bool:
        settings = self._settings()
        return settings.retention_days > 0 or settings.retention_max_storage_gb > 0

    def plan(self, now: datetime | None = None) -> RetentionReport:
        """What a run would remove now (the dry run)."""
        settings = self._settings()
        report = RetentionReport()
        if not self.enabled:
            return report
        now = now or datetime.now(UTC)
        busy = self.history.plans_with_pending_work()
        eligible: list[tuple[str, Candidate]] = []
        for bundle in self.catalog.tree().plans:
            plan = self.catalog.get(bundle.uid)
            if plan is None:
                continue
            if bundle.uid in busy:
                report.kept_pending += 1
                continue
            nodes = self.queue.plan_delivery_summary(bundle.uid)
            delivered = bool(nodes) and all(state == "done" for state in nodes.values())
            if settings.retention_only_delivered and not delivered:
                report.kept_undelivered += 1
                continue
            label = bundle.plan.plan_label or bundle.uid
            candidate = Candidate(bundle.uid, label, bundle.patient_id, plan.received_at, "")
            eligible.append((plan.received_at, candidate))
        eligible.sort(key=lambda pair: pair[0])  # ISO 8601 UTC texts sort by time
        chosen: dict[str, Candidate] = {}
        if settings.retention_days > 0:
            limit = (now - timedelta(days=settings.retention_days)).isoformat()
            why = f"received more than {settings.retention_days} day(s) ago"
            for received_at, candidate in eligible:
                if received_at < limit:
                    chosen[candidate.plan_uid] = _with_why(candidate, why)
        if settings.retention_max_storage_gb > 0:
            self._over_size(settings.retention_max_storage_gb, eligible, chosen)
        report.candidates = list(chosen.values())
        if chosen:
            report.selection = self.deleting.select_plans(chosen)
        return report

    def _over_size(
        self, limit_gb: float, eligible: list[tuple[str, Candidate]], chosen: dict[str, Candidate]
    ) -> None:
        """Add the oldest plans until what stays is below the limit."""
        limit = limit_gb * GB
        total = sum(i.size for i in self.catalog.instances())
        freed = self.deleting.select_plans(chosen).size if chosen else 0
        why = f"storage above {limit_gb:g} GB"
        for _received, candidate in eligible:
            if total - freed <= limit:
                return
            if candidate.plan_uid in chosen:
                continue
            chosen[candidate.plan_uid] = _with_why(candidate, why)
            freed = self.deleting.select_plans(chosen).size

    def run(
        self, now: datetime | None = None, *, stop: Callable[[], bool] | None = None
    ) -> RetentionReport:
        """Remove what :meth:`plan` chooses, plan by plan, and audit each; ``stop`` (the
        station stopping) ends the run between two plans."""
        report = self.plan(now)
        for candidate in report.candidates:
            if stop is not None and stop():
                break
            try:
                selection = self.deleting.select_plans([candidate.plan_uid])
                self.deleting.run(selection, f"retention ({candidate.why})")
            except RtStationError as exc:
                report.refused.append((candidate.plan_uid, str(exc)))
                LOGGER.warning("Retention kept plan %s: %s", candidate.plan_uid, exc)
                continue
            self.catalog.audit(
                "retention",
                plan_uid=candidate.plan_uid,
                detail=f"{candidate.why}: {selection.summary()}",
            )
            report.removed.append(candidate.plan_uid)
        if report.candidates:
            LOGGER.info("Retention: %s", report.summary())
        return report


def _with_why(candidate: Candidate, why: str) -> Candidate:
    return Candidate(
        candidate.plan_uid, candidate.plan_label, candidate.patient_id, candidate.received_at, why
    )
