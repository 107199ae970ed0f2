"""``rtstation import``: store files, folders and ZIPs into the station.

With no PATH it processes the configured import folder (settings.ini ``import_folder``),
clearing it afterwards when ``clear_import_folder_after_import`` says so. Imported
instances carry the source ``IMPORT_FOLDER``, which rules.ini can match.

``--anonymize`` imports an anonymized copy (settings.ini [Anonymization], the station's UID
map, ``--newPatientId`` / ``--newPatientName`` or derived ones); the source is never
changed or cleared.
"""

from __future__ import annotations

import argparse
import sys

from rtstation.cli.common import Progress, add_option, print_json, refuse_empty_path
from rtstation.cli.context import open_station
from rtstation.config import values
from rtstation.station.anonymized import NewPatient


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files, folders or ZIP files")
    parser.add_argument(
        "--clear",
        action="store_true",
        default=None,
        help="delete each source file once it is safely stored (rejected files stay)",
    )
    parser.add_argument(
        "--anonymize",
        action="store_true",
        help="import an anonymized copy (settings.ini [Anonymization]); the source stays as it is",
    )
    add_option(
        parser,
        "--new-patient-id",
        dest="new_patient_id",
        default="",
        metavar="ID",
        help="with --anonymize: patient ID of the copy (default: ANON + 10 hex digits, derived)",
    )
    add_option(
        parser,
        "--new-patient-name",
        dest="new_patient_name",
        default="",
        metavar="NAME",
        help="with --anonymize: patient name of the copy (default: the new patient ID)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable summary")


def run(args: argparse.Namespace) -> int:
    if refuse_empty_path("import", "PATH", args.paths):  # "" would import (and clear) '.'
        return 2
    if (args.new_patient_id or args.new_patient_name) and not args.anonymize:
        print(
            "rtstation import: --newPatientId and --newPatientName need --anonymize",
            file=sys.stderr,
        )
        return 2
    if args.anonymize and args.clear:
        print(
            "rtstation import: --clear with --anonymize: an anonymized import never clears "
            "its source",
            file=sys.stderr,
        )
        return 2
    for option, value in (
        ("--newPatientId", args.new_patient_id),
        ("--newPatientName", args.new_patient_name),
    ):
        try:
            values.parse_patient_text(value)
        except values.Invalid as exc:
            print(f"rtstation import: {option} '{value}': {exc.reason}", file=sys.stderr)
            return 2
    station = open_station(args, console_logging=False)
    try:
        paths = args.paths or [station.settings.import_folder]
        clear = args.clear
        if clear is None:
            configured = station.settings.clear_import_folder_after_import
            clear = configured if not args.paths and not args.anonymize else False
        anonymize = (
            NewPatient(args.new_patient_id, args.new_patient_name) if args.anonymize else None
        )
        progress = Progress("Anonymizing and importing" if anonymize else "Importing")
        report = station.import_paths(
            paths,
            clear=clear,
            progress=lambda done, total, name: progress.update(done, total, name),
            anonymize=anonymize,
        )
        progress.close()
    finally:
        station.stop()
    if args.json:
        print_json(
            {
                "stored": report.stored,
                "duplicates": report.duplicates,
                "replaced": report.replaced,
                "cleared": report.cleared,
                "rejected": [{"file": f, "reason": r} for f, r in report.rejected],
                "notes": report.notes,
                "patients": sorted(report.patient_ids),
            }
        )
    else:
        print(f"Import of {', '.join(str(p) for p in paths)}: {report.summary()}")
        for name, reason in report.rejected:
            print(f"  rejected {name}: {reason}")
        for note in report.notes:
            print(f"  {note}")
    return 1 if report.rejected or report.notes else 0
