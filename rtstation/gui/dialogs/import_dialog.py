"""Choose what to import: the import folder (or another one), or single files and ZIPs.

The dialog returns an :class:`ImportRequest` and nothing happens until the main window
runs it through ``Station.import_paths`` on a worker with a progress bar (docs/conventions.md,
"GUI shape").

"Import an anonymized copy" imports what settings.ini [Anonymization] makes of the files, as
the new patient typed here (empty: derived); the source files stay, so clearing is off.

"Clear after import" is offered for folders only: the station then deletes each source
file once it is safely stored, which is what the import folder is for, but a physicist
who picks single files from an archive folder expects them to stay where they are.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QStringListModel, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from rtstation.gui.dialogs._checks import parse_rule_field, translate_reason
from rtstation.gui.dialogs._form import FieldMessage, FieldRow
from rtstation.station.anonymized import NewPatient

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportRequest:
    """What to import: ``paths`` (folders, files, ZIPs), whether folders are searched
    below their top level, and whether source files are removed once stored."""

    paths: list[str] = field(default_factory=list)
    recursive: bool = True
    clear: bool = False
    anonymize: bool = False
    new_patient_id: str = ""
    new_patient_name: str = ""

    def new_patient(self) -> NewPatient | None:
        """The identity of the anonymized copy, or None for a plain import."""
        return NewPatient(self.new_patient_id, self.new_patient_name) if self.anonymize else None


class ImportDialog(QDialog):
    """Folder (default: the configured import folder) or files, recursive, clear."""

    def __init__(
        self, default_folder: str, clear_default: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ImportDialog")
        self.setWindowTitle(self.tr("Import DICOM files"))
        self._result: ImportRequest | None = None
        self._clear_default = clear_default

        self.folder_radio = QRadioButton(self.tr("A folder"))
        self.files_radio = QRadioButton(self.tr("Single files or ZIP archives"))
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.folder_radio)
        self.mode_group.addButton(self.files_radio)
        self.folder_radio.setChecked(True)

        self.folder_edit = QLineEdit(default_folder)
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._on_browse_folder_clicked)
        self.folder_row = FieldRow(self.folder_edit, browse)
        self.recursive_check = QCheckBox(self.tr("Include subfolders"))
        self.recursive_check.setChecked(True)

        self.files_model = QStringListModel(self)
        self.files_view = QListView()
        self.files_view.setModel(self.files_model)
        self.files_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.files_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.files_view.setMinimumHeight(110)
        self.choose_files_button = QPushButton(self.tr("Choose files…"))
        self.choose_files_button.clicked.connect(self._on_choose_files_clicked)
        self.remove_files_button = QPushButton(self.tr("Remove"))
        self.remove_files_button.clicked.connect(self._on_remove_files_clicked)
        self.files_message = FieldMessage()
        file_buttons = QVBoxLayout()
        file_buttons.addWidget(self.choose_files_button)
        file_buttons.addWidget(self.remove_files_button)
        file_buttons.addStretch(1)
        files_line = QHBoxLayout()
        files_line.addWidget(self.files_view, 1)
        files_line.addLayout(file_buttons)

        self.clear_check = QCheckBox(
            self.tr("Delete the source files once they are stored (clear the folder)")
        )
        self.clear_check.setChecked(clear_default)

        self.anonymize_check = QCheckBox(
            self.tr("Import an anonymized copy (the source files stay as they are)")
        )
        self.anonymize_check.setObjectName("anonymize")
        self.patient_id_edit = QLineEdit()
        self.patient_id_edit.setObjectName("new_patient_id")
        self.patient_id_edit.setPlaceholderText(
            self.tr("new patient ID (empty = derived: ANON and 10 hex digits)")
        )
        self.patient_id_row = FieldRow(self.patient_id_edit)
        self.patient_name_edit = QLineEdit()
        self.patient_name_edit.setObjectName("new_patient_name")
        self.patient_name_edit.setPlaceholderText(
            self.tr("new patient name (empty = the new patient ID)")
        )
        self.patient_name_row = FieldRow(self.patient_name_edit)

        grid = QGridLayout()
        grid.setColumnMinimumWidth(0, 20)
        grid.addWidget(self.folder_radio, 0, 0, 1, 2)
        grid.addWidget(self.folder_row, 1, 1)
        grid.addWidget(self.recursive_check, 2, 1)
        grid.addWidget(self.clear_check, 3, 1)
        grid.addWidget(self.files_radio, 4, 0, 1, 2)
        grid.addLayout(files_line, 5, 1)
        grid.addWidget(self.files_message, 6, 1)
        grid.addWidget(self.anonymize_check, 7, 0, 1, 2)
        grid.addWidget(self.patient_id_row, 8, 1)
        grid.addWidget(self.patient_name_row, 9, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(
            self.tr("Import"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.folder_radio.toggled.connect(self._on_mode_toggled)
        self.folder_edit.textChanged.connect(self._revalidate)
        self.recursive_check.toggled.connect(self._revalidate)
        self.anonymize_check.toggled.connect(self._on_anonymize_toggled)
        self.patient_id_edit.textChanged.connect(self._revalidate)
        self.patient_name_edit.textChanged.connect(self._revalidate)
        self.resize(620, 480)
        self._on_mode_toggled(True)
        self._on_anonymize_toggled(False)

    # -- result -----------------------------------------------------------------------

    def result_request(self) -> ImportRequest | None:
        """The import to run after "Import", else None."""
        return self._result

    def current_request(self) -> ImportRequest | None:
        """What "Import" would return now, or None while the choice is incomplete."""
        anonymize = self._anonymization()
        if anonymize is None:
            return None
        if self.folder_radio.isChecked():
            folder = self.folder_edit.text().strip()
            if not folder or not os.path.isdir(folder):
                return None
            return ImportRequest(
                paths=[folder],
                recursive=self.recursive_check.isChecked(),
                clear=self.clear_check.isChecked() and not anonymize["anonymize"],
                **anonymize,
            )
        files = self.files_model.stringList()
        if not files:
            return None
        return ImportRequest(paths=list(files), recursive=True, clear=False, **anonymize)

    def _anonymization(self) -> dict[str, Any] | None:
        """The anonymization fields of the request; None while the new identity is invalid."""
        if not self.anonymize_check.isChecked():
            return {"anonymize": False}
        values: dict[str, Any] = {"anonymize": True}
        for attr, edit in (
            ("new_patient_id", self.patient_id_edit),
            ("new_patient_name", self.patient_name_edit),
        ):
            value, reason = parse_rule_field("anonymize_patient_id", edit.text())
            if reason:
                return None
            values[attr] = value
        return values

    def accept(self) -> None:
        request = self.current_request()
        if request is None:
            return
        self._result = request
        super().accept()

    # -- slots ------------------------------------------------------------------------

    @Slot(bool)
    def _on_mode_toggled(self, _checked: bool) -> None:
        folder_mode = self.folder_radio.isChecked()
        for widget in (self.folder_row, self.recursive_check):
            widget.setEnabled(folder_mode)
        self.clear_check.setEnabled(folder_mode and not self.anonymize_check.isChecked())
        for widget in (self.files_view, self.choose_files_button, self.remove_files_button):
            widget.setEnabled(not folder_mode)
        self._revalidate()

    @Slot(bool)
    def _on_anonymize_toggled(self, checked: bool) -> None:
        """An anonymized import never clears its source: the copy is what is imported."""
        self.patient_id_row.setEnabled(checked)
        self.patient_name_row.setEnabled(checked)
        if checked:
            self.clear_check.setChecked(False)
        self.clear_check.setEnabled(self.folder_radio.isChecked() and not checked)
        self._revalidate()

    @Slot()
    def _revalidate(self, *_args: object) -> None:
        for row, edit in (
            (self.patient_id_row, self.patient_id_edit),
            (self.patient_name_row, self.patient_name_edit),
        ):
            _value, reason = parse_rule_field("anonymize_patient_id", edit.text())
            if reason and self.anonymize_check.isChecked():
                row.message.show_error(translate_reason(reason))
            else:
                row.message.clear_message()
        folder = self.folder_edit.text().strip()
        if self.folder_radio.isChecked() and not folder:
            self.folder_row.message.show_error(self.tr("Choose a folder to import."))
        elif self.folder_radio.isChecked() and not os.path.isdir(folder):
            self.folder_row.message.show_error(
                self.tr("The folder '{folder}' does not exist.").format(folder=folder)
            )
        else:
            self.folder_row.message.clear_message()
        if self.files_radio.isChecked() and not self.files_model.stringList():
            self.files_message.show_warning(self.tr("Choose at least one file."))
        else:
            self.files_message.clear_message()
        self.import_button.setEnabled(self.current_request() is not None)

    @Slot()
    def _on_browse_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Folder to import"), self.folder_edit.text()
        )
        if folder:
            self.folder_edit.setText(os.path.normpath(folder))

    @Slot()
    def _on_choose_files_clicked(self) -> None:
        start = self.folder_edit.text().strip()
        files, _filter = QFileDialog.getOpenFileNames(
            self,
            self.tr("Files to import"),
            start if os.path.isdir(start) else "",
            self.tr("DICOM files and ZIP archives (*.dcm *.DCM *.zip *.ZIP);;All files (*)"),
        )
        if files:
            self.add_files(files)

    def add_files(self, files: list[str]) -> None:
        """Add ``files`` (each once) to the list and switch to the files choice."""
        current = self.files_model.stringList()
        current.extend(os.path.normpath(f) for f in files if os.path.normpath(f) not in current)
        self.files_model.setStringList(current)
        self.files_radio.setChecked(True)
        self._revalidate()

    @Slot()
    def _on_remove_files_clicked(self) -> None:
        rows = sorted(
            (index.row() for index in self.files_view.selectionModel().selectedIndexes()),
            reverse=True,
        )
        for row in rows:
            self.files_model.removeRows(row, 1)
        self._revalidate()
