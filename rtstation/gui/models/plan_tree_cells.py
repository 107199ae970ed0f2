"""What the plan tree's cells say: display text and tooltips per node kind and column.

Pure functions of a node's snapshot (and, for plans, where they were sent), so the
model keeps only the Qt plumbing and the incremental updates.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QBrush

from rtstation.gui.controllers.tree_data import (
    FileRow,
    GroupSnapshot,
    PatientSnapshot,
    PlanSnapshot,
    UnconnectedSnapshot,
)
from rtstation.gui.models.job_table_model import state_text
from rtstation.gui.models.plan_tree_nodes import (
    COL_COMPLETE,
    COL_FORWARDED,
    COL_NAME,
    COL_PLAN_NAME,
    COL_RECEIVED,
    COL_SOURCE,
    FILE,
    GROUP,
    PATIENT,
    PLAN,
    UNCONNECTED,
    TreeNode,
)
from rtstation.gui.rule_reasons import glance_text, glance_tooltip
from rtstation.gui.theme import status_brush


def display_text(node: TreeNode, column: int, forwarded: str) -> Any:
    """What a cell shows; ``forwarded`` is the plan's "ORGANO ✓  QA ✗" marks."""
    payload = node.payload
    kind = node.kind
    if kind == PLAN:
        plan: PlanSnapshot = payload
        return (
            plan.label or QCoreApplication.translate("PlanTreeModel", "(no label)"),
            plan.name,
            plan.approval,
            plan.source_ae,
            plan.received,
            plan.completeness,
            forwarded or glance_text(plan.rules),
        )[column]
    if kind == PATIENT:
        patient: PatientSnapshot = payload
        if column == COL_NAME:
            name = patient.patient_name.replace("^", " ").strip()
            return f"{name} ({patient.patient_id})" if name else patient.patient_id
        if column == COL_SOURCE:
            return ", ".join(patient.source_aes)
        if column == COL_RECEIVED:
            return patient.received
        return ""
    if kind == UNCONNECTED:
        unconnected: UnconnectedSnapshot = payload
        if column == COL_NAME:
            return QCoreApplication.translate("PlanTreeModel", "Unconnected")
        if column == COL_COMPLETE:
            return ", ".join(f"{g.modality} {len(g.files)}" for g in unconnected.groups)
        return ""
    if kind == GROUP:
        group: GroupSnapshot = payload
        if column == COL_NAME:
            return f"{group.modality} ({len(group.files)})"
        if column == COL_PLAN_NAME:
            descriptions = {f.series_description for f in group.files} - {""}
            return ", ".join(sorted(descriptions))
        return ""
    if kind == FILE:
        row: FileRow = payload
        if column == COL_NAME:
            number = f" #{row.instance_number}" if row.instance_number is not None else ""
            return f"{row.modality}{number}"
        if column == COL_PLAN_NAME:
            return row.sop_class_name
        if column == COL_SOURCE:
            return row.source_ae
        if column == COL_RECEIVED:
            return row.received
        return ""
    return None


def tooltip_text(node: TreeNode, column: int, states: dict[str, str]) -> str | None:
    """A cell's tooltip; ``states`` are the plan's job states per node."""
    if node.kind == PLAN:
        plan: PlanSnapshot = node.payload
        if column == COL_COMPLETE:
            if plan.missing:
                return QCoreApplication.translate(
                    "PlanTreeModel", "Incomplete: missing %1"
                ).replace("%1", plan.missing)
            return QCoreApplication.translate(
                "PlanTreeModel", "Everything the plan references is here"
            )
        if column == COL_FORWARDED:
            rules = glance_tooltip(plan.rules)
            if not states:
                sent = QCoreApplication.translate("PlanTreeModel", "Not sent anywhere yet")
            else:
                sent = "\n".join(f"{name}: {state_text(state)}" for name, state in states.items())
            return f"{sent}\n\n{rules}" if rules else sent
        if column == COL_NAME:
            return plan.plan_uid
    if node.kind == FILE and column == COL_NAME:
        return node.payload.sop_instance_uid
    return None


def sort_value(node: TreeNode, column: int, shown: Any) -> Any:
    """What the proxy sorts a cell by (``shown`` is its display text)."""
    payload = node.payload
    if column == COL_RECEIVED and node.kind in (PATIENT, PLAN):
        return payload.received_iso
    if column == COL_RECEIVED and node.kind == FILE:
        return payload.received_iso
    if node.kind == FILE and column == COL_NAME:
        return (payload.instance_number or 0, payload.sop_instance_uid)
    if node.kind == UNCONNECTED:
        return "\uffff"  # after the plans in ascending order
    if node.kind == PATIENT and column == COL_NAME:
        return payload.patient_id.casefold()
    value = shown
    return value.casefold() if isinstance(value, str) else value


def foreground_brush(node: TreeNode, column: int, states: dict[str, str]) -> QBrush | None:
    """Amber for an incomplete plan, red for a plan whose send failed somewhere."""
    if node.kind == PLAN:
        if column == COL_COMPLETE and not node.payload.complete:
            return status_brush("warning")
        if column == COL_FORWARDED and "failed" in states.values():
            return status_brush("error")
    return None


def filter_text(patient: PatientSnapshot) -> str:
    """What the filter box matches for a patient, case-folded, one item per line (a typed
    text has no line break, so a match never spans two items)."""
    texts = [patient.patient_id, patient.patient_name.replace("^", " ")]
    texts += [plan.label for plan in patient.plans] + [plan.name for plan in patient.plans]
    return "\n".join(texts).casefold()
