"""One sending thread per destination node, draining the durable send queue.

Why it looks like this:

* **One thread per node**: jobs for one node go strictly in order (ARIA wants the images
  before the plan, and one association at a time is what most TPS and archives expect),
  while a slow or dead node never holds up the others.
* **routing does not import net** (the layer rule in docs/architecture.md): the station
  passes ``send``, a callable that wraps ``rtstation.net.sender.send_items``. What it must
  return is written down as two small protocols in ``node_worker.py`` (the thread that
  sends one node's jobs); ``net.sender``'s ``SendReport`` and ``ItemResult`` satisfy them
  as they are.
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
  (an hour by default, as CTP does for an offline peer: a node that is down for a weekend
  must not fill the log); the job history keeps every one.
* **A finished job is handed on by a direct call**: ``on_finished(job, message)`` runs on
  the worker thread when a job ends ``done`` or ``failed``, before its JobChanged event is
  published (the station's delivery audit and delete_after_send). It is a call, not a bus
  subscription, so whoever passes it sees its errors.

Every state change is published as :class:`rtstation.events.JobChanged` on the bus, from
the worker thread (subscribers must be quick and thread-safe, see ``events.py``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from rtstation.events import EventBus, JobChanged
from rtstation.routing.backoff import Jitter, UniformSource, next_delay
from rtstation.routing.node_worker import NodeWorker, SendFn
from rtstation.routing.send_queue import Job, SendQueue

LOGGER = logging.getLogger(__name__)

#: on_finished(job, message): a job has just ended done or failed (see the module docstring).
FinishedFn = Callable[[Job, str], None]


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


def _as_datetime(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)


class NodeWorkers:
    """Sending threads for a set of nodes over one :class:`SendQueue`.

    ``owner`` names this station in leases (stable across restarts, so ``start`` can
    recover what the previous run left in flight); each node's worker holds leases as
    ``"<owner>/<node>"``, taken anew for every job it claims, so :meth:`take_over` can
    change the owner while workers run. ``retry_base``/``retry_cap`` shape the backoff
    between attempts.
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
        on_finished: FinishedFn | None = None,
    ) -> None:
        self.queue = queue
        self.send = send
        self.bus = bus
        self.owner = owner
        self.on_finished = on_finished
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.jitter: Jitter = jitter
        self.rng = rng
        self.progress_interval = progress_interval
        self._throttle = _Throttle(log_interval)
        self._lock = threading.Lock()
        self._workers: dict[str, NodeWorker] = {}
        self._retiring: list[NodeWorker] = []
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
                worker = NodeWorker(self, node)
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

    def take_over(self, owner: str) -> list[int]:
        """Lease as ``owner`` from now on and put back what ``owner`` left in flight.

        For a station that becomes the primary while it runs: the previous primary's
        interrupted jobs are sent again at once instead of after their lease runs out,
        and a crash of this process from now on is recovered by the next primary at once.
        A job being sent keeps the lease it was claimed with until it ends.
        """
        with self._lock:
            self.owner = owner
        recovered = self.queue.recover(owner)
        for job_id in recovered:
            self.publish(job_id, "resumed: the previous primary station was cut off")
        self.wake()
        return recovered

    def wake(self, node: str | None = None) -> None:
        """Make the node's worker (or every worker) look at the queue now."""
        for worker in self._workers_for(node):
            worker.wake()

    def _workers_for(self, node: str | None) -> list[NodeWorker]:
        with self._lock:
            return [w for w in self._workers.values() if node is None or w.node == node]

    # --- queue actions that publish ------------------------------------------------------

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
        # Read the waiting jobs before the node is resumed: once it is, its worker may take
        # one at once, and a job already sending would miss its "resumed" line.
        waiting = self.queue.jobs(states=("queued", "retrying"), node=node)
        self.queue.resume_node(node)
        for job in waiting:
            self.publish(job.id, f"{node} resumed")
        self.wake(node)

    def publish(self, job_id: int, message: str | None = None) -> None:
        """Publish the job's current state as a JobChanged event."""
        job = self.queue.job(job_id)
        if job is None:
            return
        self.publish_job(job, message)

    def announce_queued(self, job_id: int) -> None:
        """Publish a job just enqueued and wake its worker.

        ``SendQueue.enqueue`` records a job whose items every one was delivered already
        as ``done`` at once; that job is announced as finished (``on_finished`` too), like
        one a worker finished. A job a worker has taken already is not announced again.
        """
        job = self.queue.job(job_id)
        if job is None:
            return
        # A worker may have taken the job between enqueue and now (it polls): then it has
        # announced the job itself, and finishing it here again called on_finished twice.
        if job.started_at is None:
            if job.state in ("done", "failed"):
                self.publish_finished(job)
            else:
                self.publish_job(job, "queued")
        self.wake(job.node)

    def publish_finished(self, job: Job, message: str | None = None) -> None:
        """A job ended done or failed: ``on_finished`` first, then its JobChanged event."""
        if message is None:
            message = _default_message(job)
        if self.on_finished is not None:
            self.on_finished(job, message)
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
                patient_id=job.patient_id,
                source=job.source,
                created_at=job.created_at,
                started_at=job.started_at,
                finished_at=job.finished_at,
            )
        )

    # --- used by the node workers --------------------------------------------------------

    def retry_delay(self, attempt: int) -> float:
        return next_delay(attempt, self.retry_base, self.retry_cap, self.rng, jitter=self.jitter)

    def log_retry(self, node: str, job_id: int, reason: str, delay: float) -> None:
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
