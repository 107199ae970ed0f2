"""Watching the send workers decide *not* to send, for tests that must prove it."""

from __future__ import annotations

import threading
from typing import Any

from rtstation.routing.send_queue import Job, SendQueue


class ClaimWatch:
    """The queue's real ``claim_next``, observed: each call's start and answer are counted,
    so a test can wait until a worker has looked at the queue *after* some moment and taken
    nothing. That is the event proving "the worker decided not to send", where sleeping a
    while and finding nothing sent proves nothing on a slow machine."""

    def __init__(self, queue: SendQueue) -> None:
        self._real = queue.claim_next
        self._lock = threading.Lock()
        self._started = 0
        self._answers: list[tuple[int, str, Job | None]] = []  # (call number, node, job)
        queue.claim_next = self  # type: ignore[method-assign]

    def __call__(self, node: str, owner: str, *args: Any, **kwargs: Any) -> Job | None:
        with self._lock:
            number = self._started
            self._started += 1
        job = self._real(node, owner, *args, **kwargs)
        with self._lock:
            self._answers.append((number, node, job))
        return job

    def mark(self) -> int:
        """A moment: calls started from now on count for :meth:`declined_since`."""
        with self._lock:
            return self._started

    def declined_since(self, mark: int, node: str) -> bool:
        """True once a claim for ``node`` that started after ``mark`` came back empty."""
        with self._lock:
            return any(n >= mark and name == node and job is None for n, name, job in self._answers)

    def claimed(self, job_id: int) -> int:
        """How often a worker took job ``job_id``."""
        with self._lock:
            return sum(1 for _, _, job in self._answers if job is not None and job.id == job_id)
