"""Folder and ZIP import: the counts and reasons a physicist reads, and ``--clear``.

Why it matters: import is how old exports get in, and ``--clear`` deletes what was dropped
in. A source file may go only when its instance is safely stored (or already was); a file
that was rejected must stay, and a ZIP may go only when every member made it.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from rtstation.storage.importer import count_files, import_paths
from rtstation.storage.ingest import IMPORT_SOURCE, Ingestor
from rtstation.storage.layout import INCOMING_DIR
from tests.data.generator import GeneratedStudy, StudySpec, write_garbage, write_study
from tests.data.pydicom_files import pydicom_rt_files

SMALL = {"slices": 4, "rows": 8, "columns": 8}


@pytest.fixture
def drop(tmp_path: Path) -> tuple[Path, GeneratedStudy, Path]:
    """An import folder: a nested study, garbage beside it, and a ZIP.

    The ZIP holds a second patient's study under a nested folder, a raw dataset without
    File Meta, a text file and an empty folder entry.
    """
    folder = tmp_path / "drop"
    study = write_study(folder / "patient1", StudySpec(**SMALL), layout="nested")  # type: ignore[arg-type]
    garbage = folder / "junk"
    garbage.mkdir(parents=True)
    shutil.copyfile(write_garbage(tmp_path / "g")["truncated"], garbage / "truncated.dcm")
    (garbage / "readme.txt").write_text("notes", encoding="utf-8")
    other = write_study(tmp_path / "zipsrc", StudySpec(**SMALL, patient_id="ZIP01"))  # type: ignore[arg-type]
    archive = folder / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("export/", b"")
        for path in other.all_paths:
            zf.write(path, f"export/nested/{path.name}")
        zf.write(pydicom_rt_files()["rtstruct.dcm"], "export/raw_rtstruct.dcm")
        zf.writestr("export/notes.txt", "not dicom")
    return folder, study, archive


def stored_files(ingestor: Ingestor) -> list[Path]:
    root = ingestor.store.root
    return [p for p in root.rglob("*") if p.is_file() and INCOMING_DIR not in p.parts]


def test_import_folder_and_zip(ingestor: Ingestor, drop):
    folder, study, _archive = drop
    report = import_paths([folder], ingestor)
    study_files = len(study.all_paths)  # 4 CT, RS, RP, RD
    zip_dicom = study_files + 1  # the ZIP's study and the raw rtstruct
    assert report.stored == study_files + zip_dicom
    assert (report.duplicates, report.replaced, report.cleared, report.cancelled) == (
        0,
        0,
        0,
        False,
    )
    rejected = dict(report.rejected)
    # named by their path below the imported folder (two files of one name stay apart)
    truncated, readme = os.path.join("junk", "truncated.dcm"), os.path.join("junk", "readme.txt")
    assert set(rejected) == {truncated, readme, "export.zip:export/notes.txt"}
    assert rejected[truncated].startswith("truncated: element (300A,00B0) needs ")
    assert rejected[readme].startswith("not a DICOM file")
    assert rejected["export.zip:export/notes.txt"].startswith("not a DICOM file")
    assert report.summary() == f"{report.stored} stored, 0 duplicate(s), 0 replaced, 3 rejected"
    assert report.patient_ids == {"RT001", "ZIP01", "tPhantom30sep"}
    assert ingestor.catalog.count() == report.stored == len(stored_files(ingestor))
    assert {i.source_ae for i in ingestor.catalog.instances()} == {IMPORT_SOURCE}
    assert all(p.read_bytes()[128:132] == b"DICM" for p in stored_files(ingestor))
    assert list(ingestor.store.incoming.iterdir()) == []
    assert all(p.exists() for p in study.all_paths)  # nothing removed without clear


def test_second_import_is_all_duplicates(ingestor: Ingestor, drop):
    folder, _study, _archive = drop
    first = import_paths([folder], ingestor)
    second = import_paths([folder], ingestor)
    assert (second.stored, second.replaced) == (0, 0)
    assert second.duplicates == first.stored
    assert sorted(second.rejected) == sorted(first.rejected)
    assert len(stored_files(ingestor)) == first.stored


def test_clear_removes_what_was_stored_and_keeps_what_was_rejected(ingestor: Ingestor, drop):
    folder, study, archive = drop
    report = import_paths([folder], ingestor, clear=True)
    assert not any(p.exists() for p in study.all_paths)
    assert not (folder / "patient1").exists()  # emptied folders go too
    assert (folder / "junk" / "truncated.dcm").exists()
    assert (folder / "junk" / "readme.txt").exists()
    assert archive.exists()  # one member was rejected, so the ZIP stays
    assert folder.exists()  # never the root itself
    assert report.cleared == len(study.all_paths)
    assert report.summary().endswith(f", {len(study.all_paths)} source file(s) removed")


def test_clear_removes_duplicates_and_a_zip_whose_members_all_made_it(
    ingestor: Ingestor, tmp_path: Path
):
    study = write_study(tmp_path / "src", StudySpec(**SMALL))  # type: ignore[arg-type]
    archive = tmp_path / "in" / "good.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        for path in study.all_paths:
            zf.write(path, f"a/b/{path.name}")
    import_paths([study.root], ingestor)  # every member is now a duplicate
    report = import_paths([archive.parent], ingestor, clear=True)
    assert (report.stored, report.duplicates, report.rejected) == (0, len(study.all_paths), [])
    assert not archive.exists()
    assert report.cleared == 1
    report = import_paths([study.root], ingestor, clear=True)
    assert report.duplicates == len(study.all_paths) == report.cleared
    assert not any(p.exists() for p in study.all_paths)


def test_damaged_zip_is_rejected_and_kept(ingestor: Ingestor, tmp_path: Path, drop):
    _folder, _study, archive = drop
    damaged = tmp_path / "in" / "damaged.zip"
    damaged.parent.mkdir()
    data = archive.read_bytes()
    damaged.write_bytes(data[: len(data) // 2] + data[-200:])  # central directory kept
    report = import_paths([damaged.parent], ingestor, clear=True)
    assert report.rejected, "a damaged ZIP must report something"
    assert damaged.exists()


def test_single_files_can_be_named(ingestor: Ingestor, drop):
    _folder, study, _archive = drop
    report = import_paths([study.plan_paths[0], study.dose_paths[0]], ingestor)
    assert report.stored == 2


def test_cancel_stops_early(ingestor: Ingestor, drop):
    folder, _study, _archive = drop
    ticks: list[int] = []
    report = import_paths(
        [folder],
        ingestor,
        clear=True,
        progress=lambda done, _total, _name: ticks.append(done),
        should_cancel=lambda: len(ticks) >= 3,
    )
    assert report.cancelled
    assert ticks == [1, 2, 3]
    assert report.stored + report.duplicates + len(report.rejected) == 3
    assert report.summary().endswith(" (cancelled)")
    assert ingestor.catalog.count() == report.stored == len(stored_files(ingestor))


def test_cancel_inside_a_zip_keeps_the_zip(ingestor: Ingestor, drop):
    folder, _study, archive = drop
    zip_only = folder.parent / "only_zip"
    zip_only.mkdir()
    moved = zip_only / archive.name
    shutil.move(archive, moved)
    calls = {"n": 0}

    def should_cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 4  # the ZIP itself, then 3 members

    report = import_paths([zip_only], ingestor, should_cancel=should_cancel, clear=True)
    assert report.cancelled and moved.exists()
    assert report.stored == 3


def test_progress_is_monotonic_with_the_right_total(ingestor: Ingestor, drop):
    folder, study, _archive = drop
    seen: list[tuple[int, int, str]] = []
    report = import_paths([folder], ingestor, progress=lambda d, t, n: seen.append((d, t, n)))
    total = len(study.all_paths) + 2 + (len(study.all_paths) + 2)  # folder files, ZIP members
    assert count_files([folder]) == total
    assert [d for d, _t, _n in seen] == list(range(1, total + 1))
    assert {t for _d, t, _n in seen} == {total}
    assert report.stored + report.duplicates + len(report.rejected) == total
    assert any(name.startswith("export.zip:export/nested/") for _d, _t, name in seen)
