"""How a settings.ini or rules.ini value is read from its text and written back: the
kinds of field the tables in :mod:`rtstation.config.fields` use (numbers in a range,
booleans, lists, AE titles, paths, ...), each a pair of functions from ``values``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rtstation.config import values
from rtstation.config.model import DEFAULT_DICOM_PORT


@dataclass(frozen=True)
class Kind:
    """How a value is read from its text and written back (see values.py)."""

    read: Callable[[str], Any]
    write: Callable[[Any, str | None], str] = values.format_text
    path: bool = False
    """A path: relative to the file's folder, empty = the field's default."""


def whole(low: int, high: int) -> Kind:
    return Kind(lambda raw: values.parse_int(raw, low, high), values.format_number)


def decimal(low: float, high: float) -> Kind:
    return Kind(lambda raw: values.parse_float(raw, low, high), values.format_number)


def _optional(read: Callable[[str], Any], empty: Any) -> Callable[[str], Any]:
    """A reader that lets a disabled placeholder node leave the value empty."""

    def parse(raw: str) -> Any:
        text = values.parse_text(raw)
        return read(text) if text else empty

    return parse


def _node_name(raw: str) -> str:
    """Empty: the loader falls back to the section's label or the AE title."""
    text = values.parse_text(raw)
    if text:
        values.check(values.validate_node_name(text))
    return text


def _host(text: str) -> str:
    values.check(values.validate_host(text))
    return text


BOOL = Kind(values.parse_bool, values.format_bool)
TEXT = Kind(values.parse_text)
PATH = Kind(values.parse_text, path=True)  # FieldSpec.parse resolves it against the file
AE_TITLE = Kind(values.parse_ae_title)
OPTIONAL_AE_TITLE = Kind(_optional(values.parse_ae_title, ""))
OPTIONAL_HOST = Kind(_optional(_host, ""))
OPTIONAL_PORT = Kind(
    _optional(lambda text: values.parse_int(text, 1, 65535), DEFAULT_DICOM_PORT),
    values.format_number,
)
NODE_NAME = Kind(_node_name)
LANGUAGE = Kind(values.parse_language)
LOG_LEVEL = Kind(values.parse_log_level, values.format_log_level)
BIND_ADDRESS = Kind(values.parse_bind_address)
CALLERS = Kind(values.parse_callers, values.format_callers)
REGEX = Kind(values.parse_regex)
LIST = Kind(values.parse_list, values.format_list)
AE_LIST = Kind(values.parse_ae_list, values.format_list)
CODE_LIST = Kind(values.parse_code_list, values.format_list)
MACHINE_MAPPING = Kind(values.parse_machine_mapping, values.format_machine_mapping)
PROFILE = Kind(lambda raw: values.parse_choice(raw, values.ANONYMIZATION_PROFILES))
BURNED_IN = Kind(lambda raw: values.parse_choice(raw, values.BURNED_IN_CHOICES))
ANONYMIZATION_OPTIONS = Kind(
    values.parse_anonymization_options, values.format_anonymization_options
)
PATIENT_TEXT = Kind(values.parse_patient_text)
