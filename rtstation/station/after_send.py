"""What follows a finished send job: the delivery audit, removing the anonymized copies
it sent, and ``delete_after_send``.

:class:`NodeWorkers` calls :meth:`AfterSend.job_finished` directly on the send worker's
thread when a job ends done or failed, before the job's JobChanged event goes out, so a
subscriber that sees "done" also finds the audit row (and, with delete_after_send, the
files gone). It is a direct call on purpose: an error here (a locked database, a file
that cannot be removed) is logged with its traceback and shown to people as a
StationProblem, instead of vanishing inside the event bus.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from rtstation.config import Settings
from rtstation.events import EventBus, PlanChanged
from rtstation.routing.send_queue import Job, SendQueue
from rtstation.station.anonymized import AnonymizedCopies
from rtstation.station.problems import report_problem
from rtstation.station.sending import bundle_instances
from rtstation.storage.catalog import Catalog

LOGGER = logging.getLogger(__name__)


def _all_delivered(jobs: list[Job]) -> bool:
    return bool(jobs) and all(job.state == "done" and not job.failed for job in jobs)


class AfterSend:
    """Audits finished jobs and removes delivered plans' files when settings ask for it."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        catalog: Catalog,
        queue: SendQueue,
        bus: EventBus,
        *,
        copies: AnonymizedCopies | None = None,
    ) -> None:
        self._settings = settings
        self.catalog = catalog
        self.queue = queue
        self.bus = bus
        self.copies = copies

    def job_finished(self, job: Job, message: str) -> None:
        """A job ended ``done`` or ``failed`` (send worker thread); never raises."""
        try:
            if job.state == "done":
                self.catalog.audit(
                    "delivered", plan_uid=job.plan_uid, node=job.node, detail=message
                )
                self._remove_sent_copies(job)
                if self._settings().delete_after_send and job.plan_uid:
                    self._delete_if_delivered_everywhere(job.plan_uid)
            elif job.state == "failed":
                self.catalog.audit(
                    "send-failed", plan_uid=job.plan_uid, node=job.node, detail=message
                )
        except Exception as exc:
            LOGGER.exception("After job %s to %s ended %s", job.id, job.node, job.state)
            report_problem(
                self.bus,
                f"Job {job.id} to {job.node} ended '{job.state}', but recording it failed: "
                f"{exc}; the delivery itself is kept in the send queue",
                f"plan {job.plan_uid}" if job.plan_uid else "",
            )

    def _remove_sent_copies(self, job: Job) -> None:
        """Anonymized copies the job sent go once no unfinished job needs them."""
        if self.copies is None:
            return
        folders = self.copies.folders_of(item.path for item in self.queue.items(job.id))
        self.copies.remove_unneeded(folders, lambda f: self.queue.needs_files_under(str(f)))

    def _delete_if_delivered_everywhere(self, plan_uid: str) -> None:
        """delete_after_send: once every job of the plan is done, remove its files."""
        jobs = self.queue.jobs(plan_uid=plan_uid)
        if not _all_delivered(jobs):
            return
        bundle = self.catalog.plan_bundle(plan_uid)
        if bundle is None:
            return
        # A CT and structure set shared with another plan stay until that plan is out too.
        still_needed: set[str] = set()
        for other in self.catalog.tree(bundle.patient_id).plans:
            if other.uid != plan_uid and not _all_delivered(self.queue.jobs(plan_uid=other.uid)):
                still_needed.update(h.sop_instance_uid for h in other.instances())
        removed = []
        for instance in bundle_instances(self.catalog, bundle):
            if instance.sop_instance_uid in still_needed:
                continue
            with contextlib.suppress(FileNotFoundError):
                Path(instance.header.path).unlink()
            removed.append(instance.sop_instance_uid)
        nodes = ", ".join(sorted({job.node for job in jobs}))
        self.catalog.mark_removed(removed, f"delete_after_send: delivered to {nodes}")
        LOGGER.info(
            "Removed %d file(s) of plan %s after delivery to %s", len(removed), plan_uid, nodes
        )
        self.bus.publish(PlanChanged(plan_uid, bundle.patient_id))
