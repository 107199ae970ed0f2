"""The rules as the Rules dialog edits them: drafts of typed text, and their list model.

A rule can be half-typed and invalid while the user looks at another one, so each rule is
a :class:`RuleDraft` holding the text as typed; it becomes a ``Rule`` only through the
same parsers rules.ini is read with (:mod:`rtstation.gui.dialogs._checks`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from rtstation.config.model import Rule
from rtstation.gui.dialogs._checks import format_rule_field, parse_rule_field
from rtstation.gui.theme import status_color

_NO_PARENT = QModelIndex()

TEXT_FIELDS = (
    "source_aes",
    "plan_label_match",
    "plan_label_exclude",
    "plan_label_regex",
    "plan_name_regex",
    "treatment_machines",
    "machine_mapping",
    "anonymize_patient_id",
    "anonymize_patient_name",
    "metrics_condition",
)
"""Rule fields typed as text, parsed by rules.ini's own spec of the same name."""


@dataclass
class RuleDraft:
    """One rule as the user is editing it: text fields as typed, the rest as values.

    ``base`` is the rule it started from (or a blank one), so ``section`` and any field the
    dialog does not show survive the edit.
    """

    base: Rule
    name: str
    enabled: bool
    texts: dict[str, str]
    approved_only: bool
    plan_intents: tuple[str, ...]
    required_modalities: tuple[str, ...]
    target_nodes: tuple[str, ...]
    anonymize: bool
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_rule(cls, rule: Rule) -> RuleDraft:
        return cls(
            base=rule,
            name=rule.name,
            enabled=rule.enabled,
            texts={attr: format_rule_field(attr, getattr(rule, attr)) for attr in TEXT_FIELDS},
            approved_only=rule.approved_only,
            plan_intents=rule.plan_intents,
            required_modalities=rule.required_modalities,
            target_nodes=rule.target_nodes,
            anonymize=rule.anonymize,
        )

    def copy(self, **changes: Any) -> RuleDraft:
        return dataclasses.replace(self, texts=dict(self.texts), errors={}, warnings=[], **changes)

    def to_rule(self, *, lenient: bool = False) -> Rule | None:
        """The Rule these values describe; None when a field does not parse.

        ``lenient`` builds a rule even from invalid text (split lists, raw patterns), for a
        preview: the rules engine reports a broken pattern itself and never raises.
        """
        values: dict[str, Any] = {}
        for attr in TEXT_FIELDS:
            value, reason = parse_rule_field(attr, self.texts[attr])
            if reason:
                if not lenient:
                    return None
                value = _lenient_value(attr, self.texts[attr])
            values[attr] = value
        return dataclasses.replace(
            self.base,
            name=self.name.strip(),
            enabled=self.enabled,
            approved_only=self.approved_only,
            plan_intents=self.plan_intents,
            required_modalities=self.required_modalities,
            target_nodes=self.target_nodes,
            anonymize=self.anonymize,
            **values,
        )


def _lenient_value(attr: str, text: str) -> Any:
    if attr in ("source_aes", "treatment_machines"):
        return tuple(item.strip() for item in text.split(",") if item.strip())
    if attr == "machine_mapping":
        return ()
    return text


class RulesListModel(QAbstractListModel):
    """The drafts in rules.ini order; the check box is the rule's ``enabled``."""

    enabledToggled = Signal(int, bool)

    def __init__(self, drafts: list[RuleDraft], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drafts = drafts

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.drafts)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
        )

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        draft = self.drafts[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            name = draft.name.strip() or self.tr("(unnamed rule)")
            return f"{name}  ⚠" if draft.errors else name
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if draft.enabled else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole:
            if draft.errors:
                return QColor(status_color("error"))
            return None if draft.enabled else QColor("gray")
        if role == Qt.ItemDataRole.ToolTipRole and draft.errors:
            return "\n".join(draft.errors.values())
        return None

    def setData(
        self,
        index: QModelIndex | QPersistentModelIndex,
        value: Any,
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        enabled = Qt.CheckState(value) == Qt.CheckState.Checked
        self.drafts[index.row()].enabled = enabled
        self.dataChanged.emit(index, index)
        self.enabledToggled.emit(index.row(), enabled)
        return True

    def refresh(self) -> None:
        if self.drafts:
            self.dataChanged.emit(self.index(0), self.index(len(self.drafts) - 1))

    def reset(self, drafts: list[RuleDraft]) -> None:
        self.beginResetModel()
        self.drafts = drafts
        self.endResetModel()
