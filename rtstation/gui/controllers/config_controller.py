"""ConfigController: the Settings and Rules dialogs, and applying what they return.

The dialogs only collect input and return a new frozen value (docs/conventions.md,
"Configuration is a value"); saving the ini file and applying it (rebinding the receiver when AE
title or port changed) is ``Station.apply_settings``/``apply_rules``, run on a worker because
both write files and the first may restart a network service. The dialogs are imported when
first opened, so the main window does not pay for them at startup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from rtstation.gui.dialogs.archive_actions import open_doctor  # issue 11
from rtstation.gui.messages import show_error
from rtstation.gui.workers import run_task

if TYPE_CHECKING:
    from rtstation.station import Station

LOGGER = logging.getLogger(__name__)


class ConfigController(QObject):
    """Opens the dialogs; emits ``settingsApplied``/``rulesApplied`` after the station did."""

    settingsApplied = Signal(object)  # Settings
    rulesApplied = Signal(object)  # RulesConfig

    def __init__(
        self,
        station: Station,
        window: QWidget,
        rules_test: Callable[[Any], Any],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.window = window
        self.rules_test = rules_test

    @Slot()
    def open_settings(self) -> None:
        from rtstation.gui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.station.settings, self.station.echo, self.window)
        dialog.checkBothWaysRequested.connect(  # issue 11: the doctor checks for one node
            lambda node: open_doctor(self.station, dialog, [node])
        )
        dialog.exec()
        settings = dialog.result_settings()
        dialog.deleteLater()
        if settings is not None and settings != self.station.settings:
            self.apply_settings(settings)

    def apply_settings(self, settings: Any) -> None:
        station = self.station
        before = station.settings
        run_task(
            lambda _control: station.apply_settings(settings),
            lambda _result: self.settingsApplied.emit(station.settings),
            lambda exc: self._on_apply_failed(before, exc),
            name="apply-settings",
        )

    def _on_apply_failed(self, before: Any, exc: BaseException) -> None:
        """``Station.apply_settings`` saves settings.ini first and restarts the receiver
        after: when the restart fails (the new port is taken), the settings *are* saved
        and in use, and only the receiver is down, which is what the message must say."""
        if self.station.settings is not before:
            self.settingsApplied.emit(self.station.settings)
            show_error(
                self.window,
                self.tr("The settings were saved, but the DICOM receiver could not start."),
                exc,
            )
            return
        show_error(self.window, self.tr("The settings could not be saved."), exc)

    @Slot()
    def open_rules(self) -> None:
        from rtstation.gui.dialogs.rules_dialog import RulesDialog

        dialog = RulesDialog(
            self.station.rules, self.station.settings, self.rules_test, self.window
        )
        dialog.exec()
        rules = dialog.result_rules()
        dialog.deleteLater()
        if rules is not None and rules != self.station.rules:
            self.apply_rules(rules)

    def apply_rules(self, rules: Any) -> None:
        station = self.station
        run_task(
            lambda _control: station.apply_rules(rules),
            lambda _result: self.rulesApplied.emit(station.rules),
            lambda exc: show_error(self.window, self.tr("The rules could not be saved."), exc),
            name="apply-rules",
        )
