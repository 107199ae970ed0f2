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
        threading.Thread(target=work, name="send-prefetch", daemon=True).start()

    def get(self, path: str) -> T:
        future = self._ahead.pop(path, None)
        if future is not None:
            return future.result()
        return self._inspect(path)
