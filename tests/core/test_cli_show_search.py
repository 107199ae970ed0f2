"""``rtstation show`` and ``rtstation search`` as DicomTools users call them.

Why it matters: physicists have batch files written for DicomTools (``--searchPattern``,
``--defaultMachines``, ``--showStatistics``); they must run unchanged, list every file that
was skipped with its reason, and exit non-zero when there is nothing to show.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pydicom
import pydicom.config
import pytest

from rtstation.cli import cmd_search, cmd_show
from rtstation.dicom.machine_map import MappingError
from tests.data.generator import GeneratedStudy, PlanSpec, StudySpec, write_garbage, write_study

SMALL = {"slices": 4, "rows": 8, "columns": 8}


def parse(module, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(argv)


def run(module, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = module.run(parse(module, argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def study(folder: Path) -> GeneratedStudy:
    return write_study(
        folder / "study",
        StudySpec(
            **SMALL,  # type: ignore[arg-type]
            patient_id="PHANTOM-1",
            patient_name="Phantom^One",
            plans=(PlanSpec(label="BREAST", name="Breast left"), PlanSpec(label="V2", doses=0)),
            with_registration=True,
        ),
        layout="nested",
    )


@pytest.fixture(scope="module")
def garbage(folder: Path) -> dict[str, Path]:
    return write_garbage(folder / "garbage")


@pytest.fixture(scope="module")
def stripped_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan whose TreatmentMachineName was taken away; the beams keep the model RDS."""
    root = tmp_path_factory.mktemp("stripped")
    study = write_study(root / "src", StudySpec(**SMALL, patient_id="STRIP"))  # type: ignore[arg-type]
    ds = pydicom.dcmread(study.plan_paths[0])
    for beam in ds.BeamSequence:
        del beam.TreatmentMachineName
        beam.ManufacturerModelName = "RDS"
    target = root / "plan" / "RP.stripped.dcm"
    target.parent.mkdir()
    ds.save_as(target)
    return target


# Cut and hostile files make pydicom warn about every half-read value; that is expected.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:pydicom")

# --- show --------------------------------------------------------------------------------


def test_show_tree(study: GeneratedStudy, capsys: pytest.CaptureFixture[str]):
    rc, out, err = run(cmd_show, ["--path", str(study.root)], capsys)
    assert (rc, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Patient PHANTOM-1  Phantom^One  (2 plan(s), 1 unconnected)"
    assert lines[1] == (
        '  RTPLAN BREAST "Breast left"  APPROVED  TrueBeam1  2 beam(s)  [CT 4/4, RS, RD] complete'
    )
    assert lines[2] == f"    uid {study.plan_uids[0]}  {study.plan_paths[0]}"
    assert lines[3] == f"    RTSTRUCT RS1  3 ROI(s)  {study.structure_set_path}"
    assert lines[4] == f"      CT series {study.image_series_uid}: 4 image(s)"
    assert lines[5] == f"    RTDOSE PLAN  {study.dose_paths[0]}"
    assert "  RTPLAN V2  APPROVED  TrueBeam1  2 beam(s)  [CT 4/4, RS, no dose] complete" in lines
    assert "  Unconnected" in lines
    assert f"    REG      {study.registration_uid}  {study.registration_path}" in lines
    assert lines[-1] == "9 DICOM file(s), 2 plan(s), 1 unconnected, 0 skipped"


def test_show_flat(study: GeneratedStudy, capsys: pytest.CaptureFixture[str]):
    rc, out, _err = run(cmd_show, ["--path", str(study.root), "--format", "flat"], capsys)
    assert rc == 0
    rows = [line.split("\t") for line in out.splitlines() if "\t" in line]
    breast = [r for r in rows if r[1] == "BREAST"]
    assert [r[2] for r in breast] == ["CT"] * 4 + ["RTSTRUCT", "RTPLAN", "RTDOSE"]
    assert all(r[0] == "PHANTOM-1" and Path(r[4]).is_file() for r in rows)
    unconnected = [r[:4] for r in rows if r[1] == "(unconnected)"]
    assert unconnected == [["PHANTOM-1", "(unconnected)", "REG", study.registration_uid]]


def test_show_json(study: GeneratedStudy, capsys: pytest.CaptureFixture[str]):
    rc, out, _err = run(cmd_show, ["--path", str(study.root), "--json"], capsys)
    assert rc == 0
    data = json.loads(out)
    assert set(data) == {"patients", "files", "duplicates", "problems"}
    assert (data["files"], data["duplicates"], data["problems"]) == (9, [], [])
    (patient,) = data["patients"]
    assert (patient["patient_id"], patient["patient_name"]) == ("PHANTOM-1", "Phantom^One")
    plan = patient["plans"][0]
    assert plan["uid"] == study.plan_uids[0]
    assert (plan["label"], plan["name"], plan["approval"], plan["intent"]) == (
        "BREAST",
        "Breast left",
        "APPROVED",
        "CURATIVE",
    )
    assert (plan["machines"], plan["fractions"], plan["complete"]) == ("TrueBeam1", 25, True)
    assert plan["summary"] == "CT 4/4, RS, RD"
    assert plan["beams"][0] == {
        "name": "Field 1",
        "machine": "TrueBeam1",
        "energy": "6",
        "meterset": 100.0,
    }
    assert plan["structure_set"] == {
        "uid": study.structure_set_uid,
        "state": "present",
        "path": str(study.structure_set_path),
        "linked_by": "reference",
    }
    assert plan["images"] == {"present": 4, "expected": 4, "missing": 0}
    assert [d["sop_instance_uid"] for d in plan["doses"]] == list(study.dose_uids_by_plan[0])
    assert plan["instances"] == 4 + 1 + 1 + 1
    assert [u["modality"] for u in patient["unconnected"]] == ["REG"]


@pytest.mark.parametrize("option", ["--default-machines", "--defaultMachines"])
def test_show_default_machines(stripped_plan: Path, option: str, capsys):
    rc, out, _err = run(cmd_show, ["--path", str(stripped_plan.parent)], capsys)
    assert rc == 0 and "  no machine  2 beam(s)" in out
    rc, out, _err = run(
        cmd_show, ["--path", str(stripped_plan.parent), option, "RDS=HALCYON 23EX=D"], capsys
    )
    assert rc == 0
    assert "  HALCYON (default for RDS)  2 beam(s)" in out
    rc, out, _err = run(
        cmd_show,
        ["--path", str(stripped_plan.parent), option, "RDS=HALCYON", "--json"],
        capsys,
    )
    assert json.loads(out)["patients"][0]["plans"][0]["machines"] == "HALCYON (default for RDS)"


def test_show_bad_default_machines(stripped_plan: Path, main_cli):
    with pytest.raises(MappingError, match=r"^Machine mapping 'RDS' is not of the form A=B$"):
        cmd_show.run(parse(cmd_show, ["--path", str(stripped_plan), "--defaultMachines", "RDS"]))
    rc, _out, err = main_cli(["show", "--path", str(stripped_plan), "--defaultMachines", "RDS"])
    assert rc == 2
    assert err == "rtstation: Machine mapping 'RDS' is not of the form A=B\n"


def test_show_search_pattern_aliases(study: GeneratedStudy, capsys):
    for option in ("--searchPattern", "--search-pattern"):
        rc, out, _err = run(cmd_show, ["--path", str(study.root), option, "rp*.DCM"], capsys)
        assert rc == 0
        assert out.splitlines()[-1] == "2 DICOM file(s), 2 plan(s), 0 unconnected, 0 skipped"
        assert "[no CT, RS missing, no dose] INCOMPLETE" in out


def test_show_lists_bad_files_with_reasons_and_shows_the_rest(
    study: GeneratedStudy, garbage: dict[str, Path], capsys
):
    rc, out, _err = run(
        cmd_show, ["--path", str(study.root), "--path", str(garbage["empty"].parent)], capsys
    )
    assert rc == 0
    assert "RTPLAN BREAST" in out
    lines = out.splitlines()
    skipped = lines[lines.index("Skipped files:") + 1 :]
    assert skipped[:4] == [
        f"  {garbage['empty']}: empty file (0 bytes)",
        f"  {garbage['no_sop_uid']}: no SOP Instance UID (0008,0018): cannot be identified",
        f"  {garbage['not_dicom']}: not a DICOM file (no DICM preamble and no SOP Class UID)",
        f"  {garbage['truncated_pixels']}: truncated: element (7FE0,0010) needs 128 bytes but "
        "the file ends 20 bytes early",
    ]
    assert skipped[4].startswith(f"  {garbage['truncated']}: truncated: element (300A,00B0) ")
    assert len(skipped) == 5
    assert "16 DICOM file(s), 2 plan(s), 8 unconnected, 5 skipped" in lines


def test_show_only_bad_files_exits_1(garbage: dict[str, Path], capsys):
    rc, out, _err = run(
        cmd_show, ["--path", str(garbage["empty"]), "--path", str(garbage["not_dicom"])], capsys
    )
    assert rc == 1
    assert "0 DICOM file(s), 0 plan(s), 0 unconnected, 2 skipped" in out


def test_show_empty_folder_exits_0(tmp_path: Path, capsys):
    rc, out, _err = run(cmd_show, ["--path", str(tmp_path)], capsys)
    assert (rc, out) == (0, "0 DICOM file(s), 0 plan(s), 0 unconnected, 0 skipped\n")


def test_show_missing_path_exits_2(tmp_path: Path, capsys):
    rc, out, err = run(cmd_show, ["--path", str(tmp_path / "typo")], capsys)
    assert (rc, out) == (2, "")
    assert err == f"rtstation show: path '{tmp_path / 'typo'}' does not exist: check --path\n"


def test_show_duplicates(study: GeneratedStudy, tmp_path: Path, capsys):
    copy = tmp_path / "copy.dcm"
    copy.write_bytes(study.plan_paths[0].read_bytes())
    rc, out, _err = run(cmd_show, ["--path", str(study.root), "--path", str(copy)], capsys)
    assert rc == 0
    assert "Duplicates (same SOP Instance UID, first one used): 1" in out
    assert f"  {study.plan_paths[0].name[3:-4]}  {copy}" in out


def test_show_through_main(study: GeneratedStudy, main_cli):
    rc, out, _err = main_cli(["show", "--path", str(study.root), "--format", "flat"])
    assert rc == 0 and "BREAST\tRTPLAN" in out


def test_show_requires_path(capsys):
    with pytest.raises(SystemExit) as info:
        parse(cmd_show, [])
    assert info.value.code == 2
    assert "--path" in capsys.readouterr().err


# --- search ------------------------------------------------------------------------------


def test_search_statistics(study: GeneratedStudy, garbage: dict[str, Path], capsys):
    rc, out, _err = run(
        cmd_search,
        [
            "--tag",
            "(0010,0020)=PHANTOM-1",
            "--tag",
            "(0008,0060)=?",
            "--path",
            str(study.root),
            "--path",
            str(garbage["empty"].parent),
            "--showStatistics",
        ],
        capsys,
    )
    assert rc == 0
    lines = out.splitlines()
    matches = [line for line in lines if line.startswith(str(study.root))]
    assert len(matches) == 9
    assert (
        f"{study.plan_paths[0]}  (0010,0020) PatientID=PHANTOM-1  (0008,0060) Modality=RTPLAN"
        in lines
    )
    stats = lines[lines.index("") + 1 :]
    assert stats == [
        "Files searched: 21, matched: 9, not DICOM or unreadable: 2",
        "(0010,0020) PatientID:",
        "  PHANTOM-1: 9",
        "(0008,0060) Modality:",
        "  CT: 4",
        "  RTPLAN: 2",
        "  REG: 1",
        "  RTDOSE: 1",
        "  RTSTRUCT: 1",
    ]


def test_search_treatment_machines(study: GeneratedStudy, capsys):
    rc, out, _err = run(
        cmd_search,
        [
            "--tag",
            "(300A,00B0)/(300A,00B2)=?",
            "--path",
            str(study.root),
            "--searchPattern",
            "RP*.dcm",
            "--show-statistics",
        ],
        capsys,
    )
    assert rc == 0
    assert out.splitlines()[-3:] == [
        "Files searched: 2, matched: 2, not DICOM or unreadable: 0",
        "(300A,00B0)/(300A,00B2) TreatmentMachineName:",
        "  TrueBeam1: 2",
    ]
    assert (
        f"{study.plan_paths[1]}  (300A,00B0)/(300A,00B2) TreatmentMachineName=TrueBeam1|TrueBeam1"
        in out
    )


@pytest.mark.parametrize("option", ["--showOnlyDirectories", "--show-only-directories"])
def test_search_only_directories(study: GeneratedStudy, option: str, capsys):
    rc, out, _err = run(
        cmd_search, ["--tag", "Modality=RT*", "--path", str(study.root), option], capsys
    )
    assert rc == 0
    folders = {p.parent for p in study.all_paths if "RT" in p.parent.name}
    assert out.splitlines() == sorted(str(f) for f in folders)


def test_search_json(study: GeneratedStudy, garbage: dict[str, Path], capsys):
    rc, out, _err = run(
        cmd_search,
        [
            "--tag",
            "Modality=RTPLAN",
            "--tag",
            "RTPlanLabel=?",
            "--path",
            str(study.root),
            "--path",
            str(garbage["not_dicom"]),
            "--json",
        ],
        capsys,
    )
    assert rc == 0
    data = json.loads(out)
    assert sorted(m["values"]["(300A,0002) RTPlanLabel"][0] for m in data["matches"]) == [
        "BREAST",
        "V2",
    ]
    assert data["statistics"]["files_searched"] == 10
    assert data["statistics"]["files_matched"] == 2
    assert data["statistics"]["files_unreadable"] == 1
    assert data["statistics"]["values"]["(300A,0002) RTPlanLabel"] == {"BREAST": 1, "V2": 1}
    assert data["directories"] == [str(study.plan_paths[0].parent)]
    assert [p["path"] for p in data["problems"]] == [str(garbage["not_dicom"])]


def test_search_finds_file_meta_tags_and_pixel_data_without_reading_it(
    study: GeneratedStudy, capsys
):
    """Before: (0002,0010) and Pixel Data were <absent> in every file (the File Meta is kept
    apart by pydicom, and the search read the files without their pixels)."""
    rc, out, _err = run(
        cmd_search,
        [
            "--tag",
            "TransferSyntaxUID=?",
            "--tag",
            "PixelData=*",
            "--path",
            str(study.root),
            "--json",
        ],
        capsys,
    )
    assert rc == 0
    data = json.loads(out)
    paths = {m["path"] for m in data["matches"]}
    assert paths == {str(p) for p in (*study.image_paths, *study.dose_paths)}
    for match in data["matches"]:
        assert match["values"]["(0002,0010) TransferSyntaxUID"][0].startswith("1.2.840.10008.1.2")
        [pixels] = match["values"]["(7FE0,0010) PixelData"]
        assert pixels.startswith("<") and pixels.endswith(" bytes>")


def test_search_without_matches_exits_1(study: GeneratedStudy, capsys):
    rc, out, _err = run(
        cmd_search, ["--tag", "PatientID=NOBODY", "--path", str(study.root)], capsys
    )
    assert (rc, out) == (1, "")
    rc, out, _err = run(
        cmd_search, ["--tag", "PatientID=NOBODY", "--path", str(study.root), "--json"], capsys
    )
    assert rc == 1 and json.loads(out)["matches"] == []


def test_search_invalid_expression_exits_2(study: GeneratedStudy, capsys):
    rc, out, err = run(cmd_search, ["--tag", "PatientId=X", "--path", str(study.root)], capsys)
    assert (rc, out) == (2, "")
    assert err == (
        "rtstation search: Tag expression 'PatientId=X': 'PatientId' is neither a tag like "
        "(0010,0020) nor a DICOM keyword like PatientID\n"
    )


def test_search_missing_path_exits_2(tmp_path: Path, capsys):
    rc, _out, err = run(cmd_search, ["--tag", "PatientID=?", "--path", str(tmp_path / "x")], capsys)
    assert rc == 2 and "does not exist: check --path" in err


def test_search_through_main(study: GeneratedStudy, main_cli):
    rc, out, _err = main_cli(
        ["search", "--tag", "(0008,0060)=RTSTRUCT", "--path", str(study.root), "--showStatistics"]
    )
    assert rc == 0
    assert "Files searched: 9, matched: 1, not DICOM or unreadable: 0" in out
