"""DetailsController: what the details panel shows for the current tree row.

A plan row shows that plan; a modality group or file row shows the plan it belongs to; a
patient or unconnected row shows the patient. The plan's send history is fetched once per
selection on a worker and then kept current from job events (in memory, no fetch per
event). When a refresh replaces the selected patient's snapshot, the panel follows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Slot

from rtstation.events import JobChanged
from rtstation.gui.controllers.jobs_controller import JobsController, merge_history
from rtstation.gui.controllers.tree_data import PlanSnapshot
from rtstation.gui.models.plan_tree_model import (
    KIND_ROLE,
    PATIENT_ID_ROLE,
    PLAN,
    PLAN_UID_ROLE,
    PlanTreeModel,
)
from rtstation.gui.widgets.details_panel import DetailsPanel

LOGGER = logging.getLogger(__name__)


class DetailsController(QObject):
    """Feeds :class:`DetailsPanel` from the tree selection, refreshes and job events."""

    def __init__(
        self,
        tree_model: PlanTreeModel,
        panel: DetailsPanel,
        jobs: JobsController,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tree_model = tree_model
        self.panel = panel
        self.jobs = jobs
        self.plan_uid = ""
        self.patient_id = ""
        self._history: list[JobChanged] = []
        # each rule's verdict for a plan, in words (set by the window, which knows the rules)
        self.rule_lines: Callable[[PlanSnapshot], list[str]] | None = None

    def current_plan(self) -> PlanSnapshot | None:
        return self.tree_model.plan_snapshot(self.plan_uid) if self.plan_uid else None

    @Slot(QModelIndex)
    def _on_current_changed(self, index: QModelIndex) -> None:
        plan_uid, patient_id = self._plan_for(index)
        self.patient_id = patient_id or ""
        if plan_uid:
            if plan_uid != self.plan_uid:
                self.plan_uid = plan_uid
                self._history = []
                self._show()
                self.jobs.fetch_history(plan_uid, self._on_history)
            else:
                self._show()
            return
        self.plan_uid = ""
        self._history = []
        self._show()

    def _plan_for(self, index: QModelIndex) -> tuple[str, str | None]:
        """The plan a row belongs to ("" for patient rows), and its patient."""
        if not index.isValid():
            return "", None
        patient_id = index.data(PATIENT_ID_ROLE)
        probe = index.siblingAtColumn(0)
        while probe.isValid():
            if probe.data(KIND_ROLE) == PLAN:
                return str(probe.data(PLAN_UID_ROLE)), patient_id
            probe = probe.parent()
        return "", patient_id

    def refresh(self) -> None:
        """Show the current selection again (the rules or the plan changed)."""
        self._show()

    def _show(self) -> None:
        plan = self.current_plan()
        if plan is not None:
            self.panel.show_plan(plan)
            self.panel.set_rule_lines(self.rule_lines(plan) if self.rule_lines else [])
            self.panel.set_history(plan.plan_uid, self._history)
            return
        patient = self.tree_model.patient_snapshot(self.patient_id) if self.patient_id else None
        if patient is not None:
            self.panel.show_patient(patient)
        else:
            self.panel.clear()

    def _on_history(self, plan_uid: str, rows: list[JobChanged]) -> None:
        if plan_uid == self.plan_uid:
            self._history = rows
            self.panel.set_history(plan_uid, rows)

    @Slot(list)
    def _on_patients_refreshed(self, patient_ids: list[str]) -> None:
        if self.patient_id and self.patient_id in patient_ids:
            self._show()

    @Slot(object)
    def _on_job_changed(self, event: Any) -> None:
        if event.plan_uid != self.plan_uid:
            return
        known = self.jobs.job_model.jobs_for_plan(self.plan_uid)
        self._history = merge_history(self._history, known)
        self.panel.set_history(self.plan_uid, self._history)
