"""StationStatusBar: receiver state, what arrived this session, and the queue at a glance.

Counters are painted by a timer, not per event: 2,000 slices arriving in a minute would
otherwise repaint the bar 2,000 times for a number nobody can read that fast.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

_PAINT_MS = 250


class StationStatusBar(QStatusBar):
    """Permanent labels on the right, transient messages on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stationStatusBar")
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
        self._dirty = True
        self._timer = QTimer(self)
        self._timer.setInterval(_PAINT_MS)
        self._timer.timeout.connect(self._on_paint_timer)
        self._timer.start()
        self._on_paint_timer()

    def set_receiver(self, state: str, message: str) -> None:
        self.receiver_label.setText(message)
        color = {"listening": "#1e7828", "error": "#be1e1e"}.get(state, "")
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
        text = self.tr("Received this session: %1").replace("%1", str(self._received))
        if self._rejected:
            text += " " + self.tr("(%1 refused)").replace("%1", str(self._rejected))
        self.received_label.setText(text)
        self.queue_label.setText(self._queue_text or self.tr("Queue: idle"))
