"""Keep every worker-pool thread busy, so the next task waits in the queue (a cancel test
that does not depend on how fast the machine is)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rtstation.gui import workers


@contextmanager
def pool_held() -> Iterator[None]:
    release = threading.Event()
    started = threading.Semaphore(0)

    def hold(_control: workers.TaskControl) -> None:
        started.release()
        release.wait(30)

    blockers = [workers.run_task(hold, name=f"hold-{i}") for i in range(workers._MAX_THREADS)]
    try:
        for _ in blockers:
            if not started.acquire(timeout=10):
                raise AssertionError("the worker pool did not start the holding tasks")
        yield
    finally:
        release.set()
