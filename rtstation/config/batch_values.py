"""Value converters of batch extraction files: each takes what YAML or TOML produced and
returns the value, or raises ValueError / ElementError so the checker reports the key."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any

from rtstation.config.batch_elements import Element, keyword_of, parse_element
from rtstation.config.values import validate_ae_title, validate_host


def as_text(value: Any) -> str:
    if isinstance(value, Mapping | list | tuple):
        raise ValueError(value)
    return str(value).strip()


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ValueError(value)


def int_range(low: int, high: int) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(value)
        number = int(str(value).strip())
        if not low <= number <= high:
            raise ValueError(value)
        return number

    return convert


def seconds(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(value)
    if not 0 <= number <= 86400:
        raise ValueError(value)
    return number


def time_of_day(value: Any) -> dt.time:
    """``'17:13'``; an unquoted 17:13 is the number 1033 to YAML 1.1, taken back here."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return dt.time(value // 60, value % 60)
    if isinstance(value, dt.time):
        return value
    hours, sep, minutes = str(value).strip().partition(":")
    if not sep:
        raise ValueError(value)
    return dt.time(int(hours), int(minutes))


def zone(value: Any) -> str:
    name = as_text(value)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(name) from exc
    return name


def ae(value: Any) -> str:
    text = as_text(value)
    ok, _reason = validate_ae_title(text)
    if not ok:
        raise ValueError(text)
    return text


def host(value: Any) -> str:
    text = as_text(value)
    ok, _reason = validate_host(text)
    if not ok or not text:
        raise ValueError(text)
    return text


def choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = as_text(value).lower()
        if text not in choices:
            raise ValueError(text)
        return text

    return convert


def elements(value: Any) -> tuple[Element, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise ValueError(value)
    return tuple(parse_element(as_text(item)) for item in value)


def keywords(value: Any) -> tuple[str, ...]:
    parts = [p for p in as_text(value).replace("\\", "/").split("/") if p.strip()]
    return tuple(keyword_of(part) for part in parts)


def options(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split() if v]
    if not isinstance(value, list | tuple):
        raise ValueError(value)
    return tuple(as_text(v) for v in value)
