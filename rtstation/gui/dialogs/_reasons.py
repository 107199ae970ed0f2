"""The constant reasons of the config layer, listed so lupdate offers them for translation.

Nothing imports the tuple at run time for its values; it exists because ``pyside6-lupdate``
only extracts literal strings. The texts must equal what :mod:`rtstation.config.values`
returns (including the ranges of the settings.ini fields): a reason that changes there
simply shows in English until the translation catches up, it is never lost.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP

REASONS: tuple[str, ...] = (
    QT_TRANSLATE_NOOP("ConfigReason", "must be text"),
    QT_TRANSLATE_NOOP("ConfigReason", "must not be empty"),
    QT_TRANSLATE_NOOP("ConfigReason", "must not be only spaces"),
    QT_TRANSLATE_NOOP("ConfigReason", "must not contain a backslash"),
    QT_TRANSLATE_NOOP("ConfigReason", "must not contain control characters"),
    QT_TRANSLATE_NOOP("ConfigReason", "must only contain ASCII characters"),
    QT_TRANSLATE_NOOP("ConfigReason", "must not exceed 16 characters"),
    QT_TRANSLATE_NOOP("ConfigReason", "must not exceed 64 characters"),
    QT_TRANSLATE_NOOP("ConfigReason", "must not contain spaces"),
    QT_TRANSLATE_NOOP("ConfigReason", "must not contain a NUL character"),
    QT_TRANSLATE_NOOP(
        "ConfigReason",
        "must not contain a comma (rules list node names separated by commas)",
    ),
    QT_TRANSLATE_NOOP("ConfigReason", "must be a whole number from 1 to 65535"),
    QT_TRANSLATE_NOOP("ConfigReason", "must be a whole number from 0 to 10000000"),
    QT_TRANSLATE_NOOP("ConfigReason", "must be a whole number from 1 to 1000"),
    QT_TRANSLATE_NOOP("ConfigReason", "must be a whole number from 1 to 64"),
    QT_TRANSLATE_NOOP("ConfigReason", "must be a number from 0 to 86400"),
    QT_TRANSLATE_NOOP("ConfigReason", "must be a number from 0.1 to 86400"),
    QT_TRANSLATE_NOOP("ConfigReason", "must be a number from 0.1 to 604800"),
    QT_TRANSLATE_NOOP("ConfigReason", "must fit on one line"),
    QT_TRANSLATE_NOOP("ConfigReason", "must not start or end with spaces"),
    QT_TRANSLATE_NOOP(
        "ConfigReason",
        "cannot be saved: '#' or ';' at the start or after a space starts a comment",
    ),
    QT_TRANSLATE_NOOP("ConfigReason", "must not be empty for an enabled node"),
    QT_TRANSLATE_NOOP(
        "ConfigReason",
        "must be an IP address of this computer, such as 0.0.0.0 (every network "
        "interface) or 127.0.0.1 (this computer only)",
    ),
    QT_TRANSLATE_NOOP(
        "ConfigReason",
        "must be a host name or an IP address, not a URL; write only the host (such as "
        "pacs.example.org) and put the port in the port key",
    ),
    QT_TRANSLATE_NOOP("ConfigReason", "must not have an empty part between two dots"),
    QT_TRANSLATE_NOOP(
        "ConfigReason",
        "must be a host name (letters, digits, '-', '_' and dots) or an IP address",
    ),
    QT_TRANSLATE_NOOP("ConfigReason", "is not a valid IPv4 address"),
)
