"""``rtstation import``: store files, folders and ZIPs into the station.

With no PATH it processes the configured import folder (settings.ini ``import_folder``),
clearing it afterwards when ``clear_import_folder_after_import`` says so. Imported
instances carry the source ``IMPORT_FOLDER``, which rules.ini can match.
"""

from __future__ import annotations

import argparse

from rtstation.cli.common import Progress, print_json
from rtstation.cli.context import open_station


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files, folders or ZIP files")
    parser.add_argument(
        "--clear",
        action="store_true",
        default=None,
        help="delete each source file once it is safely stored (rejected files stay)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable summary")


def run(args: argparse.Namespace) -> int:
    station = open_station(args, console_logging=False)
    try:
        paths = args.paths or [station.settings.import_folder]
        clear = args.clear
        if clear is None:
            clear = station.settings.clear_import_folder_after_import if not args.paths else False
        progress = Progress("Importing")
        report = station.import_paths(
            paths,
            clear=clear,
            progress=lambda done, total, name: progress.update(done, total, name),
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
