"""settings.ini's sections and keys that rtstation does not read, as warnings with their line.

Warnings, not errors: files of the original station carry keys nobody reads, and an
unknown key must not stop a station. But a typo (``[Reciever]``, ``prot = 104``) means
the value is not in force, which the user has to hear about, with the line to fix and,
for a near miss, the name probably meant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from rtstation.config.fields import (
    NODE_PREFIXES,
    SETTINGS_FIELDS,
    UNUSED_OLD_KEYS,
    Context,
    classify,
)
from rtstation.config.ini import IniSource, scan_lines

CLOSE_MATCH = 0.75
"""difflib ratio from which a name counts as a near miss of a known one: one letter
swapped, missing or doubled in a short name (prot/port, Reciever/Receiver, Loging)."""


def line_numbers(source: IniSource) -> dict[tuple[str, str], int]:
    """Line of each header (key "") and key, by (section as written, lower-case key)."""
    lines: dict[tuple[str, str], int] = {}
    for info in scan_lines(source.text.split("\n")):
        if info.section is not None and info.kind in ("header", "option"):
            lines.setdefault((info.section, info.key), info.number)
    return lines


def located(file: str, lines: dict[tuple[str, str], int], section: str, key: str = "") -> str:
    """``settings.ini line 12``: where a warning points the user to."""
    line = lines.get((section, key))
    return f"{file} line {line}" if line else file


def _known_settings_keys() -> dict[str, tuple[str, set[str]]]:
    """Folded section -> (its spelling, its keys): every dialect's, and the old code's
    unused ones, so a file the DICOM RT Station wrote earns no warning."""
    known: dict[str, tuple[str, set[str]]] = {}
    for field in SETTINGS_FIELDS:
        for key in field.keys:
            known.setdefault(key.section.casefold(), (key.section, set()))[1].add(key.name)
    for section, names in UNUSED_OLD_KEYS.items():
        known.setdefault(section.casefold(), (section, set()))[1].update(names)
    return known


def close_match(name: str, candidates: Sequence[str]) -> str | None:
    """The candidate ``name`` probably meant, ignoring case; None when none is close."""
    folded = {candidate.casefold(): candidate for candidate in candidates}
    match = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=CLOSE_MATCH)
    return folded[match[0]] if match else None


_LEADING_WORD = re.compile(r"^\s*([A-Za-z]+)")


def _section_hint(section: str, known: dict[str, tuple[str, set[str]]]) -> str:
    meant = close_match(section.strip(), [spelling for spelling, _ in known.values()])
    if meant is not None:
        return f"; did you mean [{meant}]?"
    word = _LEADING_WORD.match(section)
    if word and close_match(word.group(1), NODE_PREFIXES):
        return "; a node section is written [Node1], [DicomNode1] or [Node:NAME]"
    return ""


def _key_hint(key: str, section: str, known: dict[str, tuple[str, set[str]]]) -> str:
    elsewhere = [spelling for spelling, keys in known.values() if key in keys]
    if elsewhere:
        return "; rtstation reads it from " + " or ".join(f"[{name}]" for name in elsewhere)
    meant = close_match(key, sorted(known[section.casefold()][1]))
    return f"; did you mean '{meant}'?" if meant else ""


def _key_list(keys: list[str], shown: int = 5) -> str:
    """`` (a, b and 3 more)``: what a whole ignored section takes with it, kept short."""
    if not keys:
        return ""
    if len(keys) <= shown:
        return f" ({', '.join(keys)})"
    return f" ({', '.join(keys[:shown])} and {len(keys) - shown} more)"


def unknown_settings(
    source: IniSource, ctx: Context, lines: dict[tuple[str, str], int]
) -> list[str]:
    """Sections and keys rtstation does not read (node sections: :func:`_load_node`).

    Warnings, not errors: files of the original station carry keys nobody reads, and an
    unknown key must not stop a station. But a typo means the value is not in force,
    which the user has to hear about, with the line to fix.
    """
    known = _known_settings_keys()
    warnings = []
    for section, keys in source.sections.items():
        if classify(section, NODE_PREFIXES) is not None:
            continue
        if section.casefold() not in known:
            listed = _key_list(list(keys))
            warnings.append(
                f"{located(ctx.file, lines, section)}: section [{section}] is not used by "
                f"rtstation, so its keys{listed} are ignored{_section_hint(section, known)}"
            )
            continue
        for key in keys:
            if key not in known[section.casefold()][1]:
                warnings.append(
                    f"{located(ctx.file, lines, section, key)} [{section}]: unknown key '{key}' "
                    f"is ignored{_key_hint(key, section, known)}"
                )
    return warnings
