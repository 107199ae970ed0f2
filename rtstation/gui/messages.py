"""Errors in plain words, with the technical details one click away.

A physicist reads "The receiver could not start: port 11112 is already in use." and acts;
the traceback or DICOM status is for the person they call, so it goes into the
message box's *Show Details* area (``setDetailedText``), never into the headline.
"""

from __future__ import annotations

import logging
import traceback

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from rtstation.errors import RtStationError
from rtstation.gui.core_text import render

LOGGER = logging.getLogger(__name__)


def describe(exc: BaseException) -> tuple[str, str]:
    """(sentence, details) for an exception: our errors are already sentences."""
    if isinstance(exc, RtStationError):
        sentence = render(str(exc))
    elif isinstance(exc, OSError):
        sentence = exc.strerror or str(exc)
        if exc.filename:
            sentence = f"{sentence}: '{exc.filename}'"
    else:
        sentence = str(exc) or type(exc).__name__
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return sentence, details


def error_box(
    parent: QWidget | None,
    title: str,
    text: str,
    details: str = "",
    *,
    icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
) -> QMessageBox:
    """A non-blocking message box (shown, not exec'd) so no caller waits on it."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    if details:
        box.setDetailedText(details)
    box.setModal(False)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box


def show_error(parent: QWidget | None, what_failed: str, exc: BaseException) -> QMessageBox:
    """``what_failed`` is the headline ("Sending failed."); the exception adds the why."""
    sentence, details = describe(exc)
    LOGGER.error("%s %s", what_failed, sentence)
    return error_box(
        parent,
        QCoreApplication.translate("Messages", "rtstation"),
        f"{what_failed}\n\n{sentence}",
        details,
    )
