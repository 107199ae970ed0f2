"""TrayController: keep the station running in the system tray when the window closes.

A station exists to receive while nobody looks at it; closing the window by habit must not
silently stop the receiver and the forwarding. So the first close asks once ("keep
running in the tray?") and remembers the answer in QSettings; View > "Keep running in the
tray" changes it later. While hidden, failed forwards still reach the physicist as tray
notifications. Without a system tray (offscreen, some Linux desktops) closing quits, as
an application without a tray icon must.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QSystemTrayIcon, QWidget

from rtstation.gui.core_text import render
from rtstation.gui.icons import icon

LOGGER = logging.getLogger(__name__)

KEEP_RUNNING_KEY = "tray/keepRunning"


class TrayController(QObject):
    """Owns the tray icon (when there is a tray) and the keep-running choice."""

    showRequested = Signal()
    quitRequested = Signal()

    def __init__(
        self, window: QWidget, ui_settings: QSettings, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.ui_settings = ui_settings
        self.tray: QSystemTrayIcon | None = None
        self._told_hidden = False
        self.plan_label: Callable[[str], str] = lambda uid: ""
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._create_icon()

    @property
    def available(self) -> bool:
        return self.tray is not None

    def _create_icon(self) -> None:
        tray = QSystemTrayIcon(icon("app"), self)
        tray.setToolTip(self.tr("rtstation"))
        menu = QMenu(self.window)
        show = QAction(self.tr("Show window"), menu)
        show.triggered.connect(self.showRequested)
        quit_action = QAction(self.tr("Quit rtstation"), menu)
        quit_action.triggered.connect(self.quitRequested)
        menu.addAction(show)
        menu.addSeparator()
        menu.addAction(quit_action)
        tray.setContextMenu(menu)
        tray.activated.connect(self._on_activated)
        tray.show()
        self.tray = tray

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.showRequested.emit()

    def remembered_choice(self) -> bool | None:
        value = self.ui_settings.value(KEEP_RUNNING_KEY)
        if value is None:
            return None
        return str(value).lower() in ("true", "1", "yes")

    def set_keep_running(self, keep: bool) -> None:
        self.ui_settings.setValue(KEEP_RUNNING_KEY, keep)

    def keep_running_on_close(self) -> bool:
        """Whether closing the window should hide it instead of quitting (asks once)."""
        if not self.available:
            return False
        remembered = self.remembered_choice()
        if remembered is not None:
            return remembered
        answer = QMessageBox.question(
            self.window,
            self.tr("Keep running?"),
            self.tr(
                "Keep the station running in the system tray when the window is closed?\n\n"
                "It then goes on receiving and forwarding plans. Your answer is remembered; "
                "change it under View > Keep running in the tray."
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        keep = answer == QMessageBox.StandardButton.Yes
        self.set_keep_running(keep)
        return keep

    def window_hidden(self) -> None:
        if self.tray is not None and not self._told_hidden:
            self._told_hidden = True
            self.tray.showMessage(
                self.tr("rtstation is still running"),
                self.tr("Receiving and forwarding go on. Right-click the icon to quit."),
                QSystemTrayIcon.MessageIcon.Information,
                4000,
            )

    @Slot(object)
    def _on_job_failed(self, row: Any) -> None:
        """A forward failed for good: worth a notification even with the window hidden."""
        if self.tray is None:
            return
        self.tray.showMessage(
            self.tr("Forwarding failed"),
            self.tr("Plan %1 to %2: %3")
            .replace("%1", self.plan_label(row.plan_uid) or row.plan_uid)
            .replace("%2", row.node)
            .replace("%3", render(row.message) or self.tr("see the job list")),
            QSystemTrayIcon.MessageIcon.Warning,
            10000,
        )

    @Slot(object)
    def _on_problem_reported(self, event: Any) -> None:
        if self.tray is not None and not self.window.isVisible():
            self.tray.showMessage(
                self.tr("rtstation"),
                render(getattr(event, "message", "")),
                QSystemTrayIcon.MessageIcon.Warning,
                10000,
            )

    def hide_icon(self) -> None:
        if self.tray is not None:
            self.tray.hide()
