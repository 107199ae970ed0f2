"""StationStatusBar: the last station event, what arrived since start, the queue and the
receiver at a glance.

Counters and the last-event text are painted by a timer, not per event: 2,000 slices
arriving in a minute would otherwise repaint the bar 2,000 times for text nobody can
read that fast.

The last event sits on the left as a normal status-bar widget, so a transient message
("3 send job(s) queued.") covers it for a few seconds and then gives it back; counters,
queue and receiver are permanent on the right.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from rtstation.gui.theme import status_color
from rtstation.gui.widgets.elided_label import ElidedLabel

_PAINT_MS = 250


class StationStatusBar(QStatusBar):
    """The last event on the left; permanent labels on the right; transient messages."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stationStatusBar")
        self.last_event_label = ElidedLabel(self)
        self.last_event_label.setObjectName("statusLastEvent")
        self.addWidget(self.last_event_label, 1)
        self.receiver_label = QLabel(self)
        self.receiver_label.setObjectName("statusReceiver")
        self.received_label = QLabel(self)
        self.received_label.setObjectName("statusReceived")
        self.queue_label = QLabel(self)
        self.queue_label.setObjectName("statusQueue")
        for label in (self.received_label, self.queue_label, self.receiver_label):
            self.addPermanentWidget(label)
        self._received = 0
        self._rejected = 0
        self._queue_text = ""
        self._last_event = ""
        self._last_event_problem = False
        self._last_event_at: datetime | None = None
        self._dirty = True
        self._timer = QTimer(self)
        self._timer.setInterval(_PAINT_MS)
        self._timer.timeout.connect(self._on_paint_timer)
        self._timer.start()
        self._on_paint_timer()

    def set_receiver(self, state: str, message: str) -> None:
        self.receiver_label.setText(message)
        color = {"listening": status_color("ok"), "error": status_color("error")}.get(state, "")
        self.receiver_label.setStyleSheet(f"color: {color};" if color else "")

    def count_received(self, count: int = 1) -> None:
        self._received += count
        self._dirty = True

    def count_rejected(self, count: int = 1) -> None:
        self._rejected += count
        self._dirty = True

    @property
    def received(self) -> int:
        return self._received

    def set_last_event(
        self, text: str, *, problem: bool = False, at: datetime | None = None
    ) -> None:
        """The newest station event in words; ``problem`` paints it red."""
        self._last_event = text
        self._last_event_problem = problem
        self._last_event_at = at
        self._dirty = True

    def set_queue_counts(self, counts: dict[str, int]) -> None:
        active = sum(counts.get(s, 0) for s in ("queued", "pending", "sending", "in_flight"))
        retrying = counts.get("retrying", 0)
        failed = counts.get("failed", 0)
        parts = []
        if active:
            parts.append(self.tr("%1 sending").replace("%1", str(active)))
        if retrying:
            parts.append(self.tr("%1 waiting to retry").replace("%1", str(retrying)))
        if failed:
            parts.append(self.tr("%1 failed").replace("%1", str(failed)))
        self._queue_text = (
            self.tr("Queue: %1").replace("%1", ", ".join(parts))
            if parts
            else self.tr("Queue: idle")
        )
        self._dirty = True

    @Slot()
    def _on_paint_timer(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        text = self.tr("Received since start: %1").replace("%1", str(self._received))
        if self._rejected:
            text += " " + self.tr("(%1 refused)").replace("%1", str(self._rejected))
        self.received_label.setText(text)
        self.queue_label.setText(self._queue_text or self.tr("Queue: idle"))
        self._paint_last_event()

    def _paint_last_event(self) -> None:
        label = self.last_event_label
        label.setText(self._last_event)
        label.setStyleSheet(f"color: {status_color('error')};" if self._last_event_problem else "")
        if self._last_event and self._last_event_at is not None:
            moment = self._last_event_at.astimezone().strftime("%H:%M:%S")
            label.setToolTip(f"{moment}  {self._last_event}")
        else:
            label.setToolTip(self._last_event)
