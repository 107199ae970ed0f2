"""The durable send queue and its node workers, with a scripted ``send`` (no network).

The scripted send answers with the sender's own result types (``SendReport``,
``ItemResult``); tests/peers/test_workers.py runs the workers over the real network.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rtstation.dicom.status import Classified, Outcome, classify
from rtstation.errors import StorageError
from rtstation.events import EventBus, JobChanged
from rtstation.net.sender import ItemResult, SendReport
from rtstation.routing.send_queue import Job, JobItem, QueueItem, SendQueue
from rtstation.routing.workers import NodeWorkers
from tests.queue_watch import ClaimWatch
from tests.waiting import wait_for

CT = "1.2.840.10008.5.1.4.1.1.2"
RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
EXPLICIT = "1.2.840.10008.1.2.1"
T0 = 1_000_000.0


def make_items(n: int, prefix: str = "1.2.3", sop_class: str = CT) -> list[QueueItem]:
    return [
        QueueItem(f"{prefix}.{i}", sop_class, EXPLICIT, f"/data/{prefix}.{i}.dcm", 1000, f"h{i}")
        for i in range(1, n + 1)
    ]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "queue.sqlite"


@pytest.fixture
def queue(db: Path) -> Iterator[SendQueue]:
    q = SendQueue(db)
    yield q
    q.close()


def states(q: SendQueue, job_id: int) -> list[str]:
    return [item.state for item in q.items(job_id)]


def history(q: SendQueue, job_id: int) -> list[tuple[str, str]]:
    return [(e.state, e.message) for e in q.history(job_id)]


# --- enqueue ---------------------------------------------------------------------------------


def test_enqueue_records_job_items_in_order_and_history(queue: SendQueue) -> None:
    items = make_items(3)
    job_id = queue.enqueue(
        "TPS",
        items,
        plan_uid="9.9",
        plan_label="PLAN1",
        patient_id="RT001",
        source="rule:x",
        now=T0,
    )
    job = queue.job(job_id)
    assert job is not None
    assert (job.node, job.plan_uid, job.plan_label, job.patient_id, job.source) == (
        "TPS",
        "9.9",
        "PLAN1",
        "RT001",
        "rule:x",
    )
    assert (job.state, job.attempts, job.max_attempts, job.total, job.done) == (
        "queued",
        0,
        8,
        3,
        0,
    )
    assert job.next_attempt_at == T0 and job.created_at == T0 and job.active
    assert [i.sop_instance_uid for i in queue.items(job_id)] == [i.sop_instance_uid for i in items]
    assert [i.seq for i in queue.items(job_id)] == [1, 2, 3]
    assert history(queue, job_id) == [("queued", "queued 3 instances")]


def test_enqueue_keeps_first_of_duplicate_uids(queue: SendQueue) -> None:
    items = make_items(2)
    job_id = queue.enqueue("TPS", [*items, items[0]], now=T0)
    assert len(queue.items(job_id)) == 2


def test_enqueue_nothing_is_an_error(queue: SendQueue) -> None:
    with pytest.raises(ValueError, match="A send job to 'TPS' needs at least one instance"):
        queue.enqueue("TPS", [])


def test_no_second_active_job_for_the_same_node_and_plan(queue: SendQueue) -> None:
    first = queue.enqueue("TPS", make_items(2), plan_uid="9.9", now=T0)
    assert queue.enqueue("TPS", make_items(3), plan_uid="9.9", now=T0 + 1) == first
    other_node = queue.enqueue("ARCHIVE", make_items(2), plan_uid="9.9", now=T0 + 1)
    assert other_node != first
    # Once the first job ended, the plan may be queued again.
    job = queue.claim_next("TPS", "w", now=T0 + 2)
    assert job is not None
    for item in queue.pending_items(first):
        queue.record_item(first, item.sop_instance_uid, "sent", 0, "stored")
    assert queue.complete(first, "w", now=T0 + 3) == "done"
    again = queue.enqueue("TPS", make_items(2), plan_uid="9.9", force=True, now=T0 + 4)
    assert again not in (first, other_node)


def test_delivered_items_are_skipped_unless_forced(queue: SendQueue) -> None:
    items = make_items(3)
    first = queue.enqueue("TPS", items, now=T0)
    assert queue.claim_next("TPS", "w", now=T0) is not None
    for item in items:
        queue.record_item(first, item.sop_instance_uid, "sent", 0, "stored", now=T0 + 1)
    queue.complete(first, "w", now=T0 + 2)
    assert queue.delivered("TPS", items[0].sop_instance_uid, items[0].content_hash)
    assert not queue.delivered("TPS", items[0].sop_instance_uid, "other-bytes")
    assert not queue.delivered("ARCHIVE", items[0].sop_instance_uid, items[0].content_hash)

    # Same bytes again, plus one new instance: only the new one is pending.
    changed = QueueItem("1.2.3.2", CT, EXPLICIT, "/data/x", 1000, "new-hash")
    second = queue.enqueue("TPS", [items[0], changed, *make_items(1, "4.5")], now=T0 + 3)
    assert states(queue, second) == ["skipped", "pending", "pending"]
    assert queue.items(second)[0].reason == f"already delivered to TPS by job {first}"
    assert history(queue, second) == [
        ("queued", "queued 2 instances (1 already delivered, skipped)")
    ]
    job = queue.job(second)
    assert job is not None and (job.skipped, job.pending, job.done) == (1, 2, 1)


def test_job_with_everything_delivered_is_recorded_done(queue: SendQueue) -> None:
    items = make_items(2)
    first = queue.enqueue("TPS", items, now=T0)
    queue.claim_next("TPS", "w", now=T0)
    for item in items:
        queue.record_item(first, item.sop_instance_uid, "sent", 0, "stored")
    queue.complete(first, "w")

    again = queue.enqueue("TPS", items, now=T0 + 10)
    job = queue.job(again)
    assert job is not None and job.state == "done" and job.finished_at == T0 + 10
    assert states(queue, again) == ["skipped", "skipped"]
    assert history(queue, again) == [
        ("done", "nothing to send: all 2 instances were already delivered to TPS")
    ]
    assert queue.claim_next("TPS", "w", now=T0 + 11) is None

    forced = queue.enqueue("TPS", items, force=True, now=T0 + 12)
    assert states(queue, forced) == ["pending", "pending"]
    forced_job = queue.job(forced)
    assert forced_job is not None and forced_job.forced


# --- claim, leases, processes ----------------------------------------------------------------


def test_claim_is_fifo_per_node_and_strictly_in_order(queue: SendQueue) -> None:
    a = queue.enqueue("TPS", make_items(1, "1"), now=T0)
    b = queue.enqueue("TPS", make_items(1, "2"), now=T0)
    c = queue.enqueue("ARCHIVE", make_items(1, "3"), now=T0)

    job = queue.claim_next("TPS", "w", now=T0, lease_seconds=60)
    assert job is not None and job.id == a and job.state == "in_flight"
    assert job.lease_owner == "w" and job.lease_until == T0 + 60
    # b waits behind a, even for another owner; the other node is independent.
    assert queue.claim_next("TPS", "other", now=T0 + 1) is None
    archive = queue.claim_next("ARCHIVE", "w2", now=T0)
    assert archive is not None and archive.id == c

    # a waits for its retry: b still waits (jobs of one node go strictly in order).
    assert queue.schedule_retry(a, "w", 30, "connection refused", now=T0 + 2) == "retrying"
    assert queue.claim_next("TPS", "w", now=T0 + 10) is None
    job = queue.claim_next("TPS", "w", now=T0 + 33)
    assert job is not None and job.id == a and job.attempts == 1
    queue.record_item(a, "1.1", "sent", 0, "stored")
    queue.complete(a, "w")
    job = queue.claim_next("TPS", "w", now=T0 + 34)
    assert job is not None and job.id == b


def test_lease_expiry_lets_another_owner_take_the_job(queue: SendQueue) -> None:
    job_id = queue.enqueue("TPS", make_items(4), now=T0)
    assert queue.claim_next("TPS", "crashed/TPS", now=T0, lease_seconds=60) is not None
    queue.record_item(job_id, "1.2.3.1", "sent", 0, "stored", now=T0 + 1)
    queue.record_item(job_id, "1.2.3.2", "sent", 0, "stored", now=T0 + 2)
    # Renewed while alive ...
    assert queue.renew_lease(job_id, "crashed/TPS", 60, now=T0 + 30)
    assert queue.claim_next("TPS", "rescuer/TPS", now=T0 + 80) is None
    # ... then the process died: after the lease, someone else takes over.
    taken = queue.claim_next("TPS", "rescuer/TPS", now=T0 + 91)
    assert taken is not None and taken.id == job_id and taken.lease_owner == "rescuer/TPS"
    assert history(queue, job_id)[-1] == (
        "in_flight",
        "taken over from crashed/TPS: its lease expired",
    )
    # The dead owner cannot finish or renew it any more.
    assert not queue.renew_lease(job_id, "crashed/TPS", 60, now=T0 + 92)
    assert queue.complete(job_id, "crashed/TPS") is None
    # Resume sends only what was not recorded as sent.
    assert [i.sop_instance_uid for i in queue.pending_items(job_id)] == ["1.2.3.3", "1.2.3.4"]


def test_recover_requeues_only_this_owners_in_flight_jobs(queue: SendQueue) -> None:
    mine = queue.enqueue("TPS", make_items(1, "1"), now=T0)
    theirs = queue.enqueue("ARCHIVE", make_items(1, "2"), now=T0)
    prefix_lookalike = queue.enqueue("PACS", make_items(1, "3"), now=T0)
    queue.claim_next("TPS", "station-a/TPS", now=T0)
    queue.claim_next("ARCHIVE", "station-b/ARCHIVE", now=T0)
    queue.claim_next("PACS", "station-ab/PACS", now=T0)
    assert queue.recover("station-a", now=T0 + 5) == [mine]
    job = queue.job(mine)
    assert job is not None and job.state == "queued" and job.lease_owner == ""
    assert [queue.job(j).state for j in (theirs, prefix_lookalike)] == ["in_flight"] * 2  # type: ignore[union-attr]
    assert history(queue, mine)[-1] == (
        "queued",
        "resumed after a restart: the last send was cut off",
    )


def test_two_queue_objects_never_claim_the_same_job(db: Path) -> None:
    setup = SendQueue(db)
    nodes = [f"N{i}" for i in range(4)]
    for node in nodes:
        for j in range(15):
            setup.enqueue(node, make_items(1, f"{node}.{j}"))
    setup.close()

    claimed: dict[str, list[int]] = {"A": [], "B": []}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2, timeout=10)

    def worker(name: str) -> None:
        q = SendQueue(db)
        try:
            barrier.wait()
            idle_rounds = 0
            while idle_rounds < 50:
                got = False
                for node in nodes:
                    job = q.claim_next(node, f"{name}/{node}", lease_seconds=600)
                    if job is None:
                        continue
                    got = True
                    claimed[name].append(job.id)
                    time.sleep(0.002)  # "sending": gives the other object its chance
                    for item in q.pending_items(job.id):
                        q.record_item(job.id, item.sop_instance_uid, "sent", 0, "stored")
                    assert q.complete(job.id, f"{name}/{node}") == "done"
                idle_rounds = 0 if got else idle_rounds + 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            q.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    all_claims = claimed["A"] + claimed["B"]
    assert len(all_claims) == len(set(all_claims)) == 60
    assert claimed["A"] and claimed["B"]


def _claim_in_process(db: str, name: str, out: Any) -> None:
    q = SendQueue(db)
    ids = []
    misses = 0
    while misses < 200:
        job = q.claim_next("TPS", name, lease_seconds=600)
        if job is None:
            misses += 1
            time.sleep(0.002)
            continue
        misses = 0
        ids.append(job.id)
        for item in q.pending_items(job.id):
            q.record_item(job.id, item.sop_instance_uid, "sent", 0, "stored")
        q.complete(job.id, name)
    q.close()
    out.put(ids)


def test_two_processes_never_claim_the_same_job(db: Path) -> None:
    setup = SendQueue(db)
    expected = [setup.enqueue("TPS", make_items(2, f"p{j}")) for j in range(40)]
    setup.close()
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_claim_in_process, args=(str(db), n, out)) for n in ("P1", "P2")]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    claims = results[0] + results[1]
    assert sorted(claims) == expected


def test_paused_node_is_not_claimed(queue: SendQueue) -> None:
    job_id = queue.enqueue("TPS", make_items(1), now=T0)
    queue.pause_node("TPS")
    assert queue.is_paused("TPS") and queue.paused_nodes() == {"TPS"}
    assert queue.claim_next("TPS", "w", now=T0 + 1) is None
    queue.resume_node("TPS")
    assert not queue.is_paused("TPS")
    job = queue.claim_next("TPS", "w", now=T0 + 2)
    assert job is not None and job.id == job_id


# --- outcomes --------------------------------------------------------------------------------


def test_retry_until_max_attempts_then_failed_and_visible(queue: SendQueue) -> None:
    job_id = queue.enqueue("TPS", make_items(2), max_attempts=3, now=T0)
    now = T0
    for attempt in (1, 2):
        assert queue.claim_next("TPS", "w", now=now) is not None
        assert queue.schedule_retry(job_id, "w", 10, "connection refused", now=now) == "retrying"
        job = queue.job(job_id)
        assert job is not None and job.attempts == attempt and job.next_attempt_at == now + 10
        assert job.last_error == "connection refused"
        now += 10
    assert queue.claim_next("TPS", "w", now=now) is not None
    assert queue.schedule_retry(job_id, "w", 10, "connection refused", now=now) == "failed"
    job = queue.job(job_id)
    assert job is not None and job.state == "failed" and job.attempts == 3
    assert job.last_error == "gave up after 3 attempts: connection refused"
    assert [j.id for j in queue.jobs(states=["failed"])] == [job_id]
    assert queue.claim_next("TPS", "w", now=now + 100) is None
    assert [s for s, _ in history(queue, job_id)] == [
        "queued",
        "in_flight",
        "retrying",
        "in_flight",
        "retrying",
        "in_flight",
        "failed",
    ]
    assert history(queue, job_id)[2][1] == (
        "attempt 1 of 3 failed: connection refused; next attempt in 10 s"
    )


def test_complete_with_failed_items_fails_the_job_with_a_count(queue: SendQueue) -> None:
    items = [*make_items(13), *make_items(2, "7.7", RT_DOSE)]
    job_id = queue.enqueue("TPS", items, now=T0)
    queue.claim_next("TPS", "w", now=T0)
    reason = "the receiver does not accept RT Dose Storage"
    for item in items:
        if item.sop_class_uid == RT_DOSE:
            queue.record_item(job_id, item.sop_instance_uid, "failed", None, reason)
        else:
            queue.record_item(job_id, item.sop_instance_uid, "sent", 0, "stored")
    assert queue.complete(job_id, "w", now=T0 + 5) == "failed"
    job = queue.job(job_id)
    assert job is not None
    assert job.last_error == f"2 of 15 items failed: {reason}"
    assert (job.sent, job.failed, job.done, job.total) == (13, 2, 13, 15)
    # The delivered ones are remembered; a retry resends only the failed ones.
    assert queue.delivered("TPS", "1.2.3.1", "h1")
    assert queue.retry(job_id, now=T0 + 6)
    job = queue.job(job_id)
    assert job is not None and job.state == "queued" and job.attempts == 0 and job.last_error == ""
    assert [i.sop_instance_uid for i in queue.pending_items(job_id)] == ["7.7.1", "7.7.2"]
    assert history(queue, job_id)[-1] == ("queued", "retry requested")


def test_complete_reports_distinct_reasons_and_unsent_items(queue: SendQueue) -> None:
    job_id = queue.enqueue("TPS", make_items(4), now=T0)
    queue.claim_next("TPS", "w", now=T0)
    queue.record_item(job_id, "1.2.3.1", "failed", 0xC000, "cannot understand (0xC000)")
    queue.record_item(job_id, "1.2.3.2", "failed", 0xA900, "does not match (0xA900)")
    queue.record_item(job_id, "1.2.3.3", "sent", 0, "stored")
    assert queue.complete(job_id, "w") == "failed"
    job = queue.job(job_id)
    assert job is not None
    assert job.last_error == (
        "2 of 4 items failed: cannot understand (0xC000) (and 1 other reasons); "
        "1 of 4 items were not sent"
    )


def test_fail_and_requeue(queue: SendQueue) -> None:
    job_id = queue.enqueue("TPS", make_items(1), now=T0)
    queue.claim_next("TPS", "w", now=T0)
    assert queue.requeue(job_id, "w", "stopped: the station is shutting down", now=T0 + 1)
    job = queue.job(job_id)
    assert job is not None and job.state == "queued" and job.attempts == 0
    queue.claim_next("TPS", "w", now=T0 + 2)
    assert not queue.fail(job_id, "intruder", "x")
    assert queue.fail(
        job_id, "w", "association rejected by the peer: called AE title not recognised"
    )
    job = queue.job(job_id)
    assert job is not None and job.state == "failed" and job.finished_at is not None


def test_cancel_and_retry_cancelled(queue: SendQueue) -> None:
    job_id = queue.enqueue("TPS", make_items(2), now=T0)
    queue.claim_next("TPS", "w", now=T0)
    queue.record_item(job_id, "1.2.3.1", "sent", 0, "stored")
    assert queue.cancel(job_id, now=T0 + 1)
    assert not queue.cancel(job_id)
    job = queue.job(job_id)
    assert job is not None and job.state == "cancelled" and job.lease_owner == ""
    # The worker that was sending cannot overwrite the cancellation.
    assert queue.complete(job_id, "w") is None
    assert queue.retry(job_id, now=T0 + 2)
    assert [i.sop_instance_uid for i in queue.pending_items(job_id)] == ["1.2.3.2"]
    assert not queue.retry(job_id)  # queued: nothing to do


def test_a_follow_up_waits_behind_its_plan_and_goes_once_the_plan_is_done(
    queue: SendQueue,
) -> None:
    plan_job = queue.enqueue("TPS", make_items(2), plan_uid="P1", now=T0)
    follow_up = queue.enqueue("TPS", make_items(1, "7.7"), plan_uid="P1", follow_up=True, now=T0)
    follow = queue.job(follow_up)
    assert follow is not None and follow.follow_up
    first = queue.claim_next("TPS", "w", now=T0)
    assert first is not None and first.id == plan_job and not first.follow_up
    for uid in ("1.2.3.1", "1.2.3.2"):
        queue.record_item(plan_job, uid, "sent", 0)
    assert queue.complete(plan_job, "w") == "done"
    withdrawn: list[int] = []
    second = queue.claim_next("TPS", "w", now=T0 + 1, withdrawn=withdrawn)
    assert second is not None and second.id == follow_up
    assert withdrawn == []


@pytest.mark.parametrize("plan_end", ["cancelled", "failed"])
def test_a_follow_up_of_a_plan_that_was_not_delivered_is_withdrawn(
    queue: SendQueue, plan_end: str
) -> None:
    """Cancelled stays cancelled, a refusal is not retried by itself: the late dose of
    such a plan never goes out alone, and the reason says why."""
    plan_job = queue.enqueue("TPS", make_items(2), plan_uid="P1", now=T0)
    follow_up = queue.enqueue("TPS", make_items(1, "7.7"), plan_uid="P1", follow_up=True, now=T0)
    other = queue.enqueue("TPS", make_items(1, "9.9"), plan_uid="P2", now=T0)
    if plan_end == "cancelled":
        assert queue.cancel(plan_job, now=T0)
    else:
        queue.claim_next("TPS", "w", now=T0)
        assert queue.fail(plan_job, "w", "called AE title not recognised", now=T0)
    withdrawn: list[int] = []
    claimed = queue.claim_next("TPS", "w", now=T0 + 1, withdrawn=withdrawn)
    assert claimed is not None and claimed.id == other, "the next plan's job goes on"
    assert withdrawn == [follow_up]
    job = queue.job(follow_up)
    assert job is not None and job.state == "cancelled"
    assert job.last_error == (
        f"not sent: its plan's job {plan_job} to TPS ended '{plan_end}'; a follow-up only "
        "goes where its plan was delivered (retry this job, or send the plan again, to send "
        "it anyway)"
    )
    assert history(queue, follow_up)[-1] == ("cancelled", job.last_error)
    # A person's retry is a person's decision: the job goes, as an ordinary job.
    queue.record_item(other, "9.9.1", "sent", 0)
    assert queue.complete(other, "w") == "done"
    assert queue.retry(follow_up, now=T0 + 2)
    retried = queue.claim_next("TPS", "w", now=T0 + 2)
    assert retried is not None and retried.id == follow_up and not retried.follow_up


def test_planned_for_names_every_item_any_job_of_the_plan_had(queue: SendQueue) -> None:
    cancelled = queue.enqueue("TPS", make_items(2), plan_uid="P1", now=T0)
    queue.cancel(cancelled, now=T0)
    queue.enqueue("TPS", make_items(1, "7.7"), plan_uid="P1", force=True, now=T0)
    queue.enqueue("TPS", make_items(1, "8.8"), plan_uid="P2", now=T0)
    queue.enqueue("ARCHIVE", make_items(1, "9.9"), plan_uid="P1", now=T0)
    assert queue.planned_for("TPS", "P1") == {("1.2.3.1", "h1"), ("1.2.3.2", "h2"), ("7.7.1", "h1")}


def test_retry_of_a_waiting_job_makes_it_due_now(queue: SendQueue) -> None:
    job_id = queue.enqueue("TPS", make_items(1), now=T0)
    queue.claim_next("TPS", "w", now=T0)
    queue.schedule_retry(job_id, "w", 3600, "refused", now=T0)
    assert queue.claim_next("TPS", "w", now=T0 + 5) is None
    assert queue.retry(job_id, now=T0 + 5)
    assert queue.claim_next("TPS", "w", now=T0 + 5) is not None


def test_jobs_filters_and_plan_summary(queue: SendQueue) -> None:
    a = queue.enqueue("TPS", make_items(1, "1"), plan_uid="P1", now=T0)
    b = queue.enqueue("ARCHIVE", make_items(1, "2"), plan_uid="P1", now=T0)
    c = queue.enqueue("TPS", make_items(1, "3"), plan_uid="P2", now=T0)
    queue.claim_next("ARCHIVE", "w", now=T0)
    queue.fail(b, "w", "rejected")
    assert [j.id for j in queue.jobs()] == [c, b, a]
    assert [j.id for j in queue.jobs(node="TPS")] == [c, a]
    assert [j.id for j in queue.jobs(plan_uid="P1")] == [b, a]
    assert [j.id for j in queue.jobs(states=["queued"], node="TPS", limit=1)] == [c]
    assert queue.jobs(states=[]) == []
    assert queue.plan_delivery_summary("P1") == {"ARCHIVE": "failed", "TPS": "queued"}
    assert queue.plan_delivery_summary("nope") == {}
    assert queue.job(999) is None


def test_record_item_validates_and_reports_unknown_items(queue: SendQueue) -> None:
    job_id = queue.enqueue("TPS", make_items(1), now=T0)
    with pytest.raises(ValueError, match="Item state 'gone' is unknown"):
        queue.record_item(job_id, "1.2.3.1", "gone")
    assert not queue.record_item(job_id, "9.9.9", "sent")


def test_a_sent_result_does_not_wait_for_the_disk_a_refusal_does(queue: SendQueue) -> None:
    """A lost 'sent' costs a duplicate resend after a power cut; a lost refusal would be
    retried by itself, so only refusals wait for the disk (and the killed-process case
    keeps both: the WAL frame is written before the commit returns)."""
    job_id = queue.enqueue("TPS", make_items(2), now=T0)
    statements: list[str] = []
    conn = queue._db._conn
    conn.set_trace_callback(statements.append)
    try:
        assert queue.record_item(job_id, "1.2.3.1", "sent", 0x0000)
        sent = list(statements)
        statements.clear()
        assert queue.record_item(job_id, "1.2.3.2", "failed", 0xC211, "refused")
        failed = list(statements)
    finally:
        conn.set_trace_callback(None)
    assert "PRAGMA synchronous = OFF" in sent and sent[-1] == "PRAGMA synchronous = FULL"
    assert not any("synchronous" in s for s in failed)
    reopened = SendQueue(queue._db.path)
    try:
        assert states(reopened, job_id) == ["sent", "failed"]
    finally:
        reopened.close()


def test_survives_reopen_and_rejects_a_newer_schema(db: Path) -> None:
    q = SendQueue(db)
    job_id = q.enqueue("TPS", make_items(2))
    q.close()
    reopened = SendQueue(db)
    assert reopened.job(job_id) is not None and len(reopened.items(job_id)) == 2
    reopened.close()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StorageError, match="has schema version '99'"):
        SendQueue(db)


def test_database_settings(queue: SendQueue, db: Path) -> None:
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


# --- node workers with a fake send -----------------------------------------------------------


def report(
    results: tuple[ItemResult, ...] = (),
    association_error: Classified | None = None,
    *,
    cancelled: bool = False,
) -> SendReport:
    """What the scripted send returns, in the real sender's type."""
    return SendReport(
        peer="scripted", results=results, association_error=association_error, cancelled=cancelled
    )


def submit(workers: NodeWorkers, node: str, items: list[QueueItem], **kwargs: Any) -> int:
    """Queue a job as the station's dispatcher does: enqueue, then announce and wake."""
    job_id = workers.queue.enqueue(node, items, **kwargs)
    workers.announce_queued(job_id)
    return job_id


class FakeSend:
    """A scripted ``send``: each call pops a behaviour; the default delivers everything."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, list[str]]] = []
        self.script: list[Callable[..., SendReport]] = []
        self.lock = threading.Lock()
        self.active: dict[str, int] = {}
        self.max_parallel = 0

    def __call__(
        self,
        node: str,
        job: Job,
        items: list[JobItem],
        on_result: Callable[[Any], None],
        should_cancel: Callable[[], bool],
    ) -> SendReport:
        with self.lock:
            self.calls.append((node, job.id, [i.sop_instance_uid for i in items]))
            behaviour = self.script.pop(0) if self.script else deliver_all
            self.active[node] = 1
            self.max_parallel = max(self.max_parallel, sum(self.active.values()))
        try:
            return behaviour(items, on_result, should_cancel)
        finally:
            with self.lock:
                self.active[node] = 0


def deliver_all(
    items: list[JobItem], on_result: Callable[[Any], None], should_cancel: Any
) -> SendReport:
    results = []
    for item in items:
        if should_cancel():
            return report(tuple(results), None, cancelled=True)
        result = ItemResult(item.sop_instance_uid, 0, classify(0))
        on_result(result)
        results.append(result)
    return report(tuple(results))


def refused(items: list[JobItem], on_result: Any, should_cancel: Any) -> SendReport:
    return report((), classify(None, association_failure="refused", address="127.0.0.1:1"))


def rejected(items: list[JobItem], on_result: Any, should_cancel: Any) -> SendReport:
    failure = classify(
        None, association_failure="rejected-permanent", detail="called AE title not recognised"
    )
    return report((), failure)


def dose_refused(items: list[JobItem], on_result: Any, should_cancel: Any) -> SendReport:
    results = []
    for item in items:
        if item.sop_class_uid == RT_DOSE:
            c = classify(None, association_failure="no-context", sop_class_uid=RT_DOSE)
            result = ItemResult(item.sop_instance_uid, None, c)
        else:
            result = ItemResult(item.sop_instance_uid, 0, classify(0))
        on_result(result)
        results.append(result)
    return report(tuple(results))


def out_of_resources_once(items: list[JobItem], on_result: Any, should_cancel: Any) -> SendReport:
    results = []
    for n, item in enumerate(items):
        status = 0xA700 if n == 1 else 0
        result = ItemResult(item.sop_instance_uid, status, classify(status))
        on_result(result)
        results.append(result)
    return report(tuple(results))


def crash_after(n: int) -> Callable[..., SendReport]:
    def behaviour(items: list[JobItem], on_result: Any, should_cancel: Any) -> SendReport:
        for item in items[:n]:
            on_result(ItemResult(item.sop_instance_uid, 0, classify(0)))
        raise RuntimeError("worker blew up")

    return behaviour


def wait_for_final_event(events: list[JobChanged], job_id: int, state: str) -> None:
    """Wait until the worker published the job's end (the database says so a moment before
    the worker publishes, so waiting on the state alone races the event)."""
    wait_for(lambda: any(e.job_id == job_id and e.state == state for e in list(events)))


def job_state(queue: SendQueue, job_id: int) -> str:
    job = queue.job(job_id)
    return job.state if job else "missing"


@pytest.fixture
def bus_events() -> tuple[EventBus, list[JobChanged]]:
    bus = EventBus()
    events: list[JobChanged] = []
    bus.subscribe(JobChanged, events.append)
    return bus, events


def make_workers(queue: SendQueue, send: FakeSend, bus: EventBus, **kwargs: Any) -> NodeWorkers:
    options: dict[str, Any] = {
        "owner": "station",
        "retry_base": 0.05,
        "retry_cap": 0.2,
        "poll_interval": 0.02,
        "lease_seconds": 5.0,
        **kwargs,
    }
    return NodeWorkers(queue, send, bus, **options)


def test_worker_retries_with_backoff_then_succeeds(
    queue: SendQueue, bus_events: tuple[EventBus, list[JobChanged]]
) -> None:
    bus, events = bus_events
    send = FakeSend()
    send.script = [refused, refused]
    workers = make_workers(queue, send, bus)
    # Queued (and announced) before the worker runs, so "queued" is surely the first event.
    job_id = submit(workers, "TPS", make_items(3), plan_uid="P1")
    workers.start(["TPS"])
    try:
        wait_for_final_event(events, job_id, "done")
    finally:
        assert workers.stop(5)
    assert len(send.calls) == 3
    job = queue.job(job_id)
    assert job is not None and job.attempts == 2 and job.done == 3
    assert [s for s, _ in history(queue, job_id)] == [
        "queued",
        "in_flight",
        "retrying",
        "in_flight",
        "retrying",
        "in_flight",
        "done",
    ]
    assert "connection refused (nothing listening on 127.0.0.1:1)" in history(queue, job_id)[2][1]
    seen = [e.state for e in events if e.job_id == job_id]
    assert seen[0] == "queued" and seen[-1] == "done" and "retrying" in seen
    retry_event = next(e for e in events if e.state == "retrying")
    assert retry_event.next_attempt_at is not None
    assert (
        "retrying at" in retry_event.message and "because connection refused" in retry_event.message
    )
    assert events[-1].done == events[-1].total == 3


def test_worker_gives_up_after_max_attempts(
    queue: SendQueue, bus_events: tuple[EventBus, list[JobChanged]]
) -> None:
    bus, events = bus_events
    send = FakeSend()
    send.script = [refused] * 10
    workers = make_workers(queue, send, bus)
    workers.start(["TPS"])
    try:
        job_id = submit(workers, "TPS", make_items(2), max_attempts=3)
        wait_for_final_event(events, job_id, "failed")
    finally:
        workers.stop(5)
    assert len(send.calls) == 3
    job = queue.job(job_id)
    assert job is not None and job.last_error.startswith("gave up after 3 attempts: connection")
    assert events[-1].state == "failed"


def test_worker_fails_a_permanent_rejection_at_once(
    queue: SendQueue, bus_events: tuple[EventBus, list[JobChanged]]
) -> None:
    bus, events = bus_events
    send = FakeSend()
    send.script = [rejected]
    workers = make_workers(queue, send, bus)
    workers.start(["TPS"])
    try:
        job_id = submit(workers, "TPS", make_items(2))
        wait_for_final_event(events, job_id, "failed")
    finally:
        workers.stop(5)
    job = queue.job(job_id)
    assert job is not None
    assert job.last_error == "association rejected by the peer: called AE title not recognised"
    assert events[-1].message == f"failed because {job.last_error}"


def test_worker_item_failures_end_failed_and_retry_resends_only_those(
    queue: SendQueue, bus_events: tuple[EventBus, list[JobChanged]]
) -> None:
    bus, events = bus_events
    send = FakeSend()
    send.script = [dose_refused]
    workers = make_workers(queue, send, bus)
    workers.start(["TPS"])
    items = [*make_items(13), *make_items(2, "7.7", RT_DOSE)]
    try:
        job_id = submit(workers, "TPS", items)
        wait_for_final_event(events, job_id, "failed")
        job = queue.job(job_id)
        assert job is not None
        assert job.last_error == (
            "2 of 15 items failed: the receiver does not accept RT Dose Storage"
        )
        assert events[-1].message == f"failed because {job.last_error}"
        assert workers.retry(job_id)
        wait_for(lambda: job_state(queue, job_id) == "done")
    finally:
        workers.stop(5)
    assert send.calls[1][2] == ["7.7.1", "7.7.2"]


def test_worker_retries_items_that_got_out_of_resources(
    queue: SendQueue, bus_events: tuple[EventBus, list[JobChanged]]
) -> None:
    bus, _ = bus_events
    send = FakeSend()
    send.script = [out_of_resources_once]
    workers = make_workers(queue, send, bus)
    workers.start(["TPS"])
    try:
        job_id = submit(workers, "TPS", make_items(3))
        wait_for(lambda: job_state(queue, job_id) == "done")
    finally:
        workers.stop(5)
    assert send.calls[1][2] == ["1.2.3.2"]
    assert "the receiver is out of resources (0xA700)" in history(queue, job_id)[2][1]


def test_crash_mid_job_resumes_with_only_pending_items(
    queue: SendQueue, bus_events: tuple[EventBus, list[JobChanged]]
) -> None:
    bus, _ = bus_events
    send = FakeSend()
    send.script = [crash_after(2)]
    workers = make_workers(queue, send, bus)
    workers.start(["TPS"])
    try:
        job_id = submit(workers, "TPS", make_items(5))
        wait_for(lambda: job_state(queue, job_id) == "done")
    finally:
        workers.stop(5)
    assert send.calls[0][2] == ["1.2.3.1", "1.2.3.2", "1.2.3.3", "1.2.3.4", "1.2.3.5"]
    assert send.calls[1][2] == ["1.2.3.3", "1.2.3.4", "1.2.3.5"]
    assert "internal error while sending: worker blew up" in history(queue, job_id)[2][1]


def test_restart_recovers_a_job_left_in_flight(
    queue: SendQueue, bus_events: tuple[EventBus, list[JobChanged]]
) -> None:
    bus, events = bus_events
    job_id = queue.enqueue("TPS", make_items(4))
    # A previous run of this station claimed it, sent two items, then was SIGKILLed.
    assert queue.claim_next("TPS", "station/TPS", lease_seconds=3600) is not None
    queue.record_item(job_id, "1.2.3.1", "sent", 0, "stored")
    queue.record_item(job_id, "1.2.3.2", "sent", 0, "stored")
    send = FakeSend()
    workers = make_workers(queue, send, bus)
    workers.start(["TPS"])
    try:
        wait_for(lambda: job_state(queue, job_id) == "done")
    finally:
        workers.stop(5)
    assert send.calls == [("TPS", job_id, ["1.2.3.3", "1.2.3.4"])]
    assert events[0].message == "resumed after a restart"


def test_nodes_run_in_parallel_and_jobs_of_a_node_in_order(
    queue: SendQueue, bus_events: tuple[EventBus, list[JobChanged]]
) -> None:
    bus, _ = bus_events
    gate = threading.Barrier(2, timeout=5)

    def meet_then_deliver(items: list[JobItem], on_result: Any, should_cancel: Any) -> SendReport:
        gate.wait()  # both nodes are inside send at the same time, or this times out
        return deliver_all(items, on_result, should_cancel)

    send = FakeSend()
    send.script = [meet_then_deliver, meet_then_deliver]
    workers = make_workers(queue, send, bus)
    first = queue.enqueue("A", make_items(1, "a1"))
    second = queue.enqueue("A", make_items(1, "a2"))
    third = queue.enqueue("B", make_items(1, "b1"))
    workers.start(["A", "B"])
    try:
        wait_for(lambda: all(job_state(queue, j) == "done" for j in (first, second, third)))
    finally:
        workers.stop(5)
    assert send.max_parallel == 2
    a_jobs = [job for node, job, _ in send.calls if node == "A"]
    assert a_jobs == [first, second]


def test_cancel_stops_a_job_after_the_current_item(
    queue: SendQueue, bus_events: tuple[EventBus, list[JobChanged]]
) -> None:
    bus, events = bus_events
    started = threading.Event()
    release = threading.Event()

    def slow(items: list[JobItem], on_result: Any, should_cancel: Any) -> SendReport:
        results = []
        for n, item in enumerate(items):
            if should_cancel():
                return report(tuple(results), None, cancelled=True)
            result = ItemResult(item.sop_instance_uid, 0, classify(0))
            on_result(result)
            results.append(result)
            if n == 0:
                started.set()
                release.wait(5)
        return report(tuple(results))

    send = FakeSend()
    send.script = [slow]
    claims = ClaimWatch(queue)
    workers = make_workers(queue, send, bus)
    workers.start(["TPS"])
    try:
        job_id = submit(workers, "TPS", make_items(4))
        assert started.wait(5)
        assert workers.cancel(job_id)
        release.set()
        wait_for(lambda: any(e.state == "cancelled" for e in events))
        # The worker went back to the queue after the cancel and did not take the job again.
        after_cancel = claims.mark()
        wait_for(lambda: claims.declined_since(after_cancel, "TPS"))
    finally:
        workers.stop(5)
    job = queue.job(job_id)
    assert job is not None and job.state == "cancelled" and job.sent == 1
    assert len(send.calls) == 1 and claims.claimed(job_id) == 1


def test_pause_holds_jobs_until_resume(
    queue: SendQueue, bus_events: tuple[EventBus, list[JobChanged]]
) -> None:
    bus, events = bus_events
    send = FakeSend()
    claims = ClaimWatch(queue)
    workers = make_workers(queue, send, bus)
    workers.start(["TPS"])
    try:
        workers.pause_node("TPS")
        job_id = submit(workers, "TPS", make_items(2))
        # The worker looked at the queue with the job in it and left it there.
        after_submit = claims.mark()
        wait_for(lambda: claims.declined_since(after_submit, "TPS"))
        assert job_state(queue, job_id) == "queued" and not send.calls
        assert claims.claimed(job_id) == 0
        workers.resume_node("TPS")
        wait_for(lambda: job_state(queue, job_id) == "done")
    finally:
        workers.stop(5)
    assert any(e.message == "TPS resumed" for e in events)


def test_a_job_taken_the_moment_its_node_resumes_still_says_resumed(
    queue: SendQueue,
    bus_events: tuple[EventBus, list[JobChanged]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker may claim a job between the resume and the announcement: the job's
    history must still say that its node was resumed."""
    bus, events = bus_events
    workers = make_workers(queue, FakeSend(), bus)  # not started: the test claims by hand
    workers.pause_node("TPS")
    job_id = submit(workers, "TPS", make_items(1))
    resume = queue.resume_node

    def resume_then_claim(node: str, now: float | None = None) -> None:
        resume(node, now)
        assert queue.claim_next(node, "station") is not None  # the worker was quicker

    monkeypatch.setattr(queue, "resume_node", resume_then_claim)
    workers.resume_node("TPS")
    assert [e.message for e in events if e.job_id == job_id][-1] == "TPS resumed"


def test_stop_hands_the_job_back_without_counting_an_attempt(
    queue: SendQueue, bus_events: tuple[EventBus, list[JobChanged]]
) -> None:
    bus, _ = bus_events
    started = threading.Event()

    def stuck_until_cancel(items: list[JobItem], on_result: Any, should_cancel: Any) -> SendReport:
        on_result(ItemResult(items[0].sop_instance_uid, 0, classify(0)))
        started.set()
        while not should_cancel():
            time.sleep(0.01)
        return report((), None, cancelled=True)

    send = FakeSend()
    send.script = [stuck_until_cancel]
    workers = make_workers(queue, send, bus)
    workers.start(["TPS"])
    job_id = submit(workers, "TPS", make_items(3))
    assert started.wait(5)
    assert workers.stop(5)
    job = queue.job(job_id)
    assert job is not None and job.state == "queued" and job.attempts == 0 and job.sent == 1
    assert history(queue, job_id)[-1] == ("queued", "stopped: the station is shutting down")


def test_update_nodes_starts_and_stops_workers(
    queue: SendQueue, bus_events: tuple[EventBus, list[JobChanged]]
) -> None:
    bus, _ = bus_events
    workers = make_workers(queue, FakeSend(), bus)
    workers.start(["A"])
    try:
        workers.update_nodes(["B", "C"])
        assert workers.nodes == ("B", "C")
        job_id = submit(workers, "C", make_items(1))
        wait_for(lambda: job_state(queue, job_id) == "done")
    finally:
        assert workers.stop(5)
    assert workers.nodes == ()


def test_repeated_refusals_are_logged_once(
    queue: SendQueue,
    bus_events: tuple[EventBus, list[JobChanged]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus, _ = bus_events
    send = FakeSend()
    send.script = [refused] * 4
    workers = make_workers(queue, send, bus)
    caplog.set_level("DEBUG", logger="rtstation.routing.workers")
    workers.start(["TPS"])
    try:
        job_id = submit(workers, "TPS", make_items(1))
        wait_for(lambda: job_state(queue, job_id) == "done")
    finally:
        workers.stop(5)
    warnings = [
        r for r in caplog.records if r.levelname == "WARNING" and "Cannot send to TPS" in r.message
    ]
    debugs = [
        r for r in caplog.records if r.levelname == "DEBUG" and "Cannot send to TPS" in r.message
    ]
    assert len(warnings) == 1 and len(debugs) == 3


def test_classified_outcomes_are_shared_with_net() -> None:
    # The worker only depends on dicom.status: a result carrying any Classified works.
    assert Classified(Outcome.SUCCESS, False, "stored") == classify(0)


def test_pause_mid_job_hands_it_back_after_the_current_item(
    queue: SendQueue, bus_events: tuple[EventBus, list[JobChanged]]
) -> None:
    bus, _ = bus_events
    started = threading.Event()
    release = threading.Event()

    def slow(items: list[JobItem], on_result: Any, should_cancel: Any) -> SendReport:
        for n, item in enumerate(items):
            if should_cancel():
                return report((), None, cancelled=True)
            on_result(ItemResult(item.sop_instance_uid, 0, classify(0)))
            if n == 0:
                started.set()
                release.wait(5)
        return report(())

    send = FakeSend()
    send.script = [slow]
    workers = make_workers(queue, send, bus)
    workers.start(["TPS"])
    try:
        job_id = submit(workers, "TPS", make_items(4))
        assert started.wait(5)
        workers.pause_node("TPS")
        release.set()
        wait_for(lambda: job_state(queue, job_id) == "queued")
        job = queue.job(job_id)
        assert job is not None and job.sent == 1 and job.attempts == 0
        assert history(queue, job_id)[-1] == ("queued", "paused: TPS is paused")
        workers.resume_node("TPS")
        wait_for(lambda: job_state(queue, job_id) == "done")
    finally:
        workers.stop(5)
    assert send.calls[1][2] == ["1.2.3.2", "1.2.3.3", "1.2.3.4"]
