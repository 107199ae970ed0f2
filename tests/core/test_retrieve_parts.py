"""The pieces of retrieve and store that need no network: claims, selection, mapping."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pydicom
import pytest

from rtstation.cli.main import main
from rtstation.dicom.machine_map import apply_default_machines
from rtstation.dicom.rt_tree import build_tree
from rtstation.dicom.scan import scan
from rtstation.net.receiver import Caller, StoreOrigin
from rtstation.station.folder_store import plan_store
from rtstation.station.retrieval import select_plans, split_patient_ids
from rtstation.station.retrieve_sink import RetrieveDiverter
from rtstation.storage.retrieve_claims import (
    ClaimRegistry,
    new_staging_dir,
    remove_claim,
    write_claim,
)
from tests.data.generator import PlanSpec, StudySpec, write_study


def test_patient_ids_split_on_semicolons_and_repeats() -> None:
    assert split_patient_ids(["P1;P2", " P3 ;", "P1"]) == ["P1", "P2", "P3"]
    assert split_patient_ids([";"]) == []


def test_select_plans_by_label_uid_and_approval(tmp_path: Path) -> None:
    spec = StudySpec(
        slices=2,
        rows=8,
        columns=8,
        plans=(
            PlanSpec(label="A"),
            PlanSpec(label="B", approval="UNAPPROVED"),
            PlanSpec(label="C", approval="REJECTED"),
        ),
    )
    study = write_study(tmp_path, spec)
    tree = build_tree(scan([tmp_path]).headers)
    labels = lambda bundles: [b.plan.plan_label for b in bundles]  # noqa: E731
    assert labels(select_plans(tree, ["B"], False)) == ["B"]
    assert labels(select_plans(tree, [study.plan_uids[2]], False)) == ["C"]
    assert labels(select_plans(tree, [], True)) == ["A"]
    assert labels(select_plans(tree, ["B"], True)) == []
    assert labels(select_plans(tree, ["A", "B"], False)) == ["A", "B"]


def test_claim_matches_by_move_originator_or_expected_uid(tmp_path: Path) -> None:
    claim_id, staging = new_staging_dir(tmp_path)
    write_claim(
        tmp_path,
        claim_id,
        staging,
        originator_ae="RTSTATION",
        message_ids=[77],
        sop_instance_uids=["1.2.3"],
    )
    registry = ClaimRegistry(tmp_path)
    assert registry.match("9.9", "RTSTATION", 77) is not None
    assert registry.match("9.9", "RTSTATION", 78) is None
    assert registry.match("9.9", "OTHER", 77) is None
    assert registry.match("1.2.3", "", None) is not None
    remove_claim(tmp_path, claim_id)
    assert registry.match("1.2.3", "", None) is None


def test_claim_of_a_dead_process_is_ignored(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    claim_id, staging = new_staging_dir(tmp_path)
    path = write_claim(
        tmp_path, claim_id, staging, originator_ae="A", message_ids=[1], sop_instance_uids=["1.2.3"]
    )
    path.write_text(path.read_text().replace(f'"pid": {os.getpid()}', f'"pid": {int(dead.stdout)}'))
    assert ClaimRegistry(tmp_path).match("1.2.3", "", None) is None


def test_diverter_hands_claimed_instances_to_the_staging_folder(tmp_path: Path) -> None:
    claim_id, staging = new_staging_dir(tmp_path)
    write_claim(tmp_path, claim_id, staging, originator_ae="RTSTATION", message_ids=[5])
    diverter = RetrieveDiverter(tmp_path)
    caller = Caller(1, "ORTHANC", "127.0.0.1")
    received = tmp_path / "tmp-received"
    received.write_bytes(b"dicom bytes")
    assert diverter.divert(caller, received, StoreOrigin("1.2.3", "RTSTATION", 5)) == 0
    assert (staging / "1.2.3.dcm").read_bytes() == b"dicom bytes" and not received.exists()
    other = tmp_path / "other"
    other.write_bytes(b"x")
    assert diverter.divert(caller, other, StoreOrigin("4.5.6", "RTSTATION", 6)) is None
    assert other.exists()


def test_default_machines_name_beams_without_a_machine() -> None:
    ds = pydicom.Dataset()
    named, unnamed, other = pydicom.Dataset(), pydicom.Dataset(), pydicom.Dataset()
    named.TreatmentMachineName = "TB1"
    named.ManufacturerModelName = "RDS"
    unnamed.ManufacturerModelName = "RDS"
    other.ManufacturerModelName = "UNKNOWN"
    ds.BeamSequence = [named, unnamed, other]
    assert apply_default_machines(ds, {"RDS": "HALCYON"}) == [("RDS", "HALCYON")]
    assert [b.get("TreatmentMachineName") for b in ds.BeamSequence] == ["TB1", "HALCYON", None]


def test_store_plan_lists_default_machine_changes(tmp_path: Path) -> None:
    study = write_study(tmp_path / "src", StudySpec(slices=1, rows=8, columns=8))
    plan_path = study.plan_paths[0]
    ds = pydicom.dcmread(plan_path)
    for beam in ds.BeamSequence:
        del beam.TreatmentMachineName
        beam.ManufacturerModelName = "RDS"
    ds.save_as(plan_path)
    plan = plan_store(study.root, defaults={"RDS": "HALCYON"})
    changes = plan.changes
    assert [(c.old, c.new) for c in changes] == [("(none, model RDS)", "HALCYON")]
    assert plan.machines == ["(model RDS)"]


def test_anonymize_needs_its_three_options_and_one_patient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        "retrieve",
        "--config",
        str(tmp_path / "c"),
        "--patientId",
        "P1",
        "--path",
        str(tmp_path / "o"),
        "--hostName",
        "127.0.0.1",
        "--hostPort",
        "1",
        "--calledAet",
        "X",
    ]
    assert main([*base, "--newPatientId", "A1"]) == 2
    assert "must be given together" in capsys.readouterr().err
    assert main([*base, "--anonymize", "--newPatientId", "A\\1", "--newPatientName", "Anon"]) == 2
    assert "--newPatientId 'A\\1': must not contain a backslash" in capsys.readouterr().err
    several = [a if a != "P1" else "P1;P2" for a in base]
    assert main([*several, "--anonymize", "--newPatientId", "A1", "--newPatientName", "A"]) == 2
    assert "retrieve one --patientId at a time, not 'P1;P2'" in capsys.readouterr().err


def test_missing_connection_options_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "move",
            "--config",
            str(tmp_path / "c"),
            "--level",
            "SERIES",
            "--uid",
            "1.2",
            "--destination",
            "X",
            "--hostName",
            "127.0.0.1",
        ]
    )
    assert code == 2
    assert "Missing --hostPort, --calledAet: give --node NAME" in capsys.readouterr().err


def test_sweep_removes_what_dead_retrieves_left_and_keeps_live_ones(tmp_path: Path) -> None:
    from rtstation.storage.retrieve_claims import claims_dir, sweep

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    folder = claims_dir(tmp_path)
    leftover = folder / f"{int(dead.stdout)}-abcd"
    leftover.mkdir(parents=True)
    (leftover / "1.2.3.dcm").write_bytes(b"x")
    (folder / f"{int(dead.stdout)}-abcd.claim.json").write_text("{}")
    live_id, live_staging = new_staging_dir(tmp_path)
    assert sweep(tmp_path) == 2
    assert sorted(p.name for p in folder.iterdir()) == [live_id]
    assert live_staging.is_dir()


def test_an_old_claim_is_ignored(tmp_path: Path) -> None:
    import json

    claim_id, staging = new_staging_dir(tmp_path)
    path = write_claim(tmp_path, claim_id, staging, originator_ae="A", message_ids=[1])
    data = json.loads(path.read_text())
    data["written"] = 0.0
    path.write_text(json.dumps(data))
    assert ClaimRegistry(tmp_path).match("", "A", 1) is None
