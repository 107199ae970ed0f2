"""CloseController: closing the window (or Quit) while send jobs are unfinished asks first.

A physicist who closes the window in the middle of a 600-instance send has usually not
decided to stop it. So the close is held and a question offers: wait until the queue is
finished and then quit, keep the station running in the system tray (only where a tray
exists; where none does, the question says so), or quit now. Quitting is safe: the queue
is on disk, the station finishes the item in flight, and the unfinished jobs resume on the
next start without sending anything twice; the question says that, so "quit" is an
informed choice rather than a gamble.

The question is a non-blocking, window-modal box (``open()``, not ``exec()``): the event
loop, and with it the running send, goes on while it is shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from rtstation.gui.models.job_table_model import JobTableModel


class CloseController(QObject):
    """Decides what a close or quit request does while jobs are unfinished."""

    quitConfirmed = Signal()  # quit now (the window closes, the application ends)
    hideRequested = Signal()  # keep running in the tray
    waitingChanged = Signal(bool)  # waiting for the queue before quitting

    def __init__(
        self,
        window: QWidget,
        job_model: JobTableModel,
        tray_available: bool,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.job_model = job_model
        self.tray_available = tray_available
        self.waiting = False
        self.question: QMessageBox | None = None
        self._buttons: dict[str, QAbstractButton] = {}

    def unfinished_jobs(self) -> int:
        return self.job_model.unfinished_count()

    def request(self) -> bool:
        """A close or quit was asked for: True when it may go ahead at once, False when
        it is held (the question is shown, or the station waits for the queue)."""
        if self.unfinished_jobs() == 0:
            return True
        self.ask()
        return False

    def ask(self) -> QMessageBox:
        """Show the question (once; a second close brings the same box to the front)."""
        if self.question is not None:
            self.question.raise_()
            return self.question
        count = self.unfinished_jobs()
        box = QMessageBox(self.window)
        box.setObjectName("closeQuestion")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Send jobs are not finished"))
        box.setText(self.tr("%n send job(s) are not finished yet.", "", count))
        info = self.tr(
            "If you quit now, the item being sent is finished first; the remaining jobs "
            "stay in the queue and resume the next time rtstation starts. Nothing is sent "
            "twice."
        )
        if not self.tray_available:
            info += "\n\n" + self.tr(
                "This desktop has no system tray, so rtstation cannot keep running "
                "without its window."
            )
        box.setInformativeText(info)
        self._buttons = {
            "wait": box.addButton(
                self.tr("Quit when the queue is finished"), QMessageBox.ButtonRole.AcceptRole
            ),
        }
        if self.tray_available:
            self._buttons["tray"] = box.addButton(
                self.tr("Keep running in the tray"), QMessageBox.ButtonRole.AcceptRole
            )
        self._buttons["quit"] = box.addButton(
            self.tr("Quit now"), QMessageBox.ButtonRole.DestructiveRole
        )
        self._buttons["cancel"] = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(self._buttons["wait"])  # type: ignore[arg-type]
        box.setEscapeButton(self._buttons["cancel"])
        box.finished.connect(self._on_answered)
        self.question = box
        box.open()
        return box

    def button(self, answer: str) -> QAbstractButton:
        """The question's button for ``answer`` ("wait", "tray", "quit", "cancel")."""
        return self._buttons[answer]

    @Slot(int)
    def _on_answered(self, _result: int) -> None:
        box = self.question
        if box is None:
            return
        clicked = box.clickedButton()
        answer = next((name for name, b in self._buttons.items() if b is clicked), "cancel")
        self.question = None
        box.deleteLater()
        if answer == "wait":
            self._set_waiting(True)
            self.queue_changed()
        elif answer == "tray":
            self.hideRequested.emit()
        elif answer == "quit":
            self._set_waiting(False)
            self.quitConfirmed.emit()

    def _set_waiting(self, waiting: bool) -> None:
        if waiting != self.waiting:
            self.waiting = waiting
            self.waitingChanged.emit(waiting)

    @Slot()
    @Slot(dict)
    def queue_changed(self, _counts: Any = None) -> None:
        """The job table changed: quit once waited-for jobs are all finished."""
        if self.waiting and self.unfinished_jobs() == 0:
            self._set_waiting(False)
            self.quitConfirmed.emit()
