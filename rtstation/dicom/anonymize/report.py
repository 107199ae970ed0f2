"""What one anonymization run did: files written and refused, and per attribute what was
removed, emptied, replaced, cleaned, shifted or kept.

Two views, because the input side is identifying (file and folder names of exports carry
UIDs and patient IDs): :meth:`AnonymizationReport.to_json` with ``sources=False`` (what is
written next to the anonymized files) names only output files and counts; the console
and ``sources=True`` also name the input files, for the person who ran it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

ACTION_WORDS = ("removed", "emptied", "replaced", "cleaned", "shifted", "kept")


@dataclass(frozen=True)
class FileProblem:
    """An input file that was not written (or was written with a warning), and why."""

    source: str
    reason: str
    output: str = ""  # the file written despite the warning ("" when refused)


@dataclass
class AnonymizationReport:
    profile: str
    out_dir: str
    written: list[tuple[str, str]] = field(default_factory=list)  # (source, output file)
    refused: list[FileProblem] = field(default_factory=list)
    warnings: list[FileProblem] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    uids_mapped: int = 0
    patients: int = 0
    uid_map_file: str = ""
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.refused and not self.cancelled

    def by_action(self) -> dict[str, dict[str, int]]:
        """``{"removed": {"InstitutionName (0008,0080)": 12, ...}, ...}`` in a fixed order."""
        grouped: dict[str, dict[str, int]] = {word: {} for word in ACTION_WORDS}
        for (word, attribute), count in sorted(self.counts.items()):
            grouped.setdefault(word, {})[attribute] = count
        return {word: values for word, values in grouped.items() if values}

    def summary(self) -> str:
        """One line: ``12 file(s) anonymized, 2 refused, 3 warning(s); 45 UIDs replaced``."""
        text = (
            f"{len(self.written)} file(s) anonymized with profile {self.profile}, "
            f"{len(self.refused)} refused, {len(self.warnings)} warning(s); "
            f"{self.uids_mapped} UID(s) mapped"
        )
        return text + (" (cancelled)" if self.cancelled else "")

    def lines(self) -> list[str]:
        """The console report: summary, then every refused file and warning with its reason."""
        lines = [self.summary()]
        for word, attributes in self.by_action().items():
            listed = ", ".join(f"{name} x{count}" for name, count in attributes.items())
            lines.append(f"  {word}: {listed}")
        lines.extend(f"  refused {p.source}: {p.reason}" for p in self.refused)
        lines.extend(f"  warning {p.source}: {p.reason}" for p in self.warnings)
        if self.uid_map_file:
            lines.append(
                f"  UID map written to {self.uid_map_file}: it is IDENTIFYING (original UIDs "
                "and patient IDs); keep it apart from the anonymized data"
            )
        return lines

    def to_json(self, *, sources: bool) -> dict[str, Any]:
        def problem(p: FileProblem, index: int) -> dict[str, str]:
            return {"file": p.source if sources else f"refused file {index}", "reason": p.reason}

        return {
            "profile": self.profile,
            "files_written": [
                ({"source": s, "output": os.path.basename(t)} if sources else os.path.basename(t))
                for s, t in self.written
            ],
            "refused": [problem(p, i) for i, p in enumerate(self.refused, start=1)],
            "warnings": [
                {"file": p.source if sources else os.path.basename(p.output), "reason": p.reason}
                for p in self.warnings
            ],
            "attributes": self.by_action(),
            "uids_mapped": self.uids_mapped,
            "patients": self.patients,
            "uid_map_written": bool(self.uid_map_file),
            "cancelled": self.cancelled,
        }

    def write(self, path: str | os.PathLike[str]) -> None:
        """The report without input names, as JSON (safe to keep beside the output)."""
        with open(path, "w", encoding="utf-8") as stream:
            json.dump(self.to_json(sources=False), stream, indent=1, ensure_ascii=False)
            stream.write("\n")
