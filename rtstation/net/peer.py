"""A DICOM peer as the network code sees it, and how to open an association to it.

``Peer`` is deliberately a small frozen value of its own rather than the configuration's
``Node``: the network layer then needs nothing from the settings model, tests can build a
peer in one line, and the station maps ``Node`` -> ``Peer`` in one place. It validates
nothing; validation belongs to the configuration layer, which can point at the bad field.

:func:`open_association` wraps ``AE.associate`` so that every caller (echo, send) gets the
same answer to "why did that not work?" in words a physicist understands: pynetdicom only
logs why a connection failed, so we look at the association's state afterwards and, when
no TCP connection was made at all, probe the port once to tell "refused" from "timed out".
"""

from __future__ import annotations

import logging
import socket
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pynetdicom import AE, evt
from pynetdicom.association import Association
from pynetdicom.pdu_primitives import A_ASSOCIATE
from pynetdicom.presentation import PresentationContext

from rtstation.dicom.status import Classified, classify
from rtstation.net.tcp import set_nodelay

LOGGER = logging.getLogger(__name__)

#: 128 KB: docs/dicom-networking.md: measured 2.6x faster transfers than pynetdicom's default 16 KB.
DEFAULT_MAX_PDU = 131072


@dataclass(frozen=True)
class Peer:
    """Where to send and how long to wait; ``calling_ae`` is our own AE title for this peer.

    The timeouts are pynetdicom's: ``connect_timeout`` for the TCP connection,
    ``acse_timeout`` for the answer to the association request, ``dimse_timeout`` for the
    answer to one C-STORE/C-ECHO and ``network_timeout`` for an idle connection.
    """

    ae_title: str
    host: str
    port: int
    calling_ae: str = "RTSTATION"
    tls: bool = False
    tls_ca_file: str = ""
    tls_cert_file: str = ""
    tls_key_file: str = ""
    max_pdu: int = DEFAULT_MAX_PDU
    connect_timeout: float = 10.0
    acse_timeout: float = 30.0
    network_timeout: float = 60.0
    dimse_timeout: float = 120.0
    name: str = ""

    @property
    def address(self) -> str:
        """ "host:port", as shown in messages."""
        return f"{self.host}:{self.port}"

    def describe(self) -> str:
        """ "'ORTHANC' at 127.0.0.1:4242", for log lines and messages."""
        return f"'{self.ae_title}' at {self.address}"


@dataclass(frozen=True)
class AssociationFailure:
    """Why no association was established: ``kind`` is a word :func:`classify` knows."""

    kind: str
    detail: str
    address: str

    def classified(self) -> Classified:
        """The outcome (RETRY or FAIL) and the sentence to show."""
        return classify(
            None, association_failure=self.kind, address=self.address, detail=self.detail
        )


# (Result Source, Diagnostic) of an A-ASSOCIATE-RJ, in words (PS3.8 Table 9-21).
_REJECT_WORDS = {
    (1, 1): "no reason given",
    (1, 2): "application context name not supported",
    (1, 3): "calling AE title not recognised",
    (1, 7): "called AE title not recognised",
    (2, 1): "no reason given",
    (2, 2): "protocol version not supported",
    (3, 1): "temporary congestion",
    (3, 2): "local limit exceeded",
}


def make_ae(peer: Peer) -> AE:
    """A requestor AE with the peer's timeouts and our calling AE title."""
    ae = AE(ae_title=peer.calling_ae or "RTSTATION")
    ae.connection_timeout = peer.connect_timeout
    ae.acse_timeout = peer.acse_timeout
    ae.dimse_timeout = peer.dimse_timeout
    ae.network_timeout = peer.network_timeout
    ae.maximum_pdu_size = peer.max_pdu
    return ae


def tls_args(peer: Peer) -> tuple[ssl.SSLContext, str] | None:
    """The ``(context, server_hostname)`` pynetdicom needs for TLS, or None without TLS.

    Without a CA file the system trust store verifies the peer; a client certificate is
    presented only when one is configured.
    """
    if not peer.tls:
        return None
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=peer.tls_ca_file or None)
    if peer.tls_cert_file:
        context.load_cert_chain(peer.tls_cert_file, peer.tls_key_file or None)
    return context, peer.host


def keep_responses(assoc: Association) -> None:
    """Stop the association's reactor from swallowing the answer to our own request.

    pynetdicom 3.0 pauses the reactor thread around each ``send_c_*`` call, but the pause
    is racy: the reactor can flag itself paused, find the checkpoint still open, and then
    take the peer's C-STORE-RSP off the queue, log "Received unexpected C-STORE service
    message" and drop it; the sender then waits the whole DIMSE timeout. On loopback, where
    the answer arrives within microseconds, this hit about one 300-file send in ten. A
    response the reactor picks up is put back on the queue the sender is blocked on, so it
    reaches the sender whichever thread saw it first.
    """
    serve = getattr(assoc, "_serve_request", None)
    dimse = getattr(assoc, "dimse", None)
    messages = getattr(dimse, "msg_queue", None)
    if serve is None or messages is None:  # pragma: no cover - another pynetdicom
        return

    def serve_or_requeue(msg: Any, context_id: int) -> None:
        if getattr(msg, "Status", None) is not None and not msg.is_valid_request:
            LOGGER.debug("Handing a %s response back to the waiting sender", msg.msg_type)
            messages.put((context_id, msg))
            return
        serve(msg, context_id)

    assoc._serve_request = serve_or_requeue  # type: ignore[method-assign]


def _probe(peer: Peer) -> tuple[str, str]:
    """Connect once without DICOM to tell why pynetdicom could not connect."""
    try:
        with socket.create_connection(
            (peer.host, peer.port), timeout=min(peer.connect_timeout, 3.0)
        ):
            pass
    except ConnectionRefusedError:
        return "refused", ""
    except socket.gaierror:
        return "unreachable", f"the host name '{peer.host}' cannot be resolved"
    except TimeoutError:
        return "timeout", "no answer to the connection request"
    except OSError as exc:
        return "unreachable", exc.strerror or str(exc)
    if peer.tls:
        return "unreachable", "the TLS handshake failed: check the certificates"
    # Something listens now: it came up in between, or it closed the connection at once.
    return "refused", ""


def _unread_rejection(assoc: Association) -> A_ASSOCIATE | None:
    """An A-ASSOCIATE-RJ pynetdicom received but its requesting thread never read.

    A peer that rejects and closes at once (storescp --refuse) can beat pynetdicom's
    requesting thread: the network thread queues the RJ and closes the socket, the
    requesting thread then finds the socket closed and aborts. Without this look the
    refusal, permanent or not, would be reported as an abort, which is retried.
    """
    waiting = getattr(getattr(assoc, "dul", None), "to_user_queue", None)
    for primitive in list(getattr(waiting, "queue", ())):
        if isinstance(primitive, A_ASSOCIATE) and getattr(primitive, "result", None) in (1, 2):
            return primitive
    return None


def _diagnose(
    assoc: Association, peer: Peer, connected: bool, elapsed: float
) -> AssociationFailure:
    """Name the reason an association request did not end in an established association."""
    address = peer.address
    rejection = assoc.acceptor.primitive if assoc.is_rejected else _unread_rejection(assoc)
    if rejection is not None:
        rsp = rejection
        result = getattr(rsp, "result", 1)
        key = (getattr(rsp, "result_source", 0), getattr(rsp, "diagnostic", 0))
        words = _REJECT_WORDS.get(key, "no reason given")
        if key == (1, 7):
            words = f"called AE title '{peer.ae_title}' not recognised"
        elif key == (1, 3):
            words = f"calling AE title '{peer.calling_ae}' not recognised"
        kind = "rejected-transient" if result == 2 else "rejected-permanent"
        return AssociationFailure(kind, words, address)
    if not connected:
        if elapsed >= peer.connect_timeout * 0.9:
            return AssociationFailure("timeout", "no answer to the connection request", address)
        kind, detail = _probe(peer)
        return AssociationFailure(kind, detail, address)
    rsp = assoc.acceptor.primitive
    if rsp is not None and getattr(rsp, "result", None) == 0 and not assoc.accepted_contexts:
        return AssociationFailure(
            "no-context", "none of the proposed presentation contexts was accepted", address
        )
    if rsp is None and elapsed >= peer.acse_timeout * 0.9:
        return AssociationFailure("timeout", "no answer to the association request", address)
    return AssociationFailure("aborted", "", address)


def open_association(
    ae: AE,
    peer: Peer,
    contexts: Sequence[PresentationContext] | None = None,
    *,
    ext_neg: Sequence[Any] | None = None,
    handlers: Sequence[tuple[Any, Any]] = (),
) -> tuple[Association | None, AssociationFailure | None]:
    """Request an association; return it when established, else the failure in words.

    ``contexts`` replaces the AE's requested contexts when given. ``ext_neg`` (SCP/SCU role
    selection) and ``handlers`` (a C-GET's C-STORE handler) are passed to pynetdicom. The
    returned association is established; the caller must release or abort it in a
    ``finally``.
    """
    connected: list[bool] = []

    def on_open(event: evt.Event) -> None:
        connected.append(True)
        set_nodelay(event)

    if contexts is not None:
        ae.requested_contexts = list(contexts)
    started = time.monotonic()
    try:
        assoc = ae.associate(
            peer.host,
            peer.port,
            ae_title=peer.ae_title,
            max_pdu=peer.max_pdu,
            tls_args=tls_args(peer),
            ext_neg=list(ext_neg) if ext_neg else None,
            evt_handlers=[(evt.EVT_CONN_OPEN, on_open), *handlers],
        )
    except (ValueError, TypeError, OSError) as exc:
        # pynetdicom refuses bad AE titles or addresses before touching the network.
        return None, AssociationFailure("invalid-settings", str(exc), peer.address)
    if assoc.is_established:
        keep_responses(assoc)
        return assoc, None
    failure = _diagnose(assoc, peer, bool(connected), time.monotonic() - started)
    close_association(assoc, abort=True)
    return None, failure


def close_association(assoc: Association | None, *, abort: bool = False) -> None:
    """Release (or abort) an association and never raise: used in ``finally`` blocks.

    An association left open would keep the peer waiting until its network timeout
    (docs/dicom-networking.md); aborting is the fallback when a release does not complete.
    """
    if assoc is None:
        return
    try:
        if assoc.is_established and not abort:
            assoc.release()
        if assoc.is_established or abort:
            assoc.abort()
    except Exception:
        LOGGER.exception("Could not close the association cleanly; aborting it")
        try:
            assoc.abort()
        except Exception:  # pragma: no cover - nothing left to do
            LOGGER.debug("Abort after a failed release also failed", exc_info=True)
