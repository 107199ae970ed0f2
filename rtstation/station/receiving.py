"""How data arrives: the DICOM receiver (C-STORE SCP) and folder imports.

:class:`Receiving` owns the receiver's lifecycle and state, answers every C-STORE
(durable first, acknowledged after, on pynetdicom's association threads), keeps the
per-association bookkeeping the settle timer needs, and tells the forwarder what arrived.
Every failure while storing becomes an explicit DICOM status and a log line: a storage or
database problem answers "out of resources" (0xA700, the sender tries again), unreadable
data "cannot understand" (0xC210), anything unforeseen "processing failure" (0xC211); no
exception leaves the handler.

A plan owes the rules a decision when it arrives by the network or a folder import. If
the decision row cannot be written the C-STORE is refused although the file is stored;
the sender's retry is then a duplicate, and :meth:`Receiving._owe_decision` gives the plan
its pending row on that path too, so the plan is still forwarded.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rtstation.config import Settings
from rtstation.errors import DicomReadError, InstanceConflict, NetworkError, StorageError
from rtstation.events import (
    AssociationEnded,
    EventBus,
    InstanceRejected,
    ReceiverStateChanged,
    StationProblem,
)
from rtstation.net.pynetdicom_tuning import received_digest
from rtstation.net.receiver import (
    STATUS_CANNOT_UNDERSTAND,
    STATUS_OUT_OF_RESOURCES,
    STATUS_PROCESSING_FAILURE,
    STATUS_SUCCESS,
    Caller,
    DivertCallback,
    ReceiverConfig,
    StorageReceiver,
    checked_dataset,
)
from rtstation.station.forwarding import AutoForwarder
from rtstation.station.problems import report_problem
from rtstation.storage.archive import DurableStore
from rtstation.storage.catalog import Catalog
from rtstation.storage.importer import (
    ImportProgress,
    ImportReport,
    ProtectedFolder,
    import_paths,
)
from rtstation.storage.ingest import IMPORT_SOURCE, Ingestor, IngestResult

LOGGER = logging.getLogger(__name__)


#: The settings whose change restarts a running receiver (Station.apply_settings).
RECEIVER_SETTINGS = (
    "ae_title",
    "port",
    "bind_address",
    "allow_list_enabled",
    "allowed_calling_aes",
    "require_called_ae_title",
    "receiver_max_associations",
    "association_request_timeout",
)


@dataclass(frozen=True)
class ReceiverState:
    state: str  # "listening", "stopped", "error"
    message: str


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


class Receiving:
    """The receiver and imports of one station; every method is safe from any thread."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        store: DurableStore,
        catalog: Catalog,
        ingestor: Ingestor,
        forwarder: AutoForwarder,
        bus: EventBus,
        *,
        bind_address: str = "",
        divert: DivertCallback | None = None,
        protected: Sequence[ProtectedFolder] = (),
    ) -> None:
        """``divert`` hands instances a CLI retrieve claimed to that retrieve (never to
        storage or the rules); see :mod:`rtstation.station.retrieve_sink`."""
        self._settings = settings
        self._divert = divert
        self.protected = tuple(protected)
        self.store = store
        self.catalog = catalog
        self.ingestor = ingestor
        self.forwarder = forwarder
        self.bus = bus
        self.bind_address = bind_address
        self._receiver: StorageReceiver | None = None
        self._state = ReceiverState("stopped", "Stopped")
        self._lock = threading.RLock()
        self._association_patients: dict[int, set[str]] = defaultdict(set)
        self._association_counts: dict[int, int] = defaultdict(int)

    # -- the receiver's lifecycle -----------------------------------------------------------

    @property
    def state(self) -> ReceiverState:
        return self._state

    @property
    def running(self) -> bool:
        """True while a receiver was started and not stopped (even if it failed since)."""
        return self._receiver is not None

    @property
    def storing(self) -> bool:
        """True while an association that has stored instances is still open."""
        return bool(self._association_counts)

    def _set_state(self, state: str, message: str) -> None:
        self._state = ReceiverState(state, message)
        self.bus.publish(ReceiverStateChanged(state, message))

    def start(self) -> None:
        """Start listening; raises :class:`NetworkError` (and publishes it) if it can't."""
        with self._lock:
            if self._receiver is not None and self._receiver.is_running:
                return
            settings = self._settings()
            receiver = StorageReceiver(
                receiver_config(settings, self.bind_address),
                store=self._store_received,
                on_closed=self._association_closed,
                on_rejected=self._association_rejected,
                divert=self._divert,
                space_left=self.store.space_above_floor,
                # received datasets are spooled into our staging folder, on the storage
                # volume: taking a file over is a rename, never a second copy
                spool_dir=str(self.store.incoming),
                on_refused=self._reject_received,
            )
            try:
                receiver.start()
            except NetworkError as exc:
                self._set_state("error", str(exc))
                report_problem(self.bus, str(exc))
                raise
            self._receiver = receiver
            self._set_state(
                "listening", f"Listening as {settings.ae_title} on port {settings.port}"
            )

    def stop(self) -> None:
        with self._lock:
            receiver, self._receiver = self._receiver, None
        if receiver is not None:
            receiver.stop()
            self._set_state("stopped", "Stopped")

    # -- C-STORE and associations (association threads) -------------------------------------

    def _store_received(self, caller: Caller, path: Path, sop_instance_uid: str = "") -> int:
        """C-STORE handler body: durable first, acknowledge after; never raises."""
        try:
            result = self.ingestor.ingest(
                path,
                source_ae=caller.ae_title,
                calling_ip=caller.address,
                move=True,
                # hashed by pynetdicom_tuning while it was written: not read again
                content_hash_hint=received_digest(path),
                # parsed by the receiver's conformance check: not parsed again
                dataset_hint=checked_dataset(path),
            )
            if result.header.is_plan:
                self._owe_decision(result, caller.ae_title)
        except StorageError as exc:
            return self._reject(caller, sop_instance_uid, f"{exc}", STATUS_OUT_OF_RESOURCES)
        except InstanceConflict as exc:
            return self._reject(caller, sop_instance_uid, exc.reason, STATUS_CANNOT_UNDERSTAND)
        except DicomReadError as exc:
            reason = f"the data cannot be read: {exc.reason}"
            return self._reject(caller, sop_instance_uid, reason, STATUS_CANNOT_UNDERSTAND)
        except (sqlite3.Error, OSError) as exc:
            LOGGER.exception("Storing an instance from %s failed", caller.ae_title)
            reason = f"the station's database or disk failed ({exc}); the sender may retry"
            return self._reject(caller, sop_instance_uid, reason, STATUS_OUT_OF_RESOURCES)
        except Exception as exc:
            LOGGER.exception("Unexpected error storing an instance from %s", caller.ae_title)
            reason = f"unexpected error: {exc!r}"
            return self._reject(caller, sop_instance_uid, reason, STATUS_PROCESSING_FAILURE)
        header = result.header
        with self._lock:
            self._association_patients[caller.key].add(header.patient_id)
            if result.moved_from:
                self._association_patients[caller.key].add(result.moved_from)
            self._association_counts[caller.key] += 1
        self.forwarder.instance_arrived(header.patient_id, caller.key)
        return STATUS_SUCCESS

    def _owe_decision(self, result: IngestResult, source: str) -> None:
        """A plan arrived by the network or an import: the rules owe it a decision.

        A duplicate too, when its stored copy came the same way: the first arrival may have
        been stored and then refused because its decision could not be recorded, and the
        sender's retry must not leave the plan without one. Recording is idempotent, so a
        plan decided long ago keeps its decision. A plan stored otherwise (``send PATH``,
        ``reindex``) is never given one.
        """
        header = result.header
        uid = header.sop_instance_uid
        if result.outcome == "duplicate" and self.catalog.source_of(uid) != source:
            return
        self.forwarder.plan_arrived(uid, header.patient_id, source)

    def _reject(self, caller: Caller, sop_instance_uid: str, reason: str, status: int) -> int:
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
        except Exception:
            LOGGER.exception("The refusal of %s could not be written to the audit", which)
        self.bus.publish(InstanceRejected(caller.ae_title, reason, status))
        return status

    def _reject_received(self, caller: Caller, uid: str, status: int, reason: str) -> None:
        """The receiver refused a C-STORE itself (full disk, data not matching its request)."""
        self._reject(caller, uid, reason, status)

    def _association_rejected(
        self, ae_title: str, address: str, reason: str = "calling AE title not on the allow-list"
    ) -> None:
        try:
            self.catalog.audit(
                "association-rejected", source=ae_title, detail=f"{address}: {reason}"
            )
        except Exception:
            LOGGER.exception("The rejected association of %s could not be audited", ae_title)
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
        try:
            self.forwarder.patients_changed(sorted(patients), settled=False)
        except Exception:
            # The patients' settle timers are running: the settle tick decides them instead.
            LOGGER.exception(
                "Deciding the plans of %s after the association failed; "
                "they are decided when the patients have settled",
                ", ".join(sorted(patients)),
            )
        self.bus.publish(
            AssociationEnded(caller.ae_title, caller.address, tuple(sorted(patients)), count)
        )

    # -- folder imports (the caller's thread) -------------------------------------------------

    def import_paths(
        self,
        paths: Iterable[str | Path],
        *,
        clear: bool = False,
        progress: ImportProgress | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> ImportReport:
        """Import files, folders and ZIPs as source IMPORT_FOLDER.

        A folder import arrives whole, so its plans are decided at the end: the rules see
        the same "settled" state a receive reaches after ``settle_seconds``. Each plan is
        owed its decision as soon as it is stored, before its source file may be removed,
        as a received plan is before it is acknowledged: an import stopped half way
        (Ctrl-C, a crash) leaves pending decisions, which the next station start settles.
        A plan whose decision cannot be recorded is reported and its source kept; importing
        it again records it.
        """
        report = import_paths(
            paths,
            self.ingestor,
            clear=clear,
            progress=progress,
            should_cancel=should_cancel,
            protected=self.protected,
            on_result=self._owe_imported_decision,
        )
        for note in report.notes:  # the importer logged it; people see it too
            self.bus.publish(StationProblem(note, ""))
        self.forwarder.patients_changed(sorted(report.patient_ids), settled=True)
        return report

    def _owe_imported_decision(self, result: IngestResult) -> bool:
        """The importer's ``on_result``: a stored plan is owed a decision; False (keep the
        source file) when that cannot be recorded."""
        if not result.header.is_plan:
            return True
        try:
            self._owe_decision(result, IMPORT_SOURCE)
        except Exception as exc:
            LOGGER.exception("Recording the imported plan %s failed", result.header.path)
            report_problem(
                self.bus,
                f"Imported plan '{result.header.sop_instance_uid}' is stored but the rules "
                f"cannot decide on it ({exc}): import it again (its source file is kept)",
            )
            return False
        return True
