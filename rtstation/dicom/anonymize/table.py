"""PS3.15 Table E.1-1 as data: the rows of ``table_e1_1.csv`` and how a tag finds its row.

The table is kept as a CSV next to this module (one row per attribute, the Basic Profile
column and one column per option) so a reviewer can diff it against the standard and a new
edition is a data change, not a code change. Rows with repeating groups (``(50XX,XXXX)``
curve data, ``(60XX,3000)`` overlays) match every group of their range; the
``(GGGG,EEEE)`` row stands for every private attribute.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: Option columns in the order of the CSV (DicomTools / fo-dicom names).
OPTION_COLUMNS: tuple[str, ...] = (
    "RetainSafePrivate",
    "RetainUIDs",
    "RetainDeviceIdent",
    "RetainInstitutionIdent",
    "RetainPatientChars",
    "RetainLongFullDatesAndTimes",
    "RetainLongModifDatesAndTimes",
    "CleanDesc",
    "CleanStructdCont",
    "CleanGraph",
)
PRIVATE_ROW = "(GGGG,EEEE)"
_TAG = re.compile(r"^\(([0-9A-FX]{4}),([0-9A-FX]{4})\)$")


@dataclass(frozen=True)
class TableRow:
    """One attribute of Table E.1-1: its Basic Profile action and each option's action."""

    tag: str  # as in the table: "(0010,0010)", "(60XX,3000)", "(GGGG,EEEE)"
    name: str
    basic: str  # "X", "Z", "D", "U", "K", "C" or a compound such as "X/Z/D"
    options: dict[str, str]  # option name -> action, only where the column has one


def _read_csv(name: str) -> Iterator[dict[str, str]]:
    text = resources.files("rtstation.dicom.anonymize").joinpath(name).read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    yield from csv.DictReader(lines)


@cache
def table_rows() -> tuple[TableRow, ...]:
    """Every row of Table E.1-1, read once."""
    rows = []
    for record in _read_csv("table_e1_1.csv"):
        options = {name: record[name] for name in OPTION_COLUMNS if record.get(name)}
        rows.append(TableRow(record["tag"], record["name"], record["basic"], options))
    return tuple(rows)


def read_data_csv(name: str) -> list[dict[str, str]]:
    """Rows of another CSV shipped with the profiles (overrides, safe private list)."""
    return list(_read_csv(name))


def tag_key(tag: str) -> int | tuple[int, int, int, int] | None:
    """A plain tag as an int, a repeating-group tag as (group, mask, element, mask), or None.

    ``(60XX,3000)`` -> ``(0x6000, 0xFF00, 0x3000, 0xFFFF)``: a tag matches when
    ``group & mask == group`` and likewise for the element.
    """
    if tag == PRIVATE_ROW:
        return None
    match = _TAG.match(tag.upper())
    if match is None:
        raise ValueError(f"Table E.1-1 tag '{tag}' is not of the form (gggg,eeee)")
    group_text, element_text = match.groups()
    if "X" not in group_text + element_text:
        return int(group_text + element_text, 16)

    def value_and_mask(text: str) -> tuple[int, int]:
        value = int(text.replace("X", "0"), 16)
        mask = int("".join("0" if c == "X" else "F" for c in text), 16)
        return value, mask

    group, group_mask = value_and_mask(group_text)
    element, element_mask = value_and_mask(element_text)
    return group, group_mask, element, element_mask


def matches(key: tuple[int, int, int, int], tag: int) -> bool:
    group, group_mask, element, element_mask = key
    return (tag >> 16) & group_mask == group and (tag & 0xFFFF) & element_mask == element
