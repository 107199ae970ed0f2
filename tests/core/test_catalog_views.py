"""The catalog's header-free views say what the full reads say.

Why it matters: the GUI's first look at a big station comes from ``patient_outlines``
(no header decoded), and is replaced by full snapshots a moment later; a patient missing
from the outline, a plan under the wrong patient or another name or time would make rows
appear, vanish or change under the user's eyes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rtstation.events import EventBus
from rtstation.storage.archive import DurableStore
from rtstation.storage.catalog import Catalog
from rtstation.storage.ingest import Ingestor
from tests.data.generator import PlanSpec, StudySpec, write_ct_series, write_many_patients


@pytest.fixture
def catalog(tmp_path: Path):
    store = DurableStore(tmp_path / "storage")
    catalog = Catalog(tmp_path / "catalog.sqlite", store.root)
    ingestor = Ingestor(store, catalog, EventBus())
    spec = StudySpec(slices=3, rows=8, columns=8, plans=(PlanSpec(), PlanSpec(label="B")))
    studies = write_many_patients(tmp_path / "in", 3, spec, uid_seed="views")
    for number, study in enumerate(studies):
        for path in study.all_paths:
            ingestor.ingest(path, source_ae=f"TPS{number % 2}", calling_ip="10.0.0.1")
    ct_only = write_ct_series(tmp_path / "ct", 2, rows=8, columns=8, patient_id="CTONLY")
    for path in ct_only:
        ingestor.ingest(path, source_ae="CT_SCANNER", calling_ip="10.0.0.2")
    for patient_id in catalog.patient_ids():
        catalog.refresh_plans(patient_id)
    yield catalog
    catalog.close()


def test_outlines_match_the_rt_tree_and_the_plans_table(catalog: Catalog):
    outlines = catalog.patient_outlines()

    tree = catalog.tree()
    assert [o.patient_id for o in outlines] == [p.patient_id for p in tree.patients]
    for outline, node in zip(outlines, tree.patients, strict=True):
        instances = catalog.instances(outline.patient_id)
        assert outline.patient_name == node.patient_name
        assert outline.received_at == max(i.received_at for i in instances)
        assert outline.source_aes == tuple(sorted({i.source_ae for i in instances}))
        assert [p.plan_uid for p in outline.plans] == [b.uid for b in node.plans]
        rows = {r.plan_uid: r for r in catalog.plans(outline.patient_id)}
        for plan in outline.plans:
            row = rows[plan.plan_uid]
            assert (plan.plan_label, plan.plan_name, plan.approval_status) == (
                row.plan_label,
                row.plan_name,
                row.approval_status,
            )
            assert (plan.source_ae, plan.complete, plan.summary) == (
                row.source_ae,
                row.complete,
                row.summary,
            )
            plan_row = catalog.get(plan.plan_uid)
            assert plan_row is not None and plan.received_at == plan_row.received_at
    ct_only = next(o for o in outlines if o.patient_id == "CTONLY")
    assert ct_only.plans == () and ct_only.source_aes == ("CT_SCANNER",)


def test_outlines_leave_out_what_was_removed(catalog: Catalog):
    ct_only = [i.sop_instance_uid for i in catalog.instances("CTONLY")]
    catalog.mark_removed(ct_only, "delete_after_send")
    assert "CTONLY" not in [o.patient_id for o in catalog.patient_outlines()]
