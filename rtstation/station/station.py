"""The Station: one application service behind the GUI and ``rtstation serve``.

A facade over four parts, each in its own module, wired here by explicit calls:

* :class:`~rtstation.station.receiving.Receiving`: the receiver and imports (how data
  arrives), which tells the forwarder about every arrival;
* :class:`~rtstation.station.forwarding.AutoForwarder`: the rules' decisions, which hands
  the jobs it wants to the dispatcher;
* :class:`~rtstation.station.dispatch.Dispatcher`: the enqueue policy, shared by rules,
  the GUI and the CLI;
* :class:`~rtstation.station.after_send.AfterSend`: the delivery audit and
  delete_after_send, called by the send workers when a job ends.

The flow is one way (arrival -> decision -> queue -> send -> follow-up); nothing calls
back into the Station, and the Station does not listen to its own event bus: events are
for the user interfaces. The Station itself keeps the settings and rules in force (hot
applied), the lifecycle, and the primary-station duties.

Threads: receiver handlers run on pynetdicom's association threads, send workers on their
own threads, the settle timer and the rules watcher on theirs, imports on the caller's
thread. Every public method is safe to call from any thread; the GUI calls the slow ones
from workers, never from its own thread. docs/station-api.md lists who calls what.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from rtstation.config import (
    ConfigPaths,
    RulesConfig,
    Settings,
    check_folders,
    load_rules,
    load_station_config,
    save_rules,
    save_settings,
)
from rtstation.database import BUSY_TIMEOUT_SECONDS
from rtstation.dicom.metrics import PlanReport
from rtstation.dicom.rt_tree import PlanBundle, RtTree
from rtstation.errors import RtStationError
from rtstation.events import EventBus
from rtstation.routing.rules import Decision, condition_problem
from rtstation.routing.rules_watch import RulesWatcher
from rtstation.routing.send_queue import SendQueue
from rtstation.routing.workers import NodeWorkers
from rtstation.station.after_send import AfterSend
from rtstation.station.anonymized import AnonymizedCopies, NewPatient, anonymize_options
from rtstation.station.dispatch import Dispatcher
from rtstation.station.forwarding import AutoForwarder
from rtstation.station.housekeeping import Housekeeping
from rtstation.station.http_api import MetricsApi, start_metrics_api
from rtstation.station.metrics_gate import MetricsGate
from rtstation.station.metrics_worker import MetricsWorker
from rtstation.station.problems import report_problem
from rtstation.station.queue_control import QueueControlMixin
from rtstation.station.receiving import RECEIVER_SETTINGS, ReceiverState, Receiving
from rtstation.station.records import RecordsMixin, build_records
from rtstation.station.retrieve_sink import RetrieveDiverter
from rtstation.station.sending import NetworkSender
from rtstation.storage.archive import DurableStore
from rtstation.storage.catalog import Catalog
from rtstation.storage.decisions import DecisionStore
from rtstation.storage.importer import (
    ImportProgress,
    ImportReport,
    ProtectedFolder,
    import_paths,
)
from rtstation.storage.ingest import Ingestor
from rtstation.storage.metrics_store import MetricsStore
from rtstation.storage.process_lock import PrimaryLock
from rtstation.storage.reindex import ReindexReport, reindex

LOGGER = logging.getLogger(__name__)

CATALOG_FILE = "catalog.sqlite"
TICK_SECONDS = 0.5
SWEEP_SECONDS = 300.0
# A receive still in progress writes to its file at least every network timeout (60 s);
# a staging file untouched for this long belongs to an association that died.
STALE_SECONDS = 900.0


def lease_owner(primary: bool) -> str:
    """Lease owner of this process's send workers.

    The primary station is "<host>:primary" in every run, so after a crash it takes back
    its own in-flight jobs at once; any other process (a CLI ``send``) is "<host>:<pid>",
    never confused with the primary, and its jobs resume when its lease runs out.
    """
    return f"{socket.gethostname()}:{'primary' if primary else os.getpid()}"


class Station(QueueControlMixin, RecordsMixin):
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
        anonymize_options(settings)  # a bad option name stops here, not at the first send
        for warning in rules.warnings:  # settings.ini's and rules.ini's, once, in the log
            LOGGER.warning("%s", warning)
        self.paths = paths
        self.settings = settings
        self.rules = rules
        self.bus = bus or EventBus()
        self.storage_root = Path(settings.storage_folder)
        self.store = DurableStore(
            self.storage_root, min_free_bytes=settings.min_free_space_mb * 1024 * 1024
        )
        db_path = Path(paths.data_dir) / CATALOG_FILE
        timeout = database_busy_timeout
        self.catalog = Catalog(db_path, self.storage_root, busy_timeout=timeout)
        self.decisions = DecisionStore(db_path, busy_timeout=timeout)
        self.queue = SendQueue(db_path, busy_timeout=timeout)
        self.history, self.deleting, self.retention = build_records(self, db_path, timeout)
        self.ingestor = Ingestor(
            self.store, self.catalog, self.bus, verbose=settings.verbose_info_logging
        )
        self.copies = AnonymizedCopies(paths.data_dir, lambda: self.settings)
        self.after_send = AfterSend(
            lambda: self.settings, self.catalog, self.queue, self.bus, copies=self.copies
        )
        self.workers = NodeWorkers(
            self.queue,
            NetworkSender(lambda: self.settings, self._current_hash, self.copies.owns),
            self.bus,
            owner=lease_owner(primary=False),
            retry_base=settings.retry_base_seconds,
            retry_cap=settings.retry_max_seconds,
            on_finished=self.after_send.job_finished,
        )
        self.dispatcher = Dispatcher(
            lambda: self.settings,
            self.catalog,
            self.store,
            self.queue,
            self.workers,
            self.bus,
            self.copies,
        )
        self.forwarder = AutoForwarder(
            self.catalog,
            self.decisions,
            lambda: self.rules,
            self.dispatcher,
            self.bus,
            settings.settle_seconds,
        )
        self.receiving = Receiving(
            lambda: self.settings,
            self.store,
            self.catalog,
            self.ingestor,
            self.forwarder,
            self.bus,
            bind_address=bind_address,
            divert=RetrieveDiverter(Path(paths.data_dir)).divert,
            protected=self._own_folders(),
        )
        self.housekeeping = Housekeeping(
            lambda: self.settings,
            self.retention,
            lambda files, clear, stop: self.import_paths(files, clear=clear, should_cancel=stop),
            lambda: self.is_primary,
            self.bus,
        )
        self.metrics_store = MetricsStore(db_path, busy_timeout=timeout)
        self.metrics = MetricsWorker(
            self.catalog,
            self.metrics_store,
            on_computed=self._metrics_computed,
            busy=lambda: self.receiving.storing,
        )
        self.forwarder.metrics_gate = MetricsGate(
            self.metrics.current_row, lambda: self.settings.metrics_wait_seconds
        )
        self.http_api: MetricsApi | None = None
        self._rules_watcher: RulesWatcher | None = None
        self._stopping = threading.Event()
        self._timer: threading.Thread | None = None
        self._primary = PrimaryLock(Path(paths.data_dir))
        if self._primary.acquire():
            self.ingestor.recover()
            self.deleting.recover()
            self.workers.owner = lease_owner(primary=True)
        else:
            LOGGER.info(
                "Another station process works on %s; crash recovery is left to it",
                paths.data_dir,
            )

    def _own_folders(self) -> list[ProtectedFolder]:
        """What an import never clears, besides the storage (the importer adds that)."""
        return [
            ProtectedFolder("configuration folder", self.paths.config_dir),
            ProtectedFolder("data folder (it holds the catalog)", self.paths.data_dir),
            ProtectedFolder("log folder", self.paths.log_dir),
        ]

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
        paths, settings, rules = load_station_config(config_dir, check_condition=condition_problem)
        return cls(paths, settings, rules, **kwargs)  # type: ignore[arg-type]

    def subscribe(self, event_type: type, callback: Callable[[object], None]) -> Callable[[], None]:
        """Subscribe to station events; callbacks run on the publishing thread."""
        return self.bus.subscribe(event_type, callback)

    # -- receiving ----------------------------------------------------------------------

    @property
    def receiver_state(self) -> ReceiverState:
        return self.receiving.state

    def start_receiver(self) -> None:
        """Start listening; raises :class:`NetworkError` (and publishes it) if it can't."""
        self.receiving.start()

    def stop_receiver(self) -> None:
        self.receiving.stop()

    def import_paths(
        self,
        paths: Iterable[str | Path],
        *,
        clear: bool = False,
        progress: ImportProgress | None = None,
        should_cancel: Callable[[], bool] | None = None,
        anonymize: NewPatient | None = None,
    ) -> ImportReport:
        """Import files, folders and ZIPs; their plans are decided at once (caller's thread).

        ``anonymize``: what is imported is an anonymized copy as that new patient (empty
        ID: derived), made with settings.ini [Anonymization] and the station's UID map;
        the source files are never changed or cleared. Files that cannot be anonymized
        are listed as rejected with the reason.
        """
        if anonymize is None:
            return self.receiving.import_paths(
                paths, clear=clear, progress=progress, should_cancel=should_cancel
            )
        if clear:
            raise RtStationError(
                "An anonymized import never clears its source: import without clearing"
            )
        staged = self.copies.anonymize_files(
            paths, anonymize, progress=progress, should_cancel=should_cancel
        )
        try:
            report = self.receiving.import_paths(
                [staged.folder], progress=progress, should_cancel=should_cancel
            )
        finally:
            self.copies.remove(staged.folder)
        report.rejected[:0] = staged.refused
        report.cancelled = report.cancelled or staged.cancelled
        return report

    def store_paths(
        self,
        paths: Iterable[str | Path],
        *,
        source: str = "LOCAL",
        progress: ImportProgress | None = None,
    ) -> ImportReport:
        """Store files for a manual send: like an import, but no rule looks at them."""
        return import_paths(
            paths,
            self.ingestor,
            source_ae=source,
            progress=progress,
            protected=self._own_folders(),
            read_storage=True,  # `send PATH` of stored files: they are found as duplicates
        )

    def reindex(
        self,
        progress: Callable[[int, str], None] | None = None,
        metrics_progress: Callable[[int, int, str], None] | None = None,
    ) -> ReindexReport:
        """Rebuild the catalog from the storage folder, then every plan's metrics (computed
        here, with ``metrics_progress(done, total, label)``, unless the metrics thread runs)."""
        report = reindex(self.store, self.catalog, progress=progress)
        self.metrics.rebuild(progress=metrics_progress)
        return report

    # -- reading ------------------------------------------------------------------------

    def tree(self, patient_id: str | None = None) -> RtTree:
        return self.catalog.tree(patient_id)

    def plan_bundle(self, plan_uid: str) -> PlanBundle | None:
        return self.catalog.plan_bundle(plan_uid)

    def plan_source(self, plan_uid: str) -> str:
        return self.catalog.source_of(plan_uid)

    def plan_metrics(
        self,
        *,
        plan_uid: str | None = None,
        patient_id: str | None = None,
        recompute: bool = False,
        vx_gy: tuple[float, ...] = (),
        progress: Callable[[int, int, str], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> list[PlanReport]:
        """Stored metrics of one plan, a patient's or all plans; missing ones computed. Blocking."""
        if plan_uid is not None:
            bundle = self.plan_bundle(plan_uid)
            if bundle is None:
                raise RtStationError(f"No plan '{plan_uid}' in the station: check the UID")
            return self.metrics.reports(
                [bundle], recompute=recompute, vx_gy=vx_gy, progress=progress
            )
        return self.metrics.stored_reports(
            patient_id,
            recompute=recompute,
            vx_gy=vx_gy,
            progress=progress,
            should_cancel=should_cancel,
        )

    def _metrics_computed(self, plan_uid: str, patient_id: str) -> None:
        """New metrics: a running station decides a plan that waited for them."""
        if self._timer is not None:
            self.forwarder.metrics_ready(plan_uid, patient_id)

    # -- rules and settings ---------------------------------------------------------------

    def evaluate_rules(self, plan_uid: str, rules: RulesConfig | None = None) -> Decision:
        """What the rules say about a stored plan, without sending anything."""
        bundle = self.plan_bundle(plan_uid)
        if bundle is None:
            raise RtStationError(f"No plan with SOP Instance UID '{plan_uid}' is stored")
        if any(rule.metrics_condition.strip() for rule in (rules or self.rules).rules):
            self.metrics.reports([bundle])  # a preview computes the metrics it needs
        return self.forwarder.explain(bundle, rules)

    def _rules_changed(self, rules: RulesConfig) -> None:
        self.rules = rules
        LOGGER.info(
            "Rules loaded: %d rule(s), %d enabled", len(rules.rules), len(rules.active_rules)
        )
        for warning in rules.warnings:
            LOGGER.warning("%s", warning)

    def _rules_broken(self, message: str) -> None:
        report_problem(
            self.bus, f"rules.ini cannot be used, the previous rules stay in force: {message}"
        )

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
        anonymize_options(settings)
        saved = save_settings(settings, self.paths.settings_file, data_dir=self.paths.data_dir)
        old, self.settings = self.settings, saved
        self.workers.update_nodes(n.name for n in saved.enabled_nodes)
        self.workers.retry_base = saved.retry_base_seconds
        self.workers.retry_cap = saved.retry_max_seconds
        self.forwarder.settle.settle_seconds = saved.settle_seconds
        self.store.min_free_bytes = saved.min_free_space_mb * 1024 * 1024
        self.ingestor.verbose = saved.verbose_info_logging
        receiver_changed = any(getattr(old, k) != getattr(saved, k) for k in RECEIVER_SETTINGS)
        if receiver_changed and self.receiving.running:
            self.receiving.stop()
            self.receiving.start()
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
            loader=lambda: load_rules(
                self.paths.rules_file, self.settings, check_condition=condition_problem
            ),
            on_change=self._rules_changed,
            on_error=self._rules_broken,
        ).start(load_now=False)
        if self.is_primary:
            self.copies.sweep(lambda folder: self.queue.needs_files_under(str(folder)))
            self.forwarder.resume()
        self._timer = threading.Thread(target=self._tick_loop, name="rtstation-settle", daemon=True)
        self._timer.start()
        self.housekeeping.start()
        self.metrics.start()
        if self.settings.http_api_enabled:
            self.http_api = start_metrics_api(
                lambda plan, patient, vx: self.plan_metrics(
                    plan_uid=plan, patient_id=patient, vx_gy=vx
                ),
                self.settings.http_api_bind,
                self.settings.http_api_port,
                on_error=lambda message: report_problem(self.bus, message),
            )
        if receiver if receiver is not None else self.settings.auto_start_receiver:
            self.receiving.start()

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

        Only what is safe while this process is already receiving: the send workers lease
        as the primary from now on and take back what a previous primary left in flight,
        decisions resume and dead processes' staging folders are cleaned; our own staging
        folder is left alone.
        """
        LOGGER.info("This station is now the primary for %s", self.paths.data_dir)
        self.workers.take_over(lease_owner(primary=True))
        self.store.clean_incoming(include_own=False)
        self.forwarder.resume()

    def stop(self) -> None:
        """Stop everything; running associations finish or are aborted, nothing half-written."""
        self.receiving.stop()
        if self.http_api is not None:
            self.http_api.stop()
            self.http_api = None
        self._stopping.set()
        self.housekeeping.stop()
        if self._timer is not None:
            self._timer.join(5)
            self._timer = None
        if self._rules_watcher is not None:
            self._rules_watcher.stop()
            self._rules_watcher = None
        self.workers.stop()
        self.metrics.stop()
        if self.is_primary:
            self.store.sweep_stale(0)  # the receiver is stopped: nothing here is in progress
        self.queue.close()
        self.history.close()
        self.deleting.deleter.close()
        self.metrics_store.close()
        self.decisions.close()
        self.catalog.close()
        self._primary.release()
