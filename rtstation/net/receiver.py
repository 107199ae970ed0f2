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

import errno
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydicom.uid import AllTransferSyntaxes, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, _config, evt
from pynetdicom.presentation import AllStoragePresentationContexts
from pynetdicom.sop_class import Verification

from rtstation.config import AllowedCaller
from rtstation.dicom import sop
from rtstation.errors import NetworkError
from rtstation.net.tcp import NODELAY_HANDLER

LOGGER = logging.getLogger(__name__)

# Stream received datasets to a temporary file instead of memory. Process-wide in
# pynetdicom; every receiving code path of rtstation wants it.
_config.STORE_RECV_CHUNKED_DATASET = True

STATUS_SUCCESS = 0x0000
STATUS_OUT_OF_RESOURCES = 0xA700
STATUS_CANNOT_UNDERSTAND = 0xC210
STATUS_PROCESSING_FAILURE = 0xC211

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
    max_associations: int = 16
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


def is_allowed(config: ReceiverConfig, ae_title: str, address: str) -> bool:
    """Allow-list check: AE titles compare exactly after trimming; a host, if given, too."""
    if not config.allow_list_enabled:
        return True
    title = ae_title.strip()
    return any(
        entry.ae_title.strip() == title and (not entry.host or entry.host == address)
        for entry in config.allowed_callers
    )


class StorageReceiver:
    """Starts and stops one listening storage SCP; thread-safe start/stop."""

    def __init__(
        self,
        config: ReceiverConfig,
        store: StoreCallback,
        on_closed: ClosedCallback | None = None,
        on_rejected: Callable[[str, str], None] | None = None,
        divert: DivertCallback | None = None,
    ) -> None:
        self.config = config
        self._store = store
        self._divert = divert
        self._on_closed = on_closed
        self._on_rejected = on_rejected
        self._server = None
        self._lock = threading.Lock()

    @property
    def is_running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        """Listen; raises :class:`NetworkError` in words when the port cannot be had."""
        with self._lock:
            if self._server is not None:
                return
            ae = AE(ae_title=self.config.ae_title)
            ae.maximum_pdu_size = self.config.max_pdu
            ae.maximum_associations = self.config.max_associations
            ae.network_timeout = self.config.network_timeout
            ae.require_called_aet = self.config.require_called_ae_title
            for context in AllStoragePresentationContexts:
                ae.add_supported_context(context.abstract_syntax, TRANSFER_SYNTAXES)
            for uid in EXTRA_STORAGE_CLASSES:
                ae.add_supported_context(uid, TRANSFER_SYNTAXES)
            ae.add_supported_context(Verification)
            handlers = [
                (evt.EVT_REQUESTED, self._on_requested),
                (evt.EVT_C_STORE, self._on_store),
                (evt.EVT_CONN_CLOSE, self._on_conn_close),
                NODELAY_HANDLER,
            ]
            address = (self.config.bind_address, self.config.port)
            try:
                self._server = ae.start_server(address, block=False, evt_handlers=handlers)
            except OSError as exc:
                raise NetworkError(self._bind_error(exc)) from exc
            LOGGER.info("Listening as %s on port %d", self.config.ae_title, self.config.port)

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
        for assoc in list(server.active_associations):
            LOGGER.warning("Aborting association from %s at shutdown", assoc.requestor.ae_title)
            assoc.abort()
        server.shutdown()
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
        if not is_allowed(self.config, calling, address):
            LOGGER.warning(
                "Rejected association from %s at %s: calling AE title not on the allow-list",
                calling,
                address,
            )
            # rejected-permanent, service user, calling AE title not recognised
            event.assoc.acse.send_reject(0x01, 0x01, 0x03)
            # kill() waits for the DUL to send the A-ASSOCIATE-RJ before the socket closes,
            # as pynetdicom's own rejection path does; without it the peer sees an abort.
            event.assoc.kill()
            if self._on_rejected is not None:
                self._on_rejected(calling, address)
        elif self.config.require_called_ae_title and primitive is not None:
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

    def _on_store(self, event: evt.Event) -> int:
        caller = self._caller(event)
        try:
            request = event.request
            uid = str(getattr(request, "AffectedSOPInstanceUID", "") or "")
            if self._divert is not None:
                origin = StoreOrigin(
                    uid,
                    str(getattr(request, "MoveOriginatorApplicationEntityTitle", "") or "").strip(),
                    getattr(request, "MoveOriginatorMessageID", None),
                )
                status = self._divert(caller, Path(event.dataset_path), origin)
                if status is not None:
                    return status
            return self._store(caller, Path(event.dataset_path), uid)
        except Exception:
            LOGGER.exception("Unexpected error storing an instance from %s", caller.ae_title)
            return STATUS_PROCESSING_FAILURE

    def _on_conn_close(self, event: evt.Event) -> None:
        if self._on_closed is not None and event.assoc.requestor.ae_title:
            self._on_closed(self._caller(event))
