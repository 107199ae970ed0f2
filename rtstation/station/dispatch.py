"""The enqueue policy: from "send this plan (or these instances) there" to durable jobs.

Rules (through :class:`rtstation.station.forwarding.AutoForwarder`), the GUI and the CLI
all queue through :class:`Dispatcher`; it decides which nodes may get a job, what goes into
it (the plan bundle in ARIA order, machine-mapped copies, only what is new for a late
arrival) and audits it. It never sends: the queue's workers do, on their own threads.
Nothing here calls back into the Station.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from rtstation.config import Node, Settings
from rtstation.dicom.rt_tree import PlanBundle
from rtstation.errors import RtStationError
from rtstation.events import EventBus
from rtstation.routing.follow_ups import plan_reaches, why_not_delivered
from rtstation.routing.send_queue import QueueItem, SendQueue
from rtstation.routing.workers import NodeWorkers
from rtstation.station.anonymized import AnonymizedCopies, CopySet, NewPatient
from rtstation.station.problems import report_problem
from rtstation.station.sending import aria_sorted, bundle_instances, machine_mapped, queue_items
from rtstation.storage.archive import DurableStore
from rtstation.storage.catalog import Catalog

LOGGER = logging.getLogger(__name__)

#: The ``source`` of a job a person asked for; any other source is a rule's.
MANUAL = "manual"
#: Audit event of a job that sends anonymized copies; its detail (JSON) names the new
#: identity, so a follow-up job of the same plan and node is anonymized the same way.
ANONYMIZED = "anonymized"


def _anonymized_note(copies: CopySet, settings: Settings) -> str:
    options = settings.anonymization_options
    chosen = "the profile's options" if options is None else (", ".join(options) or "no option")
    return (
        f"{len(copies.items)} anonymized cop{'y' if len(copies.items) == 1 else 'ies'} as "
        f"patient '{copies.patient_id}' (profile {settings.anonymization_profile}, {chosen})"
    )


class Dispatcher:
    """Queues jobs for plans and instances; safe to call from any thread."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        catalog: Catalog,
        store: DurableStore,
        queue: SendQueue,
        workers: NodeWorkers,
        bus: EventBus,
        copies: AnonymizedCopies,
    ) -> None:
        self._settings = settings
        self.copies = copies
        self.catalog = catalog
        self.store = store
        self.queue = queue
        self.workers = workers
        self.bus = bus

    def _usable_nodes(self, node_names: Iterable[str], *, strict: bool) -> list[Node]:
        """The enabled nodes among ``node_names``.

        ``strict`` (a person asked) raises for an unknown or disabled node; otherwise (a
        rule) it is skipped and reported, and the other nodes still get their jobs.
        """
        settings = self._settings()
        nodes = []
        for name in node_names:
            node = settings.node(name)
            problem = ""
            if node is None:
                known = ", ".join(n.name for n in settings.nodes) or "none"
                problem = f"No node named '{name}' in settings.ini (known: {known})"
            elif not node.enabled:
                problem = f"Node '{name}' is disabled in settings.ini: enable it to send there"
            if problem:
                if strict:
                    raise RtStationError(problem)
                report_problem(self.bus, f"{problem}; nothing was queued for it")
                continue
            nodes.append(node)
        return nodes

    def enqueue_bundle(
        self,
        bundle: PlanBundle,
        node_names: Sequence[str],
        source: str,
        *,
        force: bool = False,
        only_new: bool = False,
        machine_mapping: dict[str, str] | None = None,
        anonymize: NewPatient | None = None,
    ) -> list[int]:
        """Queue one job per node for a plan bundle (durable; returns at once).

        ``source`` "manual" is a person's request: an unknown or disabled node is an error.
        ``only_new`` (late arrivals) queues, as a follow-up job, only what is new for a node
        the plan was delivered to (or is on its way to): instances other than the plan that
        no job of the plan ever had for that node (sent, failed, cancelled or waiting), that
        the node has not got and no active job will bring; nothing when there are none. A
        node whose plan job was cancelled or failed gets nothing: cancelled stays cancelled
        and a refusal is not retried by itself, until a person sends the plan again. A node
        that got the plan anonymized gets the follow-up anonymized the same way.
        ``machine_mapping`` (a rule action) sends the plan as a copy with its treatment
        machines renamed; ``anonymize`` (a rule action) sends anonymized copies of the
        whole bundle as that new patient (:mod:`rtstation.station.anonymized`).
        """
        instances = bundle_instances(self.catalog, bundle)
        if not instances:
            label = bundle.plan.plan_label or bundle.uid
            report_problem(self.bus, f"Plan {label} has no stored files left")
            return []
        if only_new:
            instances = [i for i in instances if i.sop_instance_uid != bundle.uid]
        nodes = self._usable_nodes(node_names, strict=source == MANUAL)
        if not nodes:
            return []
        stored = queue_items(instances)
        groups: dict[NewPatient | None, list[Node]] = {}
        for node in nodes:
            patient = self._anonymized_for(bundle.uid, node.name) if only_new else anonymize
            groups.setdefault(patient, []).append(node)
        job_ids = []
        for patient, group in groups.items():
            if patient is None:
                items, notes = machine_mapped(self.store, stored, machine_mapping or {})
                job_ids += self._enqueue_nodes(bundle, group, items, notes, source, force, only_new)
                continue
            wanted = self._not_sent_anonymized(stored, group) if only_new else stored
            if not wanted:
                continue
            copies = self._anonymized_copies(bundle, wanted, patient, machine_mapping or {})
            if copies is None:
                continue
            notes = [_anonymized_note(copies, self._settings()), *copies.mapped]
            try:
                job_ids += self._enqueue_nodes(
                    bundle, group, list(copies.items), notes, source, force, only_new, patient
                )
            finally:
                self.copies.remove_unneeded([copies.folder], self._needed)
        return job_ids

    def _enqueue_nodes(
        self,
        bundle: PlanBundle,
        nodes: Sequence[Node],
        items_to_send: list[QueueItem],
        notes: list[str],
        source: str,
        force: bool,
        only_new: bool,
        patient: NewPatient | None = None,
    ) -> list[int]:
        max_attempts = self._settings().max_send_attempts
        job_ids = []
        for node in nodes:
            items = list(items_to_send)
            if only_new:
                items = self._new_for(node.name, bundle, items)
                if not items:
                    continue
            job_id = self.queue.enqueue(
                node.name,
                items,
                plan_uid=bundle.uid,
                plan_label=bundle.plan.plan_label,
                patient_id=bundle.patient_id,
                source=source,
                force=force,
                max_attempts=max_attempts,
                follow_up=only_new,
            )
            self.catalog.audit(
                "queued", plan_uid=bundle.uid, node=node.name, source=source, detail=f"job {job_id}"
            )
            if patient is not None:
                record = {"patient_id": patient.patient_id, "patient_name": patient.patient_name}
                self.catalog.audit(
                    ANONYMIZED,
                    plan_uid=bundle.uid,
                    node=node.name,
                    source=source,
                    detail=json.dumps({"job": job_id, **record, "note": notes[0]}),
                )
            for note in notes if patient is None else notes[1:]:
                self.catalog.audit(
                    "machine-mapped", plan_uid=bundle.uid, node=node.name, detail=note
                )
            self.workers.announce_queued(job_id)
            job_ids.append(job_id)
        return job_ids

    def _not_sent_anonymized(
        self, stored: list[QueueItem], nodes: Sequence[Node]
    ) -> list[QueueItem]:
        """The instances some node still lacks in anonymized form, found by their new UIDs
        (the station's map gives them without anonymizing): a late arrival does not copy
        the whole bundle again only to find it was all sent."""
        uid_map = self.copies.uid_map()
        queued = {node.name: {uid for uid, _ in self.queue.queued_for(node.name)} for node in nodes}
        return [
            item
            for item in stored
            if any(
                (new := uid_map.uid(item.sop_instance_uid)) not in queued[node.name]
                and not self.queue.delivered_any(node.name, new)
                for node in nodes
            )
        ]

    def _anonymized_for(self, plan_uid: str, node: str) -> NewPatient | None:
        """The identity the node got the plan under, if it got it anonymized."""
        detail = self.catalog.last_audit_detail(ANONYMIZED, plan_uid=plan_uid, node=node)
        if detail is None:
            return None
        record = json.loads(detail)
        return NewPatient(str(record["patient_id"]), str(record["patient_name"]))

    def _anonymized_copies(
        self,
        bundle: PlanBundle,
        stored: list[QueueItem],
        patient: NewPatient,
        machine_mapping: dict[str, str],
    ) -> CopySet | None:
        """The bundle's anonymized copies; None (reported) when none could be made.

        Nothing of the plan goes out then: an anonymizing rule never sends originals.
        """
        label = bundle.plan.plan_label or bundle.uid
        try:
            copies = self.copies.copy([i.path for i in stored], patient, machine_mapping)
        except (RtStationError, OSError) as exc:
            report_problem(
                self.bus,
                f"Plan {label} was not sent: its anonymized copy could not be made ({exc})",
                f"RTPLAN {bundle.uid}",
            )
            return None
        for line in copies.refused:
            report_problem(
                self.bus,
                f"Plan {label}: a file is not sent because it cannot be anonymized: {line}",
                f"RTPLAN {bundle.uid}",
            )
        return copies

    def _needed(self, folder: Path) -> bool:
        return self.queue.needs_files_under(str(folder))

    def _new_for(self, node: str, bundle: PlanBundle, items: list[QueueItem]) -> list[QueueItem]:
        """What a follow-up of ``bundle`` may carry to ``node`` (see :meth:`enqueue_bundle`)."""
        jobs = self.queue.jobs(node=node, plan_uid=bundle.uid)
        had = self.queue.planned_for(node, bundle.uid) | self.queue.queued_for(node)
        new = [
            i
            for i in items
            if (i.sop_instance_uid, i.content_hash) not in had
            and not self.queue.delivered(node, i.sop_instance_uid, i.content_hash)
        ]
        if plan_reaches(jobs):
            return new
        label = bundle.plan.plan_label or bundle.uid
        LOGGER.info(
            "Plan %s: no follow-up for %s: %s, and a follow-up only goes where its plan was "
            "delivered (%d instance(s) it never got are not sent; send the plan by hand to "
            "send them)",
            label,
            node,
            why_not_delivered(jobs),
            len(new),
        )
        return []

    def send_plans(
        self, plan_uids: Iterable[str], node_names: Sequence[str], *, force: bool = False
    ) -> list[int]:
        """Manual forwarding of plans to nodes; returns the job ids."""
        job_ids: list[int] = []
        for plan_uid in plan_uids:
            bundle = self.catalog.plan_bundle(plan_uid)
            if bundle is None:
                raise RtStationError(f"No plan with SOP Instance UID '{plan_uid}' is stored")
            job_ids += self.enqueue_bundle(bundle, node_names, MANUAL, force=force)
        return job_ids

    def send_instances(
        self,
        sop_instance_uids: Sequence[str],
        node_names: Sequence[str],
        *,
        label: str = "",
        force: bool = False,
    ) -> list[int]:
        """Manual forwarding of arbitrary stored instances (a patient, a folder) in ARIA order."""
        instances = aria_sorted(
            i for uid in sop_instance_uids if (i := self.catalog.get(uid)) is not None
        )
        if not instances:
            raise RtStationError("Nothing to send: none of the instances is stored")
        items = queue_items(instances)
        max_attempts = self._settings().max_send_attempts
        job_ids = [
            self.queue.enqueue(
                node.name,
                items,
                plan_label=label,
                patient_id=instances[0].header.patient_id,
                source=MANUAL,
                force=force,
                max_attempts=max_attempts,
            )
            for node in self._usable_nodes(node_names, strict=True)
        ]
        for job_id in job_ids:
            self.workers.announce_queued(job_id)
        return job_ids
