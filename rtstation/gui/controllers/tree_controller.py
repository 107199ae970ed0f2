"""TreeController: keeps the plan tree current without ever reading the catalog on the GUI
thread.

Events say *which* patient changed (``PlanChanged``, ``AssociationEnded``, an import's
report); the controller collects those patient IDs for a moment, fetches their snapshots
on a worker, and hands them to the model, which updates only those subtrees. Coalescing
matters: one association of 300 slices for 3 plans ends in one fetch, not 300, and a
burst of events while a fetch runs leads to exactly one follow-up fetch.

The first load comes in two steps, because decoding 100,000 headers takes seconds: an
outline of every patient and plan (a few aggregate queries, shown at once), then the
patients' full snapshots (their files, bundles, groups), a few patients a fetch, on the
same worker path as the refreshes. Changed patients go first; a patient the user opens
goes before the others (:meth:`TreeController.prefer`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from rtstation.gui.controllers.tree_data import PatientSnapshot, fetch_outline, fetch_patients
from rtstation.gui.models.plan_tree_model import PlanTreeModel
from rtstation.gui.workers import TaskControl, TaskHandle, run_task

if TYPE_CHECKING:
    from rtstation.station import Station

LOGGER = logging.getLogger(__name__)

_COALESCE_MS = 150
_CHUNK = 25
_CHUNK_GAP_MS = 5
"""The initial list goes into the model 25 patients at a time with a short gap, so other
events (a click, the receiver's signals) get the GUI thread in between. Measured with
1,000 patients while a CT series streamed in: one big reset stalled the window for up to
400 ms; chunks (painted once at the end) keep every stall under 100 ms."""
_DETAIL_BATCH = 20
"""Patients whose files one detail fetch reads after the outline (about 4,000 instances
of a busy station: a fraction of a second of worker time, a short apply)."""
_DETAIL_GAP_MS = 50
"""Pause between two detail fetches. Right after a batch is applied the view repaints
and refits its columns, calling into Python for every cell it measures; with the next
fetch already running, each of those calls waits for the worker to hand over the GIL.
Measured with 500 patients: late ticks of 30-120 ms after every batch without the gap,
none over 40 ms with it (at the price of a second more until every file is in)."""


class TreeController(QObject):
    """Initial load and incremental refreshes of :class:`PlanTreeModel`."""

    loadingChanged = Signal(bool)
    refreshed = Signal(list)  # patient ids just applied to the model
    loadFailed = Signal(object)  # the exception

    def __init__(
        self, station: Station, model: PlanTreeModel, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.model = model
        self._dirty: set[str] = set()
        self._undetailed: dict[str, None] = {}  # outline patients, in the order to read
        self._fill_failed = False
        self._loaded = False
        self._task: TaskHandle[list[PatientSnapshot]] | None = None
        self._generation = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(_COALESCE_MS)
        self._timer.timeout.connect(self._on_coalesce_timeout)
        self._pending_chunks: list[list[PatientSnapshot]] = []
        self._chunk_timer = QTimer(self)
        self._chunk_timer.setSingleShot(True)
        self._chunk_timer.setInterval(_CHUNK_GAP_MS)
        self._chunk_timer.timeout.connect(self._on_chunk_timeout)
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(_DETAIL_GAP_MS)
        self._detail_timer.timeout.connect(self._fetch_details)

    @property
    def busy(self) -> bool:
        return (
            self._task is not None
            or self._timer.isActive()
            or bool(self._dirty)
            or bool(self._undetailed)
            or bool(self._pending_chunks)
            or self._detail_timer.isActive()
            or self._chunk_timer.isActive()
        )

    @property
    def detailed(self) -> bool:
        """Every patient in the model has its full snapshot (the outline is filled in)."""
        return self._loaded and not self._undetailed and not self._fill_failed

    def load_all(self) -> None:
        """Fetch every patient (startup, View > Reload): the one full model reset."""
        if self._task is not None:
            self._task.cancel()
        self._generation += 1
        self._task = None
        self._loaded = False
        self._undetailed = {}
        self._fill_failed = False
        self.loadingChanged.emit(True)
        station = self.station
        self._start(
            lambda control: fetch_outline(station, control.should_cancel),
            self._on_loaded,
            "tree-load",
        )

    def prefer(self, patient_id: str | None) -> None:
        """Read this outline patient's files next (the user opened or selected it)."""
        if patient_id in self._undetailed:
            self._undetailed = {patient_id: None, **self._undetailed}

    def refresh_patients(self, patient_ids: Iterable[str]) -> None:
        """Mark patients changed; they are fetched together shortly."""
        ids = {pid for pid in patient_ids if pid is not None}
        if not ids:
            return
        self._dirty |= ids
        if self._loaded and self._task is None and not self._timer.isActive():
            self._timer.start()

    # -- slots for the bridge -----------------------------------------------------------

    @Slot(object)
    def _on_plan_changed(self, event: Any) -> None:
        self.refresh_patients([event.patient_id])

    @Slot(object)
    def _on_association_ended(self, event: Any) -> None:
        self.refresh_patients(event.patient_ids)

    # -- internals ----------------------------------------------------------------------

    @Slot()
    def _on_coalesce_timeout(self) -> None:
        if self._task is not None or not self._dirty:
            return
        ids, self._dirty = sorted(self._dirty), set()
        station = self.station
        self._start(
            lambda control: fetch_patients(station, ids, control.should_cancel),
            self._on_refreshed,
            "tree-refresh",
        )

    def _start(
        self,
        fn: Callable[[TaskControl], list[PatientSnapshot]],
        on_done: Callable[[list[PatientSnapshot]], None],
        name: str,
    ) -> None:
        """Run a fetch; only the newest fetch's outcome may touch ``_task`` and the model."""
        self._generation += 1
        generation = self._generation

        def current() -> bool:
            if generation != self._generation:
                return False
            self._task = None
            return True

        def done(snapshots: list[PatientSnapshot]) -> None:
            if current():
                on_done(snapshots)

        def failed(exc: BaseException) -> None:
            if current():
                self._on_failed(exc)

        def cancelled() -> None:
            current()

        self._task = run_task(fn, done, failed, on_cancelled=cancelled, name=name)

    def _on_loaded(self, snapshots: list[PatientSnapshot]) -> None:
        """Show the first patients at once and the rest a chunk per event-loop turn, so a
        thousand patients never freeze the window for the length of one big reset."""
        ordered = sorted(snapshots, key=lambda s: s.patient_id)
        self.model.set_patients(ordered[:_CHUNK])
        self._pending_chunks = [
            ordered[i : i + _CHUNK] for i in range(_CHUNK, len(ordered), _CHUNK)
        ]
        self._chunk_timer.start()

    @Slot()
    def _on_chunk_timeout(self) -> None:
        if self._pending_chunks:
            self.model.append_patients(self._pending_chunks.pop(0))
            self._chunk_timer.start()
            return
        self._loaded = True
        shown = self.model.patient_ids()
        snapshots = (self.model.patient_snapshot(pid) for pid in shown)
        self._undetailed = {s.patient_id: None for s in snapshots if s is not None and s.outline}
        self.loadingChanged.emit(False)
        self.refreshed.emit(shown)
        self._continue()

    def _on_refreshed(self, snapshots: list[PatientSnapshot]) -> None:
        for snapshot in snapshots:
            self._undetailed.pop(snapshot.patient_id, None)
        self.model.update_patients(snapshots)
        self.refreshed.emit([s.patient_id for s in snapshots])
        self._continue()

    def _on_failed(self, exc: BaseException) -> None:
        LOGGER.error("Could not read the received plans: %s", exc)
        # the outline stays as it is (View > Reload or the next arrival reads it again)
        # rather than a retry a broken catalog would repeat forever
        self._fill_failed = bool(self._undetailed)
        self._undetailed = {}
        if not self._loaded:
            self.loadingChanged.emit(False)
        self.loadFailed.emit(exc)

    def _continue(self) -> None:
        """Events that arrived during the fetch: one more fetch for all of them; with none,
        the next outline patients' files."""
        if self._dirty:
            if not self._timer.isActive():
                self._timer.start()
            return
        if self._undetailed and self._task is None and not self._detail_timer.isActive():
            self._detail_timer.start()

    @Slot()
    def _fetch_details(self) -> None:
        if self._task is not None or self._dirty or not self._undetailed:
            self._continue()
            return
        ids = list(self._undetailed)[:_DETAIL_BATCH]
        station = self.station
        self._start(
            lambda control: fetch_patients(station, ids, control.should_cancel),
            self._on_refreshed,
            "tree-details",
        )

    def cancel(self) -> None:
        """Stop pending and running fetches (window closing); their results are dropped."""
        self._timer.stop()
        self._chunk_timer.stop()
        self._detail_timer.stop()
        self._pending_chunks = []
        self._dirty.clear()
        self._undetailed = {}
        if self._task is not None:
            self._task.cancel()
        self._generation += 1
        self._task = None
