"""The durable send queue: jobs, their items, their history and what was delivered where.

Why SQLite and why this shape:

* **Durable and at-least-once.** A job is a row that moves ``queued -> in_flight ->
  done | failed`` (with ``retrying`` and ``cancelled`` on the side) and is never deleted
  when taken, unlike huey's dequeue. Each item's result is written as it happens, so a
  worker killed in the middle of a 300-slice series resends only what was not yet
  recorded as sent; the one item in flight at the kill may reach the peer twice, which a
  DICOM receiver treats as an update of the same instance.
* **Leases instead of locks.** ``claim_next`` marks a job ``in_flight`` with an owner and
  a lease time. A worker renews the lease while it sends; if its process dies, the lease
  runs out and any process may claim the job again. ``recover(owner)`` hands back at once
  the jobs a restarted station left in flight.
* **Several threads and several processes.** Each ``SendQueue`` has its own connection to
  the station database (:mod:`rtstation.database`: WAL, ``synchronous=FULL``, one busy
  timeout, one schema history) guarded by a lock; every write runs in ``BEGIN IMMEDIATE``
  so two processes serialise on the database file and never claim the same job.
* **Strictly in order per node.** Only the oldest active job of a node may be claimed;
  while it waits for its retry time, later jobs for that node wait too. ARIA needs the
  images before the plan, and a peer that is down for one job is down for all of them.
* **Deliveries remember** which instance (by content hash) reached which node, so a plan
  sent again by a rule does not resend its 300 CT slices unless the user forces it.
* **A follow-up job only follows a delivered plan** (:mod:`rtstation.routing.follow_ups`):
  a follow-up at the head of its node's queue whose plan's job there did not end ``done``
  is withdrawn by :meth:`SendQueue.claim_next`, with the reason.

Decision on jobs with nothing left to send: ``enqueue`` still records the job, with every
item ``skipped`` and the job ``done``, and returns its id. The queue view then shows that
the rule fired and why nothing went out, which a physicist asks about more often than
about a job that did send.

The queue is three modules: this one (opening, enqueue, claim, leases and what a person
asks for), :mod:`~rtstation.routing.queue_results` (what a worker reports back) and
:mod:`~rtstation.routing.queue_reads` (queries); the records are in
:mod:`~rtstation.routing.queue_records`.

Times are seconds since the epoch (``time.time()``), stored as REAL; every method that
changes state takes an optional ``now`` so tests can drive the clock.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from rtstation.database import BUSY_TIMEOUT_SECONDS, Database
from rtstation.routing.follow_ups import withdrawal_reason
from rtstation.routing.queue_reads import QueueReads
from rtstation.routing.queue_records import (
    ACTIVE_STATES,
    ITEM_COLUMNS,
    ITEM_STATES,
    JOB_STATES,
    Job,
    JobEvent,
    JobItem,
    QueueItem,
    add_event,
    clock,
    placeholders,
)
from rtstation.routing.queue_results import QueueResults

__all__ = [
    "ACTIVE_STATES",
    "ITEM_STATES",
    "JOB_STATES",
    "Job",
    "JobEvent",
    "JobItem",
    "QueueItem",
    "SendQueue",
]

LOGGER = logging.getLogger(__name__)


class SendQueue(QueueResults, QueueReads):
    """The queue on one SQLite file; safe to share between threads and processes."""

    def __init__(self, db_path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.db_path = Path(db_path)
        self._db = Database(self.db_path, busy_timeout=busy_timeout)

    def close(self) -> None:
        """Close the connection; the object must not be used afterwards."""
        self._db.close()

    def __enter__(self) -> SendQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- enqueue and claim ---------------------------------------------------------------

    def enqueue(
        self,
        node: str,
        items: Sequence[QueueItem],
        *,
        plan_uid: str = "",
        plan_label: str = "",
        patient_id: str = "",
        source: str = "manual",
        force: bool = False,
        max_attempts: int = 8,
        follow_up: bool = False,
        now: float | None = None,
    ) -> int:
        """Record a job for ``node`` sending ``items`` in the order given; return its id.

        When an active job for the same node and plan already exists, its id is returned
        and nothing is added. Items already delivered to the node with the same content
        hash are marked ``skipped`` unless ``force``; a job left with nothing to send is
        recorded as ``done`` (see the module docstring). Duplicate UIDs keep their first
        occurrence. ``follow_up`` (instances that arrived after the plan was queued) and
        ``force`` always add a job; per-node ordering keeps it behind the first one, and a
        follow-up is withdrawn instead of sent unless the plan's job to the node ended
        ``done`` (:meth:`claim_next`).
        """
        if not items:
            raise ValueError(f"A send job to '{node}' needs at least one instance: got none")
        if max_attempts < 1:
            raise ValueError(f"max_attempts '{max_attempts}' is invalid: must be 1 or more")
        at = clock(now)
        with self._db.transaction() as conn:
            if plan_uid and not follow_up and not force:
                row = conn.execute(
                    f"SELECT id FROM jobs WHERE node = ? AND plan_uid = ? AND state IN "
                    f"({placeholders(ACTIVE_STATES)}) ORDER BY id LIMIT 1",
                    (node, plan_uid, *ACTIVE_STATES),
                ).fetchone()
                if row is not None:
                    LOGGER.info(
                        "Plan %s already has active job %s for %s; not queuing another",
                        plan_uid,
                        row[0],
                        node,
                    )
                    return int(row[0])
            cursor = conn.execute(
                "INSERT INTO jobs (node, plan_uid, plan_label, patient_id, source, state, "
                "max_attempts, next_attempt_at, created_at, updated_at, forced, follow_up) "
                "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)",
                (
                    node,
                    plan_uid,
                    plan_label,
                    patient_id,
                    source,
                    max_attempts,
                    at,
                    at,
                    at,
                    int(force),
                    int(follow_up),
                ),
            )
            job_id = int(cursor.lastrowid or 0)
            seen: set[str] = set()
            skipped = 0
            seq = 0
            for item in items:
                if item.sop_instance_uid in seen:
                    continue
                seen.add(item.sop_instance_uid)
                state, reason = "pending", ""
                if not force:
                    delivered = conn.execute(
                        "SELECT job_id FROM deliveries WHERE node = ? AND sop_instance_uid = ? "
                        "AND content_hash = ?",
                        (node, item.sop_instance_uid, item.content_hash),
                    ).fetchone()
                    if delivered is not None:
                        state = "skipped"
                        reason = f"already delivered to {node} by job {delivered[0]}"
                        skipped += 1
                seq += 1
                conn.execute(
                    f"INSERT INTO job_items ({ITEM_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL)",
                    (
                        job_id,
                        seq,
                        item.sop_instance_uid,
                        item.sop_class_uid,
                        item.transfer_syntax_uid,
                        item.path,
                        item.size,
                        item.content_hash,
                        state,
                        reason,
                    ),
                )
            if skipped == seq:
                conn.execute(
                    "UPDATE jobs SET state = 'done', finished_at = ? WHERE id = ?", (at, job_id)
                )
                add_event(
                    conn,
                    job_id,
                    at,
                    "done",
                    f"nothing to send: all {seq} instances were already delivered to {node}",
                )
            else:
                note = f" ({skipped} already delivered, skipped)" if skipped else ""
                forced = " (forced: sending again what was delivered before)" if force else ""
                add_event(
                    conn, job_id, at, "queued", f"queued {seq - skipped} instances{note}{forced}"
                )
        LOGGER.info(
            "Queued job %s for %s: plan %s, %d instances, %d skipped, source %s",
            job_id,
            node,
            plan_uid or "-",
            seq,
            skipped,
            source,
        )
        return job_id

    def change_counter(self) -> int:
        """A number that changes when another connection committed to the database (a job
        queued by another process, say); see :meth:`Database.data_version`."""
        return self._db.data_version()

    def claim_next(
        self,
        node: str,
        owner: str,
        now: float | None = None,
        lease_seconds: float = 60.0,
        *,
        withdrawn: list[int] | None = None,
    ) -> Job | None:
        """Take the node's oldest active job if it is due, marking it ``in_flight``.

        None when the node is paused, has nothing active, its oldest job waits for its
        retry time, or another owner holds a live lease on it. A job whose lease expired
        (its worker died) is taken over. Follow-up jobs at the head whose plan was not
        delivered to the node are withdrawn first (see :meth:`_withdraw_orphans`); their
        ids are appended to ``withdrawn`` so the caller can announce them.
        """
        at = clock(now)
        ended: list[int] = []
        try:
            with self._db.transaction() as conn:
                paused = conn.execute(
                    "SELECT paused FROM node_state WHERE node = ?", (node,)
                ).fetchone()
                if paused is not None and paused[0]:
                    return None
                ended = self._withdraw_orphans(conn, node, at)
                head = conn.execute(
                    f"SELECT id, state, next_attempt_at, lease_owner, lease_until, attempts, "
                    f"max_attempts FROM jobs WHERE node = ? AND state IN "
                    f"({placeholders(ACTIVE_STATES)}) ORDER BY id LIMIT 1",
                    (node, *ACTIVE_STATES),
                ).fetchone()
                if head is None:
                    return None
                job_id, state, next_at, lease_owner, lease_until, attempts, max_attempts = head
                if state == "in_flight":
                    if lease_until > at:
                        return None
                    message = (
                        f"taken over from {lease_owner or 'a stopped worker'}: its lease expired"
                    )
                    LOGGER.warning("Job %s for %s %s", job_id, node, message)
                elif next_at > at:
                    return None
                else:
                    message = f"sending (attempt {attempts + 1} of {max_attempts})"
                conn.execute(
                    "UPDATE jobs SET state = 'in_flight', lease_owner = ?, lease_until = ?, "
                    "updated_at = ?, started_at = COALESCE(started_at, ?) WHERE id = ?",
                    (owner, at + lease_seconds, at, at, job_id),
                )
                add_event(conn, job_id, at, "in_flight", message)
        finally:
            for ended_id in ended:
                LOGGER.info(
                    "Job %s for %s withdrawn: its plan was not delivered there", ended_id, node
                )
            if withdrawn is not None:
                withdrawn.extend(ended)
        return self.job(job_id)

    def _withdraw_orphans(self, conn: sqlite3.Connection, node: str, at: float) -> list[int]:
        """Cancel the follow-up jobs at the head of ``node``'s queue whose plan never got there.

        A follow-up is at the head only when every earlier job of the node has ended. If
        none of its plan's jobs to the node ended ``done`` (cancelled, failed, never
        queued), it is ended ``cancelled`` with the reason, so nothing of a plan a person
        cancelled, or one the node refused, is sent by itself. Returns the withdrawn ids.
        """
        withdrawn: list[int] = []
        while True:
            head = conn.execute(
                f"SELECT id, state FROM jobs WHERE node = ? AND state IN "
                f"({placeholders(ACTIVE_STATES)}) ORDER BY id LIMIT 1",
                (node, *ACTIVE_STATES),
            ).fetchone()
            if head is None or head[1] == "in_flight":
                return withdrawn
            reason = withdrawal_reason(conn, int(head[0]))
            if reason is None:
                return withdrawn
            conn.execute(
                "UPDATE jobs SET state = 'cancelled', last_error = ?, finished_at = ?, "
                "updated_at = ?, lease_owner = '', lease_until = 0 WHERE id = ?",
                (reason, at, at, head[0]),
            )
            add_event(conn, int(head[0]), at, "cancelled", reason)
            withdrawn.append(int(head[0]))

    def renew_lease(
        self, job_id: int, owner: str, lease_seconds: float, now: float | None = None
    ) -> bool:
        """Extend the lease; False when ``owner`` no longer holds the job (cancelled, taken)."""
        at = clock(now)
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE jobs SET lease_until = ?, updated_at = ? "
                "WHERE id = ? AND lease_owner = ? AND state = 'in_flight'",
                (at + lease_seconds, at, job_id, owner),
            )
            return cursor.rowcount == 1

    def recover(self, owner: str, now: float | None = None) -> list[int]:
        """Put back to ``queued`` the jobs ``owner`` (or ``owner/...``) left in flight.

        Called when a station starts: its previous run cannot still be sending them.
        """
        at = clock(now)
        prefix = owner + "/"
        with self._db.transaction() as conn:
            ids = [
                int(row[0])
                for row in conn.execute(
                    "SELECT id FROM jobs WHERE state = 'in_flight' AND (lease_owner = ? OR "
                    "substr(lease_owner, 1, ?) = ?) ORDER BY id",
                    (owner, len(prefix), prefix),
                )
            ]
            for job_id in ids:
                conn.execute(
                    "UPDATE jobs SET state = 'queued', lease_owner = '', lease_until = 0, "
                    "next_attempt_at = ?, updated_at = ? WHERE id = ?",
                    (at, at, job_id),
                )
                add_event(
                    conn, job_id, at, "queued", "resumed after a restart: the last send was cut off"
                )
        if ids:
            LOGGER.info("Recovered %d interrupted job(s) of %s: %s", len(ids), owner, ids)
        return ids

    # --- user actions --------------------------------------------------------------------

    def retry(self, job_id: int, now: float | None = None) -> bool:
        """Try again: a failed or cancelled job is queued afresh (attempts reset, failed
        items pending again); a job waiting for its retry time is made due now.

        A retried follow-up becomes an ordinary job: a person asked for it, so it goes
        whether or not its plan's job was delivered."""
        at = clock(now)
        with self._db.transaction() as conn:
            row = conn.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return False
            if row[0] == "retrying":
                conn.execute(
                    "UPDATE jobs SET next_attempt_at = ?, updated_at = ? WHERE id = ?",
                    (at, at, job_id),
                )
                add_event(conn, job_id, at, "retrying", "retry now requested")
                return True
            if row[0] not in ("failed", "cancelled"):
                return False
            conn.execute(
                "UPDATE job_items SET state = 'pending', status = NULL, reason = '' "
                "WHERE job_id = ? AND state = 'failed'",
                (job_id,),
            )
            conn.execute(
                "UPDATE jobs SET state = 'queued', attempts = 0, last_error = '', "
                "next_attempt_at = ?, finished_at = NULL, updated_at = ?, lease_owner = '', "
                "lease_until = 0, follow_up = 0 WHERE id = ?",
                (at, at, job_id),
            )
            add_event(conn, job_id, at, "queued", "retry requested")
        LOGGER.info("Job %s queued again on request", job_id)
        return True

    def cancel(self, job_id: int, now: float | None = None) -> bool:
        """Stop a job that is queued, waiting or sending (the worker stops after the item
        in progress). Items already delivered stay delivered. False if it had ended."""
        at = clock(now)
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"UPDATE jobs SET state = 'cancelled', finished_at = ?, updated_at = ?, "
                f"lease_owner = '', lease_until = 0 WHERE id = ? AND state IN "
                f"({placeholders(ACTIVE_STATES)})",
                (at, at, job_id, *ACTIVE_STATES),
            )
            if cursor.rowcount != 1:
                return False
            add_event(conn, job_id, at, "cancelled", "cancelled on request")
        LOGGER.info("Job %s cancelled", job_id)
        return True

    def pause_node(self, node: str, now: float | None = None) -> None:
        """No job of ``node`` is claimed until :meth:`resume_node`."""
        self._set_paused(node, True, now)

    def resume_node(self, node: str, now: float | None = None) -> None:
        """Let ``node``'s jobs be claimed again."""
        self._set_paused(node, False, now)

    def _set_paused(self, node: str, paused: bool, now: float | None) -> None:
        at = clock(now)
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO node_state (node, paused, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (node) DO UPDATE SET paused = excluded.paused, "
                "updated_at = excluded.updated_at",
                (node, int(paused), at),
            )
        LOGGER.info("Node %s %s", node, "paused" if paused else "resumed")

    # --- reading -------------------------------------------------------------------------
