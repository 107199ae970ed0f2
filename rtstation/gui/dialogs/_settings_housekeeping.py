"""The Settings dialog's Housekeeping tab: retention, watching the import folder, log files.

A mixin of :class:`SettingsDialog` (split off by concern, like the allow list and the
nodes); its number fields use the dialog's own ``_number_field`` and are checked by the
same settings.ini parsers (``parse_setting``), so a value the dialog accepts is one the
file accepts.
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

from rtstation.config import LOG_LEVELS, Settings
from rtstation.config.values import format_list
from rtstation.gui.dialogs._checks import parse_setting, translate_reason

#: Number fields of the tab, with the label their problems are reported under.
HOUSEKEEPING_NUMBERS = (
    "retention_days",
    "retention_max_storage_gb",
    "retention_interval_minutes",
    "import_quiet_seconds",
    "log_max_mb",
    "log_keep_days",
)


class HousekeepingTabMixin:
    def _build_housekeeping_tab(self, settings: Settings) -> QWidget:
        page = QWidget()
        retention = QGroupBox(QCoreApplication.translate("SettingsDialog", "Retention"))
        form = QFormLayout(retention)
        form.addRow(
            QCoreApplication.translate("SettingsDialog", "Remove plans older than:"),
            self._number_field(
                "retention_days",
                settings.retention_days,
                QCoreApplication.translate("SettingsDialog", "days (0 = never)"),
            ),
        )
        form.addRow(
            QCoreApplication.translate("SettingsDialog", "Keep the storage below:"),
            self._number_field(
                "retention_max_storage_gb",
                settings.retention_max_storage_gb,
                QCoreApplication.translate("SettingsDialog", "GB (0 = no limit)"),
            ),
        )
        self.retention_delivered_check = QCheckBox(
            QCoreApplication.translate(
                "SettingsDialog",
                "Only plans delivered to every node they were sent to (never pending work)",
            )
        )
        self.retention_delivered_check.setChecked(settings.retention_only_delivered)
        self.retention_delivered_check.toggled.connect(self._on_field_changed)
        form.addRow("", self.retention_delivered_check)
        form.addRow(
            QCoreApplication.translate("SettingsDialog", "Check every:"),
            self._number_field(
                "retention_interval_minutes",
                settings.retention_interval_minutes,
                QCoreApplication.translate("SettingsDialog", "minutes"),
            ),
        )
        watch = QGroupBox(QCoreApplication.translate("SettingsDialog", "Import folder"))
        watch_form = QFormLayout(watch)
        self.watch_import_check = QCheckBox(
            QCoreApplication.translate(
                "SettingsDialog", "Watch the import folder and import what appears there"
            )
        )
        self.watch_import_check.setChecked(settings.watch_import_folder)
        self.watch_import_check.toggled.connect(self._on_field_changed)
        watch_form.addRow("", self.watch_import_check)
        watch_form.addRow(
            QCoreApplication.translate("SettingsDialog", "Import once quiet for:"),
            self._number_field(
                "import_quiet_seconds",
                settings.import_quiet_seconds,
                QCoreApplication.translate("SettingsDialog", "seconds"),
            ),
        )
        self.import_include_edit = QLineEdit(format_list(settings.import_include))
        self.import_include_edit.setPlaceholderText("*.dcm, *.zip")
        self.import_include_edit.textChanged.connect(self._on_field_changed)
        self.import_exclude_edit = QLineEdit(format_list(settings.import_exclude))
        self.import_exclude_edit.setPlaceholderText("*.tmp")
        self.import_exclude_edit.textChanged.connect(self._on_field_changed)
        watch_form.addRow(
            QCoreApplication.translate("SettingsDialog", "Only files matching:"),
            self.import_include_edit,
        )
        watch_form.addRow(
            QCoreApplication.translate("SettingsDialog", "Never files matching:"),
            self.import_exclude_edit,
        )
        logs = QGroupBox(QCoreApplication.translate("SettingsDialog", "Log files"))
        logs_form = QFormLayout(logs)
        logs_form.addRow(
            QCoreApplication.translate("SettingsDialog", "Start a new log file at:"),
            self._number_field(
                "log_max_mb",
                settings.log_max_mb,
                QCoreApplication.translate("SettingsDialog", "MB"),
            ),
        )
        logs_form.addRow(
            QCoreApplication.translate("SettingsDialog", "Delete old log files after:"),
            self._number_field(
                "log_keep_days",
                settings.log_keep_days,
                QCoreApplication.translate("SettingsDialog", "days (0 = keep)"),
            ),
        )
        layout = QVBoxLayout(page)
        layout.addWidget(retention)
        layout.addWidget(watch)
        layout.addWidget(logs)
        layout.addStretch(1)
        return page

    def _housekeeping_changes(self, report: Any, tab: int) -> dict[str, Any]:
        """The tab's values for ``dataclasses.replace``; problems go to ``report``."""
        changes: dict[str, Any] = {}
        for attr in HOUSEKEEPING_NUMBERS:
            value, reason = parse_setting(attr, self._number_edits[attr].text())
            label = QCoreApplication.translate("SettingsDialog", "Housekeeping")
            report(self._number_rows[attr], tab, label, translate_reason(reason))
            changes[attr] = value
        for attr, edit in (
            ("import_include", self.import_include_edit),
            ("import_exclude", self.import_exclude_edit),
        ):
            value, _reason = parse_setting(attr, edit.text())
            changes[attr] = value or ()
        changes["retention_only_delivered"] = self.retention_delivered_check.isChecked()
        changes["watch_import_folder"] = self.watch_import_check.isChecked()
        return changes

    def _build_logging_tab(self, settings: Settings) -> QWidget:
        page = QWidget()
        box = QGroupBox(QCoreApplication.translate("SettingsDialog", "Logging"))
        self.log_level_combo = QComboBox()
        names = {
            "DEBUG": QCoreApplication.translate("SettingsDialog", "Debug"),
            "INFO": QCoreApplication.translate("SettingsDialog", "Info"),
            "WARNING": QCoreApplication.translate("SettingsDialog", "Warning"),
            "ERROR": QCoreApplication.translate("SettingsDialog", "Error"),
        }
        for level in LOG_LEVELS:
            self.log_level_combo.addItem(names.get(level, level), level)
        index = self.log_level_combo.findData(settings.log_level)
        self.log_level_combo.setCurrentIndex(max(index, 0))
        self.log_level_combo.currentIndexChanged.connect(self._on_field_changed)
        self.verbose_check = QCheckBox(
            QCoreApplication.translate(
                "SettingsDialog", "Verbose information (each instance and rule decision in the log)"
            )
        )
        self.verbose_check.setChecked(settings.verbose_info_logging)
        self.verbose_check.toggled.connect(self._on_field_changed)
        form = QFormLayout(box)
        form.addRow(
            QCoreApplication.translate("SettingsDialog", "Log level:"), self.log_level_combo
        )
        form.addRow("", self.verbose_check)
        layout = QVBoxLayout(page)
        layout.addWidget(box)
        layout.addStretch(1)
        return page
