"""The Settings dialog: edits a copy of :class:`Settings` and returns a new one.

What it deliberately does not do: save settings.ini, restart the receiver or rebind its
port. Applying is ``Station.apply_settings``'s job (docs/conventions.md, "Configuration is a
value", "GUI shape"); the dialog only collects values and checks them with the config layer's
own parsers, so a value the dialog accepts is a value settings.ini can hold, and a value it
refuses carries the same reason ``rtstation config check`` would print.

The one network action here, "Test" (C-ECHO), goes through the ``echo`` callable the
caller passes in and runs on a pool thread; the dialog never blocks on the network.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    Signal,
    Slot,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rtstation.config import Settings, check_settings, validate_ini_text
from rtstation.errors import ConfigError
from rtstation.gui.dialogs._checks import (
    format_setting,
    parse_setting,
    translate_reason,
)
from rtstation.gui.dialogs._echo import EchoCallable, EchoTask
from rtstation.gui.dialogs._form import (
    DialogFooter,
    FieldMessage,
    FieldRow,
    hint_label,
)
from rtstation.gui.dialogs._settings_allow_list import AllowListMixin
from rtstation.gui.dialogs._settings_anonymization import AnonymizationTabMixin
from rtstation.gui.dialogs._settings_housekeeping import HousekeepingTabMixin
from rtstation.gui.dialogs._settings_nodes import NodesTabMixin
from rtstation.gui.dialogs._settings_receiver import RECEIVER_NUMBERS, ReceiverTabMixin
from rtstation.gui.theme import status_color

LOGGER = logging.getLogger(__name__)
LANGUAGES: tuple[tuple[str, str], ...] = (("English", "en"), ("Deutsch", "de"))
"""Language names are written in their own language, so nobody has to read a foreign word
to find their own; hence they are not passed through tr()."""

(
    _TAB_GENERAL,
    _TAB_RECEIVER,
    _TAB_NODES,
    _TAB_SENDING,
    _TAB_ANONYMIZATION,
    _TAB_LOGGING,
    _TAB_HOUSEKEEPING,
) = range(7)

_NUMBER_FIELDS: dict[str, int] = {
    **dict.fromkeys(RECEIVER_NUMBERS, _TAB_RECEIVER),
    "max_send_attempts": _TAB_SENDING,
    "retry_base_seconds": _TAB_SENDING,
    "retry_max_seconds": _TAB_SENDING,
}
"""Text fields parsed by the settings.ini spec of the same name, and the tab they are on."""


@dataclass(frozen=True)
class _Problem:
    """One reason the dialog cannot be accepted, and the tab to look at."""

    tab: int
    label: str
    reason: str


class SettingsDialog(
    ReceiverTabMixin,
    AllowListMixin,
    NodesTabMixin,
    AnonymizationTabMixin,
    HousekeepingTabMixin,
    QDialog,
):
    """General folders, receiver, nodes, sending and logging; see the module docstring."""

    echoFinished = Signal(str, object)  # node name, EchoResultLike (after the table shows it)
    # issue 11: "Check both ways" for the selected node as edited (the window runs the checks)
    checkBothWaysRequested = Signal(object)  # Node
    validityChanged = Signal(bool)

    def __init__(
        self,
        settings: Settings,
        echo: EchoCallable,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SettingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self._original = settings
        self._echo = echo
        self._result: Settings | None = None
        self._valid = True
        self._next_test_id = 0
        self._tests_running: dict[int, str] = {}
        self._echo_tasks: dict[int, EchoTask] = {}
        self._number_rows: dict[str, FieldRow] = {}
        self._number_edits: dict[str, QLineEdit] = {}

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_general_tab(settings), self.tr("General"))
        self.tabs.addTab(self._build_receiver_tab(settings), self.tr("Receiver"))
        self.tabs.addTab(self._build_nodes_tab(settings), self.tr("Nodes"))
        self.tabs.addTab(self._build_sending_tab(settings), self.tr("Sending"))
        self.tabs.addTab(self._build_anonymization_tab(settings), self.tr("Anonymization"))
        self.tabs.addTab(self._build_logging_tab(settings), self.tr("Logging"))
        self.tabs.addTab(self._build_housekeeping_tab(settings), self.tr("Housekeeping"))
        self._tab_titles = [self.tabs.tabText(i) for i in range(self.tabs.count())]

        self.footer = DialogFooter(self)
        self.problem_label = self.footer.problem
        self.buttons = self.footer.buttons
        self.ok_button = self.footer.ok_button

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.footer)
        self.resize(760, 520)
        self._revalidate()

    # -- tabs -------------------------------------------------------------------------

    def _folder_row(self, text: str, title: str, hint: str = "") -> tuple[FieldRow, QLineEdit]:
        edit = QLineEdit(text)
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(lambda: self._on_browse_clicked(edit, title))
        return FieldRow(edit, browse, hint), edit

    def _build_general_tab(self, settings: Settings) -> QWidget:
        page = QWidget()
        folders = QGroupBox(self.tr("Folders"))
        self.storage_row, self.storage_edit = self._folder_row(
            settings.storage_folder,
            self.tr("Storage folder"),
            self.tr("Received and imported plans are kept here, by patient."),
        )
        self.import_row, self.import_edit = self._folder_row(
            settings.import_folder, self.tr("Import folder")
        )
        self.clear_import_check = QCheckBox(
            self.tr("Clear the import folder after a successful import")
        )
        self.clear_import_check.setChecked(settings.clear_import_folder_after_import)
        form = QFormLayout(folders)
        form.addRow(self.tr("Storage folder:"), self.storage_row)
        form.addRow(self.tr("Import folder:"), self.import_row)
        form.addRow("", self.clear_import_check)

        language = QGroupBox(self.tr("Language"))
        self.language_combo = QComboBox()
        self.language_combo.addItem(self.tr("System language"), "")
        for name, code in LANGUAGES:
            self.language_combo.addItem(name, code)
        index = self.language_combo.findData(settings.language)
        if index < 0:  # a code we have no translation for: keep it rather than lose it
            self.language_combo.addItem(settings.language, settings.language)
            index = self.language_combo.count() - 1
        self.language_combo.setCurrentIndex(index)
        lang_form = QFormLayout(language)
        lang_form.addRow(self.tr("User interface:"), self.language_combo)
        restart_hint = hint_label(self.tr("A new language is used after rtstation restarts."))
        lang_form.addRow("", restart_hint)

        layout = QVBoxLayout(page)
        layout.addWidget(folders)
        layout.addWidget(language)
        layout.addStretch(1)
        for edit in (self.storage_edit, self.import_edit):
            edit.textChanged.connect(self._on_field_changed)
        self.clear_import_check.toggled.connect(self._on_field_changed)
        self.language_combo.currentIndexChanged.connect(self._on_field_changed)
        return page

    def _number_field(self, attr: str, value: Any, unit: str = "", hint: str = "") -> FieldRow:
        edit = QLineEdit(format_setting(attr, value))
        edit.setMaximumWidth(140)
        edit.textChanged.connect(self._on_field_changed)
        row = FieldRow(edit, QLabel(unit) if unit else None, hint, compact=True)
        self._number_edits[attr] = edit
        self._number_rows[attr] = row
        return row

    def _build_sending_tab(self, settings: Settings) -> QWidget:
        page = QWidget()
        retry = QGroupBox(self.tr("Retries"))
        form = QFormLayout(retry)
        form.addRow(
            self.tr("Attempts per plan and node:"),
            self._number_field("max_send_attempts", settings.max_send_attempts),
        )
        form.addRow(
            self.tr("First retry after:"),
            self._number_field(
                "retry_base_seconds", settings.retry_base_seconds, self.tr("seconds")
            ),
        )
        form.addRow(
            self.tr("Longest wait between retries:"),
            self._number_field(
                "retry_max_seconds",
                settings.retry_max_seconds,
                self.tr("seconds"),
                self.tr("The wait grows after each failed attempt, up to this."),
            ),
        )
        after = QGroupBox(self.tr("After sending"))
        self.delete_after_send_check = QCheckBox(
            self.tr("Delete a plan's files from the storage folder after it was sent successfully")
        )
        self.delete_after_send_check.setChecked(settings.delete_after_send)
        self.delete_after_send_check.toggled.connect(self._on_field_changed)
        QVBoxLayout(after).addWidget(self.delete_after_send_check)
        layout = QVBoxLayout(page)
        layout.addWidget(retry)
        layout.addWidget(after)
        layout.addStretch(1)
        return page

    # -- result -----------------------------------------------------------------------

    def result_settings(self) -> Settings | None:
        """The new Settings after OK (a copy; the one passed in is unchanged), else None."""
        return self._result

    def current_settings(self) -> Settings | None:
        """What OK would return now, or None while a field is invalid."""
        settings, _problems = self._collect()
        return settings

    def is_valid(self) -> bool:
        return self._valid

    def accept(self) -> None:
        settings, problems = self._collect()
        if settings is None:
            self._show_problems(problems)
            return
        self._result = settings
        super().accept()

    def done(self, result: int) -> None:
        # Running echoes finish on their own; their answers then reach no one.
        self._tests_running.clear()
        super().done(result)

    # -- validation -------------------------------------------------------------------

    @Slot()
    def _on_field_changed(self, *_args: object) -> None:
        self._revalidate()

    def _revalidate(self) -> None:
        settings, problems = self._collect()
        self._show_problems(problems)
        valid = settings is not None
        self.ok_button.setEnabled(valid)
        if valid != self._valid:
            self._valid = valid
            self.validityChanged.emit(valid)

    def _collect(self) -> tuple[Settings | None, list[_Problem]]:
        """Every field checked; the new Settings when nothing is wrong, and the problems."""
        problems: list[_Problem] = []
        changes: dict[str, Any] = {}

        def report(row: FieldRow | FieldMessage, tab: int, label: str, reason: str) -> None:
            message = row.message if isinstance(row, FieldRow) else row
            if reason:
                message.show_error(reason)
                problems.append(_Problem(tab, label, reason))
            else:
                message.clear_message()

        for attr, row, edit, label in (
            ("storage_folder", self.storage_row, self.storage_edit, self.tr("Storage folder")),
            ("import_folder", self.import_row, self.import_edit, self.tr("Import folder")),
        ):
            text = edit.text().strip()
            reason = "must not be empty" if not text else validate_ini_text(text)[1]
            report(row, _TAB_GENERAL, label, translate_reason(reason))
            changes[attr] = text
            if not reason and not os.path.isdir(text):
                row.message.show_warning(self.tr("This folder does not exist yet."))

        value, reason = parse_setting("ae_title", self.ae_title_edit.text())
        report(self.ae_title_row, _TAB_RECEIVER, self.tr("AE title"), translate_reason(reason))
        changes["ae_title"] = value
        value, reason = parse_setting("bind_address", self.bind_address_edit.text())
        report(
            self.bind_address_row,
            _TAB_RECEIVER,
            self.tr("Listen on address"),
            translate_reason(reason),
        )
        changes["bind_address"] = value

        labels = {
            "port": self.tr("Port"),
            "receiver_max_associations": self.tr("Senders at once"),
            "association_request_timeout": self.tr("Wait for a sender's request"),
            "settle_seconds": self.tr("Settle time"),
            "min_free_space_mb": self.tr("Minimum free space"),
            "max_send_attempts": self.tr("Attempts"),
            "retry_base_seconds": self.tr("First retry after"),
            "retry_max_seconds": self.tr("Longest wait between retries"),
        }
        for attr, tab in _NUMBER_FIELDS.items():
            value, reason = parse_setting(attr, self._number_edits[attr].text())
            report(self._number_rows[attr], tab, labels[attr], translate_reason(reason))
            changes[attr] = value
        base, cap = changes["retry_base_seconds"], changes["retry_max_seconds"]
        if base is not None and cap is not None and cap < base:
            reason = self.tr("must not be less than the first retry delay ({base} s)").format(
                base=format_setting("retry_base_seconds", base)
            )
            row = self._number_rows["retry_max_seconds"]
            report(row, _TAB_SENDING, labels["retry_max_seconds"], reason)

        callers = self._allowed_callers()
        changes["allowed_calling_aes"] = callers
        changes["allow_list_enabled"] = self.allow_list_check.isChecked()
        if changes["allow_list_enabled"] and not callers:
            self.allow_list_message.show_warning(
                self.tr("The list is empty, so every association will be rejected.")
            )
        else:
            self.allow_list_message.clear_message()

        nodes = list(self.nodes_model.nodes)
        self.nodes_message.clear_message()
        seen: set[str] = set()
        for node in nodes:
            key = node.name.casefold()
            if key in seen:
                reason = self.tr(
                    "another node is already called '{name}'; node names must be unique"
                ).format(name=node.name)
                report(self.nodes_message, _TAB_NODES, self.tr("Nodes"), reason)
                break
            seen.add(key)
        changes["nodes"] = tuple(nodes)
        changes["clear_import_folder_after_import"] = self.clear_import_check.isChecked()
        changes["auto_start_receiver"] = self.auto_start_check.isChecked()
        changes["require_called_ae_title"] = self.require_called_check.isChecked()
        changes["delete_after_send"] = self.delete_after_send_check.isChecked()
        changes["log_level"] = self.log_level_combo.currentData()
        changes["verbose_info_logging"] = self.verbose_check.isChecked()
        changes["language"] = self.language_combo.currentData()
        changes.update(self._anonymization_changes(report, _TAB_ANONYMIZATION))
        changes.update(self._housekeeping_changes(report, _TAB_HOUSEKEEPING))

        if problems:
            return None, problems
        settings = dataclasses.replace(self._original, **changes)
        try:
            check_settings(settings)
        except ConfigError as exc:  # anything the field checks above did not catch
            return None, [_Problem(-1, "", str(exc))]
        return settings, []

    def _show_problems(self, problems: list[_Problem]) -> None:
        bad_tabs = {problem.tab for problem in problems}
        bar = self.tabs.tabBar()
        for index, title in enumerate(self._tab_titles):
            if index in bad_tabs:
                self.tabs.setTabText(index, f"{title} ⚠")
                bar.setTabTextColor(index, QColor(status_color("error")))
            else:
                self.tabs.setTabText(index, title)
                bar.setTabTextColor(index, QColor())
        if not problems:
            self.problem_label.clear_message()
            return
        first = problems[0]
        if first.tab < 0:
            self.problem_label.show_error(first.reason)
            return
        text = self.tr("Please correct {field} on the {tab} tab: {reason}").format(
            field=first.label, tab=self._tab_titles[first.tab], reason=first.reason
        )
        if len(problems) > 1:
            text += " " + self.tr("({count} fields need attention.)").format(count=len(problems))
        self.problem_label.show_error(text)

    # -- folders ----------------------------------------------------------------------

    def _on_browse_clicked(self, edit: QLineEdit, title: str) -> None:
        folder = QFileDialog.getExistingDirectory(self, title, edit.text())
        if folder:
            edit.setText(os.path.normpath(folder))
