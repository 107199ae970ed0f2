"""JobsController: the send queue as the window sees it.

``JobChanged`` events feed the job table, the tree's forwarded marks and the status bar
directly: nothing is fetched while items are being sent. Only the initial table (jobs from
before the window opened) and a plan's history are read from the station, on a worker.
Retry and Cancel go to the station on a worker too (they write the queue).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from rtstation.events import JobChanged
from rtstation.gui.messages import show_error
from rtstation.gui.models.job_table_model import (
    JobTableModel,
    job_row_from_job,
)
from rtstation.gui.models.plan_tree_model import PlanTreeModel
from rtstation.gui.workers import run_task

if TYPE_CHECKING:
    from rtstation.station import Station

LOGGER = logging.getLogger(__name__)


class JobsController(QObject):
    """Keeps :class:`JobTableModel` and the tree's marks current; retry/cancel/history."""

    jobFailed = Signal(object)  # JobChanged, for the tray notification
    jobFinished = Signal(object)  # JobChanged that reached done
    countsChanged = Signal(dict)  # state -> number of jobs in the table

    def __init__(
        self,
        station: Station,
        job_model: JobTableModel,
        tree_model: PlanTreeModel,
        window: QWidget,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.job_model = job_model
        self.tree_model = tree_model
        self.window = window

    def load(self) -> None:
        """Jobs already in the queue when the window opens."""
        jobs = self.station.jobs
        run_task(
            lambda _control: jobs(limit=self.job_model.max_rows),
            self._on_loaded,
            lambda exc: LOGGER.warning("Could not read the send queue: %s", exc),
            name="jobs-load",
        )

    def _on_loaded(self, jobs: list[Any]) -> None:
        rows = [job_row_from_job(job) for job in jobs]
        self.job_model.set_jobs(rows, {job.id: job.plan_label for job in jobs if job.plan_label})
        for row in sorted(rows, key=lambda r: r.job_id):
            self.tree_model.apply_job_state(row.plan_uid, row.node, row.state)
        self.countsChanged.emit(self.job_model.counts())

    @Slot(object)
    def _on_job_changed(self, event: Any) -> None:
        row = event  # a JobChanged: the table's rows are these events
        self.job_model.apply(row)
        self.tree_model.apply_job_state(row.plan_uid, row.node, row.state)
        self.countsChanged.emit(self.job_model.counts())
        if row.state == "failed":
            self.jobFailed.emit(row)
        elif row.state == "done":
            self.jobFinished.emit(row)

    # -- user actions -------------------------------------------------------------------

    @Slot(int)
    def retry(self, job_id: int) -> None:
        self._call("retry_job", job_id, self.tr("The job could not be retried."))

    @Slot(int)
    def cancel(self, job_id: int) -> None:
        self._call("cancel_job", job_id, self.tr("The job could not be cancelled."))

    @Slot()
    def clear_finished(self) -> None:
        """Take finished jobs off the table; the queue keeps them for the history."""
        station = self.station
        run_task(
            lambda _control: station.clear_finished_jobs(),
            lambda _count: self._on_cleared(),
            lambda exc: show_error(
                self.window, self.tr("Finished jobs could not be cleared."), exc
            ),
            name="clear-finished",
        )

    def _on_cleared(self) -> None:
        self.job_model.remove_finished()
        self.countsChanged.emit(self.job_model.counts())

    def _call(self, method: str, job_id: int, failure: str) -> None:
        station = self.station
        run_task(
            lambda _control: getattr(station, method)(job_id),
            None,
            lambda exc: show_error(self.window, failure, exc),
            name=method,
        )

    def fetch_history(
        self, plan_uid: str, deliver: Callable[[str, list[JobChanged]], None]
    ) -> None:
        """Every job of a plan (all nodes), from the queue; the table's rows if that fails."""
        jobs = self.station.jobs
        known = self.job_model.jobs_for_plan(plan_uid)
        run_task(
            lambda _control: [
                job_row_from_job(job) for job in jobs(plan_uid=plan_uid, include_cleared=True)
            ],
            lambda rows: deliver(plan_uid, merge_history(rows, known)),
            lambda exc: deliver(plan_uid, known),
            name="job-history",
        )


def merge_history(fetched: list[JobChanged], known: list[JobChanged]) -> list[JobChanged]:
    """The table's rows are newer (events) than a fetch that started before them."""
    by_id = {row.job_id: row for row in fetched}
    by_id.update({row.job_id: row for row in known})
    return list(by_id.values())
