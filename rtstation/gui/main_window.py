"""MainWindow: layout and wiring, nothing else (docs/conventions.md, "GUI shape": no god main
window).

    +-------------------------------------------------------------------------------+
    | [Start receiver] Listening as RTSTATION on port 11112 | Import  Settings Rules |
    +--------------------------------------+----------------------------------------+
    | filter                               | Plan | Files | Send history            |
    | patient / plan tree (ticks)          |   details of the selected plan          |
    |                                      +----------------------------------------+
    |                                      | Send to: [x] TPS_A [ ] QA      [Send]   |
    +--------------------------------------+----------------------------------------+
    | Jobs | Log                                                                     |
    +-------------------------------------------------------------------------------+
    | status bar: last event                 received since start, queue, receiver  |

Behaviour lives in the Station and in the controllers under ``gui/controllers``; this
class creates the widgets, connects the bridge's signals to the controllers with explicit
queued connections, remembers geometry and splitter positions in QSettings, and turns
dropped folders, files and ZIPs into an import.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
)
from PySide6.QtWidgets import (
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QWidget,
)

from rtstation import __version__
from rtstation.gui import workers
from rtstation.gui.bridge import StationBridge
from rtstation.gui.controllers.close_controller import CloseController
from rtstation.gui.controllers.config_controller import ConfigController
from rtstation.gui.controllers.details_controller import DetailsController
from rtstation.gui.controllers.import_controller import ImportController
from rtstation.gui.controllers.jobs_controller import JobsController
from rtstation.gui.controllers.pause_controller import PauseController
from rtstation.gui.controllers.plan_menu_controller import PlanMenuController
from rtstation.gui.controllers.receiver_controller import ReceiverController
from rtstation.gui.controllers.send_controller import SendController
from rtstation.gui.controllers.status_controller import StatusController
from rtstation.gui.controllers.tree_controller import TreeController
from rtstation.gui.core_text import render
from rtstation.gui.dialogs._rule_test import tested_plan
from rtstation.gui.dialogs.import_dialog import ImportDialog
from rtstation.gui.icons import icon
from rtstation.gui.log_handler import QtLogHandler
from rtstation.gui.messages import show_error
from rtstation.gui.models.job_table_model import JobTableModel
from rtstation.gui.models.log_model import LogListModel
from rtstation.gui.models.plan_tree_model import PlanTreeModel
from rtstation.gui.rule_reasons import plan_rule_lines
from rtstation.gui.theme import ThemeController
from rtstation.gui.tray import TrayController
from rtstation.gui.widgets.details_panel import DetailsPanel
from rtstation.gui.widgets.jobs_panel import JobsPanel
from rtstation.gui.widgets.log_panel import LogPanel
from rtstation.gui.widgets.nodes_panel import NodesPanel
from rtstation.gui.widgets.plan_tree_panel import PlanTreePanel
from rtstation.gui.widgets.receiver_control import ReceiverControl
from rtstation.gui.widgets.status_bar import StationStatusBar
from rtstation.gui.window_actions import build_menus_and_toolbar
from rtstation.gui.window_state import restore_window_state, save_window_state

if TYPE_CHECKING:
    from rtstation.station import Station

LOGGER = logging.getLogger(__name__)

QUEUED = Qt.ConnectionType.QueuedConnection


def dropped_paths(mime: Any) -> list[str]:
    """Local files and folders of a drop; anything else (web links) is not ours."""
    if mime is None or not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


class MainWindow(QMainWindow):
    """The station's window over a running :class:`~rtstation.station.Station`."""

    quitRequested = Signal()  # the window closed for good: the application should end

    def __init__(
        self,
        station: Station,
        *,
        ui_settings: QSettings | None = None,
        log_handler: QtLogHandler | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.ui_settings = ui_settings if ui_settings is not None else QSettings()
        self._quitting = False
        self._shut_down = False
        self.setObjectName("MainWindow")
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)

        # models
        self.tree_model = PlanTreeModel(self)
        self.job_model = JobTableModel(self.tree_model.plan_label, parent=self)
        self.log_model = LogListModel(parent=self)

        # widgets
        self.receiver_control = ReceiverControl(self)
        self.tree_panel = PlanTreePanel(self.tree_model, self)
        self.details = DetailsPanel(self)
        self.nodes_panel = NodesPanel(self)
        self.jobs_panel = JobsPanel(self.job_model, self)
        self.log_panel = LogPanel(self.log_model, self)
        self.status = StationStatusBar(self)
        self.setStatusBar(self.status)
        self._build_layout()

        # controllers
        self.bridge = StationBridge(station, self)
        self.tree_controller = TreeController(station, self.tree_model, self)
        self.receiver_controller = ReceiverController(station, self, self)
        self.jobs_controller = JobsController(station, self.job_model, self.tree_model, self, self)
        self.details_controller = DetailsController(
            self.tree_model, self.details, self.jobs_controller, self
        )
        self.details_controller.rule_lines = lambda plan: plan_rule_lines(station.rules, plan)
        self.send_controller = SendController(station, self.tree_model, self, self)
        self.pause_controller = PauseController(station, self, self)
        self.plan_menu_controller = PlanMenuController(
            station,
            self.send_controller,
            self.pause_controller,
            self.nodes_panel.ticked_nodes,
            self.tree_model.plan_label,
            self,
            self,
        )
        self.status_controller = StatusController(self.status, self.tree_model.plan_label, self)
        self.import_controller = ImportController(station, self.tree_controller, self, self)
        self.config_controller = ConfigController(station, self, self.test_rules, self)
        self.tray = TrayController(self, self.ui_settings, self)
        self.tray.plan_label = self.tree_model.plan_label
        self.theme = ThemeController(self.ui_settings, self)
        self.theme.apply()
        self.close_controller = CloseController(self, self.job_model, self.tray.available, self)

        self._build_actions()
        self._wire(log_handler)
        self._apply_settings_to_widgets(station.settings)
        self._on_receiver_state_changed(*self.receiver_controller.current_state())
        self._restore_ui_state()
        self.tree_controller.load_all()
        self.jobs_controller.load()
        self.pause_controller.load()

    # -- layout -------------------------------------------------------------------------

    def _build_layout(self) -> None:
        self.right_splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.right_splitter.setObjectName("rightSplitter")
        self.right_splitter.addWidget(self.details)
        self.right_splitter.addWidget(self.nodes_panel)
        self.right_splitter.setStretchFactor(0, 1)
        self.right_splitter.setStretchFactor(1, 0)
        self.right_splitter.setChildrenCollapsible(False)

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.tree_panel)
        self.main_splitter.addWidget(self.right_splitter)
        self.main_splitter.setStretchFactor(0, 3)
        self.main_splitter.setStretchFactor(1, 2)
        self.main_splitter.setChildrenCollapsible(False)

        self.bottom_tabs = QTabWidget(self)
        self.bottom_tabs.setObjectName("bottomTabs")
        self.bottom_tabs.addTab(self.jobs_panel, self.tr("Send queue"))
        self.bottom_tabs.addTab(self.log_panel, self.tr("Log"))

        self.vertical_splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.vertical_splitter.setObjectName("verticalSplitter")
        self.vertical_splitter.addWidget(self.main_splitter)
        self.vertical_splitter.addWidget(self.bottom_tabs)
        self.vertical_splitter.setStretchFactor(0, 3)
        self.vertical_splitter.setStretchFactor(1, 1)
        self.vertical_splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.vertical_splitter)
        self.resize(1280, 820)
        self.main_splitter.setSizes([860, 420])
        self.right_splitter.setSizes([590, 100])
        self.vertical_splitter.setSizes([620, 180])

    def _build_actions(self) -> None:
        build_menus_and_toolbar(self)

    def _wire(self, log_handler: QtLogHandler | None) -> None:
        bridge = self.bridge
        bridge.planChanged.connect(self.tree_controller._on_plan_changed, QUEUED)
        bridge.associationEnded.connect(self.tree_controller._on_association_ended, QUEUED)
        status = self.status_controller
        bridge.associationEnded.connect(status._on_association_ended, QUEUED)
        bridge.instanceStored.connect(status._on_instance_stored, QUEUED)
        bridge.instanceRejected.connect(status._on_instance_rejected, QUEUED)
        bridge.jobChanged.connect(status._on_job_changed, QUEUED)
        bridge.ruleDecided.connect(status._on_rule_decided, QUEUED)
        bridge.problemReported.connect(status._on_problem_reported, QUEUED)
        bridge.receiverStateChanged.connect(
            self.receiver_controller._on_receiver_state_changed, QUEUED
        )
        bridge.jobChanged.connect(self.jobs_controller._on_job_changed, QUEUED)
        bridge.jobChanged.connect(self.details_controller._on_job_changed, QUEUED)
        bridge.problemReported.connect(self.tray._on_problem_reported, QUEUED)
        if log_handler is not None:
            log_handler.entryLogged.connect(self.log_model.add, QUEUED)

        self.receiver_control.startRequested.connect(self.receiver_controller.start)
        self.receiver_control.stopRequested.connect(self.receiver_controller.stop)
        self.receiver_controller.stateChanged.connect(self._on_receiver_state_changed)
        self.receiver_controller.busyChanged.connect(self.receiver_control.set_busy)

        self.tree_panel.currentChanged.connect(self.details_controller._on_current_changed)
        self.tree_panel.patientWanted.connect(self.tree_controller.prefer)
        self.tree_panel.planMenuRequested.connect(self.plan_menu_controller._on_plan_menu_requested)
        self.tree_controller.refreshed.connect(self.details_controller._on_patients_refreshed)
        self.tree_controller.refreshed.connect(self._on_tree_refreshed)
        self.tree_controller.loadFailed.connect(self._on_tree_load_failed)
        self.tree_controller.loadingChanged.connect(self.tree_panel._on_loading_changed)
        self.tree_model.checkedPlansChanged.connect(self._on_checked_plans_changed)

        self.nodes_panel.sendRequested.connect(self._on_send_requested)
        self.send_controller.sendStarted.connect(self._on_send_started)
        self.send_controller.sendQueued.connect(self._on_send_queued)
        self.send_controller.sendFailed.connect(self._on_send_failed)

        self.jobs_panel.retryRequested.connect(self.jobs_controller.retry)
        self.jobs_panel.cancelRequested.connect(self.jobs_controller.cancel)
        self.jobs_panel.clearFinishedRequested.connect(self.jobs_controller.clear_finished)
        for panel in (self.jobs_panel, self.nodes_panel):
            panel.pauseRequested.connect(self.pause_controller.pause)
            panel.resumeRequested.connect(self.pause_controller.resume)
        for paused_view in (self.nodes_panel, self.jobs_panel, self.job_model):
            self.pause_controller.pausedNodesChanged.connect(paused_view.set_paused_nodes)
        self.jobs_controller.countsChanged.connect(self.status.set_queue_counts)
        self.jobs_controller.jobFailed.connect(self.tray._on_job_failed)

        self.config_controller.settingsApplied.connect(self._apply_settings_to_widgets)
        self.config_controller.settingsApplied.connect(self.pause_controller._on_settings_applied)
        self.config_controller.rulesApplied.connect(self._on_rules_applied)
        self.tray.showRequested.connect(self._on_show_requested)
        self.tray.quitRequested.connect(self.quit)
        self.jobs_controller.countsChanged.connect(self.close_controller.queue_changed)
        self.close_controller.quitConfirmed.connect(self.quit_now)
        self.close_controller.hideRequested.connect(self._hide_to_tray)
        self.close_controller.waitingChanged.connect(self._on_waiting_for_queue)

    # -- lifecycle ----------------------------------------------------------------------

    def start_station(self) -> workers.TaskHandle[Any]:
        """Start the station's services on a worker (the receiver if configured to)."""
        station = self.station
        return workers.run_task(
            lambda _control: station.start(),
            lambda _result: self._on_receiver_state_changed(
                *self.receiver_controller.current_state()
            ),
            lambda exc: show_error(self, self.tr("The station could not start."), exc),
            name="station-start",
        )

    @Slot()
    def quit(self) -> None:
        """Quit (menu, tray): no keep-running question, but unfinished jobs ask first."""
        if self.close_controller.request():
            self.quit_now()

    @Slot()
    def quit_now(self) -> None:
        """Close for real and end the application (``quitRequested``)."""
        self._quitting = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._quitting:
            if not self.close_controller.request():
                event.ignore()  # the question is shown, or the queue is awaited
                return
            if self.tray.keep_running_on_close():
                self._hide_to_tray()
                event.ignore()
                return
        self.shutdown()
        event.accept()
        self.quitRequested.emit()

    @Slot()
    def _hide_to_tray(self) -> None:
        self.keep_running_action.setChecked(True)
        self._save_ui_state()
        self.hide()
        self.tray.window_hidden()

    @Slot(bool)
    def _on_waiting_for_queue(self, waiting: bool) -> None:
        if waiting:
            self.status.showMessage(self.tr("rtstation quits when the send queue is finished."), 0)
        else:
            self.status.clearMessage()

    def shutdown(self) -> None:
        """Stop listening and cancel our background work; the station itself is stopped
        by whoever started it (``run_gui``, a test fixture)."""
        if self._shut_down:
            return
        self._shut_down = True
        self._save_ui_state()
        self.bridge.close()
        self.tree_controller.cancel()
        self.import_controller.cancel()
        self.metrics.close()
        self.tray.hide_icon()

    # -- QSettings ----------------------------------------------------------------------

    def _save_ui_state(self) -> None:
        save_window_state(self)

    def _restore_ui_state(self) -> None:
        restore_window_state(self)

    # -- drag and drop ------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        if not self.import_controller.import_paths(paths):
            self.status.showMessage(self.tr("An import is already running."), 5000)

    # -- slots --------------------------------------------------------------------------

    @Slot(str, str)
    def _on_receiver_state_changed(self, state: str, message: str) -> None:
        shown = render(message)
        self.receiver_control.set_state(state, shown)
        if self.receiver_controller.busy:
            # the station's event can overtake the end of the start/stop task: a click now
            # would be ignored by the busy controller, so the button waits for the task
            self.receiver_control.button.setEnabled(False)
        self.status.set_receiver(state, shown)
        self.tree_panel.set_receiver_listening(state == "listening")

    @Slot(list)
    def _on_tree_refreshed(self, _patient_ids: list[str]) -> None:
        self.job_model.refresh_plan_labels()
        self._update_title()

    @Slot(object)
    def _on_tree_load_failed(self, exc: BaseException) -> None:
        show_error(self, self.tr("The list of received plans could not be read."), exc)

    @Slot()
    def _on_checked_plans_changed(self) -> None:
        self.nodes_panel.set_checked_plan_count(len(self.tree_model.checked_plan_uids()))

    @Slot(list)
    def _on_send_requested(self, nodes: list[str]) -> None:
        self.send_controller.send(self.tree_model.checked_plan_uids(), nodes)

    @Slot()
    def _on_send_started(self) -> None:
        self.nodes_panel.set_sending(True)

    @Slot(list)
    def _on_send_queued(self, job_ids: list[int]) -> None:
        self.nodes_panel.set_sending(False)
        self.bottom_tabs.setCurrentWidget(self.jobs_panel)
        self.status.showMessage(self.tr("%n send job(s) queued.", "", len(job_ids)), 8000)

    @Slot(object)
    def _on_send_failed(self, _exc: BaseException) -> None:
        self.nodes_panel.set_sending(False)

    @Slot(object)
    def _apply_settings_to_widgets(self, settings: Any) -> None:
        self.nodes_panel.set_nodes(settings.nodes)
        self._update_title()

    @Slot(object)
    def _on_rules_applied(self, _rules: Any) -> None:
        self.status.showMessage(self.tr("Forwarding rules saved."), 5000)
        self.details_controller.refresh()  # the verdicts follow the new rules

    @Slot()
    def _on_show_requested(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    @Slot()
    def _on_import_triggered(self) -> None:
        settings = self.station.settings
        dialog = ImportDialog(
            settings.import_folder, settings.clear_import_folder_after_import, self
        )
        dialog.exec()
        request = dialog.result_request()
        dialog.deleteLater()
        if request is not None:
            self.import_controller.import_paths(
                [str(p) for p in request.paths],
                clear=request.clear,
                recursive=request.recursive,
                anonymize=request.new_patient(),
            )

    @Slot()
    def _on_import_folder_triggered(self) -> None:
        settings = self.station.settings
        folder = Path(settings.import_folder)
        self.import_controller.import_paths(
            [str(folder)], clear=settings.clear_import_folder_after_import
        )

    @Slot()
    def _on_about_triggered(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About rtstation"),
            self.tr(
                "<b>rtstation %1</b><br>Receives DICOM-RT plans, shows what belongs to them "
                "and forwards them to DICOM nodes, by hand or by rules.<br><br>"
                "Storage: %2"
            )
            .replace("%1", __version__)
            .replace("%2", str(self.station.storage_root)),
        )

    def _update_title(self) -> None:
        settings = self.station.settings
        self.setWindowTitle(
            self.tr("rtstation - %1 - %2, %3")
            .replace("%1", settings.ae_title)
            .replace("%2", self.tr("%n patient(s)", "", len(self.tree_model.patient_ids())))
            .replace("%3", self.tr("%n plan(s)", "", self.tree_model.plan_count))
        )

    # -- rules test for the Rules dialog ------------------------------------------------

    def test_rules(self, rules: Any) -> Any:
        """The Rules dialog's test: ``rules`` against the selected plan (a
        :class:`TestedPlan`), or a sentence when no plan is selected."""
        plan = self.details_controller.current_plan()
        if plan is None:
            return self.tr(
                "Select a plan in the main window first: the rules are tested against it."
            )
        return tested_plan(rules, plan)

    # -- helpers for tests and scripts --------------------------------------------------

    def select_plan(self, plan_uid: str) -> None:
        index = self.tree_model.index_for_plan(plan_uid)
        if index.isValid():
            parent = index.parent()
            if parent.isValid():
                self.tree_panel.expand_source_index(parent)
            self.tree_panel.select_source_index(index)

    def expand_all_plans(self) -> None:
        for patient_id in self.tree_model.patient_ids():
            self.tree_panel.expand_source_index(self.tree_model.index_for_patient(patient_id))
