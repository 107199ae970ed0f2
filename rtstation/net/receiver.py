"""The storage SCP: accepts C-STORE and C-ECHO from planning systems.

pynetdicom runs each association on its own thread and calls our handlers there, so
nothing here may touch the GUI. Received datasets are streamed by pynetdicom into a
temporary Part 10 file (``STORE_RECV_CHUNKED_DATASET``), so a 1 GB dose grid never sits in
memory; the station's ``store`` callback takes that file over, makes it durable and
returns the status we answer with. A C-STORE is acknowledged only after that returns.

The receiver does not know about storage (a sibling layer): the station hands it
callables, which keeps it testable and keeps the layers honest.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import AllTransferSyntaxes, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, _config, evt
from pynetdicom.presentation import AllStoragePresentationContexts
from pynetdicom.sop_class import Verification
from pynetdicom.transport import ThreadedAssociationServer

from rtstation.config import AllowedCaller
from rtstation.dicom import sop
from rtstation.errors import NetworkError
from rtstation.net import pynetdicom_tuning, spool
from rtstation.net.allow_list import AllowList
from rtstation.net.conformance import check_received_dataset
from rtstation.net.gate import (
    LISTEN_BACKLOG,
    MAX_PENDING,
    CheaplyCopiedContexts,
    ConnectionGate,
)
from rtstation.net.tcp import NODELAY_HANDLER

LOGGER = logging.getLogger(__name__)

# Stream received datasets to a temporary file instead of memory. Process-wide in
# pynetdicom; every receiving code path of rtstation wants it.
_config.STORE_RECV_CHUNKED_DATASET = True

STATUS_SUCCESS = 0x0000
STATUS_OUT_OF_RESOURCES = 0xA700
STATUS_DATASET_MISMATCH = 0xA900
STATUS_CANNOT_UNDERSTAND = 0xC210
STATUS_PROCESSING_FAILURE = 0xC211
C_STORE_RQ = 0x0001  # (0000,0100) Command Field

# Private storage classes seen from Varian systems, accepted like standard ones.
EXTRA_STORAGE_CLASSES = (sop.VARIAN_PRIVATE_PLAN,)

# Implicit VR Little Endian first: the DICOM default every sender can fall back to.
TRANSFER_SYNTAXES = [ImplicitVRLittleEndian, ExplicitVRLittleEndian] + [
    ts for ts in AllTransferSyntaxes if ts not in (ImplicitVRLittleEndian, ExplicitVRLittleEndian)
]


@dataclass(frozen=True)
class ReceiverConfig:
    ae_title: str
    port: int
    bind_address: str = ""  # "" listens on every interface, as a station must
    allow_list_enabled: bool = False
    allowed_callers: tuple[AllowedCaller, ...] = ()
    require_called_ae_title: bool = False  # refuse a called AE title other than ae_title
    max_pdu: int = 262_144
    max_associations: int = 16  # admitted associations at once; more are refused (0x02)
    association_request_timeout: float = 5.0  # to send a complete A-ASSOCIATE-RQ
    network_timeout: float = 60.0


@dataclass(frozen=True)
class Caller:
    """Who is on the other end of an association; ``key`` is unique per association."""

    key: int
    ae_title: str
    address: str


@dataclass(frozen=True)
class StoreOrigin:
    """What a C-STORE request says about itself: the instance, and for a C-MOVE
    sub-operation who asked for the move (Move Originator AE title and message ID)."""

    sop_instance_uid: str
    move_originator_ae: str = ""
    move_originator_message_id: int | None = None


# (who sent it, the received file, the Affected SOP Instance UID) -> the status to answer
StoreCallback = Callable[[Caller, Path, str], int]
# Asked before StoreCallback: a status when it took the file over, None to store normally.
DivertCallback = Callable[[Caller, Path, StoreOrigin], "int | None"]
ClosedCallback = Callable[[Caller], None]
# (who, the status answered, why) for a C-STORE the receiver refused itself
RefusedCallback = Callable[[Caller, str, int, str], None]


# The dataset the conformance check of the C-STORE being handled on this thread read.
_checked = threading.local()


def checked_dataset(path: str | Path) -> Dataset | None:
    """The dataset the receiver's check parsed from ``path`` (large values deferred), for
    the store callback running on the same association thread; None elsewhere."""
    current = getattr(_checked, "current", None)
    if current is None or current[0] != str(path):
        return None
    return current[1]


class StorageReceiver:
    """Starts and stops one listening storage SCP; thread-safe start/stop."""

    def __init__(
        self,
        config: ReceiverConfig,
        store: StoreCallback,
        on_closed: ClosedCallback | None = None,
        on_rejected: Callable[[str, str, str], None] | None = None,
        divert: DivertCallback | None = None,
        *,
        space_left: spool.SpaceLeft | None = None,
        spool_dir: str | None = None,
        on_refused: RefusedCallback | None = None,
    ) -> None:
        """``on_rejected(ae_title, address, reason)`` hears of associations the allow-list
        refused. ``space_left(path)``: bytes the storage may still take above its free-space floor
        (None: no floor); received datasets stop being written, and get 0xA700, beyond it.
        ``spool_dir``: where received datasets are written while they arrive (None: the
        system's temporary folder).
        ``on_refused`` hears of C-STOREs the receiver refuses itself (full disk, a dataset
        that does not match its request) and logs them; without it the receiver logs."""
        self.config = config
        self._store = store
        self._divert = divert
        self._on_closed = on_closed
        self._on_rejected = on_rejected
        self._on_refused = on_refused
        self._space_left = space_left
        self._spool_dir = spool_dir
        self._server = None
        self._gate: ConnectionGate | None = None
        self._allow_list = AllowList((), enabled=False)
        self._lock = threading.Lock()

    @property
    def is_running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        """Listen; raises :class:`NetworkError` in words when the port cannot be had."""
        with self._lock:
            if self._server is not None:
                return
            self._allow_list = AllowList(
                self.config.allowed_callers, enabled=self.config.allow_list_enabled
            )
            self._gate = ConnectionGate(
                max_associations=self.config.max_associations,
                request_timeout=self.config.association_request_timeout,
                max_pdu=self.config.max_pdu,
            )
            spool.install(self._space_left, self._spool_dir)
            # before the first connection: the gate binds each socket's recv when it opens
            pynetdicom_tuning.apply()
            ae = AE(ae_title=self.config.ae_title)
            ae.maximum_pdu_size = self.config.max_pdu
            # The gate counts admitted associations against max_associations; pynetdicom's
            # own count includes connections still waiting for their request, so it only
            # backs the gate up (it would otherwise let silent connections take the slots).
            ae.maximum_associations = self.config.max_associations + 4 * MAX_PENDING
            ae.network_timeout = self.config.network_timeout
            ae.acse_timeout = self.config.association_request_timeout
            ae.require_called_aet = self.config.require_called_ae_title
            storage_classes = [c.abstract_syntax for c in AllStoragePresentationContexts]
            pynetdicom_tuning.add_supported_contexts(
                ae, [*storage_classes, *EXTRA_STORAGE_CLASSES], TRANSFER_SYNTAXES
            )
            ae.add_supported_context(Verification)
            handlers = [
                (evt.EVT_CONN_OPEN, self._gate.on_open),
                (evt.EVT_REQUESTED, self._on_requested),
                (evt.EVT_DIMSE_RECV, self._on_dimse_received),
                (evt.EVT_C_STORE, self._on_store),
                (evt.EVT_CONN_CLOSE, self._on_conn_close),
                NODELAY_HANDLER,
            ]
            address = (self.config.bind_address, self.config.port)
            try:
                self._server = ae.start_server(address, block=False, evt_handlers=handlers)
            except OSError as exc:
                raise NetworkError(self._bind_error(exc)) from exc
            # listen() again on the bound socket only raises its backlog (see gate.py)
            with contextlib.suppress(OSError):
                self._server.socket.listen(LISTEN_BACKLOG)
            self._server.contexts = CheaplyCopiedContexts(self._server.contexts)
            LOGGER.info(
                "Listening as %s on port %d (%d associations at once; a connection has %g s "
                "to send its association request)",
                self.config.ae_title,
                self.config.port,
                self.config.max_associations,
                self.config.association_request_timeout,
            )

    def _bind_error(self, exc: OSError) -> str:
        port = self.config.port
        if exc.errno == errno.EADDRINUSE:
            return (
                f"Port {port} is already in use by another program: stop it, or choose "
                "another port in the receiver settings"
            )
        if exc.errno in (errno.EACCES, errno.EPERM):
            return (
                f"Permission denied to listen on port {port}: ports below 1024 need "
                "administrator rights; use a port such as 11112"
            )
        return f"Cannot listen on port {port}: {exc.strerror or exc}"

    def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop listening; let running associations finish for ``grace_seconds``, then abort.

        Aborted associations lose nothing acknowledged: an instance is acknowledged only
        once stored, and the sender retries what was not.
        """
        with self._lock:
            server, self._server = self._server, None
        if server is None:
            return
        deadline = time.monotonic() + grace_seconds
        while server.active_associations and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._gate is not None:
            self._gate.close_pending()  # no request yet: nothing to abort, just close
        aborted = []
        for assoc in list(server.active_associations):
            if not assoc.is_established:
                continue
            LOGGER.warning("Aborting association from %s at shutdown", assoc.requestor.ae_title)
            assoc.abort()
            aborted.append(assoc)
        for assoc in aborted:  # a stopped receiver leaves no association thread behind
            assoc.join(timeout=5.0)
        _shutdown_now(server)
        LOGGER.info("Receiver stopped")

    # -- handlers (run on association threads) --------------------------------------------

    @staticmethod
    def _caller(event: evt.Event) -> Caller:
        requestor = event.assoc.requestor
        return Caller(
            key=id(event.assoc), ae_title=requestor.ae_title.strip(), address=requestor.address
        )

    def _on_requested(self, event: evt.Event) -> None:
        primitive = event.assoc.requestor.primitive
        calling = primitive.calling_ae_title.strip() if primitive is not None else ""
        address = event.assoc.requestor.address
        verdict = self._allow_list.check(calling, address)
        if not verdict.allowed:
            LOGGER.warning(
                "Rejected association from %s at %s: %s", calling, address, verdict.reason
            )
            # rejected-permanent, service user, calling AE title not recognised
            self._reject(event, 0x01, 0x01, 0x03)
            if self._on_rejected is not None:
                self._on_rejected(calling, address, verdict.reason)
            return
        if self.config.require_called_ae_title and primitive is not None:
            called = primitive.called_ae_title.strip()
            if called != self.config.ae_title.strip():
                # pynetdicom sends the A-ASSOCIATE-RJ (called AE title not recognised)
                LOGGER.warning(
                    "Rejected association from %s at %s: it called '%s', not this station's "
                    "AE title '%s' (require_called_ae_title is on)",
                    calling,
                    address,
                    called,
                    self.config.ae_title,
                )
                return
        if self._gate is not None and not self._gate.admit(event):
            LOGGER.warning(
                "Rejected association from %s at %s: %d associations are running, the most "
                "max_associations allows",
                calling,
                address,
                self.config.max_associations,
            )
            # rejected-transient, service provider (presentation), local limit exceeded
            self._reject(event, 0x02, 0x03, 0x02)

    @staticmethod
    def _reject(event: evt.Event, result: int, source: int, reason: int) -> None:
        event.assoc.acse.send_reject(result, source, reason)
        # kill() waits for the DUL to send the A-ASSOCIATE-RJ before the socket closes,
        # as pynetdicom's own rejection path does; without it the peer sees an abort.
        event.assoc.kill()

    def _on_store(self, event: evt.Event) -> int:
        caller = self._caller(event)
        uid = ""
        try:
            request = event.request
            uid = str(getattr(request, "AffectedSOPInstanceUID", "") or "")
            path = Path(event.dataset_path)
            if not spool.claim(path):
                LOGGER.warning(
                    "Instance %s from %s arrived after its connection closed: not stored",
                    uid or "(no UID)",
                    caller.ae_title,
                )
                return STATUS_OUT_OF_RESOURCES
            spool_failure = spool.failure(path)
            if spool_failure is not None:
                return self._refuse(caller, uid, STATUS_OUT_OF_RESOURCES, spool_failure, path)
            # before any diversion: what does not match its request is never acknowledged
            refusal, dataset = check_received_dataset(
                path,
                affected_sop_class=str(getattr(request, "AffectedSOPClassUID", "") or ""),
                affected_sop_instance=uid,
                context_class=str(event.context.abstract_syntax or ""),
            )
            if refusal is not None:
                return self._refuse(caller, uid, refusal.status, refusal.reason, path)
            _checked.current = (str(path), dataset)
            if self._divert is not None:
                origin = StoreOrigin(
                    uid,
                    str(getattr(request, "MoveOriginatorApplicationEntityTitle", "") or "").strip(),
                    getattr(request, "MoveOriginatorMessageID", None),
                )
                status = self._divert(caller, path, origin)
                if status is not None:
                    return status
            return self._store(caller, path, uid)
        except Exception:
            LOGGER.exception("Unexpected error storing an instance from %s", caller.ae_title)
            return STATUS_PROCESSING_FAILURE
        finally:
            _checked.current = None

    def _refuse(self, caller: Caller, uid: str, status: int, reason: str, path: Path) -> int:
        with contextlib.suppress(OSError):
            path.unlink()
        if self._on_refused is not None:
            # the station logs it (with the same words) and audits it
            self._on_refused(caller, uid, status, reason)
            return status
        which = f"instance {uid}" if uid else "an instance"
        LOGGER.error(
            "Refused %s from %s (%s): %s (answered 0x%04X)",
            which,
            caller.ae_title,
            caller.address,
            reason,
            status,
        )
        return status

    def _on_dimse_received(self, event: evt.Event) -> None:
        """Abort an association whose C-STORE request names no SOP Class or Instance UID.

        pynetdicom takes such a request as "unexpected" and drops it without an answer, so
        the sender would wait until its own timeout; the abort is pynetdicom's own answer
        to an invalid message (its DUL event 19), put on the queue of the network thread
        this handler runs on.
        """
        message = event.message
        command = getattr(message, "command_set", None)
        if command is None or getattr(command, "CommandField", None) != C_STORE_RQ:
            return
        missing = _missing_request_uids(command)
        if not missing:
            return
        caller = self._caller(event)
        LOGGER.warning(
            "Aborted the association from %s (%s): its C-STORE request has no %s; "
            "nothing of it was stored or acknowledged",
            caller.ae_title or "an unknown peer",
            caller.address,
            missing,
        )
        event.assoc.dul.event_queue.put("Evt19")

    def _log_unreleased(self, event: evt.Event) -> None:
        """One line for an association that ended other than by an A-RELEASE: a sender that
        aborts or hangs up has usually not sent everything it meant to. (pynetdicom marks
        an association aborted only after its connection has closed, so the line cannot
        tell an A-ABORT from a hang-up.)"""
        assoc = event.assoc
        if assoc.is_released or assoc.is_rejected or not assoc.requestor.ae_title:
            return
        caller = self._caller(event)
        LOGGER.info(
            "The association from %s (%s) ended without a release (aborted, or its "
            "connection closed)",
            caller.ae_title,
            caller.address,
        )

    def _on_conn_close(self, event: evt.Event) -> None:
        dul = getattr(event.assoc, "dul", None)
        partial = spool.discard_unclaimed(getattr(dul, "ident", None))
        if partial:
            caller = self._caller(event)
            LOGGER.warning(
                "The connection from %s (%s) closed in the middle of %d dataset(s): "
                "nothing of them was stored or acknowledged, the partial file(s) are deleted",
                caller.ae_title or "an unknown peer",
                caller.address,
                partial,
            )
        self._log_unreleased(event)
        silent = self._gate.closed_silently(event) if self._gate is not None else None
        if silent is not None:
            LOGGER.info(
                "Closed the connection from %s: it sent no association request within %g s "
                "(association_request_timeout)",
                silent.address,
                self.config.association_request_timeout,
            )
        if self._on_closed is not None and event.assoc.requestor.ae_title:
            self._on_closed(self._caller(event))


def _missing_request_uids(request: Any) -> str:
    """Which of the request's Affected SOP Class and Instance UIDs are empty, in words."""
    missing = [
        f"{name} {tag}"
        for keyword, name, tag in (
            ("AffectedSOPClassUID", "Affected SOP Class UID", "(0000,0002)"),
            ("AffectedSOPInstanceUID", "Affected SOP Instance UID", "(0000,1000)"),
        )
        if not str(getattr(request, keyword, "") or "").strip()
    ]
    return " and no ".join(missing)


def _shutdown_now(server: ThreadedAssociationServer) -> None:
    """``server.shutdown()`` without the wait for socketserver's next poll.

    socketserver looks for a stop request only between polls of the listening socket,
    every half second; shutting that socket down wakes the poll, so stopping the receiver
    (and the station) takes milliseconds instead of up to 0.5 s.
    """
    stopper = threading.Thread(target=server.shutdown, name="rtstation-receiver-stop")
    stopper.start()
    with contextlib.suppress(OSError):
        server.socket.shutdown(socket.SHUT_RDWR)
    stopper.join()
