"""An import reports every part of a folder tree it did not import, by its path.

Why it matters: with ``--clear`` (or "clear after import") a physicist takes an import
that reports nothing rejected as "the folder is done" and deletes what is left. Before:

* a sub-folder that could not be listed (no permission) was skipped silently: its plans
  were never imported, the summary said "0 rejected" and the exit status was 0;
* a sub-folder that is a symbolic link was skipped silently too;
* a rejected file was named by its bare file name, so a recursive import listed several
  indistinguishable "rejected settings.ini" lines.

Each test failed before the fix. The unreadable folder is simulated (``os.scandir``
raising ``PermissionError`` for that one folder, as the kernel does for a folder the user
may not read): the tests run as root, which reads every folder whatever its mode.
"""

from __future__ import annotations

import errno
import os
import zipfile
from pathlib import Path

import pydicom
import pydicom.config
import pytest

from rtstation.cli.main import main
from rtstation.storage.importer import count_files, import_paths
from rtstation.storage.ingest import Ingestor
from tests.data.generator import StudySpec, write_study

SMALL = {"slices": 2, "rows": 8, "columns": 8}
UNREADABLE = "cannot be read (Permission denied); nothing in it was imported"


def _lock(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make listing ``folder`` fail as it does for a user without read permission."""
    real_scandir = os.scandir
    locked = os.path.abspath(folder)

    def scandir(path: str | os.PathLike[str] = ".") -> object:
        if os.path.abspath(os.fspath(path)) == locked:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_sub_folder_is_rejected_and_the_import_fails(
    ingestor: Ingestor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before: "N stored, 0 rejected", exit status 0, ``locked/`` never mentioned."""
    root = tmp_path / "in"
    readable = write_study(root / "open", StudySpec(**SMALL, patient_id="OPEN1"))
    hidden = write_study(root / "locked", StudySpec(**SMALL, patient_id="LOCK1"))
    _lock(monkeypatch, root / "locked")

    assert count_files([root]) == len(readable.all_paths)  # no crash, nothing counted in it
    report = import_paths([root], ingestor, clear=True)

    assert report.stored == len(readable.all_paths)
    assert report.rejected == [(f"locked{os.sep}", UNREADABLE)]
    assert all(p.exists() for p in hidden.all_paths)

    # The CLI prints it and fails, as for any rejected file.
    monkeypatch.setattr(
        pydicom.config.settings,
        "reading_validation_mode",
        pydicom.config.settings.reading_validation_mode,
    )
    rc = main(["--config", str(tmp_path / "station"), "import", str(root)])
    out = capsys.readouterr().out
    assert rc == 1, out
    assert f"  rejected locked{os.sep}: {UNREADABLE}" in out


def test_a_linked_sub_folder_is_rejected_not_skipped_silently(
    ingestor: Ingestor, tmp_path: Path
) -> None:
    """Before: ``in/linkdir -> ../outdir`` (holding a plan) was neither imported nor
    reported. Linked folders are not followed (loops, files outside what was dragged in);
    a linked file is still imported."""
    root = tmp_path / "in"
    study = write_study(root / "study", StudySpec(**SMALL, patient_id="IN1"))
    outside = write_study(tmp_path / "outdir", StudySpec(**SMALL, patient_id="OUT1"))
    (root / "linkdir").symlink_to(Path("..") / "outdir", target_is_directory=True)
    (root / "loop").symlink_to(".", target_is_directory=True)
    (root / "plan-link.dcm").symlink_to(outside.plan_paths[0])

    report = import_paths([root], ingestor, clear=True)

    assert report.stored == len(study.all_paths) + 1  # the linked plan file is imported
    assert report.patient_ids == {"IN1", "OUT1"}
    followed = "linked folders are not followed: import the target itself"
    outdir, here = os.path.realpath(outside.root), os.path.realpath(root)
    assert report.rejected == [
        (f"linkdir{os.sep}", f"is a link to a folder ({outdir}); {followed}"),
        (f"loop{os.sep}", f"is a link to a folder ({here}); {followed}"),
    ]
    assert all(p.exists() for p in outside.all_paths), "nothing outside the import was cleared"
    assert (root / "linkdir").is_symlink() and (root / "loop").is_symlink()


def test_rejected_files_are_named_by_their_path_below_the_import_root(
    ingestor: Ingestor, tmp_path: Path
) -> None:
    """Before: three lines "settings.ini: not a DICOM file", no telling which is which.
    A ZIP's member keeps its member path, after the ZIP's own path."""
    root = tmp_path / "in"
    for folder in ("a", "b/c", "."):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "settings.ini").write_text("[x]\n", encoding="utf-8")
    with zipfile.ZipFile(root / "b" / "export.zip", "w") as zf:
        zf.writestr("export/settings.ini", "[x]\n")
    report = import_paths([root], ingestor)
    names = sorted(name for name, _reason in report.rejected)
    assert names == sorted(
        [
            "settings.ini",
            os.path.join("a", "settings.ini"),
            os.path.join("b", "c", "settings.ini"),
            os.path.join("b", "export.zip") + ":export/settings.ini",
        ]
    )
    assert all(reason.startswith("not a DICOM file") for _name, reason in report.rejected)
    # A file named on its own is named as before, by its name.
    single = import_paths([root / "a" / "settings.ini"], ingestor)
    assert [name for name, _reason in single.rejected] == ["settings.ini"]
