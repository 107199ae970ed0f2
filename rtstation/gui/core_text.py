"""The core's English sentences, shown in the user's language.

The station below the GUI is Qt-free and speaks English: the log file, the CLI and the
audit must read the same whatever language a window uses, and a job's reason is stored in
the queue as text. So the reasons the window shows (receiver state, rule verdicts, DICOM
failure reasons, node test results, import rejections) arrive as English sentences made
from a small, fixed set of format strings. ``core_phrases.ENTRIES`` is the GUI's message
catalogue for them: each entry is one core format string, written as a pattern, with its
English template as the message id that lupdate extracts (``QT_TRANSLATE_NOOP``) and
translators translate in the ``CoreText`` context. ``render`` finds the entry that
matches a sentence, renders the parts that are themselves core text (the reason inside
"gave up after 2 attempts: ..."), and fills the translated template.

A sentence no entry matches is shown as it is (in English, never lost); the German walk
test (tests/gui/test_german_walk.py) drives the main flows and fails on English it sees,
so a new core sentence without an entry is found there.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QCoreApplication

from rtstation.gui.core_phrases import ENTRIES


def _fill(template: str, values: list[str]) -> str:
    text = QCoreApplication.translate("CoreText", template)
    for number in range(len(values), 0, -1):  # %10 before %1
        text = text.replace(f"%{number}", values[number - 1])
    return text


def _whole(text: str) -> str | None:
    """The translation when one entry matches all of ``text``, else None."""
    for entry in ENTRIES:
        match = entry.pattern.fullmatch(text)
        if match is None:
            continue
        values = [
            render(value) if number in entry.nested else value
            for number, value in enumerate(match.groups(), 1)
        ]
        return _fill(entry.template, values)
    return None


def render(text: str) -> str:
    """``text`` in the user's language: a core sentence translated, anything else as is.

    Core reasons compose: "<what>: <detail>" (a failure and its cause) and "<a>; <b>" (a
    list of reasons). When no entry matches the whole text, the text is split there and
    each part is rendered; a part nobody knows stays English.
    """
    return _render(str(text), QCoreApplication.translate("CoreText", "Stopped"))


@functools.lru_cache(maxsize=2048)
def _render(text: str, _language_probe: str) -> str:
    """Cached per language (the probe changes when the translator does)."""
    stripped = text.strip()
    if not stripped:
        return text
    if "; " in stripped:  # a list of reasons, unless one sentence has a semicolon
        parts = [_known(part) for part in stripped.split("; ")]
        if all(part is not None for part in parts):
            return "; ".join(part for part in parts if part is not None)
    known = _known(stripped)
    if known is not None:
        return known
    if "; " in stripped:
        return "; ".join(render(part) for part in stripped.split("; "))
    return stripped


def _known(text: str) -> str | None:
    """``text`` rendered when an entry matches it whole, or matches what comes before one
    of its ": " (the rest then rendered as a detail); None otherwise."""
    whole = _whole(text)
    if whole is not None:
        return whole
    position = text.find(": ")
    while position > 0:
        head = _whole(text[:position])
        if head is not None:
            return f"{head}: {render(text[position + 2 :])}"
        position = text.find(": ", position + 2)
    return None


def render_waiting(text: str) -> str:
    """The settle step's "waiting: CT 139/142, dose missing" without its prefix (the
    caller says "waiting"), each part rendered."""
    body = text.removeprefix("waiting: ")
    return ", ".join(render(part) for part in body.split(", "))
