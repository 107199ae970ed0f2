"""The Station: one application service behind the GUI and ``rtstation serve``.

It wires the catalog, durable storage, the receiver, the settle tracker, the rules and
the send queue, and publishes plain events (see :mod:`rtstation.events`) for whoever
listens. Unattended forwarding is the same code path with or without a window.

Threads: receiver handlers run on pynetdicom's association threads, send workers on their
own threads, the settle timer and the rules watcher on theirs, imports on the caller's
thread. Every public method is safe to call from any thread; the GUI calls the slow ones
from workers, never from its own thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rtstation.config import (
    ConfigPaths,
    Node,
    RulesConfig,
    Settings,
    check_folders,
    load_rules,
    load_station_config,
    save_rules,
    save_settings,
)
from rtstation.database import BUSY_TIMEOUT_SECONDS
from rtstation.dicom.rt_tree import PlanBundle, RtTree
from rtstation.errors import DicomReadError, NetworkError, RtStationError, StorageError
from rtstation.events import (
    AssociationEnded,
    EventBus,
    InstanceRejected,
    JobChanged,
    PlanChanged,
    ReceiverStateChanged,
    StationProblem,
)
from rtstation.net.echo import EchoResult, echo
from rtstation.net.receiver import (
    STATUS_CANNOT_UNDERSTAND,
    STATUS_OUT_OF_RESOURCES,
    STATUS_SUCCESS,
    Caller,
    ReceiverConfig,
    StorageReceiver,
)
from rtstation.routing.rules import Decision
from rtstation.routing.rules_watch import RulesWatcher
from rtstation.routing.send_queue import Job, JobEvent, SendQueue
from rtstation.routing.workers import NodeWorkers
from rtstation.station.forwarding import AutoForwarder
from rtstation.station.sending import (
    NetworkSender,
    aria_sorted,
    bundle_instances,
    machine_mapped,
    peer_for,
    queue_items,
)
from rtstation.storage.archive import DurableStore
from rtstation.storage.catalog import Catalog, CatalogInstance
from rtstation.storage.decisions import DecisionStore
from rtstation.storage.importer import ImportProgress, ImportReport, import_paths
from rtstation.storage.ingest import IMPORT_SOURCE, Ingestor
from rtstation.storage.process_lock import PrimaryLock
from rtstation.storage.reindex import ReindexReport, reindex

LOGGER = logging.getLogger(__name__)

CATALOG_FILE = "catalog.sqlite"
TICK_SECONDS = 0.5
SWEEP_SECONDS = 300.0
# A receive still in progress writes to its file at least every network timeout (60 s);
# a staging file untouched for this long belongs to an association that died.
STALE_SECONDS = 900.0


@dataclass(frozen=True)
class ReceiverState:
    state: str  # "listening", "stopped", "error"
    message: str


@dataclass(frozen=True)
class PlanStatus:
    """What the GUI shows next to a plan: what it waits for, and where it went."""

    waiting: str
    decision: str  # "pending", "forwarded", "not-forwarded" or "" (never received)
    forwarded: dict[str, str]  # node -> state of the newest job for this plan


def receiver_config(settings: Settings, bind_address: str = "") -> ReceiverConfig:
    """``bind_address`` (``serve --bind``) wins over settings.ini's ``bind_address``."""
    return ReceiverConfig(
        ae_title=settings.ae_title,
        port=settings.port,
        bind_address=bind_address or settings.bind_address,
        allow_list_enabled=settings.allow_list_enabled,
        allowed_callers=settings.allowed_calling_aes,
        require_called_ae_title=settings.require_called_ae_title,
        max_associations=settings.receiver_max_associations,
        association_request_timeout=settings.association_request_timeout,
    )


def lease_owner(primary: bool) -> str:
    """Lease owner of this process's send workers.

    The primary station is "<host>:primary" in every run, so after a crash it takes back
    its own in-flight jobs at once; any other process (a CLI ``send``) is "<host>:<pid>",
    never confused with the primary, and its jobs resume when its lease runs out.
    """
    return f"{socket.gethostname()}:{'primary' if primary else os.getpid()}"


class Station:
    """Everything a station does, with no user interface attached."""

    def __init__(
        self,
        paths: ConfigPaths,
        settings: Settings,
        rules: RulesConfig,
        *,
        bus: EventBus | None = None,
        bind_address: str = "",
        database_busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.rules = rules
        self.bus = bus or EventBus()
        self.bind_address = bind_address
        self.storage_root = Path(settings.storage_folder)
        self.store = DurableStore(
            self.storage_root, min_free_bytes=settings.min_free_space_mb * 1024 * 1024
        )
        db_path = Path(paths.data_dir) / CATALOG_FILE
        timeout = database_busy_timeout
        self.catalog = Catalog(db_path, self.storage_root, busy_timeout=timeout)
        self.decisions = DecisionStore(db_path, busy_timeout=timeout)
        self.queue = SendQueue(db_path, busy_timeout=timeout)
        self.ingestor = Ingestor(
            self.store, self.catalog, self.bus, verbose=settings.verbose_info_logging
        )
        self.workers = NodeWorkers(
            self.queue,
            NetworkSender(lambda: self.settings, self._current_hash),
            self.bus,
            owner=lease_owner(primary=False),
            retry_base=settings.retry_base_seconds,
            retry_cap=settings.retry_max_seconds,
        )
        self.forwarder = AutoForwarder(
            self.catalog,
            self.decisions,
            lambda: self.rules,
            self.enqueue_bundle,
            self.bus,
            settings.settle_seconds,
        )
        self._rules_watcher: RulesWatcher | None = None
        self._receiver: StorageReceiver | None = None
        self._receiver_state = ReceiverState("stopped", "Stopped")
        self._lock = threading.RLock()
        self._association_patients: dict[int, set[str]] = defaultdict(set)
        self._association_counts: dict[int, int] = defaultdict(int)
        self._stopping = threading.Event()
        self._timer: threading.Thread | None = None
        self.bus.subscribe(JobChanged, self._on_job_changed)
        self._primary = PrimaryLock(Path(paths.data_dir))
        if self._primary.acquire():
            self.ingestor.recover()
            self.workers.owner = lease_owner(primary=True)
        else:
            LOGGER.info(
                "Another station process works on %s; crash recovery is left to it",
                paths.data_dir,
            )

    def _current_hash(self, sop_instance_uid: str) -> str | None:
        instance = self.catalog.get(sop_instance_uid)
        return instance.content_hash if instance is not None else None

    @property
    def is_primary(self) -> bool:
        """True for the one process that recovers after crashes and resumes decisions."""
        return self._primary.held

    @classmethod
    def open(cls, config_dir: str | None = None, **kwargs: object) -> Station:
        """Load settings.ini and rules.ini of ``config_dir`` (writing defaults on first run)."""
        paths, settings, rules = load_station_config(config_dir)
        return cls(paths, settings, rules, **kwargs)  # type: ignore[arg-type]

    # -- events -------------------------------------------------------------------------

    def subscribe(self, event_type: type, callback: Callable[[object], None]) -> Callable[[], None]:
        """Subscribe to station events; callbacks run on the publishing thread."""
        return self.bus.subscribe(event_type, callback)

    def _problem(self, message: str, detail: str = "") -> None:
        LOGGER.error("%s", message)
        self.bus.publish(StationProblem(message, detail))

    # -- receiver -----------------------------------------------------------------------

    @property
    def receiver_state(self) -> ReceiverState:
        return self._receiver_state

    def _set_receiver_state(self, state: str, message: str) -> None:
        self._receiver_state = ReceiverState(state, message)
        self.bus.publish(ReceiverStateChanged(state, message))

    def start_receiver(self) -> None:
        """Start listening; raises :class:`NetworkError` (and publishes it) if it can't."""
        with self._lock:
            if self._receiver is not None and self._receiver.is_running:
                return
            # pynetdicom streams each received dataset into a NamedTemporaryFile in the
            # default temp folder; pointing that at our staging folder keeps it on the
            # storage volume, so taking the file over is a rename, never a second copy.
            tempfile.tempdir = str(self.store.incoming)
            receiver = StorageReceiver(
                receiver_config(self.settings, self.bind_address),
                store=self._store_received,
                on_closed=self._association_closed,
                on_rejected=self._association_rejected,
                space_left=self.store.space_above_floor,
                on_refused=lambda c, uid, status, why: self._reject(c, uid, why, status),
            )
            try:
                receiver.start()
            except NetworkError as exc:
                self._set_receiver_state("error", str(exc))
                self._problem(str(exc))
                raise
            self._receiver = receiver
            self._set_receiver_state(
                "listening",
                f"Listening as {self.settings.ae_title} on port {self.settings.port}",
            )

    def stop_receiver(self) -> None:
        with self._lock:
            receiver, self._receiver = self._receiver, None
        if receiver is not None:
            receiver.stop()
            self._set_receiver_state("stopped", "Stopped")

    def _store_received(self, caller: Caller, path: Path, sop_instance_uid: str = "") -> int:
        """C-STORE handler body: durable first, acknowledge after (association thread)."""
        try:
            result = self.ingestor.ingest(
                path, source_ae=caller.ae_title, calling_ip=caller.address, move=True
            )
        except StorageError as exc:
            self._reject(caller, sop_instance_uid, f"{exc}", STATUS_OUT_OF_RESOURCES)
            return STATUS_OUT_OF_RESOURCES
        except DicomReadError as exc:
            reason = f"the data cannot be read: {exc.reason}"
            self._reject(caller, sop_instance_uid, reason, STATUS_CANNOT_UNDERSTAND)
            return STATUS_CANNOT_UNDERSTAND
        header = result.header
        if header.is_plan and result.outcome != "duplicate":
            self.forwarder.plan_arrived(header.sop_instance_uid, header.patient_id, caller.ae_title)
        with self._lock:
            self._association_patients[caller.key].add(header.patient_id)
            self._association_counts[caller.key] += 1
        self.forwarder.instance_arrived(header.patient_id, caller.key)
        return STATUS_SUCCESS

    def _reject(self, caller: Caller, sop_instance_uid: str, reason: str, status: int) -> None:
        which = f"instance {sop_instance_uid}" if sop_instance_uid else "an instance"
        message = (
            f"Refused {which} from {caller.ae_title} ({caller.address}): {reason} "
            f"(answered 0x{status:04X})"
        )
        LOGGER.error("%s", message)
        try:
            self.catalog.audit(
                "refused", sop_instance_uid=sop_instance_uid, source=caller.ae_title, detail=message
            )
        except StorageError as exc:  # the refusal's answer must not become 0xC211
            LOGGER.error("The refusal could not be audited: %s", exc)
        self.bus.publish(InstanceRejected(caller.ae_title, reason, status))

    def _association_rejected(self, ae_title: str, address: str) -> None:
        reason = "calling AE title not on the allow-list"
        self.catalog.audit("association-rejected", source=ae_title, detail=f"{address}: {reason}")
        self.bus.publish(InstanceRejected(ae_title, reason, None))

    def _association_closed(self, caller: Caller) -> None:
        with self._lock:
            patients = self._association_patients.pop(caller.key, set())
            count = self._association_counts.pop(caller.key, 0)
        self.forwarder.association_ended(caller.key, patients)
        if not count:
            return
        LOGGER.info(
            "Association from %s (%s) ended: %d instance(s) stored",
            caller.ae_title,
            caller.address,
            count,
        )
        self.forwarder.patients_changed(sorted(patients), settled=False)
        self.bus.publish(
            AssociationEnded(caller.ae_title, caller.address, tuple(sorted(patients)), count)
        )

    # -- import and index ---------------------------------------------------------------

    def import_paths(
        self,
        paths: Iterable[str | Path],
        *,
        clear: bool = False,
        progress: ImportProgress | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> ImportReport:
        """Import files, folders and ZIPs as source IMPORT_FOLDER (caller's thread).

        A folder import arrives whole, so its plans are decided at once: the rules see the
        same "settled" state a receive reaches after ``settle_seconds``.
        """
        report = import_paths(
            paths, self.ingestor, clear=clear, progress=progress, should_cancel=should_cancel
        )
        for result in report.results:
            header = result.header
            if header.is_plan and result.outcome != "duplicate":
                self.forwarder.plan_arrived(
                    header.sop_instance_uid, header.patient_id, IMPORT_SOURCE
                )
        self.forwarder.patients_changed(sorted(report.patient_ids), settled=True)
        return report

    def store_paths(
        self,
        paths: Iterable[str | Path],
        *,
        source: str = "LOCAL",
        progress: ImportProgress | None = None,
    ) -> ImportReport:
        """Store files for a manual send: like an import, but no rule looks at them."""
        return import_paths(paths, self.ingestor, source_ae=source, progress=progress)

    def reindex(self, progress: Callable[[int, str], None] | None = None) -> ReindexReport:
        return reindex(self.store, self.catalog, progress=progress)

    # -- reading ------------------------------------------------------------------------

    def tree(self, patient_id: str | None = None) -> RtTree:
        return self.catalog.tree(patient_id)

    def plan_bundle(self, plan_uid: str) -> PlanBundle | None:
        return self.catalog.plan_bundle(plan_uid)

    def instance_info(self, sop_instance_uid: str) -> CatalogInstance | None:
        return self.catalog.get(sop_instance_uid)

    def plan_source(self, plan_uid: str) -> str:
        return self.catalog.source_of(plan_uid)

    def plan_status(self, plan_uid: str) -> PlanStatus:
        row = self.decisions.get(plan_uid)
        forwarded: dict[str, str] = {}
        for job in sorted(self.queue.jobs(plan_uid=plan_uid), key=lambda j: j.id):
            forwarded[job.node] = job.state
        return PlanStatus(
            waiting=row.waiting if row else "",
            decision=row.state if row else "",
            forwarded=forwarded,
        )

    # -- sending ------------------------------------------------------------------------

    def _usable_nodes(self, node_names: Iterable[str], *, strict: bool) -> list[Node]:
        """The enabled nodes among ``node_names``.

        ``strict`` (a person asked) raises for an unknown or disabled node; otherwise (a
        rule) it is skipped and reported, and the other nodes still get their jobs.
        """
        nodes = []
        for name in node_names:
            node = self.settings.node(name)
            problem = ""
            if node is None:
                known = ", ".join(n.name for n in self.settings.nodes) or "none"
                problem = f"No node named '{name}' in settings.ini (known: {known})"
            elif not node.enabled:
                problem = f"Node '{name}' is disabled in settings.ini: enable it to send there"
            if problem:
                if strict:
                    raise RtStationError(problem)
                self._problem(f"{problem}; nothing was queued for it")
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
            self._problem(f"Plan {bundle.plan.plan_label or bundle.uid} has no stored files left")
            return []
        if only_new:
            instances = [i for i in instances if i.sop_instance_uid != bundle.uid]
        job_ids = []
        nodes = self._usable_nodes(node_names, strict=source == "manual")
        mapped, notes = (
            machine_mapped(self.store, queue_items(instances), machine_mapping or {})
            if nodes
            else ([], [])
        )
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
                max_attempts=self.settings.max_send_attempts,
                follow_up=only_new,
            )
            self.catalog.audit(
                "queued", plan_uid=bundle.uid, node=node.name, source=source, detail=f"job {job_id}"
            )
            for note in notes:
                self.catalog.audit(
                    "machine-mapped", plan_uid=bundle.uid, node=node.name, detail=note
                )
            self.workers.publish(job_id, "queued")
            job_ids.append(job_id)
        self.workers.wake()
        return job_ids

    def send_plans(
        self, plan_uids: Iterable[str], node_names: Sequence[str], *, force: bool = False
    ) -> list[int]:
        """Manual forwarding of plans to nodes; returns the job ids."""
        job_ids: list[int] = []
        for plan_uid in plan_uids:
            bundle = self.plan_bundle(plan_uid)
            if bundle is None:
                raise RtStationError(f"No plan with SOP Instance UID '{plan_uid}' is stored")
            job_ids += self.enqueue_bundle(bundle, node_names, "manual", force=force)
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
        job_ids = [
            self.queue.enqueue(
                node.name,
                items,
                plan_label=label,
                patient_id=instances[0].header.patient_id,
                source="manual",
                force=force,
                max_attempts=self.settings.max_send_attempts,
            )
            for node in self._usable_nodes(node_names, strict=True)
        ]
        for job_id in job_ids:
            self.workers.publish(job_id, "queued")
        self.workers.wake()
        return job_ids

    def jobs(
        self,
        states: Sequence[str] | None = None,
        node: str | None = None,
        plan_uid: str | None = None,
        limit: int = 500,
    ) -> list[Job]:
        return self.queue.jobs(states=states, node=node, plan_uid=plan_uid, limit=limit)

    def job_history(self, job_id: int) -> list[JobEvent]:
        return self.queue.history(job_id)

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

    def _on_job_changed(self, event: JobChanged) -> None:
        if event.state == "done":
            self.catalog.audit(
                "delivered", plan_uid=event.plan_uid, node=event.node, detail=event.message
            )
            if self.settings.delete_after_send and event.plan_uid:
                self._delete_if_delivered_everywhere(event.plan_uid)
        elif event.state == "failed":
            self.catalog.audit(
                "send-failed", plan_uid=event.plan_uid, node=event.node, detail=event.message
            )

    def _delete_if_delivered_everywhere(self, plan_uid: str) -> None:
        """delete_after_send: once every job of the plan is done, remove its files."""
        jobs = self.queue.jobs(plan_uid=plan_uid)
        if not jobs or any(job.state != "done" or job.failed for job in jobs):
            return
        bundle = self.plan_bundle(plan_uid)
        if bundle is None:
            return
        # A CT and structure set shared with another plan stay until that plan is out too.
        still_needed: set[str] = set()
        for other in self.tree(bundle.patient_id).plans:
            if other.uid == plan_uid:
                continue
            other_jobs = self.queue.jobs(plan_uid=other.uid)
            if not other_jobs or any(j.state != "done" or j.failed for j in other_jobs):
                still_needed.update(h.sop_instance_uid for h in other.instances())
        removed = []
        for instance in bundle_instances(self.catalog, bundle):
            if instance.sop_instance_uid in still_needed:
                continue
            with contextlib.suppress(FileNotFoundError):
                Path(instance.header.path).unlink()
            removed.append(instance.sop_instance_uid)
        nodes = ", ".join(sorted({job.node for job in jobs}))
        self.catalog.mark_removed(removed, f"delete_after_send: delivered to {nodes}")
        LOGGER.info(
            "Removed %d file(s) of plan %s after delivery to %s", len(removed), plan_uid, nodes
        )
        self.bus.publish(PlanChanged(plan_uid, bundle.patient_id))

    # -- rules and settings ---------------------------------------------------------------

    def evaluate_rules(self, plan_uid: str, rules: RulesConfig | None = None) -> Decision:
        """What the rules say about a stored plan, without sending anything."""
        bundle = self.plan_bundle(plan_uid)
        if bundle is None:
            raise RtStationError(f"No plan with SOP Instance UID '{plan_uid}' is stored")
        return self.forwarder.explain(bundle, rules)

    def _rules_changed(self, rules: RulesConfig) -> None:
        self.rules = rules
        LOGGER.info(
            "Rules loaded: %d rule(s), %d enabled", len(rules.rules), len(rules.active_rules)
        )
        for warning in rules.warnings:
            LOGGER.warning("%s", warning)

    def _rules_broken(self, message: str) -> None:
        self._problem(f"rules.ini cannot be used, the previous rules stay in force: {message}")

    def apply_settings(self, settings: Settings) -> Settings:
        """Save settings.ini and apply it at once; the receiver restarts if its identity changed.

        The storage folder is the one thing that cannot change under a station holding
        data: the catalog's paths are relative to it.
        """
        if Path(settings.storage_folder) != self.storage_root and self.catalog.count():
            raise RtStationError(
                f"The storage folder cannot change while it holds data ('{self.storage_root}'): "
                "stop the station, move the files, change settings.ini, then run "
                "'rtstation reindex'"
            )
        check_folders(settings, self.paths)
        saved = save_settings(settings, self.paths.settings_file, data_dir=self.paths.data_dir)
        old, self.settings = self.settings, saved
        self.workers.update_nodes(n.name for n in saved.enabled_nodes)
        self.workers.retry_base = saved.retry_base_seconds
        self.workers.retry_cap = saved.retry_max_seconds
        self.forwarder.settle.settle_seconds = saved.settle_seconds
        self.store.min_free_bytes = saved.min_free_space_mb * 1024 * 1024
        self.ingestor.verbose = saved.verbose_info_logging
        receiver_keys = (
            "ae_title",
            "port",
            "bind_address",
            "allow_list_enabled",
            "allowed_calling_aes",
            "require_called_ae_title",
            "receiver_max_associations",
            "association_request_timeout",
        )
        receiver_changed = any(getattr(old, k) != getattr(saved, k) for k in receiver_keys)
        if receiver_changed and self._receiver is not None:
            self.stop_receiver()
            self.start_receiver()
        return saved

    def apply_rules(self, rules: RulesConfig) -> RulesConfig:
        """Save rules.ini and use the new rules from now on."""
        saved = save_rules(rules, self.paths.rules_file, settings=self.settings)
        self._rules_changed(saved)
        if self._rules_watcher is not None:
            self._rules_watcher.reload_now()
        return saved

    # -- lifecycle ----------------------------------------------------------------------

    def start(self, *, receiver: bool | None = None, workers: bool = True) -> None:
        """Start the background services; the receiver when asked or configured to."""
        self._stopping.clear()
        if workers:
            self.workers.start(n.name for n in self.settings.enabled_nodes)
        self._rules_watcher = RulesWatcher(
            self.paths.rules_file,
            loader=lambda: load_rules(self.paths.rules_file, self.settings),
            on_change=self._rules_changed,
            on_error=self._rules_broken,
        ).start(load_now=False)
        if self.is_primary:
            self.forwarder.resume()
        self._timer = threading.Thread(target=self._tick_loop, name="rtstation-settle", daemon=True)
        self._timer.start()
        if receiver if receiver is not None else self.settings.auto_start_receiver:
            self.start_receiver()

    def _tick_loop(self) -> None:
        last_sweep = time.monotonic()
        while not self._stopping.wait(TICK_SECONDS):
            try:
                self.forwarder.tick()
                if not self.is_primary and self._primary.acquire():
                    self._became_primary()
                if time.monotonic() - last_sweep > SWEEP_SECONDS:
                    last_sweep = time.monotonic()
                    self.store.sweep_stale(STALE_SECONDS)
            except Exception:
                LOGGER.exception("Background station work failed; will try again")

    def _became_primary(self) -> None:
        """The process that held the lock (a CLI command) is gone: take over its duties.

        Only what is safe while this process is already receiving: decisions resume and
        dead processes' staging folders are cleaned; our own staging folder is left alone.
        """
        LOGGER.info("This station is now the primary for %s", self.paths.data_dir)
        self.store.clean_incoming(include_own=False)
        self.forwarder.resume()

    def stop(self) -> None:
        """Stop everything; running associations finish or are aborted, nothing half-written."""
        self.stop_receiver()
        self._stopping.set()
        if self._timer is not None:
            self._timer.join(5)
            self._timer = None
        if self._rules_watcher is not None:
            self._rules_watcher.stop()
            self._rules_watcher = None
        self.workers.stop()
        if self.is_primary:
            self.store.sweep_stale(0)  # the receiver is stopped: nothing here is in progress
        self.queue.close()
        self.decisions.close()
        self.catalog.close()
        self._primary.release()
