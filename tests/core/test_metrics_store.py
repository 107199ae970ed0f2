"""Plan metrics kept in the catalog database: the encoding, the table and its migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from rtstation import database
from rtstation.database import SCHEMA_VERSION, Database, schema_version
from rtstation.dicom.dvh import DvhOptions
from rtstation.dicom.metrics import plan_report, report_json
from rtstation.dicom.metrics_codec import CURVE_POINTS, decode_report, encode_report, with_vx
from rtstation.dicom.rt_tree import PlanBundle, build_tree
from rtstation.dicom.scan import scan
from rtstation.storage.catalog import Catalog
from rtstation.storage.metrics_store import MetricsSource, MetricsStore
from tests.data.generator import PlanSpec, StudySpec, write_study


@pytest.fixture
def bundles(tmp_path: Path) -> list[PlanBundle]:
    spec = StudySpec(
        slices=6, plans=(PlanSpec(label="ADP_1", prescription_gy=50.0), PlanSpec(doses=0))
    )
    study = write_study(tmp_path / "export", spec)
    return list(build_tree(scan([study.root]).headers).plans)


def test_a_report_survives_the_round_trip_with_compact_curves(bundles: list[PlanBundle]) -> None:
    report = plan_report(bundles[0])
    assert report.rois and report.rois[0].dose_gy.size > CURVE_POINTS  # 10 000 bins
    back = decode_report(encode_report(report))
    assert report_json(back) == report_json(report)  # every figure exactly
    assert back.plan == report.plan and back.dose == report.dose
    assert back.structures == report.structures and back.notes == report.notes
    for before, after in zip(report.rois, back.rois, strict=True):
        assert after.vx_percent == before.vx_percent
        assert 0 < after.dose_gy.size <= CURVE_POINTS
        # the stored curve reads the same volumes off as the full one (float32, resampled)
        probe = np.linspace(0, after.dose_gy[-1], 50)
        full = np.interp(probe, before.dose_gy, before.volume_at_least_cc)
        stored = np.interp(probe, after.dose_gy, after.volume_at_least_cc)
        assert np.allclose(stored, full, rtol=0.02, atol=0.01 * before.volume_at_least_cc[0])


def test_a_report_without_dose_keeps_its_nulls_and_reason(bundles: list[PlanBundle]) -> None:
    report = plan_report(bundles[1])
    back = decode_report(encode_report(report))
    assert back.dose is None and back.notes == report.notes
    assert any("No RTDOSE" in note for note in back.notes)
    assert all(r.dmax_gy is None and r.dose_gy.size == 0 for r in back.rois)


def test_a_vx_asked_for_later_is_read_off_the_stored_curve(bundles: list[PlanBundle]) -> None:
    exact = plan_report(bundles[0], DvhOptions(vx_gy=(20.0, 30.0)))
    stored = with_vx(decode_report(encode_report(plan_report(bundles[0]))), (30.0,))
    for want, got in zip(exact.rois, stored.rois, strict=True):
        if want.vx_percent[30.0] is not None:
            assert got.vx_percent[30.0] == pytest.approx(want.vx_percent[30.0], abs=0.5)


def test_the_source_key_changes_with_the_dose_or_structure_set() -> None:
    base = MetricsSource("1.2", "P", "L", "h1", "1.3", "h2", ("1.4",), ("h3",))
    assert (
        base.key
        == MetricsSource("1.2", "P", "other label", "h1", "1.3", "h2", ("1.4",), ("h3",)).key
    )
    assert base.key != MetricsSource("1.2", "P", "L", "h1", "1.3", "h2", ("1.4",), ("new",)).key
    assert base.key != MetricsSource("1.2", "P", "L", "h1", "1.3", "hX", ("1.4",), ("h3",)).key
    assert base.key != MetricsSource("1.2", "P", "L", "h1", "1.3", "h2", (), ()).key


def test_store_saves_loads_and_lists_stale_plans(tmp_path: Path, bundles: list[PlanBundle]) -> None:
    db = tmp_path / "catalog.sqlite"
    catalog = Catalog(db, tmp_path / "storage")
    store = MetricsStore(db)
    try:
        with sqlite3.connect(db) as conn:
            conn.execute(
                "INSERT INTO plans VALUES (?, 'P', 'L', 'N', 'APPROVED', 'AE', 1, '', 1, 't1')",
                (bundles[0].uid,),
            )
        assert [s.plan_uid for s in store.stale()] == [bundles[0].uid]
        report = plan_report(bundles[0])
        source = MetricsSource(bundles[0].uid, "P", "ADP_1", "hash")
        store.save(source, report, "t1")
        assert store.stale() == []
        stored = store.load([bundles[0].uid])[bundles[0].uid]
        assert stored.source == source and stored.source_key == source.key
        assert report_json(stored.report) == report_json(report)
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE plans SET updated_at = 't2'")
        assert [s.plans_updated_at for s in store.stale()] == ["t2"]
        store.mark_checked(bundles[0].uid, "t2")
        assert store.stale() == []
        with sqlite3.connect(db) as conn:
            conn.execute("DELETE FROM plans")
        assert store.drop_orphans() == 1 and store.load() == {}
    finally:
        store.close()
        catalog.close()


def test_a_version_1_database_gets_the_metrics_table_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    conn = sqlite3.connect(path)
    database.MIGRATIONS[0].apply(conn)  # exactly what the first release created
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO audit (at, event) VALUES ('2026-01-01T00:00:00.000+00:00', 'kept')")
    conn.commit()
    conn.close()
    with Database(path) as db:
        assert db.query_one("SELECT event FROM audit")[0] == "kept"  # type: ignore[index]
        assert db.query("SELECT * FROM plan_metrics") == []
        with db.reading() as raw:
            assert schema_version(raw) == SCHEMA_VERSION
