"""Read the next file of a send while the peer works on the current one.

One association carries one C-STORE at a time: after the last PDU of an instance the sender
waits for the peer's response, then records it, then reads the next file's meta (to check
that it can be streamed as it is) and its bytes. :class:`Prefetcher` does that reading for
item N+1 on its own thread while item N is in flight: the file meta is parsed (its result
handed over, so it is not read twice) and the kernel is asked to read the file ahead
(``posix_fadvise(WILLNEED)``), so the first PDUs come from memory even when the stored
files are not in the page cache any more.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


def read_ahead(path: str) -> None:
    """Ask the kernel to start reading ``path`` into the page cache (no-op where absent)."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            advise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        finally:
            os.close(fd)


class _ReadAheadThreads:
    """A few daemon threads, shared by every send of the process, that run read-aheads.

    A new thread per file cost the send loop more than the read saved: ``Thread.start``
    waits until the new thread runs, and on a busy machine that is a wait for the
    interpreter lock (a seventh of a send worker's time at 128 KB PDUs). Daemon threads:
    nothing waits for a read-ahead at exit.
    """

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._started = False
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if not self._started:
                for _ in range(self._threads):
                    threading.Thread(target=self._run, name="send-prefetch", daemon=True).start()
                self._started = True
        self._jobs.put(job)

    def _run(self) -> None:
        while True:
            self._jobs.get()()  # each job hands its own outcome to its Future


#: about one per node worker sending at the same time
_READER = _ReadAheadThreads(2)


class Prefetcher(Generic[T]):
    """``inspect(path)`` of the next file, computed on a daemon thread ahead of time.

    ``get(path)`` returns the prefetched result when it was for that path, and computes it
    on the caller's thread otherwise (the first item, or after a skip). Exceptions are
    re-raised by ``get`` exactly as a direct call would raise them.
    """

    def __init__(self, inspect: Callable[[str], T]) -> None:
        self._inspect = inspect
        self._ahead: dict[str, Future[T]] = {}

    def start(self, path: str) -> None:
        """Begin reading ``path`` (the item after the one about to be sent)."""
        future: Future[T] = Future()

        def work() -> None:
            read_ahead(path)
            try:
                future.set_result(self._inspect(path))
            except BaseException as exc:  # handed to get()
                future.set_exception(exc)

        self._ahead = {path: future}  # only the next item is ever waited for
        _READER.submit(work)

    def get(self, path: str) -> T:
        future = self._ahead.pop(path, None)
        if future is not None:
            return future.result()
        return self._inspect(path)
