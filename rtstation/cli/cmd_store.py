"""``rtstation store``: send a folder to an SCP in ARIA order, as DicomTools' ``store``.

``--path DIR --searchPattern *.dcm --machineMapping "TrueBeam1=TB_NEW"
--defaultMachines "RDS=HALCYON" --statusFileName done.txt`` plus host/port/AETs or
``--node``. Machine names are rewritten in copies, never in the files of ``--path``.
The first refused instance stops the store (``--continueOnError`` goes on); with a status
file a rerun sends only what was not stored yet. ``--dryRun`` prints the order and every
machine-name change without connecting.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rtstation.cli.common import add_option, print_json, refuse_empty_path
from rtstation.cli.context import load_config, log_level
from rtstation.cli.peer_options import add_peer_options, peer_from_args
from rtstation.dicom.machine_map import parse_mapping
from rtstation.errors import ConfigError
from rtstation.logsetup import setup_logging
from rtstation.station.folder_store import StorePlan, plan_store, store_folder


def _flag(value: str) -> bool:
    """DicomTools writes ``--showMessages true|false``; a bare flag means true."""
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"'{value}' is not true or false")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_option(
        parser,
        "--path",
        dest="path",
        required=True,
        metavar="DIR",
        help="folder to send, recursively",
    )
    add_option(
        parser,
        "--search-pattern",
        dest="search_pattern",
        default="*",
        metavar="PATTERN",
        help="file name pattern, for example *.dcm (default: all)",
    )
    add_option(
        parser,
        "--show-messages",
        dest="show_messages",
        type=_flag,
        nargs="?",
        const=True,
        default=True,
        metavar="true|false",
        help="print one line per file (default true)",
    )
    add_option(
        parser,
        "--status-file-name",
        dest="status_file",
        default="",
        metavar="FILE",
        help="every stored file is appended here; files listed are skipped",
    )
    add_option(
        parser,
        "--machine-mapping",
        dest="machine_mapping",
        default="",
        metavar="MAP",
        help="rename treatment machines in plans, like 'A=B C=D'",
    )
    add_option(
        parser,
        "--default-machines",
        dest="default_machines",
        default="",
        metavar="MAP",
        help="machine for beams without one, by model: 'RDS=HALCYON'",
    )
    add_option(
        parser,
        "--continue-on-error",
        dest="continue_on_error",
        action="store_true",
        help="go on after a refused instance",
    )
    add_option(
        parser,
        "--dry-run",
        dest="dry_run",
        action="store_true",
        help="print what would be sent and every machine-name change; send nothing",
    )
    add_peer_options(parser, what="SCP")
    parser.add_argument("--json", action="store_true", help="machine-readable result")


def _print_plan(plan: StorePlan) -> None:
    for entry in plan.entries:
        print(f"would send {entry.header.modality:8} {entry.header.path}")
        for change in entry.changes:
            print(f"  machine '{change.old}' -> '{change.new}' in plan '{change.plan_label}'")
    for path in plan.already_stored:
        print(f"already stored {path}")
    print(
        f"{len(plan.entries)} file(s) to send, {len(plan.already_stored)} already stored, "
        f"{len(plan.changes)} machine-name change(s)"
    )


def run(args: argparse.Namespace) -> int:
    if refuse_empty_path("store", "--path", [args.path]):  # Path("") is '.', which exists
        return 2
    folder = Path(args.path)
    if not folder.exists():
        print(f"rtstation store: path '{folder}' does not exist: check --path", file=sys.stderr)
        return 2
    mapping = parse_mapping(args.machine_mapping) if args.machine_mapping else {}
    defaults = parse_mapping(args.default_machines) if args.default_machines else {}
    status_file = Path(args.status_file) if args.status_file else None
    if status_file is not None and not status_file.parent.is_dir():
        raise ConfigError(
            f"The folder of --statusFileName '{status_file}' does not exist: create it or "
            "give another file name"
        )
    plan = plan_store(
        folder, args.search_pattern, mapping=mapping, defaults=defaults, status_file=status_file
    )
    for problem in plan.problems:
        print(f"skipped {problem.path}: {problem.reason}", file=sys.stderr)
    if args.dry_run:
        _print_plan(plan)
        return 0
    paths, settings, _rules = load_config(args)
    setup_logging(Path(paths.log_dir), level=log_level(args, settings), console=False)
    peer = peer_from_args(args, settings)

    def on_item(done: int, total: int, path: str, outcome: str) -> None:
        if args.show_messages and not args.json:
            print(f"[{done}/{total}] {outcome} {path}")

    report = store_folder(
        peer,
        plan,
        mapping=mapping,
        defaults=defaults,
        status_file=status_file,
        continue_on_error=args.continue_on_error,
        on_item=on_item,
    )
    if args.json:
        print_json(
            {
                "stored": len(report.stored),
                "already_stored": len(plan.already_stored),
                "refused": [{"path": p, "reason": r} for p, r in report.refused],
                "not_sent": report.not_sent,
                "error": report.association_error,
            }
        )
        return 0 if report.ok else 1
    print(
        f"Stored {len(report.stored)} file(s) to {peer.describe()}, "
        f"{len(plan.already_stored)} already stored before, {len(report.refused)} refused, "
        f"{report.not_sent} not sent"
    )
    if report.association_error:
        print(f"rtstation store: {report.association_error}", file=sys.stderr)
    if report.refused and not args.continue_on_error:
        path, reason = report.refused[0]
        hint = " (fix it, then run again with the same --statusFileName)" if status_file else ""
        print(f"rtstation store: stopped at '{path}': {reason}{hint}", file=sys.stderr)
    return 0 if report.ok else 1
