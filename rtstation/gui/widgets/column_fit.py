"""ColumnFitter: a view's columns sized to their content until the user sizes one.

Fixed pixel widths cut "Müller Jürgen" to "Müller Jür…" and "ADP_Pelvis" to "ADP_…" at
the default window size. So columns follow what they show: after the list loads, when
rows arrive, when a patient is expanded. Each column is capped, so one very long label
cannot push the others out of sight (its tooltip still has it whole). Once the user drags
a column border, or a saved header state is restored, the widths are theirs and are left
alone (the window saves the header state in its QSettings).

Refits are coalesced, at most one per :data:`FIT_DELAY_MS`: a receive of 600 instances
changes the model hundreds of times, and measuring the visible rows once is enough. The
delay also keeps a fit out of the event-loop turn of the model update that asked for it:
with a thousand patients an update of the tree takes 30-50 ms and a fit 45-75 ms, and the
two in one turn froze the window for up to 170 ms while a series arrived. A scheduled refit
then measures one column per event-loop turn, so no turn holds more than one column's
measuring (5-10 ms) and the window repaints and answers between them. Only the visible rows
are measured (``resizeContentsPrecision`` 0; Qt's default is 1,000 rows): with a thousand
patients a fit asked for the size of 6,000 cells, each a call into Python, and froze the
window for a second while a series arrived and the tree was filling in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QByteArray, QObject, QTimer, Slot
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTreeView

#: How long a requested refit waits, gathering every change that comes meanwhile.
FIT_DELAY_MS = 250


class ColumnFitter(QObject):
    """Fits ``columns`` of ``view`` to their content, each at most ``maxima[column]``."""

    def __init__(
        self,
        view: QTreeView | QTableView,
        columns: Sequence[int],
        maxima: Mapping[int, int],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.columns = tuple(columns)
        self.maxima = dict(maxima)
        self.user_sized = False
        self.enabled = True
        self._fitting = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FIT_DELAY_MS)
        self._timer.timeout.connect(self._begin_refit)
        self._refit_columns: list[int] = []
        self._step = QTimer(self)  # the next column, in the next event-loop turn
        self._step.setSingleShot(True)
        self._step.setInterval(0)
        self._step.timeout.connect(self._fit_next_column)
        rows = view.header() if isinstance(view, QTreeView) else view.verticalHeader()
        rows.setResizeContentsPrecision(0)  # the visible rows only (see the module docstring)
        model = view.model()
        for signal in (model.rowsInserted, model.modelReset, model.layoutChanged):
            signal.connect(self.schedule)
        model.dataChanged.connect(self.schedule)
        if isinstance(view, QTreeView):
            view.expanded.connect(self.schedule)
        self.header.sectionResized.connect(self._on_section_resized)

    @property
    def header(self) -> QHeaderView:
        view: QAbstractItemView = self.view
        return view.header() if isinstance(view, QTreeView) else view.horizontalHeader()

    @Slot()
    def schedule(self, *_args: object) -> None:
        if self.enabled and not self.user_sized and not self._timer.isActive():
            self._timer.start()

    @Slot()
    def fit(self) -> None:
        """Size every column now, in this turn (no-op once the user sized them)."""
        for column in self.columns:
            self._fit_column(column)

    @Slot()
    def _begin_refit(self) -> None:
        # a refit still under way starts over: what changed since may touch its columns
        self._refit_columns = list(self.columns)
        self._fit_next_column()

    @Slot()
    def _fit_next_column(self) -> None:
        if not self._refit_columns:
            return
        self._fit_column(self._refit_columns.pop(0))
        if self._refit_columns:
            self._step.start()

    def _fit_column(self, column: int) -> None:
        if self.user_sized:
            self._refit_columns.clear()
            return
        self._fitting = True
        try:
            wanted = max(self.view.sizeHintForColumn(column), self.header.sectionSizeHint(column))
            limit = self.maxima.get(column)
            self.view.setColumnWidth(column, min(wanted, limit) if limit else wanted)
        finally:
            self._fitting = False

    def restore(self, state: QByteArray) -> bool:
        """The user's saved widths, if there are any: then nothing is fitted any more."""
        if state.isEmpty() or not self.header.restoreState(state):
            return False
        self.user_sized = True
        return True

    @Slot(int, int, int)
    def _on_section_resized(self, _column: int, _old: int, _new: int) -> None:
        if not self._fitting and self.view.isVisible() and self.header.underMouse():
            self.user_sized = True
