"""Repeated sections: ``[Node1]..[NodeN]``, ``[DicomNode3]``, ``[Node:ORGANO]``, ``[Rule7]``.

The original station had a fixed three nodes; we allow any number, so the section name
carries the order. Numbered sections come first, by number; named ones
(``[Node:ORGANO]`` / ``[Node ORGANO]``) follow in file order. Saving must reproduce the
order the user chose, so :func:`plan_sections` keeps existing section names when that
order still holds and renumbers otherwise.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ItemSection:
    """One repeated section: its name in the file, its number, or the name it carries."""

    section: str
    number: int | None
    label: str
    position: int

    @property
    def sort_key(self) -> tuple[float, int]:
        return (self.number if self.number is not None else math.inf, self.position)


def _patterns(prefixes: Sequence[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    alternatives = "|".join(re.escape(prefix) for prefix in prefixes)
    numbered = re.compile(rf"^\s*(?:{alternatives})\s*(\d+)\s*$", re.IGNORECASE)
    named = re.compile(rf"^\s*(?:{alternatives})\s*[:\s]\s*(\S.*?)\s*$", re.IGNORECASE)
    return numbered, named


def classify(section: str, prefixes: Sequence[str], position: int = 0) -> ItemSection | None:
    """``ItemSection`` if ``section`` is one of the repeated sections, else None."""
    numbered, named = _patterns(prefixes)
    match = numbered.match(section)
    if match:
        return ItemSection(section, int(match.group(1)), "", position)
    match = named.match(section)
    if match:
        return ItemSection(section, None, match.group(1), position)
    return None


def item_sections(sections: Iterable[str], prefixes: Sequence[str]) -> list[ItemSection]:
    """The repeated sections among ``sections`` (file order), sorted into load order."""
    found = []
    for position, section in enumerate(sections):
        item = classify(section, prefixes, position)
        if item is not None:
            found.append(item)
    return sorted(found, key=lambda item: item.sort_key)


@dataclass(frozen=True)
class SectionPlan:
    """Where each item goes on save: ``final`` names, and which sections to rename/remove."""

    final: tuple[str, ...]
    existing: tuple[str | None, ...]
    renames: dict[str, str]
    removed: tuple[str, ...]


def plan_sections(
    existing: Sequence[ItemSection], wanted: Sequence[str], prefix: str
) -> SectionPlan:
    """Decide the section of each item in ``wanted`` (the items' remembered sections).

    An item keeps its section when it still exists (first claim wins, so a copied item
    gets a new one); new items get ``prefix`` + the next free number. If the resulting
    load order would differ from the items' order, all sections are renumbered
    ``prefix1..N`` (keeping their contents), which is what the user reordered them for.
    """
    by_name = {item.section.casefold(): item for item in existing}
    claimed: set[str] = set()
    kept: list[ItemSection | None] = []
    for section in wanted:
        item = by_name.get(section.casefold()) if section else None
        if item is not None and item.section.casefold() not in claimed:
            claimed.add(item.section.casefold())
            kept.append(item)
        else:
            kept.append(None)
    removed = tuple(item.section for item in existing if item.section.casefold() not in claimed)
    numbers = [item.number for item in kept if item is not None and item.number is not None]
    next_number = max(numbers, default=0) + 1
    final: list[str] = []
    keys: list[tuple[float, int]] = []
    appended = len(existing)
    for item in kept:
        if item is not None:
            final.append(item.section)
            keys.append(item.sort_key)
        else:
            final.append(f"{prefix}{next_number}")
            keys.append((next_number, appended))
            next_number += 1
            appended += 1
    renames: dict[str, str] = {}
    if any(later <= earlier for earlier, later in itertools.pairwise(keys)):
        final = [f"{prefix}{index}" for index in range(1, len(kept) + 1)]
        for item, name in zip(kept, final, strict=True):
            if item is not None and item.section != name:
                renames[item.section] = name
    return SectionPlan(
        final=tuple(final),
        existing=tuple(item.section if item is not None else None for item in kept),
        renames=renames,
        removed=removed,
    )
