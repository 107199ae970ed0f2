"""The Rules dialog's list of rules: select, add, duplicate, remove, move, enable.
A mixin of :class:`RulesDialog`, split off by concern; it works on the dialog's own
attributes.
"""

from __future__ import annotations

import dataclasses
import logging

from PySide6.QtCore import (
    QCoreApplication,
    QItemSelectionModel,
    QModelIndex,
    Slot,
)

from rtstation.config.model import Rule
from rtstation.gui.dialogs._rule_drafts import RuleDraft

LOGGER = logging.getLogger(__name__)


class RuleListMixin:
    # -- list -------------------------------------------------------------------------

    def select_rule(self, row: int) -> None:
        index = self.model.index(row)
        self.rule_list.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    @Slot(QModelIndex, QModelIndex)
    def _on_current_rule_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_draft(current.row() if current.isValid() else -1)

    @Slot(int, bool)
    def _on_rule_enabled_toggled(self, _row: int, _enabled: bool) -> None:
        self._revalidate()

    @Slot(bool)
    def _on_rules_enabled_toggled(self, _checked: bool) -> None:
        self._revalidate()

    def _unique_name(self, wanted: str) -> str:
        taken = {draft.name.strip().casefold() for draft in self.model.drafts}
        if wanted.casefold() not in taken:
            return wanted
        number = 2
        while f"{wanted} {number}".casefold() in taken:
            number += 1
        return f"{wanted} {number}"

    def _insert(self, draft: RuleDraft, row: int) -> None:
        drafts = list(self.model.drafts)
        drafts.insert(row, draft)
        self.model.reset(drafts)
        self.select_rule(row)
        self._revalidate()

    @Slot()
    def _on_add_clicked(self) -> None:
        rule = Rule(name=self._unique_name(QCoreApplication.translate("RulesDialog", "New rule")))
        self._insert(RuleDraft.from_rule(rule), len(self.model.drafts))
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    @Slot()
    def _on_duplicate_clicked(self) -> None:
        if self._current < 0:
            return
        draft = self.model.drafts[self._current]
        name = self._unique_name(
            QCoreApplication.translate("RulesDialog", "{name} (copy)").format(
                name=draft.name.strip()
            )
        )
        copy = draft.copy(name=name, base=dataclasses.replace(draft.base, section=""))
        self._insert(copy, self._current + 1)

    @Slot()
    def _on_remove_clicked(self) -> None:
        row = self._current
        if row < 0:
            return
        drafts = list(self.model.drafts)
        drafts.pop(row)
        self.model.reset(drafts)
        if drafts:
            self.select_rule(min(row, len(drafts) - 1))
        else:
            self._show_draft(-1)
        self._revalidate()

    def _move_current(self, step: int) -> None:
        row = self._current
        target = row + step
        if row < 0 or not 0 <= target < len(self.model.drafts):
            return
        drafts = list(self.model.drafts)
        drafts[row], drafts[target] = drafts[target], drafts[row]
        self.model.reset(drafts)
        self.select_rule(target)

    def _update_buttons(self) -> None:
        row = self._current
        for button in (self.duplicate_button, self.remove_button):
            button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < len(self.model.drafts) - 1)
