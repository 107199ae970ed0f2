"""DetailsPanel: what a physicist checks before sending a plan.

Patient, label, name, date, approval, machines, beams with energy and MU, fractions and
prescription on the first tab; every file of the bundle with modality, SOP class, size
and source AE on the second; the plan's send history per node on the third. Everything
shown comes from the snapshot the tree already holds, except the history, which the
details controller fetches on a worker and hands in with :meth:`set_history`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rtstation.gui.controllers.tree_data import FileRow, PatientSnapshot, PlanSnapshot
from rtstation.gui.core_text import render, render_waiting
from rtstation.gui.models.job_table_model import clock_text, state_text
from rtstation.gui.models.rows_model import RowsTableModel
from rtstation.gui.rule_reasons import trigger_text
from rtstation.gui.theme import status_color
from rtstation.routing.triggers import parse_trigger


def format_size(size: int) -> str:
    """Bytes in the unit a person reads: "512 B", "48.0 KB", "1.2 MB"."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def energy_text(energy: str, radiation_type: str) -> str:
    """ "6" -> "6 MV" for photons, "6 MeV" for electrons and ions (DICOM stores MeV and
    many planning systems leave out the unit); text with a unit stays as it is."""
    try:
        float(energy)
    except ValueError:
        return energy
    unit = "MV" if radiation_type.upper() == "PHOTON" else "MeV"
    return f"{energy} {unit}"


def format_dicom_date(value: str) -> str:
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


_OPTIONAL_FIELDS = ("intent", "waiting", "verdicts")


class _Table(QTableView):
    """A read-only table over a :class:`RowsTableModel`."""

    def __init__(
        self, headers: Sequence[str], parent: QWidget, numeric_columns: Sequence[int] = ()
    ) -> None:
        super().__init__(parent)
        self.rows_model = RowsTableModel(headers, numeric_columns, self)
        self.setModel(self.rows_model)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def set_rows(self, rows: Sequence[Sequence[str]]) -> None:
        self.rows_model.set_rows(rows)
        # measure a bounded number of rows: a 1,000-slice CT must not stall the click
        self.horizontalHeader().setResizeContentsPrecision(50)
        self.resizeColumnsToContents()


def _fill(table: _Table, rows: Sequence[Sequence[str]]) -> None:
    table.set_rows(rows)


class DetailsPanel(QTabWidget):
    """Plan / Files / History tabs for the selected plan (or a patient summary)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPanel")
        self._plan_uid = ""

        plan_page = QWidget(self)
        self._fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, label in (
            ("patient", self.tr("Patient")),
            ("label", self.tr("Plan label")),
            ("name", self.tr("Plan name")),
            ("date", self.tr("Plan date")),
            ("approval", self.tr("Approval")),
            ("intent", self.tr("Intent")),
            ("machines", self.tr("Machines")),
            ("fractions", self.tr("Fractions")),
            ("prescription", self.tr("Prescription")),
            ("completeness", self.tr("Completeness")),
            ("source", self.tr("Source AE")),
            ("received", self.tr("Received")),
            ("waiting", self.tr("Rules")),
            ("verdicts", self.tr("Rule by rule")),
        ):
            value = QLabel(self)
            value.setObjectName(f"detail:{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self._fields[key] = value
            form.addRow(label + ":", value)
        self._form = form
        self.beams_table = _Table(
            (
                self.tr("Beam"),
                self.tr("Machine"),
                self.tr("Type"),
                self.tr("Energy"),
                self.tr("MU"),
                self.tr("Delivery"),
            ),
            self,
            numeric_columns=(4,),
        )
        self.beams_table.setObjectName("beamsTable")
        plan_layout = QVBoxLayout(plan_page)
        plan_layout.addLayout(form)
        plan_layout.addWidget(QLabel(self.tr("Beams:"), self))
        plan_layout.addWidget(self.beams_table, 1)

        self.files_table = _Table(
            (
                self.tr("Modality"),
                self.tr("SOP class"),
                self.tr("Size"),
                self.tr("Source AE"),
                self.tr("Received"),
                self.tr("SOP Instance UID"),
            ),
            self,
            numeric_columns=(2,),
        )
        self.files_table.setObjectName("filesTable")
        self.history_table = _Table(
            (
                self.tr("Node"),
                self.tr("Job"),
                self.tr("Trigger"),
                self.tr("State"),
                self.tr("Progress"),
                self.tr("Queued"),
                self.tr("Finished"),
                self.tr("Reason"),
            ),
            self,
        )
        self.history_table.setObjectName("historyTable")
        self.addTab(plan_page, self.tr("Plan"))
        self.addTab(self.files_table, self.tr("Files"))
        self.addTab(self.history_table, self.tr("Send history"))
        self.clear()

    @property
    def plan_uid(self) -> str:
        return self._plan_uid

    def field_text(self, key: str) -> str:
        return self._fields[key].text()

    def clear(self) -> None:
        self._plan_uid = ""
        for value in self._fields.values():
            value.setText("")
        for key in _OPTIONAL_FIELDS:
            self._form.setRowVisible(self._fields[key], False)
        self._fields["patient"].setText(self.tr("Select a plan in the tree."))
        _fill(self.beams_table, [])
        _fill(self.files_table, [])
        _fill(self.history_table, [])

    def show_patient(self, patient: PatientSnapshot) -> None:
        self.clear()
        name = patient.patient_name.replace("^", " ").strip()
        self._fields["patient"].setText(
            f"{name} ({patient.patient_id})" if name else patient.patient_id
        )
        self._fields["label"].setText(
            ", ".join(p.label for p in patient.plans) or self.tr("(no plans)")
        )
        self._fields["source"].setText(", ".join(patient.source_aes))
        self._fields["received"].setText(patient.received)
        rows: list[FileRow] = [f for p in patient.plans for f in p.files()]
        if patient.unconnected is not None:
            rows += [f for g in patient.unconnected.groups for f in g.files]
        self._show_files(rows)

    def show_plan(self, plan: PlanSnapshot) -> None:
        """Show ``plan``; the history table keeps its rows if it is the same plan."""
        same = plan.plan_uid == self._plan_uid
        self._plan_uid = plan.plan_uid
        # an outline (the tree still filling in) has no plan header yet: its fields stay
        # empty until the full snapshot replaces it a moment later
        header = plan.bundle.plan if plan.bundle is not None else None
        name = plan.patient_name.replace("^", " ").strip()
        values = {
            "patient": f"{name} ({plan.patient_id})" if name else plan.patient_id,
            "label": plan.label,
            "name": plan.name,
            "date": format_dicom_date(header.plan_date) if header else "",
            "approval": plan.approval,
            "intent": header.plan_intent if header else "",
            "machines": ", ".join(header.machines) if header else "",
            "fractions": ""
            if header is None or header.fractions_planned is None
            else str(header.fractions_planned),
            "prescription": ""
            if header is None or header.prescription_gy is None
            else f"{header.prescription_gy:g} Gy",
            "completeness": plan.completeness
            + (f" ({self.tr('missing')} {plan.missing})" if plan.missing else ""),
            "source": plan.source_ae,
            "received": plan.received,
            "waiting": self._rules_text(plan),
            "verdicts": self._fields["verdicts"].text() if same else "",
        }
        for key, value in values.items():
            self._fields[key].setText(value)
        for key in _OPTIONAL_FIELDS:  # no empty "Rules:" line when nothing waits
            self._form.setRowVisible(self._fields[key], bool(values[key]))
        self._fields["completeness"].setStyleSheet(
            "" if plan.complete else f"color: {status_color('warning')};"
        )
        beams = []
        for beam in header.beams if header else ():
            beams.append(
                (
                    f"{beam.number or ''} {beam.name}".strip(),
                    beam.machine,
                    beam.radiation_type,
                    energy_text(beam.energy, beam.radiation_type),
                    "" if beam.meterset is None else f"{beam.meterset:.1f}",
                    beam.treatment_delivery_type,
                )
            )
        total = header.total_meterset if header else None
        if beams and total is not None:
            beams.append((self.tr("Total"), "", "", "", f"{total:.1f}", ""))
        _fill(self.beams_table, beams)
        self._show_files(plan.files())
        if not same:
            _fill(self.history_table, [])

    def _rules_text(self, plan: PlanSnapshot) -> str:
        """The automatic forwarding's verdict in words (empty when the rules never ran)."""
        if plan.decision == "forwarded":
            rules = plan.rules.matched_rules if plan.rules is not None else ()
            if rules:
                return self.tr("forwarded by rule %1").replace("%1", ", ".join(rules))
            return self.tr("forwarded by a rule")
        if plan.decision == "not-forwarded":
            return self.tr("no rule forwards this plan")
        if plan.decision == "pending" or plan.waiting:
            if plan.waiting:
                return self.tr("waiting: %1").replace("%1", render_waiting(plan.waiting))
            return self.tr("waiting for the plan to be complete")
        return ""

    def set_rule_lines(self, lines: Sequence[str]) -> None:
        """Each rule's verdict for the shown plan (matched or not, and why)."""
        text = "\n".join(lines)
        self._fields["verdicts"].setText(text)
        self._form.setRowVisible(self._fields["verdicts"], bool(text))

    def _show_files(self, rows: Sequence[FileRow]) -> None:
        _fill(
            self.files_table,
            [
                (
                    row.modality,
                    row.sop_class_name,
                    format_size(row.size),
                    row.source_ae,
                    row.received,
                    row.sop_instance_uid,
                )
                for row in rows
            ],
        )

    def set_history(self, plan_uid: str, rows: Sequence[Any]) -> None:
        """Job rows (``JobChanged``) for ``plan_uid``, grouped by node, newest first."""
        if plan_uid != self._plan_uid:
            return
        ordered = sorted(rows, key=lambda r: (r.node.casefold(), -r.job_id))
        _fill(
            self.history_table,
            [
                (
                    row.node,
                    str(row.job_id),
                    trigger_text(parse_trigger(row.source)) if row.source else "",
                    state_text(row.state),
                    f"{row.done}/{row.total}" if row.total else "",
                    clock_text(row.created_at, full=True),
                    clock_text(row.finished_at, full=True),
                    render(row.message.splitlines()[0]) if row.message else "",
                )
                for row in ordered
            ],
        )
