"""PlanTreeModel: patients -> plans -> files grouped by modality, with a checkbox per plan.

The data lives in immutable snapshots built by a worker (``controllers/tree_data.py``);
this model only adapts them for a view (docs/conventions.md, "GUI shape").

Why incremental: a station that has been running for months holds a thousand patients,
and a view that is reset on every received plan loses its scroll position, selection,
expanded rows and the user's ticks, and repaints everything. So a refreshed patient is
*synchronised* into the tree: rows that vanished are removed, new ones inserted, rows
whose snapshot changed get ``dataChanged``; nothing else is touched. A full reset happens
only for the initial load and an explicit reload.

Rows are :class:`~rtstation.gui.models.plan_tree_nodes.TreeNode` objects (O(1) parent and
index); what their cells say is in ``plan_tree_cells``.

Ticks are kept by plan UID in the model, not in the nodes, so they survive refreshes.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush

from rtstation.gui.controllers.tree_data import PatientSnapshot, PlanSnapshot
from rtstation.gui.models.plan_tree_cells import (
    display_text,
    filter_text,
    foreground_brush,
    sort_value,
    tooltip_text,
)
from rtstation.gui.models.plan_tree_nodes import (  # noqa: F401  (re-exported for the views)
    COL_APPROVAL,
    COL_COMPLETE,
    COL_FORWARDED,
    COL_NAME,
    COL_PLAN_NAME,
    COL_RECEIVED,
    COL_SOURCE,
    COLUMN_COUNT,
    FILE,
    FILTER_ROLE,
    GROUP,
    KIND_ROLE,
    PATIENT,
    PATIENT_ID_ROLE,
    PLAN,
    PLAN_UID_ROLE,
    SNAPSHOT_ROLE,
    SORT_ROLE,
    UNCONNECTED,
    TreeNode,
    build_node,
    child_items,
    dismantle,
    state_mark,
)

LOGGER = logging.getLogger(__name__)

AnyIndex = QModelIndex | QPersistentModelIndex
_INVALID = QModelIndex()  # default argument for the Qt overrides (never mutated)


class PlanTreeModel(QAbstractItemModel):
    """The tree of received patients and plans; see the module docstring."""

    checkedPlansChanged = Signal()
    patientsChanged = Signal(list)  # patient ids whose rows were inserted/updated/removed

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root = TreeNode("root", (), None, None)
        self._patients: dict[str, TreeNode] = {}
        self._plans: dict[str, TreeNode] = {}
        self._checked: set[str] = set()
        self._job_marks: dict[str, dict[str, str]] = {}
        self._headers = (
            QCoreApplication.translate("PlanTreeModel", "Patient / plan"),
            QCoreApplication.translate("PlanTreeModel", "Plan name"),
            QCoreApplication.translate("PlanTreeModel", "Approval"),
            QCoreApplication.translate("PlanTreeModel", "Source AE"),
            QCoreApplication.translate("PlanTreeModel", "Received"),
            QCoreApplication.translate("PlanTreeModel", "Completeness"),
            QCoreApplication.translate("PlanTreeModel", "Forwarded"),
        )

    # -- Qt model interface -------------------------------------------------------------

    def _node(self, index: AnyIndex) -> TreeNode:
        if not index.isValid():
            return self._root
        node = index.internalPointer()
        return node if isinstance(node, TreeNode) else self._root

    def index(self, row: int, column: int, parent: AnyIndex = _INVALID) -> QModelIndex:
        if column < 0 or column >= COLUMN_COUNT or row < 0:
            return QModelIndex()
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        children = self._node(parent).kids()
        if row >= len(children):
            return QModelIndex()
        return self.createIndex(row, column, children[row])

    def parent(self, index: AnyIndex = _INVALID) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node = self._node(index)
        parent_node = node.parent
        if parent_node is None or parent_node is self._root:
            return QModelIndex()
        return self.createIndex(parent_node.row, 0, parent_node)

    def rowCount(self, parent: AnyIndex = _INVALID) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return self._node(parent).child_count()

    def columnCount(self, parent: AnyIndex = _INVALID) -> int:
        return COLUMN_COUNT

    def hasChildren(self, parent: AnyIndex = _INVALID) -> bool:
        return self.rowCount(parent) > 0

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < COLUMN_COUNT
        ):
            return self._headers[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        node = self._node(index)
        if index.column() == COL_NAME and node.kind in (PLAN, PATIENT):
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self._node(index)
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(node, column)
        if role == Qt.ItemDataRole.CheckStateRole and column == COL_NAME:
            return self._check_state(node)
        if role == SORT_ROLE:
            return self._sort_value(node, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(node, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(node, column)
        if role == KIND_ROLE:
            return node.kind
        if role == PLAN_UID_ROLE:
            return node.payload.plan_uid if node.kind == PLAN else None
        if role == PATIENT_ID_ROLE:
            return self._patient_of(node)
        if role == SNAPSHOT_ROLE:
            return node.payload
        if role == FILTER_ROLE:
            return filter_text(node.payload) if node.kind == PATIENT else None
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        if index.column() != COL_NAME:
            return False
        node = self._node(index)
        checked = _is_checked(value)
        if node.kind == PLAN:
            return self.set_checked([node.payload.plan_uid], checked)
        if node.kind == PATIENT:
            return self.set_checked([p.plan_uid for p in node.payload.plans], checked)
        return False

    # -- cell contents ------------------------------------------------------------------

    def _display(self, node: TreeNode, column: int) -> Any:
        if node.kind == PATIENT and column == COL_COMPLETE:
            # self.tr, not QCoreApplication.translate: only tr(text, "", n) is a plural
            # form for pyside6-lupdate
            return self.tr("%n plan(s)", "", len(node.payload.plans))
        forwarded = self._forwarded_text(node.payload) if node.kind == PLAN else ""
        return display_text(node, column, forwarded)

    def _forwarded_text(self, plan: PlanSnapshot) -> str:
        states = self.forwarded_states(plan.plan_uid)
        return "  ".join(f"{node} {state_mark(state)}" for node, state in states.items())

    def _check_state(self, node: TreeNode) -> Qt.CheckState | None:
        if node.kind == PLAN:
            return (
                Qt.CheckState.Checked
                if node.payload.plan_uid in self._checked
                else Qt.CheckState.Unchecked
            )
        if node.kind == PATIENT:
            uids = [p.plan_uid for p in node.payload.plans]
            ticked = sum(1 for uid in uids if uid in self._checked)
            if not uids or ticked == 0:
                return Qt.CheckState.Unchecked
            return Qt.CheckState.Checked if ticked == len(uids) else Qt.CheckState.PartiallyChecked
        return None

    def _sort_value(self, node: TreeNode, column: int) -> Any:
        return sort_value(node, column, self._display(node, column))

    def _tooltip(self, node: TreeNode, column: int) -> str | None:
        states = self.forwarded_states(node.payload.plan_uid) if node.kind == PLAN else {}
        return tooltip_text(node, column, states)

    def _foreground(self, node: TreeNode, column: int) -> QBrush | None:
        states = self.forwarded_states(node.payload.plan_uid) if node.kind == PLAN else {}
        return foreground_brush(node, column, states)

    @staticmethod
    def _patient_of(node: TreeNode) -> str | None:
        while node.parent is not None and node.kind != PATIENT:
            node = node.parent
        return node.payload.patient_id if node.kind == PATIENT else None

    # -- updates ------------------------------------------------------------------------

    def set_patients(self, snapshots: Iterable[PatientSnapshot]) -> None:
        """Replace everything (initial load, explicit reload): the only full reset."""
        self.beginResetModel()
        old, self._root.children = self._root.children, []
        for node in old:
            dismantle(node)
        self._patients.clear()
        self._plans.clear()
        for snapshot in sorted(snapshots, key=lambda s: s.patient_id):
            if snapshot.empty:
                continue
            node = build_node(PATIENT, (PATIENT, snapshot.patient_id), snapshot, self._root)
            node.row = len(self._root.children)
            self._root.children.append(node)
            self._register(node)
        self.endResetModel()
        self._drop_stale_checks()
        self.patientsChanged.emit(list(self._patients))

    def append_patients(self, snapshots: Sequence[PatientSnapshot]) -> None:
        """Add patients that sort after every patient shown, as one block of rows.

        The initial load arrives in chunks of this shape, so a thousand patients are shown
        a hundred at a time without one long stall of the GUI thread. Anything else goes
        through :meth:`update_patients`.
        """
        ordered = sorted((s for s in snapshots if not s.empty), key=lambda s: s.patient_id)
        last = self._root.children[-1].payload.patient_id if self._root.children else None
        if not ordered:
            return
        if (last is not None and ordered[0].patient_id <= last) or any(
            s.patient_id in self._patients for s in ordered
        ):
            self.update_patients(ordered)
            return
        nodes = [build_node(PATIENT, (PATIENT, s.patient_id), s, self._root) for s in ordered]
        self._insert_nodes(self._root, QModelIndex(), len(self._root.children), nodes)
        self.patientsChanged.emit([s.patient_id for s in ordered])

    def update_patients(self, snapshots: Sequence[PatientSnapshot]) -> None:
        """Bring the given patients up to date, each touching only its own subtree."""
        for snapshot in snapshots:
            self._update_patient(snapshot)
        self._drop_stale_checks()
        if snapshots:
            self.patientsChanged.emit([s.patient_id for s in snapshots])

    def _update_patient(self, snapshot: PatientSnapshot) -> None:
        existing = self._patients.get(snapshot.patient_id)
        if snapshot.empty:
            if existing is not None:
                self._remove_rows(self._root, QModelIndex(), existing.row, existing.row)
            return
        if existing is None:
            # where the source model stays sorted by patient ID
            row = bisect_left([child.key[1] for child in self._root.children], snapshot.patient_id)
            node = build_node(PATIENT, (PATIENT, snapshot.patient_id), snapshot, self._root)
            self._insert_nodes(self._root, QModelIndex(), row, [node])
            return
        self._sync(existing, snapshot)

    def _sync(self, node: TreeNode, payload: Any) -> None:
        """Make ``node`` show ``payload``: recurse where it changed, stop where it did not."""
        if node.payload == payload:
            return
        node.kids()  # rows the view may know of must exist before they are compared
        node.payload = payload
        if node.kind == PLAN:
            self._plans[payload.plan_uid] = node
        index = self.createIndex(node.row, 0, node)
        self.dataChanged.emit(index, index.siblingAtColumn(COLUMN_COUNT - 1))
        items = child_items(node.kind, payload)
        new_keys = [key for _, key, _ in items]
        wanted = set(new_keys)
        # 1. rows that are gone, bottom up, in runs of consecutive rows
        row = len(node.children) - 1
        while row >= 0:
            if node.children[row].key in wanted:
                row -= 1
                continue
            last = row
            while row - 1 >= 0 and node.children[row - 1].key not in wanted:
                row -= 1
            self._remove_rows(node, index, row, last)
            row -= 1
        # 2. the survivors must keep their order, else rebuild this one level
        kept = [child.key for child in node.children]
        kept_set = set(kept)
        if kept != [key for key in new_keys if key in kept_set] and node.children:
            self._remove_rows(node, index, 0, len(node.children) - 1)
        # 3. walk the wanted list: sync survivors, insert runs of new rows
        position = 0
        pending: list[TreeNode] = []
        pending_at = 0
        for kind, key, child_payload in items:
            if position < len(node.children) and node.children[position].key == key:
                if pending:
                    self._insert_nodes(node, index, pending_at, pending)
                    position += len(pending)
                    pending = []
                self._sync(node.children[position], child_payload)
                position += 1
            else:
                if not pending:
                    pending_at = position
                pending.append(build_node(kind, key, child_payload, node))
        if pending:
            self._insert_nodes(node, index, pending_at, pending)

    def _insert_nodes(
        self, parent: TreeNode, parent_index: QModelIndex, row: int, nodes: list[TreeNode]
    ) -> None:
        self.beginInsertRows(parent_index, row, row + len(nodes) - 1)
        parent.children[row:row] = nodes
        for number in range(row, len(parent.children)):
            parent.children[number].row = number
        for node in nodes:
            self._register(node)
        self.endInsertRows()

    def _remove_rows(
        self, parent: TreeNode, parent_index: QModelIndex, first: int, last: int
    ) -> None:
        self.beginRemoveRows(parent_index, first, last)
        removed = parent.children[first : last + 1]
        del parent.children[first : last + 1]
        for number in range(first, len(parent.children)):
            parent.children[number].row = number
        for node in removed:
            self._unregister(node)
        self.endRemoveRows()
        for node in removed:
            dismantle(node)

    def _register(self, node: TreeNode) -> None:
        if node.kind == PATIENT:
            self._patients[node.payload.patient_id] = node
        elif node.kind == PLAN:
            self._plans[node.payload.plan_uid] = node
        for child in node.children:
            self._register(child)

    def _unregister(self, node: TreeNode) -> None:
        if node.kind == PATIENT and self._patients.get(node.payload.patient_id) is node:
            del self._patients[node.payload.patient_id]
        elif node.kind == PLAN and self._plans.get(node.payload.plan_uid) is node:
            del self._plans[node.payload.plan_uid]
        for child in node.children:
            self._unregister(child)

    def _drop_stale_checks(self) -> None:
        stale = {uid for uid in self._checked if uid not in self._plans}
        if stale:
            self._checked -= stale
            self.checkedPlansChanged.emit()

    # -- ticks --------------------------------------------------------------------------

    def set_checked(self, plan_uids: Iterable[str], checked: bool) -> bool:
        """Tick or untick plans; emits ``dataChanged`` for them and their patients."""
        changed = []
        for uid in plan_uids:
            if uid not in self._plans:
                continue
            if checked and uid not in self._checked:
                self._checked.add(uid)
                changed.append(uid)
            elif not checked and uid in self._checked:
                self._checked.discard(uid)
                changed.append(uid)
        if not changed:
            return True
        for uid in changed:
            node = self._plans[uid]
            index = self.createIndex(node.row, COL_NAME, node)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
            if node.parent is not None:
                patient_index = self.createIndex(node.parent.row, COL_NAME, node.parent)
                self.dataChanged.emit(
                    patient_index, patient_index, [Qt.ItemDataRole.CheckStateRole]
                )
        self.checkedPlansChanged.emit()
        return True

    def checked_plan_uids(self) -> list[str]:
        """Ticked plans in tree order (patient, then plan), as they will be sent."""
        return [
            child.payload.plan_uid
            for patient in self._root.children
            for child in patient.children
            if child.kind == PLAN and child.payload.plan_uid in self._checked
        ]

    def clear_checks(self) -> None:
        self.set_checked(list(self._checked), False)

    # -- forwarding marks ---------------------------------------------------------------

    def forwarded_states(self, plan_uid: str) -> dict[str, str]:
        """Node -> last job state: what the fetch knew, overridden by newer job events."""
        node = self._plans.get(plan_uid)
        states = dict(node.payload.forwarded) if node is not None else {}
        states.update(self._job_marks.get(plan_uid, {}))
        return states

    def apply_job_state(self, plan_uid: str, node_name: str, state: str) -> None:
        """A JobChanged event: update that plan's forwarded column in place."""
        marks = self._job_marks.setdefault(plan_uid, {})
        if marks.get(node_name) == state:
            return
        marks[node_name] = state
        node = self._plans.get(plan_uid)
        if node is not None:
            index = self.createIndex(node.row, COL_FORWARDED, node)
            self.dataChanged.emit(index, index)

    # -- lookups ------------------------------------------------------------------------

    def plan_snapshot(self, plan_uid: str) -> PlanSnapshot | None:
        node = self._plans.get(plan_uid)
        return node.payload if node is not None else None

    def patient_snapshot(self, patient_id: str) -> PatientSnapshot | None:
        node = self._patients.get(patient_id)
        return node.payload if node is not None else None

    def index_for_plan(self, plan_uid: str, column: int = 0) -> QModelIndex:
        node = self._plans.get(plan_uid)
        return self.createIndex(node.row, column, node) if node is not None else QModelIndex()

    def index_for_patient(self, patient_id: str, column: int = 0) -> QModelIndex:
        node = self._patients.get(patient_id)
        return self.createIndex(node.row, column, node) if node is not None else QModelIndex()

    def patient_ids(self) -> list[str]:
        return [child.payload.patient_id for child in self._root.children]

    def plan_label(self, plan_uid: str) -> str:
        snapshot = self.plan_snapshot(plan_uid)
        return snapshot.label if snapshot is not None else ""

    @property
    def plan_count(self) -> int:
        return len(self._plans)


def _is_checked(value: Any) -> bool:
    if isinstance(value, Qt.CheckState):
        return value != Qt.CheckState.Unchecked
    try:
        return int(value) != 0
    except (TypeError, ValueError):
        return bool(value)
