"""Durable storage, the one ingest path, the catalog, crash healing and reindex.

Why it matters: a C-STORE is acknowledged only after ``Ingestor.ingest`` returns, so once it
has, the instance must be on disk under its final name, byte for byte, and in the catalog,
whatever happens next (a crash, a second copy with other bytes, four senders at once).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pydicom
import pydicom.uid
import pytest

from rtstation.database import Database
from rtstation.dicom.headers import read_header
from rtstation.dicom.integrity import dataset_offset
from rtstation.errors import DicomReadError, StorageError
from rtstation.events import EventBus, InstanceStored
from rtstation.storage.archive import DurableStore, content_hash
from rtstation.storage.catalog import Catalog
from rtstation.storage.ingest import Ingestor
from rtstation.storage.layout import INCOMING_DIR, instance_path
from rtstation.storage.reindex import UNKNOWN_SOURCE, reindex
from tests.data.generator import (
    GeneratedStudy,
    PlanSpec,
    StudySpec,
    write_ct_series,
    write_garbage,
    write_study,
)
from tests.data.pydicom_files import pydicom_rt_files

SMALL = {"slices": 4, "rows": 8, "columns": 8}


def dataset_sha256(path: Path) -> str:
    """SHA-256 of what follows the File Meta (computed here, independently of archive.py)."""
    ds = pydicom.dcmread(path, force=True)
    data = path.read_bytes()
    if data[128:132] != b"DICM":
        return hashlib.sha256(data).hexdigest()
    meta_length = int(ds.file_meta.FileMetaInformationGroupLength)
    return hashlib.sha256(data[132 + 12 + meta_length :]).hexdigest()


def dataset_bytes(path: Path) -> bytes:
    with open(path, "rb") as f:
        return path.read_bytes()[dataset_offset(f) :]


class Station:
    """A storage folder, its catalog and an ingestor, as the real station wires them."""

    def __init__(self, root: Path, *, min_free_bytes: int = 0) -> None:
        self.root = root / "storage"
        self.db = root / "catalog.sqlite"
        self.store = DurableStore(self.root, min_free_bytes=min_free_bytes)
        self.catalog = Catalog(self.db, self.root)
        self.bus = EventBus()
        self.events: list[InstanceStored] = []
        self.bus.subscribe(InstanceStored, self.events.append)
        self.ingestor = Ingestor(self.store, self.catalog, self.bus)

    def stored_files(self) -> list[Path]:
        return sorted(
            p for p in self.root.rglob("*") if p.is_file() and INCOMING_DIR not in p.parts
        )

    def incoming(self) -> list[Path]:
        """Files being staged, in any process's staging folder."""
        return [p for p in (self.root / INCOMING_DIR).rglob("*") if p.is_file()]

    def audit(self, event: str | None = None) -> list[SimpleNamespace]:
        """Audit rows (newest first), read from the database as any reader of it would."""
        sql, params = "SELECT * FROM audit", ()
        if event is not None:
            sql, params = sql + " WHERE event = ?", (event,)
        with Database(self.db) as db:
            return [SimpleNamespace(**dict(r)) for r in db.query(sql + " ORDER BY id DESC", params)]


@pytest.fixture
def station(tmp_path: Path):
    s = Station(tmp_path)
    yield s
    s.catalog.close()


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> GeneratedStudy:
    return write_study(
        tmp_path_factory.mktemp("study"),
        StudySpec(**SMALL, plans=(PlanSpec(), PlanSpec(label="P2", doses=0))),  # type: ignore[arg-type]
        uid_seed="storage",
    )


# --- DurableStore ------------------------------------------------------------------------


def test_stage_copy_and_commit(tmp_path: Path, study: GeneratedStudy):
    store = DurableStore(tmp_path / "s")
    source = study.plan_paths[0]
    staged = store.stage_copy(source)
    assert staged.path.parent == store.incoming and staged.path.suffix == ".part"
    assert staged.size == source.stat().st_size
    assert staged.content_hash == dataset_sha256(source)
    final = store.commit(staged, "a/b/plan.dcm")
    assert final == store.root / "a" / "b" / "plan.dcm"
    assert final.read_bytes() == source.read_bytes()
    assert list(store.incoming.iterdir()) == []
    assert list(store.iter_stored_files()) == [final]


def test_commit_fsyncs_every_folder_it_created(
    tmp_path: Path, study: GeneratedStudy, monkeypatch: pytest.MonkeyPatch
):
    """A power cut after the answer must not lose a new patient's folder: the rename is
    fsynced in its folder, and each new folder in the folder that holds it."""
    store = DurableStore(tmp_path / "s")
    staged = store.stage_copy(study.plan_paths[0])
    synced: set[tuple[int, int]] = set()
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        info = os.fstat(fd)
        synced.add((info.st_dev, info.st_ino))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    final = store.commit(staged, "PAT/STUDY/SERIES/plan.dcm")
    folders = [store.root, store.root / "PAT", store.root / "PAT" / "STUDY", final.parent]
    missing = [f for f in folders if (os.stat(f).st_dev, os.stat(f).st_ino) not in synced]
    assert missing == []


def test_stage_move_takes_the_file(tmp_path: Path, study: GeneratedStudy):
    store = DurableStore(tmp_path / "s")
    source = tmp_path / "received.tmp"
    shutil.copyfile(study.plan_paths[0], source)
    staged = store.stage_move(source)
    assert not source.exists()
    assert staged.path.read_bytes() == study.plan_paths[0].read_bytes()
    assert staged.content_hash == content_hash(study.plan_paths[0])


def test_free_space_floor(tmp_path: Path, study: GeneratedStudy):
    store = DurableStore(tmp_path / "s", min_free_bytes=1 << 62)
    with pytest.raises(StorageError, match=r"^Storage folder '.*' has \d+ MB free, below") as info:
        store.stage_copy(study.plan_paths[0])
    assert info.value.disk_full
    assert f"'{store.root}'" in str(info.value)
    assert "configured floor of 4398046511104 MB: free some space or lower" in str(info.value)
    assert list(store.incoming.iterdir()) == []


def test_disk_full_while_writing(tmp_path: Path, study: GeneratedStudy, monkeypatch):
    store = DurableStore(tmp_path / "s")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("rtstation.storage.archive.os.fsync", no_space)
    with pytest.raises(
        StorageError, match=r"^Storage folder '.*' is full while writing 'RP\."
    ) as info:
        store.stage_copy(study.plan_paths[0])
    assert info.value.disk_full
    assert list(store.incoming.iterdir()) == []  # nothing half-written left


def test_clean_incoming(tmp_path: Path):
    store = DurableStore(tmp_path / "s")
    (store.incoming / "a.part").write_bytes(b"half")
    (store.incoming / "zip-b.part").write_bytes(b"half")
    assert store.clean_incoming() == 2
    assert list(store.incoming.iterdir()) == []


# --- Ingestor ----------------------------------------------------------------------------


def test_store_records_everything(station: Station, study: GeneratedStudy):
    source = study.plan_paths[0]
    result = station.ingestor.ingest(source, source_ae="ECLIPSE", calling_ip="10.0.0.7")
    assert result.outcome == "stored"
    final = Path(result.header.path)
    assert final == station.root / instance_path(result.header)
    assert result.relative_path == instance_path(result.header).as_posix()
    assert final.read_bytes() == source.read_bytes()
    row = station.catalog.get(result.header.sop_instance_uid)
    assert row is not None
    assert (row.source_ae, row.calling_ip, row.removed_at) == ("ECLIPSE", "10.0.0.7", None)
    assert row.size == source.stat().st_size
    assert row.content_hash == dataset_sha256(source) == result.content_hash
    assert row.relative_path == result.relative_path
    assert row.header == result.header
    assert row.received_at.endswith("+00:00")
    assert [a.event for a in station.audit()] == ["stored"]
    assert station.catalog.pending_writes() == []
    assert station.incoming() == []
    assert [(e.outcome, e.source_ae, e.path) for e in station.events] == [
        ("stored", "ECLIPSE", str(final))
    ]


def test_same_bytes_again_is_a_duplicate(station: Station, study: GeneratedStudy, tmp_path: Path):
    first = station.ingestor.ingest(study.plan_paths[0], source_ae="A", calling_ip="1.1.1.1")
    copy = tmp_path / "copy.dcm"
    shutil.copyfile(study.plan_paths[0], copy)
    again = station.ingestor.ingest(copy, source_ae="B", calling_ip="2.2.2.2")
    assert again.outcome == "duplicate"
    assert again.header.path == first.header.path
    assert len(station.stored_files()) == 1
    row = station.catalog.get(first.header.sop_instance_uid)
    assert row is not None and (row.source_ae, row.calling_ip) == ("A", "1.1.1.1")
    (audit,) = station.audit("duplicate")
    assert (audit.sop_instance_uid, audit.source) == (first.header.sop_instance_uid, "B")
    assert audit.detail.startswith("same bytes as the copy received ")
    assert station.incoming() == [] and copy.exists()
    assert [e.outcome for e in station.events] == ["stored", "duplicate"]


def test_other_bytes_same_uid_replaces(station: Station, study: GeneratedStudy, tmp_path: Path):
    first = station.ingestor.ingest(study.plan_paths[0], source_ae="TPS_A")
    ds = pydicom.dcmread(study.plan_paths[0])
    ds.RTPlanName = "Edited after export"
    edited = tmp_path / "edited.dcm"
    ds.save_as(edited)
    second = station.ingestor.ingest(edited, source_ae="TPS_B", calling_ip="10.0.0.9")
    assert second.outcome == "replaced"
    assert second.relative_path == first.relative_path
    assert station.stored_files() == [Path(first.header.path)]
    assert Path(second.header.path).read_bytes() == edited.read_bytes()
    row = station.catalog.get(first.header.sop_instance_uid)
    assert row is not None
    assert (row.source_ae, row.content_hash) == ("TPS_B", dataset_sha256(edited))
    assert row.header.plan_name == "Edited after export"
    (audit,) = station.audit("replaced")
    assert audit.source == "TPS_B"
    assert audit.detail.startswith("replaced the copy received ")
    assert audit.detail.endswith(" from TPS_A (other bytes)")


def test_replacement_under_another_patient_id_moves_the_file(
    station: Station, study: GeneratedStudy, tmp_path: Path
):
    first = station.ingestor.ingest(study.plan_paths[0], source_ae="A")
    old_patient = first.header.patient_id
    station.catalog.refresh_plans(old_patient)
    assert [p.plan_uid for p in station.catalog.plans(old_patient)] == [
        first.header.sop_instance_uid
    ]
    ds = pydicom.dcmread(study.plan_paths[0])
    ds.PatientID = "CORRECTED"
    edited = tmp_path / "edited.dcm"
    ds.save_as(edited)
    second = station.ingestor.ingest(edited, source_ae="A")
    assert second.outcome == "replaced"
    assert second.moved_from == old_patient
    assert second.relative_path.startswith("CORRECTED/")
    assert station.stored_files() == [Path(second.header.path)]
    assert not Path(first.header.path).exists()
    assert station.catalog.count() == 1
    # Before: the old patient's plans row still showed the plan that had moved away.
    assert station.catalog.plans(old_patient) == []


def test_raw_dataset_is_stored_as_part10(station: Station):
    source = pydicom_rt_files()["rtstruct.dcm"]  # no preamble, no File Meta
    result = station.ingestor.ingest(source, source_ae="OLD_EXPORT")
    final = Path(result.header.path)
    data = final.read_bytes()
    assert data[128:132] == b"DICM"
    assert dataset_bytes(final) == source.read_bytes()  # the dataset, unchanged
    ds = pydicom.dcmread(final)  # no force needed any more
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2"
    assert result.header.transfer_syntax_uid == "1.2.840.10008.1.2"
    row = station.catalog.get(ds.SOPInstanceUID)
    assert row is not None
    assert row.content_hash == hashlib.sha256(source.read_bytes()).hexdigest()
    assert row.size == len(data)
    # the same raw file again is a duplicate: the hash covers the dataset only
    assert station.ingestor.ingest(source, source_ae="OLD_EXPORT").outcome == "duplicate"


def test_raw_dataset_moved_in_is_stored_as_part10(station: Station, tmp_path: Path):
    """A ZIP member or receiver temp file is moved, not copied; a raw one still gets meta."""
    source = tmp_path / "member.part"
    shutil.copyfile(pydicom_rt_files()["rtstruct.dcm"], source)
    result = station.ingestor.ingest(source, source_ae="IMPORT_FOLDER", move=True)
    assert not source.exists()
    final = Path(result.header.path)
    assert final.read_bytes()[128:132] == b"DICM"
    assert dataset_bytes(final) == pydicom_rt_files()["rtstruct.dcm"].read_bytes()


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("not_dicom", r"not a DICOM file"),
        ("empty", r"^.*empty\.dcm: empty file \(0 bytes\)$"),
        ("truncated", r"truncated: element \(300A,00B0\)"),
        ("truncated_pixels", r"truncated: element \(7FE0,0010\)"),
        ("no_sop_uid", r"no SOP Instance UID \(0008,0018\)"),
    ],
)
def test_bad_data_is_rejected_and_nothing_remains(
    station: Station, tmp_path: Path, key: str, reason: str
):
    path = write_garbage(tmp_path / "g")[key]
    with pytest.raises(DicomReadError, match=reason) as info:
        station.ingestor.ingest(path, source_ae="X")
    assert info.value.path == str(path)  # the source, not the staged temp file
    assert station.stored_files() == [] and station.incoming() == []
    assert station.catalog.count() == 0 and station.catalog.pending_writes() == []
    assert path.exists()


def test_dicomdir_is_rejected(station: Station, tmp_path: Path):
    from pydicom.data import get_testdata_file

    dicomdir = get_testdata_file("DICOMDIR", download=False)
    if dicomdir is None:  # pragma: no cover - part of every pydicom install
        pytest.fail("pydicom's DICOMDIR test file is missing")
    with pytest.raises(DicomReadError, match=r"a DICOMDIR \(media index\), not an instance"):
        station.ingestor.ingest(Path(str(dicomdir)), source_ae="X")
    assert station.incoming() == []


def test_free_space_floor_through_ingest(tmp_path: Path, study: GeneratedStudy):
    station = Station(tmp_path, min_free_bytes=1 << 62)
    try:
        with pytest.raises(StorageError) as info:
            station.ingestor.ingest(study.plan_paths[0], source_ae="A")
        assert info.value.disk_full and str(station.root) in str(info.value)
        assert station.catalog.count() == 0 and station.incoming() == []
    finally:
        station.catalog.close()


# --- crash healing -----------------------------------------------------------------------


def test_crash_between_rename_and_catalog_is_healed(
    station: Station, study: GeneratedStudy, tmp_path: Path
):
    header = read_header(study.plan_paths[0])
    relative = instance_path(header).as_posix()
    # what ingest does up to the crash: pending row, staged file renamed into place
    station.catalog.add_pending(relative, header.sop_instance_uid, "ECLIPSE", "10.0.0.7")
    station.store.commit(station.store.stage_copy(study.plan_paths[0]), relative)
    (station.store.incoming / "left-by-crash.part").write_bytes(b"half a file")
    assert station.catalog.get(header.sop_instance_uid) is None

    # restart
    station.catalog.close()
    station.catalog = Catalog(station.db, station.root)
    ingestor = Ingestor(station.store, station.catalog)
    assert ingestor.recover() == 1
    row = station.catalog.get(header.sop_instance_uid)
    assert row is not None
    assert (row.source_ae, row.calling_ip, row.relative_path) == ("ECLIPSE", "10.0.0.7", relative)
    assert row.content_hash == dataset_sha256(study.plan_paths[0])
    (audit,) = station.audit("healed")
    assert audit.sop_instance_uid == header.sop_instance_uid
    assert station.catalog.pending_writes() == []
    assert station.incoming() == []
    assert ingestor.recover() == 0  # idempotent


def test_crash_before_rename_keeps_the_indexed_copy(station: Station, study: GeneratedStudy):
    """A pending row whose rename never happened points at the copy already indexed."""
    first = station.ingestor.ingest(study.plan_paths[0], source_ae="FIRST")
    station.catalog.add_pending(first.relative_path, first.header.sop_instance_uid, "SECOND", "")
    assert station.ingestor.recover() == 0
    row = station.catalog.get(first.header.sop_instance_uid)
    assert row is not None and row.source_ae == "FIRST"
    assert station.catalog.pending_writes() == [] and station.audit("healed") == []


def test_pending_row_without_file_is_cleared(station: Station):
    station.catalog.add_pending("P/1/CT_1/1.2.3.dcm", "1.2.3", "A", "")
    assert station.ingestor.recover() == 0
    assert station.catalog.pending_writes() == []
    assert station.catalog.count() == 0


def test_pending_row_with_unreadable_file_is_cleared(station: Station):
    target = station.root / "P" / "bad.dcm"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"garbage")
    station.catalog.add_pending("P/bad.dcm", "1.2.3", "A", "")
    assert station.ingestor.recover() == 0
    assert station.catalog.pending_writes() == [] and station.catalog.count() == 0


# --- reindex and plans -------------------------------------------------------------------


def ingest_all(station: Station, paths, source_ae: str = "ECLIPSE") -> None:
    for path in paths:
        station.ingestor.ingest(path, source_ae=source_ae, calling_ip="10.1.1.1")


def test_reindex_rebuilds_a_deleted_catalog(station: Station, study: GeneratedStudy):
    ingest_all(station, study.all_paths)
    before = {i.sop_instance_uid: i for i in station.catalog.instances()}
    station.catalog.close()
    for path in station.db.parent.glob(station.db.name + "*"):
        path.unlink()
    station.catalog = Catalog(station.db, station.root)
    assert station.catalog.count() == 0
    report = reindex(station.store, station.catalog)
    assert (report.indexed, report.added, report.dropped, report.problems) == (
        len(study.all_paths),
        len(study.all_paths),
        0,
        [],
    )
    after = {i.sop_instance_uid: i for i in station.catalog.instances()}
    assert after.keys() == before.keys()
    for uid, row in after.items():
        assert row.header == before[uid].header
        assert (row.relative_path, row.size, row.content_hash) == (
            before[uid].relative_path,
            before[uid].size,
            before[uid].content_hash,
        )
        assert (row.source_ae, row.calling_ip) == (UNKNOWN_SOURCE, "")
    assert report.summary() == (
        f"{len(study.all_paths)} file(s) indexed ({len(study.all_paths)} new), "
        "0 missing row(s) dropped, 0 unreadable"
    )


def test_reindex_keeps_known_sources_and_drops_missing_files(
    station: Station, study: GeneratedStudy
):
    ingest_all(station, study.all_paths)
    dose = station.catalog.get(study.dose_uids[0])
    assert dose is not None
    Path(dose.header.path).unlink()
    (station.root / "stray.dcm").write_bytes(b"not dicom")
    report = reindex(station.store, station.catalog)
    assert (report.added, report.dropped) == (0, 1)
    assert report.problems == [
        ("stray.dcm", "not a DICOM file (no DICM preamble and no SOP Class UID)")
    ]
    assert station.catalog.get(study.dose_uids[0]) is None
    rows = station.catalog.instances()
    assert len(rows) == len(study.all_paths) - 1
    assert {(r.source_ae, r.calling_ip) for r in rows} == {("ECLIPSE", "10.1.1.1")}


def test_refresh_plans(station: Station, study: GeneratedStudy):
    ingest_all(station, [p for p in study.all_paths if p not in study.image_paths[:1]])
    bundles = station.catalog.refresh_plans(study.patient_id)
    assert {b.uid for b in bundles} == set(study.plan_uids)
    rows = {r.plan_label: r for r in station.catalog.plans()}
    assert set(rows) == {"PLAN1", "P2"}
    plan1 = rows["PLAN1"]
    assert (plan1.plan_uid, plan1.patient_id) == (study.plan_uids[0], study.patient_id)
    assert (plan1.complete, plan1.summary) == (False, "CT 3/4, RS, RD")
    assert (plan1.approval_status, plan1.source_ae, plan1.instance_count) == (
        "APPROVED",
        "ECLIPSE",
        3 + 1 + 1 + 1,
    )
    assert rows["P2"].summary == "CT 3/4, RS, no dose"
    station.ingestor.ingest(study.image_paths[0], source_ae="ECLIPSE")
    station.catalog.refresh_plans(study.patient_id)
    assert {r.summary for r in station.catalog.plans()} == {"CT 4/4, RS, RD", "CT 4/4, RS, no dose"}
    assert all(r.complete for r in station.catalog.plans())
    bundle = station.catalog.plan_bundle(study.plan_uids[0])
    assert bundle is not None and len(bundle.instances()) == 7


def test_reindex_drops_plans_of_patients_whose_files_are_gone(
    station: Station, study: GeneratedStudy
):
    ingest_all(station, study.all_paths)
    station.catalog.refresh_plans(study.patient_id)
    assert len(station.catalog.plans()) == 2
    shutil.rmtree(station.root / instance_path(read_header(study.plan_paths[0])).parts[0])
    report = reindex(station.store, station.catalog)
    assert report.dropped == len(study.all_paths)
    assert station.catalog.count() == 0
    assert station.catalog.plans() == []


# --- concurrency -------------------------------------------------------------------------


def test_four_threads_ingesting_with_duplicates(tmp_path: Path, station: Station):
    originals = write_ct_series(tmp_path / "ct", 150, rows=16, columns=16)
    sources = [*originals, *originals[::3]]  # 50 duplicates, interleaved with the originals
    assert len(sources) == 200
    sources.sort(key=lambda p: p.name)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def one(path: Path) -> None:
        result = station.ingestor.ingest(path, source_ae="CT_SCANNER", calling_ip="10.0.0.1")
        with lock:
            outcomes[result.outcome] += 1

    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="ingest") as pool:
        list(pool.map(one, sources))

    assert outcomes == Counter({"stored": 150, "duplicate": 50})
    rows = station.catalog.instances()
    assert len(rows) == 150 == station.catalog.count()
    assert len(station.stored_files()) == 150
    by_uid = {r.sop_instance_uid: r for r in rows}
    for source in originals:
        uid = read_header(source).sop_instance_uid
        row = by_uid[uid]
        assert Path(row.header.path).read_bytes() == source.read_bytes()
        assert row.content_hash == dataset_sha256(source)
    assert len(station.audit("stored")) == 150
    assert len(station.audit("duplicate")) == 50
    assert station.catalog.pending_writes() == [] and station.incoming() == []
    assert station.catalog.stats() == {"CT": 150}


# --- issue 10, item 12: patient folders and empty folders --------------------------------


def _with_patient(source: Path, target: Path, patient_id: str | None, study_uid: str) -> Path:
    ds = pydicom.dcmread(source)
    if patient_id is None:
        del ds.PatientID
    else:
        ds.PatientID = patient_id
    ds.StudyInstanceUID = study_uid
    ds.SOPInstanceUID = pydicom.uid.generate_uid()
    ds.save_as(target)
    return target


def test_a_nul_inside_a_patient_id_is_another_patient(
    station: Station, study: GeneratedStudy, tmp_path: Path
):
    study_uid = "1.2.826.0.1.3680043.9.7777.10"
    plain = station.ingestor.ingest(
        _with_patient(study.image_paths[0], tmp_path / "a.dcm", "ABCD", study_uid), source_ae="A"
    )
    nul = station.ingestor.ingest(
        _with_patient(study.image_paths[1], tmp_path / "b.dcm", "AB\x00CD", study_uid),
        source_ae="A",
    )
    assert plain.relative_path.split("/")[0] == "ABCD"
    folder = nul.relative_path.split("/")[0]
    assert folder.startswith("AB_CD_") and len(folder) == len("AB_CD_") + 10
    assert nul.header.patient_id == "AB\x00CD"


def test_instances_without_a_patient_id_get_a_folder_per_study(
    station: Station, study: GeneratedStudy, tmp_path: Path
):
    folders = []
    for index, patient_id in enumerate(["", "   ", "\x00\x00", None]):
        path = _with_patient(
            study.image_paths[index],
            tmp_path / f"{index}.dcm",
            patient_id,
            f"1.2.826.0.1.3680043.9.7777.2{index}",
        )
        folders.append(station.ingestor.ingest(path, source_ae="A").relative_path.split("/")[0])
    assert len(set(folders)) == 4, folders
    assert all(re.fullmatch(r"NO_PATIENT_ID_[0-9a-f]{10}", f) for f in folders), folders
    again = _with_patient(
        study.image_paths[0], tmp_path / "again.dcm", "", "1.2.826.0.1.3680043.9.7777.20"
    )
    assert station.ingestor.ingest(again, source_ae="A").relative_path.split("/")[0] == folders[0]


def test_a_replacement_elsewhere_leaves_no_empty_folders(
    station: Station, study: GeneratedStudy, tmp_path: Path
):
    first = station.ingestor.ingest(study.plan_paths[0], source_ae="A")
    ds = pydicom.dcmread(study.plan_paths[0])
    ds.PatientID = "CORRECTED"
    edited = tmp_path / "edited.dcm"
    ds.save_as(edited)
    station.ingestor.ingest(edited, source_ae="A")
    old_patient = station.root / first.relative_path.split("/")[0]
    assert not old_patient.exists()
    folders = [p for p in station.root.rglob("*") if p.is_dir() and INCOMING_DIR not in p.parts]
    assert all(any(p.iterdir()) for p in folders), folders
    assert station.root.is_dir()
