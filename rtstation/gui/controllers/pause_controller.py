"""PauseController: pause and resume sending to a node, and know which nodes are paused.

A node is paused when its TPS is in maintenance or refuses everything: its jobs stay in
the queue and go out once it is resumed, instead of burning their retries. Pausing writes
the queue database and pokes the node's worker (``Station.pause_node``), and asking
whether a node is paused reads that database, so all of it runs on a worker
(docs/conventions.md, "Threads"); the GUI thread only ever sees the resulting set of paused
nodes.

The set is read when the window opens and after settings change (nodes come and go), and
re-read for the one node after every pause or resume, so what the window shows is what
the queue holds, even when a CLI next to the window paused the node first.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from rtstation.gui.messages import show_error
from rtstation.gui.workers import run_task

if TYPE_CHECKING:
    from rtstation.station import Station

LOGGER = logging.getLogger(__name__)


class PauseController(QObject):
    """Runs ``Station.pause_node``/``resume_node`` on a worker; emits the paused nodes."""

    pausedNodesChanged = Signal(list)  # sorted names of the paused nodes

    def __init__(self, station: Station, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.window = window
        self._paused: set[str] = set()
        self._version = 0  # counts pause/resume results, so a slower load cannot undo one

    @property
    def paused_nodes(self) -> frozenset[str]:
        return frozenset(self._paused)

    def is_paused(self, name: str) -> bool:
        """What the window last learned from the queue (no database read here)."""
        return name in self._paused

    @Slot()
    def load(self) -> None:
        """Read which enabled nodes are paused (window opened, settings applied)."""
        station = self.station
        names = [node.name for node in station.settings.enabled_nodes]
        version = self._version
        run_task(
            lambda _control: {name for name in names if station.is_paused(name)},
            lambda paused: self._on_loaded(paused, version),
            lambda exc: LOGGER.warning("Could not read which nodes are paused: %s", exc),
            name="paused-nodes",
        )

    @Slot(object)
    def _on_settings_applied(self, _settings: Any) -> None:
        self.load()

    @Slot(str)
    def pause(self, name: str) -> None:
        self._set_paused(name, True, self.tr("Node %1 could not be paused."))

    @Slot(str)
    def resume(self, name: str) -> None:
        self._set_paused(name, False, self.tr("Node %1 could not be resumed."))

    def _set_paused(self, name: str, paused: bool, failure: str) -> None:
        """Pause or resume on a worker (the queue is a database), then show the real state."""
        station = self.station

        def change(_control: object) -> bool:
            (station.pause_node if paused else station.resume_node)(name)
            return station.is_paused(name)

        run_task(
            change,
            lambda now_paused: self._on_node_state(name, now_paused),
            lambda exc: show_error(self.window, failure.replace("%1", name), exc),
            name="pause-node" if paused else "resume-node",
        )

    def _on_loaded(self, paused: set[str], version: int) -> None:
        if version != self._version:
            self.load()  # a pause or resume finished meanwhile: read again, after it
            return
        if paused != self._paused:
            self._paused = set(paused)
            self.pausedNodesChanged.emit(sorted(self._paused))

    def _on_node_state(self, name: str, paused: bool) -> None:
        self._version += 1
        was = name in self._paused
        if paused:
            self._paused.add(name)
        else:
            self._paused.discard(name)
        if paused != was:
            self.pausedNodesChanged.emit(sorted(self._paused))
