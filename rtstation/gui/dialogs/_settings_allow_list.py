"""The Settings dialog's allow list of calling AE titles (Receiver tab): add, remove, and
check an entry before it is added. A mixin of :class:`SettingsDialog`, split off by
concern; it works on the dialog's own attributes.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import (
    QCoreApplication,
    Slot,
)

from rtstation.config.model import AllowedCaller
from rtstation.gui.dialogs._checks import (
    parse_setting,
    translate_reason,
)

LOGGER = logging.getLogger(__name__)


class AllowListMixin:
    # -- allow list -------------------------------------------------------------------

    def _allowed_callers(self) -> tuple[AllowedCaller, ...]:
        callers: list[AllowedCaller] = []
        for entry in self.allow_model.stringList():
            value, _reason = parse_setting("allowed_calling_aes", entry)
            callers.extend(value or ())
        return tuple(callers)

    def _check_allow_entry(self) -> tuple[tuple[AllowedCaller, ...], str]:
        text = self.allow_entry.text().strip()
        if not text:
            return (), ""
        value, reason = parse_setting("allowed_calling_aes", text)
        if reason:
            return (), translate_reason(reason)
        existing = {str(caller) for caller in self._allowed_callers()}
        fresh = tuple(caller for caller in value if str(caller) not in existing)
        if not fresh:
            return (), QCoreApplication.translate(
                "SettingsDialog", "'{entry}' is already in the list"
            ).format(entry=text)
        return fresh, ""

    @Slot(str)
    def _on_allow_entry_changed(self, _text: str) -> None:
        _callers, reason = self._check_allow_entry()
        self.allow_entry_row.message.show_error(reason)

    @Slot()
    def _on_allow_add_clicked(self) -> None:
        callers, reason = self._check_allow_entry()
        if reason or not callers:
            self.allow_entry_row.message.show_error(reason)
            return
        entries = self.allow_model.stringList() + [str(caller) for caller in callers]
        self.allow_model.setStringList(entries)
        self.allow_entry.clear()
        self._revalidate()

    @Slot()
    def _on_allow_remove_clicked(self) -> None:
        rows = sorted(
            (index.row() for index in self.allow_view.selectionModel().selectedIndexes()),
            reverse=True,
        )
        for row in rows:
            self.allow_model.removeRows(row, 1)
        self._revalidate()
