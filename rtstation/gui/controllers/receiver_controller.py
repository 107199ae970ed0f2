"""ReceiverController: start and stop the DICOM receiver on a worker.

Binding a port is network work, and stopping waits for running associations to finish
(seconds, if a TPS is in the middle of a 500-slice series), so neither may run on the GUI
thread. The state shown is always the one the station reports through
``ReceiverStateChanged``; the controller only adds "starting..." while it waits.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from rtstation.gui.messages import show_error
from rtstation.gui.workers import TaskHandle, run_task

if TYPE_CHECKING:
    from rtstation.station import Station

LOGGER = logging.getLogger(__name__)


class ReceiverController(QObject):
    """Runs ``Station.start_receiver``/``stop_receiver`` and relays the receiver's state."""

    stateChanged = Signal(str, str)  # state, message
    busyChanged = Signal(str)  # what is happening, while a start/stop runs

    def __init__(self, station: Station, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.window = window
        self._task: TaskHandle[None] | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None

    def current_state(self) -> tuple[str, str]:
        state = self.station.receiver_state
        return state.state, state.message

    @Slot()
    def start(self) -> None:
        if self._task is not None:
            return
        self.busyChanged.emit(self.tr("Starting the receiver..."))
        station = self.station
        self._task = run_task(
            lambda _control: station.start_receiver(),
            self._on_done,
            self._on_start_failed,
            name="receiver-start",
        )

    @Slot()
    def stop(self) -> None:
        if self._task is not None:
            return
        self.busyChanged.emit(self.tr("Stopping the receiver..."))
        station = self.station
        self._task = run_task(
            lambda _control: station.stop_receiver(),
            self._on_done,
            self._on_stop_failed,
            name="receiver-stop",
        )

    @Slot(object)
    def _on_receiver_state_changed(self, event: Any) -> None:
        self.stateChanged.emit(event.state, event.message)

    def _on_done(self, _result: object) -> None:
        self._task = None
        self.stateChanged.emit(*self.current_state())

    def _on_start_failed(self, exc: BaseException) -> None:
        self._task = None
        self.stateChanged.emit(*self.current_state())
        show_error(self.window, self.tr("The DICOM receiver could not start."), exc)

    def _on_stop_failed(self, exc: BaseException) -> None:
        self._task = None
        self.stateChanged.emit(*self.current_state())
        show_error(self.window, self.tr("The DICOM receiver could not be stopped cleanly."), exc)
