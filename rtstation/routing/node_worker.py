"""The thread that sends one node's jobs, one at a time, oldest first.

:class:`rtstation.routing.workers.NodeWorkers` starts one per node; the reasons for the
shape (results recorded per item, lease renewal, clean stop, classified failures) are in
that module's docstring. What the ``send`` callable must return is written down here as
two small protocols, since routing does not import ``net``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from rtstation.dicom.status import Classified, Outcome
from rtstation.routing.send_queue import Job, JobItem, SendQueue

if TYPE_CHECKING:
    from rtstation.routing.workers import NodeWorkers

LOGGER = logging.getLogger(__name__)

#: How often a waiting worker looks whether another connection committed (see
#: ``NodeWorker._wait_for_work``), and the least time between two of its claims then.
CHANGE_CHECK_SECONDS = 0.05
CLAIM_GAP_SECONDS = 0.2

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


class NodeWorker(threading.Thread):
    """The thread sending one node's jobs, one at a time, oldest first."""

    def __init__(self, parent: NodeWorkers, node: str) -> None:
        super().__init__(name=f"send-{node}", daemon=True)
        self.parent = parent
        self.node = node
        self.lease_owner = f"{parent.owner}/{node}"  # renewed before every claim
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
            self.lease_owner = f"{self.parent.owner}/{self.node}"
            seen = self._change_counter()  # before the claim: a commit after it is noticed
            try:
                withdrawn: list[int] = []
                job = queue.claim_next(
                    self.node,
                    self.lease_owner,
                    lease_seconds=self.parent.lease_seconds,
                    withdrawn=withdrawn,
                )
                for job_id in withdrawn:  # follow-ups of a plan the node never got
                    self.parent.publish(job_id)
            except Exception:
                LOGGER.exception("Send worker for %s could not read the queue", self.node)
                job = None
            if job is None:
                self._wait_for_work(seen)
                continue
            try:
                self._run_job(job)
            except Exception:
                # A bug or a database problem: the lease expires and the job is taken again.
                LOGGER.exception("Send worker for %s failed on job %s", self.node, job.id)
                self._wake.wait(self.parent.poll_interval)
        LOGGER.debug("Send worker for %s stopped", self.node)

    def _change_counter(self) -> int | None:
        try:
            return self.parent.queue.change_counter()
        except Exception:  # the claim that follows logs what is wrong with the database
            return None

    def _wait_for_work(self, seen: int | None) -> None:
        """Until woken (a job queued in this process), another connection committed (a job
        queued by a CLI process: noticed within CHANGE_CHECK_SECONDS, instead of the next
        poll a second later), or ``poll_interval`` passed (a job whose retry time came).

        Another connection also commits for every stored instance while the station
        receives; the claims that follow are at least CLAIM_GAP_SECONDS apart, so a busy
        receiver meets no more than a few of the worker's write transactions a second.
        """
        started = time.monotonic()
        deadline = started + self.parent.poll_interval
        while not self._wake.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if self._wake.wait(min(CHANGE_CHECK_SECONDS, remaining)):
                return
            if seen is None or time.monotonic() - started < CLAIM_GAP_SECONDS:
                continue
            if self._change_counter() != seen:
                return

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
        delay = parent.retry_delay(attempt)
        state = parent.queue.schedule_retry(job.id, self.lease_owner, delay, reason)
        if state is None:
            return
        if state == "retrying":
            parent.log_retry(self.node, job.id, reason, delay)
            when = datetime.fromtimestamp(time.time() + delay).strftime("%H:%M:%S")
            parent.publish(job.id, f"retrying at {when} because {reason}")
        else:
            LOGGER.warning("Job %s for %s failed: %s", job.id, self.node, reason)
            final = parent.queue.job(job.id)
            if final is not None:
                parent.publish_finished(final)

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
                    final = queue.job(job.id)
                    if final is not None:
                        parent.publish_finished(final, f"failed because {error.reason}")
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
            parent.publish_finished(final, f"failed because {final.last_error}")
        elif final is not None:
            parent.publish_finished(final)
