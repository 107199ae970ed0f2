"""Admission hardening of the receiver against a real ``rtstation serve`` (issue 10).

Hostile peers are raw loopback sockets; legitimate senders are DCMTK storescu. Each test
waits on the event that proves the decision: a socket closed by the station (recv returns
b"" or the A-ABORT), a store acknowledged, a log line, never on a sleep alone.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

from tests.data.generator import StudySpec, write_study
from tests.peers.peers import HOST, storescu, storescu_acknowledged
from tests.peers.raw_dul import associate_rq
from tests.peers.station_proc import StationProcess, write_settings


def _wait_for_log(station: StationProcess, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = station.log()
        if text in log:
            return log
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in the station's log:\n{station.log()[-5000:]}")


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _closed_within(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the station closed ``sock`` (reading and dropping what it sends)."""
    start = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - start < seconds:
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return time.monotonic() - start
        if not data:
            return time.monotonic() - start
    return None


@contextlib.contextmanager
def _silent_sockets(port: int, count: int) -> Iterator[list[socket.socket]]:
    sockets = [_connect(port) for _ in range(count)]
    try:
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def _study(tmp_path: Path) -> tuple[Path, ...]:
    return write_study(tmp_path / "study", StudySpec(slices=3, rows=16, columns=16)).all_paths


def test_silent_connections_take_no_slot_and_are_closed_after_the_timeout(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(
        config,
        port=station.port,
        extra="allow_list_enabled = True\nallowed_calling_aes = FOLLOW@127.0.0.1\n"
        "max_associations = 4\nassociation_request_timeout = 2\n",
    )
    files = _study(tmp_path)
    with station, _silent_sockets(station.port, 20) as silent:
        started = time.monotonic()
        result = storescu(files, station.port, calling_ae="FOLLOW", called_ae="RTSTATION")
        assert len(storescu_acknowledged(result)) == len(files)
        # through at once: long before any silent connection's 2 s are up
        assert time.monotonic() - started < 2.0, result.stderr[-3000:]
        closed = [_closed_within(sock, 10.0) for sock in silent]
        assert all(c is not None for c in closed), closed
        assert max(c for c in closed if c is not None) + (time.monotonic() - started) < 15
        _wait_for_log(station, "it sent no association request within 2 s")


def test_a_trickled_association_request_is_closed_after_the_timeout(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra="association_request_timeout = 1.5\n")
    request = associate_rq()
    with station:
        sock = _connect(station.port)
        started = time.monotonic()
        sock.settimeout(0.3)
        closed_after = None
        for byte in request:  # one byte every 0.3 s: never complete within 1.5 s
            try:
                sock.sendall(bytes([byte]))
                if sock.recv(65536) == b"":
                    closed_after = time.monotonic() - started
                    break
            except TimeoutError:
                continue
            except OSError:
                closed_after = time.monotonic() - started
                break
        sock.close()
        assert closed_after is not None and closed_after < 5.0, closed_after
        _wait_for_log(station, "did not send a complete association request within 1.5 s")


def test_max_associations_limits_admitted_associations(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra="max_associations = 1\n")
    with station:
        held = _connect(station.port)
        held.sendall(associate_rq())
        assert held.recv(1)[:1] == b"\x02"  # A-ASSOCIATE-AC: it holds the one slot
        second = _connect(station.port)
        second.sendall(associate_rq())
        reply = second.recv(10)
        # A-ASSOCIATE-RJ, rejected-transient (2), service provider presentation (3), local
        # limit exceeded (2)
        assert reply[:1] == b"\x03" and reply[7:10] == b"\x02\x03\x02", reply
        _wait_for_log(station, "the most max_associations allows")
        held.close()
        second.close()


def test_oversized_pdu_headers_are_refused_before_their_body_is_read(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port)
    with station:
        assert station.proc is not None
        baseline = _rss_kib(station.proc.pid)
        for pdu_type in (0x01, 0x04):  # an association request, a P-DATA before any
            sock = _connect(station.port)
            sock.sendall(bytes([pdu_type, 0]) + struct.pack(">I", 0xFFFFFFF0))
            sent = 0
            zeros = b"\x00" * (1024 * 1024)
            with contextlib.suppress(OSError):
                while sent < 200 * 1024 * 1024:
                    sock.sendall(zeros)
                    sent += len(zeros)
            assert sent < 200 * 1024 * 1024, "the station read 200 MB of a hostile PDU"
            assert _closed_within(sock, 10.0) is not None
            sock.close()
            grown = _rss_kib(station.proc.pid) - baseline
            assert grown < 20 * 1024, f"the station grew by {grown} KiB"
        _wait_for_log(station, "more than the 65536 bytes allowed")


def test_an_oversized_p_data_pdu_inside_an_association_is_refused(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port)
    with station:
        assert station.proc is not None
        baseline = _rss_kib(station.proc.pid)
        sock = _connect(station.port)
        sock.sendall(associate_rq())
        assert sock.recv(1) == b"\x02"
        sock.sendall(b"\x04\x00" + struct.pack(">I", 0xFFFFFFF0))
        sent = 0
        with contextlib.suppress(OSError):
            while sent < 200 * 1024 * 1024:
                sock.sendall(b"\x00" * (1024 * 1024))
                sent += 1024 * 1024
        assert sent < 200 * 1024 * 1024
        sock.close()
        assert _rss_kib(station.proc.pid) - baseline < 20 * 1024
        _wait_for_log(station, "P-DATA-TF PDU of 4294967280 bytes")


def test_an_even_presentation_context_id_is_aborted_with_one_log_line(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra="max_associations = 1\n")
    files = _study(tmp_path)
    with station:
        sock = _connect(station.port)
        sock.sendall(associate_rq(context_id=2))
        reply = sock.recv(10)
        assert reply[:1] == b"\x07", reply  # A-ABORT
        assert _closed_within(sock, 5.0) is not None
        sock.close()
        log = _wait_for_log(station, "its association request is malformed")
        assert "odd integer" in log
        assert "Traceback" not in log
        # the one slot is free at once
        result = storescu(files, station.port, called_ae="RTSTATION")
        assert len(storescu_acknowledged(result)) == len(files)


def test_allow_list_host_names_are_resolved_and_a_wrong_host_is_named(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(
        config,
        port=station.port,
        extra="allow_list_enabled = True\nallowed_calling_aes = MOSAIQ@localhost, ARIA@192.0.2.7\n",
    )
    files = _study(tmp_path)
    with station:
        log = _wait_for_log(station, "Allow-list host 'localhost' resolves to")
        assert (
            "127.0.0.1" in log.split("Allow-list host 'localhost' resolves to")[1].splitlines()[0]
        )
        accepted = storescu(files, station.port, calling_ae="MOSAIQ", called_ae="RTSTATION")
        assert len(storescu_acknowledged(accepted)) == len(files)
        refused = storescu(
            files, station.port, calling_ae="ARIA", called_ae="RTSTATION", check=False
        )
        assert not storescu_acknowledged(refused)
        _wait_for_log(station, "AE 'ARIA' is allowed only from 192.0.2.7, not from 127.0.0.1")


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def test_one_connection_more_than_may_wait_closes_the_oldest_waiting(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra="association_request_timeout = 60\n")
    files = _study(tmp_path)
    port = station.port
    with station, _silent_sockets(port, 64) as waiting, _silent_sockets(port, 1) as (newest,):
        # long before their 60 s, one of the 64 older ones is closed, not the newest
        readable, _, _ = select.select(waiting, [], [], 10.0)
        closed = [s for s in readable if _closed_within(s, 2.0) is not None]
        assert closed, "no waiting connection was closed"
        assert _is_open(newest)
        _wait_for_log(station, "connections were waiting for theirs (the most allowed)")
        result = storescu(files, station.port, called_ae="RTSTATION")
        assert len(storescu_acknowledged(result)) == len(files)


def _is_open(sock: socket.socket) -> bool:
    """Not closed by the station at this moment (no data, no EOF waiting to be read)."""
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)
