"""A full disk during receive (issue 10, item 5), on a small tmpfs as the storage folder.

The station runs in a private mount namespace (``unshare -m``) where a tmpfs of a few MB
is mounted over its storage folder; DCMTK storescu sends an image larger than that. The
test reads the station's storage through ``/proc/PID/root``, the station's own view of
the file systems. Before the fix pynetdicom's DUL thread died on ``OSError: [Errno 28]``,
storescu saw an abort, and the partial file stayed in ``.incoming``.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.data.generator import StudySpec, write_study
from tests.peers.peers import storescu, storescu_responses
from tests.peers.station_proc import StationProcess, query, write_settings

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="mount namespaces are Linux")


def _unshare() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail("util-linux 'unshare' is needed to mount a small tmpfs as storage")
    for argv in ([unshare, "--mount", "--propagation", "private"], [unshare, "-rm"]):
        if subprocess.run([*argv, "true"], capture_output=True).returncode == 0:
            return argv
    pytest.skip("this machine permits no private mount namespace to mount a tmpfs")


def _station_on_tmpfs(config: Path, size_mb: int, floor_mb: int) -> StationProcess:
    storage = config / "storage"
    storage.mkdir(parents=True)

    def launcher(argv: list[str]) -> list[str]:
        script = f"mount -t tmpfs -o size={size_mb}m tmpfs {shlex.quote(str(storage))} && "
        return [*_unshare(), "sh", "-c", script + "exec " + shlex.join(argv)]

    station = StationProcess(config, launcher=launcher)
    write_settings(config, port=station.port)
    text = (config / "settings.ini").read_text()
    (config / "settings.ini").write_text(
        text.replace("min_free_space_mb = 0", f"min_free_space_mb = {floor_mb}")
    )
    return station


def _seen_by_station(station: StationProcess, path: Path) -> Path:
    assert station.proc is not None
    return Path(f"/proc/{station.proc.pid}/root") / path.relative_to("/")


def _outcomes(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [outcome for _file, outcome in storescu_responses(result)]


def _big_and_small(tmp_path: Path, big_mb: int) -> tuple[Path, Path]:
    big = write_study(
        tmp_path / "big", StudySpec(patient_id="BIG", slices=1, frame_bytes=big_mb << 20)
    ).image_paths[0]
    small = write_study(
        tmp_path / "small", StudySpec(patient_id="SMALL", slices=1, rows=16, columns=16)
    ).image_paths[0]
    return big, small


@pytest.mark.parametrize(
    ("size_mb", "floor_mb", "big_mb", "words"),
    [
        (8, 0, 12, "is full"),  # the disk itself fills (ENOSPC)
        (16, 4, 20, "below the configured floor"),  # the floor is reached first
    ],
)
def test_an_instance_larger_than_the_space_gets_a700_and_receiving_goes_on(
    tmp_path: Path, size_mb: int, floor_mb: int, big_mb: int, words: str
):
    big, small = _big_and_small(tmp_path, big_mb)
    station = _station_on_tmpfs(tmp_path / "station", size_mb, floor_mb)
    with station:
        storage = _seen_by_station(station, station.storage)
        refused = storescu([big], station.port, calling_ae="FOLLOW", called_ae="RTSTATION")
        assert _outcomes(refused) == ["Refused: OutOfResources"], refused.stderr[-3000:]
        # the partial file is gone at once, not at the next sweep
        assert not [p for p in (storage / ".incoming").rglob("*") if p.is_file()]
        if floor_mb:
            free = shutil.disk_usage(storage).free
            assert free >= floor_mb << 20, f"the receive took free space down to {free} bytes"
        stored = storescu([small], station.port, calling_ae="FOLLOW", called_ae="RTSTATION")
        assert _outcomes(stored) == ["Success"], stored.stderr[-3000:]
        rows = query(station, "SELECT patient_id FROM instances")
        assert [r["patient_id"] for r in rows] == ["SMALL"]
        log = station.log()
        assert words in log and "(answered 0xA700)" in log
        assert "Errno 28" not in log and "Traceback" not in log
