"""Batch extraction: load an extraction file, see its requests and their state, start,
pause, resume and stop the batch.

Loading (the file, its batch CSV, its anonymizer script, the state journal) and the run
itself happen on workers (:mod:`rtstation.gui.workers`); the batch's own threads report
each request through a Qt signal, which Qt queues to the GUI thread, so the table is only
touched there. Pause and stop are flags the runner reads between requests: the requests
on the wire finish. Closing the dialog while a batch runs stops it that way and closes
when the run has ended; the state journal lets the next run resume.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rtstation.config.batch_config import load_batch_config
from rtstation.gui import workers
from rtstation.station import Station
from rtstation.station.batch import (
    BatchEvent,
    BatchPlan,
    BatchRunner,
    BatchSummary,
    prepare,
    read_records,
)
from rtstation.station.batch.runner import (
    DONE_EVENT,
    FAILED_EVENT,
    INTERRUPTED,
    PAUSED,
    SKIPPED,
    STARTED,
    WAITING,
)
from rtstation.station.batch.state import DONE as RECORD_DONE

LOGGER = logging.getLogger(__name__)

COLUMN_INDEX, COLUMN_REQUEST, COLUMN_STATE = range(3)


class BatchDialog(QDialog):
    """One extraction file at a time; one run at a time."""

    eventPosted = Signal(object)  # a BatchEvent, emitted on the batch's threads

    def __init__(self, station: Station, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("BatchDialog")
        self.setWindowTitle(self.tr("Batch extraction"))
        self.resize(820, 520)
        self.station = station
        self.plan: BatchPlan | None = None
        self.runner: BatchRunner | None = None
        self.summary: BatchSummary | None = None
        self._task: workers.TaskHandle[Any] | None = None
        self._close_when_done = False
        self._rows: dict[int, int] = {}
        self._finished = 0
        self._finished_indexes: set[int] = set()  # done before, done or failed

        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(self.tr("extraction file (.yml, .yaml, .toml)"))
        self.browse_button = QPushButton(self.tr("Browse…"))
        self.load_button = QPushButton(self.tr("Load"))
        file_line = QHBoxLayout()
        file_line.addWidget(self.path_edit, 1)
        file_line.addWidget(self.browse_button)
        file_line.addWidget(self.load_button)

        self.description_label = QLabel()
        self.description_label.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("#"), self.tr("Request"), self.tr("State")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COLUMN_INDEX, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMN_REQUEST, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COLUMN_STATE, QHeaderView.ResizeMode.Stretch)
        self.progress = QProgressBar()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.start_button = QPushButton(self.tr("Start"))
        self.pause_button = QPushButton(self.tr("Pause"))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.close_button = QPushButton(self.tr("Close"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(file_line)
        layout.addWidget(self.description_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)

        self.browse_button.clicked.connect(self._browse)
        self.load_button.clicked.connect(self.load)
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.close_button.clicked.connect(self.reject)
        self.eventPosted.connect(self._on_event, Qt.ConnectionType.QueuedConnection)
        self._update_buttons()

    # -- state --

    @property
    def busy(self) -> bool:
        return self._task is not None

    @property
    def running(self) -> bool:
        return self.runner is not None

    def _update_buttons(self) -> None:
        loading = self.busy and not self.running
        self.load_button.setEnabled(not self.busy)
        self.browse_button.setEnabled(not self.busy)
        self.start_button.setEnabled(self.plan is not None and not self.busy)
        self.pause_button.setEnabled(self.running)
        self.stop_button.setEnabled(self.running)
        paused = self.runner is not None and self.runner.paused
        self.pause_button.setText(self.tr("Resume") if paused else self.tr("Pause"))
        if loading:
            self.status_label.setText(self.tr("Loading…"))

    # -- loading --

    @Slot()
    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Open an extraction file"),
            self.path_edit.text(),
            self.tr("Extraction files (*.yml *.yaml *.toml);;All files (*)"),
        )
        if path:
            self.path_edit.setText(path)
            self.load()

    @Slot()
    def load(self) -> None:
        path = self.path_edit.text().strip()
        if not path or self.busy:
            return
        settings = self.station.settings

        def work(_control: workers.TaskControl) -> tuple[BatchPlan, dict[str, str]]:
            plan = prepare(load_batch_config(path), settings)
            records = read_records(plan.config.state_file)
            return plan, {key: record.state for key, record in records.items()}

        self._task = workers.run_task(
            work,
            self._on_loaded,
            self._on_load_failed,
            on_cancelled=self._on_load_cancelled,
            name="batch-load",
        )
        self._update_buttons()

    def _on_loaded(self, result: tuple[BatchPlan, dict[str, str]]) -> None:
        self._task = None
        self.plan, states = result
        config = self.plan.config
        self.description_label.setText(
            self.tr("%1 %2 requests to %3; output in %4")
            .replace("%1", config.kind.upper())
            .replace("%2", config.level)
            .replace("%3", self.plan.peer.describe())
            .replace("%4", str(config.directory))
        )
        self.table.setRowCount(len(self.plan.requests))
        self._rows = {}
        self._finished_indexes = set()
        done_before = 0
        for row, request in enumerate(self.plan.requests):
            self._rows[request.index] = row
            self.table.setItem(row, COLUMN_INDEX, QTableWidgetItem(str(request.index)))
            self.table.setItem(row, COLUMN_REQUEST, QTableWidgetItem(request.describe()))
            done = states.get(request.key) == RECORD_DONE
            done_before += done
            if done:
                self._finished_indexes.add(request.index)
            self._set_state(request.index, self.tr("done before") if done else self.tr("to do"))
        if self._close_when_done:
            self.reject()
            return
        self.progress.setRange(0, max(1, len(self.plan.requests)))
        self.progress.setValue(done_before)
        self.status_label.setText(
            self.tr("%n request(s), %1 done before", "", len(self.plan.requests)).replace(
                "%1", str(done_before)
            )
        )
        self._update_buttons()

    def _on_load_cancelled(self) -> None:
        self._task = None
        self._update_buttons()
        if self._close_when_done:
            self.reject()

    def _on_load_failed(self, exc: BaseException) -> None:
        self._task = None
        self.plan = None
        self.table.setRowCount(0)
        self.status_label.setText(str(exc))
        self._update_buttons()
        if self._close_when_done:
            self.reject()

    # -- running --

    @Slot()
    def start(self) -> None:
        if self.plan is None or self.busy:
            return
        runner = BatchRunner(
            self.plan,
            self.station.settings,
            Path(self.station.paths.data_dir),
            on_event=self.eventPosted.emit,
        )
        self.runner = runner
        self.summary = None
        self._finished = 0
        self._task = workers.run_task(
            lambda _control: runner.run(), self._on_run_done, self._on_run_failed, name="batch"
        )
        self.status_label.setText(self.tr("Running…"))
        self._update_buttons()

    @Slot()
    def toggle_pause(self) -> None:
        if self.runner is None:
            return
        if self.runner.paused:
            self.runner.resume()
            self.status_label.setText(self.tr("Running…"))
        else:
            self.runner.pause()
            self.status_label.setText(self.tr("Pausing after the requests on the wire…"))
        self._update_buttons()

    @Slot()
    def stop(self) -> None:
        if self.runner is not None:
            self.runner.stop()
            self.status_label.setText(self.tr("Stopping after the requests on the wire…"))

    def _set_state(self, index: int, text: str) -> None:
        row = self._rows.get(index)
        if row is not None:
            self.table.setItem(row, COLUMN_STATE, QTableWidgetItem(text))

    def state_of(self, index: int) -> str:
        row = self._rows.get(index)
        item = self.table.item(row, COLUMN_STATE) if row is not None else None
        return item.text() if item is not None else ""

    @Slot(object)
    def _on_event(self, event: BatchEvent) -> None:
        if event.kind == STARTED:
            self._set_state(event.index, self.tr("running"))
        elif event.kind == DONE_EVENT:
            self._finished += 1
            self._set_state(
                event.index,
                self.tr("done: %n instance(s)", "", event.instances)
                if self.plan is not None and self.plan.config.kind != "c-find"
                else self.tr("done: %n match(es)", "", event.instances),
            )
        elif event.kind == FAILED_EVENT:
            self._finished += 1
            self._set_state(event.index, self.tr("failed: %1").replace("%1", event.reason))
        elif event.kind == INTERRUPTED:
            self._set_state(event.index, self.tr("interrupted (sent again next time)"))
        elif event.kind == SKIPPED:
            self._set_state(event.index, self.tr("done before"))
        elif event.kind == WAITING:
            self.status_label.setText(
                self.tr(
                    "Outside the schedule window: waiting %n min",
                    "",
                    max(1, round(event.wait_seconds / 60)),
                )
            )
        elif event.kind == PAUSED:
            self.status_label.setText(
                self.tr("Paused: %n request(s) finished in this run", "", self._finished)
            )
        if event.kind in (DONE_EVENT, FAILED_EVENT, SKIPPED):
            self._finished_indexes.add(event.index)
        self.progress.setValue(len(self._finished_indexes))

    def _on_run_done(self, summary: BatchSummary) -> None:
        self._task = None
        self.runner = None
        self.summary = summary
        self.status_label.setText(
            self.tr(
                "%1 done, %2 failed, %3 done before, %4 not started; %n instance(s)",
                "",
                summary.instances,
            )
            .replace("%1", str(summary.ok))
            .replace("%2", str(len(summary.failed)))
            .replace("%3", str(summary.skipped))
            .replace("%4", str(summary.not_started))
        )
        self._update_buttons()
        if self._close_when_done:
            self.reject()

    def _on_run_failed(self, exc: BaseException) -> None:
        self._task = None
        self.runner = None
        self.status_label.setText(str(exc))
        self._update_buttons()
        if self._close_when_done:
            self.reject()

    def _stop_then_close(self) -> None:
        self._close_when_done = True
        if self.runner is not None:
            self.stop()
        elif self._task is not None:
            self._task.cancel()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            self._stop_then_close()
            event.ignore()
            return
        super().closeEvent(event)

    def reject(self) -> None:
        if self.busy:
            self._stop_then_close()
            return
        super().reject()


def add_batch_action(window: QWidget, menu: Any, station: Station) -> QAction:
    """File > Batch extraction...: the dialog opens on ``window``."""
    action = QAction(QCoreApplication.translate("BatchDialog", "&Batch extraction..."), window)
    action.setObjectName("batchAction")

    def open_dialog() -> None:
        dialog = BatchDialog(station, window)
        dialog.exec()
        dialog.deleteLater()

    action.triggered.connect(open_dialog)
    menu.addAction(action)
    return action
