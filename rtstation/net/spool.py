"""The temporary files pynetdicom streams received datasets into, made safe for full disks.

With ``STORE_RECV_CHUNKED_DATASET`` pynetdicom writes each C-STORE's dataset, fragment by
fragment, into a ``NamedTemporaryFile`` on its DUL thread. When the disk fills, that write
raises ``OSError: [Errno 28]``, the DUL thread dies, the peer sees an A-ABORT instead of
0xA700, and the partial file stays in the incoming folder until a sweep.

:func:`install` replaces the ``NamedTemporaryFile`` that ``pynetdicom.dimse_messages``
calls (process-wide, like ``STORE_RECV_CHUNKED_DATASET`` itself) with :class:`SpoolFile`.
A spool file checks before every fragment that the space left above the free-space floor
can take it, and catches a full disk. Either way it deletes its partial file at once, stops
writing, swallows the rest of the dataset (so the DIMSE message still completes) and
records why; the C-STORE handler asks :func:`failure` and answers 0xA700. The next instance
is written normally again as soon as there is space.

A spool file belongs to the association whose network thread created it until the C-STORE
handler takes it over (:func:`claim`). When a peer aborts or hangs up in the middle of a
dataset, pynetdicom drops the message and never calls the handler: the partial file would
stay until the next start, and enough of them push the storage below its free-space floor,
so that honest senders get 0xA700. When a connection closes, :func:`discard_unclaimed`
deletes what its thread spooled and nobody took over.

pynetdicom writes a File Meta header built from the C-STORE request's Affected SOP Class
and Instance UIDs in front of each spooled dataset, and pydicom refuses to write one whose
UIDs are empty: a request with an empty UID raised in the network thread, which died
without an answer to the peer or a line in the log. :func:`install` also puts
:data:`NO_UID` in place of an empty UID in that header only; the receiver aborts such a
request as soon as it is complete (``StorageReceiver._on_dimse_received``), so the
placeholder is never stored.

:func:`discard_unclaimed` runs in the DUL thread itself (pynetdicom's state machine fires
``EVT_CONN_CLOSE`` there), so the thread it names is alive and no other thread can have
taken its identifier.

``tests/core/test_pynetdicom_seams.py`` fails when pynetdicom stops calling these.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pynetdicom import dimse_messages

LOGGER = logging.getLogger(__name__)

# bytes that may still be written above the free-space floor, or None for "no floor"
SpaceLeft = Callable[[str], int | None]

_lock = threading.Lock()
_failures: dict[str, str] = {}
_unclaimed: dict[str, int] = {}  # spool file -> the thread that created it (a DUL thread)
_space_left: SpaceLeft | None = None
_directory: str | None = None  # where received datasets are spooled (None: the system's)
_original = dimse_messages.NamedTemporaryFile
_original_write_file_meta = dimse_messages.write_file_meta_info
#: What the spool file's File Meta says where the request's UID was empty (see above).
NO_UID = "0"


class SpoolFile:
    """What pynetdicom uses of a NamedTemporaryFile: ``name``, ``write``, ``file.flush``,
    ``close``; unbuffered, so a refused write leaves nothing pending in a buffer."""

    def __init__(self, *, suffix: str = ".dcm", **_ignored: Any) -> None:
        fd, self.name = tempfile.mkstemp(suffix=suffix, dir=_directory)
        self._file = os.fdopen(fd, "wb", buffering=0)
        with _lock:
            _unclaimed[self.name] = threading.get_ident()
        self.file = self  # pynetdicom calls ``file.flush()``
        self.failed = False

    def write(self, data: bytes | bytearray | memoryview) -> int:
        size = len(data)
        if self.failed:
            return size
        space = _space_left(self.name) if _space_left is not None else None
        if space is not None and size > space:
            self._fail(
                "writing it would take the storage folder's free space below the configured "
                f"floor (min_free_space_mb); {max(space, 0) // (1024 * 1024)} MB are left "
                "above it"
            )
            return size
        view = memoryview(data)
        try:
            while view:
                written = self._file.write(view)
                if not written:  # a regular file takes at least a byte or raises
                    self._fail("the storage folder accepted no more bytes")
                    return size
                view = view[written:]
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            self._fail(f"the storage folder is full ({exc.strerror})")
        return size

    def flush(self) -> None:
        """Unbuffered: nothing to flush."""

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()

    def _fail(self, reason: str) -> None:
        self.failed = True
        self.close()
        with contextlib.suppress(OSError):
            os.unlink(self.name)
        with _lock:
            _failures[self.name] = reason
        LOGGER.warning(
            "Stopped writing a received dataset (%s): its partial file is deleted", reason
        )


def _write_file_meta(fp: Any, file_meta: Any, enforce_standard: bool = True) -> None:
    """pynetdicom's File Meta write, with :data:`NO_UID` for an empty request UID."""
    for keyword in ("MediaStorageSOPClassUID", "MediaStorageSOPInstanceUID"):
        if not str(file_meta.get(keyword, "") or "").strip():
            setattr(file_meta, keyword, NO_UID)
    _original_write_file_meta(fp, file_meta, enforce_standard)


def install(space_left: SpaceLeft | None, directory: str | None = None) -> None:
    """Route pynetdicom's received datasets through :class:`SpoolFile` (idempotent).

    ``directory`` keeps the spooled files on the storage volume, so taking one over is a
    rename. It is set here rather than through ``tempfile.tempdir``, which would move every
    temporary file of the process (a retrieve's scratch folder, say) into the storage.
    """
    global _space_left, _directory
    _space_left = space_left
    _directory = directory
    if dimse_messages.NamedTemporaryFile is _original:  # the hashing wrapper spools here too
        dimse_messages.NamedTemporaryFile = SpoolFile  # type: ignore[assignment]
    dimse_messages.write_file_meta_info = _write_file_meta  # type: ignore[assignment]


def failure(path: str | Path) -> str | None:
    """Why the dataset spooled to ``path`` was not written, or None (clears the record)."""
    with _lock:
        return _failures.pop(str(path), None)


def claim(path: str | Path) -> bool:
    """The C-STORE handler takes the dataset spooled to ``path`` over; False when its
    connection closed first and the file was deleted (nobody can be answered then)."""
    with _lock:
        if _unclaimed.pop(str(path), None) is not None:
            return True
    return os.path.exists(path)


def discard_unclaimed(thread_ident: int | None) -> int:
    """Delete the files that thread ``thread_ident`` spooled and no handler took over;
    their count. Called when that thread's connection has closed."""
    with _lock:
        names = [name for name, owner in _unclaimed.items() if owner == thread_ident]
        for name in names:
            del _unclaimed[name]
            _failures.pop(name, None)
    for name in names:
        with contextlib.suppress(OSError):
            os.unlink(name)
    return len(names)


def is_installed() -> bool:
    """Whether received datasets go through :class:`SpoolFile` (alone, or inside the
    hashing writer of :mod:`rtstation.net.pynetdicom_tuning`)."""
    return dimse_messages.NamedTemporaryFile is not _original
