"""The enqueue policy: from "send this plan (or these instances) there" to durable jobs.

Rules (through :class:`rtstation.station.forwarding.AutoForwarder`), the GUI and the CLI
all queue through :class:`Dispatcher`; it decides which nodes may get a job, what goes into
it (the plan bundle in ARIA order, machine-mapped copies, only what is new for a late
arrival) and audits it. It never sends: the queue's workers do, on their own threads.
Nothing here calls back into the Station.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rtstation.config import Node, Settings
from rtstation.dicom.rt_tree import PlanBundle
from rtstation.errors import RtStationError
from rtstation.events import EventBus
from rtstation.routing.send_queue import SendQueue
from rtstation.routing.workers import NodeWorkers
from rtstation.station.problems import report_problem
from rtstation.station.sending import aria_sorted, bundle_instances, machine_mapped, queue_items
from rtstation.storage.archive import DurableStore
from rtstation.storage.catalog import Catalog

#: The ``source`` of a job a person asked for; any other source is a rule's.
MANUAL = "manual"


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
    ) -> None:
        self._settings = settings
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
    ) -> list[int]:
        """Queue one job per node for a plan bundle (durable; returns at once).

        ``source`` "manual" is a person's request: an unknown or disabled node is an error.
        ``only_new`` (late arrivals) queues, as a follow-up job, only instances other than
        the plan that the node neither has nor has queued, and nothing when there are none.
        ``machine_mapping`` (a rule action) sends the plan as a copy with its treatment
        machines renamed.
        """
        instances = bundle_instances(self.catalog, bundle)
        if not instances:
            label = bundle.plan.plan_label or bundle.uid
            report_problem(self.bus, f"Plan {label} has no stored files left")
            return []
        if only_new:
            instances = [i for i in instances if i.sop_instance_uid != bundle.uid]
        job_ids = []
        nodes = self._usable_nodes(node_names, strict=source == MANUAL)
        mapped, notes = (
            machine_mapped(self.store, queue_items(instances), machine_mapping or {})
            if nodes
            else ([], [])
        )
        max_attempts = self._settings().max_send_attempts
        for node in nodes:
            items = list(mapped)
            if only_new:
                queued = self.queue.queued_for(node.name)
                items = [
                    i
                    for i in items
                    if (i.sop_instance_uid, i.content_hash) not in queued
                    and not self.queue.delivered(node.name, i.sop_instance_uid, i.content_hash)
                ]
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
            for note in notes:
                self.catalog.audit(
                    "machine-mapped", plan_uid=bundle.uid, node=node.name, detail=note
                )
            self.workers.announce_queued(job_id)
            job_ids.append(job_id)
        return job_ids

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
