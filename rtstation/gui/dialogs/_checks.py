"""The configuration layer's own parsers, wrapped for fields that hold text.

Why not re-implement the checks here: the Settings and Rules dialogs must say exactly what
``rtstation config check`` and the loaders say about the same value (docs/conventions.md,
"Configuration is a value"), with the same ranges. So each field is parsed by the very
``FieldSpec`` the ini loader uses for it (which calls the shared validators in
:mod:`rtstation.config.values`), and this module only turns the ``Invalid`` exception into the
``(value, reason)`` pair a form needs.

The reasons are English sentence tails ("must not exceed 16 characters"). They pass through
:func:`translate_reason`, which returns the German text when the translation has one (the
constant reasons are listed in :mod:`rtstation.gui.dialogs._reasons` for lupdate) and the
config layer's English text otherwise, so an unknown reason is never lost.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QCoreApplication

from rtstation.config import NODE_FIELDS, RULE_FIELDS, SETTINGS_FIELDS, Context, FieldSpec, Invalid

LOGGER = logging.getLogger(__name__)

_CONTEXT = Context(file="", config_dir="", data_dir="")
_SETTINGS = {spec.attr: spec for spec in SETTINGS_FIELDS}
_NODES = {spec.attr: spec for spec in NODE_FIELDS}
_RULES = {spec.attr: spec for spec in RULE_FIELDS}

Parsed = tuple[Any, str]
"""``(value, "")`` when the text is valid, ``(None, reason)`` when it is not."""


def translate_reason(reason: str) -> str:
    """The reason in the UI language when a translation exists, else as the core wrote it."""
    if not reason:
        return reason
    return QCoreApplication.translate("ConfigReason", reason)  # literal: lupdate reads it


def _parse(spec: FieldSpec, text: str) -> Parsed:
    try:
        return spec.parse(text, _CONTEXT), ""
    except Invalid as exc:
        return None, exc.reason


def parse_setting(attr: str, text: str) -> Parsed:
    """Parse ``text`` as settings.ini would for the Settings field ``attr``."""
    return _parse(_SETTINGS[attr], text.strip())


def parse_node_field(attr: str, text: str) -> Parsed:
    """Parse ``text`` as a node section's value for the Node field ``attr``."""
    return _parse(_NODES[attr], text.strip())


def parse_rule_field(attr: str, text: str) -> Parsed:
    """Parse ``text`` as a rule section's value for the Rule field ``attr``.

    Regular expressions are not trimmed: a leading space can be part of a pattern.
    """
    if attr not in ("plan_label_regex", "plan_name_regex"):
        text = text.strip()
    return _parse(_RULES[attr], text)


def format_setting(attr: str, value: Any) -> str:
    """The text settings.ini would hold for ``value`` (``30.0`` -> ``30``)."""
    return _SETTINGS[attr].format(value, None)


def format_rule_field(attr: str, value: Any) -> str:
    """The text rules.ini would hold for ``value`` (lists joined with ``", "``)."""
    return _RULES[attr].format(value, None)
