"""One sending thread per destination node, draining the durable send queue.

Why it looks like this:

* **One thread per node**: jobs for one node go strictly in order (ARIA wants the images
  before the plan, and one association at a time is what most TPS and archives expect),
  while a slow or dead node never holds up the others.
* **routing does not import net** (STYLE.md §1): the station passes ``send``, a callable
  that wraps ``rtstation.net.sender.send_items``. What it must return is written down
  here as two small protocols; ``net.sender``'s ``SendReport`` and ``ItemResult`` satisfy
  them as they are, and tests pass a fake.
* **Every item's result is written before the next item goes out** (``on_result`` ->
  ``SendQueue.record_item``), and the lease is renewed while a job is sending. A worker
  killed with SIGKILL leaves a job ``in_flight`` whose lease runs out; whoever claims it
  next (this station after a restart, via ``recover``, or another process) sends only the
  items not yet recorded as sent.
* **Stopping is clean**: the worker finishes the item on the wire, the sender releases the
  association, and the job goes back to ``queued`` without counting an attempt.
* **Failures are classified once** (``rtstation.dicom.status``): an association-level RETRY
  (peer down, busy, timed out) is retried with exponential backoff; a FAIL ends the job.
  Repeated "connection refused" for a node is logged at most once per ``log_interval``
  (CTP logs an offline peer once an hour, STYLE.md §7); the job history keeps every one.

Every state change is published as :class:`rtstation.events.JobChanged` on the bus, from
the worker thread (subscribers must be quick and thread-safe, see ``events.py``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from rtstation.dicom.status import Classified, Outcome
from rtstation.events import EventBus, JobChanged
from rtstation.routing.backoff import Jitter, UniformSource, next_delay
from rtstation.routing.send_queue import Job, JobItem, QueueItem, SendQueue

LOGGER = logging.getLogger(__name__)

#: Seconds between looks at the database for a cancel or pause while a job is sending.
CHECK_INTERVAL = 0.25


class ItemResultLike(Protocol):
    """One item's answer, as the ``send`` callable reports it through ``on_result``."""

    @property
    def sop_instance_uid(self) -> str: ...

    @property
    def status(self) -> int | None: ...

    @property
    def classified(self) -> Classified: ...


class SendReportLike(Protocol):
    """What the ``send`` callable returns when it is done with a job's pending items.

    ``association_error`` is set when no association could be opened or it dropped: the
    items without a result were not sent. ``cancelled`` when ``should_cancel`` said so.
    """

    @property
    def association_error(self) -> Classified | None: ...

    @property
    def cancelled(self) -> bool: ...


#: send(node, job, pending_items, on_result, should_cancel) -> report
SendFn = Callable[
    [str, Job, list[JobItem], Callable[[Any], None], Callable[[], bool]], SendReportLike
]


@dataclass(frozen=True)
class ItemAttempt:
    """A plain :class:`ItemResultLike`, for fake senders in tests."""

    sop_instance_uid: str
    status: int | None
    classified: Classified


@dataclass(frozen=True)
class SendAttempt:
    """A plain :class:`SendReportLike`, for fake senders in tests."""

    results: tuple[ItemAttempt, ...] = ()
    association_error: Classified | None = None
    cancelled: bool = False


class _Throttle:
    """Say yes to a key at most once per ``interval`` seconds (offline-peer log lines)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def allow(self, key: tuple[str, str], now: float) -> bool:
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                return False
            self._last[key] = now
            return True


class _LeaseKeeper(threading.Thread):
    """Renews a job's lease every third of its length while the job is sending, so a
    single 1 GB dose that takes longer than the lease does not let another process in."""

    def __init__(self, queue: SendQueue, job_id: int, owner: str, lease_seconds: float) -> None:
        super().__init__(name=f"lease-{job_id}", daemon=True)
        self._queue = queue
        self._job_id = job_id
        self._owner = owner
        self._lease_seconds = lease_seconds
        self._done = threading.Event()
        self.lost = False

    def run(self) -> None:
        while not self._done.wait(self._lease_seconds / 3.0):
            try:
                if not self._queue.renew_lease(self._job_id, self._owner, self._lease_seconds):
                    self.lost = True
                    return
            except Exception:
                LOGGER.exception("Could not renew the lease of job %s", self._job_id)

    def finish(self) -> None:
        self._done.set()
        self.join(timeout=5.0)


def _as_datetime(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=timezone.utc)


class NodeWorkers:
    """Sending threads for a set of nodes over one :class:`SendQueue`.

    ``owner`` names this station in leases (stable across restarts, so ``start`` can
    recover what the previous run left in flight); each node's worker holds leases as
    ``"<owner>/<node>"``. ``retry_base``/``retry_cap`` shape the backoff between attempts.
    """

    def __init__(
        self,
        queue: SendQueue,
        send: SendFn,
        bus: EventBus,
        *,
        owner: str,
        retry_base: float = 30.0,
        retry_cap: float = 1800.0,
        poll_interval: float = 1.0,
        lease_seconds: float = 60.0,
        jitter: Jitter = "equal",
        rng: UniformSource | None = None,
        log_interval: float = 3600.0,
        progress_interval: float = 0.2,
    ) -> None:
        self.queue = queue
        self.send = send
        self.bus = bus
        self.owner = owner
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.jitter: Jitter = jitter
        self.rng = rng
        self.progress_interval = progress_interval
        self._throttle = _Throttle(log_interval)
        self._lock = threading.Lock()
        self._workers: dict[str, _NodeWorker] = {}
        self._retiring: list[_NodeWorker] = []
        self._started = False

    # --- lifecycle -----------------------------------------------------------------------

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes that have a worker now."""
        with self._lock:
            return tuple(sorted(self._workers))

    def start(self, nodes: Iterable[str]) -> None:
        """Recover this owner's interrupted jobs, then start one worker per node."""
        for job_id in self.queue.recover(self.owner):
            self.publish(job_id, "resumed after a restart")
        with self._lock:
            self._started = True
        self.update_nodes(nodes)

    def update_nodes(self, nodes: Iterable[str]) -> None:
        """Start workers for new nodes and stop those of nodes no longer configured (after
        the item in progress; their job goes back to the queue)."""
        wanted = set(nodes)
        with self._lock:
            if not self._started:
                return
            for node in sorted(set(self._workers) - wanted):
                worker = self._workers.pop(node)
                worker.request_stop()
                self._retiring.append(worker)
            for node in sorted(wanted - set(self._workers)):
                worker = _NodeWorker(self, node)
                self._workers[node] = worker
                worker.start()
        LOGGER.info("Send workers running for: %s", ", ".join(sorted(wanted)) or "no node")

    def stop(self, timeout: float = 30.0) -> bool:
        """Ask every worker to stop and wait up to ``timeout`` seconds; True if all ended."""
        with self._lock:
            workers = [*self._workers.values(), *self._retiring]
            self._workers.clear()
            self._retiring.clear()
            self._started = False
        for worker in workers:
            worker.request_stop()
        deadline = time.monotonic() + timeout
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        alive = [w.node for w in workers if w.is_alive()]
        if alive:
            LOGGER.warning("Send workers still busy after %.0f s: %s", timeout, ", ".join(alive))
        return not alive

    def wake(self, node: str | None = None) -> None:
        """Make the node's worker (or every worker) look at the queue now."""
        for worker in self._workers_for(node):
            worker.wake()

    def _workers_for(self, node: str | None) -> list[_NodeWorker]:
        with self._lock:
            return [w for w in self._workers.values() if node is None or w.node == node]

    # --- queue actions that publish ------------------------------------------------------

    def submit(self, node: str, items: Sequence[QueueItem], **kwargs: Any) -> int:
        """Enqueue (see :meth:`SendQueue.enqueue`), announce the job and wake its worker."""
        job_id = self.queue.enqueue(node, items, **kwargs)
        self.publish(job_id)
        self.wake(node)
        return job_id

    def cancel(self, job_id: int) -> bool:
        """Cancel a job; a sending worker stops after the item in progress."""
        done = self.queue.cancel(job_id)
        if done:
            self.publish(job_id)
            job = self.queue.job(job_id)
            for worker in self._workers_for(job.node if job else None):
                worker.poke()
        return done

    def retry(self, job_id: int) -> bool:
        """Queue a failed or cancelled job again, or make a waiting retry due now."""
        done = self.queue.retry(job_id)
        if done:
            self.publish(job_id)
            job = self.queue.job(job_id)
            if job is not None:
                self.wake(job.node)
        return done

    def pause_node(self, node: str) -> None:
        """Stop claiming jobs for ``node``; a job being sent stops after the current item."""
        self.queue.pause_node(node)
        for worker in self._workers_for(node):
            worker.poke()
        for job in self.queue.jobs(states=("queued", "retrying"), node=node):
            self.publish(job.id, f"{node} is paused")

    def resume_node(self, node: str) -> None:
        """Claim ``node``'s jobs again."""
        self.queue.resume_node(node)
        for job in self.queue.jobs(states=("queued", "retrying"), node=node):
            self.publish(job.id, f"{node} resumed")
        self.wake(node)

    def publish(self, job_id: int, message: str | None = None) -> None:
        """Publish the job's current state as a JobChanged event."""
        job = self.queue.job(job_id)
        if job is None:
            return
        self.publish_job(job, message)

    def publish_job(self, job: Job, message: str | None = None, *, done: int | None = None) -> None:
        if message is None:
            message = _default_message(job)
        self.bus.publish(
            JobChanged(
                job_id=job.id,
                node=job.node,
                plan_uid=job.plan_uid,
                state=job.state,
                done=job.done if done is None else done,
                total=job.total,
                message=message,
                next_attempt_at=(
                    _as_datetime(job.next_attempt_at) if job.state == "retrying" else None
                ),
            )
        )

    # --- used by the node workers --------------------------------------------------------

    def _delay(self, attempt: int) -> float:
        return next_delay(attempt, self.retry_base, self.retry_cap, self.rng, jitter=self.jitter)

    def _log_retry(self, node: str, job_id: int, reason: str, delay: float) -> None:
        if self._throttle.allow((node, reason), time.monotonic()):
            LOGGER.warning(
                "Cannot send to %s: %s (job %s retries in %.0f s; repeats of this message are "
                "logged at debug level for the next hour)",
                node,
                reason,
                job_id,
                delay,
            )
        else:
            LOGGER.debug(
                "Cannot send to %s: %s (job %s retries in %.0f s)", node, reason, job_id, delay
            )


def _default_message(job: Job) -> str:
    if job.state == "queued":
        return f"queued: {job.total - job.done} of {job.total} instances to send"
    if job.state == "in_flight":
        return f"sending {job.done} of {job.total}"
    if job.state == "retrying":
        return f"retrying: {job.last_error}"
    if job.state == "done":
        return f"done: {job.done} of {job.total} instances delivered"
    if job.state == "failed":
        return f"failed: {job.last_error}"
    return job.state


class _NodeWorker(threading.Thread):
    """The thread sending one node's jobs, one at a time, oldest first."""

    def __init__(self, parent: NodeWorkers, node: str) -> None:
        super().__init__(name=f"send-{node}", daemon=True)
        self.parent = parent
        self.node = node
        self.lease_owner = f"{parent.owner}/{node}"
        self._stop_requested = threading.Event()
        self._wake = threading.Event()
        # Set by NodeWorkers.cancel/pause_node: look at the database before the next item.
        self._poked = threading.Event()

    def request_stop(self) -> None:
        self._stop_requested.set()
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def poke(self) -> None:
        self._poked.set()
        self._wake.set()

    def run(self) -> None:
        queue = self.parent.queue
        while not self._stop_requested.is_set():
            self._wake.clear()
            try:
                job = queue.claim_next(
                    self.node, self.lease_owner, lease_seconds=self.parent.lease_seconds
                )
            except Exception:
                LOGGER.exception("Send worker for %s could not read the queue", self.node)
                job = None
            if job is None:
                self._wake.wait(self.parent.poll_interval)
                continue
            try:
                self._run_job(job)
            except Exception:
                # A bug or a database problem: the lease expires and the job is taken again.
                LOGGER.exception("Send worker for %s failed on job %s", self.node, job.id)
                self._wake.wait(self.parent.poll_interval)
        LOGGER.debug("Send worker for %s stopped", self.node)

    def _run_job(self, job: Job) -> None:
        parent = self.parent
        queue = parent.queue
        pending = queue.pending_items(job.id)
        if not job.forced:
            # Delivered meanwhile by another job (a second rule, a manual send): skip.
            still: list[JobItem] = []
            for item in pending:
                if queue.delivered(self.node, item.sop_instance_uid, item.content_hash):
                    queue.record_item(
                        job.id, item.sop_instance_uid, "skipped", None, "already delivered"
                    )
                else:
                    still.append(item)
            pending = still
        done = job.total - len(pending) - job.failed
        parent.publish_job(job, f"sending {done} of {job.total}", done=done)
        if not pending:
            self._finish(job, None, [])
            return

        keeper = _LeaseKeeper(queue, job.id, self.lease_owner, parent.lease_seconds)
        keeper.start()
        why_stopped: list[str] = []
        retry_reasons: list[str] = []
        last_progress = 0.0
        sent = done

        next_check = 0.0

        def should_cancel() -> bool:
            nonlocal next_check
            if self._stop_requested.is_set():
                why_stopped.append("stopped: the station is shutting down")
                return True
            # Cancel and pause live in the database (another process may set them); look
            # at most every CHECK_INTERVAL so a 2,000-slice series does not pay per item,
            # and at once after this process's own cancel or pause (poke).
            now = time.monotonic()
            if now < next_check and not self._poked.is_set():
                return False
            self._poked.clear()
            next_check = now + CHECK_INTERVAL
            current = queue.job(job.id)
            if current is None or current.state != "in_flight" or keeper.lost:
                why_stopped.append("lost")
                return True
            if current.lease_owner != self.lease_owner:
                why_stopped.append("lost")
                return True
            if queue.is_paused(self.node):
                why_stopped.append(f"paused: {self.node} is paused")
                return True
            return False

        def on_result(result: Any) -> None:
            nonlocal last_progress, sent
            classified: Classified = result.classified
            if classified.outcome is Outcome.SUCCESS:
                state = "sent"
                sent += 1
            elif classified.outcome is Outcome.FAIL:
                state = "failed"
            else:
                state = "pending"  # sent again on the next attempt
                retry_reasons.append(classified.reason)
            queue.record_item(
                job.id, result.sop_instance_uid, state, result.status, classified.reason
            )
            if classified.warning:
                LOGGER.info(
                    "%s took %s with a warning: %s",
                    self.node,
                    result.sop_instance_uid,
                    classified.reason,
                )
            now = time.monotonic()
            if now - last_progress >= parent.progress_interval:
                last_progress = now
                parent.publish_job(job, f"sending {sent} of {job.total}", done=sent)

        try:
            report = parent.send(self.node, job, pending, on_result, should_cancel)
        except Exception as exc:
            keeper.finish()
            LOGGER.exception("Sending job %s to %s failed unexpectedly: %s", job.id, self.node, exc)
            reason = f"internal error while sending: {exc}"
            self._retry(job, reason)
            return
        keeper.finish()
        self._finish(job, report, retry_reasons, why_stopped)

    def _retry(self, job: Job, reason: str) -> None:
        parent = self.parent
        current = parent.queue.job(job.id)
        attempt = (current.attempts if current else job.attempts) + 1
        delay = parent._delay(attempt)
        state = parent.queue.schedule_retry(job.id, self.lease_owner, delay, reason)
        if state is None:
            return
        if state == "retrying":
            parent._log_retry(self.node, job.id, reason, delay)
            when = datetime.fromtimestamp(time.time() + delay).strftime("%H:%M:%S")
            parent.publish(job.id, f"retrying at {when} because {reason}")
        else:
            LOGGER.warning("Job %s for %s failed: %s", job.id, self.node, reason)
            parent.publish(job.id)

    def _finish(
        self,
        job: Job,
        report: SendReportLike | None,
        retry_reasons: list[str],
        why_stopped: Sequence[str] = (),
    ) -> None:
        parent = self.parent
        queue = parent.queue
        if why_stopped:
            why = why_stopped[0]
            if why == "lost":
                # Cancelled (or, after a lost lease, taken by someone else): leave it be.
                parent.publish(job.id)
                return
            if queue.requeue(job.id, self.lease_owner, why):
                parent.publish(job.id, why)
            return
        error = report.association_error if report is not None else None
        if error is not None:
            if error.outcome is Outcome.FAIL:
                if queue.fail(job.id, self.lease_owner, error.reason):
                    LOGGER.warning("Job %s for %s failed: %s", job.id, self.node, error.reason)
                    parent.publish(job.id, f"failed because {error.reason}")
                return
            self._retry(job, error.reason)
            return
        if retry_reasons:
            self._retry(job, retry_reasons[0])
            return
        if queue.pending_items(job.id):
            # The sender stopped early without saying why: try the rest again later.
            self._retry(job, "the send ended before every item was sent")
            return
        state = queue.complete(job.id, self.lease_owner)
        if state is None:
            return
        final = queue.job(job.id)
        if final is not None and state == "failed":
            LOGGER.warning("Job %s for %s failed: %s", job.id, self.node, final.last_error)
            parent.publish_job(final, f"failed because {final.last_error}")
        elif final is not None:
            parent.publish_job(final)
