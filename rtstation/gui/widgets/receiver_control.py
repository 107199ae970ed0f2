"""ReceiverControl: the Start/Stop button of the DICOM receiver and its state in words.

The original station's most used button ("DICOM-Empfänger starten"). It only asks; the
receiver controller starts or stops the receiver on a worker and the state comes back as
a ``ReceiverStateChanged`` event, so the text shown is always what the station reports.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from rtstation.gui.icons import icon
from rtstation.gui.theme import status_color
from rtstation.gui.widgets.elided_label import ElidedLabel


class ReceiverControl(QWidget):
    """Start/Stop button plus a label such as "Listening as RTSTATION on port 11112"."""

    startRequested = Signal()
    stopRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = "stopped"
        self.button = QPushButton(self)
        self.button.setObjectName("receiverButton")
        self.button.clicked.connect(self._on_button_clicked)
        # a long state ("Port 104 is already in use by another program: ...") must not
        # widen the toolbar and push its actions into the overflow menu: it is cut with
        # "..." and whole in the tooltip
        self.state_label = ElidedLabel(self)
        self.state_label.setObjectName("receiverState")
        self.state_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("M" * 18))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.button)
        layout.addWidget(self.state_label, 1)
        self.set_state("stopped", self.tr("Receiver stopped"))

    @property
    def state(self) -> str:
        return self._state

    def set_state(self, state: str, message: str) -> None:
        """Show the station's receiver state ("listening", "stopped" or "error")."""
        self._state = state
        listening = state == "listening"
        self.button.setEnabled(True)
        self.button.setText(self.tr("Stop receiver") if listening else self.tr("Start receiver"))
        self.button.setIcon(icon("receiver-on" if listening else "receiver-off"))
        self.button.setToolTip(
            self.tr("Stop accepting DICOM associations")
            if listening
            else self.tr("Start the DICOM storage receiver")
        )
        self.state_label.setText(message)
        self.state_label.setToolTip(message)
        color = {"listening": status_color("ok"), "error": status_color("error")}.get(state, "")
        self.state_label.setStyleSheet(f"color: {color};" if color else "")

    def set_busy(self, text: str) -> None:
        """While a start or stop runs on a worker: no double clicks, say what happens."""
        self.button.setEnabled(False)
        self.state_label.setText(text)

    @Slot()
    def _on_button_clicked(self) -> None:
        if self._state == "listening":
            self.stopRequested.emit()
        else:
            self.startRequested.emit()
