"""Reading the send queue: jobs, items, history, deliveries and paused nodes.

The queries that change nothing, as a mixin of :class:`rtstation.routing.send_queue.SendQueue`
(which holds the connection, ``self._db``). Readers take no write lock, so the GUI's queue
view and a CLI ``queue`` listing never wait behind a sending worker.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from rtstation.database import Database
from rtstation.routing.queue_records import (
    ACTIVE_STATES,
    ITEM_COLUMNS,
    JOB_COLUMNS,
    Job,
    JobEvent,
    JobItem,
    jobs_with_counts,
    like_escape,
    placeholders,
)


class QueueReads:
    """Read-only queries of the send queue."""

    _db: Database

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
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)
            ).fetchall()
            jobs = jobs_with_counts(conn, rows)
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
            where.append(f"state IN ({placeholders(wanted)})")
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
                f"SELECT {JOB_COLUMNS} FROM jobs {clause} ORDER BY id DESC LIMIT ?",
                (*params, limit),
            ).fetchall()
            return jobs_with_counts(conn, rows)

    def items(self, job_id: int) -> list[JobItem]:
        """The job's items in send order."""
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT {ITEM_COLUMNS} FROM job_items WHERE job_id = ? ORDER BY seq", (job_id,)
            ).fetchall()
        return [JobItem(*row) for row in rows]

    def pending_items(self, job_id: int) -> list[JobItem]:
        """Items not yet sent (nor failed nor skipped), in send order: what a resumed or
        retried attempt sends."""
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT {ITEM_COLUMNS} FROM job_items WHERE job_id = ? AND state = 'pending' "
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
                f"AND j.state IN ({placeholders(ACTIVE_STATES)})",
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
                (like_escape(os.path.join(folder, "")) + "%",),
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
