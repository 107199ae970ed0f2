"""Connectivity checks for a node, both ways: what ``rtstation doctor`` and Settings run.

1. TCP reach: does anything answer on the node's host and port?
2. C-ECHO to the node: does it talk DICOM to our calling AE?
3. Our receiver port: is the running station listening on it, or is it free for the test?
4. The node can reach us (the move-destination check). DICOM has no "echo me back", so
   the check is the one a retrieve depends on: a C-FIND for one instance (which also
   proves the node lets our AE query), then a C-MOVE of that one instance to our own AE
   title, and we watch it arrive. Success means the node knows our AE at the right host
   and port and its connection reaches us; each failure has its own explanation. An
   empty archive leaves the check undecided (a move of a UID nobody has proves nothing:
   Orthanc answers 0xC000 to it whether it knows the destination or not).

Each check is a :class:`Check` with a sentence; later checks are skipped (not run) when an
earlier one makes them meaningless.
"""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from rtstation.config import Settings
from rtstation.errors import NetworkError
from rtstation.net.echo import echo
from rtstation.net.peer import Peer
from rtstation.net.query import QueryError, QueryNotSupported, find, text
from rtstation.net.retrieve import (
    explain_nothing_arrived,
    move,
)
from rtstation.station.retrieve_sink import RetrieveSink

LOGGER = logging.getLogger(__name__)

ARRIVAL_SECONDS = 10.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: skipped
    detail: str


def tcp_reach(peer: Peer, timeout: float = 3.0) -> Check:
    name = "TCP reach"
    try:
        with socket.create_connection((peer.host, peer.port), timeout=timeout):
            pass
    except ConnectionRefusedError:
        return Check(
            name,
            False,
            f"Nothing listens on {peer.address} (connection refused): the DICOM service is "
            "not running there, or the port is wrong",
        )
    except socket.gaierror:
        return Check(name, False, f"The host name '{peer.host}' cannot be resolved: check it")
    except TimeoutError:
        return Check(
            name,
            False,
            f"No answer from {peer.address} within {timeout:.0f} s: a firewall drops the "
            "connection, or the host is down",
        )
    except OSError as exc:
        return Check(name, False, f"{peer.address} cannot be reached: {exc.strerror or exc}")
    return Check(name, True, f"{peer.address} accepts TCP connections")


def _first_instance(peer: Peer) -> dict[str, str] | None:
    """Keys of one instance of the archive, or None when it holds none (C-FIND, limit 1)."""
    studies = find(peer, "STUDY", {}, limit=1).matches
    if not studies:
        return None
    study_uid = text(studies[0], "StudyInstanceUID")
    series = find(peer, "SERIES", {"StudyInstanceUID": study_uid}, limit=1).matches
    if not series:
        return None
    series_uid = text(series[0], "SeriesInstanceUID")
    keys = {"StudyInstanceUID": study_uid, "SeriesInstanceUID": series_uid}
    images = find(peer, "IMAGE", keys, limit=1).matches
    if not images:
        return None
    return {**keys, "SOPInstanceUID": text(images[0], "SOPInstanceUID")}


def run_checks(
    peer: Peer,
    settings: Settings,
    data_dir: Path | str,
    *,
    move_destination: str = "",
    bind_address: str = "",
) -> list[Check]:
    destination = move_destination or peer.calling_ae
    checks = [tcp_reach(peer)]
    if not checks[0].ok:
        return [*checks, *_skipped("C-ECHO", "our receiver port", "node reaches us")]
    result = echo(peer)
    checks.append(
        Check(
            "C-ECHO",
            result.ok,
            f"{peer.describe()} answered C-ECHO from '{peer.calling_ae}' "
            f"in {result.round_trip_ms:.1f} ms"
            if result.ok
            else f"C-ECHO to {peer.describe()} failed: {result.reason}",
        )
    )
    try:
        sink = RetrieveSink.open(
            settings,
            data_dir,
            use_get=False,
            originator_ae=peer.calling_ae,
            receive_ae=destination,
            bind_address=bind_address,
        )
    except NetworkError as exc:
        checks.append(Check("our receiver port", False, str(exc)))
        return [*checks, *_skipped("node reaches us")]
    try:
        port = sink.receive_port
        checks.append(
            Check(
                "our receiver port",
                True,
                f"The running station listens on port {port}"
                if sink.mode == "claim"
                else f"Port {port} is free; this check listened on it as '{destination}'",
            )
        )
        checks.append(_reach_back(peer, destination, sink))
    finally:
        sink.close()
    return checks


def _skipped(*names: str) -> list[Check]:
    return [Check(name, None, "not checked (an earlier check failed)") for name in names]


def _reach_back(peer: Peer, destination: str, sink: RetrieveSink) -> Check:
    name = "node reaches us"
    try:
        keys = _first_instance(peer)
    except QueryNotSupported as exc:
        return Check(name, None, f"Not applicable: {exc}")
    except QueryError as exc:
        return Check(name, False, str(exc))
    if keys is None:
        # An empty move proves nothing: Orthanc answers 0xC000 to a UID it does not hold
        # whether it knows the destination or not.
        return Check(
            name,
            None,
            "The archive holds no instance to test the delivery with: store one there, "
            "then run the check again",
        )
    message_id = 4242
    sink.expect(message_id=message_id, uids={keys["SOPInstanceUID"]})
    started = time.monotonic()
    result = move(
        peer, destination, "IMAGE", keys, msg_id=message_id, receive_port=sink.receive_port
    )
    if result.status not in (0x0000, 0xB000) or result.failed:
        return Check(name, False, result.reason)
    deadline = time.monotonic() + ARRIVAL_SECONDS
    while sink.received() < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    if sink.received() < 1:
        return Check(
            name,
            False,
            explain_nothing_arrived(peer, destination, result.completed, 0, sink.receive_port),
        )
    elapsed_ms = (time.monotonic() - started) * 1000.0
    return Check(
        name,
        True,
        f"The archive delivered a test instance to '{destination}' on port "
        f"{sink.receive_port} in {elapsed_ms:.0f} ms",
    )
