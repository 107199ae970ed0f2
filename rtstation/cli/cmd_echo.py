"""``rtstation echo NODE`` (or ``HOST:PORT:AE``): is the peer there and does it talk to us?"""

from __future__ import annotations

import argparse
import re

from rtstation.cli.common import add_option, print_json
from rtstation.cli.context import load_config
from rtstation.errors import ConfigError
from rtstation.net.echo import echo
from rtstation.net.peer import Peer
from rtstation.station.sending import peer_for

_ADDRESS = re.compile(r"^(?P<host>[^:]+):(?P<port>\d+):(?P<ae>.{1,16})$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target", metavar="NODE", help="a node name from settings.ini, or HOST:PORT:AE"
    )
    add_option(
        parser, "--calling-ae", dest="calling_ae", default="", help="our AE title for this echo"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable result")


def resolve_peer(target: str, args: argparse.Namespace) -> Peer:
    _paths, settings, _rules = load_config(args)
    node = settings.node(target)
    if node is not None:
        peer = peer_for(node, settings.ae_title)
    elif match := _ADDRESS.match(target):
        peer = Peer(
            ae_title=match["ae"],
            host=match["host"],
            port=int(match["port"]),
            calling_ae=settings.ae_title,
            name=target,
        )
    else:
        known = ", ".join(n.name for n in settings.nodes) or "none configured"
        raise ConfigError(
            f"'{target}' is neither a node in settings.ini (known: {known}) nor HOST:PORT:AE"
        )
    if args.calling_ae:
        from dataclasses import replace

        peer = replace(peer, calling_ae=args.calling_ae)
    return peer


def run(args: argparse.Namespace) -> int:
    peer = resolve_peer(args.target, args)
    result = echo(peer)
    if args.json:
        print_json(
            {
                "peer": peer.describe(),
                "ok": result.ok,
                "round_trip_ms": result.round_trip_ms,
                "reason": result.reason,
            }
        )
    elif result.ok:
        name = peer.name or peer.ae_title
        print(f"{name}: {peer.describe()} answered C-ECHO in {result.round_trip_ms:.1f} ms")
    else:
        print(f"{peer.name or peer.ae_title}: {peer.describe()} failed: {result.reason}")
    return 0 if result.ok else 1
