"""Store a folder to a node, as ``rtstation store``: plans found, machine names found, a
mapping table (remembered per target node), a before/after preview, progress, and the
resume state of the status file.

Reading the folder and storing run on workers. The mapping is remembered in the window's
QSettings under the node's name, because the machine names a system knows belong to
that system, not to the folder.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rtstation.gui import workers
from rtstation.gui.dialogs._checks import parse_rule_field, translate_reason
from rtstation.gui.dialogs._task_dialog import TaskDialogMixin
from rtstation.station import Station
from rtstation.station.anonymized import NewPatient
from rtstation.station.folder_store import (
    StorePlan,
    StoreReport,
    plan_store,
    store_folder,
    store_folder_anonymized,
)
from rtstation.station.sending import peer_for


class StoreDialog(TaskDialogMixin, QDialog):
    def __init__(
        self, station: Station, ui_settings: QSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("StoreDialog")
        self.setWindowTitle(self.tr("Store a folder to a node"))
        self.station = station
        self.ui_settings = ui_settings or QSettings()
        self._task: workers.TaskHandle[Any] | None = None
        self.plan: StorePlan | None = None
        self.report: StoreReport | None = None

        self.folder_edit = QLineEdit()
        self.browse_button = QPushButton(self.tr("Browse…"))
        self.read_button = QPushButton(self.tr("Read folder"))
        folder_line = QHBoxLayout()
        folder_line.addWidget(self.folder_edit, 1)
        folder_line.addWidget(self.browse_button)
        folder_line.addWidget(self.read_button)
        self.node_combo = QComboBox()
        for node in station.settings.nodes:
            self.node_combo.addItem(
                f"{node.name} ({node.ae_title} {node.host}:{node.port})", node.name
            )
        self.resume_check = QCheckBox(self.tr("Resume: skip files stored before (status file)"))
        self.resume_check.setChecked(True)
        self.continue_check = QCheckBox(self.tr("Continue after a refused file"))
        self.anonymize_check = QCheckBox(
            self.tr("Send an anonymized copy (settings.ini [Anonymization]; no resume)")
        )
        self.anonymize_check.setObjectName("anonymize")
        self.patient_id_edit = QLineEdit()
        self.patient_id_edit.setObjectName("new_patient_id")
        self.patient_id_edit.setPlaceholderText(
            self.tr("new patient ID (empty = derived: ANON and 10 hex digits)")
        )
        self.patient_name_edit = QLineEdit()
        self.patient_name_edit.setObjectName("new_patient_name")
        self.patient_name_edit.setPlaceholderText(
            self.tr("new patient name (empty = the new patient ID)")
        )
        form = QFormLayout()
        form.addRow(self.tr("Folder"), folder_line)
        form.addRow(self.tr("Target node"), self.node_combo)
        form.addRow("", self.resume_check)
        form.addRow("", self.continue_check)
        form.addRow("", self.anonymize_check)
        form.addRow(self.tr("New patient ID"), self.patient_id_edit)
        form.addRow(self.tr("New patient name"), self.patient_name_edit)

        self.plans_list = QListWidget()
        self.mapping_table = QTableWidget(0, 2)
        self.mapping_table.setHorizontalHeaderLabels(
            [self.tr("Machine in the plans"), self.tr("Name on the target")]
        )
        self.mapping_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.preview_list = QListWidget()
        lists = QHBoxLayout()
        for title, widget in (
            (self.tr("Plans found"), self.plans_list),
            (self.tr("Machine mapping"), self.mapping_table),
            (self.tr("Before → after"), self.preview_list),
        ):
            column = QVBoxLayout()
            column.addWidget(QLabel(title))
            column.addWidget(widget)
            lists.addLayout(column)

        self.resume_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.store_button = QPushButton(self.tr("Store"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.close_button = QPushButton(self.tr("Close"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.store_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(lists, 1)
        layout.addWidget(self.resume_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)

        self.browse_button.clicked.connect(self._on_browse_clicked)
        self.read_button.clicked.connect(self.read_folder)
        self.store_button.clicked.connect(self._on_store_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.close_button.clicked.connect(self.reject)
        self.mapping_table.itemChanged.connect(self._on_mapping_changed)
        self.node_combo.currentIndexChanged.connect(self._on_node_changed)
        self.anonymize_check.toggled.connect(self._on_anonymize_toggled)
        self.patient_id_edit.textChanged.connect(self._update_buttons)
        self.patient_name_edit.textChanged.connect(self._update_buttons)
        self._on_anonymize_toggled(False)
        self.resize(900, 600)
        self._update_buttons()

    # -- state ----------------------------------------------------------------------------

    def _node_name(self) -> str:
        return str(self.node_combo.currentData() or "")

    def _status_file(self) -> Path | None:
        """One status file per folder and target node, in the station's data folder (the
        folder being stored is left as it is)."""
        folder = self.folder_edit.text().strip()
        if not folder or not self.resume_check.isChecked():
            return None
        key = hashlib.sha1(str(Path(folder).resolve()).encode()).hexdigest()[:16]
        safe_node = "".join(ch if ch.isalnum() else "_" for ch in self._node_name())
        return Path(self.station.paths.data_dir) / "store-status" / f"{safe_node}-{key}.txt"

    def mapping(self) -> dict[str, str]:
        result = {}
        for row in range(self.mapping_table.rowCount()):
            source = self.mapping_table.item(row, 0)
            target = self.mapping_table.item(row, 1)
            if source is not None and target is not None and target.text().strip():
                result[source.text()] = target.text().strip()
        return result

    def _remembered(self) -> dict[str, str]:
        value = self.ui_settings.value(f"store/mapping/{self._node_name()}", {})
        return dict(value) if isinstance(value, dict) else {}

    def new_patient(self) -> NewPatient | None:
        """The anonymized copy's identity; None when not anonymizing (or it is invalid)."""
        if not self.anonymize_check.isChecked():
            return None
        texts = (self.patient_id_edit.text(), self.patient_name_edit.text())
        parsed = [parse_rule_field("anonymize_patient_id", text) for text in texts]
        if any(reason for _value, reason in parsed):
            return None
        return NewPatient(parsed[0][0], parsed[1][0])

    def _identity_problem(self) -> str:
        if not self.anonymize_check.isChecked():
            return ""
        for text in (self.patient_id_edit.text(), self.patient_name_edit.text()):
            _value, reason = parse_rule_field("anonymize_patient_id", text)
            if reason:
                return f"'{text.strip()}': {translate_reason(reason)}"
        return ""

    @Slot(bool)
    def _on_anonymize_toggled(self, checked: bool) -> None:
        """Anonymized copies are new files on every run: no status file, no resume."""
        self.patient_id_edit.setEnabled(checked)
        self.patient_name_edit.setEnabled(checked)
        if checked:
            self.resume_check.setChecked(False)
        self.resume_check.setEnabled(not checked)
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.plan is not None and bool(self.plan.entries) and self.node_combo.count() > 0
        problem = self._identity_problem()
        if problem:
            self.status_label.setText(problem)
        ready = ready and not problem
        self.store_button.setEnabled(ready and not self.busy)
        self.read_button.setEnabled(not self.busy)
        self.cancel_button.setEnabled(self.busy)

    # -- reading --------------------------------------------------------------------------

    @Slot()
    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Folder to store"), self.folder_edit.text()
        )
        if folder:
            self.folder_edit.setText(os.path.normpath(folder))
            self.read_folder()

    @Slot()
    def read_folder(self) -> None:
        folder = Path(self.folder_edit.text().strip())
        if not folder.is_dir():
            self.status_label.setText(
                self.tr("The folder '%1' does not exist.").replace("%1", str(folder))
            )
            return
        status_file = self._status_file()
        self.status_label.setText(self.tr("Reading the folder…"))

        def work(_control: workers.TaskControl) -> StorePlan:
            return plan_store(folder, status_file=status_file)

        self._start(work, self._on_read_done, name="store-read")

    def _on_read_done(self, plan: StorePlan) -> None:
        self._task = None
        self.plan = plan
        self.plans_list.clear()
        for entry in plan.entries:
            header = entry.header
            if header.is_plan:
                machines = ", ".join(header.machines) or self.tr("no machine")
                self.plans_list.addItem(
                    f"{header.plan_label}  {header.approval_status}  {machines}"
                )
        remembered = self._remembered()
        self.mapping_table.blockSignals(True)
        self.mapping_table.setRowCount(0)
        for machine in plan.machines:
            row = self.mapping_table.rowCount()
            self.mapping_table.insertRow(row)
            source = QTableWidgetItem(machine)
            source.setFlags(source.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.mapping_table.setItem(row, 0, source)
            self.mapping_table.setItem(row, 1, QTableWidgetItem(remembered.get(machine, "")))
        self.mapping_table.blockSignals(False)
        self.resume_label.setText(
            self.tr("%1 file(s) to store, %2 stored before (skipped).")
            .replace("%1", str(len(plan.entries)))
            .replace("%2", str(len(plan.already_stored)))
        )
        self.status_label.setText("")
        self._refresh_preview()
        self.progress.setRange(0, 1)
        self._update_buttons()

    @Slot()
    def _on_node_changed(self, _index: int) -> None:
        if self.plan is not None:
            self._on_read_done(self.plan)

    @Slot()
    def _on_mapping_changed(self, _item: QTableWidgetItem) -> None:
        self.ui_settings.setValue(f"store/mapping/{self._node_name()}", self.mapping())
        self._refresh_preview()

    def _refresh_preview(self) -> None:
        self.preview_list.clear()
        if self.plan is None:
            return
        mapping = self.mapping()
        for entry in self.plan.entries:
            header = entry.header
            if not header.is_plan:
                continue
            for machine in header.machines:
                after = mapping.get(machine, machine)
                self.preview_list.addItem(f"{header.plan_label}: {machine} → {after}")

    # -- storing --------------------------------------------------------------------------

    @Slot()
    def _on_store_clicked(self) -> None:
        node = self.station.settings.node(self._node_name())
        plan = self.plan
        if node is None or plan is None:
            return
        peer = peer_for(node, self.station.settings.ae_title)
        mapping = self.mapping()
        status_file = self._status_file()
        continue_on_error = self.continue_check.isChecked()
        self.status_label.setText(self.tr("Storing…"))

        patient = self.new_patient()
        copies = self.station.copies

        def work(control: workers.TaskControl) -> StoreReport:
            if patient is not None:
                return store_folder_anonymized(
                    peer,
                    plan,
                    copies,
                    patient,
                    mapping=mapping,
                    continue_on_error=continue_on_error,
                    on_item=lambda done, total, path, _outcome: control.progress(
                        done, total, os.path.basename(path)
                    ),
                    should_cancel=control.should_cancel,
                )
            if status_file is not None:
                status_file.parent.mkdir(parents=True, exist_ok=True)
            return store_folder(
                peer,
                plan,
                mapping=mapping,
                status_file=status_file,
                continue_on_error=continue_on_error,
                on_item=lambda done, total, path, _outcome: control.progress(
                    done, total, os.path.basename(path)
                ),
                should_cancel=control.should_cancel,
            )

        self._start(work, self._on_store_done, name="store-folder")

    def _on_store_done(self, report: StoreReport) -> None:
        self._task = None
        self.report = report
        text = self.tr("%1 stored, %2 refused, %3 not sent.")
        text = (
            text.replace("%1", str(len(report.stored)))
            .replace("%2", str(len(report.refused)))
            .replace("%3", str(report.not_sent))
        )
        if report.cancelled:
            text += " " + self.tr("Cancelled.")
        if report.association_error:
            text += " " + report.association_error
        if report.refused:
            path, reason = report.refused[0]
            text += " " + self.tr("First refused: '%1': %2").replace(
                "%1", os.path.basename(path)
            ).replace("%2", reason)
        self.status_label.setText(text)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.plan = None
        self._update_buttons()
