"""``rtstation import --anonymize``: the station stores an anonymized copy, the source stays.

Why it matters: a vendor test case or a research phantom is often prepared by importing a
clinical export; the station (and every node its rules forward to) must then hold only
the anonymized copy, with its plan tree intact, and the clinical export must be left
exactly as it was, even when the import folder is configured to be cleared.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.data.generator import StudySpec, write_garbage, write_study


def _tree(main_cli, folder: Path) -> dict:
    rc, out, _ = main_cli(["show", "--path", str(folder), "--searchPattern", "*.dcm", "--json"])
    assert rc == 0
    return json.loads(out)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_import_anonymize_stores_only_the_anonymized_copy(main_cli, tmp_path: Path):
    spec = StudySpec(patient_id="KLIN-0815", patient_name="Echt^Erika", slices=3, rows=8, columns=8)
    study = write_study(tmp_path / "export", spec)
    before = _snapshot(study.root)
    config = tmp_path / "station"
    config.mkdir()
    (config / "settings.ini").write_text(
        "[General]\nwatch_folder = storage\nimport_folder = import\n"
        "clear_import_folder_after_import = True\n",
        encoding="utf-8",
    )
    rc, out, err = main_cli(
        [
            "--config",
            str(config),
            "import",
            "--anonymize",
            "--newPatientId",
            "PHANTOM-3",
            "--newPatientName",
            "Phantom^Drei",
            str(study.root),
            "--json",
        ]
    )
    assert rc == 0, err
    summary = json.loads(out)
    assert summary["stored"] == len(study.all_paths) and summary["patients"] == ["PHANTOM-3"]
    assert _snapshot(study.root) == before, "the source is untouched"

    storage = config / "storage"
    data = b"".join(p.read_bytes() for p in storage.rglob("*.dcm"))
    originals = [study.patient_id, "Echt", "Erika", study.study_uid, *study.plan_uids]
    for value in originals:
        assert value.encode() not in data, value
    stored, original = _tree(main_cli, storage), _tree(main_cli, study.root)
    (plan,) = stored["patients"][0]["plans"]
    (source_plan,) = original["patients"][0]["plans"]
    assert plan["summary"] == source_plan["summary"] == "CT 3/3, RS, RD"
    assert stored["patients"][0]["patient_id"] == "PHANTOM-3"
    staged = [p for p in (config / "data" / "anonymized").iterdir() if p.is_dir()]
    assert not staged, "staged copies removed"

    # The station's UID map makes a second import of the same export map the same way.
    rc, out, _ = main_cli(
        ["--config", str(config), "import", "--anonymize", "--newPatientId", "PHANTOM-3",
         str(study.root), "--json"]
    )  # fmt: skip
    assert rc == 0 and json.loads(out)["duplicates"] == len(study.all_paths)


def test_import_anonymize_refuses_what_cannot_be_anonymized(main_cli, tmp_path: Path):
    study = write_study(tmp_path / "export", StudySpec(slices=2, rows=8, columns=8))
    garbage = write_garbage(tmp_path / "g")["truncated"]
    config = tmp_path / "station"
    rc, out, _ = main_cli(
        ["--config", str(config), "import", "--anonymize", str(study.root), str(garbage),
         "--json"]
    )  # fmt: skip
    assert rc == 1
    summary = json.loads(out)
    assert summary["stored"] == len(study.all_paths)
    ((name, reason),) = [(r["file"], r["reason"]) for r in summary["rejected"]]
    assert name == str(garbage) and "truncated" in reason
    assert summary["patients"][0].startswith("ANON") and len(summary["patients"][0]) == 14


def test_import_anonymize_options_need_anonymize_and_never_clear(main_cli, tmp_path: Path):
    config, source = str(tmp_path / "station"), str(tmp_path)
    rc, _, err = main_cli(["--config", config, "import", "--newPatientId", "X", source])
    assert rc == 2 and "need --anonymize" in err
    rc, _, err = main_cli(["--config", config, "import", "--anonymize", "--clear", source])
    assert rc == 2 and "never clears its source" in err
    rc, _, err = main_cli(
        ["--config", config, "import", "--anonymize", "--newPatientId", "A\\B", source]
    )
    assert rc == 2 and "--newPatientId 'A\\B': must not contain a backslash" in err
