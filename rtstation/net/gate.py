"""What a connection must do before it gets a slot, and what it may send at all.

pynetdicom gives every accepted TCP connection an association thread at once and counts it
against ``maximum_associations`` from then on; it waits 30 s (its ARTIM timer) for an
A-ASSOCIATE-RQ, waits again for every slow byte of it, and reads any PDU into memory whole,
however long its header says it is (up to 4 GiB). So 20 silent connections, one trickled
header or one hostile length field were enough to lock out every planning system.

The gate changes that at two documented seams of pynetdicom, both set per connection in an
``EVT_CONN_OPEN`` handler (which pynetdicom runs before the association thread starts):

* ``Association.acse_timeout`` (public) is set to ``association_request_timeout``: it is the
  ARTIM timer that closes a connection that sends nothing. It stays the association's ACSE
  timeout afterwards, which an acceptor only uses while an aborted connection closes.
* ``AssociationSocket.recv`` (public) is wrapped on that one socket. pynetdicom's DUL reads
  every PDU as ``recv(6)`` (type and length) and then ``recv(length)``; the wrapper sees the
  header first and closes the connection, before a byte of the body is read, when the PDU
  is larger than allowed. Until the A-ASSOCIATE-RQ is complete it reads with a deadline, so
  a trickled header is closed after ``association_request_timeout`` too; and it decodes the
  request with pynetdicom's own PDU class first, so a malformed one (an even presentation
  context ID, say) is answered with an A-ABORT and one log line instead of a traceback in
  the DUL thread and a slot held for 30 s.

Slots: ``max_associations`` counts only connections whose A-ASSOCIATE-RQ was read and
admitted, so silent connections never take one. Connections still waiting for their request
are capped at :data:`MAX_PENDING`; when one more arrives the oldest waiting one is closed
(a real sender's request follows its connect within milliseconds, a scanner's never does).

``tests/core/test_pynetdicom_seams.py`` fails when a pynetdicom upgrade moves these seams.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import socket
import struct
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from pynetdicom import evt
from pynetdicom.pdu import A_ASSOCIATE_RQ

LOGGER = logging.getLogger(__name__)

PDU_HEADER = 6
A_ASSOCIATE_RQ_TYPE = 0x01
P_DATA_TF_TYPE = 0x04
# An A-ASSOCIATE-RQ with every storage SOP class and a dozen transfer syntaxes each is about
# 30 KiB; nothing legitimate comes near 64 KiB.
MAX_ASSOCIATE_RQ = 64 * 1024
# A-ASSOCIATE-AC/RJ, A-RELEASE-RQ/RP and A-ABORT are a few bytes to a few KiB.
MAX_CONTROL_PDU = 64 * 1024
# Connections that have not sent their request yet, at most; the oldest is closed first.
MAX_PENDING = 64
# Python's socketserver listens with a backlog of 5: a burst of 20 connects overflows the
# kernel's accept queue, and the next sender's SYN is dropped and retried 1-3 s later.
LISTEN_BACKLOG = 256
# A-ABORT, source 2 (service provider), reason 6 (invalid PDU parameter value)
_ABORT_INVALID_PARAMETER = b"\x07\x00\x00\x00\x00\x04\x00\x00\x02\x06"
# A-ABORT, source 2 (service provider), reason 0 (reason not specified)
_ABORT_UNSPECIFIED = b"\x07\x00\x00\x00\x00\x04\x00\x00\x02\x00"

_PDU_NAMES = {
    0x01: "A-ASSOCIATE-RQ",
    0x02: "A-ASSOCIATE-AC",
    0x03: "A-ASSOCIATE-RJ",
    0x04: "P-DATA-TF",
    0x05: "A-RELEASE-RQ",
    0x06: "A-RELEASE-RP",
    0x07: "A-ABORT",
}


class _QuietInThisThread(logging.Filter):
    """Drops pynetdicom's and pydicom's log records on a thread while it checks a request.

    pynetdicom logs a traceback for every byte of an AE title or UID it cannot decode as
    ASCII before it gives up; the gate says in one line why it refused the request.
    """

    def __init__(self) -> None:
        super().__init__()
        self.local = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(self.local, "on", False)


_QUIET = _QuietInThisThread()
for _name in ("pynetdicom.utils", "pynetdicom.pdu", "pynetdicom.pdu_items", "pydicom"):
    logging.getLogger(_name).addFilter(_QUIET)


@dataclass
class GuardedConnection:
    """The state of one accepted connection, as far as the gate cares."""

    address: str
    opened: float
    deadline: float
    raw: socket.socket | None
    network_timeout: float | None
    user_queue: Any = None  # the association thread waits on it for the request
    requested: bool = False
    admitted: bool = False
    closed_by_gate: bool = False
    body: bytearray | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def close(self, abort: bytes = _ABORT_UNSPECIFIED) -> None:
        """Tell the peer (best effort) and shut the socket; the DUL then sees it closed."""
        self.closed_by_gate = True
        self.release_thread()
        raw = self.raw
        if raw is None:
            return
        with contextlib.suppress(OSError):
            raw.settimeout(1.0)
            raw.sendall(abort)
        with contextlib.suppress(OSError):
            raw.shutdown(socket.SHUT_RDWR)

    def release_thread(self) -> None:
        """Before the request, the association thread waits for it up to the request
        timeout even once the connection is gone; a None on its queue ends that wait (it
        is what pynetdicom's own time-out returns), so the thread and its slot in
        pynetdicom's count go at once."""
        if not self.requested and self.user_queue is not None:
            self.user_queue.put(None)
            self.user_queue = None


class ConnectionGate:
    """Admission control of one storage SCP: request deadline, PDU limits, slots."""

    def __init__(self, *, max_associations: int, request_timeout: float, max_pdu: int) -> None:
        self.max_associations = max_associations
        self.request_timeout = request_timeout
        # 0 means "no limit" in DICOM; we never offer that, but never read 4 GiB either.
        self.max_pdu = max_pdu if max_pdu > 0 else 1024 * 1024
        self._lock = threading.Lock()
        self._connections: weakref.WeakKeyDictionary[object, GuardedConnection] = (
            weakref.WeakKeyDictionary()
        )

    # -- EVT_CONN_OPEN: before the association thread starts ------------------------------

    def on_open(self, event: evt.Event) -> None:
        assoc = event.assoc
        assoc_socket = assoc.dul.socket
        raw = getattr(assoc_socket, "socket", None)
        now = time.monotonic()
        address = str(event.address[0]) if event.address else assoc.requestor.address
        conn = GuardedConnection(
            address=address,
            opened=now,
            deadline=now + self.request_timeout,
            raw=raw,
            network_timeout=assoc.network_timeout,
            user_queue=assoc.dul.to_user_queue,
        )
        assoc.acse_timeout = self.request_timeout
        original_recv = assoc_socket.recv
        assoc_socket.recv = lambda n: self._recv(conn, original_recv, n)
        with self._lock:
            pending = [c for a, c in self._connections.items() if _waiting(a) and not c.requested]
            self._connections[assoc] = conn
        if len(pending) >= MAX_PENDING:
            oldest = min(pending, key=lambda c: c.opened)
            LOGGER.warning(
                "Closed the connection from %s open for %.1f s without an association "
                "request: %d connections were waiting for theirs (the most allowed)",
                oldest.address,
                now - oldest.opened,
                len(pending),
            )
            oldest.close()

    # -- EVT_REQUESTED: the request is read ------------------------------------------------

    def admit(self, event: evt.Event) -> bool:
        """Take a slot for this association, or say (and log) that none is free."""
        assoc = event.assoc
        with self._lock:
            conn = self._connections.get(assoc)
            running = sum(
                1
                for a, c in self._connections.items()
                if c.admitted and a is not assoc and _alive(a)
            )
            if running >= self.max_associations:
                return False
            if conn is not None:
                conn.admitted = True
        return True

    def close_pending(self) -> None:
        """Close every connection still waiting for its request (the receiver stops)."""
        with self._lock:
            pending = [c for a, c in self._connections.items() if _waiting(a) and not c.requested]
        for conn in pending:
            conn.close()

    def running(self) -> int:
        with self._lock:
            return sum(1 for a, c in self._connections.items() if c.admitted and _alive(a))

    def closed_silently(self, event: evt.Event) -> GuardedConnection | None:
        """The connection of a closing association if it never sent a request (for the log)."""
        with self._lock:
            conn = self._connections.get(event.assoc)
        if conn is None or conn.requested or conn.closed_by_gate:
            return None
        return conn

    # -- the socket wrapper (DUL thread) ---------------------------------------------------

    def _recv(self, conn: GuardedConnection, original_recv, nr_bytes: int) -> bytearray:
        if conn.body is not None:
            # The body of the request we already read and checked.
            body, conn.body = conn.body, None
            if nr_bytes == len(body):
                return body
            LOGGER.error("pynetdicom read the association request in an unexpected way")
            conn.close()
            return bytearray()
        if nr_bytes != PDU_HEADER:
            return original_recv(nr_bytes)
        if not conn.requested:
            return self._read_request(conn)
        header = original_recv(PDU_HEADER)
        if len(header) < PDU_HEADER:
            return header
        pdu_type, _, length = struct.unpack(">BBL", header)
        limit = self.max_pdu if pdu_type == P_DATA_TF_TYPE else MAX_CONTROL_PDU
        if length > limit:
            LOGGER.warning(
                "Closed the association from %s: it sent a %s PDU of %d bytes, more than "
                "the %d bytes allowed",
                conn.address,
                _PDU_NAMES.get(pdu_type, f"0x{pdu_type:02X}"),
                length,
                limit,
            )
            conn.close(_ABORT_INVALID_PARAMETER)
            return bytearray()
        return header

    def _read_request(self, conn: GuardedConnection) -> bytearray:
        """Read the whole A-ASSOCIATE-RQ with a deadline; check it before pynetdicom sees it."""
        header = self._read_until_deadline(conn, PDU_HEADER)
        if header is None:
            return bytearray()
        pdu_type, _, length = struct.unpack(">BBL", header)
        if pdu_type != A_ASSOCIATE_RQ_TYPE:
            name = _PDU_NAMES.get(pdu_type, f"an unknown (0x{pdu_type:02X})")
            return self._refuse(conn, f"it sent {name} PDU before any association request")
        if length > MAX_ASSOCIATE_RQ:
            return self._refuse(
                conn,
                f"its association request claims {length} bytes, more than the "
                f"{MAX_ASSOCIATE_RQ} bytes allowed",
            )
        body = self._read_until_deadline(conn, length)
        if body is None:
            return bytearray()
        _QUIET.local.on = True
        try:
            pdu = A_ASSOCIATE_RQ()
            pdu.decode(bytes(header + body))
            pdu.to_primitive()
        except Exception as exc:  # pynetdicom raises ValueError, struct.error, KeyError, ...
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return self._refuse(conn, f"its association request is malformed ({detail[:200]})")
        finally:
            _QUIET.local.on = False
        conn.requested = True
        conn.body = body
        if conn.raw is not None:
            with contextlib.suppress(OSError):
                conn.raw.settimeout(conn.network_timeout)
        return header

    def _read_until_deadline(self, conn: GuardedConnection, nr_bytes: int) -> bytearray | None:
        raw = conn.raw
        if raw is None:
            return None
        data = bytearray()
        while len(data) < nr_bytes:
            remaining = conn.deadline - time.monotonic()
            if remaining <= 0:
                self._refuse(
                    conn,
                    f"it did not send a complete association request within "
                    f"{self.request_timeout:g} s (association_request_timeout; "
                    f"{len(data)} of {nr_bytes} bytes of this part arrived)",
                    abort=_ABORT_UNSPECIFIED,
                )
                return None
            try:
                raw.settimeout(remaining)
                chunk = raw.recv(min(65536, nr_bytes - len(data)))
            except TimeoutError:
                continue
            except OSError:
                return None
            if not chunk:
                conn.release_thread()
                return None  # the peer closed: nothing to say
            data.extend(chunk)
        return data

    def _refuse(
        self, conn: GuardedConnection, reason: str, *, abort: bytes = _ABORT_INVALID_PARAMETER
    ) -> bytearray:
        LOGGER.warning("Closed the connection from %s: %s", conn.address, reason)
        conn.close(abort)
        return bytearray()


class CheaplyCopiedContexts(list):  # type: ignore[type-arg]
    """The server's supported presentation contexts, with a fast ``deepcopy``.

    pynetdicom deep-copies them for every accepted connection, before the peer has sent a
    byte: 50 ms of CPU for 170 storage classes x 39 transfer syntaxes, so a burst of 20
    silent connections kept a real sender waiting over a second. A copy of each context's
    attributes (lists copied, UIDs shared: they are immutable strings) is all the
    acceptor needs and takes a fraction of a millisecond.
    """

    def __deepcopy__(self, memo: dict[int, object]) -> list[object]:
        copies = []
        for context in self:
            twin = copy.copy(context)
            twin.__dict__ = {
                key: list(value) if isinstance(value, list) else value
                for key, value in vars(context).items()
            }
            copies.append(twin)
        return copies


def _waiting(assoc: object) -> bool:
    """Alive, or accepted but its thread not started yet (it is about to be)."""
    return _alive(assoc) or getattr(assoc, "ident", 0) is None


def _alive(assoc: object) -> bool:
    is_alive = getattr(assoc, "is_alive", None)
    return bool(is_alive()) if callable(is_alive) else False
