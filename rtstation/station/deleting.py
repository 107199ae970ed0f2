"""Delete plans, patients or everything: what goes, what stays, and what is refused.

"Delete Selected" and "Delete All" of the DICOM RT Station, for the GUI and
``rtstation delete``. :meth:`Deleting.select_plans` (and its siblings) say what a delete
would remove before anything happens, so a confirmation can name it; :meth:`Deleting.run`
removes it through the journalled :class:`~rtstation.storage.deletion.Deleter`.

* A plan's bundle goes (plan, doses, structure set, images), except the instances that a
  plan which stays still references: deleting one of two plans on the same CT keeps the CT.
* A patient or everything goes whole, instances of no plan included.
* A plan or instance that a job still has to send (queued, sending, waiting to retry) is
  refused with the job and node, checked inside the delete's first transaction (see
  :mod:`rtstation.storage.deletion`), so nothing is queued between the check and the delete.
* The rules' decisions stay: a plan deleted and received again is not forwarded a second
  time by itself, and the history still counts it.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from rtstation.errors import RtStationError
from rtstation.events import EventBus, PlanChanged
from rtstation.routing.history import active_jobs_in
from rtstation.storage.catalog import Catalog, CatalogInstance
from rtstation.storage.deletion import DeleteOutcome, Deleter, DeleteRefused

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeleteSelection:
    """What a delete would remove (``instance_uids``) and what it keeps (``kept_shared``:
    instances of the selection that a plan which stays still needs)."""

    what: str  # "plans", "patients" or "all": for the audit and the messages
    plan_uids: tuple[str, ...]
    plan_labels: tuple[str, ...]
    patient_ids: tuple[str, ...]
    instance_uids: tuple[str, ...]
    size: int
    kept_shared: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.instance_uids and not self.plan_uids

    def summary(self) -> str:
        """English line for the CLI and the audit: "2 plans of 1 patient, 310 files, 160 MB"."""
        kept = f"; {len(self.kept_shared)} shared file(s) stay" if self.kept_shared else ""
        return (
            f"{len(self.plan_uids)} plan(s) of {len(self.patient_ids)} patient(s), "
            f"{len(self.instance_uids)} file(s), {self.size / 1e6:.1f} MB{kept}"
        )


class Deleting:
    """Builds selections and runs them; safe to call from any thread (blocking)."""

    def __init__(self, catalog: Catalog, deleter: Deleter, bus: EventBus) -> None:
        self.catalog = catalog
        self.deleter = deleter
        self.bus = bus

    # -- what would go ----------------------------------------------------------------

    def select_plans(self, plan_uids: Iterable[str]) -> DeleteSelection:
        wanted = list(dict.fromkeys(plan_uids))
        by_patient: dict[str, list[str]] = {}
        for uid in wanted:
            instance = self.catalog.get(uid)
            if instance is None or instance.removed_at is not None:
                raise RtStationError(f"No plan with SOP Instance UID '{uid}' is stored")
            by_patient.setdefault(instance.header.patient_id, []).append(uid)
        remove: dict[str, CatalogInstance] = {}
        kept: set[str] = set()
        labels: list[str] = []
        for patient_id, uids in by_patient.items():
            tree = self.catalog.tree(patient_id)
            chosen = set(uids)
            still_needed = {
                h.sop_instance_uid
                for plan in tree.plans
                if plan.uid not in chosen
                for h in plan.instances()
            }
            by_uid = {i.sop_instance_uid: i for i in self.catalog.instances(patient_id)}
            for plan in tree.plans:
                if plan.uid not in chosen:
                    continue
                labels.append(plan.plan.plan_label or plan.uid)
                for header in plan.instances():
                    uid = header.sop_instance_uid
                    if uid in still_needed:
                        kept.add(uid)
                    elif uid in by_uid:
                        remove[uid] = by_uid[uid]
        return self._selection("plans", wanted, labels, list(by_patient), remove, kept)

    def select_patients(self, patient_ids: Iterable[str]) -> DeleteSelection:
        ids = list(dict.fromkeys(patient_ids))
        remove: dict[str, CatalogInstance] = {}
        plans: list[str] = []
        labels: list[str] = []
        for patient_id in ids:
            instances = self.catalog.instances(patient_id)
            if not instances:
                raise RtStationError(f"No patient with ID '{patient_id}' is stored")
            remove.update((i.sop_instance_uid, i) for i in instances)
            for plan in self.catalog.tree(patient_id).plans:
                plans.append(plan.uid)
                labels.append(plan.plan.plan_label or plan.uid)
        return self._selection("patients", plans, labels, ids, remove, set())

    def select_all(self) -> DeleteSelection:
        patients = [p for p in self.catalog.patient_ids() if self.catalog.instances(p)]
        if not patients:
            return DeleteSelection("all", (), (), (), (), 0)
        return replace(self.select_patients(patients), what="all")

    @staticmethod
    def _selection(
        what: str,
        plan_uids: Sequence[str],
        labels: Sequence[str],
        patient_ids: Sequence[str],
        remove: dict[str, CatalogInstance],
        kept: set[str],
    ) -> DeleteSelection:
        return DeleteSelection(
            what=what,
            plan_uids=tuple(plan_uids),
            plan_labels=tuple(labels),
            patient_ids=tuple(patient_ids),
            instance_uids=tuple(remove),
            size=sum(i.size for i in remove.values()),
            kept_shared=tuple(sorted(kept)),
        )

    # -- doing it ---------------------------------------------------------------------

    def run(self, selection: DeleteSelection, reason: str, **kwargs: object) -> DeleteOutcome:
        """Delete the selection; raises RtStationError (nothing changed) when a job still
        has to send part of it. ``kwargs`` go to :meth:`Deleter.delete` (tests)."""
        if selection.empty:
            return DeleteOutcome(0, 0, 0)
        plan_uids = set(selection.plan_uids)

        def guard(conn: sqlite3.Connection, uids: Sequence[str]) -> str:
            busy = active_jobs_in(conn, uids, plan_uids)
            if not busy:
                return ""
            shown = "; ".join(
                f"job {job_id} to {node} is {state} for {label or 'its instances'}"
                for job_id, node, state, label in busy[:5]
            )
            more = f" (and {len(busy) - 5} more)" if len(busy) > 5 else ""
            raise DeleteRefused(
                f"Cannot delete {selection.summary()}: {shown}{more}; cancel the job or wait "
                "until it has finished, then delete again",
                tuple(busy),
            )

        outcome = self.deleter.delete(
            selection.instance_uids,
            f"{reason}: {selection.summary()}",
            plan_uids=selection.plan_uids,
            guard=guard,
            **kwargs,  # type: ignore[arg-type]
        )
        self._refresh(selection.patient_ids, selection.plan_uids)
        return outcome

    def recover(self) -> DeleteOutcome:
        """Finish an interrupted delete (primary station at startup)."""
        outcome = self.deleter.recover()
        if outcome.instances:
            self._refresh(self.catalog.patient_ids() + [p.patient_id for p in self.catalog.plans()])
        return outcome

    def _refresh(self, patient_ids: Iterable[str], plan_uids: Iterable[str] = ()) -> None:
        for patient_id in dict.fromkeys(patient_ids):
            self.catalog.refresh_plans(patient_id)
            self.bus.publish(PlanChanged("", patient_id))
        LOGGER.debug("Refreshed plans after a delete: %s", list(plan_uids))
