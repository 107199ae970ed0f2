"""Field validators shared by the loaders, the Settings/Rules dialogs and ``config check``.

Each validator returns ``(ok, reason)`` in the style of pynetdicom's ``validate_ae``: the
reason is the tail of a one-sentence message ("must not exceed 16 characters"), so the
caller can prefix it with whatever names the field (``settings.ini [Node2] ae_title 'X'``
in a file, the field label in a dialog). Validators never raise on bad input.
"""

from __future__ import annotations

import re
import unicodedata

Result = tuple[bool, str]

OK: Result = (True, "")

AE_TITLE_MAX = 16
"""DICOM PS3.5 Table 6.2-1: an AE value is at most 16 characters."""

BOOL_TRUE = frozenset({"true", "yes", "on", "1"})
BOOL_FALSE = frozenset({"false", "no", "off", "0"})
BOOL_REASON = "must be True or False (yes/no, on/off and 1/0 also work)"

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_LEVEL_REASON = (
    "must be DEBUG, INFO, WARNING, ERROR or CRITICAL (or the number 10, 20, 30, 40 or 50)"
)

PLAN_INTENTS = (
    "CURATIVE",
    "PALLIATIVE",
    "PROPHYLACTIC",
    "VERIFICATION",
    "MACHINE_QA",
    "RESEARCH",
    "SERVICE",
)
"""Defined terms of RT Plan Intent (300A,000A); other values are allowed but warned about."""

_LANGUAGE = re.compile(r"^[a-z]{2,3}([_-][A-Za-z]{2})?$")
_CODE_STRING = re.compile(r"^[A-Z0-9_ ]{1,16}$")


def _has_control(value: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in value)


def validate_ae_title(value: object) -> Result:
    """An AE title: 1-16 ASCII characters, no backslash or control characters.

    Leading and trailing spaces are not significant in DICOM, so they do not count
    towards the 16 characters; a title made only of spaces is empty in DICOM terms.
    """
    if not isinstance(value, str):
        return False, "must be text"
    if value == "":
        return False, "must not be empty"
    if not value.strip(" "):
        return False, "must not be only spaces"
    if "\\" in value:
        return False, "must not contain a backslash"
    if _has_control(value):
        return False, "must not contain control characters"
    if not value.isascii():
        return False, "must only contain ASCII characters"
    if len(value.strip(" ")) > AE_TITLE_MAX:
        return False, f"must not exceed {AE_TITLE_MAX} characters"
    return OK


def validate_calling_ae(value: object) -> Result:
    """A node's calling AE: empty means "use the station's own AE title"."""
    if value == "":
        return OK
    return validate_ae_title(value)


def validate_int_range(value: object, low: int, high: int) -> Result:
    """A whole number in ``[low, high]``, given as an int or as text."""
    reason = f"must be a whole number from {low} to {high}"
    if isinstance(value, bool):
        return False, reason
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            return False, reason
        value = int(text)
    if not isinstance(value, int) or not low <= value <= high:
        return False, reason
    return OK


def validate_float_range(value: object, low: float, high: float) -> Result:
    """A number (decimals allowed) in ``[low, high]``, given as a number or as text."""
    reason = f"must be a number from {_num(low)} to {_num(high)}"
    if isinstance(value, bool):
        return False, reason
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return False, reason
    if not isinstance(value, (int, float)) or not low <= value <= high:
        return False, reason
    return OK


def validate_port(value: object) -> Result:
    """A TCP port, 1-65535."""
    return validate_int_range(value, 1, 65535)


def validate_host(value: object) -> Result:
    """A host name or IP address: not empty, no spaces (it goes straight to a socket)."""
    if not isinstance(value, str):
        return False, "must be text"
    if not value.strip():
        return False, "must not be empty"
    if any(c.isspace() for c in value.strip()):
        return False, "must not contain spaces"
    if _has_control(value):
        return False, "must not contain control characters"
    return OK


def validate_bool_text(value: object) -> Result:
    """Boolean text as written in an ini file: True/False, yes/no, on/off, 1/0, any case."""
    if isinstance(value, str) and value.strip().lower() in BOOL_TRUE | BOOL_FALSE:
        return OK
    return False, BOOL_REASON


def validate_regex(value: object) -> Result:
    """A Python regular expression (used with ``re.search``, case-insensitive); empty = off."""
    if not isinstance(value, str):
        return False, "must be text"
    try:
        re.compile(value, re.IGNORECASE)
    except re.error as exc:
        return False, f"is not a valid regular expression ({exc})"
    return OK


def validate_node_name(value: object) -> Result:
    """A node's display name, which rules refer to in comma-separated target lists."""
    if not isinstance(value, str):
        return False, "must be text"
    if not value.strip():
        return False, "must not be empty"
    if "," in value:
        return False, "must not contain a comma (rules list node names separated by commas)"
    if _has_control(value):
        return False, "must not contain control characters"
    if len(value.strip()) > 64:
        return False, "must not exceed 64 characters"
    return OK


def validate_log_level(value: object) -> Result:
    """A logging level name, or the number the original station wrote (10-50)."""
    if isinstance(value, str):
        text = value.strip().upper()
        if text in LOG_LEVELS or text in {"WARN", "FATAL"}:
            return OK
        if text in {"10", "20", "30", "40", "50"}:
            return OK
    return False, LOG_LEVEL_REASON


def validate_language(value: object) -> Result:
    """A UI language code such as ``en`` or ``de``; empty = follow the system locale."""
    if not isinstance(value, str):
        return False, "must be text"
    if value == "" or _LANGUAGE.match(value):
        return OK
    return False, "must be empty (system language) or a language code such as 'en' or 'de'"


def validate_code_string(value: object) -> Result:
    """A DICOM code string such as a modality (RTDOSE) or plan intent (CURATIVE)."""
    if isinstance(value, str) and _CODE_STRING.match(value.strip().upper()):
        return OK
    return False, "must be 1-16 letters, digits or underscores, such as RTDOSE or CURATIVE"


def validate_ini_text(value: object) -> Result:
    """Text that survives being written to an ini file and read back unchanged.

    configparser has no quoting: a ``#`` or ``;`` after a space starts a comment, a line
    break continues the value, and surrounding spaces are trimmed.
    """
    if not isinstance(value, str):
        return False, "must be text"
    if "\n" in value or "\r" in value:
        return False, "must fit on one line"
    if value != value.strip():
        return False, "must not start or end with spaces"
    if value[:1] in ("#", ";") or re.search(r"\s[#;]", value):
        return False, "cannot be saved: '#' or ';' at the start or after a space starts a comment"
    return OK


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)
