"""``rtstation retrieve`` / ``move`` against a real Orthanc loaded with two RT patients.

P1 and P2 each have one CT series, one structure set and two plans (one approved, one
not) with a dose each. The station is the move destination Orthanc knows as RTSTATION.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydicom import dcmread

from rtstation.cli.main import main
from rtstation.dicom.rt_tree import build_tree
from rtstation.dicom.scan import scan
from rtstation.station import retrieval
from tests.data.generator import GeneratedStudy, PlanSpec, StudySpec, write_study
from tests.peers.peers import HOST, Orthanc, StoreSCP, free_port
from tests.peers.station_proc import StationProcess, write_settings

pytestmark = pytest.mark.peers


@dataclass
class Archive:
    pacs: Orthanc
    studies: dict[str, GeneratedStudy]
    config: Path
    port: int  # the station's receiver port, as Orthanc knows RTSTATION

    def args(self, *extra: str) -> list[str]:
        return retrieve_args(self.config, self.pacs.port, self.pacs.ae_title, *extra)


def retrieve_args(
    config: Path, archive_port: int, called_ae: str, *extra: str, calling_ae: str = "RTSTATION"
) -> list[str]:
    """The options of a retrieve from the archive at ``archive_port`` (after the command)."""
    return [
        "--config",
        str(config),
        *extra,
        "--hostName",
        HOST,
        "--hostPort",
        str(archive_port),
        "--callingAet",
        calling_ae,
        "--calledAet",
        called_ae,
    ]


def _uids(folder: Path) -> set[str]:
    return {str(dcmread(p, stop_before_pixels=True).SOPInstanceUID) for p in folder.iterdir()}


def _bundle(study: GeneratedStudy, plan_index: int) -> set[str]:
    assert study.structure_set_uid is not None
    return {
        *study.image_uids,
        study.structure_set_uid,
        study.plan_uids[plan_index],
        *study.dose_uids_by_plan[plan_index],
    }


def _all(study: GeneratedStudy) -> set[str]:
    return {str(dcmread(p, stop_before_pixels=True).SOPInstanceUID) for p in study.all_paths}


@pytest.fixture
def archive(orthanc: Callable[..., Orthanc], tmp_path: Path) -> Archive:
    port = free_port()
    pacs = orthanc(modalities={"rtstation": ("RTSTATION", HOST, port)})
    studies = {}
    for patient_id, machine in (("P1", "TrueBeam1"), ("P2", "TrueBeam2")):
        spec = StudySpec(
            patient_id=patient_id,
            patient_name=f"Patient^{patient_id}",
            slices=4,
            rows=16,
            columns=16,
            plans=(
                PlanSpec(label=f"{patient_id}_APP", machine=machine),
                PlanSpec(label=f"{patient_id}_UNAPP", machine=machine, approval="UNAPPROVED"),
            ),
        )
        study = write_study(tmp_path / "source" / patient_id, spec)
        pacs.upload(study.root)
        studies[patient_id] = study
    config = tmp_path / "config"
    write_settings(config, port=port)
    return Archive(pacs, studies, config, port)


def test_retrieve_two_patients_by_move_writes_a_folder_each(
    archive: Archive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "OUT"
    code = main(["retrieve", *archive.args("--patientId", "P1;P2", "--path", str(out))])
    captured = capsys.readouterr()
    assert code == 0, captured
    assert sorted(p.name for p in out.iterdir()) == ["P1", "P2"]
    for patient_id, study in archive.studies.items():
        assert _uids(out / patient_id) == _all(study)
    # The staging folder is gone once the data was copied.
    retrievals = archive.config / "data" / "retrievals"
    assert not retrievals.exists() or not any(retrievals.iterdir())


def test_plan_id_narrows_to_that_bundle_and_show_tree_shows_it(
    archive: Archive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "OUT"
    args = archive.args(
        "--patientId", "P1", "--planId", "P1_UNAPP", "--showTree", "--path", str(out)
    )
    assert main(["retrieve", *args]) == 0
    assert _uids(out / "P1") == _bundle(archive.studies["P1"], 1)
    printed = capsys.readouterr().out
    assert "RTPLAN P1_UNAPP" in printed and "P1_APP" not in printed


def test_plan_id_by_uid_and_only_approved(archive: Archive, tmp_path: Path) -> None:
    study = archive.studies["P2"]
    out = tmp_path / "OUT"
    assert (
        main(
            [
                "retrieve",
                *archive.args("--patientId", "P2", "--onlyApprovedPlans", "--path", str(out)),
            ]
        )
        == 0
    )
    assert _uids(out / "P2") == _bundle(study, 0)
    # The unapproved plan asked for by UID, with only approved: nothing matches, in words.
    out2 = tmp_path / "OUT2"
    args = archive.args(
        "--patientId",
        "P2",
        "--planId",
        study.plan_uids[1],
        "--onlyApprovedPlans",
        "--path",
        str(out2),
    )
    assert main(["retrieve", *args]) == 1
    assert not (out2 / "P2").exists()


def test_retrieve_with_the_patient_root_model(archive: Archive, tmp_path: Path) -> None:
    out = tmp_path / "OUT"
    args = archive.args(
        "--patientId", "P2", "--planId", "P2_UNAPP", "--queryModel", "patient", "--path", str(out)
    )
    assert main(["retrieve", *args]) == 0
    assert _uids(out / "P2") == _bundle(archive.studies["P2"], 1)


def test_retrieve_by_c_get(archive: Archive, tmp_path: Path) -> None:
    out = tmp_path / "OUT"
    args = archive.args(
        "--patientId",
        "P1;P2",
        "--planId",
        "P1_APP",
        "--planId",
        "P2_APP",
        "--get",
        "--path",
        str(out),
    )
    assert main(["retrieve", *args]) == 0
    assert _uids(out / "P1") == _bundle(archive.studies["P1"], 0)
    assert _uids(out / "P2") == _bundle(archive.studies["P2"], 0)


def test_retrieve_beside_a_running_station_goes_through_its_receiver(
    archive: Archive, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The serve process owns the port: the retrieve claims the instances; none is stored
    in the station (so no rule sees them) and no second listener is started."""
    out = tmp_path / "OUT"
    caplog.set_level("INFO", logger="rtstation.station.retrieve_sink")
    with StationProcess(archive.config, port=archive.port).start() as station:
        args = archive.args("--patientId", "P1", "--planId", "P1_APP", "--path", str(out))
        assert main(["retrieve", *args]) == 0
        assert _uids(out / "P1") == _bundle(archive.studies["P1"], 0)
        stored = [p for p in station.storage.rglob("*.dcm")] if station.storage.exists() else []
        assert stored == []
        assert "Traceback" not in station.log()
    assert f"Retrieve receives by claim (port {archive.port})" in caplog.text


def test_wrong_move_destination_is_explained(
    archive: Archive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = archive.args(
        "--patientId", "P1", "--moveDestination", "NOBODY", "--path", str(tmp_path / "OUT")
    )
    assert main(["retrieve", *args]) == 1
    err = capsys.readouterr().err
    assert "could not carry out the move to 'NOBODY' (0xC000)" in err
    assert (
        "check that 'NOBODY' is among the archive's DICOM nodes with this computer and "
        f"port {archive.port}" in err
    )


def test_port_mismatch_is_explained(
    orthanc: Callable[..., Orthanc],
    storescp: Callable[..., StoreSCP],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Orthanc has RTSTATION at a port where another receiver listens: the move succeeds
    and nothing reaches us (the classic port mismatch)."""
    # Nothing can arrive here, so waiting the full grace for late arrivals proves nothing.
    monkeypatch.setattr(retrieval, "ARRIVAL_GRACE_SECONDS", 1.0)
    other_port, our_port = free_port(), free_port()
    pacs = orthanc(modalities={"rtstation": ("RTSTATION", HOST, other_port)})
    study = write_study(tmp_path / "src", StudySpec(patient_id="P1", slices=2, rows=8, columns=8))
    pacs.upload(study.root)
    config = tmp_path / "config"
    write_settings(config, port=our_port)
    # Something else takes the instances at the port Orthanc has for RTSTATION.
    storescp(ae_title="RTSTATION", port=other_port)
    args = retrieve_args(
        config, pacs.port, pacs.ae_title, "--patientId", "P1", "--path", str(tmp_path / "OUT")
    )
    code = main(["retrieve", *args])
    assert code == 1
    err = capsys.readouterr().err
    assert f"but 0 arrived at this station's receiver on port {our_port}" in err
    assert f"(it must be this computer and port {our_port})" in err


def test_dead_archive_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dead = free_port()
    config = tmp_path / "config"
    write_settings(config, port=free_port())
    args = retrieve_args(
        config, dead, "ORTHANC", "--patientId", "P1", "--path", str(tmp_path / "OUT")
    )
    code = main(["retrieve", *args])
    assert code == 1
    err = capsys.readouterr().err
    assert f"Cannot reach the archive 'ORTHANC' at 127.0.0.1:{dead}: connection refused" in err


def test_archive_that_does_not_know_us_is_explained(
    orthanc: Callable[..., Orthanc], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pacs = orthanc()
    config = tmp_path / "config"
    write_settings(config, port=free_port())
    args = retrieve_args(
        config,
        pacs.port,
        pacs.ae_title,
        "--patientId",
        "P1",
        "--path",
        str(tmp_path / "OUT"),
        calling_ae="STRANGER",
    )
    code = main(["retrieve", *args])
    assert code == 1
    err = capsys.readouterr().err
    assert "check that the archive knows this station's calling AE 'STRANGER'" in err


def test_move_series_and_plan_to_a_third_ae(
    archive: Archive, storescp: Callable[..., StoreSCP], capsys: pytest.CaptureFixture[str]
) -> None:
    scp = storescp(ae_title="THIRD")
    archive.pacs.add_modality("third", "THIRD", HOST, scp.port)
    study = archive.studies["P1"]
    code = main(
        [
            "move",
            *archive.args(
                "--level", "SERIES", "--uid", study.image_series_uid, "--destination", "THIRD"
            ),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"{len(study.image_uids)} completed, 0 failed, 0 warning" in out
    scp.wait_for(len(study.image_uids))
    plan_uid = study.plan_uids[1]
    code = main(
        ["move", *archive.args("--level", "IMAGE", "--uid", plan_uid, "--destination", "THIRD")]
    )
    assert code == 0
    assert "1 completed, 0 failed, 0 warning" in capsys.readouterr().out
    received = scp.wait_for(len(study.image_uids) + 1)
    uids = {str(dcmread(p, stop_before_pixels=True).SOPInstanceUID) for p in scp.received_files()}
    assert uids == {*study.image_uids, plan_uid}
    assert len(received) == len(study.image_uids) + 1


def test_move_to_unknown_destination_reports_counts_and_reason(
    archive: Archive, capsys: pytest.CaptureFixture[str]
) -> None:
    study = archive.studies["P1"]
    code = main(
        [
            "move",
            *archive.args(
                "--level", "SERIES", "--uid", study.image_series_uid, "--destination", "NOBODY"
            ),
        ]
    )
    assert code == 1
    captured = capsys.readouterr()
    assert "0 completed" in captured.out
    assert "'NOBODY' (0xC000)" in captured.err


@pytest.fixture
def silent_archive() -> Iterator[int]:
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
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, name="silent-archive")
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_archive_that_never_answers_is_a_timeout_in_words(
    silent_archive: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config"
    write_settings(config, port=free_port())
    code = main(
        [
            "retrieve",
            "--config",
            str(config),
            "--patientId",
            "P1",
            "--path",
            str(tmp_path / "OUT"),
            "--hostName",
            HOST,
            "--hostPort",
            str(silent_archive),
            "--calledAet",
            "ORTHANC",
            "--timeout",
            "1",
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert f"Cannot reach the archive 'ORTHANC' at 127.0.0.1:{silent_archive}: timed out" in err


def test_cancel_stops_before_the_next_move_and_leaves_nothing_behind(
    archive: Archive, tmp_path: Path
) -> None:
    """Cancelled while P2 is queried: P1 is complete, P2 gets no folder, staging is gone."""
    from rtstation.config import load_station_config
    from rtstation.net.peer import Peer
    from rtstation.station.retrieval import PatientRetriever, RetrieveOptions, RetrieveProgress

    paths, settings, _rules = load_station_config(str(archive.config))
    cancelled: list[bool] = []
    phases: list[tuple[str, str]] = []

    def progress(p: RetrieveProgress) -> None:
        phases.append((p.patient_id, p.phase))
        if p.patient_id == "P2" and p.phase == "query":
            cancelled.append(True)

    options = RetrieveOptions(
        peer=Peer(archive.pacs.ae_title, HOST, archive.pacs.port, calling_ae="RTSTATION"),
        output=tmp_path / "OUT",
    )
    retriever = PatientRetriever(
        settings, paths.data_dir, options, progress=progress, should_cancel=lambda: bool(cancelled)
    )
    reports = retriever.retrieve(["P1", "P2"])
    assert [(r.patient_id, r.ok, r.cancelled) for r in reports] == [
        ("P1", True, False),
        ("P2", False, True),
    ]
    assert ("P1", "copy") in phases and ("P2", "retrieve") not in phases
    assert sorted(p.name for p in (tmp_path / "OUT").iterdir()) == ["P1"]
    staging = Path(paths.data_dir) / "retrievals"
    assert not any(staging.iterdir())


@pytest.fixture
def stalling_archive() -> Iterator[int]:
    """A Q/R SCP (pynetdicom) that accepts C-FIND and C-MOVE and then never answers them."""
    from pynetdicom import AE, evt
    from pynetdicom.sop_class import (  # type: ignore[attr-defined]
        StudyRootQueryRetrieveInformationModelFind,
        StudyRootQueryRetrieveInformationModelMove,
    )

    release = threading.Event()

    def stall(_event: object) -> Iterator[object]:
        release.wait(30)
        yield 0xC000, None

    def stall_move(_event: object) -> Iterator[object]:
        release.wait(30)
        yield ("127.0.0.1", 1)
        yield 0

    ae = AE("STALL")
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelFind)
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelMove)
    server = ae.start_server(
        (HOST, 0), block=False, evt_handlers=[(evt.EVT_C_FIND, stall), (evt.EVT_C_MOVE, stall_move)]
    )
    yield server.server_address[1]
    release.set()
    server.shutdown()


def test_archive_that_does_not_answer_a_query_or_move_is_a_timeout_in_words(
    stalling_archive: int,
) -> None:
    from rtstation.net.peer import Peer
    from rtstation.net.query import QueryError, find
    from rtstation.net.retrieve import move

    peer = Peer("STALL", HOST, stalling_archive, dimse_timeout=1.0)
    with pytest.raises(QueryError) as raised:
        find(peer, "STUDY", {"PatientID": "P1"})
    assert str(raised.value) == (
        f"The archive 'STALL' at 127.0.0.1:{stalling_archive} did not answer the STUDY query "
        "within 1 s: it may be overloaded or still working; check its log, or try again with "
        "a longer --timeout"
    )
    result = move(peer, "RTSTATION", "STUDY", {"StudyInstanceUID": "1.2.3"})
    assert result.status is None and not result.ok
    assert result.reason == (
        f"The archive 'STALL' at 127.0.0.1:{stalling_archive} did not answer the move to "
        "'RTSTATION' within 1 s: it may be overloaded or still working; check its log, or try "
        "again with a longer --timeout"
    )


def test_retrieve_anonymize_writes_anonymized_bundles(archive: Archive, tmp_path: Path) -> None:
    """``--anonymize``: OUT holds the plan's bundle anonymized, references intact, and
    nothing of the patient's identity (the archive's copy is of course unchanged)."""
    out = tmp_path / "OUT"
    args = archive.args(
        "--patientId",
        "P1",
        "--planId",
        "P1_APP",
        "--anonymize",
        "--newPatientId",
        "ANON1",
        "--newPatientName",
        "Anon^One",
        "--path",
        str(out),
        "--json",
    )
    assert main(["retrieve", *args]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["ANON1", "ANON1-anonymization-report.json"]
    study = archive.studies["P1"]
    folder = out / "ANON1"
    data = b"".join(p.read_bytes() for p in folder.iterdir())
    # "P1" itself is too short to be told from other text; its name and UIDs are not
    for value in (study.patient_name, study.study_uid, study.frame_of_reference_uid):
        assert value.encode() not in data, value
    for uid in _bundle(study, 0):
        assert uid.encode() not in data, uid
    result = scan([folder])
    assert not result.problems
    (plan,) = build_tree(result.headers).plans
    assert plan.patient_id == "ANON1"
    assert plan.completeness.summary() == "CT 4/4, RS, RD"
    assert len(_uids(folder)) == len(_bundle(study, 0))
    report = json.loads((out / "ANON1-anonymization-report.json").read_text(encoding="utf-8"))
    assert len(report["files_written"]) == len(_bundle(study, 0)) and not report["refused"]
