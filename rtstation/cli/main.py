"""The ``rtstation`` command: one subcommand per module, all over the same Qt-free core.

``rtstation`` with no subcommand opens the desktop station; every other subcommand runs
headless. ``--config DIR`` is accepted before or after the subcommand name so batch files
written either way keep working.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from rtstation import __version__
from rtstation.errors import ConfigError, RtStationError

LOGGER = logging.getLogger(__name__)

# (subcommand module, one-line help). Each module has add_arguments(parser) and run(args).
SUBCOMMANDS: tuple[tuple[str, str], ...] = (
    ("gui", "open the desktop station (the default with no subcommand)"),
    ("show", "show plans and what belongs to them as a tree, from files on disk"),
    ("search", "search DICOM files by tag values and show tag values"),
    ("anonymize", "anonymized copies of DICOM files with their RT references intact"),
    ("serve", "run the station headless: receiver, rules and forwarding"),
    ("import", "store files, folders or ZIPs into the station (like a receive)"),
    ("reindex", "rebuild the catalog from the storage folder"),
    ("echo", "C-ECHO a configured node or HOST:PORT:AE and report the round trip"),
    ("send", "forward plans, a patient or files to nodes and wait for the result"),
    ("queue", "list send jobs; show, retry or cancel one; pause or resume a node"),
    ("history", "the send history with times and triggers, per-rule counts, CSV or JSON"),
    ("delete", "delete stored plans, patients or everything (files and catalog rows)"),
    ("cleanup", "apply the retention settings now, or list what would go (--dry-run)"),
    ("rules", "test the forwarding rules against a plan, without sending"),
    ("metrics", "plan, dose and DVH figures per plan and ROI, as a table, CSV or JSON"),
    ("config", "print where the configuration is and check that it is valid"),
    ("retrieve", "retrieve a patient's plans from an archive into a folder (Q/R)"),
    ("move", "tell an archive to C-MOVE series or instances by UID to an AE"),
    ("store", "send a folder in ARIA order, with machine mapping and resume (C-STORE)"),
    ("doctor", "check the connection to a node both ways and our receiver port"),
    ("batch", "run a batch extraction file: C-FIND library or resumable C-MOVE/C-GET"),
)


def _add_common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--config",
        metavar="DIR",
        default=default,
        help="configuration folder (settings.ini, rules.ini, and by default data and logs)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0 if top else argparse.SUPPRESS,
        help="more log output (-vv for debug)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rtstation",
        description="DICOM-RT station: receive, inspect and forward radiotherapy plans.",
    )
    parser.add_argument("--version", action="version", version=f"rtstation {__version__}")
    _add_common(parser, top=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in SUBCOMMANDS:
        module = _load(name)
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        _add_common(sub, top=False)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run)
    return parser


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"rtstation.cli.cmd_{name}")


def _single_threaded_blas() -> None:
    """Ask OpenBLAS for one thread, before anything imports numpy.

    numpy's OpenBLAS starts a thread per core at import, and they spin while they start:
    about 0.1 s of CPU in every ``rtstation`` process, a third of what a short command
    costs. Nothing here needs threaded linear algebra: the DVH and dose statistics are
    element-wise. An explicit OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) in the
    environment wins. Child processes (the metrics child) inherit the setting.
    """
    if "OPENBLAS_NUM_THREADS" not in os.environ and "OMP_NUM_THREADS" not in os.environ:
        os.environ["OPENBLAS_NUM_THREADS"] = "1"


def _quiet_pydicom() -> None:
    """Exports from planning systems are full of small VR violations; don't shout about them."""
    import warnings

    import pydicom.config

    pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE
    warnings.filterwarnings("ignore", module="pydicom")


def main(argv: Sequence[str] | None = None) -> int:
    _single_threaded_blas()
    _quiet_pydicom()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        if "gui" not in dict(SUBCOMMANDS):
            parser.print_help()
            return 0
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "gui"])
    try:
        return int(args._run(args) or 0)
    except ConfigError as exc:
        print(f"rtstation: {exc}", file=sys.stderr)
        return 2
    except RtStationError as exc:
        print(f"rtstation: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `rtstation show ... | head`: the reader left; that is not an error of ours.
        # Point stdout at /dev/null so the interpreter's final flush does not fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("rtstation: interrupted", file=sys.stderr)
        return 130
