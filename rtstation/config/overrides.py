"""Command-line flags over file values, as a pure function.

pynetdicom's qrscp lets flags win over its ini file; we do the same without mutating
anything: ``apply_overrides`` returns a new Settings, validated like the file would be.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from rtstation.config.fields import Context
from rtstation.config.model import Settings
from rtstation.config.settings_io import SETTINGS_FIELDS
from rtstation.config.values import Invalid, format_number
from rtstation.errors import ConfigError

_FIELD_NAMES = {field.name for field in dataclasses.fields(Settings)}
_SPECS = {spec.attr: spec for spec in SETTINGS_FIELDS}
_PATHS = ("storage_folder", "import_folder")


def apply_overrides(settings: Settings, **overrides: Any) -> Settings:
    """``settings`` with the given fields replaced; ``None`` means "flag not given".

    Values may be typed (``port=104``) or text as typed on a command line
    (``port="104"``, ``log_level="debug"``); both are checked like settings.ini values.
    Folders are taken as given: the CLI makes them absolute first. An unknown field name
    is a programming error (TypeError); a bad value is a ConfigError such as
    ``Command-line value for port '70000': must be a whole number from 1 to 65535``.
    """
    ctx = Context(file="", config_dir="", data_dir="")
    changes: dict[str, Any] = {}
    for name, value in overrides.items():
        if value is None:
            continue
        if name not in _FIELD_NAMES:
            raise TypeError(f"apply_overrides() got an unknown setting '{name}'")
        spec = _SPECS.get(name)
        if name in _PATHS:
            changes[name] = os.fspath(value)
        elif spec is None:
            changes[name] = value
        else:
            text = value if isinstance(value, str) else spec.format(value, None)
            try:
                changes[name] = spec.parse(text, ctx)
            except (Invalid, TypeError, ValueError) as exc:
                reason = exc.reason if isinstance(exc, Invalid) else str(exc)
                raise ConfigError(
                    f"Command-line value for {name} '{text}': {reason}", key=name, value=text
                ) from None
    result = dataclasses.replace(settings, **changes)
    if result.retry_max_seconds < result.retry_base_seconds:
        text = format_number(result.retry_max_seconds)
        raise ConfigError(
            f"Command-line value for retry_max_seconds '{text}': must not be less than "
            f"retry_base_seconds ({format_number(result.retry_base_seconds)})",
            key="retry_max_seconds",
            value=text,
        )
    return result
