"""When a follow-up job may go: only where its plan was delivered, carrying only what is new.

A follow-up (source "follow-up: <rules>"; "rule: late arrival" in older databases) carries
instances that came after a forwarded plan was queued, a dose that was exported later.
The rule, one place for the dispatcher that queues follow-ups and the queue that claims
them:

* A node gets a follow-up only if one of the plan's jobs to it ended ``done``, or the
  plan's own job is still on the way (the follow-up then waits behind it, strictly in
  order). A person cancelled the plan's job: cancelled stays cancelled. The node refused
  it or it failed: a refusal is not retried by itself. Either way nothing of the plan goes
  there again until a person sends it.
* When a follow-up reaches the head of its node's queue, every earlier job of the node has
  ended; if none of its plan's jobs there ended ``done``, it is withdrawn (``cancelled``,
  with the reason) instead of sent. A person's retry makes it an ordinary job.
* What a follow-up carries is decided by the dispatcher: instances no earlier job of the
  plan had for that node, whatever that job's end (``SendQueue.planned_for``).

Why: a plan cancelled while its node was paused was delivered whole as a "late arrival"
once one new slice came; a dose the node refused went out again with every later arrival.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Protocol


class JobLike(Protocol):
    """What the rule reads of a job (``rtstation.routing.send_queue.Job`` is one)."""

    @property
    def id(self) -> int: ...

    @property
    def state(self) -> str: ...

    @property
    def active(self) -> bool: ...

    @property
    def follow_up(self) -> bool: ...


def plan_reaches(jobs: Iterable[JobLike]) -> bool:
    """Whether a node may get a follow-up, given the plan's jobs to it (newest first)."""
    return any(job.state == "done" or (job.active and not job.follow_up) for job in jobs)


def why_not_delivered(jobs: Iterable[JobLike]) -> str:
    """Why the plan did not reach the node, from its jobs there (newest first)."""
    ordered = list(jobs)
    if not ordered:
        return "the plan was never queued for it"
    return f"the plan's job {ordered[0].id} there ended '{ordered[0].state}'"


def withdrawal_reason(conn: sqlite3.Connection, job_id: int) -> str | None:
    """Why follow-up ``job_id`` must not go (no job of its plan to its node ended done),
    or None when it may (or is no follow-up). Read inside the caller's transaction."""
    row = conn.execute(
        "SELECT node, plan_uid, follow_up FROM jobs WHERE id = ?", (job_id,)
    ).fetchone()
    if row is None or not row[2]:
        return None
    node, plan_uid = row[0], row[1]
    delivered = conn.execute(
        "SELECT 1 FROM jobs WHERE node = ? AND plan_uid = ? AND id < ? AND state = 'done'",
        (node, plan_uid, job_id),
    ).fetchone()
    if delivered is not None:
        return None
    last = conn.execute(
        "SELECT id, state FROM jobs WHERE node = ? AND plan_uid = ? AND id < ? "
        "AND follow_up = 0 ORDER BY id DESC LIMIT 1",
        (node, plan_uid, job_id),
    ).fetchone()
    what = (
        f"its plan's job {last[0]} to {node} ended '{last[1]}'"
        if last is not None
        else f"its plan was never queued for {node}"
    )
    return (
        f"not sent: {what}; a follow-up only goes where its plan was delivered "
        "(retry this job, or send the plan again, to send it anyway)"
    )
