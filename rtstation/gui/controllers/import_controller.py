"""ImportController: folders, files and ZIPs into the station, with progress and Cancel.

Used by drag and drop, File > Import and "Process import folder". The import runs on a
worker through ``Station.import_paths`` (the same ingest path a network receive uses); the
progress dialog's Cancel asks the worker to stop after the current file. At the end a
summary says what was stored, what was a duplicate and what was refused, with each
refused file and its reason under *Show Details*.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from rtstation.gui.controllers.tree_controller import TreeController
from rtstation.gui.dialogs.import_summary import ImportSummaryDialog
from rtstation.gui.messages import show_error
from rtstation.gui.workers import TaskControl, TaskHandle, run_task
from rtstation.station.anonymized import NewPatient
from rtstation.storage.importer import ImportReport

if TYPE_CHECKING:
    from rtstation.station import Station

LOGGER = logging.getLogger(__name__)


def top_level_files(paths: Sequence[str]) -> list[str]:
    """For a non-recursive import: the files directly in each folder, files as given."""
    result: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            result += sorted(str(entry) for entry in Path(path).iterdir() if entry.is_file())
        else:
            result.append(path)
    return result


class ImportController(QObject):
    """One import at a time; emits ``importFinished(report)`` after the summary shows."""

    importStarted = Signal()
    importFinished = Signal(object)  # ImportReport
    importFailed = Signal(object)

    def __init__(
        self,
        station: Station,
        tree: TreeController,
        window: QWidget,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.tree = tree
        self.window = window
        self.progress_dialog: QProgressDialog | None = None
        self.summary: QWidget | None = None
        self._task: TaskHandle[Any] | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None

    def import_paths(
        self,
        paths: Sequence[str],
        *,
        clear: bool = False,
        recursive: bool = True,
        anonymize: NewPatient | None = None,
    ) -> bool:
        """Start importing ``paths`` (``anonymize``: an anonymized copy as that patient);
        False if an import is already running."""
        if self._task is not None or not paths:
            return False
        items = [str(p) for p in paths]
        LOGGER.info("Importing %d item(s)%s", len(items), " (clearing sources)" if clear else "")
        dialog = QProgressDialog(
            self.tr("Looking at the files..."), self.tr("Cancel"), 0, 0, self.window
        )
        dialog.setObjectName("importProgress")
        dialog.setWindowTitle(self.tr("Importing"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(460)
        self.progress_dialog = dialog
        station = self.station

        def work(control: TaskControl) -> Any:
            sources = items if recursive else top_level_files(items)
            return station.import_paths(
                sources,
                clear=clear,
                progress=control.progress,
                should_cancel=control.should_cancel,
                anonymize=anonymize,
            )

        self._task = run_task(
            work,
            self._on_done,
            self._on_failed,
            self._on_progress,
            on_cancelled=self._on_cancelled_before_start,
            name="import",
        )
        dialog.canceled.connect(self._on_cancel_requested)
        dialog.show()
        self.importStarted.emit()
        return True

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _on_cancel_requested(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.progress_dialog is not None:
            self.progress_dialog.setLabelText(self.tr("Cancelling after the current file..."))

    def _on_progress(self, done: int, total: int, name: str) -> None:
        dialog = self.progress_dialog
        if dialog is None:
            return
        if dialog.maximum() != total:
            dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total else 0)
        if not dialog.wasCanceled():
            dialog.setLabelText(
                self.tr("Importing %1 of %2\n%3")
                .replace("%1", str(done))
                .replace("%2", str(total))
                .replace("%3", name)
            )

    def _close_dialog(self) -> None:
        if self.progress_dialog is not None:
            # closing a QProgressDialog emits canceled(); it is not the user's Cancel
            self.progress_dialog.canceled.disconnect(self._on_cancel_requested)
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    def _on_done(self, report: Any) -> None:
        self._task = None
        self._close_dialog()
        self.tree.refresh_patients(report.patient_ids)
        self.summary = self._show_summary(report)
        self.importFinished.emit(report)

    def _show_summary(self, report: Any) -> QWidget:
        """Counts and a table of refused files with reasons, shown without blocking."""
        dialog = ImportSummaryDialog(report, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(False)
        dialog.show()
        return dialog

    def _on_cancelled_before_start(self) -> None:
        """Cancel was pressed before a worker picked the import up: nothing was read."""
        self._on_done(ImportReport(cancelled=True))

    def _on_failed(self, exc: BaseException) -> None:
        self._task = None
        self._close_dialog()
        self.importFailed.emit(exc)
        show_error(self.window, self.tr("The import stopped."), exc)
