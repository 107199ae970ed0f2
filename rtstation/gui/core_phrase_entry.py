"""One entry of the GUI's catalogue of the core's English sentences (see ``core_phrases``)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    pattern: re.Pattern[str]
    template: str  # the English text with %1.. for the groups; the translation's id
    nested: tuple[int, ...]  # groups (1-based) that are core text themselves


def _entry(pattern: str, template: str, *nested: int) -> Entry:
    return Entry(re.compile(pattern, re.DOTALL), template, nested)


_V = r"(.+?)"  # a value (AE title, label, address): shown as it is
_N = r"(\d+)"
