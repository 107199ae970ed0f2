"""The RT reference tree: plans as roots, what belongs to each, and what is missing.

Why it matters: forwarding is decided per plan bundle, and a bundle that silently lacks its
structure set or slices would reach a treatment system half-complete. Studies come from
the generator, read through the real scan, so the links tested are the links in files.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from rtstation.dicom import sop
from rtstation.dicom.headers import InstanceHeader
from rtstation.dicom.rt_tree import (
    BY_FRAME_OF_REFERENCE,
    BY_REFERENCE,
    Completeness,
    RtTree,
    build_tree,
)
from rtstation.dicom.scan import scan
from tests.data.generator import (
    GeneratedStudy,
    PlanSpec,
    StudySpec,
    write_many_patients,
    write_study,
)

SMALL = {"slices": 10, "rows": 8, "columns": 8}


def tree_of(*roots: Path) -> RtTree:
    result = scan(roots)
    assert result.problems == ()
    return build_tree(result.headers)


def uids(headers: tuple[InstanceHeader, ...] | list[InstanceHeader]) -> set[str]:
    return {h.sop_instance_uid for h in headers}


@pytest.fixture
def write(tmp_path: Path):
    def _write(**spec: object) -> tuple[GeneratedStudy, RtTree]:
        study = write_study(tmp_path / "study", StudySpec(**{**SMALL, **spec}))  # type: ignore[arg-type]
        return study, tree_of(tmp_path / "study")

    return _write


# --- completeness ------------------------------------------------------------------------


def test_complete_bundle(write):
    study, tree = write()
    (bundle,) = tree.plans
    c = bundle.completeness
    assert c.complete
    assert c.summary() == "CT 10/10, RS, RD"
    assert (c.structure_set, c.images_present, c.images_expected, c.doses) == ("present", 10, 10, 1)
    assert c.missing_image_uids == ()
    assert bundle.uid == study.plan_uids[0]
    assert bundle.structure_set is not None
    assert bundle.structure_set.sop_instance_uid == study.structure_set_uid
    assert bundle.structure_set_link == BY_REFERENCE
    assert uids(bundle.images) == set(study.image_uids)
    assert uids(bundle.doses) == set(study.dose_uids)
    assert tree.unconnected == () and tree.duplicates == ()


def test_missing_slices(write):
    study, tree = write(missing_slices=2)
    c = tree.plans[0].completeness
    assert not c.complete
    assert c.summary() == "CT 8/10, RS, RD"
    assert c.missing_images == 2
    assert set(c.missing_image_uids) == set(study.missing_image_uids)


def test_structure_set_referenced_but_absent(write):
    study, tree = write(omit_structure_set_file=True)
    bundle = tree.plans[0]
    assert bundle.structure_set is None
    assert bundle.structure_set_uid == study.structure_set_uid
    assert bundle.completeness.structure_set == "missing"
    assert not bundle.completeness.complete
    assert "RS missing" in bundle.completeness.summary()
    assert bundle.completeness.summary() == "CT 10, RS missing, RD"  # slices by frame of ref.


def test_no_structure_set_at_all(write):
    _study, tree = write(structure_set=False)
    c = tree.plans[0].completeness
    assert (c.structure_set, c.complete, c.summary()) == ("none", True, "CT 10, no RS, RD")


def test_no_dose_is_still_complete(write):
    _study, tree = write(omit_dose_files=True)
    c = tree.plans[0].completeness
    assert c.complete and c.summary() == "CT 10/10, RS, no dose"


def test_mr_images(write):
    _study, tree = write(modality="MR")
    assert tree.plans[0].completeness.summary() == "MR 10/10, RS, RD"


@pytest.mark.parametrize(
    ("completeness", "text"),
    [
        (Completeness("present", "CT", 142, 142, 1), "CT 142/142, RS, RD"),
        (Completeness("missing", "CT", 139, 142, 0, ("1",) * 3), "CT 139/142, RS missing, no dose"),
        (Completeness("none", "MR", 0, 0, 3), "no MR, no RS, RD x3"),
    ],
)
def test_summary_texts(completeness: Completeness, text: str):
    assert completeness.summary() == text


# --- links -------------------------------------------------------------------------------


def test_plan_without_structure_set_reference_links_by_frame_of_reference(write):
    study, tree = write(plans=(PlanSpec(reference_structure_set=False),))
    bundle = tree.plans[0]
    assert bundle.plan.referenced_structure_set_uids == ()
    assert bundle.structure_set is not None
    assert bundle.structure_set.sop_instance_uid == study.structure_set_uid
    assert bundle.structure_set_link == BY_FRAME_OF_REFERENCE
    assert bundle.completeness.summary() == "CT 10/10, RS, RD"


def test_two_plans_on_one_structure_set_both_get_the_images(write):
    study, tree = write(plans=(PlanSpec(label="A"), PlanSpec(label="B", doses=2)))
    a, b = tree.plans
    assert (a.plan.plan_label, b.plan.plan_label) == ("A", "B")
    for bundle in (a, b):
        assert uids(bundle.images) == set(study.image_uids)
        assert bundle.structure_set is not None
    assert uids(a.doses) == set(study.dose_uids_by_plan[0])
    assert uids(b.doses) == set(study.dose_uids_by_plan[1])
    assert b.completeness.summary() == "CT 10/10, RS, RD x2"
    assert tree.unconnected == ()


def test_plan_referencing_plan(write):
    study, tree = write(
        plans=(
            PlanSpec(label="ORIG"),
            PlanSpec(label="VERIF", references_plan=0, plan_relationship="VERIFIED_PLAN"),
        )
    )
    original = tree.plan(study.plan_uids[0])
    verification = tree.plan(study.plan_uids[1])
    assert original is not None and verification is not None
    assert verification.referenced_plan_uids == (study.plan_uids[0],)
    assert original.referencing_plan_uids == (study.plan_uids[1],)
    assert original.referenced_plan_uids == () and verification.referencing_plan_uids == ()
    # A plan pointing at a plan is a link, not a record of the other plan.
    assert original.records == () and verification.records == ()
    assert uids(original.doses) == set(study.dose_uids_by_plan[0])


def test_rtimage_linked_and_registration_unconnected(write):
    study, tree = write(with_rtimage=True, with_registration=True)
    bundle = tree.plans[0]
    assert uids(bundle.rt_images) == {study.rtimage_uid}
    assert bundle.records == ()
    assert uids(tree.unconnected) == {study.registration_uid}
    assert tree.patients[0].unconnected[0].modality == "REG"


def test_dose_without_plan_reference_joins_the_only_plan_on_its_frame(write):
    study, _tree = write()
    headers = [
        replace(h, referenced_plan_uids=()) if h.is_dose else h for h in scan([study.root]).headers
    ]
    bundle = build_tree(headers).plans[0]
    assert uids(bundle.doses) == set(study.dose_uids)


def test_dose_of_an_absent_plan_is_unconnected(write):
    study, _tree = write()
    headers = [h for h in scan([study.root]).headers if not h.is_plan]
    tree = build_tree(headers)
    assert tree.plans == ()
    assert uids(tree.unconnected) == uids(headers)


def test_extra_slices_of_the_series_count_as_expected(write):
    """A structure set listing only the contoured slices: the rest of the series is still
    the plan's, and the summary must never read present > expected."""
    study, _tree = write()
    headers = []
    for h in scan([study.root]).headers:
        if h.is_structure_set:
            h = replace(h, referenced_image_uids=study.image_uids[2:8])
        headers.append(h)
    c = build_tree(headers).plans[0].completeness
    assert (c.images_present, c.images_expected, c.complete) == (10, 10, True)
    assert c.summary() == "CT 10/10, RS, RD"
    without_one = [h for h in headers if h.sop_instance_uid != study.image_uids[3]]
    c = build_tree(without_one).plans[0].completeness
    assert (c.summary(), c.missing_image_uids) == ("CT 9/10, RS, RD", (study.image_uids[3],))


def test_structure_set_listing_only_series(write):
    study, _tree = write()
    headers = [
        replace(h, referenced_image_uids=()) if h.is_structure_set else h
        for h in scan([study.root]).headers
    ]
    bundle = build_tree(headers).plans[0]
    assert uids(bundle.images) == set(study.image_uids)
    assert bundle.completeness.summary() == "CT 10, RS, RD"


# --- patients, duplicates, order ---------------------------------------------------------


def test_many_patients_in_one_folder(tmp_path: Path):
    studies = write_many_patients(
        tmp_path, 3, StudySpec(**SMALL, plans=(PlanSpec(), PlanSpec(label="B")))
    )
    tree = tree_of(tmp_path)
    assert [p.patient_id for p in tree.patients] == ["RT001", "RT002", "RT003"]
    for patient, study in zip(tree.patients, studies, strict=True):
        assert patient.patient_name == f"Test^Patient{study.patient_id[-3:]}"
        assert {b.uid for b in patient.plans} == set(study.plan_uids)
        assert all(b.patient_id == study.patient_id for b in patient.plans)
        for bundle in patient.plans:
            assert uids(bundle.images) == set(study.image_uids)  # never another patient's
            assert bundle.completeness.summary() == "CT 10/10, RS, RD"
        assert patient.unconnected == ()
    assert len(tree.plans) == 6


def test_duplicates_are_reported_once_and_the_first_kept(tmp_path: Path, write):
    study, _tree = write()
    copies = tmp_path / "copies"
    copies.mkdir()
    shutil.copy(study.plan_paths[0], copies / "again.dcm")
    shutil.copy(study.image_paths[0], copies / "slice_again.dcm")
    result = scan([study.root, copies])
    tree = build_tree(result.headers)
    assert sorted(Path(h.path).name for h in tree.duplicates) == ["again.dcm", "slice_again.dcm"]
    (bundle,) = tree.plans
    assert bundle.plan.path == str(study.plan_paths[0])
    assert len(bundle.images) == 10 and tree.unconnected == ()


def test_instances_send_order(write):
    study, tree = write(with_rtimage=True, plans=(PlanSpec(doses=2),))
    instances = tree.plans[0].instances()
    ranks = [sop.send_rank(h.modality, h.sop_class_uid) for h in instances]
    assert ranks == sorted(ranks)
    modalities = [h.modality for h in instances]
    assert modalities == ["CT"] * 10 + ["RTSTRUCT", "RTPLAN", "RTDOSE", "RTDOSE", "RTIMAGE"]
    assert [h.instance_number for h in instances[:10]] == list(range(1, 11))
    assert len(instances) == len(set(uids(instances)))
    assert uids(instances) == set(study.image_uids) | {
        study.structure_set_uid,
        study.plan_uids[0],
        study.rtimage_uid,
        *study.dose_uids,
    }


def test_tree_is_independent_of_input_order(write):
    study, _tree = write(
        plans=(PlanSpec(label="A"), PlanSpec(label="B", references_plan=0)), with_rtimage=True
    )
    headers = list(scan([study.root]).headers)
    rt_image = next(h for h in headers if h.modality == "RTIMAGE")
    for n in range(3):  # more RT images and a treatment record of plan A
        headers.append(replace(rt_image, sop_instance_uid=f"{rt_image.sop_instance_uid}.{n}"))
    headers.append(
        replace(
            rt_image,
            sop_instance_uid="1.2.3.4",
            modality="RTRECORD",
            sop_class_uid=sop.RT_BEAMS_TREATMENT_RECORD,
        )
    )
    forward, backward = build_tree(headers), build_tree(reversed(headers))
    assert forward == backward
    bundle = forward.plan(study.plan_uids[0])
    assert bundle is not None
    assert (len(bundle.rt_images), [h.modality for h in bundle.records]) == (4, ["RTRECORD"])
