"""``rtstation anonymize`` as a DicomTools user calls it.

Why it matters: the command is what a physicist runs before a research export leaves the
hospital; ``rtstation show`` on its output must show the same plans, each bad input must
be named with its reason, and a mistyped option must stop the run before any file is
written (exit 2), not produce an export with other options than intended.
"""

from __future__ import annotations

import json
from pathlib import Path

import pydicom
import pydicom.config
import pytest

from tests.data.generator import PlanSpec, StudySpec, write_garbage, write_study


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    spec = StudySpec(
        patient_id="CLI001",
        patient_name="Kurz^Clara",
        slices=3,
        rows=8,
        columns=8,
        plans=(PlanSpec(label="CLI PLAN"),),
    )
    return write_study(tmp_path / "in", spec).root


def _show(main_cli, folder: Path) -> dict:
    rc, out, _ = main_cli(["show", "--path", str(folder), "--searchPattern", "*.dcm", "--json"])
    assert rc == 0
    return json.loads(out)


def test_anonymize_then_show_gives_the_same_plan(main_cli, study_dir: Path, tmp_path: Path):
    out, uid_map = tmp_path / "out", tmp_path / "map.json"
    rc, stdout, _ = main_cli(
        [
            "anonymize",
            "--config",
            str(tmp_path / "cfg"),
            "--path",
            str(study_dir),
            "--out",
            str(out),
            "--newPatientId",
            "EXP-1",
            "--newPatientName",
            "Export^One",
            "--uidMap",
            str(uid_map),
            "--report",
            str(tmp_path / "report.json"),
        ]
    )
    assert rc == 0, stdout
    assert sorted(p.suffix for p in out.iterdir()) == [".dcm"] * 6  # only DICOM in OUT
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["patients"] == 1
    assert "6 file(s) anonymized with profile aria (CleanDesc, RetainDeviceIdent)" in stdout
    assert "IDENTIFYING" in stdout and str(uid_map) in stdout
    before, after = _show(main_cli, study_dir), _show(main_cli, out)
    (plan_in,) = before["patients"][0]["plans"]
    (plan_out,) = after["patients"][0]["plans"]
    assert after["patients"][0]["patient_id"] == "EXP-1"
    assert plan_out["summary"] == plan_in["summary"] == "CT 3/3, RS, RD"
    assert plan_out["label"] == "CLI PLAN" and plan_out["complete"]
    mapping = json.loads(uid_map.read_text(encoding="utf-8"))["uids"]
    assert plan_out["uid"] == mapping[plan_in["uid"]]
    assert plan_out["structure_set"]["uid"] == mapping[plan_in["structure_set"]["uid"]]
    assert not (tmp_path / "cfg").exists()  # anonymize reads settings, never writes them


def test_settings_choose_profile_and_options_and_the_command_line_wins(
    main_cli, study_dir: Path, tmp_path: Path
):
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "settings.ini").write_text(
        "[Anonymization]\nprofile = basic\noptions = RetainUIDs\n", encoding="utf-8"
    )
    argv = ["anonymize", "--config", str(config), "--path", str(study_dir)]
    rc, stdout, _ = main_cli([*argv, "--out", str(tmp_path / "a"), "--newPatientId", "S1"])
    assert rc == 0, stdout
    plan = pydicom.dcmread(next((tmp_path / "a").glob("RP.*.dcm")))
    assert plan.DeidentificationMethod.endswith("basic (RetainUIDs)")
    assert pydicom.dcmread(next(study_dir.glob("RP.*.dcm"))).SOPInstanceUID == plan.SOPInstanceUID
    rc, stdout, _ = main_cli(
        [*argv, "--out", str(tmp_path / "b"), "--profile", "aria", "--option", "none"]
    )
    assert rc == 0, stdout
    plan = pydicom.dcmread(next((tmp_path / "b").glob("RP.*.dcm")))
    assert plan.DeidentificationMethod.endswith("aria (no options)")
    assert plan.PatientID.startswith("ANON")  # derived: no --newPatientId


def test_unknown_option_stops_before_any_file(main_cli, study_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    rc, _, err = main_cli(
        ["anonymize", "--path", str(study_dir), "--out", str(out), "--option", "RetainUID"]
    )
    assert rc == 2
    assert "--option 'RetainUID': not an anonymization option" in err
    assert not out.exists()


def test_bad_inputs_are_named_and_the_rest_is_written(main_cli, study_dir: Path, tmp_path: Path):
    bad = write_garbage(tmp_path / "in" / "bad")
    out = tmp_path / "out"
    rc, stdout, _ = main_cli(
        ["anonymize", "--path", str(study_dir), "--out", str(out), "--newPatientId", "X"]
    )
    assert rc == 1
    assert f"refused {bad['not_dicom']}: not a DICOM file" in stdout
    assert f"refused {bad['truncated']}: truncated" in stdout
    assert len(list(out.glob("*.dcm"))) == 6
    report = json.loads((out / "anonymization-report.json").read_text(encoding="utf-8"))
    assert len(report["files_written"]) == 6
    assert str(tmp_path) not in json.dumps(report)  # input paths stay out of the output


def test_missing_path_is_a_usage_error(main_cli, tmp_path: Path):
    rc, _, err = main_cli(["anonymize", "--path", str(tmp_path / "nope"), "--out", str(tmp_path)])
    assert rc == 2 and "does not exist" in err


def test_bad_option_in_settings_is_named_with_file_and_section(
    main_cli, study_dir: Path, tmp_path: Path
):
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "settings.ini").write_text(
        "[Anonymization]\noptions = CleanDesc, KeepEverything\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    rc, _, err = main_cli(
        ["anonymize", "--config", str(config), "--path", str(study_dir), "--out", str(out)]
    )
    assert rc == 2
    assert "settings.ini [Anonymization] options 'KeepEverything': not an anonymization" in err
    assert not out.exists()
