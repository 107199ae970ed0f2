"""The part the Retrieve and Store dialogs share: one network task at a time on a worker.

Each dialog runs its query, retrieve or store through :func:`rtstation.gui.workers.run_task`
so the window never waits on the network; this mixin keeps the task, its progress bar and
its status line, and cancels it when the user presses Cancel or closes the dialog.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Slot
from PySide6.QtWidgets import QLabel, QProgressBar

from rtstation.gui import workers


class TaskDialogMixin:
    """Requires ``progress``, ``status_label`` and ``_update_buttons`` of the dialog."""

    progress: QProgressBar
    status_label: QLabel
    _task: Any = None

    def _update_buttons(self) -> None: ...  # the dialog's

    @property
    def busy(self) -> bool:
        return self._task is not None

    def _start(self, work: Any, on_done: Any, *, name: str) -> None:
        self.progress.setRange(0, 0)
        self._task = workers.run_task(
            work,
            on_done,
            self._on_task_failed,
            self._on_task_progress,
            on_cancelled=self._on_task_cancelled,
            name=name,
        )
        self._update_buttons()

    def _on_task_progress(self, done: int, total: int, text: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        if text:
            self.status_label.setText(text)

    def _on_task_failed(self, exc: BaseException) -> None:
        self._task = None
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status_label.setText(str(exc))
        self._update_buttons()

    def _on_task_cancelled(self) -> None:
        self._task = None
        self.progress.setRange(0, 1)
        self.status_label.setText(QCoreApplication.translate("TaskDialog", "Cancelled."))
        self._update_buttons()

    @Slot()
    def _on_cancel_clicked(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.status_label.setText(QCoreApplication.translate("TaskDialog", "Cancelling…"))

    def reject(self) -> None:
        if self._task is not None:
            self._task.cancel()
        super().reject()  # type: ignore[misc]
