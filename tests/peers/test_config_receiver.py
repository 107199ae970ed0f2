"""Receiver settings of settings.ini against a real ``rtstation serve`` and DCMTK storescu.

bind_address: the station listens exactly where settings.ini says, and ``serve --bind``
wins over it. require_called_ae_title: a sender that calls another AE title is refused
with "called AE title not recognised", and the station's log says why.
"""

from __future__ import annotations

import time
from pathlib import Path

from tests.data.generator import StudySpec, write_study
from tests.peers.peers import storescu, storescu_acknowledged
from tests.peers.station_proc import StationProcess, write_settings


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the IPv4 sockets listening on ``port``, from /proc/net/tcp."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        address, _, hex_port = fields[1].partition(":")
        if fields[3] == "0A" and int(hex_port, 16) == port:
            octets = bytes.fromhex(address)[::-1]  # little-endian on every Linux we run
            found.add(".".join(str(octet) for octet in octets))
    return found


def _wait_for_log(station: StationProcess, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = station.log()
        if text in log:
            return log
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in the station's log:\n{station.log()}")


def test_bind_address_of_settings_ini_is_where_the_station_listens(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config, bind="")  # no --bind: settings.ini decides
    write_settings(config, port=station.port, extra="bind_address = 127.0.0.1\n")
    with station:
        assert _listening_addresses(station.port) == {"127.0.0.1"}


def test_serve_bind_wins_over_bind_address(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)  # --bind 127.0.0.1
    # an address the station could not listen on: only the flag lets it start at all
    write_settings(config, port=station.port, extra="bind_address = 192.0.2.1\n")
    with station:
        assert _listening_addresses(station.port) == {"127.0.0.1"}


def test_require_called_ae_title_refuses_another_called_ae(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra="require_called_ae_title = True\n")
    files = write_study(tmp_path / "s", StudySpec(slices=2)).all_paths
    with station:
        refused = storescu(
            files, station.port, calling_ae="FOLLOW", called_ae="ANY-SCP", check=False
        )
        assert refused.returncode != 0
        assert "called ae title not recognized" in refused.stderr.lower().replace(
            "recognised", "recognized"
        )
        log = _wait_for_log(station, "it called 'ANY-SCP', not this station's AE title")
        assert "require_called_ae_title is on" in log
        accepted = storescu(files, station.port, calling_ae="FOLLOW", called_ae="RTSTATION")
        assert len(storescu_acknowledged(accepted)) == len(files)


def test_serve_writes_the_configuration_warnings_to_its_log(tmp_path: Path):
    """Before: serve (and the GUI) logged the warnings of settings.ini and rules.ini before
    logging was set up, so its log never had them; only ``rtstation config`` showed them."""
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra="\n[Reciever]\nport = 104\n")
    with station:
        log = (config / "logs" / "rtstation.log").read_text()
    assert "section [Reciever] is not used by rtstation" in log
    assert "did you mean [Receiver]?" in log
