"""What a send worker reports back to the queue: each item's result, and how a job ends.

A mixin of :class:`rtstation.routing.send_queue.SendQueue` (which holds the connection,
``self._db``). Every method checks that the caller still holds the job's lease
(:func:`~rtstation.routing.queue_records.owned_job`): a worker whose lease ran out while it
was stalled must not overwrite what the process that took the job over recorded.
"""

from __future__ import annotations

import logging
from collections import Counter

from rtstation.database import Database
from rtstation.routing.queue_records import ITEM_STATES, add_event, clock, owned_job

LOGGER = logging.getLogger(__name__)


class QueueResults:
    """Results of items and the end of jobs, written by the lease holder."""

    _db: Database

    # --- results -------------------------------------------------------------------------

    def record_item(
        self,
        job_id: int,
        sop_instance_uid: str,
        state: str,
        status: int | None = None,
        reason: str = "",
        now: float | None = None,
    ) -> bool:
        """Write one item's result; a ``sent`` item is also recorded as delivered.

        This is called after every C-STORE, before the next one, so what a killed process
        loses is at most the item on the wire. A ``sent`` result is committed without
        waiting for the disk (it is in the WAL at once, so a killed process keeps it, and
        reaches the disk with the next durable commit, the job's end at the latest): a
        power cut can lose the last of them, and the restart then sends those items again,
        which the receiver takes as duplicates (same bytes). Waiting for the disk after every
        C-STORE took a fifth of the send loop. Every other result (a refusal, which must not
        be retried by itself) waits for the disk.
        """
        if state not in ITEM_STATES:
            raise ValueError(f"Item state '{state}' is unknown: expected one of {ITEM_STATES}")
        at = clock(now)
        with self._db.transaction(durable=state != "sent") as conn:
            cursor = conn.execute(
                "UPDATE job_items SET state = ?, status = ?, reason = ?, sent_at = ? "
                "WHERE job_id = ? AND sop_instance_uid = ?",
                (state, status, reason, at if state == "sent" else None, job_id, sop_instance_uid),
            )
            if cursor.rowcount != 1:
                return False
            if state == "sent":
                conn.execute(
                    "INSERT OR REPLACE INTO deliveries "
                    "(node, sop_instance_uid, content_hash, delivered_at, job_id) "
                    "SELECT j.node, i.sop_instance_uid, i.content_hash, ?, j.id "
                    "FROM job_items i JOIN jobs j ON j.id = i.job_id "
                    "WHERE i.job_id = ? AND i.sop_instance_uid = ?",
                    (at, job_id, sop_instance_uid),
                )
            conn.execute("UPDATE jobs SET updated_at = ? WHERE id = ?", (at, job_id))
        return True

    def complete(self, job_id: int, owner: str, now: float | None = None) -> str | None:
        """End an attempt in which every item got its final answer.

        The job is ``done`` when nothing failed, else ``failed`` with a reason such as
        "2 of 15 items failed: the receiver does not accept RT Dose Storage"; the items
        that were delivered stay delivered, so a later retry resends only the failed ones.
        Returns the new state, or None when ``owner`` no longer holds the job.
        """
        at = clock(now)
        with self._db.transaction() as conn:
            if owned_job(conn, job_id, owner) is None:
                return None
            rows = conn.execute(
                "SELECT state, reason FROM job_items WHERE job_id = ? ORDER BY seq", (job_id,)
            ).fetchall()
            states = Counter(state for state, _ in rows)
            reasons = [reason for state, reason in rows if state == "failed"]
            total = len(rows)
            if not states["failed"] and not states["pending"]:
                state = "done"
                skipped = f", {states['skipped']} already there" if states["skipped"] else ""
                message = f"delivered {states['sent']} of {total} instances{skipped}"
                last_error = ""
            else:
                state = "failed"
                parts = []
                if states["failed"]:
                    distinct = list(dict.fromkeys(reasons))
                    more = f" (and {len(distinct) - 1} other reasons)" if len(distinct) > 1 else ""
                    parts.append(f"{states['failed']} of {total} items failed: {distinct[0]}{more}")
                if states["pending"]:
                    parts.append(f"{states['pending']} of {total} items were not sent")
                message = last_error = "; ".join(parts)
            conn.execute(
                "UPDATE jobs SET state = ?, last_error = ?, finished_at = ?, updated_at = ?, "
                "lease_owner = '', lease_until = 0 WHERE id = ?",
                (state, last_error, at, at, job_id),
            )
            add_event(conn, job_id, at, state, message)
        LOGGER.info("Job %s %s: %s", job_id, state, message)
        return state

    def schedule_retry(
        self, job_id: int, owner: str, delay: float, reason: str, now: float | None = None
    ) -> str | None:
        """Count a failed attempt; retry after ``delay`` seconds, or fail after the last one.

        Returns "retrying" or "failed", or None when ``owner`` no longer holds the job.
        """
        at = clock(now)
        with self._db.transaction() as conn:
            row = owned_job(conn, job_id, owner)
            if row is None:
                return None
            attempts = int(row[2]) + 1
            max_attempts = int(row[3])
            if attempts >= max_attempts:
                state = "failed"
                message = f"gave up after {attempts} attempts: {reason}"
                conn.execute(
                    "UPDATE jobs SET state = 'failed', attempts = ?, last_error = ?, "
                    "finished_at = ?, updated_at = ?, lease_owner = '', lease_until = 0 "
                    "WHERE id = ?",
                    (attempts, message, at, at, job_id),
                )
            else:
                state = "retrying"
                message = (
                    f"attempt {attempts} of {max_attempts} failed: {reason}; "
                    f"next attempt in {delay:.0f} s"
                )
                conn.execute(
                    "UPDATE jobs SET state = 'retrying', attempts = ?, last_error = ?, "
                    "next_attempt_at = ?, updated_at = ?, lease_owner = '', lease_until = 0 "
                    "WHERE id = ?",
                    (attempts, reason, at + delay, at, job_id),
                )
            add_event(conn, job_id, at, state, message)
        return state

    def fail(self, job_id: int, owner: str, reason: str, now: float | None = None) -> bool:
        """End the job as ``failed`` (a permanent problem such as a rejected AE title)."""
        at = clock(now)
        with self._db.transaction() as conn:
            if owned_job(conn, job_id, owner) is None:
                return False
            conn.execute(
                "UPDATE jobs SET state = 'failed', attempts = attempts + 1, last_error = ?, "
                "finished_at = ?, updated_at = ?, lease_owner = '', lease_until = 0 WHERE id = ?",
                (reason, at, at, job_id),
            )
            add_event(conn, job_id, at, "failed", reason)
        return True

    def requeue(self, job_id: int, owner: str, reason: str, now: float | None = None) -> bool:
        """Hand an in-flight job back without counting an attempt (stop, pause)."""
        at = clock(now)
        with self._db.transaction() as conn:
            if owned_job(conn, job_id, owner) is None:
                return False
            conn.execute(
                "UPDATE jobs SET state = 'queued', next_attempt_at = ?, updated_at = ?, "
                "lease_owner = '', lease_until = 0 WHERE id = ?",
                (at, at, job_id),
            )
            add_event(conn, job_id, at, "queued", reason)
        return True
