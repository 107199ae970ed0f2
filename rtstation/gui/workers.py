"""Run slow work off the GUI thread and hand the outcome back to it.

Everything that touches the network or the disk (tree fetches, sends, imports, echo,
starting the receiver) runs here, because a blocked GUI thread is a frozen window and a
physicist who thinks the station hung (docs/conventions.md, "Threads", "GUI shape"). The shape
follows Picard's ``run_task`` (picard/util/thread.py): a :class:`QRunnable` on a
:class:`QThreadPool` runs the function and posts the result or the exception back through Qt
signals.

The signals belong to a :class:`TaskHandle`, a QObject created on the GUI thread. A signal
emitted from a pool thread to an object living on the GUI thread is queued, so
``on_done``/``on_error``/``on_progress`` always run on the GUI thread and may touch widgets.

Every task gets a :class:`TaskControl` as its only argument: it reports progress
(throttled, so an import of 50,000 files does not flood the event loop) and tells the
function whether the user pressed Cancel. Cancelling is cooperative: a task that has not
started yet is taken off the queue; a running one sees ``control.cancelled`` and decides
what a partial result is (an import returns a report marked cancelled).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

_PROGRESS_INTERVAL_S = 0.05
"""At most 20 progress updates a second reach the GUI; the last one always does."""

_MAX_THREADS = 4
"""Enough for a tree fetch, a send request, an import and an echo at once; a bounded pool
keeps a burst of fetches from starving the receiver's own threads of CPU."""


class TaskCancelled(Exception):
    """Raised inside a task (by :meth:`TaskControl.check_cancelled`) to stop it early."""


class TaskControl:
    """What a running task may use: progress reporting and the cancel flag.

    Safe to call from the pool thread; it never touches Qt objects except to emit the
    handle's signal, which Qt queues to the GUI thread.
    """

    def __init__(self, handle: TaskHandle) -> None:
        self._handle = handle
        self._cancel = threading.Event()
        self._last_progress = 0.0

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def should_cancel(self) -> bool:
        """Callable form of :attr:`cancelled` (what ``Station.import_paths`` expects)."""
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise TaskCancelled

    def progress(self, done: int, total: int, text: str = "") -> None:
        """Report ``done`` of ``total``; throttled except for the first and the final step."""
        now = time.monotonic()
        final = total > 0 and done >= total
        if not final and done > 1 and now - self._last_progress < _PROGRESS_INTERVAL_S:
            return
        self._last_progress = now
        self._handle._emit_progress(done, total, text)

    def _request_cancel(self) -> None:
        self._cancel.set()


class TaskHandle(QObject, Generic[T]):
    """One submitted task: cancel it, or listen to its signals.

    ``finished(result)``, ``failed(exc)``, ``cancelled()`` and ``progressed(done, total,
    text)`` are delivered on the GUI thread. Exactly one of the first three is emitted.

    The pool thread only emits the private signals; they reach this object's slots by a
    queued connection because the handle lives on the GUI thread. The user's callbacks are
    called from those slots, never from a plain-callable connection, whose thread PySide
    does not promise.
    """

    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    progressed = Signal(int, int, str)
    _progressPosted = Signal(int, int, str)
    _resultPosted = Signal(object)
    _errorPosted = Signal(object)
    _stopPosted = Signal()

    def __init__(
        self,
        name: str,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.name = name
        self.control = TaskControl(self)
        self.done = False
        self._on_done_cb = on_done
        self._on_error_cb = on_error
        self._on_cancelled_cb = on_cancelled
        queued = Qt.ConnectionType.QueuedConnection
        self._progressPosted.connect(self._on_progress_posted, queued)
        self._resultPosted.connect(self._on_result_posted, queued)
        self._errorPosted.connect(self._on_error_posted, queued)
        self._stopPosted.connect(self._on_stop_posted, queued)

    def cancel(self) -> None:
        """Ask the task to stop; a task still waiting in the queue stops as soon as a pool
        thread picks it up, without calling its function."""
        if not self.done:
            self.control._request_cancel()

    # -- called on the pool thread --

    def _post(self, signal: Any, *args: object) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the handle was deleted while the task ran
            LOGGER.debug("Task %s: result dropped, its handle is gone", self.name)

    def _emit_progress(self, done: int, total: int, text: str) -> None:
        self._post(self._progressPosted, done, total, text)

    # -- slots on the GUI thread --

    @Slot(int, int, str)
    def _on_progress_posted(self, done: int, total: int, text: str) -> None:
        if not self.done:
            self.progressed.emit(done, total, text)

    @Slot(object)
    def _on_result_posted(self, result: object) -> None:
        if self._finish():
            self.finished.emit(result)
            if self._on_done_cb is not None:
                self._on_done_cb(result)  # type: ignore[arg-type]

    @Slot(object)
    def _on_error_posted(self, exc: object) -> None:
        if not self._finish():
            return
        self.failed.emit(exc)
        if self._on_error_cb is not None:
            self._on_error_cb(exc)  # type: ignore[arg-type]
        else:
            LOGGER.error("Background task %s failed: %s", self.name, exc)

    @Slot()
    def _on_stop_posted(self) -> None:
        if self._finish():
            self.cancelled.emit()
            if self._on_cancelled_cb is not None:
                self._on_cancelled_cb()

    def _finish(self) -> bool:
        """Mark the task reported; False when it already was (a result after a cancel)."""
        if self.done:
            return False
        self.done = True
        with _active_lock:
            _active.discard(self)
        return True


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[TaskControl], Any], handle: TaskHandle[Any]) -> None:
        super().__init__()
        # autoDelete stays on: the pool owns the runnable and deletes it after run(), so
        # no Python reference can drop it while its thread still uses it.
        self.fn = fn
        self.handle = handle

    def run(self) -> None:
        handle = self.handle
        try:
            if handle.control.cancelled:
                raise TaskCancelled
            result = self.fn(handle.control)
        except TaskCancelled:
            handle._post(handle._stopPosted)
        except Exception as exc:  # reported to the GUI, never lost in a pool thread
            LOGGER.debug("Task %s failed: %s", handle.name, exc, exc_info=True)
            handle._post(handle._errorPosted, exc)
        else:
            handle._post(handle._resultPosted, result)


_active_lock = threading.Lock()
_active: set[TaskHandle[Any]] = set()
_pool_instance: QThreadPool | None = None


def _pool() -> QThreadPool:
    global _pool_instance
    if _pool_instance is None:
        _pool_instance = QThreadPool()
        _pool_instance.setObjectName("rtstation-workers")
        _pool_instance.setMaxThreadCount(_MAX_THREADS)
        _pool_instance.setExpiryTimeout(5000)
    return _pool_instance


def run_task(
    fn: Callable[[TaskControl], T],
    on_done: Callable[[T], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    *,
    on_cancelled: Callable[[], None] | None = None,
    name: str = "",
) -> TaskHandle[T]:
    """Run ``fn(control)`` on the worker pool; the callbacks run on the GUI thread.

    Must be called on the GUI thread, so the handle (and its slots) live there. An error
    nobody handles is logged rather than swallowed.
    """
    handle: TaskHandle[T] = TaskHandle(
        name or getattr(fn, "__name__", "task"), on_done, on_error, on_cancelled
    )
    if on_progress is not None:
        handle.progressed.connect(on_progress)
    with _active_lock:
        _active.add(handle)
    _pool().start(_Runnable(fn, handle))
    return handle


def active_tasks() -> list[TaskHandle[Any]]:
    """Tasks submitted and not yet reported back (for shutdown and for tests)."""
    with _active_lock:
        return list(_active)


def cancel_all() -> None:
    for handle in active_tasks():
        handle.cancel()


def wait_for_all(timeout_ms: int = 10_000) -> bool:
    """Block until the pool threads are idle; True when they are (used at shutdown)."""
    return bool(_pool().waitForDone(timeout_ms))


def pool_active_threads() -> int:
    return int(_pool().activeThreadCount())
