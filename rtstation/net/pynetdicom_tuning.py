"""pynetdicom's polling delays and its received-file writer, tuned for throughput.

pynetdicom moves every PDU through two polling loops: the DUL reactor sleeps
``DULServiceProvider._run_loop_delay`` (1 ms) whenever a loop found nothing to do, and the
association reactor sleeps a hard-coded ``time.sleep(0.001)`` on every loop. A C-STORE
therefore waits up to about 2 ms between "last byte arrived" and "handler runs" and again
on the way out; with 525 KB CT slices at 100+ MB/s that is a quarter of the time budget
of an instance. Measured here (3.0.4, 128 KB PDUs, storescu sender): a do-nothing SCP
reaches about 95-115 MB/s with the defaults and 130-160 MB/s with both delays at 50 µs.

What this module changes, and why each is safe:

* ``_run_loop_delay`` is an instance attribute pynetdicom documents in a comment as the
  idle-CPU/latency trade-off; :func:`tune_association` (an ``EVT_CONN_OPEN`` handler) sets
  it per association. A shorter delay costs CPU only while an association is open and
  idle. Both delays are 50 µs only while one rtstation association is open, and
  pynetdicom's 1 ms with more: several associations polling fast cost more than they
  saved (each wake-up asks for the interpreter lock).
* The association reactor's sleep has no setting. :func:`apply` gives
  ``pynetdicom.association`` a ``time`` whose ``sleep(0.001)`` (only that exact value, the
  reactor's) sleeps :data:`REACTOR_SLEEP` instead, and only on the thread of an
  association :func:`tune_association` marked (an ``Association`` is its own reactor
  thread); every other call goes to :mod:`time`. Other pynetdicom associations of the
  process (a test's own probe) keep the default: pynetdicom's pause around a requestor's
  ``send_c_*`` is racy and a faster reactor loses that race more often, which rtstation's
  own requestors repair (``net/peer.py`` ``keep_responses``) and others do not.
* ``pynetdicom.dimse_messages.NamedTemporaryFile`` (the file a chunked C-STORE is written
  to, ``STORE_RECV_CHUNKED_DATASET``) is wrapped so the SHA-256 of the dataset bytes is
  computed as the bytes are written, on the DUL thread, instead of reading the file again
  in the handler. :func:`received_digest` hands it to the station.
* ``pynetdicom.transport.AssociationSocket.recv`` reads a PDU 4 KB at a time
  (``socket.recv(4096)`` and ``bytearray.extend``: 32 system calls and copies for one
  128 KB P-DATA PDU, on the DUL thread that every byte of a receive passes). It is
  replaced by :func:`_recv_whole`, the same contract (``nr_bytes`` bytes, fewer only when
  the peer closed; the socket's errors and timeouts raised as before) read with
  ``recv_into`` into one buffer. Measured here (3.0.4, 300 CT slices, storescu at
  128 KB): ``rtstation serve`` 62-66 MB/s before, 72-77 after.

* ``AE.add_supported_context`` checks every transfer syntax of every context again (three
  regular-expression checks per UID): 170 storage classes x 39 syntaxes took 0.17 s of CPU at
  every receiver start, a third of what ``rtstation serve`` needs to start listening.
  :func:`add_supported_contexts` has pynetdicom check the syntax list once, through a real
  ``PresentationContext``, then gives each abstract syntax a copy of that context, stored
  where ``add_supported_context`` stores it (``AE._supported_contexts``, keyed by UID).

All five touch private details, so they are applied only on the versions they were read
and measured on (:data:`CHECKED_VERSIONS`); on any other version :func:`apply` leaves
pynetdicom alone and logs why, and ``tests/core/test_pynetdicom_tuning.py`` fails until
someone checks the new version and adds it. The environment variable
``RTSTATION_PYNETDICOM_TUNING=off`` switches all of it off (to rule it out when something
looks wrong, and for the benchmark of pynetdicom's defaults). See
docs/dicom-networking.md.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import threading
import time
import types
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pynetdicom
from pydicom.uid import UID
from pynetdicom import association as _association
from pynetdicom import dimse_messages as _dimse_messages
from pynetdicom import evt
from pynetdicom import transport as _transport
from pynetdicom.presentation import PresentationContext

from rtstation.net import spool

LOGGER = logging.getLogger(__name__)

#: pynetdicom versions whose source this module was checked against.
CHECKED_VERSIONS = ("3.0.4",)
#: The DUL reactor's idle delay per loop (pynetdicom's default: 1 ms).
DUL_LOOP_DELAY = 0.00005
#: The association reactor's sleep per loop (pynetdicom's hard-coded value: 1 ms).
REACTOR_SLEEP = 0.00005
#: The exact value ``Association._run_reactor`` passes to ``time.sleep``.
PYNETDICOM_REACTOR_SLEEP = 0.001

#: pynetdicom's own socket read, as found at import (before :func:`apply` replaces it).
PYNETDICOM_RECV = _transport.AssociationSocket.recv

_applied = False
_apply_lock = threading.Lock()
_hashers: dict[str, _DatasetHasher] = {}
_digests_lock = threading.Lock()
_MAX_TRACKED = 256
_tuned: weakref.WeakSet[Any] = weakref.WeakSet()
_census: list[float] = [1, 0.0]  # open tuned associations, when counted


#: Set to "off" to leave pynetdicom exactly as it is.
SWITCH = "RTSTATION_PYNETDICOM_TUNING"
#: False after :func:`keep_default_polling` (the GUI): pynetdicom's 1 ms delays throughout.
_short_polling = True
_TUNED_MARK = "_rtstation_tuned"


def is_checked_version(version: str | None = None) -> bool:
    return (version or pynetdicom.__version__) in CHECKED_VERSIONS


class _ReactorClock(types.ModuleType):
    """``time`` for ``pynetdicom.association``: the reactor's 1 ms sleep becomes shorter."""

    def __init__(self) -> None:
        super().__init__("time")

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        if seconds == PYNETDICOM_REACTOR_SLEEP and getattr(
            threading.current_thread(), _TUNED_MARK, False
        ):
            seconds = _delay_for(_open_associations(), REACTOR_SLEEP)
        time.sleep(seconds)


def _open_associations() -> int:
    """How many tuned associations are running (at least 1), recounted every 10 ms.

    The short delays apply only while one is open (see :func:`_delay_for`): four
    associations each waking 20,000 times a second made four storescu senders slower
    (60-68 MB/s against 74-80 with pynetdicom's 1 ms).
    """
    now = time.monotonic()
    if now - _census[1] > 0.01:
        with _digests_lock:
            alive = sum(1 for assoc in list(_tuned) if assoc.is_alive())
        _census[0], _census[1] = max(1, alive), now
    return int(_census[0])


class _DatasetHasher:
    """SHA-256 of what follows the File Meta Information of a file being written.

    pynetdicom writes the preamble, ``DICM``, the File Meta Information (which begins with
    its group length, (0002,0000) UL) and then the dataset fragments. Once the group length
    is known, every byte past the meta is hashed. A file that does not start that way is
    marked broken and no digest is offered (the station then hashes the file itself).
    """

    _HEAD = 132 + 12  # preamble + DICM + the (0002,0000) UL element

    def __init__(self) -> None:
        self.written = 0
        self._head = bytearray()
        self._dataset_at: int | None = None
        self.broken = False
        self._digest = hashlib.sha256()

    def update(self, view: memoryview) -> None:
        if self.broken:
            return
        start = self.written
        self.written += len(view)
        if self._dataset_at is None:
            self._head += view[: self._HEAD - len(self._head)]
            if len(self._head) < self._HEAD:
                return
            tag, vr, _length, value = struct.unpack("<4s2sHI", bytes(self._head[132:]))
            if bytes(self._head[128:132]) != b"DICM" or tag != b"\x02\x00\x00\x00" or vr != b"UL":
                self.broken = True
                return
            self._dataset_at = self._HEAD + value
        skip = self._dataset_at - start
        if skip < len(view):
            self._digest.update(view[max(skip, 0) :])

    def hexdigest(self) -> str | None:
        if self.broken or self._dataset_at is None or self.written < self._dataset_at:
            return None
        return self._digest.hexdigest()


class _HashingTempFile:
    """pynetdicom's temporary file for a received dataset, hashed as it is written.

    The hasher is registered under the file's name when the file is created, so the
    C-STORE handler can ask for the digest: pynetdicom queues the complete message (after
    the last fragment was written) before it drops its reference to this file.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.name = inner.name
        self.file = inner.file
        self._hasher = _DatasetHasher()
        with _digests_lock:
            while len(_hashers) >= _MAX_TRACKED:  # handlers that never asked (diverted)
                _hashers.pop(next(iter(_hashers)))
            _hashers[str(self.name)] = self._hasher

    def write(self, data: bytes) -> int:
        written = self._inner.write(data)
        self._hasher.update(memoryview(data))
        return int(written)

    def close(self) -> None:
        self._inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _hashing_named_temporary_file(*args: Any, **kwargs: Any) -> _HashingTempFile:
    """The station's spool file (free-space floor, full disk, the staging folder), hashed."""
    return _HashingTempFile(spool.SpoolFile(*args, **kwargs))


def received_digest(path: str | Path) -> str | None:
    """The SHA-256 of the dataset bytes of a file pynetdicom just received (asked once).

    None when it was not computed (tuning not applied, an unexpected file layout) or when
    the file on disk is not exactly what was hashed: the caller then hashes the file.
    """
    with _digests_lock:
        hasher = _hashers.pop(str(path), None)
    if hasher is None:
        return None
    try:
        size = os.path.getsize(path)
    except OSError:
        return None
    return hasher.hexdigest() if size == hasher.written else None


def _recv_whole(self: Any, nr_bytes: int) -> bytearray:
    """``AssociationSocket.recv``: ``nr_bytes`` from the socket in as few reads as it
    allows, into one buffer; fewer bytes only when the peer closed the connection."""
    buffer = bytearray(nr_bytes)
    read = 0
    with memoryview(buffer) as view:
        sock = self.socket
        while read < nr_bytes:
            count = sock.recv_into(view[read:], nr_bytes - read)
            if not count:  # closed by the peer: what arrived, as pynetdicom returns it
                break
            read += count
    if read < nr_bytes:
        del buffer[read:]
    return buffer


def _switched_off() -> bool:
    return os.environ.get(SWITCH, "").strip().lower() == "off"


def _tuning_allowed() -> bool:
    """Not switched off, and on a version this module was checked against."""
    return not _switched_off() and is_checked_version()


def apply() -> bool:
    """Install the reactor clock, the hashing writer and the whole-PDU read (once); False
    when not applied."""
    global _applied
    with _apply_lock:
        if _applied:
            return True
        if _switched_off():
            return False
        if not is_checked_version():
            LOGGER.warning(
                "pynetdicom %s is not one of the versions rtstation's tuning was checked on "
                "(%s): its polling delays stay at their defaults",
                pynetdicom.__version__,
                ", ".join(CHECKED_VERSIONS),
            )
            return False
        _association.time = _ReactorClock()  # type: ignore[attr-defined]
        _dimse_messages.NamedTemporaryFile = _hashing_named_temporary_file  # type: ignore[attr-defined,assignment]
        _transport.AssociationSocket.recv = _recv_whole  # type: ignore[method-assign]
        _applied = True
        return True


def add_supported_contexts(
    ae: Any, abstract_syntaxes: Iterable[str], transfer_syntaxes: Sequence[str]
) -> None:
    """``ae.add_supported_context(uid, transfer_syntaxes)`` for every UID, each syntax
    checked once instead of once per context (see the module docstring).

    Where the tuning is off, or for a UID ``ae`` supports already (whose syntaxes are then
    extended, as pynetdicom does), pynetdicom's own method runs.
    """
    syntaxes = list(transfer_syntaxes)
    if not _tuning_allowed():
        for uid in abstract_syntaxes:
            ae.add_supported_context(uid, syntaxes)
        return
    template = PresentationContext()
    template.transfer_syntax = syntaxes  # pynetdicom checks each syntax here, once
    checked = list(template.transfer_syntax)
    contexts = ae._supported_contexts
    for uid in abstract_syntaxes:
        if UID(uid) in contexts:
            ae.add_supported_context(uid, syntaxes)
            continue
        context = PresentationContext()
        context.abstract_syntax = uid  # checked as add_supported_context checks it
        context._transfer_syntax = list(checked)
        contexts[context.abstract_syntax] = context


def keep_default_polling() -> None:
    """Poll at pynetdicom's own 1 ms from now on, for the whole process.

    For a process whose GUI thread shares the interpreter lock with the receiver: every
    wake-up of a polling thread asks for that lock, and at 50 µs the reactors took it so
    often that the window's updates waited (measured, 2,033 instances arriving into a
    window over 1,000 patients: the GUI thread late by up to 119 ms with the short delays,
    95 ms with these; 121 against 102 instances/s stored). The other tuning stays.
    """
    global _short_polling
    _short_polling = False


def _delay_for(count: int, short: float = DUL_LOOP_DELAY) -> float:
    """``short`` while one association is open, pynetdicom's own 1 ms with more.

    Every wake-up of a polling thread asks for the interpreter lock: with several
    associations busy at once, short sleeps took it from the threads doing the work
    (measured, do-nothing SCP, four storescu at once: 102 MB/s with 200 µs against 153 for
    one association, while pynetdicom's defaults gain from four).
    """
    return short if count <= 1 and _short_polling else PYNETDICOM_REACTOR_SLEEP


def tune_association(event: evt.Event) -> None:
    """Short polling delays for this association (both reactors).

    Called for every association rtstation opens or accepts, from the ``EVT_CONN_OPEN``
    handler in :mod:`rtstation.net.tcp`.
    """
    if not (_applied or apply()):
        return
    assoc = event.assoc
    setattr(assoc, _TUNED_MARK, True)
    with _digests_lock:
        _tuned.add(assoc)
        running = [a for a in list(_tuned) if a is assoc or a.is_alive()]
    delay = _delay_for(len(running))
    for each in running:  # the open associations share the polling budget
        dul = getattr(each, "dul", None)
        if dul is not None and hasattr(dul, "_run_loop_delay"):
            dul._run_loop_delay = delay
