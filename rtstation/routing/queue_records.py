"""The send queue's records: jobs, their items and history, as plain frozen values.

Kept apart from :mod:`rtstation.routing.send_queue` (which changes the queue) and
:mod:`rtstation.routing.queue_reads` (which reads it) so the GUI, the CLI and the workers
can name these types without pulling in the queue's database code.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

LOGGER = logging.getLogger(__name__)

JOB_STATES = ("queued", "in_flight", "retrying", "done", "failed", "cancelled")
ACTIVE_STATES = ("queued", "in_flight", "retrying")
ITEM_STATES = ("pending", "sent", "failed", "skipped")


@dataclass(frozen=True)
class QueueItem:
    """One instance to send, as the caller hands it to :meth:`SendQueue.enqueue`.

    ``content_hash`` identifies the bytes (any stable digest the catalog keeps); an empty
    hash still deduplicates by UID alone.
    """

    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    path: str
    size: int = 0
    content_hash: str = ""


@dataclass(frozen=True)
class JobItem:
    """A stored item of a job, with how it ended so far (``state`` in ITEM_STATES)."""

    job_id: int
    seq: int
    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    path: str
    size: int
    content_hash: str
    state: str
    status: int | None
    reason: str
    sent_at: float | None


@dataclass(frozen=True)
class JobEvent:
    """One line of a job's history."""

    job_id: int
    at: float
    state: str
    message: str


@dataclass(frozen=True)
class Job:
    """A send job with its item counters (``done`` = sent + skipped, out of ``total``)."""

    id: int
    node: str
    plan_uid: str
    plan_label: str
    patient_id: str
    source: str
    state: str
    attempts: int
    max_attempts: int
    next_attempt_at: float
    last_error: str
    created_at: float
    updated_at: float
    finished_at: float | None
    lease_owner: str
    lease_until: float
    forced: bool
    follow_up: bool = False
    total: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    pending: int = 0
    started_at: float | None = None
    """When the job first went out (its first claim); None while it never did."""
    cleared_at: float | None = None
    """When "Clear finished" took it off the queue view; the send history still has it."""

    @property
    def done(self) -> int:
        """Items that need nothing more: delivered now or before."""
        return self.sent + self.skipped

    @property
    def active(self) -> bool:
        """Still queued, sending or waiting for a retry."""
        return self.state in ACTIVE_STATES


JOB_COLUMNS = (
    "id, node, plan_uid, plan_label, patient_id, source, state, attempts, max_attempts, "
    "next_attempt_at, last_error, created_at, updated_at, finished_at, lease_owner, "
    "lease_until, forced, follow_up, started_at, cleared_at"
)
ITEM_COLUMNS = (
    "job_id, seq, sop_instance_uid, sop_class_uid, transfer_syntax_uid, path, size, "
    "content_hash, state, status, reason, sent_at"
)


def like_escape(text: str) -> str:
    """``text`` as a literal LIKE prefix (escape character ``!``)."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def placeholders(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def jobs_with_counts(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Job]:
    """``Job`` records for ``rows`` of ``JOB_COLUMNS``, with their item counts (one query)."""
    if not rows:
        return []
    ids = [row[0] for row in rows]
    counts: dict[int, dict[str, int]] = {job_id: {} for job_id in ids}
    for job_id, state, n in conn.execute(
        f"SELECT job_id, state, COUNT(*) FROM job_items WHERE job_id IN ({placeholders(ids)}) "
        "GROUP BY job_id, state",
        ids,
    ):
        counts[job_id][state] = n
    jobs = []
    for row in rows:
        c = counts[row[0]]
        jobs.append(
            Job(
                *row[:16],
                forced=bool(row[16]),
                follow_up=bool(row[17]),
                total=sum(c.values()),
                sent=c.get("sent", 0),
                failed=c.get("failed", 0),
                skipped=c.get("skipped", 0),
                pending=c.get("pending", 0),
                started_at=row[18],
                cleared_at=row[19],
            )
        )
    return jobs


def clock(now: float | None) -> float:
    """``now``, or the time: every state change takes an optional ``now`` for tests."""
    return time.time() if now is None else now


def add_event(conn: sqlite3.Connection, job_id: int, at: float, state: str, message: str) -> None:
    """One line of a job's history."""
    conn.execute(
        "INSERT INTO job_events (job_id, at, state, message) VALUES (?, ?, ?, ?)",
        (job_id, at, state, message),
    )


def owned_job(conn: sqlite3.Connection, job_id: int, owner: str) -> sqlite3.Row | None:
    """The job row if ``owner`` holds its lease, else None (and a log line why)."""
    row = conn.execute(
        "SELECT state, lease_owner, attempts, max_attempts, node FROM jobs WHERE id = ?",
        (job_id,),
    ).fetchone()
    if row is None or row[0] != "in_flight" or row[1] != owner:
        LOGGER.info(
            "Job %s is no longer held by %s (state %s); leaving it as it is",
            job_id,
            owner,
            row[0] if row else "missing",
        )
        return None
    return row
