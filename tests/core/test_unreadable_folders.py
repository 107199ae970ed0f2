"""show, search and an anonymized import name a folder they cannot read (adversarial review).

Before: os.walk passed over a folder it could not list without a word, so ``show`` and
``search`` reported a folder as searched of which they never saw a file, and
``import --anonymize`` imported the rest in silence. The unreadable folder is simulated
through ``os.scandir`` (this runs as root, which reads anything), the way
test_import_walk_reports does for the plain import.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.data.generator import StudySpec, write_study

SMALL = {"slices": 2, "rows": 8, "columns": 8}


@pytest.fixture
def folder_with_a_locked_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "in"
    write_study(root / "open", StudySpec(patient_id="OPEN", **SMALL))  # type: ignore[arg-type]
    write_study(root / "locked", StudySpec(patient_id="LOCKED", **SMALL))  # type: ignore[arg-type]
    real_scandir = os.scandir
    locked = str(root / "locked")

    def scandir(path: object = ".") -> object:
        if os.fspath(path) == locked:  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    return root


def test_show_lists_the_folder_it_cannot_read(folder_with_a_locked_part: Path, main_cli):
    rc, out, _err = main_cli(["show", "--path", str(folder_with_a_locked_part), "--json"])
    assert rc == 0
    problems = {p["path"]: p["reason"] for p in json.loads(out)["problems"]}
    locked = str(folder_with_a_locked_part / "locked")
    assert problems[locked] == "cannot be read (Permission denied); nothing in it was read"


def test_search_says_which_folder_it_could_not_search(folder_with_a_locked_part: Path, main_cli):
    rc, out, err = main_cli(
        ["search", "--path", str(folder_with_a_locked_part), "--tag", "PatientID=?"]
    )
    assert rc == 0 and "OPEN" in out and "LOCKED" not in out
    locked = folder_with_a_locked_part / "locked"
    assert f"rtstation search: folder '{locked}' cannot be read (Permission denied)" in err


def test_anonymize_refuses_the_folder_it_cannot_read(
    folder_with_a_locked_part: Path, main_cli, tmp_path: Path, config_dir: Path
):
    out_dir = tmp_path / "anonymized"
    rc, out, err = main_cli(
        [
            "anonymize",
            "--config",
            str(config_dir),
            "--path",
            str(folder_with_a_locked_part),
            "--out",
            str(out_dir),
        ]
    )
    locked = folder_with_a_locked_part / "locked"
    assert f"refused {locked}: cannot be read (Permission denied)" in out + err
    assert rc == 1, "a refused folder makes the run not ok"
