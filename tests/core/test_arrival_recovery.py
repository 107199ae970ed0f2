"""One commit per received instance: every crash window of it, and the rows it hides.

A received file is taken over in the staging folder; its catalog row and a pending write
naming the staged file are committed before the rename; the pending write is cleared after
the rename is on disk. Each test below builds the state a crash at one point of that
sequence leaves (the files and rows exactly as ``Ingestor`` writes them), then restarts
the catalog and runs ``recover()`` as the primary station does at startup.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pydicom
import pytest

from rtstation.dicom.headers import read_header
from rtstation.errors import StorageError
from rtstation.storage.archive import content_hash
from rtstation.storage.catalog import Catalog, InstanceRecord
from rtstation.storage.ingest import Ingestor
from rtstation.storage.layout import INCOMING_DIR, instance_path
from rtstation.storage.reindex import reindex
from tests.core.test_storage import SMALL, Station, dataset_sha256
from tests.data.generator import GeneratedStudy, StudySpec, write_study


@pytest.fixture
def station(tmp_path: Path):
    s = Station(tmp_path)
    yield s
    s.catalog.close()


@pytest.fixture
def study(tmp_path: Path) -> GeneratedStudy:
    return write_study(tmp_path / "src", StudySpec(**SMALL))


def _received(station: Station, source: Path, name: str = "tmpreceived.dcm") -> Path:
    """A copy of ``source`` where pynetdicom writes a received dataset (our staging folder)."""
    target = station.store.incoming / name
    shutil.copyfile(source, target)
    return target


def _arrival(station: Station, staged: Path, source_ae: str = "ECLIPSE") -> InstanceRecord:
    """What ingest commits before the rename: the row and the pending write, together."""
    header = read_header(staged)
    record = InstanceRecord(
        header,
        relative_path=instance_path(header).as_posix(),
        size=staged.stat().st_size,
        content_hash=content_hash(staged),
        source_ae=source_ae,
        calling_ip="10.0.0.7",
    )
    station.catalog.record_arrival(record, staged=staged.relative_to(station.root).as_posix())
    return record


def _restart(station: Station) -> Ingestor:
    station.catalog.close()
    station.catalog = Catalog(station.db, station.root)
    station.ingestor = Ingestor(station.store, station.catalog)
    return station.ingestor


def test_receive_keeps_the_file_in_place_and_trusts_the_writers_hash(
    station: Station, study: GeneratedStudy
):
    source = study.plan_paths[0]
    temp = _received(station, source)
    digest = dataset_sha256(source)
    result = station.ingestor.ingest(temp, source_ae="ECLIPSE", move=True, content_hash_hint=digest)
    assert result.outcome == "stored" and result.content_hash == digest
    assert Path(result.header.path).read_bytes() == source.read_bytes()
    assert not temp.exists() and station.incoming() == []
    row = station.catalog.get(result.header.sop_instance_uid)
    assert row is not None and row.content_hash == digest
    assert station.catalog.pending_writes() == []


def test_an_arrival_in_flight_is_hidden_from_every_read(station: Station, study: GeneratedStudy):
    record = _arrival(station, _received(station, study.plan_paths[0]))
    uid = record.header.sop_instance_uid
    assert station.catalog.get(uid) is None
    assert station.catalog.instances() == [] and station.catalog.count() == 0
    assert station.catalog.patient_ids() == [] and station.catalog.stats() == {}
    assert station.catalog.get(uid, include_in_flight=True) is not None
    station.catalog.finish_arrival(record.relative_path)
    assert station.catalog.get(uid) is not None and station.catalog.count() == 1


def test_crash_after_the_commit_before_the_rename_finishes_the_store(
    station: Station, study: GeneratedStudy
):
    source = study.plan_paths[0]
    record = _arrival(station, _received(station, source))
    ingestor = _restart(station)
    assert ingestor.recover() == 1
    final = station.root / record.relative_path
    assert final.read_bytes() == source.read_bytes()
    row = station.catalog.get(record.header.sop_instance_uid)
    assert row is not None
    assert (row.content_hash, row.source_ae) == (dataset_sha256(source), "ECLIPSE")
    assert station.catalog.pending_writes() == [] and station.incoming() == []
    (audit,) = station.audit("healed")
    assert audit.detail.startswith("finished at startup")
    assert ingestor.recover() == 0  # idempotent


def test_crash_with_an_incomplete_staged_file_drops_the_row(
    station: Station, study: GeneratedStudy
):
    """Power lost before the file's fsync ended: the staged bytes are not the row's."""
    staged = _received(station, study.plan_paths[0])
    record = _arrival(station, staged)
    staged.write_bytes(staged.read_bytes()[:200])
    ingestor = _restart(station)
    assert ingestor.recover() == 0
    assert station.catalog.get(record.header.sop_instance_uid, include_in_flight=True) is None
    assert station.catalog.pending_writes() == [] and station.incoming() == []
    assert station.stored_files() == []


def test_crash_during_a_replacement_keeps_the_stored_copy(
    station: Station, study: GeneratedStudy, tmp_path: Path
):
    first = station.ingestor.ingest(study.plan_paths[0], source_ae="TPS_A")
    ds = pydicom.dcmread(study.plan_paths[0])
    ds.RTPlanName = "Edited after export"
    edited = tmp_path / "edited.dcm"
    ds.save_as(edited)
    staged = _received(station, edited)
    _arrival(station, staged, source_ae="TPS_B")
    staged.unlink()  # its data never reached the disk
    ingestor = _restart(station)
    assert ingestor.recover() == 1
    row = station.catalog.get(first.header.sop_instance_uid)
    assert row is not None
    assert row.content_hash == dataset_sha256(study.plan_paths[0]) == first.content_hash
    assert Path(row.header.path).read_bytes() == study.plan_paths[0].read_bytes()
    assert row.header.plan_name != "Edited after export"
    assert station.catalog.pending_writes() == []


def test_crash_after_the_rename_before_the_clearing_keeps_the_instance(
    station: Station, study: GeneratedStudy
):
    source = study.plan_paths[0]
    staged = _received(station, source)
    record = _arrival(station, staged)
    final = station.root / record.relative_path
    final.parent.mkdir(parents=True)
    staged.rename(final)  # renamed and on disk; the clearing commit was lost
    ingestor = _restart(station)
    assert ingestor.recover() == 0
    row = station.catalog.get(record.header.sop_instance_uid)
    assert row is not None and row.content_hash == dataset_sha256(source)
    assert station.catalog.pending_writes() == [] and station.audit("healed") == []


def test_recovery_leaves_a_live_processs_arrival_alone(station: Station, study: GeneratedStudy):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        folder = station.root / INCOMING_DIR / str(other.pid)
        folder.mkdir(parents=True)
        staged = folder / "tmpother.dcm"
        shutil.copyfile(study.plan_paths[0], staged)
        record = _arrival(station, staged)
        ingestor = _restart(station)
        assert ingestor.recover() == 0
        assert staged.exists() and len(station.catalog.pending_writes()) == 1
        assert not (station.root / record.relative_path).exists()
    finally:
        other.kill()
        other.wait()


def test_a_failed_rename_puts_the_previous_row_back(
    station: Station, study: GeneratedStudy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    first = station.ingestor.ingest(study.plan_paths[0], source_ae="TPS_A")
    ds = pydicom.dcmread(study.plan_paths[0])
    ds.RTPlanName = "Edited after export"
    edited = tmp_path / "edited.dcm"
    ds.save_as(edited)

    def failing_commit(*_args: object) -> Path:
        raise StorageError("Cannot write 'x': Input/output error")

    monkeypatch.setattr(station.store, "commit", failing_commit)
    with pytest.raises(StorageError):
        station.ingestor.ingest(_received(station, edited), source_ae="TPS_B", move=True)
    row = station.catalog.get(first.header.sop_instance_uid)
    assert row is not None and (row.source_ae, row.content_hash) == ("TPS_A", first.content_hash)
    assert station.catalog.pending_writes() == []
    (restored,) = station.audit("restored")
    assert restored.detail == "the replacing copy could not be stored"
    with pytest.raises(StorageError):
        station.ingestor.ingest(study.image_paths[0], source_ae="TPS_B")
    assert station.catalog.get(read_header(study.image_paths[0]).sop_instance_uid) is None
    assert station.catalog.pending_writes() == []


def test_same_bytes_as_an_arrival_in_flight_are_stored_not_called_duplicate(
    station: Station, study: GeneratedStudy, tmp_path: Path
):
    """Another process committed bytes B for a stored instance and has not renamed yet (the
    file still holds A): the same B arriving here must end up on disk, not be acknowledged
    as a duplicate of a row whose file does not hold it."""
    first = station.ingestor.ingest(study.plan_paths[0], source_ae="TPS_A")
    ds = pydicom.dcmread(study.plan_paths[0])
    ds.RTPlanName = "Edited after export"
    edited = tmp_path / "edited.dcm"
    ds.save_as(edited)
    other = station.root / INCOMING_DIR / "999999999"
    other.mkdir(parents=True)
    staged_elsewhere = other / "tmpother.dcm"
    shutil.copyfile(edited, staged_elsewhere)
    _arrival(station, staged_elsewhere, source_ae="TPS_B")
    assert Path(first.header.path).read_bytes() == study.plan_paths[0].read_bytes()

    result = station.ingestor.ingest(edited, source_ae="TPS_B")
    assert result.outcome != "duplicate"
    assert Path(result.header.path).read_bytes() == edited.read_bytes()
    row = station.catalog.get(first.header.sop_instance_uid)
    assert row is not None and row.content_hash == dataset_sha256(edited)
    # the audit says what happened: the same bytes as the arrival in flight, not "other bytes"
    (replaced,) = station.audit("replaced")
    assert replaced.detail.endswith("(the same bytes, still being stored)"), replaced.detail


def test_the_clearing_commit_leaves_the_connection_synchronous_full(tmp_path: Path):
    """finish_arrival commits without waiting for the disk; every later commit must wait."""
    from rtstation.database import Database

    db = Database(tmp_path / "c.sqlite")
    try:
        with db.transaction(durable=False) as conn:
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 0
        with db.reading() as conn:
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        with pytest.raises(RuntimeError), db.transaction(durable=False):
            raise RuntimeError("rolled back")
        with db.reading() as conn:
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    finally:
        db.close()


def test_reindex_leaves_a_file_another_arrival_is_storing_to_that_arrival(
    station: Station, study: GeneratedStudy
):
    """Found by an adversarial review (reindex during an import): a file already in place
    whose arrival had not finished was read by reindex and recorded as from UNKNOWN."""
    other = station.root / INCOMING_DIR / "999999999"
    other.mkdir(parents=True)
    staged = other / "tmpother.dcm"
    shutil.copyfile(study.plan_paths[0], staged)
    record = _arrival(station, staged, source_ae="ECLIPSE")
    final = station.root / record.relative_path
    final.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(staged, final)  # renamed into place, the arrival not finished yet
    report = reindex(station.store, station.catalog)
    assert report.added == 0
    uid = record.header.sop_instance_uid
    assert station.catalog.get(uid) is None  # still in flight
    station.catalog.finish_arrival(record.relative_path)
    row = station.catalog.get(uid)
    assert row is not None and row.source_ae == "ECLIPSE"
