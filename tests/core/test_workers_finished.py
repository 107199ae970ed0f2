"""NodeWorkers hand every finished job to ``on_finished`` by a direct call, before its event.

The station's delivery audit and delete_after_send hang on this call (station/after_send.py);
it used to be a subscription of the station to its own bus, where errors vanished.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rtstation.dicom.status import classify
from rtstation.events import EventBus, JobChanged
from rtstation.net.sender import ItemResult, SendReport
from rtstation.routing.send_queue import Job, JobItem, QueueItem, SendQueue
from rtstation.routing.workers import NodeWorkers

CT = "1.2.840.10008.5.1.4.1.1.2"
EXPLICIT = "1.2.840.10008.1.2.1"


def items(n: int) -> list[QueueItem]:
    return [
        QueueItem(f"1.2.3.{i}", CT, EXPLICIT, f"/data/{i}.dcm", 1000, f"h{i}")
        for i in range(1, n + 1)
    ]


def deliver(
    node: str, job: Job, pending: list[JobItem], on_result: Callable[[Any], None], _cancel: Any
) -> SendReport:
    results = tuple(ItemResult(i.sop_instance_uid, 0, classify(0)) for i in pending)
    for result in results:
        on_result(result)
    return SendReport(peer=node, results=results)


def refuse(
    node: str, job: Job, pending: list[JobItem], on_result: Callable[[Any], None], _cancel: Any
) -> SendReport:
    failure = classify(None, association_failure="rejected-permanent", detail="unknown AE")
    return SendReport(peer=node, association_error=failure)


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[SendQueue]:
    q = SendQueue(tmp_path / "queue.sqlite")
    yield q
    q.close()


@pytest.mark.parametrize(("send", "final"), [(deliver, "done"), (refuse, "failed")])
def test_finished_job_is_handed_on_before_its_event(
    queue: SendQueue, send: Any, final: str
) -> None:
    order: list[str] = []
    ended = threading.Event()

    def on_finished(job: Job, message: str) -> None:
        order.append(f"on_finished {job.state}: {message}")

    def on_event(event: JobChanged) -> None:
        order.append(f"event {event.state}")
        if event.state in ("done", "failed"):
            ended.set()

    bus = EventBus()
    bus.subscribe(JobChanged, on_event)
    workers = NodeWorkers(
        queue, send, bus, owner="station", poll_interval=0.02, on_finished=on_finished
    )
    workers.start(["TPS"])
    try:
        job_id = queue.enqueue("TPS", items(2), max_attempts=1)
        workers.announce_queued(job_id)
        assert ended.wait(10)
    finally:
        assert workers.stop(5)
    finished = [line for line in order if line.startswith("on_finished")]
    assert len(finished) == 1 and finished[0].startswith(f"on_finished {final}")
    assert order.index(finished[0]) == order.index(f"event {final}") - 1


def test_job_with_nothing_left_to_send_is_finished_when_announced(queue: SendQueue) -> None:
    """enqueue records a job whose items all reached the node already as done at once."""
    finished: list[Job] = []
    workers = NodeWorkers(
        queue, deliver, EventBus(), owner="station", on_finished=lambda j, _m: finished.append(j)
    )
    first = queue.enqueue("TPS", items(1))
    queue.record_item(first, "1.2.3.1", "sent", 0, "")
    # Delivered is recorded when the job completes; finish it as a worker would.
    claimed = queue.claim_next("TPS", "station/TPS")
    assert claimed is not None and claimed.id == first
    assert queue.complete(first, "station/TPS") == "done"
    second = queue.enqueue("TPS", items(1))
    assert queue.job(second).state == "done"  # type: ignore[union-attr]
    workers.announce_queued(second)
    assert [j.id for j in finished] == [second]


def test_a_job_a_worker_finished_before_it_was_announced_is_finished_once(
    queue: SendQueue,
) -> None:
    """Seen in a CI run: the worker (polling) took and finished the job between enqueue and
    announce_queued, which then found it done and called on_finished a second time."""
    finished: list[int] = []
    done = threading.Event()
    workers = NodeWorkers(
        queue,
        deliver,
        EventBus(),
        owner="station",
        poll_interval=0.02,
        on_finished=lambda job, _m: (finished.append(job.id), done.set()),
    )
    workers.start(["TPS"])
    try:
        job_id = queue.enqueue("TPS", items(2))
        assert done.wait(10)  # the worker found the job on its own
        workers.announce_queued(job_id)  # the enqueuing thread catches up only now
    finally:
        assert workers.stop(5)
    assert finished == [job_id]
