"""``rtstation move``: tell an archive to send series or instances by UID to an AE.

As in Varian's DICOM scripting notes (``movescu -S -k 0008,0052=SERIES -k 0020,000E=UID``):
the destination is any AE the archive knows (a file service, a treatment system, this
station); nothing comes back here. One C-MOVE per UID; the archive's completed / failed /
warning counts are reported per UID and in total.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rtstation.cli.common import add_option, print_json
from rtstation.cli.context import load_config, log_level
from rtstation.cli.peer_options import add_peer_options, peer_from_args
from rtstation.logsetup import setup_logging
from rtstation.net.retrieve import RetrieveResult, move

_UID_KEY = {"STUDY": "StudyInstanceUID", "SERIES": "SeriesInstanceUID", "IMAGE": "SOPInstanceUID"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--level",
        choices=tuple(_UID_KEY),
        required=True,
        help="SERIES (Series Instance UID) or IMAGE (SOP Instance UID); STUDY also works",
    )
    parser.add_argument(
        "--uid",
        dest="uids",
        action="append",
        required=True,
        metavar="UID",
        help="UID to move (repeatable)",
    )
    add_option(
        parser,
        "--destination",
        "--move-destination",
        dest="destination",
        required=True,
        metavar="AE",
        help="AE title the archive sends to (it must know its address)",
    )
    add_peer_options(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable result")


def run(args: argparse.Namespace) -> int:
    paths, settings, _rules = load_config(args)
    setup_logging(Path(paths.log_dir), level=log_level(args, settings), console=False)
    peer = peer_from_args(args, settings)
    results: list[tuple[str, RetrieveResult]] = []
    for uid in args.uids:
        result = move(peer, args.destination, args.level, {_UID_KEY[args.level]: uid})
        results.append((uid, result))
        if result.status is None:
            break  # the archive is not there: the next UID would fail the same way
    completed = sum(r.completed for _u, r in results)
    failed = sum(r.failed for _u, r in results)
    warning = sum(r.warning for _u, r in results)
    if args.json:
        print_json(
            {
                "destination": args.destination,
                "completed": completed,
                "failed": failed,
                "warning": warning,
                "moves": [
                    {
                        "uid": uid,
                        "ok": r.ok,
                        "status": r.status,
                        "completed": r.completed,
                        "failed": r.failed,
                        "warning": r.warning,
                        "reason": r.reason,
                    }
                    for uid, r in results
                ],
            }
        )
    else:
        for uid, result in results:
            line = f"{args.level} {uid} -> {args.destination}: {result.counts()}"
            print(line)
            if result.reason:
                print(f"  {result.reason}", file=sys.stderr)
            elif result.completed == 0 and not result.failed:
                print(f"  the archive has nothing under {args.level} UID '{uid}'", file=sys.stderr)
        print(f"Total: {completed} completed, {failed} failed, {warning} warning")
    ok = len(results) == len(args.uids) and all(r.ok and r.completed for _u, r in results)
    return 0 if ok else 1
