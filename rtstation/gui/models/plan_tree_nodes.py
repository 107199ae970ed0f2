"""The rows of the plan tree: node kinds, columns, roles, and the node objects themselves.

A node is one row of :class:`~rtstation.gui.models.plan_tree_model.PlanTreeModel`: a
patient, a plan, the "unconnected" group, a modality group or a file. Nodes know their
row number, so the model's ``parent()`` and ``index()`` are O(1), and a modality group
makes its file rows only when the view first opens it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

PATIENT, PLAN, UNCONNECTED, GROUP, FILE = "patient", "plan", "unconnected", "group", "file"

COL_NAME, COL_PLAN_NAME, COL_APPROVAL, COL_SOURCE, COL_RECEIVED, COL_COMPLETE, COL_FORWARDED = (
    range(7)
)
COLUMN_COUNT = 7

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
PLAN_UID_ROLE = Qt.ItemDataRole.UserRole + 2
PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 3
SORT_ROLE = Qt.ItemDataRole.UserRole + 4
SNAPSHOT_ROLE = Qt.ItemDataRole.UserRole + 5
#: A patient row's patient ID, name and plan labels and names, case-folded: what the tree's
#: filter box matches (None for every other row, which follows its patient).
FILTER_ROLE = Qt.ItemDataRole.UserRole + 6

# Job states as the send queue names them, and the mark the tree shows for each.
_STATE_MARKS = {
    "done": "✓",
    "queued": "…",
    "pending": "…",
    "sending": "⇢",
    "in_flight": "⇢",
    "retrying": "↻",
    "paused": "‖",
    "failed": "✗",
    "cancelled": "–",
}


def state_mark(state: str) -> str:
    return _STATE_MARKS.get(state, "?")


class TreeNode:
    """One row. ``key`` identifies it among its siblings across refreshes."""

    __slots__ = ("built", "children", "key", "kind", "parent", "payload", "row")

    def __init__(self, kind: str, key: tuple[str, ...], payload: Any, parent: TreeNode | None):
        self.kind = kind
        self.key = key
        self.payload = payload
        self.parent = parent
        self.children: list[TreeNode] = []
        self.row = 0
        # A modality group's file rows are made when the view first asks for them: a
        # thousand patients would otherwise mean a hundred thousand nodes nobody expands.
        self.built = kind != GROUP

    def kids(self) -> list[TreeNode]:
        """The children, made now if this is a group nobody has opened yet."""
        if not self.built:
            self.built = True
            for row, (kind, key, payload) in enumerate(child_items(self.kind, self.payload)):
                child = TreeNode(kind, key, payload, self)
                child.row = row
                self.children.append(child)
        return self.children

    def child_count(self) -> int:
        return len(self.children) if self.built else len(self.payload.files)


def child_items(kind: str, payload: Any) -> list[tuple[str, tuple[str, ...], Any]]:
    """(kind, key, payload) of the children a node of ``kind`` has for ``payload``."""
    if kind == PATIENT:
        items: list[tuple[str, tuple[str, ...], Any]] = [
            (PLAN, (PLAN, plan.plan_uid), plan) for plan in payload.plans
        ]
        if payload.unconnected is not None:
            items.append((UNCONNECTED, (UNCONNECTED,), payload.unconnected))
        return items
    if kind in (PLAN, UNCONNECTED):
        return [(GROUP, (GROUP, group.modality), group) for group in payload.groups]
    if kind == GROUP:
        return [(FILE, (FILE, row.sop_instance_uid), row) for row in payload.files]
    return []


def build_node(kind: str, key: tuple[str, ...], payload: Any, parent: TreeNode) -> TreeNode:
    node = TreeNode(kind, key, payload, parent)
    if not node.built:
        return node
    for row, (child_kind, child_key, child_payload) in enumerate(child_items(kind, payload)):
        child = build_node(child_kind, child_key, child_payload, node)
        child.row = row
        node.children.append(child)
    return node


def dismantle(node: TreeNode) -> None:
    """Break the parent/child cycles of rows that left the model, so reference counting
    frees them at once instead of a cyclic garbage collection (a pause of the GUI thread
    that grows with everything else in memory)."""
    stack = [node]
    while stack:
        current = stack.pop()
        stack.extend(current.children)
        current.children = []
        current.parent = None
