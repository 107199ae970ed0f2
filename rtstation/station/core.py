"""The Station: one application service behind the GUI and ``rtstation serve``.

It wires the catalog, durable storage, the receiver, the settle tracker, the rules and
the send queue, and publishes plain events (see :mod:`rtstation.events`) for whoever
listens. Unattended forwarding is the same code path with or without a window.

Threads: receiver handlers run on pynetdicom's association threads, send workers on their
own threads, imports on the caller's thread. Every public method is safe to call from any
thread; the GUI calls the slow ones from workers, never from its own thread.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rtstation.config import ConfigPaths, RulesConfig, Settings
from rtstation.dicom.rt_tree import RtTree
from rtstation.errors import DicomReadError, NetworkError, StorageError
from rtstation.events import (
    AssociationEnded,
    EventBus,
    InstanceRejected,
    PlanChanged,
    ReceiverStateChanged,
    StationProblem,
)
from rtstation.net.receiver import (
    STATUS_CANNOT_UNDERSTAND,
    STATUS_OUT_OF_RESOURCES,
    STATUS_SUCCESS,
    AllowedCaller,
    Caller,
    ReceiverConfig,
    StorageReceiver,
)
from rtstation.storage.archive import DurableStore
from rtstation.storage.catalog import Catalog
from rtstation.storage.importer import ImportProgress, ImportReport, import_paths
from rtstation.storage.ingest import Ingestor
from rtstation.storage.reindex import ReindexReport, reindex

LOGGER = logging.getLogger(__name__)

CATALOG_FILE = "catalog.sqlite"


@dataclass(frozen=True)
class ReceiverState:
    state: str  # "listening", "stopped", "error"
    message: str


def receiver_config(settings: Settings, bind_address: str = "") -> ReceiverConfig:
    return ReceiverConfig(
        ae_title=settings.ae_title,
        port=settings.port,
        bind_address=bind_address,
        allow_list_enabled=settings.allow_list_enabled,
        allowed_callers=tuple(
            AllowedCaller(a.ae_title, a.host) for a in settings.allowed_calling_aes
        ),
    )


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
        self.catalog = Catalog(Path(paths.data_dir) / CATALOG_FILE, self.storage_root)
        self.ingestor = Ingestor(
            self.store, self.catalog, self.bus, verbose=settings.verbose_info_logging
        )
        self._receiver: StorageReceiver | None = None
        self._receiver_state = ReceiverState("stopped", "Stopped")
        self._lock = threading.RLock()
        self._association_patients: dict[int, set[str]] = defaultdict(set)
        self._association_counts: dict[int, int] = defaultdict(int)
        self.ingestor.recover()

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
            receiver = StorageReceiver(
                receiver_config(self.settings, self.bind_address),
                store=self._store_received,
                on_closed=self._association_closed,
                on_rejected=self._association_rejected,
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

    def _store_received(self, caller: Caller, path: Path) -> int:
        """C-STORE handler body: durable first, acknowledge after (association thread)."""
        try:
            result = self.ingestor.ingest(
                path, source_ae=caller.ae_title, calling_ip=caller.address, move=True
            )
        except StorageError as exc:
            self._reject(caller, f"{exc}", STATUS_OUT_OF_RESOURCES)
            return STATUS_OUT_OF_RESOURCES
        except DicomReadError as exc:
            self._reject(caller, f"the data cannot be read: {exc.reason}", STATUS_CANNOT_UNDERSTAND)
            return STATUS_CANNOT_UNDERSTAND
        with self._lock:
            self._association_patients[caller.key].add(result.header.patient_id)
            self._association_counts[caller.key] += 1
        self._instance_arrived(result.header.patient_id, result.header.sop_instance_uid)
        return STATUS_SUCCESS

    def _reject(self, caller: Caller, reason: str, status: int) -> None:
        message = (
            f"Refused an instance from {caller.ae_title} ({caller.address}): {reason} "
            f"(answered 0x{status:04X})"
        )
        LOGGER.error("%s", message)
        self.bus.publish(InstanceRejected(caller.ae_title, reason, status))

    def _association_rejected(self, ae_title: str, address: str) -> None:
        reason = "calling AE title not on the allow-list"
        self.catalog.audit("association-rejected", source=ae_title, detail=f"{address}: {reason}")
        self.bus.publish(InstanceRejected(ae_title, reason, None))

    def _association_closed(self, caller: Caller) -> None:
        with self._lock:
            patients = self._association_patients.pop(caller.key, set())
            count = self._association_counts.pop(caller.key, 0)
        if not count:
            return
        LOGGER.info(
            "Association from %s (%s) ended: %d instance(s) stored",
            caller.ae_title,
            caller.address,
            count,
        )
        for patient_id in sorted(patients):
            self._patient_changed(patient_id)
        self.bus.publish(
            AssociationEnded(caller.ae_title, caller.address, tuple(sorted(patients)), count)
        )

    def _instance_arrived(self, patient_id: str, sop_instance_uid: str) -> None:
        """Hook for the settle tracker; the plans are refreshed when the association ends."""

    def _patient_changed(self, patient_id: str) -> None:
        for bundle in self.catalog.refresh_plans(patient_id):
            self.bus.publish(PlanChanged(bundle.uid, patient_id))

    # -- import and index ---------------------------------------------------------------

    def import_paths(
        self,
        paths: Iterable[str | Path],
        *,
        clear: bool = False,
        progress: ImportProgress | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> ImportReport:
        """Import files, folders and ZIPs as source IMPORT_FOLDER (caller's thread)."""
        report = import_paths(
            paths, self.ingestor, clear=clear, progress=progress, should_cancel=should_cancel
        )
        for patient_id in sorted(report.patient_ids):
            self._patient_changed(patient_id)
        return report

    def reindex(self, progress: Callable[[int, str], None] | None = None) -> ReindexReport:
        return reindex(self.store, self.catalog, progress=progress)

    def tree(self, patient_id: str | None = None) -> RtTree:
        return self.catalog.tree(patient_id)

    # -- lifecycle ----------------------------------------------------------------------

    def start(self, *, receiver: bool | None = None) -> None:
        """Start the background services; the receiver when asked or configured to."""
        if receiver if receiver is not None else self.settings.auto_start_receiver:
            self.start_receiver()

    def stop(self) -> None:
        """Stop everything; running associations finish or are aborted, nothing half-written."""
        self.stop_receiver()
        self.catalog.close()
