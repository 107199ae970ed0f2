"""Import against hostile or mistaken input (issue 10, items 2 and 10).

* An import folder equal to, or holding, the storage folder deleted the storage with
  "clear after import"; whatever the importer is handed, it never clears a folder that
  holds the storage, the configuration, the catalog or the logs, and says why.
* A named pipe in the import folder hung the import for ever; non-regular files are
  skipped with a reason.
* A 1 MB ZIP with a 1 GiB member was extracted whole with no size or free-space check;
  the ZIP's directory is checked first (compression ratio, total size, free space).

Each test failed before the fix. Real files, a real FIFO and socket, generated ZIPs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import zipfile
from dataclasses import replace
from pathlib import Path

import pydicom
import pytest

from rtstation.station import Station
from rtstation.storage import importer, zip_limits
from rtstation.storage.archive import DurableStore
from rtstation.storage.catalog import Catalog
from rtstation.storage.importer import import_paths
from rtstation.storage.ingest import Ingestor
from rtstation.storage.layout import INCOMING_DIR
from tests.data.generator import StudySpec, write_study

SMALL = {"slices": 4, "rows": 8, "columns": 8}
REFUSED_CLEAR = "nothing in it was deleted"


def _stored_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*.dcm") if INCOMING_DIR not in p.parts}


def _catalog_consistent(station: Station) -> list[str]:
    """Catalog rows whose file is missing (an empty list when the catalog holds)."""
    missing = []
    for instance in station.catalog.instances():
        if instance.removed_at is None and not Path(instance.header.path).is_file():
            missing.append(instance.sop_instance_uid)
    return missing


# --- item 2: never clear the station's own folders ---------------------------------------


def test_import_with_clear_of_a_folder_holding_the_storage_keeps_the_storage(tmp_path: Path):
    """The issue's layout: watch_folder = X/imp/received, import_folder = X/imp, clear on.
    Validation refuses it; a Station handed it anyway (the GUI drag of X/imp with "clear
    after import") must not delete what it stored. Before: 0 files left on disk."""
    base = tmp_path / "X"
    station = Station.open(str(tmp_path / "config"))
    settings = replace(
        station.settings,
        storage_folder=str(base / "imp" / "received"),
        import_folder=str(base / "imp"),
        clear_import_folder_after_import=True,
    )
    station.stop()
    station = Station(station.paths, settings, station.rules)
    try:
        first = write_study(tmp_path / "first", StudySpec(**SMALL, patient_id="KEEP1"))
        assert station.import_paths([first.root]).stored == len(first.all_paths)
        stored = _stored_files(station.storage_root)
        assert len(stored) == len(first.all_paths)
        dropped = write_study(base / "imp" / "new", StudySpec(**SMALL, patient_id="NEW1"))

        report = station.import_paths([base / "imp"], clear=True)

        assert report.stored == len(dropped.all_paths)
        assert stored <= _stored_files(station.storage_root), "stored files were deleted"
        assert _catalog_consistent(station) == []
        assert all(p.exists() for p in dropped.all_paths), "a source was deleted"
        assert report.cleared == 0
        assert any(
            note.startswith(f"Folder '{base / 'imp'}' contains the station's storage folder")
            and REFUSED_CLEAR in note
            for note in report.notes
        ), report.notes
        # The storage itself was not read back in as new input.
        assert report.duplicates == 0 and report.replaced == 0
    finally:
        station.stop()


def test_cli_import_clear_of_a_parent_of_the_storage_refuses_the_clear(tmp_path: Path):
    """``rtstation import --clear DIR`` with DIR the --config folder (it holds storage,
    catalog, logs and settings.ini). Before: every stored file was deleted as a
    "duplicate" and the catalog listed files that no longer existed."""
    config = tmp_path / "station"
    rtstation = [sys.executable, "-m", "rtstation", "--config", str(config)]
    first = write_study(tmp_path / "first", StudySpec(**SMALL, patient_id="KEEP2"))
    done = subprocess.run([*rtstation, "import", str(first.root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    storage = config / "data" / "received_plans"  # the default storage of a --config folder
    stored = _stored_files(storage)
    assert len(stored) == len(first.all_paths)
    extra = write_study(config / "dropped", StudySpec(**SMALL, patient_id="NEW2"))

    done = subprocess.run(
        [*rtstation, "import", "--clear", str(config)], capture_output=True, text=True
    )

    assert done.returncode == 1, done.stdout + done.stderr
    assert f"Folder '{config}' contains the station's" in done.stdout, done.stdout
    assert REFUSED_CLEAR in done.stdout
    assert _stored_files(storage) >= stored
    assert all(p.exists() for p in extra.all_paths)
    assert (config / "settings.ini").exists() and (config / "data" / "catalog.sqlite").exists()
    station = Station.open(str(config))
    try:
        assert _catalog_consistent(station) == []
        assert len(station.catalog.instances()) == len(first.all_paths) + len(extra.all_paths)
    finally:
        station.stop()


def test_a_path_inside_the_storage_is_neither_imported_nor_cleared(
    ingestor: Ingestor, tmp_path: Path
):
    study = write_study(tmp_path / "s", StudySpec(**SMALL))
    import_paths([study.root], ingestor)
    stored = _stored_files(ingestor.store.root)
    patient_folder = next(p for p in ingestor.store.root.iterdir() if p.name != INCOMING_DIR)
    report = import_paths([patient_folder], ingestor, clear=True)
    assert (report.stored, report.duplicates, report.cleared) == (0, 0, 0)
    assert _stored_files(ingestor.store.root) == stored
    assert len(report.notes) == 1 and "is inside the station's storage folder" in report.notes[0]


def test_stored_files_named_for_a_send_are_found_but_the_working_folders_never_read(
    ingestor: Ingestor, tmp_path: Path
):
    """``send PATH`` may name stored files (they are duplicates); a machine-mapped copy
    under .derived has the plan's SOP Instance UID with other bytes and, read as input,
    would have replaced the stored original (it did, before: "1 replaced")."""
    study = write_study(tmp_path / "s", StudySpec(**SMALL))
    import_paths([study.root], ingestor)
    plan = study.plan_paths[0]
    mapped = plan.read_bytes().replace(b"TrueBeam1", b"TrueBeamX")
    assert mapped != plan.read_bytes()
    ingestor.store.write_derived(mapped, "plan.dcm")
    report = import_paths([ingestor.store.root], ingestor, read_storage=True)
    assert (report.stored, report.replaced, report.rejected) == (0, 0, [])
    assert report.duplicates == len(study.all_paths)
    assert report.notes == []
    original = ingestor.catalog.get(study.plan_uids[0])
    assert original is not None and Path(original.header.path).read_bytes() == plan.read_bytes()


# --- item 10: FIFOs, sockets and ZIP bombs -------------------------------------------------


def test_a_named_pipe_and_a_socket_are_skipped_with_a_reason(
    ingestor: Ingestor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Before: the import opened the FIFO and waited for a writer for ever."""
    folder = tmp_path / "drop"
    study = write_study(folder / "study", StudySpec(**SMALL))
    fifo = folder / "export.dcm"
    os.mkfifo(fifo)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # bound by a relative name: a socket's path has at most 107 bytes, and tmp_path can be longer
    monkeypatch.chdir(folder)
    sock.bind("agent.sock")
    monkeypatch.undo()
    result: list[importer.ImportReport] = []
    worker = threading.Thread(
        target=lambda: result.append(import_paths([folder], ingestor, clear=True)), daemon=True
    )
    try:
        worker.start()
        worker.join(60)
        hung = worker.is_alive()
        if hung:  # let the blocked reader go: open the pipe's other end once
            os.close(os.open(fifo, os.O_WRONLY))
            worker.join(10)
        assert not hung, "the import hung on the named pipe"
    finally:
        sock.close()
    report = result[0]
    assert report.stored == len(study.all_paths)
    rejected = dict(report.rejected)
    assert rejected == {
        "export.dcm": "is a named pipe (FIFO), not a regular file; only regular files are imported",
        "agent.sock": "is a socket, not a regular file; only regular files are imported",
    }
    assert fifo.exists() and (folder / "agent.sock").exists(), "skipped files stay"


def test_an_import_reusing_a_stored_plans_uid_for_a_ct_is_rejected(
    ingestor: Ingestor, tmp_path: Path
):
    """Before: the imported CT replaced the stored plan that had its SOP Instance UID."""
    study = write_study(tmp_path / "s", StudySpec(**SMALL))
    import_paths([study.root], ingestor)
    plan_uid = study.plan_uids[0]
    impostor = pydicom.dcmread(study.image_paths[0])
    impostor.SOPInstanceUID = impostor.file_meta.MediaStorageSOPInstanceUID = plan_uid
    (tmp_path / "later").mkdir()
    impostor.save_as(tmp_path / "later" / "CT.impostor.dcm")
    before = {p: p.read_bytes() for p in _stored_files(ingestor.store.root)}
    report = import_paths([tmp_path / "later"], ingestor)
    [(name, reason)] = report.rejected
    assert name == "CT.impostor.dcm"
    assert f"its SOP Instance UID {plan_uid} belongs to another object" in reason
    assert "this one a CT" in reason and "the stored copy is kept" in reason
    assert {p: p.read_bytes() for p in _stored_files(ingestor.store.root)} == before
    assert ingestor.catalog.get(plan_uid).header.modality == "RTPLAN"


def _zip_bomb(path: Path, member_bytes: int) -> Path:
    zeros = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("export/CT.1.dcm", b"small and harmless")
        with zf.open("export/RD.bomb.dcm", "w", force_zip64=True) as member:
            for _ in range(member_bytes // len(zeros)):
                member.write(zeros)
    return path


def test_a_zip_bomb_is_refused_before_anything_is_extracted(ingestor: Ingestor, tmp_path: Path):
    """A 256 KB ZIP with a 256 MiB member. Before: the member was written out whole into the
    storage's incoming folder and only then rejected as not DICOM. (256 MiB, not more: the
    test's own DEFLATE of the zeros is what takes its time.)"""
    bomb = _zip_bomb(tmp_path / "export.zip", 1 << 28)
    assert bomb.stat().st_size < 1024 * 1024
    free_before = shutil.disk_usage(ingestor.store.root).free
    report = import_paths([bomb], ingestor, clear=True)
    [(name, reason)] = report.rejected
    assert name == "export.zip"
    assert reason.startswith("member 'export/RD.bomb.dcm' would expand ")
    assert "256 MB" in reason and "at most 200 times" in reason and "ZIP bomb" in reason
    assert report.stored == 0 and report.cleared == 0 and bomb.exists()
    assert [p for p in (ingestor.store.root / INCOMING_DIR).rglob("*") if p.is_file()] == []
    # Nothing near the member's size was written (other tests may write a little).
    assert free_before - shutil.disk_usage(ingestor.store.root).free < 64 * 1024 * 1024


def test_a_zip_larger_than_the_free_space_is_refused(tmp_path: Path):
    member = os.urandom(4 * 1024 * 1024)  # does not compress: no ratio problem
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("RD.big.dcm", member)
    root = tmp_path / "storage"
    root.mkdir()
    floor = shutil.disk_usage(root).free - 1024 * 1024  # 1 MB above the floor is left
    store = DurableStore(root, min_free_bytes=floor)
    catalog = Catalog(tmp_path / "catalog.sqlite", root)
    try:
        report = import_paths([archive], Ingestor(store, catalog))
    finally:
        catalog.close()
    [(name, reason)] = report.rejected
    assert name == "big.zip"
    assert reason.startswith("its members add up to 4 MB, more than the ")
    assert "MB free above the floor in storage folder" in reason
    assert "nothing was extracted" in reason


def test_a_zip_expanding_beyond_the_total_limit_is_refused(
    ingestor: Ingestor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(zip_limits, "ZIP_MAX_TOTAL_BYTES", 2 * 1024 * 1024)
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in range(3):
            zf.writestr(f"CT.{n}.dcm", os.urandom(1024 * 1024))
    report = import_paths([archive], ingestor)
    assert report.rejected == [
        (
            "many.zip",
            "its members add up to 3 MB, more than the 2 MB one ZIP may expand to: "
            "nothing was extracted",
        )
    ]


@pytest.mark.parametrize("keyword", ["SOPInstanceUID", "SOPClassUID"])
def test_a_dataset_without_its_own_sop_uid_is_rejected_even_with_a_file_meta(
    ingestor: Ingestor, tmp_path: Path, keyword: str
):
    """Before: stored with the File Meta's UID, and a rule could forward a dataset that a
    receiver may refuse (the station's own receiver answers such a C-STORE 0xC210)."""
    study = write_study(tmp_path / "s", StudySpec(**SMALL))
    ds = pydicom.dcmread(study.plan_paths[0])
    delattr(ds, keyword)
    (tmp_path / "drop").mkdir()
    ds.save_as(tmp_path / "drop" / "RP.dcm")
    report = import_paths([tmp_path / "drop"], ingestor)
    [(name, reason)] = report.rejected
    assert name == "RP.dcm" and report.stored == 0
    assert reason.startswith("the dataset has no SOP ") and "its File Meta names one" in reason
