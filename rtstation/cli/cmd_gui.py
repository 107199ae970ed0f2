"""``rtstation gui`` (the default with no subcommand): open the desktop station.

This module stays Qt-free (the CLI must run where PySide6 cannot even load): it checks
that there is a display, loads the configuration and sets up logging like every other
subcommand, then hands a function that opens the Station to ``rtstation.gui.app``, which
is imported only here and only when a window will really be shown. The import is by name
because the CLI and the GUI are sibling layers that must not import each other; this
subcommand is the one composition point between them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

from rtstation.cli.context import load_config, log_level
from rtstation.logsetup import setup_logging
from rtstation.station import Station

NO_DISPLAY = (
    "rtstation: no display available (set DISPLAY or use QT_QPA_PLATFORM=offscreen); "
    "run 'rtstation serve' for a headless station"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bind",
        default="",
        metavar="ADDRESS",
        help="let the receiver listen on this address only (default: settings.ini's bind_address)",
    )


def has_display(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt can open a window: always on Windows and macOS; on X11/Wayland systems
    when DISPLAY or WAYLAND_DISPLAY is set, or a Qt platform plugin was chosen."""
    env = os.environ if environ is None else environ
    system = sys.platform if platform is None else platform
    if system.startswith(("win", "darwin")):
        return True
    return any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def run(args: argparse.Namespace) -> int:
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2

    app = importlib.import_module("rtstation.gui.app")
    return int(app.run_gui(args, station_opener(args)))


def station_opener(args: argparse.Namespace) -> Callable[[], Station]:
    """The function the GUI calls (after its QApplication exists) to open the Station:
    load the configuration, set up logging (file and console), build the Station."""

    def open_station() -> Station:
        paths, settings, rules = load_config(args)
        setup_logging(
            Path(paths.log_dir),
            level=log_level(args, settings),
            console=True,
            max_mb=settings.log_max_mb,
            keep_days=settings.log_keep_days,
        )
        return Station(paths, settings, rules, bind_address=getattr(args, "bind", "") or "")

    return open_station
