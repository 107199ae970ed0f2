"""NodeWorkers with the real sender against real storescp peers on 127.0.0.1."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rtstation.events import EventBus, JobChanged
from rtstation.net.peer import Peer
from rtstation.net.sender import send_items
from rtstation.routing.node_worker import SendReportLike
from rtstation.routing.send_queue import Job, JobItem, QueueItem, SendQueue
from rtstation.routing.workers import NodeWorkers
from tests.data.generator import PlanSpec, StudySpec, write_study
from tests.peers.peers import HOST, StoreSCP, free_port
from tests.peers.send_files import aria_order, send_item
from tests.queue_watch import ClaimWatch
from tests.waiting import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]


def queue_items(root: Path, **spec: Any) -> list[QueueItem]:
    study = write_study(root, StudySpec(**spec))
    ordered = aria_order(send_item(p) for p in study.all_paths)
    return [
        QueueItem(
            i.sop_instance_uid,
            i.sop_class_uid,
            i.transfer_syntax_uid,
            i.path,
            i.size,
            hashlib.sha256(Path(i.path).read_bytes()).hexdigest(),
        )
        for i in ordered
    ]


def make_send(peers: dict[str, Peer]) -> Callable[..., SendReportLike]:
    """What the station does: map the node to its Peer and call the real sender."""

    def send(
        node: str,
        job: Job,
        items: list[JobItem],
        on_result: Callable[[Any], None],
        should_cancel: Callable[[], bool],
    ) -> SendReportLike:
        return send_items(peers[node], items, on_result=on_result, should_cancel=should_cancel)

    return send


def state_of(queue: SendQueue, job_id: int) -> str:
    job = queue.job(job_id)
    return job.state if job else "missing"


def attempts_of(queue: SendQueue, job_id: int) -> int:
    job = queue.job(job_id)
    return job.attempts if job else 0


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[SendQueue]:
    q = SendQueue(tmp_path / "queue.sqlite")
    yield q
    q.close()


def test_node_down_then_up_is_delivered_exactly_once(
    storescp: Callable[..., StoreSCP], queue: SendQueue, tmp_path: Path
) -> None:
    items = queue_items(tmp_path / "study", slices=6, plans=(PlanSpec(doses=1),))
    port = free_port()
    bus = EventBus()
    events: list[JobChanged] = []
    bus.subscribe(JobChanged, events.append)
    workers = NodeWorkers(
        queue,
        make_send({"TPS": Peer("STORESCP", HOST, port)}),
        bus,
        owner="station",
        retry_base=0.2,
        retry_cap=0.5,
        poll_interval=0.05,
    )
    workers.start(["TPS"])
    try:
        job_id = queue.enqueue("TPS", items, plan_uid="PLAN", source="manual")
        workers.announce_queued(job_id)
        wait_for(lambda: attempts_of(queue, job_id) >= 2)
        assert state_of(queue, job_id) in ("retrying", "in_flight")
        scp = storescp(port=port)
        wait_for(lambda: state_of(queue, job_id) == "done")
    finally:
        assert workers.stop(10)

    received = scp.received_order()
    assert received == [i.sop_instance_uid for i in items]  # ARIA order, each exactly once
    steps = queue.history(job_id)
    retries = [e for e in steps if e.state == "retrying"]
    assert len(retries) >= 2
    assert f"connection refused (nothing listening on 127.0.0.1:{port})" in retries[0].message
    assert (
        steps[-1].state == "done"
        and steps[-1].message == f"delivered {len(items)} of {len(items)} instances"
    )
    assert all(queue.delivered("TPS", i.sop_instance_uid, i.content_hash) for i in items)
    assert any(e.state == "retrying" and e.next_attempt_at for e in events)
    assert events[-1].state == "done" and events[-1].done == len(items)

    # The same plan again is not sent twice.
    again = queue.enqueue("TPS", items, plan_uid="PLAN")
    assert state_of(queue, again) == "done"


def test_two_nodes_are_served_in_parallel(
    storescp: Callable[..., StoreSCP], queue: SendQueue, tmp_path: Path
) -> None:
    items = queue_items(tmp_path / "study", slices=20, plans=(PlanSpec(doses=1),))
    first, second = storescp(ae_title="FIRST"), storescp(ae_title="SECOND")
    peers = {
        "FIRST": Peer("FIRST", HOST, first.port),
        "SECOND": Peer("SECOND", HOST, second.port),
    }
    bus = EventBus()
    in_flight: set[str] = set()
    overlap: list[bool] = []

    def watch(event: JobChanged) -> None:
        if event.state == "in_flight":
            in_flight.add(event.node)
        else:
            in_flight.discard(event.node)
        overlap.append(len(in_flight) == 2)

    bus.subscribe(JobChanged, watch)
    workers = NodeWorkers(queue, make_send(peers), bus, owner="station", poll_interval=0.05)
    a = queue.enqueue("FIRST", items, plan_uid="P")
    b = queue.enqueue("SECOND", items, plan_uid="P")
    workers.start(["FIRST", "SECOND"])
    try:
        wait_for(lambda: state_of(queue, a) == state_of(queue, b) == "done")
    finally:
        assert workers.stop(10)
    expected = [i.sop_instance_uid for i in items]
    assert first.received_order() == expected and second.received_order() == expected
    assert queue.plan_delivery_summary("P") == {"FIRST": "done", "SECOND": "done"}
    assert any(overlap), "the two nodes were never sending at the same time"


_CHILD = textwrap.dedent(
    """
    import sys, time
    from rtstation.events import EventBus
    from rtstation.net.peer import Peer
    from rtstation.net.sender import send_items
    from rtstation.routing.send_queue import SendQueue
    from rtstation.routing.workers import NodeWorkers

    db, port = sys.argv[1], int(sys.argv[2])
    peer = Peer("STORESCP", "127.0.0.1", port)

    def send(node, job, items, on_result, should_cancel):
        return send_items(peer, items, on_result=on_result, should_cancel=should_cancel)

    workers = NodeWorkers(SendQueue(db), send, EventBus(), owner="station", poll_interval=0.05)
    workers.start(["TPS"])
    print("started", flush=True)
    time.sleep(600)
    """
)


def test_sigkill_mid_job_resumes_with_only_unsent_items(
    storescp: Callable[..., StoreSCP], queue: SendQueue, tmp_path: Path
) -> None:
    items = queue_items(tmp_path / "study", slices=300)
    scp = storescp()
    job_id = queue.enqueue("TPS", items, plan_uid="BIG")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(queue.db_path), str(scp.port)],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: len(scp.received_names()) >= 40, timeout=60)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(10)
    received_at_kill = len(scp.received_names())
    assert received_at_kill < len(items), "the job finished before the kill: nothing to resume"
    job = queue.job(job_id)
    assert job is not None and job.state == "in_flight" and job.lease_owner == "station/TPS"
    unsent = len(queue.pending_items(job_id))
    # Every item the peer stored is recorded, except at most the one on the wire.
    assert unsent <= len(items) - received_at_kill + 1

    resumed: list[list[str]] = []
    send = make_send({"TPS": Peer("STORESCP", HOST, scp.port)})

    def recording_send(node: str, job: Job, pending: list[JobItem], *args: Any) -> SendReportLike:
        resumed.append([i.sop_instance_uid for i in pending])
        return send(node, job, pending, *args)

    workers = NodeWorkers(queue, recording_send, EventBus(), owner="station", poll_interval=0.05)
    workers.start(["TPS"])  # same owner: recover() hands the job back at once
    try:
        wait_for(lambda: state_of(queue, job_id) == "done", timeout=60)
    finally:
        assert workers.stop(10)
    assert len(resumed) == 1 and len(resumed[0]) == unsent
    counts = Counter(scp.received_order())
    assert set(counts) == {i.sop_instance_uid for i in items}
    assert sum(counts.values()) - len(items) <= 1  # at most the item in flight, twice
    assert any("resumed after a restart" in e.message for e in queue.history(job_id))


def test_a_job_another_process_queues_is_taken_without_waiting_for_the_poll(
    storescp: Callable[..., StoreSCP], queue: SendQueue, tmp_path: Path
) -> None:
    """Before: a job queued by `rtstation send --no-wait` beside a running serve waited for
    the worker's next look at the queue (a second later; here a minute)."""
    items = queue_items(tmp_path / "study", slices=2)
    scp = storescp()
    watch = ClaimWatch(queue)
    send = make_send({"TPS": Peer("STORESCP", HOST, scp.port)})
    workers = NodeWorkers(queue, send, EventBus(), owner="station", poll_interval=60)
    mark = watch.mark()
    workers.start(["TPS"])
    other_process = SendQueue(queue.db_path)  # its own connection, as a CLI process has
    try:
        wait_for(lambda: watch.declined_since(mark, "TPS"))  # the worker now waits
        job_id = other_process.enqueue("TPS", items, plan_uid="P")
        wait_for(lambda: state_of(queue, job_id) == "done", timeout=20)
    finally:
        other_process.close()
        assert workers.stop(10)
    assert sorted(scp.received_order()) == sorted(i.sop_instance_uid for i in items)
