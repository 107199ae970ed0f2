"""PlanTreePanel: the patient/plan tree with a filter box.

A thousand patients are too many to scroll: the filter matches patient ID, patient name
and plan labels and keeps a patient with everything under it. Sorting and filtering are a
proxy's job, so the source model stays in patient-ID order and its incremental updates
stay simple; the proxy re-sorts only the rows that changed.

Right-clicking a plan (or a file under it) reports which plans the menu is for; the menu
itself and what its actions do belong to ``controllers/plan_menu_controller.py``.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QTreeView, QVBoxLayout, QWidget

from rtstation.gui.models.plan_tree_model import (
    COL_COMPLETE,
    COL_FORWARDED,
    COL_NAME,
    COL_PLAN_NAME,
    COL_RECEIVED,
    FILTER_ROLE,
    KIND_ROLE,
    PATIENT_ID_ROLE,
    PLAN,
    PLAN_UID_ROLE,
    SORT_ROLE,
    PlanTreeModel,
)
from rtstation.gui.widgets.column_fit import ColumnFitter


def plan_tree_proxy(parent: QWidget) -> QSortFilterProxyModel:
    """The tree's proxy: sorted by :data:`SORT_ROLE`, filtered on the patient rows'
    :data:`FILTER_ROLE`, children of a shown patient always shown.

    Qt's own class, configured, not a Python subclass: PySide looks for a Python override
    of every virtual method a view calls on a subclassed object (``index``, ``rowCount``,
    ``hasChildren``, ``data``, ... thousands per repaint), and each look takes the GIL,
    which the receiver's threads hold much of the time while a series arrives (a native
    profile showed the GUI thread waiting there). Configured this way, only the proxy's
    calls into the tree model itself enter Python (docs/conventions.md, "GUI shape").
    """
    proxy = QSortFilterProxyModel(parent)
    proxy.setSortRole(SORT_ROLE)
    proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setDynamicSortFilter(True)
    proxy.setFilterRole(FILTER_ROLE)
    # the filter text and FILTER_ROLE are both case-folded (casefold, not Qt's folding)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseSensitive)
    proxy.setFilterKeyColumn(0)
    proxy.setRecursiveFilteringEnabled(False)
    proxy.setAutoAcceptChildRows(True)
    return proxy


class PlanTreePanel(QWidget):
    """Filter box + tree view; emits the source index of the current row,
    ``planMenuRequested(global position, plan UIDs, right-clicked plan UID)``, and
    ``patientWanted(patient ID)`` when a patient is opened or selected (its files are read
    first if the tree is still filling in)."""

    currentChanged = Signal(QModelIndex)
    planMenuRequested = Signal(QPoint, list, str)
    patientWanted = Signal(str)

    def __init__(self, model: PlanTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = plan_tree_proxy(self)
        self._needle = ""
        self.proxy.setSourceModel(model)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("treeFilter")
        self.filter_edit.setPlaceholderText(self.tr("Filter by patient ID, name or plan label"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_changed)
        self.view = QTreeView(self)
        self.view.setObjectName("planTree")
        self.view.setModel(self.proxy)
        self.view.setUniformRowHeights(True)  # O(1) layout for a thousand patients
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(COL_RECEIVED, Qt.SortOrder.DescendingOrder)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAllColumnsShowFocus(True)
        self.view.header().setStretchLastSection(True)
        self.column_fitter = ColumnFitter(
            self.view,
            range(COL_FORWARDED),  # the last column stretches
            {COL_NAME: 380, COL_PLAN_NAME: 220, COL_COMPLETE: 260},
            self,
        )
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.view.expanded.connect(self._want_patient)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu_requested)
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("treeEmptyHint")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: palette(mid); padding: 24px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label)
        model.rowsInserted.connect(self._update_empty_hint)
        model.rowsRemoved.connect(self._update_empty_hint)
        model.modelReset.connect(self._update_empty_hint)
        self._update_empty_hint()
        self.set_receiver_listening(False)
        self._expanded_before_filter: list[str] | None = None

    def set_receiver_listening(self, listening: bool) -> None:
        """The empty-state hint tells what to do next, which depends on the receiver."""
        if listening:
            text = self.tr(
                "Nothing received yet. The receiver is listening: send plans to it from the "
                "planning system, or drop DICOM folders, files or ZIP archives here to "
                "import them."
            )
        else:
            text = self.tr(
                "Nothing received yet. Start the receiver, or drop DICOM folders, files or "
                "ZIP archives here to import them."
            )
        self.empty_label.setText(text)

    @Slot(bool)
    def _on_loading_changed(self, loading: bool) -> None:
        """While the initial list streams in chunk by chunk, paint it once at the end:
        a repaint per chunk costs more than the chunk itself when receives compete for
        the interpreter."""
        self.view.setUpdatesEnabled(not loading)
        self.column_fitter.enabled = not loading
        if not loading:
            self.column_fitter.schedule()
        self.filter_edit.setPlaceholderText(
            self.tr("Loading the received plans...")
            if loading
            else self.tr("Filter by patient ID, name or plan label")
        )

    @Slot()
    def _update_empty_hint(self) -> None:
        self.empty_label.setVisible(self.model.rowCount() == 0)

    @Slot(str)
    def _on_filter_changed(self, text: str) -> None:
        """Filtering drops rows from the proxy, and with them the view's expanded state;
        the patients open before the filter was typed are opened again when it is
        cleared, so clearing does not collapse the tree the user had laid out."""
        needle = text.strip().casefold()
        if needle == self._needle:
            return
        if not self._needle:
            self._expanded_before_filter = self.expanded_patient_ids()
        self._needle = needle
        self.proxy.setFilterFixedString(needle)
        if not text.strip() and self._expanded_before_filter is not None:
            for patient_id in self._expanded_before_filter:
                self.expand_source_index(self.model.index_for_patient(patient_id))
            self._expanded_before_filter = None

    def expanded_patient_ids(self) -> list[str]:
        """Patients whose rows are open in the view."""
        expanded = []
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self.view.isExpanded(index):
                expanded.append(str(index.data(PATIENT_ID_ROLE)))
        return expanded

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        current = self.current_source_index()
        self._want_patient(current)
        self.currentChanged.emit(current)

    @Slot(QModelIndex)
    def _want_patient(self, index: QModelIndex) -> None:
        patient_id = index.data(PATIENT_ID_ROLE) if index.isValid() else None
        if patient_id:
            self.patientWanted.emit(str(patient_id))

    @Slot(QPoint)
    def _on_context_menu_requested(self, position: QPoint) -> None:
        """A right-click inside the selection acts on every selected plan, outside it on
        the clicked plan alone (which becomes the selection, as in any file manager)."""
        index = self.view.indexAt(position)
        clicked = plan_uid_of(index)
        if not clicked:
            return
        selection = self.view.selectionModel()
        if not selection.isSelected(index):
            selection.setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        plan_uids = self.selected_plan_uids()
        if clicked not in plan_uids:
            plan_uids = [clicked]
        self.planMenuRequested.emit(self.view.viewport().mapToGlobal(position), plan_uids, clicked)

    def selected_plan_uids(self) -> list[str]:
        """The plans of the selected rows (a file row stands for its plan), each once, in
        the order shown."""
        rows = sorted(self.view.selectionModel().selectedRows(), key=_position)
        uids = (plan_uid_of(index) for index in rows)
        return list(dict.fromkeys(uid for uid in uids if uid))

    def current_source_index(self) -> QModelIndex:
        index = self.view.currentIndex()
        if not self.view.selectionModel().isSelected(index):
            rows = self.view.selectionModel().selectedRows()
            index = rows[0] if rows else QModelIndex()
        return self.proxy.mapToSource(index) if index.isValid() else QModelIndex()

    def select_source_index(self, source: QModelIndex) -> None:
        index = self.proxy.mapFromSource(source)
        if index.isValid():
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)

    def expand_source_index(self, source: QModelIndex) -> None:
        index = self.proxy.mapFromSource(source)
        if index.isValid():
            self.view.expand(index)


def plan_uid_of(index: QModelIndex) -> str:
    """The plan a row belongs to: itself, or the plan above a modality group or file;
    "" for patients and unconnected files."""
    probe = index.siblingAtColumn(0) if index.isValid() else QModelIndex()
    while probe.isValid():
        if probe.data(KIND_ROLE) == PLAN:
            return str(probe.data(PLAN_UID_ROLE))
        probe = probe.parent()
    return ""


def _position(index: QModelIndex) -> tuple[int, ...]:
    """Row numbers from the top level down: sorts indexes in the order the tree shows."""
    path: list[int] = []
    while index.isValid():
        path.append(index.row())
        index = index.parent()
    return tuple(reversed(path))
