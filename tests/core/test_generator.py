"""Tests of the synthetic DICOM-RT generator used by every other test and benchmark.

Why they matter: the RT reference tree code is tested against these files, so a silently
inconsistent generator would make those tests prove nothing.  Every variant is checked for
internal consistency with pydicom *and* parsed by DCMTK's dcmdump, an independent reader.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path

import pydicom
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from tests.data.generator import (
    CT_IMAGE_STORAGE,
    MANUFACTURER,
    MR_IMAGE_STORAGE,
    RT_DOSE_STORAGE,
    RT_IMAGE_STORAGE,
    RT_ION_PLAN_STORAGE,
    RT_PLAN_STORAGE,
    RT_STRUCTURE_SET_STORAGE,
    SPATIAL_REGISTRATION_STORAGE,
    VARIAN_PRIVATE_PLAN_STORAGE,
    GeneratedStudy,
    PlanSpec,
    StudySpec,
    sanitize_path_component,
    write_ct_series,
    write_garbage,
    write_many_patients,
    write_multiframe,
    write_study,
)
from tests.data.pydicom_files import (
    NEEDS_FORCE,
    TRUNCATED,
    copy_pydicom_rt_files,
    pydicom_rt_files,
)

# --- helpers ---------------------------------------------------------------------------


def _dcmdump_binary() -> str:
    """DCMTK is a hard requirement of this suite: fail loudly instead of skipping."""
    found = shutil.which("dcmdump")
    if found is None:
        pytest.fail("DCMTK dcmdump not found: install dcmtk (apt-get install dcmtk)")
    return found


def dcmdump(path: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([_dcmdump_binary(), str(path)], capture_output=True, timeout=120)


def assert_dcmdump_clean(path: Path) -> None:
    """dcmdump exits 0 and prints neither errors nor warnings."""
    result = dcmdump(path)
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, f"dcmdump failed on {path.name}: {stderr}"
    bad = [line for line in stderr.splitlines() if line.startswith(("E:", "W:", "F:"))]
    assert not bad, f"dcmdump complained about {path.name}: {bad}"


def read(path: Path, **kwargs: object) -> pydicom.Dataset:
    return pydicom.dcmread(path, **kwargs)  # type: ignore[arg-type]


def refs(sequence: Iterable[pydicom.Dataset]) -> list[str]:
    return [item.ReferencedSOPInstanceUID for item in sequence]


def as_list(value: object) -> list[object]:
    """pydicom returns a bare value for VM 1 and a MultiValue otherwise."""
    return list(value) if isinstance(value, MultiValue | list) else [value]


def assert_consistent(study: GeneratedStudy) -> None:
    """Check every cross-reference of a generated study against its spec."""
    spec = study.spec
    assert spec is not None
    implicit = spec.implicit_vr
    by_modality = study.files_by_modality()
    assert sorted(p for paths in by_modality.values() for p in paths) == sorted(study.all_paths)
    assert len(set(study.all_paths)) == len(study.all_paths)

    datasets: dict[Path, pydicom.Dataset] = {}
    sop_uids: set[str] = set()
    rt_series: set[str] = set()
    for modality, paths in by_modality.items():
        for path in paths:
            assert path.is_file()
            raw = path.read_bytes()[:132]
            assert raw[:128] == b"\0" * 128 and raw[128:132] == b"DICM"
            ds = read(path)
            datasets[path] = ds
            meta = ds.file_meta
            assert meta.TransferSyntaxUID == (
                ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
            )
            assert ds.original_encoding == (implicit, True)
            assert meta.MediaStorageSOPClassUID == ds.SOPClassUID
            assert meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
            assert ds.Modality == modality
            assert ds.PatientID == spec.patient_id
            assert str(ds.PatientName) == spec.patient_name
            assert ds.PatientBirthDate and ds.PatientSex
            assert ds.StudyInstanceUID == study.study_uid
            assert ds.StudyDate and ds.StudyTime
            assert ds.Manufacturer == MANUFACTURER
            assert ds.get("SpecificCharacterSet", "") == spec.charset
            assert ds.SOPInstanceUID not in sop_uids
            sop_uids.add(ds.SOPInstanceUID)
            if modality in ("CT", "MR"):
                assert ds.SeriesInstanceUID == study.image_series_uid
            else:
                assert ds.SeriesInstanceUID not in rt_series
                assert ds.SeriesInstanceUID != study.image_series_uid
                rt_series.add(ds.SeriesInstanceUID)
            if modality in ("CT", "MR", "RTDOSE", "RTPLAN", "RTIMAGE", "REG"):
                assert ds.FrameOfReferenceUID == study.frame_of_reference_uid

    # Images: one series, z stepping by the slice thickness, correct pixel length.
    images = [datasets[p] for p in study.image_paths]
    assert [ds.SOPInstanceUID for ds in images] == list(study.image_uids)
    assert len(images) == spec.slices - spec.missing_slices
    image_class = CT_IMAGE_STORAGE if spec.modality == "CT" else MR_IMAGE_STORAGE
    for number, ds in enumerate(images, start=1):
        assert ds.SOPClassUID == image_class
        assert ds.InstanceNumber == number
        assert len(ds.PixelData) == ds.Rows * ds.Columns * 2
        assert ds.BitsAllocated == 16
        assert list(ds.ImageOrientationPatient) == [1, 0, 0, 0, 1, 0]
        assert len(ds.PixelSpacing) == 2
    zs = [float(ds.ImagePositionPatient[2]) for ds in images]
    steps = {round(b - a, 6) for a, b in itertools.pairwise(zs)}
    if images:
        assert steps <= {float(images[0].SliceThickness)}

    all_image_uids = list(study.image_uids) + list(study.missing_image_uids)
    assert len(all_image_uids) == spec.slices

    # Structure set.
    if study.structure_set_path is not None:
        rs = datasets[study.structure_set_path]
        assert rs.SOPClassUID == RT_STRUCTURE_SET_STORAGE
        assert rs.SOPInstanceUID == study.structure_set_uid
        assert rs.StructureSetLabel
        (frame,) = rs.ReferencedFrameOfReferenceSequence
        assert frame.FrameOfReferenceUID == study.frame_of_reference_uid
        (ref_study,) = frame.RTReferencedStudySequence
        assert ref_study.ReferencedSOPInstanceUID == study.study_uid
        (ref_series,) = ref_study.RTReferencedSeriesSequence
        assert ref_series.SeriesInstanceUID == study.image_series_uid
        assert refs(ref_series.ContourImageSequence) == all_image_uids
        assert {i.ReferencedSOPClassUID for i in ref_series.ContourImageSequence} == {image_class}
        assert len(rs.StructureSetROISequence) == spec.structures
        assert len(rs.ROIContourSequence) == spec.structures
        roi_numbers = [roi.ROINumber for roi in rs.StructureSetROISequence]
        assert [c.ReferencedROINumber for c in rs.ROIContourSequence] == roi_numbers
        referenced: set[str] = set()
        for roi in rs.ROIContourSequence:
            for contour in roi.ContourSequence:
                (image_ref,) = contour.ContourImageSequence
                assert image_ref.ReferencedSOPInstanceUID in all_image_uids
                referenced.add(image_ref.ReferencedSOPInstanceUID)
                assert len(contour.ContourData) == 3 * contour.NumberOfContourPoints
        if spec.structures:
            assert referenced == set(all_image_uids)  # every slice referenced at least once
    elif spec.structure_set:
        assert spec.omit_structure_set_file and study.structure_set_uid

    # Plans.
    assert len(study.plan_paths) == len(spec.plans) == len(study.plan_uids)
    for index, (path, plan_spec) in enumerate(zip(study.plan_paths, spec.plans, strict=True)):
        rp = datasets[path]
        assert rp.SOPInstanceUID == study.plan_uids[index]
        assert rp.SOPClassUID == study.plan_sop_class_uids[index] == plan_spec.sop_class_uid
        assert rp.RTPlanLabel == plan_spec.label
        assert rp.RTPlanName == (plan_spec.name or plan_spec.label)
        assert rp.RTPlanDate
        assert rp.ApprovalStatus == plan_spec.approval
        assert rp.PlanIntent == plan_spec.intent
        if spec.structure_set and plan_spec.reference_structure_set:
            assert refs(rp.ReferencedStructureSetSequence) == [study.structure_set_uid]
            assert rp.ReferencedStructureSetSequence[0].ReferencedSOPClassUID == (
                RT_STRUCTURE_SET_STORAGE
            )
        else:
            assert "ReferencedStructureSetSequence" not in rp
        (group,) = rp.FractionGroupSequence
        assert group.NumberOfFractionsPlanned == plan_spec.fractions
        assert len(group.ReferencedBeamSequence) == plan_spec.beams
        assert all(float(b.BeamMeterset) > 0 for b in group.ReferencedBeamSequence)
        (dose_ref,) = rp.DoseReferenceSequence
        assert float(dose_ref.TargetPrescriptionDose) == pytest.approx(plan_spec.prescription_gy)
        assert rp.PatientSetupSequence
        beams = rp.IonBeamSequence if plan_spec.ion else rp.BeamSequence
        assert ("BeamSequence" in rp) is not plan_spec.ion
        assert len(beams) == plan_spec.beams
        assert [b.BeamNumber for b in beams] == [
            r.ReferencedBeamNumber for r in group.ReferencedBeamSequence
        ]
        for beam in beams:
            assert beam.TreatmentMachineName == plan_spec.machine
            assert beam.BeamName
            if plan_spec.ion:
                assert beam.RadiationType == "PROTON"
                assert float(beam.IonControlPointSequence[0].NominalBeamEnergy) > 0
            else:
                assert beam.RadiationType == "PHOTON"
                assert float(beam.ControlPointSequence[0].NominalBeamEnergy) == 6
        if plan_spec.references_plan is None:
            assert "ReferencedRTPlanSequence" not in rp
        else:
            (ref,) = rp.ReferencedRTPlanSequence
            assert ref.ReferencedSOPInstanceUID == study.plan_uids[plan_spec.references_plan]
            target = spec.plans[plan_spec.references_plan]
            assert ref.ReferencedSOPClassUID == target.sop_class_uid
            assert ref.RTPlanRelationship == plan_spec.plan_relationship

    # Doses.
    expected_doses = 0 if spec.omit_dose_files else sum(p.doses for p in spec.plans)
    assert len(study.dose_paths) == len(study.dose_uids) == expected_doses
    for index, plan_spec in enumerate(spec.plans):
        uids = study.dose_uids_by_plan[index]
        assert len(uids) == (0 if spec.omit_dose_files else plan_spec.doses)
        for uid, path in zip(uids, study.dose_paths_by_plan[index], strict=True):
            rd = datasets[path]
            assert rd.SOPInstanceUID == uid
            assert rd.SOPClassUID == RT_DOSE_STORAGE
            (ref,) = rd.ReferencedRTPlanSequence
            assert ref.ReferencedSOPInstanceUID == study.plan_uids[index]
            assert ref.ReferencedSOPClassUID == plan_spec.sop_class_uid
            assert (rd.DoseUnits, rd.DoseType, rd.DoseSummationType) == ("GY", "PHYSICAL", "PLAN")
            assert len(as_list(rd.GridFrameOffsetVector)) == rd.NumberOfFrames
            assert rd.BitsAllocated == 32
            assert len(rd.PixelData) == rd.Rows * rd.Columns * rd.NumberOfFrames * 4
            assert float(rd.DoseGridScaling) > 0

    # Extras.
    if spec.with_rtimage:
        assert study.rtimage_path is not None
        ri = datasets[study.rtimage_path]
        assert ri.SOPClassUID == RT_IMAGE_STORAGE
        assert refs(ri.ReferencedRTPlanSequence) == [study.plan_uids[0]]
    else:
        assert study.rtimage_path is None
    if spec.with_registration:
        assert study.registration_path is not None
        reg = datasets[study.registration_path]
        assert reg.SOPClassUID == SPATIAL_REGISTRATION_STORAGE
        assert reg.RegistrationSequence[0].FrameOfReferenceUID == study.frame_of_reference_uid
    else:
        assert study.registration_path is None
    assert set(study.other_paths) == {
        p for p in (study.rtimage_path, study.registration_path) if p is not None
    }


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full_study(tmp_path_factory: pytest.TempPathFactory) -> GeneratedStudy:
    """One study with every object kind, shared by the read-only tests."""
    spec = StudySpec(
        plans=(
            PlanSpec(),
            PlanSpec(label="IONPLAN", ion=True, machine="ProtonGantry1"),
            PlanSpec(label="VARIAN", varian_private_class=True, doses=2),
        ),
        with_rtimage=True,
        with_registration=True,
    )
    return write_study(tmp_path_factory.mktemp("full"), spec)


# --- write_study variants --------------------------------------------------------------


def test_default_study_is_consistent(tmp_path: Path) -> None:
    study = write_study(tmp_path)
    assert_consistent(study)
    counts = {m: len(p) for m, p in study.files_by_modality().items()}
    assert counts == {"CT": 10, "RTSTRUCT": 1, "RTPLAN": 1, "RTDOSE": 1}
    assert study.patient_id == "RT001"
    assert study.missing_image_uids == ()


def test_flat_layout_uses_eclipse_style_names(tmp_path: Path) -> None:
    study = write_study(tmp_path)
    prefixes = {"CT": "CT", "RTSTRUCT": "RS", "RTPLAN": "RP", "RTDOSE": "RD"}
    for modality, paths in study.files_by_modality().items():
        for path in paths:
            assert path.parent == tmp_path
            uid = read(path, stop_before_pixels=True).SOPInstanceUID
            assert path.name == f"{prefixes[modality]}.{uid}.dcm"


def test_full_study_is_consistent(full_study: GeneratedStudy) -> None:
    assert_consistent(full_study)
    assert len(full_study.dose_paths) == 4
    assert full_study.plan_sop_class_uids == (
        RT_PLAN_STORAGE,
        RT_ION_PLAN_STORAGE,
        VARIAN_PRIVATE_PLAN_STORAGE,
    )


def test_dcmdump_reads_every_kind(full_study: GeneratedStudy, tmp_path: Path) -> None:
    """DCMTK, an independent parser, must read one file of each kind without complaint."""
    paths = [full_study.image_paths[0], *full_study.plan_paths, full_study.dose_paths[0]]
    paths += [full_study.structure_set_path, *full_study.other_paths]  # type: ignore[list-item]
    implicit = write_study(tmp_path / "implicit", StudySpec(implicit_vr=True, with_rtimage=True))
    paths += [implicit.all_paths[0], implicit.structure_set_path, *implicit.plan_paths]  # type: ignore[list-item]
    paths += [*implicit.dose_paths, *implicit.other_paths]
    utf8 = write_study(
        tmp_path / "utf8",
        StudySpec(modality="MR", charset="ISO_IR 192", patient_name="Müller^Jörg"),
    )
    paths += [utf8.image_paths[0], utf8.structure_set_path]  # type: ignore[list-item]
    for path in paths:
        assert_dcmdump_clean(path)


def test_missing_slices_keep_references_to_all_slices(tmp_path: Path) -> None:
    study = write_study(tmp_path, StudySpec(slices=8, missing_slices=3))
    assert_consistent(study)
    assert len(study.image_paths) == 5
    assert len(study.missing_image_uids) == 3
    rs = read(study.structure_set_path)  # type: ignore[arg-type]
    listed = refs(
        rs.ReferencedFrameOfReferenceSequence[0]
        .RTReferencedStudySequence[0]
        .RTReferencedSeriesSequence[0]
        .ContourImageSequence
    )
    assert listed[-3:] == list(study.missing_image_uids)
    on_disk = {read(p, stop_before_pixels=True).SOPInstanceUID for p in study.image_paths}
    assert on_disk == set(study.image_uids)
    assert not on_disk & set(study.missing_image_uids)


def test_ion_plan(tmp_path: Path) -> None:
    study = write_study(tmp_path, StudySpec(plans=(PlanSpec(ion=True, beams=3),)))
    assert_consistent(study)
    rp = read(study.plan_paths[0])
    assert rp.SOPClassUID == RT_ION_PLAN_STORAGE
    assert rp.Modality == "RTPLAN"
    assert "BeamSequence" not in rp and len(rp.IonBeamSequence) == 3
    assert rp.IonBeamSequence[0].RadiationType == "PROTON"
    rd = read(study.dose_paths[0])
    assert rd.SOPClassUID == RT_DOSE_STORAGE
    assert rd.ReferencedRTPlanSequence[0].ReferencedSOPClassUID == RT_ION_PLAN_STORAGE


def test_varian_private_plan_class(tmp_path: Path) -> None:
    study = write_study(tmp_path, StudySpec(plans=(PlanSpec(varian_private_class=True),)))
    assert_consistent(study)
    rp = read(study.plan_paths[0])
    assert rp.SOPClassUID == VARIAN_PRIVATE_PLAN_STORAGE
    assert rp.file_meta.MediaStorageSOPClassUID == VARIAN_PRIVATE_PLAN_STORAGE
    assert rp.Modality == "RTPLAN"
    assert_dcmdump_clean(study.plan_paths[0])


def test_implicit_vr_files_really_are_implicit(tmp_path: Path) -> None:
    study = write_study(tmp_path, StudySpec(implicit_vr=True, with_registration=True))
    assert_consistent(study)
    for path in study.all_paths:
        ds = read(path)
        assert ds.file_meta.TransferSyntaxUID == ImplicitVRLittleEndian
        assert ds.original_encoding == (True, True)
        # The first data set element after the File Meta is (0008,0005) or (0008,0012..):
        # in implicit VR the 2 bytes after the tag are a length, never two letters.
        meta_end = 132 + 12 + ds.file_meta.FileMetaInformationGroupLength
        raw = path.read_bytes()[meta_end : meta_end + 8]
        assert raw[:2] == b"\x08\x00"
        assert not raw[4:6].isalpha()


@pytest.mark.parametrize(("charset", "codec"), [("ISO_IR 192", "utf-8"), ("ISO_IR 100", "latin-1")])
def test_non_ascii_patient_name(tmp_path: Path, charset: str, codec: str) -> None:
    name = "Müller^Jörg"
    study = write_study(tmp_path, StudySpec(patient_name=name, charset=charset))
    assert_consistent(study)
    for path in study.all_paths:
        ds = read(path, stop_before_pixels=True)
        assert ds.SpecificCharacterSet == charset
        assert str(ds.PatientName) == name
        assert name.encode(codec) in path.read_bytes()
    assert_dcmdump_clean(study.plan_paths[0])


def test_non_ascii_without_charset_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="charset"):
        write_study(tmp_path, StudySpec(patient_name="Müller^Jörg"))


@pytest.mark.parametrize("relationship", ["PREDECESSOR", "VERIFIED_PLAN"])
def test_plan_references_another_plan(tmp_path: Path, relationship: str) -> None:
    plans = (
        PlanSpec(label="CLIN"),
        PlanSpec(
            label="QA",
            intent="VERIFICATION",
            references_plan=0,
            plan_relationship=relationship,
            approval="UNAPPROVED",
        ),
    )
    study = write_study(tmp_path, StudySpec(plans=plans))
    assert_consistent(study)
    qa = read(study.plan_paths[1])
    (ref,) = qa.ReferencedRTPlanSequence
    assert ref.ReferencedSOPInstanceUID == study.plan_uids[0]
    assert ref.RTPlanRelationship == relationship
    assert "ReviewDate" not in qa  # unapproved plans carry no review


def test_plan_may_reference_a_later_plan(tmp_path: Path) -> None:
    plans = (PlanSpec(label="ADAPT", references_plan=1), PlanSpec(label="ORIG", ion=True))
    study = write_study(tmp_path, StudySpec(plans=plans))
    assert_consistent(study)
    ref = read(study.plan_paths[0]).ReferencedRTPlanSequence[0]
    assert ref.ReferencedSOPInstanceUID == study.plan_uids[1]
    assert ref.ReferencedSOPClassUID == RT_ION_PLAN_STORAGE


def test_two_plans_on_one_structure_set(tmp_path: Path) -> None:
    plans = (PlanSpec(label="A"), PlanSpec(label="B", beams=5, approval="REJECTED"))
    study = write_study(tmp_path, StudySpec(plans=plans))
    assert_consistent(study)
    for path in study.plan_paths:
        rp = read(path)
        assert refs(rp.ReferencedStructureSetSequence) == [study.structure_set_uid]
    assert study.dose_uids_by_plan[0] != study.dose_uids_by_plan[1]
    assert read(study.plan_paths[1]).ReviewerName  # REJECTED also records the review


def test_plan_without_structure_set_reference(tmp_path: Path) -> None:
    spec = StudySpec(plans=(PlanSpec(reference_structure_set=False),))
    study = write_study(tmp_path, spec)
    assert_consistent(study)
    rp = read(study.plan_paths[0])
    assert "ReferencedStructureSetSequence" not in rp
    assert rp.FrameOfReferenceUID == study.frame_of_reference_uid


def test_study_without_structure_set(tmp_path: Path) -> None:
    study = write_study(tmp_path, StudySpec(structure_set=False))
    assert_consistent(study)
    assert study.structure_set_path is None and study.structure_set_uid is None
    assert "RTSTRUCT" not in study.files_by_modality()


def test_omit_structure_set_file(tmp_path: Path) -> None:
    study = write_study(tmp_path, StudySpec(omit_structure_set_file=True))
    assert_consistent(study)
    assert study.structure_set_path is None
    assert study.structure_set_uid is not None
    rp = read(study.plan_paths[0])
    assert refs(rp.ReferencedStructureSetSequence) == [study.structure_set_uid]
    written = {read(p, stop_before_pixels=True).SOPInstanceUID for p in study.all_paths}
    assert study.structure_set_uid not in written


def test_omit_dose_files(tmp_path: Path) -> None:
    study = write_study(tmp_path, StudySpec(omit_dose_files=True))
    assert_consistent(study)
    assert study.dose_paths == () and study.dose_uids == ()
    assert study.dose_uids_by_plan == {0: ()}
    assert len(study.plan_paths) == 1


@pytest.mark.parametrize("doses", [0, 3])
def test_dose_count(tmp_path: Path, doses: int) -> None:
    study = write_study(tmp_path, StudySpec(plans=(PlanSpec(doses=doses),)))
    assert_consistent(study)
    assert len(study.dose_paths) == doses


def test_rtimage_and_registration(full_study: GeneratedStudy) -> None:
    ri = read(full_study.rtimage_path)  # type: ignore[arg-type]
    assert ri.Modality == "RTIMAGE"
    assert ri.ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID == full_study.plan_uids[0]
    reg = read(full_study.registration_path)  # type: ignore[arg-type]
    assert reg.Modality == "REG"
    frames = [item.FrameOfReferenceUID for item in reg.RegistrationSequence]
    assert frames[0] == full_study.frame_of_reference_uid
    assert len(set(frames)) == 2  # registers the study to an unrelated frame


def test_mr_images(tmp_path: Path) -> None:
    study = write_study(tmp_path, StudySpec(modality="MR", slices=4))
    assert_consistent(study)
    assert set(study.files_by_modality()) == {"MR", "RTSTRUCT", "RTPLAN", "RTDOSE"}
    assert read(study.image_paths[0]).SOPClassUID == MR_IMAGE_STORAGE
    assert study.image_paths[0].name.startswith("MR.")


def test_nested_layout(tmp_path: Path) -> None:
    study = write_study(tmp_path, StudySpec(with_rtimage=True), layout="nested")
    assert_consistent(study)
    for modality, paths in study.files_by_modality().items():
        for path in paths:
            assert path.parent == tmp_path / "RT001" / modality
    found = sorted(p for p in tmp_path.rglob("*.dcm"))
    assert found == sorted(study.all_paths)
    assert not list(tmp_path.glob("*.dcm"))


def test_many_patients(tmp_path: Path) -> None:
    studies = write_many_patients(tmp_path, 3, StudySpec(slices=3), uid_seed="many")
    assert [s.patient_id for s in studies] == ["RT001", "RT002", "RT003"]
    for study in studies:
        assert_consistent(study)
    assert len({s.study_uid for s in studies}) == 3
    assert len({s.frame_of_reference_uid for s in studies}) == 3
    labels = [s.plan_labels[0] for s in studies]
    assert len(set(labels)) == 3
    all_paths = [p for s in studies for p in s.all_paths]
    assert sorted(all_paths) == sorted(tmp_path.glob("*.dcm"))


def test_many_patients_nested(tmp_path: Path) -> None:
    studies = write_many_patients(tmp_path, 2, layout="nested")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["RT001", "RT002"]
    assert all(s.patient_name.endswith(f"{i:03d}") for i, s in enumerate(studies, 1))


def test_uid_seed_is_reproducible(tmp_path: Path) -> None:
    spec = StudySpec(slices=3, with_rtimage=True, with_registration=True)
    a = write_study(tmp_path / "a", spec, uid_seed="seed-1")
    b = write_study(tmp_path / "b", spec, uid_seed="seed-1")
    c = write_study(tmp_path / "c", spec, uid_seed="seed-2")
    d = write_study(tmp_path / "d", spec)
    assert a.study_uid == b.study_uid and a.plan_uids == b.plan_uids
    assert [p.name for p in a.all_paths] == [p.name for p in b.all_paths]
    assert [p.read_bytes() for p in a.all_paths] == [p.read_bytes() for p in b.all_paths]
    assert a.study_uid != c.study_uid and a.study_uid != d.study_uid
    assert not set(a.image_uids) & set(c.image_uids)


def test_frame_bytes_override(tmp_path: Path) -> None:
    study = write_study(tmp_path, StudySpec(slices=2, frame_bytes=1_000_000))
    assert_consistent(study)
    ds = read(study.image_paths[0])
    assert 1_000_000 <= len(ds.PixelData) < 1_000_000 + 2 * ds.Columns + 2
    assert study.image_paths[0].stat().st_size > 1_000_000


@pytest.mark.parametrize(
    ("spec", "kwargs"),
    [
        (StudySpec(missing_slices=11), {}),
        (StudySpec(slices=0), {}),
        (StudySpec(modality="PT"), {}),
        (StudySpec(plans=(PlanSpec(approval="MAYBE"),)), {}),
        (StudySpec(plans=(PlanSpec(references_plan=0),)), {}),
        (StudySpec(plans=(PlanSpec(references_plan=3),)), {}),
        (StudySpec(plans=(PlanSpec(label="X" * 17),)), {}),
        (StudySpec(plans=(), with_rtimage=True), {}),
        (StudySpec(), {"layout": "deep"}),
    ],
)
def test_invalid_specs_are_rejected(tmp_path: Path, spec: StudySpec, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        write_study(tmp_path, spec, **kwargs)


plan_specs = st.builds(
    PlanSpec,
    beams=st.integers(0, 4),
    doses=st.integers(0, 2),
    ion=st.booleans(),
    varian_private_class=st.booleans(),
    approval=st.sampled_from(["APPROVED", "UNAPPROVED", "REJECTED"]),
    reference_structure_set=st.booleans(),
)


@st.composite
def study_specs(draw: st.DrawFn) -> StudySpec:
    plans = draw(st.lists(plan_specs, min_size=0, max_size=3))
    if len(plans) >= 2 and draw(st.booleans()):
        plans[-1] = PlanSpec(label="REF", references_plan=draw(st.integers(0, len(plans) - 2)))
    slices = draw(st.integers(1, 6))
    return StudySpec(
        slices=slices,
        rows=draw(st.integers(4, 24)),
        columns=draw(st.integers(4, 24)),
        plans=tuple(plans),
        structure_set=draw(st.booleans()),
        structures=draw(st.integers(0, 8)),
        missing_slices=draw(st.integers(0, slices)),
        omit_dose_files=draw(st.booleans()),
        implicit_vr=draw(st.booleans()),
        with_rtimage=bool(plans) and draw(st.booleans()),
        with_registration=draw(st.booleans()),
        modality=draw(st.sampled_from(["CT", "MR"])),
    )


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(spec=study_specs(), layout=st.sampled_from(["flat", "nested"]))
def test_random_specs_are_consistent(spec: StudySpec, layout: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        assert_consistent(write_study(folder, spec, layout=layout))


def test_sanitize_path_component() -> None:
    assert sanitize_path_component("RT001") == "RT001"
    for hostile in ["../../x", "..", ".", "", "C:\\x", "a/b", "a\x00b", "CON", "aux.txt"]:
        cleaned = sanitize_path_component(hostile)
        assert cleaned and "/" not in cleaned and "\\" not in cleaned and "\x00" not in cleaned
        assert cleaned not in (".", "..")
        assert cleaned.split(".")[0].upper() not in ("CON", "AUX")
    assert len(sanitize_path_component("x" * 200)) <= 64


# --- bulk writers ----------------------------------------------------------------------


def test_write_ct_series_is_consistent(tmp_path: Path) -> None:
    # Its speed (the benches write 10,000 files) is measured by bench/, not asserted here.
    paths = write_ct_series(tmp_path, 200)
    assert len(paths) == len(set(paths)) == 200
    headers = [read(p, stop_before_pixels=True) for p in paths]
    assert len({h.SOPInstanceUID for h in headers}) == 200
    assert len({h.SeriesInstanceUID for h in headers}) == 1
    assert len({h.StudyInstanceUID for h in headers}) == 1
    assert [h.InstanceNumber for h in headers] == list(range(1, 201))
    zs = [float(h.ImagePositionPatient[2]) for h in headers]
    assert zs == sorted(zs) and len(set(zs)) == 200
    assert [float(h.SliceLocation) for h in headers] == zs
    for path, header in zip(paths, headers, strict=True):
        assert path.name == f"CT.{header.SOPInstanceUID}.dcm"
        assert header.file_meta.MediaStorageSOPInstanceUID == header.SOPInstanceUID
        assert header.PatientID == "BENCH" and header.Modality == "CT"
    full = read(paths[-1])
    assert len(full.PixelData) == 512 * 512 * 2
    for path in (paths[0], paths[-1]):
        assert_dcmdump_clean(path)


def test_write_ct_series_options(tmp_path: Path) -> None:
    paths = write_ct_series(
        tmp_path,
        3,
        rows=16,
        columns=8,
        patient_id="P1",
        study_uid="1.2.3.4",
        series_uid="1.2.3.4.5",
        frame_of_reference_uid="1.2.3.4.6",
        implicit_vr=True,
        uid_seed="bench",
    )
    again = write_ct_series(tmp_path / "again", 3, rows=16, columns=8, uid_seed="bench")
    assert [p.name for p in paths] == [p.name for p in again]
    ds = read(paths[0])
    assert (ds.Rows, ds.Columns, len(ds.PixelData)) == (16, 8, 256)
    assert (ds.StudyInstanceUID, ds.SeriesInstanceUID) == ("1.2.3.4", "1.2.3.4.5")
    assert ds.FrameOfReferenceUID == "1.2.3.4.6"
    assert ds.file_meta.TransferSyntaxUID == ImplicitVRLittleEndian
    assert_dcmdump_clean(paths[0])
    assert write_ct_series(tmp_path / "none", 0) == []


def test_write_multiframe_50mb(tmp_path: Path) -> None:
    target = 50_000_000
    path = write_multiframe(tmp_path / "big" / "RD.big.dcm", target_bytes=target)
    size = path.stat().st_size
    assert abs(size - target) < target * 0.01
    header = read(path, stop_before_pixels=True)
    assert header.Modality == "RTDOSE" and header.PatientID == "BIG"
    frames, rows, columns = header.NumberOfFrames, header.Rows, header.Columns
    assert frames > 1
    assert len(as_list(header.GridFrameOffsetVector)) == frames
    expected = frames * rows * columns * 4
    full = read(path)
    assert len(full.PixelData) == expected
    assert size - expected < 4096  # everything else is a small header
    assert full.PixelData[: rows * columns * 4] == full.PixelData[-rows * columns * 4 :]
    assert_dcmdump_clean(path)


@pytest.mark.parametrize("target", [100, 5_000, 300_000, 3_000_000])
def test_write_multiframe_small_targets(tmp_path: Path, target: int) -> None:
    path = write_multiframe(tmp_path / "rd.dcm", target_bytes=target, chunk_bytes=10_000)
    ds = read(path)
    assert len(ds.PixelData) == ds.NumberOfFrames * ds.Rows * ds.Columns * 4
    assert abs(len(ds.PixelData) - target) <= max(1024, target * 0.01)
    assert_dcmdump_clean(path)


def test_write_multiframe_rejects_impossible_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_multiframe(tmp_path / "x.dcm", target_bytes=0)
    with pytest.raises(ValueError):
        write_multiframe(tmp_path / "x.dcm", target_bytes=5 << 30)


# --- garbage ---------------------------------------------------------------------------


def test_garbage(tmp_path: Path) -> None:
    garbage = write_garbage(tmp_path)
    for path in garbage.values():
        assert path.resolve().is_relative_to(tmp_path.resolve())

    assert garbage["empty"].stat().st_size == 0
    for key in ("not_dicom", "empty"):
        with pytest.raises(InvalidDicomError):
            read(garbage[key])
        assert dcmdump(garbage[key]).returncode != 0

    # pydicom is lenient with truncated files; DCMTK is not.  The station must notice.
    truncated = garbage["truncated"]
    assert truncated.read_bytes()[128:132] == b"DICM"
    assert dcmdump(truncated).returncode != 0
    partial = read(truncated)
    assert partial.Modality == "RTPLAN"
    assert "ApprovalStatus" not in partial  # (300E,0002) lies in the cut-off half
    assert dcmdump(garbage["truncated_pixels"]).returncode != 0
    damaged = read(garbage["truncated_pixels"])
    assert len(damaged.PixelData) < damaged.Rows * damaged.Columns * 2

    no_uid = read(garbage["no_sop_uid"])
    assert "SOPInstanceUID" not in no_uid
    assert "MediaStorageSOPInstanceUID" not in no_uid.file_meta
    assert no_uid.SOPClassUID == CT_IMAGE_STORAGE
    assert_dcmdump_clean(garbage["no_sop_uid"])

    hostile_dir = garbage["hostile_ids"]
    assert hostile_dir.is_dir()
    hostile = {k: p for k, p in garbage.items() if k.startswith("hostile_") and p.is_file()}
    assert sorted(hostile.values()) == sorted(hostile_dir.iterdir())
    expected = {
        "hostile_dotdot": "../../x",
        "hostile_con": "CON",
        "hostile_aux": "aux.txt",
        "hostile_long": "L" * 200,
        "hostile_nul": "a\x00b",
        "hostile_nonascii": "Müller^Jörg",
    }
    for key, patient_id in expected.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # pydicom: "exceeds 64 for LO"
            ds = read(hostile[key])
            assert ds.PatientID == patient_id
        assert ds.SOPInstanceUID and ds.Modality == "CT"
        assert_dcmdump_clean(hostile[key])
    # A backslash is the DICOM value separator: pydicom reads "C:\x" as two values.
    drive = read(hostile["hostile_drive"])
    assert list(drive.PatientID) == ["C:", "x"]
    assert b"C:\\x" in hostile["hostile_drive"].read_bytes()
    assert_dcmdump_clean(hostile["hostile_drive"])
    assert read(hostile["hostile_nonascii"]).SpecificCharacterSet == "ISO_IR 192"


# --- pydicom's bundled files -----------------------------------------------------------


def test_pydicom_rt_files() -> None:
    files = pydicom_rt_files()
    assert set(files) == {
        "rtplan.dcm",
        "rtdose.dcm",
        "rtdose_1frame.dcm",
        "rtdose_expb.dcm",
        "rtdose_rle.dcm",
        "rtstruct.dcm",
        "CT_small.dcm",
        "rtplan_truncated.dcm",
    }
    for name, path in files.items():
        assert path.is_file(), name
        ds = read(path, force=name in NEEDS_FORCE, stop_before_pixels=True)
        assert ds.Modality
    with pytest.raises(InvalidDicomError):
        read(files["rtstruct.dcm"])
    assert read(files["rtdose_expb.dcm"]).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.2"


def test_copy_pydicom_rt_files(tmp_path: Path) -> None:
    copies = copy_pydicom_rt_files(tmp_path / "pyd")
    names = sorted(p.name for p in copies)
    assert TRUNCATED not in names and len(names) == 7
    assert sorted(p.name for p in (tmp_path / "pyd").iterdir()) == names
    for path in copies:
        assert read(path, force=path.name in NEEDS_FORCE).Modality
