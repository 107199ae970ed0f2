"""``rtstation doctor``: three different situations, three different, correct diagnoses."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from rtstation.cli.main import main
from tests.data.generator import StudySpec, write_study
from tests.peers.peers import HOST, Orthanc, StoreSCP, free_port
from tests.peers.station_proc import node_section, write_settings

pytestmark = pytest.mark.peers


def _config(tmp_path: Path, station_port: int, archive_port: int) -> Path:
    config = tmp_path / "config"
    write_settings(
        config,
        port=station_port,
        extra=node_section(1, "ARCHIVE", archive_port, ae_title="ORTHANC"),
    )
    return config


def _doctor(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, dict]]:
    code = main(["doctor", "--config", str(config), "ARCHIVE", "--json"])
    checks = {c["check"]: c for c in json.loads(capsys.readouterr().out)}
    return code, checks


def test_live_orthanc_that_knows_us_passes_every_check(
    orthanc: Callable[..., Orthanc], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    pacs = orthanc(modalities={"rtstation": ("RTSTATION", HOST, port)})
    study = write_study(tmp_path / "src", StudySpec(slices=1, rows=8, columns=8))
    pacs.upload(study.root)
    code, checks = _doctor(_config(tmp_path, port, pacs.port), capsys)
    assert code == 0, checks
    assert [c["ok"] for c in checks.values()] == [True, True, True, True]
    assert checks["node reaches us"]["detail"].startswith(
        f"The archive delivered a test instance to 'RTSTATION' on port {port} in "
    )


def test_closed_port_is_diagnosed_as_nothing_listening(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = free_port()
    code, checks = _doctor(_config(tmp_path, free_port(), closed), capsys)
    assert code == 1
    assert checks["TCP reach"] == {
        "check": "TCP reach",
        "ok": False,
        "detail": f"Nothing listens on 127.0.0.1:{closed} (connection refused): the DICOM "
        "service is not running there, or the port is wrong",
    }
    assert checks["node reaches us"]["ok"] is None


def test_orthanc_that_does_not_know_the_station_is_diagnosed(
    orthanc: Callable[..., Orthanc], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pacs = orthanc()  # no DicomModalities: echo allowed, query and move refused
    code, checks = _doctor(_config(tmp_path, free_port(), pacs.port), capsys)
    assert code == 1
    assert checks["TCP reach"]["ok"] and checks["C-ECHO"]["ok"]
    assert checks["our receiver port"]["ok"]
    reach = checks["node reaches us"]
    assert reach["ok"] is False
    assert "check that the archive knows this station's calling AE 'RTSTATION'" in (reach["detail"])


def test_wrong_port_for_us_in_the_archive_is_diagnosed(
    orthanc: Callable[..., Orthanc], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    pacs = orthanc(modalities={"rtstation": ("RTSTATION", HOST, free_port())})
    study = write_study(tmp_path / "src", StudySpec(slices=1, rows=8, columns=8))
    pacs.upload(study.root)
    code, checks = _doctor(_config(tmp_path, port, pacs.port), capsys)
    assert code == 1
    assert checks["node reaches us"]["ok"] is False
    # Nothing listens where Orthanc sends: Orthanc's sub-operation fails.
    assert checks["node reaches us"]["detail"] == (
        f"The archive 'ORTHANC' at 127.0.0.1:{pacs.port} could not carry out the move to "
        "'RTSTATION' (0xC000): Orthanc answers this when it does not know the destination AE "
        "or cannot connect to it: check that 'RTSTATION' is among the archive's DICOM nodes "
        f"with this computer and port {port}, and that no firewall blocks connections from "
        "the archive to this computer"
    )


def test_storage_only_node_is_not_a_failure_of_the_move_back_check(
    storescp: Callable[..., StoreSCP], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scp = storescp()
    config = tmp_path / "config"
    write_settings(
        config, port=free_port(), extra=node_section(1, "ARCHIVE", scp.port, ae_title=scp.ae_title)
    )
    code, checks = _doctor(config, capsys)
    assert code == 0, checks
    assert checks["C-ECHO"]["ok"] is True
    reach = checks["node reaches us"]
    assert reach["ok"] is None
    assert (
        reach["detail"].startswith("Not applicable: ")
        and "not a Query/Retrieve" in (reach["detail"])
    )
