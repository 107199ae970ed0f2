"""Small building blocks shared by the dialogs: inline field messages and entry fields.

Why a message label per field instead of one message box on OK: a physicist fixing a
settings file wants to see *which* field is wrong while typing, with the reason the config
layer would give, and OK stays disabled until nothing is wrong (docs/conventions.md,
"Configuration is a value").
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from rtstation.gui.theme import status_color


class FieldMessage(QLabel):
    """Text under a field: an error (red), a warning (amber) or nothing.

    Hidden when empty so a valid form does not carry blank lines between its rows; with
    ``reserve`` it keeps one line's height instead, for small forms where a message that
    appears while typing would otherwise make every field below it jump.
    """

    def __init__(self, parent: QWidget | None = None, *, reserve: bool = False) -> None:
        super().__init__(parent)
        self.reserve = reserve
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if reserve:
            self.setMinimumHeight(self.fontMetrics().lineSpacing())
        else:
            self.hide()

    def show_error(self, text: str) -> None:
        self._show(text, status_color("error"))

    def show_warning(self, text: str) -> None:
        self._show(text, status_color("warning"))

    def clear_message(self) -> None:
        self.setText("")
        if not self.reserve:
            self.hide()

    def _show(self, text: str, color: str) -> None:
        if not text:
            self.clear_message()
            return
        self.setStyleSheet(f"color: {color};")
        self.setText(text)
        self.show()


def hint_label(text: str, parent: QWidget | None = None) -> QLabel:
    """A muted one-line explanation under a field (what the value means, not an error)."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class FieldRow(QWidget):
    """A field with an optional trailing widget (unit, button) and its message below it.

    ``compact`` is for short values (numbers, AE titles): the field keeps its own width.
    """

    def __init__(
        self,
        field: QWidget,
        trailing: QWidget | None = None,
        hint: str = "",
        parent: QWidget | None = None,
        *,
        compact: bool = False,
        reserve_message: bool = False,
    ) -> None:
        super().__init__(parent)
        self.field = field
        self.message = FieldMessage(self, reserve=reserve_message)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(field, 0 if compact else 1)
        if trailing is not None:
            line.addWidget(trailing)
        if compact:  # a short field keeps its unit next to it, not at the far right
            line.addStretch(1)
        outer.addLayout(line)
        if hint:
            outer.addWidget(hint_label(hint, self))
        outer.addWidget(self.message)


class EntryLineEdit(QLineEdit):
    """A line edit whose Enter adds its text somewhere instead of closing the dialog.

    QLineEdit lets Return through to the dialog, which would press the default button
    (OK) while the user only meant to add one list entry.
    """

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submitted.emit()
            event.accept()
            return
        super().keyPressEvent(event)


def grow_to_fit(widget: QWidget) -> None:
    """Make a dialog tall enough for its wrapped messages at its current width.

    A top-level widget's minimum size ignores height-for-width (a wrapped QLabel needs
    more lines when narrower), so a message that appears after the dialog was shown would
    be clipped; this asks the layout for the real height and grows, never shrinks.
    """
    layout = widget.layout()
    if layout is None or not layout.hasHeightForWidth():
        return
    layout.activate()
    needed = layout.totalHeightForWidth(widget.width())
    if needed > widget.height():
        widget.resize(widget.width(), needed)


class DialogFooter(QWidget):
    """The bottom of an editing dialog: the first problem in words above OK and Cancel.

    The Settings and Rules dialogs end the same way, OK disabled while ``problem`` says
    why; this is that footer, once. OK and Cancel call the dialog's accept and reject.
    """

    def __init__(self, dialog: QDialog) -> None:
        super().__init__(dialog)
        self.problem = FieldMessage(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(dialog.accept)
        self.buttons.rejected.connect(dialog.reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
