"""The Settings dialog's Anonymization tab: the settings.ini ``[Anonymization]`` section.

These settings say how rules with ``anonymize = True``, ``import --anonymize``,
``retrieve --anonymize`` and ``rtstation anonymize`` make their copies: the profile, its
PS3.15 options (or the profile's own), what to do with burned-in annotation, and the UID
map file shared by CLI runs. A mixin of :class:`SettingsDialog`, split off by concern; the
values are checked by the same parsers as settings.ini.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from rtstation.config import Settings
from rtstation.dicom.anonymize import DEFAULT_OPTIONS, OPTION_COLUMNS, PROFILE_NAMES
from rtstation.gui.dialogs._checklist import CheckList
from rtstation.gui.dialogs._checks import parse_setting, translate_reason
from rtstation.gui.dialogs._form import FieldMessage, FieldRow, hint_label

# PS3.15 says a copy keeps either full or modified dates, never both.
_EXCLUSIVE = ("RetainLongFullDatesAndTimes", "RetainLongModifDatesAndTimes")


class AnonymizationTabMixin:
    def _build_anonymization_tab(self, settings: Settings) -> QWidget:
        page = QWidget()
        box = QGroupBox(QCoreApplication.translate("SettingsDialog", "Anonymized copies"))
        form = QFormLayout(box)
        self.profile_combo = QComboBox()
        names = {
            "aria": QCoreApplication.translate(
                "SettingsDialog", "aria: keeps what an ARIA import needs (plan label, ROI names)"
            ),
            "basic": QCoreApplication.translate(
                "SettingsDialog", "basic: the PS3.15 Basic Application Level Confidentiality"
            ),
        }
        for name in PROFILE_NAMES:
            self.profile_combo.addItem(names.get(name, name), name)
        self.profile_combo.setCurrentIndex(
            max(self.profile_combo.findData(settings.anonymization_profile), 0)
        )
        self.profile_combo.currentIndexChanged.connect(self._on_profile_changed)
        form.addRow(QCoreApplication.translate("SettingsDialog", "Profile:"), self.profile_combo)

        self.profile_options_check = QCheckBox(
            QCoreApplication.translate("SettingsDialog", "The profile's own options")
        )
        self.profile_options_check.setChecked(settings.anonymization_options is None)
        self.profile_options_check.toggled.connect(self._on_profile_changed)
        form.addRow(
            QCoreApplication.translate("SettingsDialog", "Options:"), self.profile_options_check
        )
        self.options_list = CheckList([(o, o) for o in OPTION_COLUMNS], columns=2)
        self.options_list.set_values(settings.anonymization_options or ())
        self.options_list.changed.connect(self._on_field_changed)
        self.options_message = FieldMessage()
        form.addRow("", self.options_list)
        form.addRow("", self.options_message)

        self.burned_in_combo = QComboBox()
        self.burned_in_combo.addItem(
            QCoreApplication.translate("SettingsDialog", "Refuse the file"), "refuse"
        )
        self.burned_in_combo.addItem(
            QCoreApplication.translate("SettingsDialog", "Copy it and warn"), "warn"
        )
        self.burned_in_combo.setCurrentIndex(
            max(self.burned_in_combo.findData(settings.anonymization_burned_in), 0)
        )
        self.burned_in_combo.currentIndexChanged.connect(self._on_field_changed)
        form.addRow(
            QCoreApplication.translate("SettingsDialog", "Text burned into the pixels:"),
            self.burned_in_combo,
        )
        self.uid_map_edit = QLineEdit(settings.anonymization_uid_map_file)
        self.uid_map_edit.textChanged.connect(self._on_field_changed)
        self.uid_map_row = FieldRow(
            self.uid_map_edit,
            hint=QCoreApplication.translate(
                "SettingsDialog",
                "For 'rtstation anonymize' runs, so a second export gets the same UIDs. It "
                "holds the original identities: keep it apart from the anonymized data. "
                "Empty = a new map per run. Rules and imports use the station's own map.",
            ),
        )
        form.addRow(QCoreApplication.translate("SettingsDialog", "UID map file:"), self.uid_map_row)
        layout = QVBoxLayout(page)
        layout.addWidget(box)
        layout.addWidget(
            hint_label(
                QCoreApplication.translate(
                    "SettingsDialog",
                    "The stored files are never changed: every anonymized copy is new.",
                )
            )
        )
        layout.addStretch(1)
        self._show_profile_options()
        return page

    def _show_profile_options(self) -> None:
        """With the profile's own options, show them (read-only) instead of the user's."""
        own = self.profile_options_check.isChecked()
        if own:
            self.options_list.set_values(DEFAULT_OPTIONS[self.profile_combo.currentData()])
        self.options_list.setEnabled(not own)

    def _on_profile_changed(self, *_args: object) -> None:
        self._show_profile_options()
        self._on_field_changed()

    def _anonymization_changes(self, report: Any, tab: int) -> dict[str, Any]:
        """The tab's values for ``dataclasses.replace``; problems go to ``report``."""
        label = QCoreApplication.translate("SettingsDialog", "Anonymization")
        own = self.profile_options_check.isChecked()
        options = None if own else self.options_list.values()
        reason = ""
        if options is not None and all(o in options for o in _EXCLUSIVE):
            reason = QCoreApplication.translate(
                "SettingsDialog",
                "full dates and modified dates exclude each other; choose one",
            )
        report(self.options_message, tab, label, reason)
        uid_map, uid_reason = parse_setting("anonymization_uid_map_file", self.uid_map_edit.text())
        report(self.uid_map_row, tab, label, translate_reason(uid_reason))
        return {
            "anonymization_profile": self.profile_combo.currentData(),
            "anonymization_options": options,
            "anonymization_burned_in": self.burned_in_combo.currentData(),
            "anonymization_uid_map_file": uid_map or "",
        }
