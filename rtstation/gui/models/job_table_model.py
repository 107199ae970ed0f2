"""JobTableModel: the send queue as a table, newest job first, updated from JobChanged.

Each ``JobChanged`` event carries the whole visible state of a job (state, n/m, reason,
next attempt), so the model never has to ask the station while items are being sent: the
row of that job gets ``dataChanged``, or a new row is inserted at the top. The table is
bounded: finished jobs beyond ``max_rows`` fall off the bottom, so a station that forwards
for months does not grow a table without end (the audit keeps the full history).

The queue keeps a paused node's jobs "queued" (pausing is a property of the node, not of
its jobs), so the model is told which nodes are paused and shows those waiting jobs as
"paused": "queued" would promise a send that is not going to happen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from rtstation.events import JobChanged
from rtstation.gui.core_text import render
from rtstation.gui.models.rows_model import ItemsTableModel
from rtstation.gui.rule_reasons import trigger_text
from rtstation.gui.theme import status_brush
from rtstation.routing.send_queue import Job
from rtstation.routing.triggers import parse_trigger

AnyIndex = QModelIndex | QPersistentModelIndex
_INVALID = QModelIndex()  # default argument for the Qt overrides (never mutated)

(
    COL_NODE,
    COL_PATIENT,
    COL_PLAN,
    COL_TRIGGER,
    COL_STATE,
    COL_PROGRESS,
    COL_QUEUED,
    COL_NEXT,
    COL_REASON,
) = range(9)
COLUMN_COUNT = 9
JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATE_ROLE = Qt.ItemDataRole.UserRole + 2
NODE_ROLE = Qt.ItemDataRole.UserRole + 3

FINISHED_STATES = frozenset({"done", "failed", "cancelled"})
WAITING_STATES = frozenset({"queued", "pending", "retrying"})
"""States in which a job waits for its node's worker: "paused" while the node is."""


def job_row_from_job(job: Job) -> JobChanged:
    """A :class:`~rtstation.routing.send_queue.Job` read from the queue, as the event the
    table gets for it while it runs: rows are ``JobChanged`` events, one shape for both."""
    next_at = (
        datetime.fromtimestamp(job.next_attempt_at, tz=UTC)
        if job.state == "retrying" and job.next_attempt_at > 0
        else None
    )
    message = job.last_error or ""
    if not message and job.state == "done" and job.total:
        message = (
            QCoreApplication.translate("JobTableModel", "%1 of %2 delivered")
            .replace("%1", str(job.done))
            .replace("%2", str(job.total))
        )
    return JobChanged(
        job_id=job.id,
        node=job.node,
        plan_uid=job.plan_uid,
        state=job.state,
        done=job.done,
        total=job.total,
        message=message,
        next_attempt_at=next_at,
        patient_id=job.patient_id,
        source=job.source,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def clock_text(seconds: float | None, *, full: bool = False) -> str:
    """A job time in local time: ``14:03:12`` today, ``2026-11-30 14:03`` before."""
    if seconds is None:
        return ""
    moment = datetime.fromtimestamp(seconds)
    if not full and moment.date() == datetime.now().date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%Y-%m-%d %H:%M:%S" if full else "%Y-%m-%d %H:%M")


def state_text(state: str) -> str:
    """A job state in the user's language."""
    texts = {
        "queued": QCoreApplication.translate("JobTableModel", "queued"),
        "pending": QCoreApplication.translate("JobTableModel", "queued"),
        "sending": QCoreApplication.translate("JobTableModel", "sending"),
        "in_flight": QCoreApplication.translate("JobTableModel", "sending"),
        "retrying": QCoreApplication.translate("JobTableModel", "waiting to retry"),
        "paused": QCoreApplication.translate("JobTableModel", "paused"),
        "done": QCoreApplication.translate("JobTableModel", "done"),
        "failed": QCoreApplication.translate("JobTableModel", "failed"),
        "cancelled": QCoreApplication.translate("JobTableModel", "cancelled"),
    }
    return texts.get(state, state)


class JobTableModel(ItemsTableModel):
    """Send jobs, newest first; see the module docstring."""

    def __init__(
        self,
        plan_label: Callable[[str], str] | None = None,
        max_rows: int = 1000,
        parent: Any = None,
    ) -> None:
        super().__init__(parent=parent)
        self._rows: list[JobChanged] = []
        self._row_of: dict[int, int] = {}
        self._queue_labels: dict[int, str] = {}  # job id -> the label the queue recorded
        self._plan_label = plan_label or (lambda uid: "")
        self._paused: frozenset[str] = frozenset()
        self.max_rows = max_rows
        self._headers = (
            QCoreApplication.translate("JobTableModel", "Node"),
            QCoreApplication.translate("JobTableModel", "Patient"),
            QCoreApplication.translate("JobTableModel", "Plan"),
            QCoreApplication.translate("JobTableModel", "Trigger"),
            QCoreApplication.translate("JobTableModel", "State"),
            QCoreApplication.translate("JobTableModel", "Progress"),
            QCoreApplication.translate("JobTableModel", "Queued"),
            QCoreApplication.translate("JobTableModel", "Next retry"),
            QCoreApplication.translate("JobTableModel", "Reason"),
        )

    def cell(self, row: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == COL_REASON and row.message:
                return render(row.message)
            if column == COL_PLAN:
                return row.plan_uid
            if column == COL_QUEUED:
                return times_tooltip(row)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and column == COL_STATE:
            if row.state == "failed":
                return status_brush("error")
            if row.state == "done":
                return status_brush("ok")
            return None
        if role == JOB_ID_ROLE:
            return row.job_id
        if role == STATE_ROLE:
            return row.state
        if role == NODE_ROLE:
            return row.node
        return None

    def _display(self, row: JobChanged, column: int) -> str:
        if column == COL_NODE:
            return row.node
        if column == COL_PLAN:
            return (
                self._plan_label(row.plan_uid)
                or self._queue_labels.get(row.job_id, "")
                or row.plan_uid
            )
        if column == COL_STATE:
            if row.node in self._paused and row.state in WAITING_STATES:
                return state_text("paused")
            return state_text(row.state)
        if column == COL_PROGRESS:
            return f"{row.done}/{row.total}" if row.total else ""
        if column == COL_PATIENT:
            return row.patient_id
        if column == COL_TRIGGER:
            return trigger_text(parse_trigger(row.source)) if row.source else ""
        if column == COL_QUEUED:
            return clock_text(row.created_at)
        if column == COL_NEXT:
            if row.next_attempt_at is None or row.state in FINISHED_STATES:
                return ""
            moment = row.next_attempt_at
            if moment.tzinfo is not None:
                moment = moment.astimezone()
            return moment.strftime("%H:%M:%S")
        if column == COL_REASON:
            return render(row.message.splitlines()[0]) if row.message else ""
        return ""

    # -- updates ------------------------------------------------------------------------

    def set_jobs(
        self, rows: Iterable[JobChanged], queue_labels: dict[int, str] | None = None
    ) -> None:
        """Initial load (newest first); a reset, once. ``queue_labels`` (job id -> plan
        label the queue recorded) name plans that are no longer in the tree."""
        self._queue_labels.update(queue_labels or {})
        ordered = sorted(rows, key=lambda r: r.job_id, reverse=True)[: self.max_rows]
        self.beginResetModel()
        self._rows = ordered
        self._reindex()
        self.endResetModel()

    def apply(self, row: JobChanged) -> None:
        """A job changed: update its row, or insert it at the top."""
        position = self._row_of.get(row.job_id)
        if position is not None:
            old = self._rows[position]
            if row.created_at is None and old.created_at is not None:  # an older publisher
                row = replace(
                    row,
                    patient_id=old.patient_id,
                    source=old.source,
                    created_at=old.created_at,
                    started_at=old.started_at,
                    finished_at=old.finished_at,
                )
            self._rows[position] = row
            self.dataChanged.emit(self.index(position, 0), self.index(position, COLUMN_COUNT - 1))
            return
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._rows.insert(0, row)
        self._reindex()
        self.endInsertRows()
        self._trim()

    def _trim(self) -> None:
        while len(self._rows) > self.max_rows:
            # drop the oldest finished job; keep unfinished ones whatever their age
            victim = next(
                (
                    i
                    for i in range(len(self._rows) - 1, -1, -1)
                    if self._rows[i].state in FINISHED_STATES
                ),
                None,
            )
            if victim is None:
                return
            self.beginRemoveRows(QModelIndex(), victim, victim)
            del self._rows[victim]
            self._reindex()
            self.endRemoveRows()

    def remove_finished(self) -> int:
        """Drop done, failed and cancelled jobs ("Clear finished"); returns how many."""
        kept = [row for row in self._rows if row.state not in FINISHED_STATES]
        removed = len(self._rows) - len(kept)
        if removed:
            self.beginResetModel()
            self._rows = kept
            self._reindex()
            self.endResetModel()
        return removed

    def _reindex(self) -> None:
        self._row_of = {row.job_id: number for number, row in enumerate(self._rows)}

    def set_paused_nodes(self, names: Iterable[str]) -> None:
        """Which nodes are paused; repaints the state column when that changed."""
        paused = frozenset(names)
        if paused == self._paused:
            return
        self._paused = paused
        if self._rows:
            self.dataChanged.emit(
                self.index(0, COL_STATE), self.index(len(self._rows) - 1, COL_STATE)
            )

    def refresh_plan_labels(self) -> None:
        """Plan labels come from the tree; repaint the column when the tree learned more."""
        if self._rows:
            self.dataChanged.emit(
                self.index(0, COL_PLAN), self.index(len(self._rows) - 1, COL_PLAN)
            )

    # -- lookups ------------------------------------------------------------------------

    def job(self, row: int) -> JobChanged | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def jobs_for_plan(self, plan_uid: str) -> list[JobChanged]:
        return [row for row in self._rows if row.plan_uid == plan_uid]

    def unfinished_count(self) -> int:
        """Jobs that will still send something: not finished, and not waiting on a
        paused node (those wait for the user, not for the queue)."""
        return sum(
            1
            for row in self._rows
            if row.state not in FINISHED_STATES
            and not (row.node in self._paused and row.state in WAITING_STATES)
        )

    def counts(self) -> dict[str, int]:
        """How many jobs are in each state (for the status bar)."""
        result: dict[str, int] = {}
        for row in self._rows:
            result[row.state] = result.get(row.state, 0) + 1
        return result


def times_tooltip(row: JobChanged) -> str:
    """Queued, started and finished, each in full, for the Queued cell's tooltip."""
    parts = [
        (QCoreApplication.translate("JobTableModel", "Queued"), row.created_at),
        (QCoreApplication.translate("JobTableModel", "Started"), row.started_at),
        (QCoreApplication.translate("JobTableModel", "Finished"), row.finished_at),
    ]
    return "\n".join(f"{name}: {clock_text(at, full=True)}" for name, at in parts if at)
