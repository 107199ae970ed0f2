"""The send history: every job with its trigger, patient and times, kept after the queue
view lets go of it.

The queue (:mod:`rtstation.routing.send_queue`) is what the workers need; the history is
what a physicist or an audit asks afterwards: "what went where, when, and why". It reads
the same tables (the station database), so it needs no copy of anything: a job's
``created_at`` (queued), ``started_at`` (first claim), ``finished_at`` and ``source`` (the
trigger) are written by the queue as the job moves. "Clear finished" only stamps
``cleared_at``; the rows stay, because an audit must not lose a delivery because a user
tidied a view.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from rtstation.database import BUSY_TIMEOUT_SECONDS, Database
from rtstation.routing.send_queue import ACTIVE_STATES
from rtstation.routing.triggers import Trigger, parse_trigger

FINISHED_STATES = ("done", "failed", "cancelled")


@dataclass(frozen=True)
class HistoryEntry:
    """One send job as the history shows it (times in seconds since the epoch)."""

    job_id: int
    node: str
    plan_uid: str
    plan_label: str
    patient_id: str
    trigger: Trigger
    state: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    total: int
    sent: int
    skipped: int
    failed: int
    last_error: str


class SendHistory:
    """Reads the history and clears finished jobs from the queue view."""

    def __init__(self, db_path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self._db = Database(Path(db_path), busy_timeout=busy_timeout)

    def close(self) -> None:
        self._db.close()

    def entries(self, since: float | None = None, until: float | None = None) -> list[HistoryEntry]:
        """Jobs queued in [since, until), oldest first, with their item counts."""
        rows = self._db.query(
            "SELECT j.id, j.node, j.plan_uid, j.plan_label, j.patient_id, j.source, j.state, "
            "j.created_at, j.started_at, j.finished_at, j.last_error, "
            "COUNT(i.seq), "
            "COALESCE(SUM(i.state = 'sent'), 0), COALESCE(SUM(i.state = 'skipped'), 0), "
            "COALESCE(SUM(i.state = 'failed'), 0) "
            "FROM jobs j LEFT JOIN job_items i ON i.job_id = j.id "
            "WHERE j.created_at >= ? AND j.created_at < ? GROUP BY j.id ORDER BY j.id",
            (since if since is not None else float("-inf"), until or float("inf")),
        )
        return [
            HistoryEntry(
                job_id=row[0],
                node=row[1],
                plan_uid=row[2],
                plan_label=row[3],
                patient_id=row[4],
                trigger=parse_trigger(row[5]),
                state=row[6],
                created_at=row[7],
                started_at=row[8],
                finished_at=row[9],
                last_error=row[10],
                total=row[11],
                sent=row[12],
                skipped=row[13],
                failed=row[14],
            )
            for row in rows
        ]

    def clear_finished(self, now: float | None = None) -> int:
        """Take every finished job off the queue view; return how many. History keeps them."""
        at = time.time() if now is None else now
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE jobs SET cleared_at = ? WHERE cleared_at IS NULL AND state IN (?, ?, ?)",
                (at, *FINISHED_STATES),
            )
            return cursor.rowcount

    def plans_with_pending_work(self) -> set[str]:
        """Plans with an active job (queued, sending or waiting to retry)."""
        marks = ", ".join("?" for _ in ACTIVE_STATES)
        rows = self._db.query(
            f"SELECT DISTINCT plan_uid FROM jobs WHERE plan_uid != '' AND state IN ({marks})",
            ACTIVE_STATES,
        )
        return {row[0] for row in rows}


def active_jobs_in(
    conn: sqlite3.Connection, sop_instance_uids: Sequence[str], plan_uids: Collection[str] = ()
) -> list[tuple[int, str, str, str]]:
    """(job id, node, state, plan label) of active jobs that still have to send one of
    these instances, or that belong to one of these plans.

    Takes a connection so a delete can ask inside its own transaction (same database).
    """
    active = ", ".join("?" for _ in ACTIVE_STATES)
    found: dict[int, tuple[int, str, str, str]] = {}
    uids = list(sop_instance_uids)
    for start in range(0, len(uids), 500):
        chunk = uids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in conn.execute(
            f"SELECT DISTINCT j.id, j.node, j.state, j.plan_label FROM job_items i "
            f"JOIN jobs j ON j.id = i.job_id WHERE i.sop_instance_uid IN ({marks}) "
            f"AND i.state = 'pending' AND j.state IN ({active})",
            (*chunk, *ACTIVE_STATES),
        ):
            found[int(row[0])] = (int(row[0]), row[1], row[2], row[3])
    plans = list(plan_uids)
    for start in range(0, len(plans), 500):
        chunk = plans[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in conn.execute(
            f"SELECT id, node, state, plan_label FROM jobs WHERE plan_uid IN ({marks}) "
            f"AND state IN ({active})",
            (*chunk, *ACTIVE_STATES),
        ):
            found[int(row[0])] = (int(row[0]), row[1], row[2], row[3])
    return [found[k] for k in sorted(found)]
