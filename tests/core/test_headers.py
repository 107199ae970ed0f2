"""Header records: every generator variant and pydicom's own RT files read into the right
:class:`InstanceHeader`, and every kind of bad file becomes a :class:`DicomReadError` whose
reason a physicist can read.

Why it matters: the RT tree, the catalog and the rules only ever see these records, so a
field read wrongly here (a machine name, a referenced UID) silently misroutes a plan.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pydicom
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtstation.dicom import sop
from rtstation.dicom.headers import BeamInfo, InstanceHeader, iter_files, read_header
from rtstation.dicom.integrity import dataset_offset
from rtstation.errors import DicomReadError
from tests.data.generator import (
    CT_IMAGE_STORAGE,
    MR_IMAGE_STORAGE,
    RT_ION_PLAN_STORAGE,
    RT_PLAN_STORAGE,
    VARIAN_PRIVATE_PLAN_STORAGE,
    GeneratedStudy,
    PlanSpec,
    StudySpec,
    write_garbage,
    write_study,
)
from tests.data.pydicom_files import pydicom_rt_files

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"

# Cut and hostile files make pydicom warn about every half-read value; that is expected.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:pydicom")

# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> GeneratedStudy:
    """Photon, ion and Varian-private plans, RT image and registration in one study."""
    return write_study(
        tmp_path_factory.mktemp("study"),
        StudySpec(
            patient_id="RT042",
            patient_name="Synthetic^Headers",
            slices=6,
            rows=16,
            columns=16,
            structures=4,
            plans=(
                PlanSpec(label="PHOTON", name="Photon plan", beams=3, fractions=30),
                PlanSpec(
                    label="PROTON",
                    ion=True,
                    machine="Gantry1",
                    approval="UNAPPROVED",
                    intent="PALLIATIVE",
                    beams=2,
                    fractions=5,
                    prescription_gy=20.0,
                    doses=2,
                ),
                PlanSpec(
                    label="VARIAN",
                    varian_private_class=True,
                    references_plan=0,
                    machine="Halcyon2",
                    reference_structure_set=False,
                ),
            ),
            with_rtimage=True,
            with_registration=True,
        ),
        uid_seed="headers",
    )


@pytest.fixture(scope="module")
def headers(study: GeneratedStudy) -> dict[Path, InstanceHeader]:
    return {path: read_header(path) for path in study.all_paths}


@pytest.fixture(scope="module")
def garbage(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_garbage(tmp_path_factory.mktemp("garbage"))


# --- images ------------------------------------------------------------------------------


def test_ct_slices_read_as_images(study: GeneratedStudy, headers: dict[Path, InstanceHeader]):
    for number, (path, uid) in enumerate(
        zip(study.image_paths, study.image_uids, strict=True), start=1
    ):
        h = headers[path]
        assert h.path == str(path)
        assert (h.modality, h.sop_instance_uid) == ("CT", uid)
        assert (h.sop_class_uid, h.is_image) == (CT_IMAGE_STORAGE, True)
        assert h.series_instance_uid == study.image_series_uid
        assert h.frame_of_reference_uid == study.frame_of_reference_uid
        assert h.study_instance_uid == study.study_uid
        assert h.instance_number == number
        assert (h.patient_id, h.patient_name) == ("RT042", "Synthetic^Headers")
        assert h.transfer_syntax_uid == EXPLICIT_LE
        assert h.size == path.stat().st_size
        assert not (h.is_plan or h.is_structure_set or h.is_dose)


def test_mr_implicit_vr_with_utf8_names(tmp_path: Path):
    generated = write_study(
        tmp_path,
        StudySpec(
            modality="MR",
            implicit_vr=True,
            charset="ISO_IR 192",
            patient_id="Jörg-01",
            patient_name="Müller^Jörg",
            slices=3,
            rows=8,
            columns=8,
        ),
    )
    for path in generated.all_paths:
        h = read_header(path)
        assert h.transfer_syntax_uid == IMPLICIT_LE
        assert (h.patient_id, h.patient_name) == ("Jörg-01", "Müller^Jörg")
    mr = read_header(generated.image_paths[0])
    assert (mr.modality, mr.sop_class_uid, mr.is_image) == ("MR", MR_IMAGE_STORAGE, True)
    rs = read_header(generated.structure_set_path)  # type: ignore[arg-type]
    assert rs.referenced_image_uids == generated.image_uids


# --- plans -------------------------------------------------------------------------------


def test_photon_plan(study: GeneratedStudy, headers: dict[Path, InstanceHeader]):
    h = headers[study.plan_paths[0]]
    assert (h.modality, h.sop_class_uid, h.is_plan) == ("RTPLAN", RT_PLAN_STORAGE, True)
    assert (h.plan_label, h.plan_name, h.plan_date) == ("PHOTON", "Photon plan", "20240116")
    assert (h.approval_status, h.plan_intent) == ("APPROVED", "CURATIVE")
    assert (h.fractions_planned, h.prescription_gy) == (30, 50.0)
    assert h.machines == ("TrueBeam1",)
    assert h.beams == tuple(
        BeamInfo(
            number=n,
            name=f"Field {n}",
            machine="TrueBeam1",
            machine_model="",
            radiation_type="PHOTON",
            energy="6",
            meterset=100.0 + 10.0 * (n - 1),
            treatment_delivery_type="TREATMENT",
        )
        for n in (1, 2, 3)
    )
    assert h.total_meterset == pytest.approx(330.0)
    assert h.referenced_structure_set_uids == (study.structure_set_uid,)
    assert h.referenced_plan_uids == ()
    assert h.frame_of_reference_uid == study.frame_of_reference_uid


def test_ion_plan(study: GeneratedStudy, headers: dict[Path, InstanceHeader]):
    h = headers[study.plan_paths[1]]
    assert (h.sop_class_uid, h.is_plan) == (RT_ION_PLAN_STORAGE, True)
    assert (h.plan_label, h.plan_name) == ("PROTON", "PROTON")
    assert (h.approval_status, h.plan_intent) == ("UNAPPROVED", "PALLIATIVE")
    assert (h.fractions_planned, h.prescription_gy) == (5, 20.0)
    assert h.machines == ("Gantry1",)
    assert [(b.radiation_type, b.energy, b.meterset) for b in h.beams] == [
        ("PROTON", "150", 100.0),
        ("PROTON", "150", 110.0),
    ]


def test_varian_private_plan_is_a_plan(study: GeneratedStudy, headers: dict[Path, InstanceHeader]):
    h = headers[study.plan_paths[2]]
    assert h.sop_class_uid == VARIAN_PRIVATE_PLAN_STORAGE
    assert (h.modality, h.is_plan, h.is_image) == ("RTPLAN", True, False)
    assert h.machines == ("Halcyon2",)
    assert h.referenced_structure_set_uids == ()  # linked by frame of reference only
    assert h.referenced_plan_uids == (study.plan_uids[0],)  # references plan 0


def test_energy_keeps_its_unit_and_machine_model(tmp_path: Path, study: GeneratedStudy):
    ds = pydicom.dcmread(study.plan_paths[0])
    for beam in ds.BeamSequence:
        beam.ControlPointSequence[0].NominalBeamEnergyUnit = "MV"
        beam.ManufacturerModelName = "TDS"
        del beam.TreatmentMachineName
    path = tmp_path / "edited.dcm"
    ds.save_as(path)
    h = read_header(path)
    assert {b.energy for b in h.beams} == {"6 MV"}
    assert (h.machines, h.machine_models) == ((), ("TDS",))


# --- structure set, dose, RT image, registration -----------------------------------------


def test_structure_set(study: GeneratedStudy, headers: dict[Path, InstanceHeader]):
    h = headers[study.structure_set_path]  # type: ignore[index]
    assert (h.modality, h.is_structure_set, h.is_plan) == ("RTSTRUCT", True, False)
    assert h.sop_instance_uid == study.structure_set_uid
    assert h.structure_set_label == "RS1"
    assert h.roi_names == ("BODY", "PTV", "CTV", "SpinalCord")
    assert h.referenced_image_uids == study.image_uids
    assert h.referenced_series_uids == (study.image_series_uid,)
    assert h.referenced_frame_of_reference_uids == (study.frame_of_reference_uid,)


def test_doses_reference_their_plan(study: GeneratedStudy, headers: dict[Path, InstanceHeader]):
    for plan_index, paths in study.dose_paths_by_plan.items():
        for path in paths:
            h = headers[path]
            assert (h.modality, h.is_dose, h.is_image) == ("RTDOSE", True, False)
            assert h.dose_summation_type == "PLAN"
            assert h.referenced_plan_uids == (study.plan_uids[plan_index],)
    assert len(study.dose_paths_by_plan[1]) == 2


def test_rtimage_and_registration(study: GeneratedStudy, headers: dict[Path, InstanceHeader]):
    rt_image = headers[study.rtimage_path]  # type: ignore[index]
    assert rt_image.modality == "RTIMAGE"
    assert rt_image.referenced_plan_uids == (study.plan_uids[0],)
    assert not (rt_image.is_image or rt_image.is_plan or rt_image.is_dose)
    registration = headers[study.registration_path]  # type: ignore[index]
    assert (registration.modality, registration.sop_class_uid) == ("REG", sop.SPATIAL_REGISTRATION)
    assert registration.referenced_plan_uids == ()


# --- pydicom's RT files ------------------------------------------------------------------


def test_pydicom_rt_files():
    files = pydicom_rt_files()
    plan = read_header(files["rtplan.dcm"])
    assert (plan.is_plan, plan.transfer_syntax_uid) == (True, IMPLICIT_LE)
    assert plan.machines == ("unit001",) and plan.machine_models == ("Zapper9000",)
    assert plan.beams[0].meterset == pytest.approx(116.0036697)
    assert plan.referenced_structure_set_uids
    dose = read_header(files["rtdose.dcm"])
    assert dose.is_dose and dose.referenced_plan_uids
    assert read_header(files["rtdose_expb.dcm"]).transfer_syntax_uid == "1.2.840.10008.1.2.2"
    assert read_header(files["rtdose_rle.dcm"]).transfer_syntax_uid == "1.2.840.10008.1.2.5"
    assert read_header(files["CT_small.dcm"]).is_image


def test_raw_structure_set_without_preamble_is_read_with_force():
    """pydicom's rtstruct.dcm has no preamble and no File Meta (dcmread needs force=True)."""
    path = pydicom_rt_files()["rtstruct.dcm"]
    with pytest.raises(pydicom.errors.InvalidDicomError):
        pydicom.dcmread(path)
    h = read_header(path)
    assert (h.modality, h.is_structure_set, h.transfer_syntax_uid) == ("RTSTRUCT", True, "")
    assert h.roi_names[:2] == ("patient", "Isocenter 1")
    assert h.sop_instance_uid == pydicom.dcmread(path, force=True).SOPInstanceUID


def test_truncated_raw_dataset_is_detected(tmp_path: Path):
    """A raw dataset has no File Meta to name its transfer syntax; it is still verified."""
    data = pydicom_rt_files()["rtstruct.dcm"].read_bytes()
    path = tmp_path / "cut.dcm"
    path.write_bytes(data[: len(data) // 2])  # pydicom gives up inside a sequence
    with pytest.raises(DicomReadError, match=r"cut\.dcm: damaged or truncated DICOM file \("):
        read_header(path)
    path.write_bytes(data[:-383])  # pydicom reads this one as a shorter dataset
    with pytest.raises(DicomReadError, match=r"cut\.dcm: truncated: "):
        read_header(path)


def test_pydicom_truncated_plan_is_rejected():
    with pytest.raises(
        DicomReadError,
        match=r"truncated: element \(300A,00B0\) needs 976 bytes but the file ends 265 bytes",
    ):
        read_header(pydicom_rt_files()["rtplan_truncated.dcm"])


# --- bad files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("not_dicom", r"not a DICOM file \(no DICM preamble and no SOP Class UID\)"),
        ("empty", r"empty file \(0 bytes\)"),
        ("truncated", r"truncated: element \(300A,00B0\) needs \d+ bytes but the file ends"),
        (
            "truncated_pixels",
            r"truncated: element \(7FE0,0010\) needs 128 bytes but the file ends 20 bytes early",
        ),
        ("no_sop_uid", r"no SOP Instance UID \(0008,0018\): cannot be identified"),
    ],
)
def test_garbage_is_rejected_with_a_reason(garbage: dict[str, Path], key: str, reason: str):
    path = garbage[key]
    with pytest.raises(DicomReadError, match=reason) as info:
        read_header(path)
    assert info.value.path == str(path)
    assert str(info.value).startswith(f"{path}: ")
    assert isinstance(info.value.reason, str) and "\n" not in info.value.reason


def test_hostile_patient_ids_are_read_as_they_are(garbage: dict[str, Path]):
    read = {
        key: read_header(path).patient_id
        for key, path in garbage.items()
        if key.startswith("hostile_") and path.is_file()
    }
    assert read["hostile_dotdot"] == "../../x"
    assert read["hostile_drive"] == "C:\\x"
    assert read["hostile_con"] == "CON"
    assert read["hostile_long"] == "L" * 200
    # a NUL inside the value is part of it (issue 10: 'AB\0CD' is not patient 'ABCD');
    # only trailing NULs are padding
    assert read["hostile_nul"] == "a\x00b"
    assert read["hostile_nonascii"] == "Müller^Jörg"


def test_directory_is_not_readable(tmp_path: Path):
    with pytest.raises(DicomReadError, match=r"cannot be read \(Is a directory\)"):
        read_header(tmp_path)


def test_broken_symlink_is_not_readable(tmp_path: Path):
    """Running as root, chmod 000 does not stop a read; a dangling link does."""
    link = tmp_path / "link.dcm"
    os.symlink(tmp_path / "gone.dcm", link)
    with pytest.raises(DicomReadError, match=r"cannot be read \(No such file or directory\)"):
        read_header(link)


def test_missing_file(tmp_path: Path):
    with pytest.raises(DicomReadError, match=r"missing\.dcm: cannot be read \(No such file"):
        read_header(tmp_path / "missing.dcm")


def test_cut_inside_file_meta_is_truncated(tmp_path: Path, study: GeneratedStudy):
    """pydicom reads a File Meta cut short without complaint; the UIDs in it are not enough."""
    data = study.plan_paths[0].read_bytes()
    path = tmp_path / "meta_cut.dcm"
    path.write_bytes(data[:250])
    with pytest.raises(DicomReadError, match=r"truncated: the file ends inside its File Meta"):
        read_header(path)


def test_file_meta_without_dataset_is_truncated(tmp_path: Path, study: GeneratedStudy):
    data = study.plan_paths[0].read_bytes()
    with open(study.plan_paths[0], "rb") as f:
        offset = dataset_offset(f)
    path = tmp_path / "meta_only.dcm"
    path.write_bytes(data[:offset])
    with pytest.raises(DicomReadError, match=r"ends right after its File Meta Information"):
        read_header(path)


def test_ct_cut_before_pixel_data_is_truncated(tmp_path: Path, study: GeneratedStudy):
    data = study.image_paths[0].read_bytes()
    ds = pydicom.dcmread(study.image_paths[0])
    pixel_header = 12  # (7FE0,0010) OW, explicit VR: tag, VR, reserved, 4-byte length
    cut = len(data) - len(ds.PixelData) - pixel_header
    path = tmp_path / "no_pixels.dcm"
    path.write_bytes(data[:cut])
    with pytest.raises(
        DicomReadError, match=r"truncated: no Pixel Data \(7FE0,0010\); the file ends after"
    ):
        read_header(path)


def test_verify_false_skips_the_integrity_walk(garbage: dict[str, Path]):
    header = read_header(garbage["truncated_pixels"], verify=False)
    assert header.modality == "CT"


# --- serialisation -----------------------------------------------------------------------


def test_json_round_trip_of_every_variant(headers: dict[Path, InstanceHeader]):
    for header in headers.values():
        text = header.to_json()
        assert InstanceHeader.from_json(text) == header


def test_json_round_trip_of_pydicom_files():
    for name, path in pydicom_rt_files().items():
        if name != "rtplan_truncated.dcm":
            header = read_header(path)
            assert InstanceHeader.from_json(header.to_json()) == header


def test_from_json_ignores_unknown_fields(headers: dict[Path, InstanceHeader]):
    header = next(iter(headers.values()))
    text = header.to_json()[:-1] + ',"added_in_a_later_version":1}'
    assert InstanceHeader.from_json(text) == header


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@settings(max_examples=60, deadline=None)
@given(
    patient_name=_text,
    roi_names=st.tuples(_text, _text),
    meterset=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    number=st.none() | st.integers(-(2**31), 2**31),
)
def test_json_round_trip_property(
    patient_name: str, roi_names: tuple[str, str], meterset: float | None, number: int | None
):
    beam = BeamInfo(number, "F1", "M", "", "PHOTON", "6 MV", meterset, "TREATMENT")
    header = InstanceHeader(
        path="x.dcm",
        sop_class_uid=RT_PLAN_STORAGE,
        sop_instance_uid="1.2.3",
        modality="RTPLAN",
        patient_name=patient_name,
        roi_names=roi_names,
        beams=(beam, beam),
        instance_number=number,
        referenced_plan_uids=("1.2", "1.3"),
    )
    assert InstanceHeader.from_json(header.to_json()) == header


# --- iter_files --------------------------------------------------------------------------


def test_iter_files_pattern_is_case_insensitive_and_recursive(tmp_path: Path):
    for name in ("a/RP.1.dcm", "a/b/rp.2.DCM", "a/CT.3.dcm", "c/notes.txt", "RP.top.dcm"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    names = [p.name for p in iter_files([tmp_path], "RP*.dcm")]
    assert names == ["RP.top.dcm", "RP.1.dcm", "rp.2.DCM"]
    assert len(list(iter_files([tmp_path], "*.*"))) == 5
    assert [p.name for p in iter_files([tmp_path], recursive=False)] == ["RP.top.dcm"]
    single = tmp_path / "c" / "notes.txt"
    assert list(iter_files([single], "*.dcm")) == [single]  # a named file is always read


def test_iter_files_of_missing_folder_is_empty(tmp_path: Path):
    assert list(iter_files([tmp_path / "nowhere"])) == []


def test_copy_keeps_header_except_path(tmp_path: Path, study: GeneratedStudy):
    copy = tmp_path / "copy.dcm"
    shutil.copyfile(study.plan_paths[0], copy)
    original, copied = read_header(study.plan_paths[0]), read_header(copy)
    assert copied.path == str(copy)
    assert copied.to_json().replace(str(copy), "") == original.to_json().replace(
        str(study.plan_paths[0]), ""
    )


def test_the_receivers_parsed_dataset_gives_the_same_header_as_the_file(
    study: GeneratedStudy, headers: dict[Path, InstanceHeader], tmp_path: Path
):
    """The receiver hands the dataset its conformance check read (large values deferred)
    to the store, which then does not parse the file again: the header must be the one
    read from the file, for every kind of object, big pixel data included."""
    from rtstation.net.conformance import check_received_dataset
    from tests.data.generator import write_ct_series

    big_ct = write_ct_series(tmp_path / "big", 1)[0]  # 512x512: its Pixel Data is deferred
    expected = {**headers, big_ct: read_header(big_ct)}
    # what pynetdicom writes always has a File Meta: pydicom's raw rtstruct.dcm cannot arrive
    part10 = [p for p in pydicom_rt_files().values() if p.read_bytes()[128:132] == b"DICM"]
    assert part10
    for path in [*study.all_paths, big_ct, *part10]:
        meta = pydicom.dcmread(path, stop_before_pixels=True)
        refusal, dataset = check_received_dataset(
            path,
            affected_sop_class=str(meta.SOPClassUID),
            affected_sop_instance=str(meta.SOPInstanceUID),
            context_class=str(meta.SOPClassUID),
        )
        assert refusal is None and dataset is not None, path
        assert _outcome(path, dataset) == _outcome(path, None), path
        if path in expected:
            assert _outcome(path, dataset) == expected[path]


def _outcome(path: Path, dataset: pydicom.Dataset | None) -> InstanceHeader | str:
    """The header, or the reason it cannot be read (a truncated file stays refused)."""
    try:
        return read_header(path, dataset=dataset)
    except DicomReadError as exc:
        return exc.reason
