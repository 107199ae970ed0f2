"""Errors for people: the message in plain words, the DICOM detail one click away.

Why split them: "ORGANO refused the plan: it does not accept RT Dose" is what a physicist
acts on; the status code, the association log and the traceback are what the vendor's
support asks for. ``QMessageBox.setDetailedText`` keeps the second behind a
"Show Details..." button and makes it selectable for copy and paste.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

LOGGER = logging.getLogger(__name__)


def build_error_box(
    parent: QWidget | None, title: str, message: str, detail: str = ""
) -> QMessageBox:
    """The error message box, not yet shown (tests and callers that want ``open()``)."""
    box = QMessageBox(parent)
    box.setObjectName("ErrorDialog")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setText(message)
    if detail:
        box.setDetailedText(detail)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    return box


def show_error(parent: QWidget | None, title: str, message: str, detail: str = "") -> None:
    """Show an error modally; ``detail`` (DICOM status, log excerpt) behind "Show Details"."""
    LOGGER.debug("Showing error '%s': %s", title, message)
    box = build_error_box(parent, title, message, detail)
    box.exec()
    box.deleteLater()
