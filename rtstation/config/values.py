"""One ini value: its validators, and the conversion between its text and its value.

Validators return ``(ok, reason)`` in the style of pynetdicom's ``validate_ae`` and never
raise: the reason is the tail of a one-sentence message ("must not exceed 16 characters"),
so the caller prefixes whatever names the field (``settings.ini [Node2] ae_title 'X'`` in a
file, the field label in a dialog). The Settings and Rules dialogs call the same validators
as the loaders, so a value gets the same sentence wherever it is typed.

Parsers take the raw text configparser returns (already trimmed, inline comment removed)
and raise :class:`Invalid` with a validator's reason. Formatters take an optional ``hint``,
the text the file held before, so a rewritten value keeps the user's spelling (``yes``
stays ``yes``, a numeric log level stays numeric, ``A,B`` keeps no spaces).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable

from rtstation.config.model import DEFAULT_BIND_ADDRESS, AllowedCaller
from rtstation.config.node_checks import host_problem

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

MODALITIES = ("RTPLAN", "RTSTRUCT", "RTDOSE", "RTIMAGE", "RTRECORD", "REG", "CT", "MR", "PT", "NM")
"""Modalities the station knows (rtstation.dicom.sop, which config may not import); a rule's
required_modalities may name others, but they are warned about like unknown plan intents."""

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
    """A host name or IP address, not a URL or ``host:port`` (see node_checks.py)."""
    if not isinstance(value, str):
        return False, "must be text"
    problem = host_problem(value)
    return (False, problem) if problem else OK


def validate_bind_address(value: object) -> Result:
    """The local address the receiver listens on: an IP address, or ``localhost``.

    ``0.0.0.0`` is every IPv4 interface, ``::`` every IPv6 one. Other host names are
    refused because what they resolve to can change; a listening address should be exact.
    """
    if not isinstance(value, str):
        return False, "must be text"
    text = value.strip()
    if text.casefold() == "localhost":
        return OK
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False, (
            "must be an IP address of this computer, such as 0.0.0.0 (every network "
            "interface) or 127.0.0.1 (this computer only)"
        )
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


# -- text <-> value ------------------------------------------------------------


_LEVEL_NUMBERS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
_LEVEL_NAMES = {str(number): name for name, number in _LEVEL_NUMBERS.items()}


class Invalid(ValueError):
    """A value failed validation; ``reason`` completes "<where> '<value>': <reason>"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check(result: tuple[bool, str]) -> None:
    """Raise :class:`Invalid` with the reason of a failed validator result."""
    ok, reason = result
    if not ok:
        raise Invalid(reason)


# -- booleans ---------------------------------------------------------------------------


def parse_bool(text: str) -> bool:
    check(validate_bool_text(text))
    return text.strip().lower() in BOOL_TRUE


def format_bool(value: bool, hint: str | None = None) -> str:
    """Write ``value`` in the style of ``hint`` (yes/no, on/off, 1/0, True/true/TRUE)."""
    old = (hint or "").strip()
    pairs = (("yes", "no"), ("on", "off"), ("1", "0"), ("true", "false"))
    for true_text, false_text in pairs:
        if old.lower() in (true_text, false_text):
            text = true_text if value else false_text
            if old.isupper():
                return text.upper()
            if old[:1].isupper():
                return text.capitalize()
            return text
    return "True" if value else "False"


# -- numbers ----------------------------------------------------------------------------


def parse_int(text: str, low: int, high: int) -> int:
    check(validate_int_range(text, low, high))
    return int(text.strip())


def parse_float(text: str, low: float, high: float) -> float:
    check(validate_float_range(text, low, high))
    return float(text.strip())


def format_number(value: float, hint: str | None = None) -> str:
    """``30.0`` -> ``30``: whole numbers are written without a decimal point."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- text -------------------------------------------------------------------------------


def single_line(text: str) -> str:
    """Reject a value continued on an indented next line; configparser would join it."""
    if "\n" in text:
        raise Invalid("must fit on one line (an indented line below a key continues its value)")
    return text


def parse_ae_title(text: str) -> str:
    single_line(text)
    check(validate_ae_title(text))
    return text.strip()


def parse_text(text: str) -> str:
    return single_line(text).strip()


def format_text(value: str, hint: str | None = None) -> str:
    return value


def parse_regex(text: str) -> str:
    single_line(text)
    check(validate_regex(text))
    return text


def parse_log_level(text: str) -> str:
    """A level name, or the original station's number (20 -> ``INFO``)."""
    check(validate_log_level(text))
    upper = text.strip().upper()
    upper = {"WARN": "WARNING", "FATAL": "CRITICAL"}.get(upper, upper)
    return _LEVEL_NAMES.get(upper, upper)


def format_log_level(value: str, hint: str | None = None) -> str:
    """Keep a numeric level numeric, so the original station can still read the file."""
    if hint is not None and hint.strip().isdigit() and value in _LEVEL_NUMBERS:
        return str(_LEVEL_NUMBERS[value])
    return value


def parse_language(text: str) -> str:
    text = parse_text(text)
    check(validate_language(text))
    return text


def parse_bind_address(text: str) -> str:
    """Empty = every IPv4 interface (``0.0.0.0``), the default of settings.ini."""
    text = parse_text(text)
    if not text:
        return DEFAULT_BIND_ADDRESS
    check(validate_bind_address(text))
    return text


# -- lists ------------------------------------------------------------------------------


def parse_list(text: str) -> tuple[str, ...]:
    """Comma-separated items (line breaks count as commas), trimmed, empties dropped."""
    items = (item.strip() for item in re.split(r"[,\n]", text))
    return tuple(item for item in items if item)


def format_list(values: Iterable[str], hint: str | None = None) -> str:
    """Join with ``", "``, or with ``","`` when the file wrote ``A,B`` before."""
    separator = "," if hint is not None and "," in hint and ", " not in hint else ", "
    return separator.join(values)


def parse_ae_list(text: str) -> tuple[str, ...]:
    """Source AE titles for a rule; ``*`` stands for any source."""
    items = parse_list(text)
    for item in items:
        if item != "*":
            try:
                check(validate_ae_title(item))
            except Invalid as exc:
                raise Invalid(f"AE title '{item}' {exc.reason}") from None
    return items


def parse_code_list(text: str) -> tuple[str, ...]:
    """Upper-cased DICOM code strings (modalities, plan intents)."""
    items = tuple(item.upper() for item in parse_list(text))
    for item in items:
        ok, reason = validate_code_string(item)
        if not ok:
            raise Invalid(f"'{item}' {reason}")
    return items


def parse_callers(text: str) -> tuple[AllowedCaller, ...]:
    """``FOLLOW, ECLIPSE@127.0.0.1``: AE titles, each optionally restricted to a host."""
    callers = []
    for item in parse_list(text):
        ae_title, _, host = item.rpartition("@") if "@" in item else (item, "", "")
        ae_title, host = ae_title.strip(), host.strip()
        ok, reason = validate_ae_title(ae_title)
        if not ok:
            raise Invalid(f"AE title '{ae_title}' {reason}")
        if "@" in item:
            ok, reason = validate_host(host)
            if not ok:
                raise Invalid(f"host of '{item}' {reason}")
        callers.append(AllowedCaller(ae_title, host))
    return tuple(callers)


def format_callers(values: Iterable[AllowedCaller], hint: str | None = None) -> str:
    return format_list((str(caller) for caller in values), hint)


def parse_machine_mapping(text: str) -> tuple[tuple[str, str], ...]:
    """``A=B C=D`` or ``A=B, C=D``: commas (or semicolons) allow names with spaces."""
    if re.search(r"[,;\n]", text):
        items = [item.strip() for item in re.split(r"[,;\n]", text)]
    else:
        items = re.sub(r"\s*=\s*", "=", text.strip()).split()
    pairs = []
    for item in items:
        if not item:
            continue
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise Invalid(f"entry '{item}' must look like MACHINE=OTHER_MACHINE")
        pairs.append((source.strip(), target.strip()))
    return tuple(pairs)


def format_machine_mapping(values: Iterable[tuple[str, str]], hint: str | None = None) -> str:
    pairs = [f"{source}={target}" for source, target in values]
    if hint is not None and not re.search(r"[,;]", hint) and not any(" " in p for p in pairs):
        return " ".join(pairs)
    return ", ".join(pairs)


# -- anonymization ----------------------------------------------------------------------

ANONYMIZATION_PROFILES = ("aria", "basic")
BURNED_IN_CHOICES = ("refuse", "warn")
PROFILE_DEFAULT_OPTIONS = "default"
"""``options = default``: the profile's own options (aria: CleanDesc, RetainDeviceIdent).
An empty value means no option at all, so "the profile's" needs a word of its own."""
_PATIENT_TEXT_MAX = 64  # LO (Patient ID) and one PN component group


def parse_choice(text: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``, ignoring case; empty = the first (the default)."""
    value = parse_text(text).casefold()
    if not value:
        return choices[0]
    if value not in choices:
        raise Invalid("expected " + " or ".join(choices))
    return value


def parse_anonymization_options(text: str) -> tuple[str, ...] | None:
    """Option names separated by commas or spaces; ``default`` (None) = the profile's.

    The names themselves are checked by ``rtstation.dicom.anonymize.build_profile``,
    which knows them (config may not import dicom); every caller builds the profile
    before it anonymizes anything.
    """
    value = parse_text(text)
    if value.casefold() == PROFILE_DEFAULT_OPTIONS:
        return None
    return parse_list(value.replace(" ", ","))


def format_anonymization_options(value: tuple[str, ...] | None, hint: str | None = None) -> str:
    return PROFILE_DEFAULT_OPTIONS if value is None else format_list(value, hint)


def parse_patient_text(text: str) -> str:
    """A new Patient ID or Name for anonymized copies: empty = derived, else at most 64
    characters without a backslash (a DICOM value separator) or control characters."""
    value = parse_text(text)
    if len(value) > _PATIENT_TEXT_MAX:
        raise Invalid(f"must not exceed {_PATIENT_TEXT_MAX} characters")
    if "\\" in value:
        raise Invalid("must not contain a backslash")
    if _has_control(value):
        raise Invalid("must not contain control characters")
    return value
