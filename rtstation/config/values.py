"""Text <-> value conversion for single ini values.

Parsers take the raw text configparser returns (already trimmed, inline comment removed)
and raise :class:`Invalid` with a validator reason; the loaders turn that into one
ConfigError sentence naming file, section and key. Formatters take an optional ``hint``,
the text the file held before, so a rewritten value keeps the user's spelling
(``yes`` stays ``yes``, a numeric log level stays numeric, ``A,B`` keeps no spaces).
"""

from __future__ import annotations

import logging
import ntpath
import os
import re
from collections.abc import Iterable

from rtstation.config import validate
from rtstation.config.model import AllowedCaller

LOGGER = logging.getLogger(__name__)

_LEVEL_NUMBERS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
_LEVEL_NAMES = {str(number): name for name, number in _LEVEL_NUMBERS.items()}


class Invalid(ValueError):
    """A value failed validation; ``reason`` completes "<where> '<value>': <reason>"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _check(result: tuple[bool, str]) -> None:
    ok, reason = result
    if not ok:
        raise Invalid(reason)


# -- booleans ---------------------------------------------------------------------------


def parse_bool(text: str) -> bool:
    _check(validate.validate_bool_text(text))
    return text.strip().lower() in validate.BOOL_TRUE


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
    _check(validate.validate_int_range(text, low, high))
    return int(text.strip())


def parse_float(text: str, low: float, high: float) -> float:
    _check(validate.validate_float_range(text, low, high))
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
    _check(validate.validate_ae_title(text))
    return text.strip()


def parse_text(text: str) -> str:
    return single_line(text).strip()


def format_text(value: str, hint: str | None = None) -> str:
    return value


def parse_regex(text: str) -> str:
    single_line(text)
    _check(validate.validate_regex(text))
    return text


def parse_log_level(text: str) -> str:
    """A level name, or the original station's number (20 -> ``INFO``)."""
    _check(validate.validate_log_level(text))
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
    _check(validate.validate_language(text))
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
                _check(validate.validate_ae_title(item))
            except Invalid as exc:
                raise Invalid(f"AE title '{item}' {exc.reason}") from None
    return items


def parse_code_list(text: str) -> tuple[str, ...]:
    """Upper-cased DICOM code strings (modalities, plan intents)."""
    items = tuple(item.upper() for item in parse_list(text))
    for item in items:
        ok, reason = validate.validate_code_string(item)
        if not ok:
            raise Invalid(f"'{item}' {reason}")
    return items


def parse_callers(text: str) -> tuple[AllowedCaller, ...]:
    """``FOLLOW, ECLIPSE@127.0.0.1``: AE titles, each optionally restricted to a host."""
    callers = []
    for item in parse_list(text):
        ae_title, _, host = item.rpartition("@") if "@" in item else (item, "", "")
        ae_title, host = ae_title.strip(), host.strip()
        ok, reason = validate.validate_ae_title(ae_title)
        if not ok:
            raise Invalid(f"AE title '{ae_title}' {reason}")
        if "@" in item:
            ok, reason = validate.validate_host(host)
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


# -- paths ------------------------------------------------------------------------------


def is_absolute_path(text: str) -> bool:
    """Absolute on this OS or written as a Windows path (``d:\\x``, ``\\\\server\\x``).

    A settings.ini written on Windows must keep its paths exactly, even when a test or a
    Linux station reads it.
    """
    return os.path.isabs(text) or ntpath.isabs(text) or bool(re.match(r"^[A-Za-z]:", text))


def parse_path(text: str, base_dir: str, default: str) -> str:
    """Empty = ``default``; relative paths are resolved against ``base_dir``."""
    text = single_line(text).strip()
    if not text:
        return default
    if "\0" in text:
        raise Invalid("must not contain a NUL character")
    expanded = os.path.expanduser(text) if text.startswith("~") else text
    if is_absolute_path(expanded):
        return expanded
    return os.path.normpath(os.path.join(base_dir, expanded))
