"""``rtstation serve``: the headless station (receiver, rules, forwarding) until stopped.

Ctrl-C and SIGTERM stop it cleanly: running associations finish or are aborted, workers
finish the item they are sending, and nothing half-written remains.
"""

from __future__ import annotations

import argparse
import signal
import threading

from rtstation.cli.common import add_option
from rtstation.cli.context import open_station
from rtstation.config import validate_ae_title, validate_bind_address, validate_port
from rtstation.errors import ConfigError, NetworkError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_option(parser, "--port", type=int, help="listen on this port instead of settings.ini's")
    add_option(parser, "--ae-title", dest="ae_title", help="the station's AE title")
    parser.add_argument(
        "--bind",
        default="",
        metavar="ADDRESS",
        help="listen on this address only (default: settings.ini's bind_address)",
    )


def flag_overrides(args: argparse.Namespace) -> dict[str, object]:
    """The settings serve's flags replace, each checked like its settings.ini value."""
    overrides: dict[str, object] = {}
    if args.port is not None:
        ok, reason = validate_port(args.port)
        if not ok:
            raise ConfigError(f"--port '{args.port}': {reason}")
        overrides["port"] = args.port
    if args.ae_title:
        ok, reason = validate_ae_title(args.ae_title)
        if not ok:
            raise ConfigError(f"--ae-title '{args.ae_title}': {reason}")
        overrides["ae_title"] = args.ae_title
    if args.bind:
        ok, reason = validate_bind_address(args.bind)
        if not ok:
            raise ConfigError(f"--bind '{args.bind}': {reason}")
        overrides["bind_address"] = args.bind
    return overrides


def run(args: argparse.Namespace) -> int:
    station = open_station(args, **flag_overrides(args))
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        station.start(receiver=True)
    except NetworkError:
        station.stop()
        return 1  # the station already logged the reason in words
    api = f"; metrics API {station.http_api.url}" if station.http_api is not None else ""
    print(
        f"rtstation: {station.receiver_state.message}; storage {station.storage_root}{api}; "
        "Ctrl-C to stop",
        flush=True,
    )
    settings = station.settings
    if settings.watch_import_folder:
        print(f"rtstation: watching the import folder {settings.import_folder}", flush=True)
    if station.retention.enabled:
        print(
            f"rtstation: retention every {settings.retention_interval_minutes} min "
            "('rtstation cleanup --dry-run' lists what it removes)",
            flush=True,
        )
    while not stop.wait(0.5):
        pass
    print("rtstation: stopping", flush=True)
    station.stop()
    return 0
