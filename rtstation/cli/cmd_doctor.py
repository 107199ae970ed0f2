"""``rtstation doctor NODE``: TCP reach, C-ECHO, our receiver port, and whether the node
can reach us (a one-instance C-MOVE to our AE), each with a diagnosis in words."""

from __future__ import annotations

import argparse
from pathlib import Path

from rtstation.cli.common import add_option, print_json
from rtstation.cli.context import load_config, log_level
from rtstation.cli.peer_options import add_peer_options, peer_from_args
from rtstation.logsetup import setup_logging
from rtstation.station.doctor import run_checks

_MARK = {True: "ok  ", False: "FAIL", None: "--  "}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target", nargs="?", default="", metavar="NODE", help="a node name from settings.ini"
    )
    add_option(
        parser,
        "--move-destination",
        dest="move_destination",
        default="",
        metavar="AE",
        help="the AE title the node knows this station by (default: our calling AE)",
    )
    add_peer_options(parser, what="node")
    parser.add_argument("--json", action="store_true", help="machine-readable result")


def run(args: argparse.Namespace) -> int:
    if args.target and not args.node:
        args.node = args.target
    paths, settings, _rules = load_config(args)
    setup_logging(Path(paths.log_dir), level=log_level(args, settings), console=False)
    peer = peer_from_args(args, settings)
    checks = run_checks(peer, settings, paths.data_dir, move_destination=args.move_destination)
    if args.json:
        print_json([{"check": c.name, "ok": c.ok, "detail": c.detail} for c in checks])
    else:
        print(f"Checking {peer.name or peer.ae_title}: {peer.describe()}")
        for check in checks:
            print(f"  [{_MARK[check.ok]}] {check.name}: {check.detail}")
    return 1 if any(c.ok is False for c in checks) else 0
