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

Times are seconds since the epoch (``time.time()``), stored as REAL; every method that
changes state takes an optional ``now`` so tests can drive the clock.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rtstation.database import BUSY_TIMEOUT_SECONDS, Database
from rtstation.routing.follow_ups import withdrawal_reason

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


_JOB_COLUMNS = (
    "id, node, plan_uid, plan_label, patient_id, source, state, attempts, max_attempts, "
    "next_attempt_at, last_error, created_at, updated_at, finished_at, lease_owner, "
    "lease_until, forced, follow_up, started_at, cleared_at"
)
_ITEM_COLUMNS = (
    "job_id, seq, sop_instance_uid, sop_class_uid, transfer_syntax_uid, path, size, "
    "content_hash, state, status, reason, sent_at"
)


def _like_escape(text: str) -> str:
    """``text`` as a literal LIKE prefix (escape character ``!``)."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


class SendQueue:
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

    @staticmethod
    def _now(now: float | None) -> float:
        return time.time() if now is None else now

    @staticmethod
    def _event(conn: sqlite3.Connection, job_id: int, at: float, state: str, message: str) -> None:
        conn.execute(
            "INSERT INTO job_events (job_id, at, state, message) VALUES (?, ?, ?, ?)",
            (job_id, at, state, message),
        )

    @staticmethod
    def _jobs_with_counts(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Job]:
        if not rows:
            return []
        ids = [row[0] for row in rows]
        counts: dict[int, dict[str, int]] = {job_id: {} for job_id in ids}
        for job_id, state, n in conn.execute(
            f"SELECT job_id, state, COUNT(*) FROM job_items WHERE job_id IN ({_placeholders(ids)}) "
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

    def _owned(self, conn: sqlite3.Connection, job_id: int, owner: str) -> sqlite3.Row | None:
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
        at = self._now(now)
        with self._db.transaction() as conn:
            if plan_uid and not follow_up and not force:
                row = conn.execute(
                    f"SELECT id FROM jobs WHERE node = ? AND plan_uid = ? AND state IN "
                    f"({_placeholders(ACTIVE_STATES)}) ORDER BY id LIMIT 1",
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
                    f"INSERT INTO job_items ({_ITEM_COLUMNS}) "
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
                self._event(
                    conn,
                    job_id,
                    at,
                    "done",
                    f"nothing to send: all {seq} instances were already delivered to {node}",
                )
            else:
                note = f" ({skipped} already delivered, skipped)" if skipped else ""
                forced = " (forced: sending again what was delivered before)" if force else ""
                self._event(
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
        at = self._now(now)
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
                    f"({_placeholders(ACTIVE_STATES)}) ORDER BY id LIMIT 1",
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
                self._event(conn, job_id, at, "in_flight", message)
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
                f"({_placeholders(ACTIVE_STATES)}) ORDER BY id LIMIT 1",
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
            self._event(conn, int(head[0]), at, "cancelled", reason)
            withdrawn.append(int(head[0]))

    def renew_lease(
        self, job_id: int, owner: str, lease_seconds: float, now: float | None = None
    ) -> bool:
        """Extend the lease; False when ``owner`` no longer holds the job (cancelled, taken)."""
        at = self._now(now)
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
        at = self._now(now)
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
                self._event(
                    conn, job_id, at, "queued", "resumed after a restart: the last send was cut off"
                )
        if ids:
            LOGGER.info("Recovered %d interrupted job(s) of %s: %s", len(ids), owner, ids)
        return ids

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

        This is called after every C-STORE, before the next one, so what a crash loses
        is at most the item on the wire.
        """
        if state not in ITEM_STATES:
            raise ValueError(f"Item state '{state}' is unknown: expected one of {ITEM_STATES}")
        at = self._now(now)
        with self._db.transaction() as conn:
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
        at = self._now(now)
        with self._db.transaction() as conn:
            if self._owned(conn, job_id, owner) is None:
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
            self._event(conn, job_id, at, state, message)
        LOGGER.info("Job %s %s: %s", job_id, state, message)
        return state

    def schedule_retry(
        self, job_id: int, owner: str, delay: float, reason: str, now: float | None = None
    ) -> str | None:
        """Count a failed attempt; retry after ``delay`` seconds, or fail after the last one.

        Returns "retrying" or "failed", or None when ``owner`` no longer holds the job.
        """
        at = self._now(now)
        with self._db.transaction() as conn:
            row = self._owned(conn, job_id, owner)
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
            self._event(conn, job_id, at, state, message)
        return state

    def fail(self, job_id: int, owner: str, reason: str, now: float | None = None) -> bool:
        """End the job as ``failed`` (a permanent problem such as a rejected AE title)."""
        at = self._now(now)
        with self._db.transaction() as conn:
            if self._owned(conn, job_id, owner) is None:
                return False
            conn.execute(
                "UPDATE jobs SET state = 'failed', attempts = attempts + 1, last_error = ?, "
                "finished_at = ?, updated_at = ?, lease_owner = '', lease_until = 0 WHERE id = ?",
                (reason, at, at, job_id),
            )
            self._event(conn, job_id, at, "failed", reason)
        return True

    def requeue(self, job_id: int, owner: str, reason: str, now: float | None = None) -> bool:
        """Hand an in-flight job back without counting an attempt (stop, pause)."""
        at = self._now(now)
        with self._db.transaction() as conn:
            if self._owned(conn, job_id, owner) is None:
                return False
            conn.execute(
                "UPDATE jobs SET state = 'queued', next_attempt_at = ?, updated_at = ?, "
                "lease_owner = '', lease_until = 0 WHERE id = ?",
                (at, at, job_id),
            )
            self._event(conn, job_id, at, "queued", reason)
        return True

    # --- user actions --------------------------------------------------------------------

    def retry(self, job_id: int, now: float | None = None) -> bool:
        """Try again: a failed or cancelled job is queued afresh (attempts reset, failed
        items pending again); a job waiting for its retry time is made due now.

        A retried follow-up becomes an ordinary job: a person asked for it, so it goes
        whether or not its plan's job was delivered."""
        at = self._now(now)
        with self._db.transaction() as conn:
            row = conn.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return False
            if row[0] == "retrying":
                conn.execute(
                    "UPDATE jobs SET next_attempt_at = ?, updated_at = ? WHERE id = ?",
                    (at, at, job_id),
                )
                self._event(conn, job_id, at, "retrying", "retry now requested")
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
            self._event(conn, job_id, at, "queued", "retry requested")
        LOGGER.info("Job %s queued again on request", job_id)
        return True

    def cancel(self, job_id: int, now: float | None = None) -> bool:
        """Stop a job that is queued, waiting or sending (the worker stops after the item
        in progress). Items already delivered stay delivered. False if it had ended."""
        at = self._now(now)
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"UPDATE jobs SET state = 'cancelled', finished_at = ?, updated_at = ?, "
                f"lease_owner = '', lease_until = 0 WHERE id = ? AND state IN "
                f"({_placeholders(ACTIVE_STATES)})",
                (at, at, job_id, *ACTIVE_STATES),
            )
            if cursor.rowcount != 1:
                return False
            self._event(conn, job_id, at, "cancelled", "cancelled on request")
        LOGGER.info("Job %s cancelled", job_id)
        return True

    def pause_node(self, node: str, now: float | None = None) -> None:
        """No job of ``node`` is claimed until :meth:`resume_node`."""
        self._set_paused(node, True, now)

    def resume_node(self, node: str, now: float | None = None) -> None:
        """Let ``node``'s jobs be claimed again."""
        self._set_paused(node, False, now)

    def _set_paused(self, node: str, paused: bool, now: float | None) -> None:
        at = self._now(now)
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO node_state (node, paused, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (node) DO UPDATE SET paused = excluded.paused, "
                "updated_at = excluded.updated_at",
                (node, int(paused), at),
            )
        LOGGER.info("Node %s %s", node, "paused" if paused else "resumed")

    # --- reading -------------------------------------------------------------------------

    def is_paused(self, node: str) -> bool:
        """Whether ``node`` is paused."""
        with self._db.reading() as conn:
            row = conn.execute("SELECT paused FROM node_state WHERE node = ?", (node,)).fetchone()
        return bool(row and row[0])

    def paused_nodes(self) -> set[str]:
        """All paused nodes."""
        with self._db.reading() as conn:
            return {row[0] for row in conn.execute("SELECT node FROM node_state WHERE paused")}

    def job(self, job_id: int) -> Job | None:
        """One job with its counters, or None."""
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)
            ).fetchall()
            jobs = self._jobs_with_counts(conn, rows)
        return jobs[0] if jobs else None

    def jobs(
        self,
        states: Iterable[str] | None = None,
        node: str | None = None,
        plan_uid: str | None = None,
        limit: int = 500,
        *,
        include_cleared: bool = True,
    ) -> list[Job]:
        """Jobs, newest first, filtered by state(s), node and plan (and without the ones
        "Clear finished" took off the queue view unless ``include_cleared``)."""
        where: list[str] = [] if include_cleared else ["cleared_at IS NULL"]
        params: list[object] = []
        if states is not None:
            wanted = list(states)
            if not wanted:
                return []
            where.append(f"state IN ({_placeholders(wanted)})")
            params.extend(wanted)
        if node is not None:
            where.append("node = ?")
            params.append(node)
        if plan_uid is not None:
            where.append("plan_uid = ?")
            params.append(plan_uid)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs {clause} ORDER BY id DESC LIMIT ?",
                (*params, limit),
            ).fetchall()
            return self._jobs_with_counts(conn, rows)

    def items(self, job_id: int) -> list[JobItem]:
        """The job's items in send order."""
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT {_ITEM_COLUMNS} FROM job_items WHERE job_id = ? ORDER BY seq", (job_id,)
            ).fetchall()
        return [JobItem(*row) for row in rows]

    def pending_items(self, job_id: int) -> list[JobItem]:
        """Items not yet sent (nor failed nor skipped), in send order: what a resumed or
        retried attempt sends."""
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT {_ITEM_COLUMNS} FROM job_items WHERE job_id = ? AND state = 'pending' "
                "ORDER BY seq",
                (job_id,),
            ).fetchall()
        return [JobItem(*row) for row in rows]

    def queued_for(self, node: str) -> set[tuple[str, str]]:
        """(SOP Instance UID, content hash) of items waiting in active jobs for ``node``.

        With :meth:`delivered` this tells what a node has or will get, so a follow-up job
        carries only what is really new.
        """
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT i.sop_instance_uid, i.content_hash FROM job_items i "
                "JOIN jobs j ON j.id = i.job_id WHERE j.node = ? AND i.state = 'pending' "
                f"AND j.state IN ({_placeholders(ACTIVE_STATES)})",
                (node, *ACTIVE_STATES),
            ).fetchall()
        return {(r[0], r[1]) for r in rows}

    def needs_files_under(self, folder: str) -> bool:
        """Whether a job that is not done has an item stored under ``folder``.

        Failed and cancelled jobs count: a person may retry them, and they send the
        files their items name.
        """
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT 1 FROM job_items i JOIN jobs j ON j.id = i.job_id "
                "WHERE j.state != 'done' AND i.path LIKE ? ESCAPE '!' LIMIT 1",
                (_like_escape(os.path.join(folder, "")) + "%",),
            ).fetchone()
        return row is not None

    def planned_for(self, node: str, plan_uid: str) -> set[tuple[str, str]]:
        """(SOP Instance UID, content hash) of every item any job of the plan had for ``node``.

        Whatever the job's end (sent, failed, cancelled, still waiting): these are not new
        for that node, so a follow-up never carries them again.
        """
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT DISTINCT i.sop_instance_uid, i.content_hash FROM job_items i "
                "JOIN jobs j ON j.id = i.job_id WHERE j.node = ? AND j.plan_uid = ?",
                (node, plan_uid),
            ).fetchall()
        return {(r[0], r[1]) for r in rows}

    def history(self, job_id: int) -> list[JobEvent]:
        """Everything that happened to the job, oldest first."""
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT job_id, at, state, message FROM job_events WHERE job_id = ? ORDER BY id",
                (job_id,),
            ).fetchall()
        return [JobEvent(*row) for row in rows]

    def delivered(self, node: str, sop_instance_uid: str, content_hash: str = "") -> bool:
        """Whether this instance, with these bytes, already reached ``node``."""
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT 1 FROM deliveries WHERE node = ? AND sop_instance_uid = ? "
                "AND content_hash = ?",
                (node, sop_instance_uid, content_hash),
            ).fetchone()
        return row is not None

    def delivered_any(self, node: str, sop_instance_uid: str) -> bool:
        """Whether this instance reached ``node`` in any version (whatever its bytes)."""
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT 1 FROM deliveries WHERE node = ? AND sop_instance_uid = ? LIMIT 1",
                (node, sop_instance_uid),
            ).fetchone()
        return row is not None

    def plan_delivery_summary(self, plan_uid: str) -> dict[str, str]:
        """For each node a plan was sent to, the state of its latest job."""
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT node, state FROM jobs WHERE id IN "
                "(SELECT MAX(id) FROM jobs WHERE plan_uid = ? GROUP BY node) ORDER BY node",
                (plan_uid,),
            ).fetchall()
        return {node: state for node, state in rows}
