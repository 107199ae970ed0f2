"""Making a rename or a new folder durable: fsync of the folder that holds it.

``os.fsync`` of a file makes its bytes safe, but the entry that names it lives in its
folder, which has to be fsynced as well, or a power cut can leave the old name (or no name)
behind after ``os.replace``. The same holds for a new folder: its entry is in its parent.
The receiver's storage and the configuration's atomic save both rely on these helpers.

Threads that fsync the same folder at the same moment share one flush: several associations
store a series into one folder, and each used to queue its own folder fsync behind the
others' (one disk flush per instance). :func:`fsync_dir` lets a caller that arrives while
that folder's fsync is running wait for it to end and then starts one fsync for every
caller that arrived meanwhile. A caller returns only after an fsync that *started after it
asked* has finished, so its own rename (made before it asked) is covered.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class _FolderSync:
    """The fsyncs of one folder: tickets asked for and covered, whether one is running."""

    cond: threading.Condition = field(default_factory=threading.Condition)
    asked: int = 0
    covered: int = 0
    running: bool = False
    users: int = 0


class SharedFolderSync:
    """Coalesces concurrent fsyncs of one folder (see the module docstring)."""

    def __init__(self, flush: Callable[[str], None]) -> None:
        self._flush = flush
        self._lock = threading.Lock()
        self._folders: dict[str, _FolderSync] = {}
        #: flushes actually made (for the tests)
        self.flushes = 0

    def sync(self, path: str | os.PathLike[str]) -> None:
        key = os.path.abspath(os.fspath(path))
        with self._lock:
            state = self._folders.setdefault(key, _FolderSync())
            state.users += 1
        try:
            self._sync(key, state)
        finally:
            with self._lock:
                state.users -= 1
                if not state.users:
                    del self._folders[key]

    def _sync(self, key: str, state: _FolderSync) -> None:
        with state.cond:
            state.asked += 1
            ticket = state.asked
            while state.covered < ticket:
                if state.running:
                    state.cond.wait()
                    continue
                state.running = True
                covers = state.asked  # everyone who asked so far renamed before this flush
                state.cond.release()
                flushed = False
                try:
                    self._flush(key)
                    flushed = True
                finally:
                    state.cond.acquire()
                    state.running = False
                    if flushed:  # else every waiter tries again itself
                        self.flushes += 1
                        state.covered = max(state.covered, covers)
                    state.cond.notify_all()


def _flush_folder(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_SHARED = SharedFolderSync(_flush_folder)


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Flush the entries of folder ``path`` to disk, so a rename into it survives power loss.

    Shared with other threads fsyncing the same folder at the same moment (see the module
    docstring). Where folders cannot be opened or fsynced (Windows, some network file
    systems) this does nothing: there the file system gives no stronger promise to ask for.
    """
    _SHARED.sync(path)


def make_dirs_durably(path: str | os.PathLike[str]) -> None:
    """``mkdir -p path`` whose new folders survive power loss (each parent is fsynced).

    Folders that exist already cost one ``stat``; only a new patient, study or series
    folder adds an fsync per level created.
    """
    folder = Path(path)
    missing: list[Path] = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        new.mkdir(exist_ok=True)  # another thread may create it at the same moment
    for new in reversed(missing):
        fsync_dir(new.parent)
