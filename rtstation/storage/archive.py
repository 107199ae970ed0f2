"""Durable file operations: nothing half-written is ever visible under its final name.

A file is first written (or moved) into ``<storage>/.incoming``, on the same file system
as its destination, flushed and fsynced; it is then renamed into place and the folder is
fsynced so the rename itself survives a power cut. ``os.replace`` is atomic, so a reader
sees either the old file, the new file, or nothing, never a partial one.

A file the receiver wrote into our staging folder is taken over where it is (no rename)
and its fsync starts at once on a small thread pool, so the disk flushes it while the
header is read and the catalog row is committed; :meth:`DurableStore.commit` waits for
that fsync before the rename, so a final name never points at data not yet on disk.

The content hash covers the *dataset* bytes only (what follows the File Meta Information),
because the meta header is rewritten by every hop (a receiver adds its own implementation
UID) while the dataset is what a sender sent, byte for byte.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import queue
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from rtstation.dicom.integrity import dataset_offset
from rtstation.errors import DicomReadError, StorageError
from rtstation.fsync import fsync_dir, make_dirs_durably
from rtstation.storage.layout import DERIVED_DIR, INCOMING_DIR

LOGGER = logging.getLogger(__name__)

CHUNK = 1024 * 1024
#: Threads that fsync staged files: about one per association storing at the same time.
FSYNC_THREADS = 4


@dataclass(frozen=True)
class Staged:
    """A file in the incoming folder, ready to be renamed into place once ``synced`` is
    done (None: it was fsynced before it was handed over)."""

    path: Path
    size: int
    content_hash: str
    synced: Future[None] | None = field(default=None, compare=False, repr=False)


def _fsync_path(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


class _FsyncPool:
    """A few daemon threads that fsync files, shared by every store of the process.

    Daemon threads, unlike ThreadPoolExecutor's: nothing waits for them at exit, and
    nothing needs to: a store waits for its file's fsync before the rename, so an fsync
    still running at exit belongs to a file that was never acknowledged.
    """

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._queue: queue.SimpleQueue[tuple[Path, Future[None]]] = queue.SimpleQueue()
        self._started = False
        self._lock = threading.Lock()

    def submit(self, path: Path) -> Future[None]:
        with self._lock:
            if not self._started:
                for i in range(self._threads):
                    threading.Thread(target=self._run, name=f"fsync-{i}", daemon=True).start()
                self._started = True
        future: Future[None] = Future()
        self._queue.put((path, future))
        return future

    def _run(self) -> None:
        while True:
            path, future = self._queue.get()
            try:
                _fsync_path(path)
            except BaseException as exc:  # handed to the waiting store
                future.set_exception(exc)
            else:
                future.set_result(None)


_FSYNC_POOL = _FsyncPool(FSYNC_THREADS)


def content_hash(path: Path) -> str:
    """SHA-256 of the dataset bytes of a DICOM file (File Meta excluded)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        f.seek(dataset_offset(f))
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def process_alive(name: str) -> bool:
    """Whether the staging folder ``name`` (a pid) belongs to a running process."""
    if not name.isdigit():
        return False
    try:
        os.kill(int(name), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _unreadable(source: Path, exc: OSError) -> DicomReadError:
    """A source file that cannot be opened or examined: rejected like any unreadable
    file (the reader's words), not a storage failure, so one file is refused and an
    import goes on with the others."""
    return DicomReadError(str(source), f"cannot be read ({exc.strerror or exc})")


def _is_disk_full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


class DurableStore:
    """Stages files in ``<root>/.incoming/<pid>`` and commits them to their final path.

    Each process stages in its own folder, so a second process on the same storage (a CLI
    ``send`` next to a running ``serve``) never touches another's files in progress.
    """

    def __init__(self, root: Path, *, min_free_bytes: int = 0) -> None:
        self.root = Path(root)
        self.incoming_root = self.root / INCOMING_DIR
        self.incoming = self.incoming_root / str(os.getpid())
        self.min_free_bytes = min_free_bytes
        self.incoming.mkdir(parents=True, exist_ok=True)
        self._incoming_abs = self.incoming.absolute()

    @staticmethod
    def _sync_in_background(path: Path) -> Future[None]:
        return _FSYNC_POOL.submit(path)

    def wait_synced(self, staged: Staged) -> None:
        """Block until the staged file's data is on disk (raises StorageError if not)."""
        if staged.synced is None:
            return
        try:
            staged.synced.result()
        except OSError as exc:
            raise self._storage_error(exc, staged.path) from exc

    def sweep_stale(self, older_than_seconds: float) -> int:
        """Drop staging files of this process untouched for ``older_than_seconds``.

        pynetdicom leaves the temporary file of an aborted association behind; over weeks
        of flaky senders they would fill the disk.
        """
        cutoff = time.time() - older_than_seconds
        removed = 0
        for path in self.incoming.iterdir():
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime <= cutoff:
                    path.unlink()
                    removed += 1
        if removed:
            LOGGER.info("Removed %d abandoned staging file(s) from %s", removed, self.incoming)
        return removed

    def clean_incoming(self, *, include_own: bool = True) -> int:
        """Remove what dead processes left half-written (never acknowledged: safe to drop).

        Only the primary station calls this, at startup, before it receives anything (see
        :mod:`rtstation.storage.process_lock`); folders of other live processes are left
        alone. Our own folder may hold files of a dead process that had the same pid.
        """
        removed = 0
        for entry in self.incoming_root.iterdir():
            if entry.is_dir():
                if entry == self.incoming and not include_own:
                    continue
                if entry != self.incoming and process_alive(entry.name):
                    continue
                files = [p for p in entry.iterdir() if p.is_file()]
                for path in files:
                    with contextlib.suppress(OSError):
                        path.unlink()
                        removed += 1
                if entry != self.incoming:
                    with contextlib.suppress(OSError):
                        entry.rmdir()
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed += 1
        return removed

    def space_above_floor(self, _path: str = "") -> int | None:
        """Bytes that may still be written before free space falls below the floor.

        None without a floor (a full disk is then caught when a write fails). The receiver
        asks before every fragment of a dataset it spools, so one large instance cannot
        fill the disk past ``min_free_space_mb``.
        """
        if self.min_free_bytes <= 0:
            return None
        try:
            return shutil.disk_usage(self.root).free - self.min_free_bytes
        except OSError:
            return None

    def check_free_space(self, needed: int) -> None:
        free = shutil.disk_usage(self.root).free
        if free - needed < self.min_free_bytes:
            raise StorageError(
                f"Storage folder '{self.root}' has {free // (1024 * 1024)} MB free, below the "
                f"configured floor of {self.min_free_bytes // (1024 * 1024)} MB: "
                "free some space or lower min_free_space_mb",
                disk_full=True,
            )

    def _temp_path(self) -> Path:
        return self.incoming / f"{uuid.uuid4().hex}.part"

    def stage_copy(self, source: Path, *, prefix: bytes = b"") -> Staged:
        """Copy ``source`` (after ``prefix``) into the incoming folder, hashing on the way.

        ``prefix`` is a preamble and File Meta written before a raw dataset that had none.
        The source is opened once and its size read from that open file, so a file
        deleted or replaced after the caller looked at it (a second ``import --clear`` of
        the same folder, any external deletion) is either copied whole or refused as
        unreadable (:class:`DicomReadError`, worded as the reader's), never a crash of the
        whole import. Failures writing the copy stay :class:`StorageError`.
        """
        with contextlib.ExitStack() as opened:
            try:
                src = opened.enter_context(open(source, "rb"))
                size = os.fstat(src.fileno()).st_size + len(prefix)
            except OSError as exc:
                raise _unreadable(source, exc) from exc
            self.check_free_space(size)
            temp = self._temp_path()
            digest = hashlib.sha256()
            try:
                with open(temp, "wb") as dst:
                    if prefix:
                        dst.write(prefix)
                        src.seek(0)
                    else:
                        offset = dataset_offset(src)
                        src.seek(0)
                        dst.write(src.read(offset))
                    while chunk := src.read(CHUNK):
                        digest.update(chunk)
                        dst.write(chunk)
                    dst.flush()
                    os.fsync(dst.fileno())
            except OSError as exc:
                self._discard(temp)
                raise self._storage_error(exc, source) from exc
        return Staged(temp, size, digest.hexdigest())

    def stage_move(self, source: Path, *, content_hash_hint: str | None = None) -> Staged:
        """Take over a file another component wrote (same file system: just a rename).

        A file already in our staging folder (the receiver's temporary file) stays where
        it is; its fsync runs in the background until :meth:`commit`. ``content_hash_hint``
        is the dataset hash computed while the file was written (the receiver's), which
        spares reading it again. A source gone (or unreadable) before it is taken over is
        refused as unreadable (:class:`DicomReadError`), as :meth:`stage_copy` does.
        """
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise _unreadable(source, exc) from exc
        self.check_free_space(0)
        # Windows will not rename a file its writer still holds open (pynetdicom closes
        # it only after our handler): there the file is copied below instead.
        if os.name == "posix" and source.parent.absolute() == self._incoming_abs:
            synced = self._sync_in_background(source)
            digest = content_hash_hint or content_hash(source)
            return Staged(source, size, digest, synced)
        temp = self._temp_path()
        try:
            with open(source, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(source, temp)
        except OSError as exc:
            # EXDEV: another file system. PermissionError: Windows will not rename a file
            # its writer still holds open (pynetdicom closes it only after our handler).
            if exc.errno == errno.EXDEV or isinstance(exc, PermissionError):
                return self.stage_copy(source)
            raise self._storage_error(exc, source) from exc
        return Staged(temp, size, content_hash(temp))

    def commit(self, staged: Staged, relative: Path | str) -> Path:
        """Rename a staged file to ``root/relative``, durably (new folders included)."""
        final = self.root / relative
        try:
            self.wait_synced(staged)
        except StorageError:
            self._discard(staged.path)
            raise
        try:
            make_dirs_durably(final.parent)
            os.replace(staged.path, final)
        except OSError as exc:
            self._discard(staged.path)
            raise self._storage_error(exc, final) from exc
        fsync_dir(final.parent)
        return final

    def write_derived(self, data: bytes, name: str) -> tuple[Path, str]:
        """Durably write a changed copy for one destination; returns (path, content hash).

        The stored original is never touched: a machine-mapped plan lives under
        ``.derived/<hash>/`` and is what the send queue streams to that node.
        """
        self.check_free_space(len(data))
        temp = self._temp_path()
        try:
            with open(temp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            self._discard(temp)
            raise self._storage_error(exc, temp) from exc
        digest = content_hash(temp)
        final = self.commit(Staged(temp, len(data), digest), f"{DERIVED_DIR}/{digest[:16]}/{name}")
        return final, digest

    def remove_empty_folders(self, folder: Path) -> None:
        """Remove ``folder`` and its parents while they are empty, up to the storage root.

        A replacement under another patient ID or study moves an instance to another
        folder; the series, study and patient folders it leaves must not stay as empty
        husks that look like data. Never goes above or removes the storage folder itself.
        """
        root = self.root.resolve()
        current = Path(folder)
        while True:
            try:
                resolved = current.resolve()
            except OSError:
                return
            if resolved == root or root not in resolved.parents:
                return
            try:
                current.rmdir()  # only succeeds when empty
            except OSError:
                return
            current = current.parent

    def discard(self, staged: Staged) -> None:
        if staged.synced is not None:
            with contextlib.suppress(Exception):
                staged.synced.result()
        self._discard(staged.path)

    @staticmethod
    def _discard(path: Path) -> None:
        with contextlib.suppress(OSError):
            path.unlink()

    def _storage_error(self, exc: OSError, path: Path) -> StorageError:
        if _is_disk_full(exc):
            return StorageError(
                f"Storage folder '{self.root}' is full while writing '{path.name}'", disk_full=True
            )
        return StorageError(f"Cannot write '{path}': {exc.strerror or exc}")

    def iter_stored_files(self) -> Iterator[Path]:
        """Every stored file (for reindex), skipping the incoming folder."""
        for dirpath, dirnames, filenames in os.walk(self.root):
            if Path(dirpath) == self.root:
                dirnames[:] = [d for d in dirnames if d not in (INCOMING_DIR, DERIVED_DIR)]
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(".dcm"):
                    yield Path(dirpath) / name
