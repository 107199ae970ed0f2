"""``rtstation store``: machine mapping on copies, ARIA order, stop on refusal and resume."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydicom import dcmread

from rtstation.cli.main import main
from tests.data.generator import GeneratedStudy, PlanSpec, StudySpec, write_study
from tests.peers.peers import HOST, RT_DOSE_STORAGE, Orthanc, StoreSCP, free_port

pytestmark = pytest.mark.peers


def _study(root: Path) -> GeneratedStudy:
    spec = StudySpec(
        patient_id="P1",
        slices=3,
        rows=16,
        columns=16,
        plans=(
            PlanSpec(label="A", machine="TrueBeam1", beams=3),
            PlanSpec(label="B", machine="TrueBeam1", approval="UNAPPROVED"),
        ),
    )
    return write_study(root, spec)


def _args(config: Path, port: int, ae: str, *extra: str) -> list[str]:
    return [
        "store",
        "--config",
        str(config),
        *extra,
        "--hostName",
        HOST,
        "--hostPort",
        str(port),
        "--callingAet",
        "RTSTATION",
        "--calledAet",
        ae,
    ]


def _machines(ds_bytes: bytes) -> list[str]:
    from io import BytesIO

    ds = dcmread(BytesIO(ds_bytes))
    return [str(b.TreatmentMachineName) for b in ds.BeamSequence]


def test_mapping_rewrites_every_beam_of_a_copy_and_resumes_from_the_status_file(
    orthanc: Callable[..., Orthanc], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _study(tmp_path / "P1")
    originals = {p: p.read_bytes() for p in study.all_paths}
    config = tmp_path / "config"
    status = tmp_path / "s.txt"
    mapping = ("--machineMapping", "TrueBeam1=TB_NEW", "--statusFileName", str(status))

    # First run: the archive refuses doses, so the store stops at the first dose.
    refusing = orthanc(refuse_sop_classes=[RT_DOSE_STORAGE])
    code = main(
        _args(config, refusing.port, refusing.ae_title, "--path", str(study.root), *mapping)
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "stopped at '" in captured.err and "RD" in captured.err.split("stopped at '")[1]
    first_run = set(status.read_text().split())
    expected_first = {*study.image_paths, study.structure_set_path, *study.plan_paths}
    assert first_run == {str(p.resolve()) for p in expected_first}

    # Rerun into a second archive: only the rest (the doses) is sent.
    pacs = orthanc()
    code = main(_args(config, pacs.port, pacs.ae_title, "--path", str(study.root), *mapping))
    assert code == 0, capsys.readouterr()
    assert pacs.sop_instance_uids() == set(study.dose_uids)
    assert set(status.read_text().split()) == {str(p.resolve()) for p in study.all_paths}

    # A full store without a status file: Orthanc's plan copies carry TB_NEW in every beam.
    pacs.delete_all()
    code = main(
        _args(
            config,
            pacs.port,
            pacs.ae_title,
            "--path",
            str(study.root),
            "--machineMapping",
            "TrueBeam1=TB_NEW",
        )
    )
    assert code == 0
    for plan_uid in study.plan_uids:
        orthanc_id = pacs.instance_id(plan_uid)
        assert orthanc_id is not None
        machines = _machines(pacs.instance_file(orthanc_id))
        assert machines and set(machines) == {"TB_NEW"}
    # The files in --path are byte for byte what they were.
    assert {p: p.read_bytes() for p in study.all_paths} == originals


def test_store_sends_in_aria_order(storescp: Callable[..., StoreSCP], tmp_path: Path) -> None:
    study = _study(tmp_path / "P1")
    scp = storescp()
    assert main(_args(tmp_path / "config", scp.port, scp.ae_title, "--path", str(study.root))) == 0
    scp.wait_for(len(study.all_paths))
    modalities = [str(dcmread(p, stop_before_pixels=True).Modality) for p in scp.received_files()]
    assert len(modalities) == len(study.all_paths)
    ranks = {"CT": 0, "RTSTRUCT": 1, "RTPLAN": 2, "RTDOSE": 3}
    assert [ranks[m] for m in modalities] == sorted(ranks[m] for m in modalities)


def test_continue_on_error_goes_on_after_a_refusal(
    orthanc: Callable[..., Orthanc], tmp_path: Path
) -> None:
    study = _study(tmp_path / "P1")
    pacs = orthanc(refuse_sop_classes=[RT_DOSE_STORAGE])
    code = main(
        _args(
            tmp_path / "config",
            pacs.port,
            pacs.ae_title,
            "--path",
            str(study.root),
            "--continueOnError",
        )
    )
    assert code == 1  # something was refused
    stored = pacs.sop_instance_uids()
    assert stored == {*study.image_uids, study.structure_set_uid, *study.plan_uids}


def test_dry_run_prints_changes_and_sends_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _study(tmp_path / "P1")
    code = main(
        _args(
            tmp_path / "config",
            free_port(),
            "NOBODY",
            "--path",
            str(study.root),
            "--machineMapping",
            "TrueBeam1=TB_NEW",
            "--dryRun",
        )
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.count("machine 'TrueBeam1' -> 'TB_NEW'") == 2
    assert f"{len(study.all_paths)} file(s) to send, 0 already stored, 2 machine-name" in out


def test_dead_scp_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    study = _study(tmp_path / "P1")
    port = free_port()
    code = main(_args(tmp_path / "config", port, "NOBODY", "--path", str(study.root)))
    assert code == 1
    assert f"connection refused (nothing listening on 127.0.0.1:{port})" in (
        capsys.readouterr().err
    )


def test_status_file_in_a_missing_folder_is_refused_before_sending(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _study(tmp_path / "P1")
    missing = tmp_path / "nowhere" / "s.txt"
    code = main(
        _args(
            tmp_path / "config",
            free_port(),
            "X",
            "--path",
            str(study.root),
            "--statusFileName",
            str(missing),
        )
    )
    assert code == 2
    assert f"The folder of --statusFileName '{missing}' does not exist" in capsys.readouterr().err


def test_cancel_after_the_first_file_keeps_the_status_file_exact(
    storescp: Callable[..., StoreSCP], tmp_path: Path
) -> None:
    from rtstation.net.peer import Peer
    from rtstation.station.folder_store import plan_store, store_folder

    study = _study(tmp_path / "P1")
    scp = storescp()
    status = tmp_path / "s.txt"
    plan = plan_store(study.root, status_file=status)
    done: list[str] = []
    report = store_folder(
        Peer(scp.ae_title, HOST, scp.port),
        plan,
        status_file=status,
        on_item=lambda _d, _t, path, _o: done.append(path),
        should_cancel=lambda: bool(done),
    )
    assert report.cancelled and len(report.stored) == 1
    assert report.not_sent == len(study.all_paths) - 1
    assert status.read_text().split() == [str(Path(done[0]).resolve())]
    assert len(scp.wait_for(1)) == 1
    # The rerun sends only the rest.
    rest = plan_store(study.root, status_file=status)
    assert len(rest.entries) == len(study.all_paths) - 1 and len(rest.already_stored) == 1


def test_default_machines_name_the_beams_that_lost_theirs(
    orthanc: Callable[..., Orthanc], tmp_path: Path
) -> None:
    study = write_study(tmp_path / "P1", StudySpec(slices=1, rows=8, columns=8))
    plan_path = study.plan_paths[0]
    ds = dcmread(plan_path)
    for beam in ds.BeamSequence:
        del beam.TreatmentMachineName
        beam.ManufacturerModelName = "RDS"
    ds.save_as(plan_path)
    original = plan_path.read_bytes()
    pacs = orthanc()
    code = main(
        _args(
            tmp_path / "config",
            pacs.port,
            pacs.ae_title,
            "--path",
            str(study.root),
            "--defaultMachines",
            "RDS=HALCYON 23EX=D",
        )
    )
    assert code == 0
    orthanc_id = pacs.instance_id(study.plan_uids[0])
    assert orthanc_id is not None
    assert set(_machines(pacs.instance_file(orthanc_id))) == {"HALCYON"}
    assert plan_path.read_bytes() == original
