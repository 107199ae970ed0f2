"""Profiles and options: from Table E.1-1 to one action per attribute.

Two profiles:

- ``basic``: the Basic Application Level Confidentiality Profile exactly as the table has it.
  An ARIA import of its output fails (no plan label, no ROI names, no machine).
- ``aria`` (the default, as in DicomTools): the same table with the rows of
  ``aria_overrides.csv`` changed so that an ARIA import still works: plan label and name,
  structure set label, ROI names, dose reference descriptions kept after cleaning, the
  treatment machine kept. Default options CleanDesc and RetainDeviceIdent, as DicomTools.

Options are PS3.15's, under the names DicomTools (fo-dicom) gives them: CleanDesc,
CleanStructdCont, CleanGraph, RetainSafePrivate, RetainUIDs, RetainDeviceIdent,
RetainInstitutionIdent, RetainPatientChars, RetainLongFullDatesAndTimes and
RetainLongModifDatesAndTimes (the short forms RetainLongFullDates, RetainLongModifDates,
RetainInstIdent and an ``Option`` suffix are accepted too).

How one action is chosen for an attribute:

1. The profile's action (the Basic Profile column, or the ARIA override).
2. Compound actions resolve to the variant that keeps an object conformant whatever the
   attribute's type in its IOD, because rtstation does not model every IOD and a receiver
   refuses a non-conformant object: ``X/Z`` -> ``Z``, ``X/D``, ``Z/D``, ``X/Z/D`` -> ``D``,
   ``X/Z/U*`` -> ``U`` (a sequence kept, the UIDs in it replaced).
3. Where a selected option has an entry in its column, that entry replaces it; if several
   selected options have one, the most retaining wins (K, then C, then U).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rtstation.dicom.anonymize.table import (
    OPTION_COLUMNS,
    PRIVATE_ROW,
    matches,
    read_data_csv,
    table_rows,
    tag_key,
)
from rtstation.errors import ConfigError

REMOVE, EMPTY, DUMMY, KEEP, CLEAN, REPLACE_UID = "X", "Z", "D", "K", "C", "U"
_COMPOUND = {"X/Z": EMPTY, "X/D": DUMMY, "Z/D": DUMMY, "X/Z/D": DUMMY, "X/Z/U*": REPLACE_UID}
_RETAINING_ORDER = (KEEP, CLEAN, REPLACE_UID, DUMMY, EMPTY, REMOVE)

PROFILE_NAMES: tuple[str, ...] = ("aria", "basic")
DEFAULT_PROFILE = "aria"
DEFAULT_OPTIONS: dict[str, tuple[str, ...]] = {
    "aria": ("CleanDesc", "RetainDeviceIdent"),
    "basic": (),
}
_ALIASES = {
    "retainlongfulldates": "RetainLongFullDatesAndTimes",
    "retainlongmodifdates": "RetainLongModifDatesAndTimes",
    "retaininstident": "RetainInstitutionIdent",
    "retaindevident": "RetainDeviceIdent",
    "cleanstructcont": "CleanStructdCont",
    "cleandescriptors": "CleanDesc",
}
_EXCLUSIVE = ("RetainLongFullDatesAndTimes", "RetainLongModifDatesAndTimes")


@dataclass(frozen=True)
class Rule:
    """What happens to one attribute, and which column said so (for the report)."""

    action: str
    name: str
    source: str  # "basic", "aria" or the option's name


@dataclass(frozen=True)
class Profile:
    """A profile with its options, resolved to one rule per attribute of Table E.1-1."""

    name: str
    options: tuple[str, ...]
    exact: dict[int, Rule] = field(repr=False)
    repeating: tuple[tuple[tuple[int, int, int, int], Rule], ...] = field(repr=False)
    private: Rule = field(repr=False)

    def rule_for(self, tag: int) -> Rule | None:
        """The rule of a standard attribute, or None when the table does not list it."""
        rule = self.exact.get(tag)
        if rule is not None:
            return rule
        for key, repeating_rule in self.repeating:
            if matches(key, tag):
                return repeating_rule
        return None

    def has(self, option: str) -> bool:
        return option in self.options

    @property
    def description(self) -> str:
        """``aria (CleanDesc, RetainDeviceIdent)``: for reports and DeidentificationMethod."""
        return f"{self.name} ({', '.join(self.options) or 'no options'})"


def canonical_option(text: str, *, source: str = "option") -> str:
    """``retainuidsoption`` -> ``RetainUIDs``; an unknown name raises ConfigError."""
    word = re.sub(r"option$", "", text.strip().casefold())
    for name in OPTION_COLUMNS:
        if name.casefold() == word:
            return name
    if word in _ALIASES:
        return _ALIASES[word]
    known = ", ".join(OPTION_COLUMNS)
    raise ConfigError(f"{source} '{text.strip()}': not an anonymization option (known: {known})")


def parse_options(values: Iterable[str], *, source: str = "option") -> tuple[str, ...]:
    """Option names from a list (an item may hold several, by comma or space).

    ``none`` stands for no option (``--option none``).
    """
    names: list[str] = []
    for value in values:
        for word in re.split(r"[\s,]+", value.strip()):
            if not word or word.casefold() == "none":
                continue
            name = canonical_option(word, source=source)
            if name not in names:
                names.append(name)
    if all(option in names for option in _EXCLUSIVE):
        raise ConfigError(
            f"{source} '{' '.join(names)}': RetainLongFullDatesAndTimes and "
            "RetainLongModifDatesAndTimes exclude each other; choose one"
        )
    return tuple(names)


def build_profile(
    name: str = DEFAULT_PROFILE,
    options: Iterable[str] | None = None,
    *,
    source: str = "profile",
) -> Profile:
    """The profile called ``name`` with ``options`` (None: the profile's default options)."""
    wanted = name.strip().casefold()
    if wanted not in PROFILE_NAMES:
        expected = " or ".join(PROFILE_NAMES)
        raise ConfigError(f"{source} '{name}': not an anonymization profile (expected {expected})")
    selected = DEFAULT_OPTIONS[wanted] if options is None else parse_options(options, source=source)
    overrides = _aria_overrides() if wanted == "aria" else {}
    exact: dict[int, Rule] = {}
    repeating: list[tuple[tuple[int, int, int, int], Rule]] = []
    private = Rule(REMOVE, "Private Attributes", "basic")
    for row in table_rows():
        base, base_source = overrides.get(row.tag, (row.basic, "basic"))
        action, action_source = _COMPOUND.get(base, base), base_source
        entries = [(row.options[o], o) for o in selected if o in row.options]
        if entries:
            action, action_source = min(entries, key=lambda e: _RETAINING_ORDER.index(e[0]))
        rule = Rule(action, row.name, action_source)
        key = tag_key(row.tag)
        if row.tag == PRIVATE_ROW:
            private = rule
        elif isinstance(key, int):
            exact[key] = rule
        elif key is not None:
            repeating.append((key, rule))
    return Profile(wanted, selected, exact, tuple(repeating), private)


def _aria_overrides() -> dict[str, tuple[str, str]]:
    return {row["tag"]: (row["action"], "aria") for row in read_data_csv("aria_overrides.csv")}


def safe_private_attributes() -> frozenset[tuple[str, int, int]]:
    """(creator, group, element offset) kept by RetainSafePrivate (``safe_private.csv``)."""
    rows = read_data_csv("safe_private.csv")
    return frozenset(
        (row["creator"].strip(), int(row["group"], 16), int(row["element"], 16)) for row in rows
    )
