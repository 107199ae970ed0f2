"""DeleteController: "Delete Selected" and "Delete All", with a confirmation that says what goes.

Three steps, the slow ones on workers: the station says what a delete would remove
(``Station.select_for_delete``), the user confirms a box naming the plans, the files and
the shared files that stay, and the station deletes (``Station.delete``). A delete the
station refuses (a job still has to send part of it) is shown with the station's reason;
nothing was changed then.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from rtstation.gui.messages import error_box, show_error
from rtstation.gui.models.job_table_model import state_text
from rtstation.gui.workers import run_task
from rtstation.station.deleting import DeleteSelection

if TYPE_CHECKING:
    from rtstation.station import Station

LOGGER = logging.getLogger(__name__)

_SHOWN_PLANS = 15


class DeleteController(QObject):
    """Asks, then deletes; ``deleted`` carries the selection once it is gone."""

    deleted = Signal(object)  # DeleteSelection
    confirming = Signal(object)  # the QMessageBox about to be shown (tests answer it)

    def __init__(self, station: Station, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.window = window
        self.refused_box: QMessageBox | None = None  # the last refusal shown

    def delete_plans(self, plan_uids: Sequence[str]) -> None:
        self._select(plans=tuple(plan_uids))

    def delete_patients(self, patient_ids: Sequence[str]) -> None:
        self._select(patients=tuple(patient_ids))

    def delete_all(self) -> None:
        self._select(everything=True)

    def _select(
        self, *, plans: tuple[str, ...] = (), patients: tuple[str, ...] = (), everything=False
    ) -> None:
        station = self.station
        run_task(
            lambda _control: station.select_for_delete(
                plans=plans, patients=patients, everything=everything
            ),
            self._confirm,
            lambda exc: show_error(self.window, self.tr("Nothing was deleted."), exc),
            name="delete-select",
        )

    def question(self, selection: DeleteSelection) -> tuple[str, str]:
        """(headline, details) of the confirmation, in the user's language."""
        plans = len(selection.plan_uids)
        patients = len(selection.patient_ids)
        if selection.what == "all":
            headline = self.tr("Delete everything stored: %n patient(s)?", "", patients)
        elif selection.what == "patients":
            headline = self.tr("Delete %n patient(s) with all their files?", "", patients)
        else:
            headline = self.tr("Delete %n plan(s)?", "", plans)
        lines = [
            self.tr(
                "%n file(s) are removed from the storage folder and the catalog",
                "",
                len(selection.instance_uids),
            )
            + f" ({selection.size / 1e6:.1f} MB)."
        ]
        if selection.kept_shared:
            lines.append(
                self.tr(
                    "%n shared file(s) stay because a plan that is kept uses them.",
                    "",
                    len(selection.kept_shared),
                )
            )
        shown = list(selection.plan_labels[:_SHOWN_PLANS])
        if shown:
            lines.append(self.tr("Plans: %1").replace("%1", ", ".join(shown)))
        if len(selection.plan_labels) > _SHOWN_PLANS:
            more = len(selection.plan_labels) - _SHOWN_PLANS
            lines.append(self.tr("and %n more plan(s)", "", more))
        lines.append(self.tr("This cannot be undone."))
        return headline, "\n".join(lines)

    def _confirm(self, selection: DeleteSelection) -> None:
        if selection.empty:
            QMessageBox.information(
                self.window, self.tr("Delete"), self.tr("Nothing is stored: nothing to delete.")
            )
            return
        headline, details = self.question(selection)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Delete"),
            headline,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self.window,
        )
        box.setInformativeText(details)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Delete"))
        self.confirming.emit(box)
        if box.exec() != QMessageBox.StandardButton.Yes:
            return
        station = self.station
        run_task(
            lambda _control: station.delete(selection),
            lambda _outcome: self.deleted.emit(selection),
            self._refused,
            name="delete-run",
        )

    def _refused(self, exc: BaseException) -> None:
        """The station's refusal in the user's language: which job holds which plan."""
        jobs = getattr(exc, "jobs", ())
        if not jobs:
            show_error(self.window, self.tr("The delete was refused."), exc)
            return
        lines = [
            self.tr("Job %1 to %2 is %3 for %4.")
            .replace("%1", str(job_id))
            .replace("%2", node)
            .replace("%3", state_text(state))
            .replace("%4", label or self.tr("its files"))
            for job_id, node, state, label in jobs
        ]
        lines.append(self.tr("Cancel the job or wait until it has finished, then delete again."))
        box = error_box(
            self.window,
            self.tr("Delete"),
            self.tr("The delete was refused; nothing was deleted.") + "\n\n" + "\n".join(lines),
            str(exc),
        )
        self.refused_box = box
