"""StationBridge: the one place where station events become Qt signals.

The station publishes plain frozen events on whatever thread did the work: pynetdicom's
association threads, send workers, the import worker (docs/conventions.md, "Threads"). Widgets
may only be touched from the GUI thread, so the bridge does nothing but re-emit each event as a
signal. It is created on the GUI thread; a signal emitted on another thread to a receiver living
on the GUI thread is queued by Qt, so the connected slots run on the GUI thread. Receivers
connect with an explicit ``QueuedConnection`` so the code says what it does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from rtstation.events import (
    AssociationEnded,
    InstanceRejected,
    InstanceStored,
    JobChanged,
    PlanChanged,
    ReceiverStateChanged,
    RuleDecision,
    StationProblem,
)

LOGGER = logging.getLogger(__name__)


class StationBridge(QObject):
    """Re-emits every station event as a Qt signal carrying the (immutable) event."""

    instanceStored = Signal(object)  # InstanceStored
    instanceRejected = Signal(object)  # InstanceRejected
    associationEnded = Signal(object)  # AssociationEnded
    planChanged = Signal(object)  # PlanChanged
    receiverStateChanged = Signal(object)  # ReceiverStateChanged
    jobChanged = Signal(object)  # JobChanged
    ruleDecided = Signal(object)  # RuleDecision
    problemReported = Signal(object)  # StationProblem

    def __init__(self, station: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribers: list[Callable[[], None]] = []
        for event_type, signal in (
            (InstanceStored, self.instanceStored),
            (InstanceRejected, self.instanceRejected),
            (AssociationEnded, self.associationEnded),
            (PlanChanged, self.planChanged),
            (ReceiverStateChanged, self.receiverStateChanged),
            (JobChanged, self.jobChanged),
            (RuleDecision, self.ruleDecided),
            (StationProblem, self.problemReported),
        ):
            self._unsubscribers.append(station.subscribe(event_type, self._emitter(signal)))

    @staticmethod
    def _emitter(signal: Any) -> Callable[[object], None]:
        """Emit only. If the bridge's C++ side is already gone (window closing while an
        association delivers its last instance), drop the event instead of raising into
        the station's thread."""

        def emit(event: object) -> None:
            try:
                signal.emit(event)
            except RuntimeError:
                LOGGER.debug("Event %s dropped: the window is gone", type(event).__name__)

        return emit

    def close(self) -> None:
        """Stop listening; called before the window goes away (idempotent)."""
        unsubscribers, self._unsubscribers = self._unsubscribers, []
        for unsubscribe in unsubscribers:
            unsubscribe()
