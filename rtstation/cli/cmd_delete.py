"""``rtstation delete``: remove plans, patients or everything, files and catalog rows together.

rtstation delete --plan UID [--plan UID ...]     plans; what another plan needs stays
rtstation delete --patient ID [--patient ID ...] patients, whole
rtstation delete --all                           everything stored

Without ``--yes`` it says what would go and asks (on a terminal) or stops (otherwise). A
plan or instance that a job still has to send is refused with the job and its node.
"""

from __future__ import annotations

import argparse
import sys

from rtstation.cli.context import open_station
from rtstation.errors import RtStationError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--plan", action="append", metavar="UID", help="a plan (repeatable)")
    what.add_argument("--patient", action="append", metavar="ID", help="a patient (repeatable)")
    what.add_argument("--all", action="store_true", help="everything stored")
    parser.add_argument("--yes", action="store_true", help="do not ask")


def _confirmed(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    answer = input(f"{question} [y/N] ").strip().casefold()
    return answer in ("y", "yes", "j", "ja")


def run(args: argparse.Namespace) -> int:
    station = open_station(args, console_logging=False)
    try:
        selection = station.select_for_delete(
            plans=args.plan or (), patients=args.patient or (), everything=args.all
        )
        if selection.empty:
            print("Nothing is stored: nothing to delete.")
            return 0
        print(f"To delete: {selection.summary()}")
        for label in selection.plan_labels[:20]:
            print(f"  plan {label}")
        if len(selection.plan_labels) > 20:
            print(f"  ... and {len(selection.plan_labels) - 20} more plan(s)")
        if not args.yes and not _confirmed("Delete these files and their catalog rows?"):
            raise RtStationError("Nothing deleted: confirm with --yes (or answer y)")
        outcome = station.delete(selection)
    finally:
        station.stop()
    print(f"Deleted {outcome.instances} file(s), {outcome.bytes / 1e6:.1f} MB")
    return 0
