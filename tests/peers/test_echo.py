"""net.echo: each way an echo can fail gets its own words."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from rtstation.net.echo import echo
from rtstation.net.peer import Peer
from tests.peers.peers import HOST, Orthanc, StoreSCP, free_port


def test_live_storescp_answers_with_round_trip(storescp: Callable[..., StoreSCP]) -> None:
    scp = storescp()
    result = echo(Peer(scp.ae_title, HOST, scp.port))
    assert result.ok and result.status == 0
    assert result.round_trip_ms is not None and 0 < result.round_trip_ms < 5000
    assert result.reason.startswith("the peer answered with status 0x0000 (success) in ")


def test_live_orthanc_answers(orthanc: Callable[..., Orthanc]) -> None:
    pacs = orthanc()
    assert echo(Peer(pacs.ae_title, HOST, pacs.port)).ok


def test_closed_port_is_connection_refused() -> None:
    port = free_port()
    result = echo(Peer("ANY", HOST, port))
    assert not result.ok and result.round_trip_ms is None and result.retryable
    assert result.reason == f"connection refused (nothing listening on 127.0.0.1:{port})"


def test_wrong_called_ae_is_rejected_in_words(orthanc: Callable[..., Orthanc]) -> None:
    pacs = orthanc(extra_config={"DicomCheckCalledAet": True})
    result = echo(Peer("WRONG_AE", HOST, pacs.port))
    assert not result.ok and not result.retryable
    assert result.reason == (
        "association rejected by the peer: called AE title 'WRONG_AE' not recognised"
    )
    assert echo(Peer(pacs.ae_title, HOST, pacs.port)).ok


def test_peer_refusing_every_association(storescp: Callable[..., StoreSCP]) -> None:
    scp = storescp(extra_args=["--refuse"])
    result = echo(Peer(scp.ae_title, HOST, scp.port))
    assert not result.ok and not result.retryable
    assert result.reason == "association rejected by the peer: no reason given"


def test_a_rejection_the_requesting_thread_sees_late_is_still_a_rejection(
    storescp: Callable[..., StoreSCP], monkeypatch: pytest.MonkeyPatch
) -> None:
    """pynetdicom race (it failed test_peer_refusing_every_association about once in 15
    here): storescp --refuse answers A-ASSOCIATE-RJ and closes at once; when pynetdicom's
    network thread has queued the RJ and closed the socket before the requesting thread
    looks, that thread sees a closed socket and aborts, leaving the RJ unread. A permanent
    refusal then read as "aborted", which is retried. Forced here: the requesting thread
    looks only after the RJ is queued and the socket closed."""
    from pynetdicom.acse import ACSE

    real_send_request = ACSE.send_request

    def look_late(self: ACSE) -> None:
        real_send_request(self)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sock = self.socket
            if not self.dul.to_user_queue.empty() and sock is not None and not sock._is_connected:
                return
            time.sleep(0.005)
        raise AssertionError("the peer's answer did not arrive")

    monkeypatch.setattr(ACSE, "send_request", look_late)
    scp = storescp(extra_args=["--refuse"])
    result = echo(Peer(scp.ae_title, HOST, scp.port))
    assert not result.ok and not result.retryable
    assert result.reason == "association rejected by the peer: no reason given"


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A TCP listener that accepts connections and never says a word."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind((HOST, 0))
    server.listen(4)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    server.close()


def test_silent_peer_times_out(silent_listener: int) -> None:
    result = echo(Peer("ANY", HOST, silent_listener, acse_timeout=1.0))
    assert not result.ok and result.retryable
    assert result.reason == (
        "timed out: the receiver at 127.0.0.1:"
        f"{silent_listener} did not answer in time: no answer to the association request"
    )


def test_invalid_settings_are_reported_not_raised() -> None:
    result = echo(Peer("", HOST, free_port()))
    assert not result.ok and not result.retryable
    assert result.reason.startswith("the destination settings cannot be used")
