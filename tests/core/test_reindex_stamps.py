"""A warm reindex reads only the files that changed since it last read them.

Why it matters: ``reindex`` over a station of 100,000 files must not read every header
again to find the few that changed; but a file rewritten in place, or replaced by another
file with the same size and mtime, must be read again, or the catalog keeps describing
bytes that are no longer there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pydicom
import pytest

from rtstation.dicom.headers import read_header
from rtstation.events import EventBus
from rtstation.storage.archive import DurableStore, content_hash
from rtstation.storage.catalog import Catalog
from rtstation.storage.ingest import Ingestor
from rtstation.storage.reindex import reindex
from tests.audit import audit_rows
from tests.data.generator import GeneratedStudy, PlanSpec, StudySpec, write_study


@pytest.fixture
def study(tmp_path: Path) -> GeneratedStudy:
    spec = StudySpec(slices=4, rows=8, columns=8, plans=(PlanSpec(label="PLAN1"),))
    return write_study(tmp_path / "study", spec, uid_seed="stamps")


@pytest.fixture
def stored(tmp_path: Path, study: GeneratedStudy):
    """(store, catalog) holding the study, received the ordinary way (no stamps yet)."""
    store = DurableStore(tmp_path / "storage")
    catalog = Catalog(tmp_path / "catalog.sqlite", store.root)
    ingestor = Ingestor(store, catalog, EventBus())
    for path in study.all_paths:
        ingestor.ingest(path, source_ae="ECLIPSE", calling_ip="10.1.1.1")
    yield store, catalog
    catalog.close()


def _reread(catalog: Catalog) -> list[str]:
    return [row.sop_instance_uid for row in audit_rows(catalog.db_path, "reindexed")]


def _uids(study: GeneratedStudy) -> list[str]:
    return [read_header(p).sop_instance_uid for p in study.all_paths]


def _stored_plan(catalog: Catalog, study: GeneratedStudy) -> Path:
    row = catalog.get(study.plan_uids[0])
    assert row is not None
    return Path(row.header.path)


def test_a_second_reindex_opens_no_unchanged_file(stored, study: GeneratedStudy):
    store, catalog = stored
    first = reindex(store, catalog)  # received files carry no stamp: each is read once
    assert (first.indexed, first.added, first.dropped) == (len(study.all_paths), 0, 0)
    assert sorted(_reread(catalog)) == sorted(_uids(study))
    rows_before = {i.sop_instance_uid: i for i in catalog.instances()}

    second = reindex(store, catalog)

    assert (second.indexed, second.added, second.dropped, second.problems) == (
        len(study.all_paths),
        0,
        0,
        [],
    )
    assert len(_reread(catalog)) == len(study.all_paths)  # nothing read the second time
    assert {i.sop_instance_uid: i for i in catalog.instances()} == rows_before
    assert {(r.source_ae, r.calling_ip) for r in rows_before.values()} == {("ECLIPSE", "10.1.1.1")}


def test_a_file_rewritten_in_place_is_read_again(stored, study: GeneratedStudy):
    store, catalog = stored
    reindex(store, catalog)
    path = _stored_plan(catalog, study)
    before = path.stat()
    ds = pydicom.dcmread(path)
    ds.RTPlanLabel = "PLAN9"  # same length: the file keeps its size
    ds.save_as(path)
    # as a file system with coarse timestamps might not: the rewrite is later
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert path.stat().st_size == before.st_size and path.stat().st_ino == before.st_ino

    report = reindex(store, catalog)

    assert (report.indexed, report.added) == (len(study.all_paths), 0)
    assert _reread(catalog)[len(study.all_paths) :] == [study.plan_uids[0]]
    row = catalog.get(study.plan_uids[0])
    assert row is not None and row.header.plan_label == "PLAN9"
    assert row.content_hash == content_hash(path)
    assert (row.source_ae, row.calling_ip) == ("ECLIPSE", "10.1.1.1")
    assert [p.plan_label for p in catalog.plans()] == ["PLAN9"]


def test_a_file_replaced_with_the_same_size_and_mtime_is_read_again(
    tmp_path: Path, stored, study: GeneratedStudy
):
    """Only the inode tells: a backup restored with its times (copy2, then a rename)."""
    store, catalog = stored
    reindex(store, catalog)
    path = _stored_plan(catalog, study)
    before = path.stat()
    edited = tmp_path / "edited.dcm"
    ds = pydicom.dcmread(path)
    ds.RTPlanLabel = "PLAN7"
    ds.save_as(edited)
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    shutil.copy2(edited, path.with_suffix(".tmp"))
    os.replace(path.with_suffix(".tmp"), path)
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert after.st_ino != before.st_ino

    reindex(store, catalog)

    assert read_header(path).plan_label == "PLAN7"
    row = catalog.get(study.plan_uids[0])
    assert row is not None and row.header.plan_label == "PLAN7"
    assert row.content_hash == content_hash(path)


def test_a_file_gone_and_one_new_after_a_warm_reindex(
    tmp_path: Path, stored, study: GeneratedStudy
):
    store, catalog = stored
    reindex(store, catalog)
    dose = catalog.get(study.dose_uids[0])
    assert dose is not None
    moved = tmp_path / "dose.dcm"
    shutil.move(dose.header.path, moved)

    report = reindex(store, catalog)
    assert (report.indexed, report.dropped) == (len(study.all_paths) - 1, 1)
    assert catalog.get(study.dose_uids[0]) is None
    assert catalog.plans()[0].summary.endswith("no dose")

    shutil.move(moved, dose.header.path)
    report = reindex(store, catalog)
    assert (report.indexed, report.added, report.dropped) == (len(study.all_paths), 1, 0)
    assert catalog.get(study.dose_uids[0]) is not None
    assert catalog.plans()[0].complete
