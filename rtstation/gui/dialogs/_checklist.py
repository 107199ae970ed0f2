"""A grid of check boxes for choosing several values from a known list, keeping the rest.

Why not a plain list of check boxes: rules.ini may name values the dialog does not offer
(a plan intent outside the defined terms, a target node that is not in settings.ini).
Dropping them silently would change the rule on save, so they get a check box of their
own, labelled as such, and the user decides. The order the file gave is kept as well, so
opening and confirming the dialog changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QWidget


class CheckList(QWidget):
    """Check boxes for ``choices`` (value, label), plus boxes for unknown values.

    ``key`` decides when two spellings are the same value (upper-case for DICOM codes,
    case-folded for node names, as the config layer compares them).
    """

    changed = Signal()

    def __init__(
        self,
        choices: Sequence[tuple[str, str]],
        *,
        columns: int = 4,
        key: Callable[[str], str] = str.upper,
        unknown_label: Callable[[str], str] = str,
        empty_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._key = key
        self._unknown_label = unknown_label
        self._columns = max(columns, 1)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(18)
        self._boxes: dict[str, tuple[str, QCheckBox]] = {}
        self._extras: list[str] = []
        self._order: list[str] = []
        self._empty = QLabel(empty_text)
        self._empty.setWordWrap(True)
        for value, label in choices:
            self._add_box(value, label)
        self._relayout()

    def _add_box(self, value: str, label: str, *, extra: bool = False) -> None:
        box = QCheckBox(label)
        box.setObjectName(f"check_{value}")
        box.toggled.connect(lambda _checked: self.changed.emit())
        self._boxes[self._key(value)] = (value, box)
        if extra:
            self._extras.append(self._key(value))

    def _relayout(self) -> None:
        while self._grid.count():
            self._grid.takeAt(0)
        fixed = [box for key, (_v, box) in self._boxes.items() if key not in self._extras]
        for index, box in enumerate(fixed):
            self._grid.addWidget(box, index // self._columns, index % self._columns)
        row = (len(fixed) + self._columns - 1) // self._columns
        for offset, key in enumerate(self._extras):  # long labels: a full row each
            self._grid.addWidget(self._boxes[key][1], row + offset, 0, 1, self._columns)
        if not self._boxes and self._empty.text():
            self._grid.addWidget(self._empty, 0, 0)
            self._empty.show()
        else:
            self._empty.hide()

    def box(self, value: str) -> QCheckBox | None:
        """The check box of ``value`` (any spelling), for tests and focus handling."""
        entry = self._boxes.get(self._key(value))
        return entry[1] if entry else None

    def set_values(self, values: Iterable[str]) -> None:
        """Check exactly ``values``; unknown ones get a box of their own (old extras go)."""
        values = list(values)
        for key in self._extras:
            _value, box = self._boxes.pop(key)
            box.deleteLater()
        self._extras.clear()
        for value in values:
            if self._key(value) not in self._boxes:
                self._add_box(value, self._unknown_label(value), extra=True)
        self._relayout()
        wanted = {self._key(value) for value in values}
        self.blockSignals(True)
        try:
            for key, (_value, box) in self._boxes.items():
                box.setChecked(key in wanted)
        finally:
            self.blockSignals(False)
        self._order = values

    def values(self) -> tuple[str, ...]:
        """Checked values: those set before in their order and spelling, then new ones."""
        result: list[str] = []
        seen: set[str] = set()
        for value in self._order:
            key = self._key(value)
            entry = self._boxes.get(key)
            if entry is not None and entry[1].isChecked() and key not in seen:
                result.append(value)
                seen.add(key)
        for key, (value, box) in self._boxes.items():
            if box.isChecked() and key not in seen:
                result.append(value)
                seen.add(key)
        return tuple(result)
