"""Retrieve from an archive: query, pick patients and plans, retrieve into the station or a
folder, with progress and cancel.

The query and the retrieve run on workers (:mod:`rtstation.gui.workers`); the dialog only
fills widgets. A patient ticked without any of its plans is retrieved whole; ticked plans
narrow it to their bundles. "Into the station" retrieves into a temporary folder and
imports it, so the plans show in the main tree and the rules see them like any import.
A patient list exported by ESAPIPatientBrowser fills the patient IDs and ticks its plans.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rtstation.gui import workers
from rtstation.gui.dialogs._task_dialog import TaskDialogMixin
from rtstation.net.peer import Peer
from rtstation.station import Station
from rtstation.station.archive_browse import (
    ArchivePatient,
    QueryForm,
    browse,
    read_patient_list,
)
from rtstation.station.retrieval import (
    PatientReport,
    PatientRetriever,
    RetrieveOptions,
    split_patient_ids,
)
from rtstation.station.sending import peer_for

LOGGER = logging.getLogger(__name__)

_UID_ROLE = Qt.ItemDataRole.UserRole
_KIND_ROLE = Qt.ItemDataRole.UserRole + 1


class RetrieveDialog(TaskDialogMixin, QDialog):
    """Query form, results tree, destination, progress; one task at a time."""

    def __init__(self, station: Station, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RetrieveDialog")
        self.setWindowTitle(self.tr("Retrieve from an archive"))
        self.station = station
        self._task: workers.TaskHandle[Any] | None = None
        self._selected_labels: dict[str, set[str]] = {}
        self.reports: list[PatientReport] = []

        self.node_combo = QComboBox()
        for node in station.settings.nodes:
            self.node_combo.addItem(
                f"{node.name} ({node.ae_title} {node.host}:{node.port})", node.name
            )
        self.method_combo = QComboBox()
        self.method_combo.addItem(self.tr("C-MOVE to this station's receiver"), "move")
        self.method_combo.addItem(self.tr("C-GET (nothing has to reach our port)"), "get")
        self.patient_ids_edit = QLineEdit()
        self.patient_ids_edit.setPlaceholderText(self.tr("P1;P2"))
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("for example Doe*"))
        self.date_from_edit = QLineEdit()
        self.date_from_edit.setPlaceholderText(self.tr("YYYYMMDD"))
        self.date_to_edit = QLineEdit()
        self.date_to_edit.setPlaceholderText(self.tr("YYYYMMDD"))
        self.modality_combo = QComboBox()
        for modality in ("", "RTPLAN", "CT", "MR", "PT", "RTSTRUCT", "RTDOSE"):
            self.modality_combo.addItem(modality or self.tr("any"), modality)
        dates = QHBoxLayout()
        dates.addWidget(self.date_from_edit)
        dates.addWidget(QLabel(self.tr("to")))
        dates.addWidget(self.date_to_edit)
        self.load_list_button = QPushButton(self.tr("Load patient list…"))
        self.query_button = QPushButton(self.tr("Query"))
        form = QFormLayout()
        form.addRow(self.tr("Archive"), self.node_combo)
        form.addRow(self.tr("Retrieve by"), self.method_combo)
        form.addRow(self.tr("Patient IDs"), self.patient_ids_edit)
        form.addRow(self.tr("Patient name"), self.name_edit)
        form.addRow(self.tr("Study date"), dates)
        form.addRow(self.tr("Modality"), self.modality_combo)
        query_line = QHBoxLayout()
        query_line.addWidget(self.load_list_button)
        query_line.addStretch(1)
        query_line.addWidget(self.query_button)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Patient / study / series"), self.tr("Details")])
        self.tree.setColumnWidth(0, 340)
        self.only_approved_check = QCheckBox(self.tr("Only approved plans"))
        self.into_station_radio = QRadioButton(self.tr("Into the station"))
        self.to_folder_radio = QRadioButton(self.tr("To a folder"))
        self.into_station_radio.setChecked(True)
        self.folder_edit = QLineEdit()
        self.browse_button = QPushButton(self.tr("Browse…"))
        destination = QHBoxLayout()
        destination.addWidget(self.into_station_radio)
        destination.addWidget(self.to_folder_radio)
        destination.addWidget(self.folder_edit, 1)
        destination.addWidget(self.browse_button)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retrieve_button = QPushButton(self.tr("Retrieve"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.close_button = QPushButton(self.tr("Close"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.only_approved_check)
        buttons.addStretch(1)
        buttons.addWidget(self.retrieve_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(query_line)
        layout.addWidget(self.tree, 1)
        layout.addLayout(destination)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)

        self.query_button.clicked.connect(self._on_query_clicked)
        self.retrieve_button.clicked.connect(self._on_retrieve_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.close_button.clicked.connect(self.reject)
        self.load_list_button.clicked.connect(self._on_load_list_clicked)
        self.browse_button.clicked.connect(self._on_browse_clicked)
        self.to_folder_radio.toggled.connect(self._update_buttons)
        self.folder_edit.textChanged.connect(self._update_buttons)
        self.tree.itemChanged.connect(self._update_buttons)
        self.resize(760, 640)
        self._update_buttons()

    # -- state ----------------------------------------------------------------------------

    def _peer(self) -> Peer | None:
        node = self.station.settings.node(str(self.node_combo.currentData() or ""))
        return None if node is None else peer_for(node, self.station.settings.ae_title)

    @Slot()
    def _update_buttons(self, *_args: object) -> None:
        has_peer = self.node_combo.count() > 0
        self.query_button.setEnabled(has_peer and not self.busy)
        folder_ok = self.into_station_radio.isChecked() or bool(self.folder_edit.text().strip())
        self.retrieve_button.setEnabled(
            has_peer and not self.busy and bool(self.selection()) and folder_ok
        )
        self.cancel_button.setEnabled(self.busy)
        self.folder_edit.setEnabled(self.to_folder_radio.isChecked())
        self.browse_button.setEnabled(self.to_folder_radio.isChecked())
        if not has_peer:
            self.status_label.setText(self.tr("Add the archive as a node in the settings first."))

    def selection(self) -> dict[str, list[str]]:
        """Patient ID -> ticked plan UIDs (empty: the whole patient) for ticked patients."""
        chosen: dict[str, list[str]] = {}
        for index in range(self.tree.topLevelItemCount()):
            patient = self.tree.topLevelItem(index)
            plans = [
                item.data(0, _UID_ROLE)
                for item in _descendants(patient)
                if item.data(0, _KIND_ROLE) == "plan"
                and item.checkState(0) == Qt.CheckState.Checked
            ]
            if plans or patient.checkState(0) == Qt.CheckState.Checked:
                chosen[str(patient.data(0, _UID_ROLE))] = plans
        return chosen

    # -- query ----------------------------------------------------------------------------

    def current_form(self) -> QueryForm:
        return QueryForm(
            patient_ids=tuple(split_patient_ids([self.patient_ids_edit.text()])),
            patient_name=self.name_edit.text().strip(),
            date_from=self.date_from_edit.text().strip(),
            date_to=self.date_to_edit.text().strip(),
            modality=str(self.modality_combo.currentData() or ""),
        )

    @Slot()
    def _on_query_clicked(self) -> None:
        peer = self._peer()
        if peer is None:
            return
        form = self.current_form()
        self.status_label.setText(self.tr("Querying the archive…"))

        def work(control: workers.TaskControl) -> list[ArchivePatient]:
            return browse(
                peer, form, progress=control.progress, should_cancel=control.should_cancel
            )

        self._start(work, self._on_query_done, name="archive-query")

    def _on_query_done(self, patients: list[ArchivePatient]) -> None:
        self._task = None
        self.show_results(patients)
        self.status_label.setText(self.tr("%1 patient(s) found.").replace("%1", str(len(patients))))
        self._update_buttons()

    def show_results(self, patients: list[ArchivePatient]) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        for patient in patients:
            top = QTreeWidgetItem([f"{patient.patient_id}  {patient.name}", ""])
            top.setData(0, _UID_ROLE, patient.patient_id)
            top.setData(0, _KIND_ROLE, "patient")
            top.setFlags(top.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            wanted = self._selected_labels.get(patient.patient_id, set())
            top.setCheckState(0, Qt.CheckState.Unchecked)
            for study in patient.studies:
                study_item = QTreeWidgetItem([study.description or self.tr("(study)"), study.date])
                top.addChild(study_item)
                for series in study.series:
                    if series.plans:
                        for plan in series.plans:
                            item = QTreeWidgetItem(
                                [
                                    self.tr("Plan %1").replace(
                                        "%1", plan.label or plan.sop_instance_uid
                                    ),
                                    plan.approval,
                                ]
                            )
                            item.setData(0, _UID_ROLE, plan.sop_instance_uid)
                            item.setData(0, _KIND_ROLE, "plan")
                            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                            ticked = plan.label in wanted
                            item.setCheckState(
                                0, Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
                            )
                            study_item.addChild(item)
                    else:
                        study_item.addChild(
                            QTreeWidgetItem(
                                [
                                    f"{series.modality} {series.description}".strip(),
                                    self.tr("%1 instance(s)").replace("%1", str(series.instances)),
                                ]
                            )
                        )
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)
        self.tree.expandAll()
        self.tree.blockSignals(False)
        self._update_buttons()

    @Slot()
    def _on_load_list_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Patient list"), "", self.tr("Patient lists (*.json);;All files (*)")
        )
        if path:
            self.load_patient_list(path)

    def load_patient_list(self, path: str) -> None:
        """Fill the patient IDs from an ESAPIPatientBrowser list; its ticked plans get
        ticked in the results of the next query."""
        try:
            entries = read_patient_list(path)
        except Exception as exc:  # a ConfigError in words
            self.status_label.setText(str(exc))
            return
        self._selected_labels = {e.patient_id: set(e.selected_plans) for e in entries}
        self.patient_ids_edit.setText(";".join(e.patient_id for e in entries))
        self.status_label.setText(
            self.tr("%1 patient(s) loaded from the list.").replace("%1", str(len(entries)))
        )

    # -- retrieve -------------------------------------------------------------------------

    @Slot()
    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Retrieve into folder"), self.folder_edit.text()
        )
        if folder:
            self.folder_edit.setText(os.path.normpath(folder))

    @Slot()
    def _on_retrieve_clicked(self) -> None:
        peer = self._peer()
        selection = self.selection()
        if peer is None or not selection:
            return
        into_station = self.into_station_radio.isChecked()
        folder = Path(self.folder_edit.text().strip()) if not into_station else None
        use_get = self.method_combo.currentData() == "get"
        only_approved = self.only_approved_check.isChecked()
        station = self.station
        self.status_label.setText(self.tr("Retrieving…"))

        def work(control: workers.TaskControl) -> list[PatientReport]:
            reports: list[PatientReport] = []
            scratch = None
            if into_station:  # beside the catalog, not in the storage (an import skips that)
                scratch_root = Path(station.paths.data_dir) / "retrievals"
                scratch_root.mkdir(parents=True, exist_ok=True)
                scratch = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-import-", dir=scratch_root))
            try:
                for patient_id, plan_uids in selection.items():
                    options = RetrieveOptions(
                        peer=peer,
                        output=scratch or folder,  # type: ignore[arg-type]
                        plan_ids=tuple(plan_uids),
                        only_approved=only_approved,
                        use_get=use_get,
                    )
                    retriever = PatientRetriever(
                        station.settings,
                        station.paths.data_dir,
                        options,
                        progress=lambda p: control.progress(
                            p.done, p.total, f"{p.patient_id}: {p.phase}"
                        ),
                        should_cancel=control.should_cancel,
                    )
                    reports.extend(retriever.retrieve([patient_id]))
                    if control.cancelled:
                        break
                if scratch is not None:
                    folders = [str(r.folder) for r in reports if r.ok and r.folder]
                    if folders:
                        station.import_paths(folders)
            finally:
                if scratch is not None:
                    shutil.rmtree(scratch, ignore_errors=True)
            return reports

        self._start(work, self._on_retrieve_done, name="archive-retrieve")

    def _on_retrieve_done(self, reports: list[PatientReport]) -> None:
        self._task = None
        self.reports = reports
        lines = []
        for report in reports:
            if report.ok:
                lines.append(
                    self.tr("%1: %2 file(s) retrieved.")
                    .replace("%1", report.patient_id)
                    .replace("%2", str(len(report.files)))
                )
            elif report.cancelled:
                lines.append(self.tr("%1: cancelled.").replace("%1", report.patient_id))
            else:
                lines.append(f"{report.patient_id}: {' '.join(report.problems)}")
        self.status_label.setText("\n".join(lines))
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self._update_buttons()


def _descendants(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    found = []
    for index in range(item.childCount()):
        child = item.child(index)
        found.append(child)
        found.extend(_descendants(child))
    return found
