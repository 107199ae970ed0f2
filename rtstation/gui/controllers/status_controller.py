"""StatusController: station events in words, for the status bar.

A station mostly runs unattended; the one line a passer-by reads is the status bar. So it
says what happened last ("Stored CT from FOLLOW", "Job 4 to QA failed: ..."), counts what
arrived since the window opened, and leaves the receiver and queue texts to their own
labels. Failures and refusals are marked as problems so the bar shows them in red.

The slots only format text and hand it to :class:`StationStatusBar`, which paints at most
four times a second: 2,000 slices a minute cost 2,000 string formats, not 2,000 repaints.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Slot

from rtstation.config import IMPORT_FOLDER_AE
from rtstation.gui.core_text import render
from rtstation.gui.widgets.status_bar import StationStatusBar

LOGGER = logging.getLogger(__name__)

COUNTED_OUTCOMES = frozenset({"stored", "replaced"})
"""What "Received since start" counts: a duplicate (same bytes again) adds nothing."""

_FAILED_PREFIXES = ("failed because ", "failed: ")
_PLACEHOLDER = re.compile(r"%(\d)")


def fill(template: str, *values: object) -> str:
    """``%1``, ``%2``... replaced in one pass, so a peer's reason that happens to contain
    "%1" is shown as it is instead of being filled in again."""
    return _PLACEHOLDER.sub(
        lambda match: (
            str(values[int(match.group(1)) - 1])
            if 0 < int(match.group(1)) <= len(values)
            else match.group(0)
        ),
        template,
    )


class StatusController(QObject):
    """Feeds the status bar's counter and "last event" text from the bridge's signals."""

    def __init__(
        self,
        status: StationStatusBar,
        plan_label: Callable[[str], str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.status = status
        self.plan_label = plan_label

    @Slot(object)
    def _on_instance_stored(self, event: Any) -> None:
        modality = event.modality or "?"
        source = event.source_ae or "?"
        if event.outcome in COUNTED_OUTCOMES and event.source_ae != IMPORT_FOLDER_AE:
            self.status.count_received()
        if event.outcome == "replaced":
            text = self.tr("Replaced %1 from %2")
        elif event.outcome == "duplicate":
            text = self.tr("Already had %1 from %2")
        else:
            text = self.tr("Stored %1 from %2")
        self.status.set_last_event(fill(text, modality, source), at=event.at)

    @Slot(object)
    def _on_instance_rejected(self, event: Any) -> None:
        self.status.count_rejected()
        self.status.set_last_event(
            fill(self.tr("Refused an instance from %1: %2"), event.source, render(event.reason)),
            problem=True,
            at=event.at,
        )

    @Slot(object)
    def _on_association_ended(self, event: Any) -> None:
        self.status.set_last_event(
            fill(
                self.tr("%n instance(s) received from %1", "", int(event.instances)),
                event.calling_ae,
            ),
            at=event.at,
        )

    @Slot(object)
    def _on_job_changed(self, event: Any) -> None:
        text, problem = self.job_text(event)
        self.status.set_last_event(text, problem=problem, at=event.at)

    @Slot(object)
    def _on_rule_decided(self, event: Any) -> None:
        if not event.matched_nodes:
            return  # "no rule matched" for every plan that arrives is noise, not news
        self.status.set_last_event(
            fill(
                self.tr("Rules: plan %1 goes to %2"),
                self.plan_label(event.plan_uid) or event.plan_uid,
                ", ".join(event.matched_nodes),
            ),
            at=event.at,
        )

    @Slot(object)
    def _on_problem_reported(self, event: Any) -> None:
        self.status.set_last_event(render(event.message), problem=True, at=event.at)

    def job_text(self, event: Any) -> tuple[str, bool]:
        """(words, is a problem) for a JobChanged event; the worker's message is the reason."""
        state = event.state
        message = str(event.message or "")
        job, node = event.job_id, event.node
        if state == "done":
            return fill(self.tr("Job %1 to %2 done"), job, node), False
        if state == "failed":
            reason = message
            for prefix in _FAILED_PREFIXES:
                if reason.startswith(prefix):
                    reason = reason[len(prefix) :]
                    break
            return fill(self.tr("Job %1 to %2 failed: %3"), job, node, render(reason)), True
        if state == "cancelled":
            return fill(self.tr("Job %1 to %2 cancelled"), job, node), False
        if state in ("sending", "in_flight"):
            template = self.tr("Job %1 to %2: sending %3 of %4")
            return fill(template, job, node, event.done, event.total), False
        if state in ("queued", "pending") and (not message or message.startswith("queued")):
            return fill(self.tr("Job %1 to %2 queued"), job, node), False
        # waiting to retry, paused, resumed: the worker's message says why
        return fill(self.tr("Job %1 to %2: %3"), job, node, render(message) or state), False
