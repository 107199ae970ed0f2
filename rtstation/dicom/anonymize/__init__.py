"""Anonymization that keeps RT references intact (PS3.15 Annex E, Table E.1-1).

Why our own engine and not a library: the maintained Python libraries were checked first.

- dicognito (0.19) keeps references consistent (UIDs derived from a seed), but it applies
  its own fixed policy (plausible fake names, dates moved back); it does not hold Table
  E.1-1 or its option columns, so neither the Basic Profile nor an option can be chosen.
- dicom-anonymizer (2.1, Kitware) holds the Basic Profile column of Table E.1-1 as tag
  lists, but none of the option columns (Clean Descriptors, Retain Device Identity, ...);
  its UIDs come from random ``generate_uid()`` calls cached in a module-level dict, so two
  runs never map alike, a map cannot be persisted, and two anonymizations in one process
  (a rule action beside a CLI call) share one global state.
- deid (0.4, pydicom) runs recipes written by the user; its default recipe is about pixel
  cleaning filters, not Table E.1-1, and it has no option columns either.

So the profile is kept as data in this package: ``table_e1_1.csv`` is Table E.1-1 (2024b)
with the Basic Profile column and every option column; ``aria_overrides.csv`` is what the
ARIA-compatible profile changes; ``safe_private.csv`` lists the private attributes that
RetainSafePrivate keeps. pydicom 3 reads and writes the files. See profiles.py for how an
action is chosen, engine.py for what each action does, uid_map.py for the UID map.

API (no Qt, no network; safe to call from a worker thread):

- ``anonymize_paths(paths, out_dir, AnonymizeOptions(...)) -> AnonymizationReport``: every
  file under ``paths`` into ``out_dir`` (the CLI, retrieve --anonymize, import).
- ``Anonymizer(options)``: ``anonymize_file(path, out_dir) -> output path | None``,
  ``anonymize_dataset(ds) -> ds`` (in place; a copy about to be sent by a rule action or
  the Store dialog), then ``finish() -> AnonymizationReport`` (writes the UID map).
- ``build_profile(name, options)``, ``parse_options(texts)``, ``UidMap.load/save``.
"""

from rtstation.dicom.anonymize.profiles import (
    DEFAULT_OPTIONS,
    DEFAULT_PROFILE,
    PROFILE_NAMES,
    Profile,
    build_profile,
    parse_options,
)
from rtstation.dicom.anonymize.report import AnonymizationReport, FileProblem
from rtstation.dicom.anonymize.run import (
    REFUSE,
    REPORT_NAME,
    WARN,
    AnonymizationRefused,
    AnonymizeOptions,
    Anonymizer,
    anonymize_paths,
)
from rtstation.dicom.anonymize.table import OPTION_COLUMNS
from rtstation.dicom.anonymize.uid_map import NewIdentity, UidMap

__all__ = [
    "DEFAULT_OPTIONS",
    "DEFAULT_PROFILE",
    "OPTION_COLUMNS",
    "PROFILE_NAMES",
    "REFUSE",
    "REPORT_NAME",
    "WARN",
    "AnonymizationRefused",
    "AnonymizationReport",
    "AnonymizeOptions",
    "Anonymizer",
    "FileProblem",
    "NewIdentity",
    "Profile",
    "UidMap",
    "anonymize_paths",
    "build_profile",
    "parse_options",
]
