"""The archive/SCP options retrieve, move, store and doctor share, DicomTools-compatible.

Either ``--node NAME`` (a node of settings.ini) or DicomTools' four options
``--hostName --hostPort --callingAet --calledAet``; ``--callingAet`` may also override the
node's calling AE. The kebab-case spellings (``--host-name`` ...) work too.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from rtstation.cli.common import add_option
from rtstation.config import Settings
from rtstation.errors import ConfigError
from rtstation.net.peer import Peer
from rtstation.station.sending import peer_for


def add_peer_options(parser: argparse.ArgumentParser, *, what: str = "archive") -> None:
    group = parser.add_argument_group(f"{what} (a node from settings.ini, or host/port/AEs)")
    group.add_argument("--node", metavar="NAME", default="", help=f"the {what} as a settings node")
    add_option(group, "--host-name", dest="host_name", default="", help=f"host of the {what}")
    add_option(
        group, "--host-port", dest="host_port", type=int, default=0, help=f"port of the {what}"
    )
    add_option(
        group,
        "--calling-aet",
        dest="calling_aet",
        default="",
        help="our AE title (default: the station's AE title)",
    )
    add_option(group, "--called-aet", dest="called_aet", default="", help=f"AE title of the {what}")
    add_option(
        group,
        "--timeout",
        dest="timeout",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="how long to wait for an answer of the archive (default 120)",
    )


def peer_from_args(args: argparse.Namespace, settings: Settings) -> Peer:
    """The peer the options name, or a :class:`ConfigError` saying which option is missing."""
    if args.node:
        node = settings.node(args.node)
        if node is None:
            known = ", ".join(n.name for n in settings.nodes) or "none configured"
            raise ConfigError(f"Node '{args.node}' is not in settings.ini (known: {known})")
        peer = peer_for(node, settings.ae_title)
        if args.calling_aet:
            peer = replace(peer, calling_ae=args.calling_aet)
    else:
        missing = [
            option
            for option, value in (
                ("--hostName", args.host_name),
                ("--hostPort", args.host_port),
                ("--calledAet", args.called_aet),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                f"Missing {', '.join(missing)}: give --node NAME, or --hostName, --hostPort "
                "and --calledAet (and --callingAet)"
            )
        peer = Peer(
            ae_title=args.called_aet,
            host=args.host_name,
            port=int(args.host_port),
            calling_ae=args.calling_aet or settings.ae_title,
            name=f"{args.host_name}:{args.host_port}",
        )
    if args.timeout:
        peer = replace(peer, dimse_timeout=args.timeout, acse_timeout=min(args.timeout, 30.0))
    return peer
