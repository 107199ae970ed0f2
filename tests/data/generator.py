"""Generator of consistent synthetic DICOM-RT studies for tests and benchmarks.

Why this exists: the real RT files that ship with pydicom belong to four unrelated patients
and do not reference each other, so they cannot exercise the code that builds the RT
reference tree (CT <- RTSTRUCT <- RTPLAN <- RTDOSE / RTIMAGE).  Everything here is
synthetic (no real patient data ever) and deliberately *consistent*: every reference
points at an object that exists, unless a spec option asks for a specific defect
(missing slices, unwritten structure set, unwritten doses) so tests can check how the
station reports it.

Only pydicom and the standard library are used (no numpy), so the generator works in the
minimal test venv.  Pixel bytes are built row by row with ``bytes`` arithmetic, which is
fast enough for 512x512 and for multi-gigabyte multi-frame files written in chunks.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import pydicom
from pydicom import config as pydicom_config
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset
from pydicom.sequence import Sequence
from pydicom.tag import Tag
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    generate_uid,
)

__all__ = [
    "CT_IMAGE_STORAGE",
    "MANUFACTURER",
    "MR_IMAGE_STORAGE",
    "RT_DOSE_STORAGE",
    "RT_IMAGE_STORAGE",
    "RT_ION_PLAN_STORAGE",
    "RT_PLAN_STORAGE",
    "RT_STRUCTURE_SET_STORAGE",
    "SPATIAL_REGISTRATION_STORAGE",
    "VARIAN_PRIVATE_PLAN_STORAGE",
    "GeneratedStudy",
    "PlanSpec",
    "StudySpec",
    "sanitize_path_component",
    "write_ct_series",
    "write_garbage",
    "write_many_patients",
    "write_multiframe",
    "write_study",
]

# --- SOP classes -------------------------------------------------------------------------

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
RT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.481.1"
RT_DOSE_STORAGE = "1.2.840.10008.5.1.4.1.1.481.2"
RT_STRUCTURE_SET_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
RT_PLAN_STORAGE = "1.2.840.10008.5.1.4.1.1.481.5"
RT_ION_PLAN_STORAGE = "1.2.840.10008.5.1.4.1.1.481.8"
#: Varian's private plan class: still Modality RTPLAN, but not a standard storage class.
VARIAN_PRIVATE_PLAN_STORAGE = "1.2.246.352.70.1.70"
SPATIAL_REGISTRATION_STORAGE = "1.2.840.10008.5.1.4.1.1.66.1"
#: Retired Detached Study Management class, which RTReferencedStudySequence traditionally uses.
_STUDY_COMPONENT_CLASS = "1.2.840.10008.3.1.2.3.1"

#: Every generated file carries this Manufacturer so a test can tell synthetic data apart.
MANUFACTURER = "rtstation-testdata"

_IMPLEMENTATION_VERSION = "RTSTATION_TD"
# Fixed dates/times keep files byte-identical for a given uid_seed (reproducible benchmarks).
_STUDY_DATE = "20240115"
_STUDY_TIME = "101500"
_PLAN_DATE = "20240116"
_PLAN_TIME = "093000"

_FILE_PREFIX = {
    "CT": "CT",
    "MR": "MR",
    "RTSTRUCT": "RS",
    "RTPLAN": "RP",
    "RTDOSE": "RD",
    "RTIMAGE": "RI",
    "REG": "RE",
}
_APPROVALS = ("APPROVED", "UNAPPROVED", "REJECTED")
_PLAN_RELATIONSHIPS = ("PRIOR", "ALTERNATIVE", "PREDECESSOR", "VERIFIED_PLAN", "CONCURRENT")
_ROI_TEMPLATES = (
    ("BODY", "EXTERNAL"),
    ("PTV", "PTV"),
    ("CTV", "CTV"),
    ("SpinalCord", "ORGAN"),
    ("Lung_L", "ORGAN"),
    ("Lung_R", "ORGAN"),
)
_SLICE_THICKNESS = 3.0
_PATIENT_ID_TAG = Tag(0x0010, 0x0020)
_FIELD_OF_VIEW_MM = 500.0


# --- specs and result --------------------------------------------------------------------


@dataclass(frozen=True)
class PlanSpec:
    """One RT plan of a study, plus the RTDOSE objects that reference it.

    Defaults describe the commonest clinical case (approved curative photon plan with one
    plan dose), so a test only spells out the property it is about.
    """

    label: str = "PLAN1"
    name: str = ""  # RTPlanName; empty means "same as label"
    machine: str = "TrueBeam1"
    approval: str = "APPROVED"
    intent: str = "CURATIVE"
    beams: int = 2
    fractions: int = 25
    prescription_gy: float = 50.0
    doses: int = 1
    ion: bool = False
    varian_private_class: bool = False
    references_plan: int | None = None
    reference_structure_set: bool = True
    #: RTPlanRelationship used in ReferencedRTPlanSequence when references_plan is set.
    plan_relationship: str = "PREDECESSOR"

    @property
    def plan_name(self) -> str:
        """RTPlanName as written (the label when no name was given)."""
        return self.name or self.label

    @property
    def sop_class_uid(self) -> str:
        """SOP class the plan is written with; the Varian private class wins over ion."""
        if self.varian_private_class:
            return VARIAN_PRIVATE_PLAN_STORAGE
        return RT_ION_PLAN_STORAGE if self.ion else RT_PLAN_STORAGE


@dataclass(frozen=True)
class StudySpec:
    """Shape of one synthetic patient/study, including deliberate defects."""

    patient_id: str = "RT001"
    patient_name: str = "Test^Patient"
    slices: int = 10
    rows: int = 64
    columns: int = 64
    plans: tuple[PlanSpec, ...] = (PlanSpec(),)
    structure_set: bool = True
    structures: int = 3
    missing_slices: int = 0
    omit_structure_set_file: bool = False
    omit_dose_files: bool = False
    implicit_vr: bool = False
    charset: str = ""
    with_rtimage: bool = False
    with_registration: bool = False
    modality: str = "CT"
    frame_bytes: int | None = None


@dataclass(frozen=True)
class GeneratedStudy:
    """What write_study wrote, so tests can compare the files with the expected tree.

    UIDs of objects that are referenced but were deliberately not written stay visible:
    ``missing_image_uids`` for ``missing_slices`` and ``structure_set_uid`` (with
    ``structure_set_path`` None) for ``omit_structure_set_file``.  Doses skipped with
    ``omit_dose_files`` are never referenced by anything, so they get no UIDs at all.
    """

    root: Path
    patient_id: str
    study_uid: str
    frame_of_reference_uid: str
    image_series_uid: str
    image_paths: tuple[Path, ...]
    image_uids: tuple[str, ...]
    structure_set_path: Path | None
    structure_set_uid: str | None
    plan_paths: tuple[Path, ...]
    plan_uids: tuple[str, ...]
    dose_paths: tuple[Path, ...]
    dose_uids: tuple[str, ...]
    other_paths: tuple[Path, ...]
    all_paths: tuple[Path, ...]
    dose_uids_by_plan: dict[int, tuple[str, ...]] = field(default_factory=dict)
    dose_paths_by_plan: dict[int, tuple[Path, ...]] = field(default_factory=dict)
    patient_name: str = ""
    image_modality: str = "CT"
    missing_image_uids: tuple[str, ...] = ()
    plan_sop_class_uids: tuple[str, ...] = ()
    plan_labels: tuple[str, ...] = ()
    rtimage_path: Path | None = None
    rtimage_uid: str | None = None
    registration_path: Path | None = None
    registration_uid: str | None = None
    spec: StudySpec | None = None

    def files_by_modality(self) -> dict[str, list[Path]]:
        """Written files grouped by Modality (only modalities that have files)."""
        groups: dict[str, list[Path]] = {
            self.image_modality: list(self.image_paths),
            "RTSTRUCT": [self.structure_set_path] if self.structure_set_path else [],
            "RTPLAN": list(self.plan_paths),
            "RTDOSE": list(self.dose_paths),
            "RTIMAGE": [self.rtimage_path] if self.rtimage_path else [],
            "REG": [self.registration_path] if self.registration_path else [],
        }
        return {modality: paths for modality, paths in groups.items() if paths}


# --- small helpers -----------------------------------------------------------------------


class _UidSource:
    """UIDs that are random, or reproducible from a seed plus a per-object key.

    Deterministic UIDs let a benchmark or a golden test regenerate byte-identical files.
    """

    def __init__(self, seed: str | None) -> None:
        self._seed = seed

    def __call__(self, *key: object) -> str:
        if self._seed is None:
            return str(generate_uid())
        return str(generate_uid(entropy_srcs=[self._seed, *(str(part) for part in key)]))


def _ds(value: float) -> str:
    """Format a number as a DS string within the 16-character limit of the VR."""
    text = f"{value:.8g}"
    if len(text) > 16:  # pragma: no cover - only for absurd magnitudes
        text = f"{value:.6e}"
    return text


def _u16(value: int) -> bytes:
    return value.to_bytes(2, "little")


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "little")


def sanitize_path_component(text: str) -> str:
    """Turn a PatientID into a harmless folder name for the nested layout.

    Why: PatientIDs are attacker/typo controlled ("../../x", "CON", "C:\\x"); the generator
    itself must never write outside its root even when fed hostile ids.
    """
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", text).strip(". ")[:64]
    if not cleaned:
        return "_"
    stem = cleaned.split(".")[0].upper()
    reserved = {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(10)}
    reserved |= {f"LPT{i}" for i in range(10)}
    return f"_{cleaned}" if stem in reserved else cleaned


def _is_ascii(text: str) -> bool:
    return all(ord(ch) < 128 for ch in text)


def _file_meta(sop_class: str, sop_uid: str | None, implicit: bool) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    if sop_uid is not None:
        meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = _IMPLEMENTATION_VERSION
    return meta


def _write(ds: Dataset, target: Path | BinaryIO, implicit: bool) -> None:
    """Write a Part 10 file: preamble, DICM, File Meta matching the real encoding."""
    ds.file_meta = _file_meta(ds.SOPClassUID, ds.SOPInstanceUID, implicit)
    ds.preamble = b"\0" * 128
    pydicom.dcmwrite(target, ds, enforce_file_format=True)


def _encode(ds: Dataset, implicit: bool) -> bytes:
    buffer = io.BytesIO()
    _write(ds, buffer, implicit)
    return buffer.getvalue()


@dataclass
class _Context:
    """Per-study values shared by every object of the study."""

    uids: _UidSource
    patient_id: str
    patient_name: str
    charset: str
    study_uid: str
    frame_of_reference_uid: str
    implicit: bool
    root: Path
    layout: str
    image_series_uid: str = ""
    written: list[Path] = field(default_factory=list)

    def base(
        self,
        *,
        modality: str,
        sop_class: str,
        sop_uid: str,
        series_uid: str,
        series_number: int,
        instance_number: int = 1,
        description: str = "",
    ) -> Dataset:
        """Patient, study, series, equipment and SOP common modules for one object."""
        ds = Dataset()
        if self.charset:
            ds.SpecificCharacterSet = self.charset
        ds.SOPClassUID = sop_class
        ds.SOPInstanceUID = sop_uid
        ds.InstanceCreationDate = _STUDY_DATE
        ds.InstanceCreationTime = _STUDY_TIME
        ds.StudyDate = _STUDY_DATE
        ds.StudyTime = _STUDY_TIME
        ds.SeriesDate = _STUDY_DATE
        ds.SeriesTime = _STUDY_TIME
        ds.AccessionNumber = ""
        ds.Modality = modality
        ds.Manufacturer = MANUFACTURER
        ds.ReferringPhysicianName = ""
        ds.StudyDescription = "Synthetic RT study"
        ds.SeriesDescription = description or f"Synthetic {modality}"
        ds.OperatorsName = ""
        ds.PatientName = self.patient_name
        ds.PatientID = self.patient_id
        ds.PatientBirthDate = "19700101"
        ds.PatientSex = "O"
        ds.StudyInstanceUID = self.study_uid
        ds.SeriesInstanceUID = series_uid
        ds.StudyID = "1"
        ds.SeriesNumber = series_number
        ds.InstanceNumber = instance_number
        return ds

    def path_for(self, modality: str, sop_uid: str) -> Path:
        """Where a file of this modality goes for the chosen layout (folder is created)."""
        name = f"{_FILE_PREFIX[modality]}.{sop_uid}.dcm"
        if self.layout == "flat":
            folder = self.root
        else:
            folder = self.root / sanitize_path_component(self.patient_id) / modality
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name

    def save(self, ds: Dataset) -> Path:
        path = self.path_for(ds.Modality, ds.SOPInstanceUID)
        _write(ds, path, self.implicit)
        self.written.append(path)
        return path


# --- images ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Geometry:
    """Axial slice geometry; kept in one place so RTSTRUCT/RTDOSE match the images."""

    rows: int
    columns: int
    slices: int

    @property
    def spacing(self) -> float:
        return _FIELD_OF_VIEW_MM / max(self.rows, self.columns)

    def origin_x(self) -> float:
        return -(self.columns - 1) * self.spacing / 2

    def origin_y(self) -> float:
        return -(self.rows - 1) * self.spacing / 2

    def z(self, index: int) -> float:
        return (index - (self.slices - 1) / 2) * _SLICE_THICKNESS


def _image_shape(rows: int, columns: int, frame_bytes: int | None) -> tuple[int, int]:
    """Rows/columns giving about frame_bytes of 16-bit pixels (square-ish)."""
    if frame_bytes is None:
        return rows, columns
    pixels = max(1, frame_bytes // 2)
    side = max(1, min(65535, math.isqrt(pixels)))
    return side, max(1, min(65535, math.ceil(pixels / side)))


def _phantom_pixels(rows: int, columns: int) -> bytes:
    """A water cylinder in air (stored = HU + 1024), built row by row without numpy."""
    air, water = _u16(24), _u16(1024)
    radius = 0.4 * min(rows, columns)
    cy, cx = (rows - 1) / 2, (columns - 1) / 2
    out = bytearray()
    for r in range(rows):
        dy = r - cy
        if abs(dy) >= radius:
            out += air * columns
            continue
        half = math.sqrt(radius * radius - dy * dy)
        left = max(0, math.ceil(cx - half))
        right = min(columns, math.floor(cx + half) + 1)
        out += air * left + water * (right - left) + air * (columns - right)
    return bytes(out)


def _image_template(
    ctx: _Context,
    *,
    modality: str,
    series_uid: str,
    geometry: _Geometry,
    pixels: bytes,
) -> Dataset:
    """CT or MR slice with everything but the per-slice values (UID, number, position)."""
    sop_class = CT_IMAGE_STORAGE if modality == "CT" else MR_IMAGE_STORAGE
    ds = ctx.base(
        modality=modality,
        sop_class=sop_class,
        sop_uid="1.2.3",  # replaced per slice
        series_uid=series_uid,
        series_number=1,
        description=f"Synthetic {modality} planning images",
    )
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.FrameOfReferenceUID = ctx.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.PatientPosition = "HFS"
    ds.AcquisitionNumber = 1
    ds.ContentDate = _STUDY_DATE
    ds.ContentTime = _STUDY_TIME
    ds.SliceThickness = _ds(_SLICE_THICKNESS)
    ds.PixelSpacing = [_ds(geometry.spacing), _ds(geometry.spacing)]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.ImagePositionPatient = ["0", "0", "0"]
    ds.SliceLocation = "0"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = geometry.rows
    ds.Columns = geometry.columns
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    if modality == "CT":
        ds.KVP = "120"
        ds.RescaleIntercept = "-1024"
        ds.RescaleSlope = "1"
        ds.RescaleType = "HU"
        ds.WindowCenter = "40"
        ds.WindowWidth = "400"
    else:
        ds.ScanningSequence = "SE"
        ds.SequenceVariant = "NONE"
        ds.ScanOptions = ""
        ds.MRAcquisitionType = "2D"
        ds.RepetitionTime = "500"
        ds.EchoTime = "15"
        ds.EchoTrainLength = 1
        ds.MagneticFieldStrength = "1.5"
    ds.add_new(Tag(0x7FE0, 0x0010), "OW", pixels)
    return ds


def _set_slice(ds: Dataset, geometry: _Geometry, index: int, sop_uid: str) -> None:
    z = _ds(geometry.z(index))
    ds.SOPInstanceUID = sop_uid
    ds.InstanceNumber = index + 1
    ds.ImagePositionPatient = [_ds(geometry.origin_x()), _ds(geometry.origin_y()), z]
    ds.SliceLocation = z


# --- RT objects --------------------------------------------------------------------------


def _contour_points(z: float, scale: float, offset: float) -> list[str]:
    """An octagon in the slice plane, given as flat x,y,z DS strings."""
    radius = scale * _FIELD_OF_VIEW_MM / 2
    points: list[str] = []
    for k in range(8):
        angle = 2 * math.pi * k / 8
        points += [
            _ds(round(offset + radius * math.cos(angle), 2)),
            _ds(round(radius * math.sin(angle), 2)),
            _ds(z),
        ]
    return points


def _structure_set(
    ctx: _Context,
    *,
    sop_uid: str,
    series_uid: str,
    image_sop_class: str,
    all_image_uids: list[str],
    geometry: _Geometry,
    structures: int,
) -> Dataset:
    """RTSTRUCT whose references cover every slice (also the ones later left unwritten)."""
    ds = ctx.base(
        modality="RTSTRUCT",
        sop_class=RT_STRUCTURE_SET_STORAGE,
        sop_uid=sop_uid,
        series_uid=series_uid,
        series_number=2,
        description="Synthetic structure set",
    )
    ds.StructureSetLabel = "RS1"
    ds.StructureSetName = "Synthetic contours"
    ds.StructureSetDate = _STUDY_DATE
    ds.StructureSetTime = _STUDY_TIME

    def image_ref(uid: str) -> Dataset:
        item = Dataset()
        item.ReferencedSOPClassUID = image_sop_class
        item.ReferencedSOPInstanceUID = uid
        return item

    series = Dataset()
    series.SeriesInstanceUID = ctx.image_series_uid
    series.ContourImageSequence = Sequence([image_ref(uid) for uid in all_image_uids])
    study = Dataset()
    study.ReferencedSOPClassUID = _STUDY_COMPONENT_CLASS
    study.ReferencedSOPInstanceUID = ctx.study_uid
    study.RTReferencedSeriesSequence = Sequence([series])
    frame = Dataset()
    frame.FrameOfReferenceUID = ctx.frame_of_reference_uid
    frame.RTReferencedStudySequence = Sequence([study])
    ds.ReferencedFrameOfReferenceSequence = Sequence([frame])

    roi_items: list[Dataset] = []
    contour_items: list[Dataset] = []
    observation_items: list[Dataset] = []
    n_slices = len(all_image_uids)
    for roi in range(structures):
        number = roi + 1
        name, kind = _ROI_TEMPLATES[roi] if roi < len(_ROI_TEMPLATES) else (f"ROI_{number}", "")
        roi_item = Dataset()
        roi_item.ROINumber = number
        roi_item.ReferencedFrameOfReferenceUID = ctx.frame_of_reference_uid
        roi_item.ROIName = name
        roi_item.ROIGenerationAlgorithm = "MANUAL"
        roi_items.append(roi_item)

        # ROI 1 (BODY) is contoured on every slice, so each slice is referenced at least
        # once; the others sit on a central band of slices, like real targets/organs.
        if roi == 0:
            slice_range = range(n_slices)
            scale, offset = 0.4, 0.0
        else:
            margin = n_slices // 4
            slice_range = range(margin, max(margin + 1, n_slices - margin))
            scale, offset = 0.05 + 0.02 * (roi % 5), 10.0 * (roi % 3 - 1)
        contours: list[Dataset] = []
        for index in slice_range:
            if index >= n_slices:
                continue
            contour = Dataset()
            contour.ContourImageSequence = Sequence([image_ref(all_image_uids[index])])
            contour.ContourGeometricType = "CLOSED_PLANAR"
            contour.NumberOfContourPoints = 8
            contour.ContourNumber = len(contours) + 1
            contour.ContourData = _contour_points(geometry.z(index), scale, offset)
            contours.append(contour)
        contour_item = Dataset()
        contour_item.ROIDisplayColor = [(60 * number) % 256, (120 * number) % 256, 200]
        contour_item.ReferencedROINumber = number
        contour_item.ContourSequence = Sequence(contours)
        contour_items.append(contour_item)

        observation = Dataset()
        observation.ObservationNumber = number
        observation.ReferencedROINumber = number
        observation.RTROIInterpretedType = kind
        observation.ROIInterpreter = ""
        observation_items.append(observation)

    ds.StructureSetROISequence = Sequence(roi_items)
    ds.ROIContourSequence = Sequence(contour_items)
    ds.RTROIObservationsSequence = Sequence(observation_items)
    return ds


def _plan(
    ctx: _Context,
    *,
    spec: PlanSpec,
    index: int,
    sop_uid: str,
    series_uid: str,
    structure_set_uid: str | None,
    referenced_plan: tuple[str, str] | None,
) -> Dataset:
    """RTPLAN / RT Ion Plan with beams, fraction group, prescription and references."""
    ds = ctx.base(
        modality="RTPLAN",
        sop_class=spec.sop_class_uid,
        sop_uid=sop_uid,
        series_uid=series_uid,
        series_number=10 + index,
        description=f"Synthetic plan {spec.label}",
    )
    ds.FrameOfReferenceUID = ctx.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.RTPlanLabel = spec.label
    ds.RTPlanName = spec.plan_name
    ds.RTPlanDate = _PLAN_DATE
    ds.RTPlanTime = _PLAN_TIME
    ds.RTPlanGeometry = "PATIENT" if structure_set_uid else "TREATMENT_DEVICE"
    ds.PlanIntent = spec.intent
    ds.ApprovalStatus = spec.approval
    if spec.approval in ("APPROVED", "REJECTED"):
        ds.ReviewDate = _PLAN_DATE
        ds.ReviewTime = _PLAN_TIME
        ds.ReviewerName = "Reviewer^Synthetic"

    if structure_set_uid is not None:
        ref = Dataset()
        ref.ReferencedSOPClassUID = RT_STRUCTURE_SET_STORAGE
        ref.ReferencedSOPInstanceUID = structure_set_uid
        ds.ReferencedStructureSetSequence = Sequence([ref])
    if referenced_plan is not None:
        ref = Dataset()
        ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = referenced_plan
        ref.RTPlanRelationship = spec.plan_relationship
        ds.ReferencedRTPlanSequence = Sequence([ref])

    dose_ref = Dataset()
    dose_ref.DoseReferenceNumber = 1
    dose_ref.DoseReferenceUID = ctx.uids("doseref", sop_uid)
    dose_ref.DoseReferenceStructureType = "SITE"
    dose_ref.DoseReferenceDescription = "PTV prescription"
    dose_ref.DoseReferenceType = "TARGET"
    dose_ref.TargetPrescriptionDose = _ds(spec.prescription_gy)
    ds.DoseReferenceSequence = Sequence([dose_ref])

    setup = Dataset()
    setup.PatientSetupNumber = 1
    setup.PatientPosition = "HFS"
    setup.SetupTechnique = "ISOCENTRIC"
    ds.PatientSetupSequence = Sequence([setup])

    beam_dose = spec.prescription_gy / max(1, spec.fractions) / max(1, spec.beams)
    refs: list[Dataset] = []
    beams: list[Dataset] = []
    for b in range(spec.beams):
        number = b + 1
        meterset = 100.0 + 10.0 * b
        ref = Dataset()
        ref.ReferencedBeamNumber = number
        ref.BeamDose = _ds(round(beam_dose, 4))
        ref.BeamMeterset = _ds(meterset)
        refs.append(ref)
        gantry = _ds(round(360.0 * b / max(1, spec.beams), 1))
        beams.append(_ion_beam(spec, number, gantry) if spec.ion else _beam(spec, number, gantry))

    group = Dataset()
    group.FractionGroupNumber = 1
    group.NumberOfFractionsPlanned = spec.fractions
    group.NumberOfBeams = spec.beams
    group.NumberOfBrachyApplicationSetups = 0
    group.ReferencedBeamSequence = Sequence(refs)
    ds.FractionGroupSequence = Sequence([group])
    if spec.ion:
        ds.IonBeamSequence = Sequence(beams)
    else:
        ds.BeamSequence = Sequence(beams)
    return ds


def _control_point(index: int, weight: float, energy: float, gantry: str) -> Dataset:
    cp = Dataset()
    cp.ControlPointIndex = index
    cp.CumulativeMetersetWeight = _ds(weight)
    if index == 0:
        cp.NominalBeamEnergy = _ds(energy)
        cp.GantryAngle = gantry
        cp.GantryRotationDirection = "NONE"
        cp.BeamLimitingDeviceAngle = "0"
        cp.BeamLimitingDeviceRotationDirection = "NONE"
        cp.PatientSupportAngle = "0"
        cp.PatientSupportRotationDirection = "NONE"
        cp.TableTopEccentricAngle = "0"
        cp.TableTopEccentricRotationDirection = "NONE"
        cp.IsocenterPosition = ["0", "0", "0"]
    return cp


def _beam(spec: PlanSpec, number: int, gantry: str) -> Dataset:
    """Static photon beam (6 MV) with two control points and jaw definitions."""
    beam = Dataset()
    beam.BeamNumber = number
    beam.BeamName = f"Field {number}"
    beam.BeamDescription = f"Synthetic beam {number}"
    beam.BeamType = "STATIC"
    beam.RadiationType = "PHOTON"
    beam.TreatmentMachineName = spec.machine
    beam.Manufacturer = MANUFACTURER
    beam.PrimaryDosimeterUnit = "MU"
    beam.SourceAxisDistance = "1000"
    beam.TreatmentDeliveryType = "TREATMENT"
    beam.NumberOfWedges = 0
    beam.NumberOfCompensators = 0
    beam.NumberOfBoli = 0
    beam.NumberOfBlocks = 0
    beam.ReferencedPatientSetupNumber = 1
    beam.FinalCumulativeMetersetWeight = "1"
    devices = []
    for kind in ("ASYMX", "ASYMY"):
        device = Dataset()
        device.RTBeamLimitingDeviceType = kind
        device.NumberOfLeafJawPairs = 1
        devices.append(device)
    beam.BeamLimitingDeviceSequence = Sequence(devices)
    first = _control_point(0, 0.0, 6.0, gantry)
    positions = []
    for kind in ("ASYMX", "ASYMY"):
        position = Dataset()
        position.RTBeamLimitingDeviceType = kind
        position.LeafJawPositions = ["-50", "50"]
        positions.append(position)
    first.BeamLimitingDevicePositionSequence = Sequence(positions)
    beam.ControlPointSequence = Sequence([first, _control_point(1, 1.0, 6.0, gantry)])
    beam.NumberOfControlPoints = 2
    return beam


def _ion_beam(spec: PlanSpec, number: int, gantry: str) -> Dataset:
    """Proton pencil-beam field (150 MeV: a 6 "MeV" proton beam would be meaningless)."""
    beam = Dataset()
    beam.BeamNumber = number
    beam.BeamName = f"Field {number}"
    beam.BeamDescription = f"Synthetic ion beam {number}"
    beam.BeamType = "STATIC"
    beam.RadiationType = "PROTON"
    beam.TreatmentMachineName = spec.machine
    beam.Manufacturer = MANUFACTURER
    beam.PrimaryDosimeterUnit = "MU"
    beam.TreatmentDeliveryType = "TREATMENT"
    beam.NumberOfWedges = 0
    beam.NumberOfCompensators = 0
    beam.NumberOfBoli = 0
    beam.NumberOfBlocks = 0
    beam.NumberOfRangeShifters = 0
    beam.NumberOfLateralSpreadingDevices = 0
    beam.NumberOfRangeModulators = 0
    beam.PatientSupportType = "TABLE"
    beam.ScanMode = "MODULATED"
    beam.VirtualSourceAxisDistances = [2000.0, 2000.0]
    beam.ReferencedPatientSetupNumber = 1
    beam.FinalCumulativeMetersetWeight = "1"
    points = []
    for index, weight in ((0, 0.0), (1, 1.0)):
        cp = _control_point(index, weight, 150.0, gantry)
        cp.NominalBeamEnergy = "150"
        cp.ScanSpotTuneID = "3.0"
        cp.NumberOfScanSpotPositions = 1
        cp.ScanSpotPositionMap = [0.0, 0.0]
        cp.ScanSpotMetersetWeights = 1.0 if index == 0 else 0.0
        cp.ScanningSpotSize = [3.0, 3.0]
        cp.NumberOfPaintings = 1
        points.append(cp)
    beam.IonControlPointSequence = Sequence(points)
    beam.NumberOfControlPoints = 2
    return beam


def _dose_pixels(rows: int, columns: int, frames: int, peak: int) -> bytes:
    """Unsigned 32-bit dose grid with a smooth bump (values distinct per frame)."""
    out = bytearray()
    for f in range(frames):
        fz = 1.0 - abs(f - (frames - 1) / 2) / max(1.0, frames)
        for r in range(rows):
            fy = 1.0 - abs(r - (rows - 1) / 2) / max(1.0, rows)
            for c in range(columns):
                fx = 1.0 - abs(c - (columns - 1) / 2) / max(1.0, columns)
                out += _u32(int(peak * fx * fy * fz))
    return bytes(out)


def _dose_grid_module(
    ds: Dataset, *, rows: int, columns: int, frames: int, spacing: float, z0: float
) -> None:
    """Image plane, pixel and multi-frame attributes shared by small and huge RTDOSE."""
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.NumberOfFrames = frames
    ds.FrameIncrementPointer = Tag(0x3004, 0x000C)
    ds.Rows = rows
    ds.Columns = columns
    ds.BitsAllocated = 32
    ds.BitsStored = 32
    ds.HighBit = 31
    ds.PixelRepresentation = 0
    ds.PixelSpacing = [_ds(spacing), _ds(spacing)]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.ImagePositionPatient = [
        _ds(-(columns - 1) * spacing / 2),
        _ds(-(rows - 1) * spacing / 2),
        _ds(z0),
    ]
    ds.SliceThickness = _ds(_SLICE_THICKNESS)
    ds.GridFrameOffsetVector = [_ds(i * _SLICE_THICKNESS) for i in range(frames)]
    ds.DoseUnits = "GY"
    ds.DoseType = "PHYSICAL"
    ds.DoseSummationType = "PLAN"


def _dose(
    ctx: _Context,
    *,
    sop_uid: str,
    series_uid: str,
    series_number: int,
    plan_uid: str,
    plan_class: str,
    prescription_gy: float,
    geometry: _Geometry,
) -> Dataset:
    """Small plan-summed RTDOSE referencing its plan, on the study frame of reference."""
    ds = ctx.base(
        modality="RTDOSE",
        sop_class=RT_DOSE_STORAGE,
        sop_uid=sop_uid,
        series_uid=series_uid,
        series_number=series_number,
        description="Synthetic plan dose",
    )
    ds.FrameOfReferenceUID = ctx.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.ContentDate = _PLAN_DATE
    ds.ContentTime = _PLAN_TIME
    rows, columns = 10, 12
    frames = max(1, min(geometry.slices, 6))
    scaling = 1e-4
    _dose_grid_module(
        ds,
        rows=rows,
        columns=columns,
        frames=frames,
        spacing=25.0,
        z0=geometry.z(max(0, (geometry.slices - frames) // 2)),
    )
    ds.DoseGridScaling = _ds(scaling)
    ref = Dataset()
    ref.ReferencedSOPClassUID = plan_class
    ref.ReferencedSOPInstanceUID = plan_uid
    ds.ReferencedRTPlanSequence = Sequence([ref])
    peak = int(prescription_gy * 1.05 / scaling)
    ds.add_new(Tag(0x7FE0, 0x0010), "OW", _dose_pixels(rows, columns, frames, peak))
    return ds


def _rtimage(
    ctx: _Context, *, sop_uid: str, series_uid: str, plan_uid: str, plan_class: str
) -> Dataset:
    """Portal image of beam 1 of the referenced plan."""
    ds = ctx.base(
        modality="RTIMAGE",
        sop_class=RT_IMAGE_STORAGE,
        sop_uid=sop_uid,
        series_uid=series_uid,
        series_number=30,
        description="Synthetic portal image",
    )
    ds.FrameOfReferenceUID = ctx.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.ImageType = ["ORIGINAL", "PRIMARY", "PORTAL"]
    ds.ContentDate = _PLAN_DATE
    ds.ContentTime = _PLAN_TIME
    ds.ConversionType = "DI"
    ds.RTImageLabel = "PORTAL1"
    ds.RTImagePlane = "NORMAL"
    ds.RadiationMachineName = "TrueBeam1"
    ds.PrimaryDosimeterUnit = "MU"
    ds.RadiationMachineSAD = "1000"
    ds.RTImageSID = "1500"
    ds.ImagePlanePixelSpacing = ["1", "1"]
    ds.RTImagePosition = ["-15.5", "15.5"]
    ds.GantryAngle = "0"
    ds.ReferencedBeamNumber = 1
    ref = Dataset()
    ref.ReferencedSOPClassUID = plan_class
    ref.ReferencedSOPInstanceUID = plan_uid
    ds.ReferencedRTPlanSequence = Sequence([ref])
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = 32
    ds.Columns = 32
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.add_new(Tag(0x7FE0, 0x0010), "OW", _phantom_pixels(32, 32))
    return ds


def _registration(ctx: _Context, *, sop_uid: str, series_uid: str) -> Dataset:
    """Rigid REG between the study frame of reference and an unrelated one."""
    ds = ctx.base(
        modality="REG",
        sop_class=SPATIAL_REGISTRATION_STORAGE,
        sop_uid=sop_uid,
        series_uid=series_uid,
        series_number=40,
        description="Synthetic registration",
    )
    ds.FrameOfReferenceUID = ctx.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.ContentDate = _PLAN_DATE
    ds.ContentTime = _PLAN_TIME
    ds.ContentLabel = "REG1"
    ds.ContentDescription = "Synthetic rigid registration"
    ds.ContentCreatorName = ""
    items = []
    # Identity for the study's own frame, a shift for an unrelated (moving) frame.
    for frame_uid, shift in (
        (ctx.frame_of_reference_uid, 0.0),
        (ctx.uids("reg-other-for", sop_uid), 12.5),
    ):
        matrix = Dataset()
        matrix.FrameOfReferenceTransformationMatrixType = "RIGID"
        matrix.FrameOfReferenceTransformationMatrix = [
            "1", "0", "0", _ds(shift),
            "0", "1", "0", "0",
            "0", "0", "1", "0",
            "0", "0", "0", "1",
        ]  # fmt: skip
        registration = Dataset()
        registration.MatrixSequence = Sequence([matrix])
        kind = Dataset()
        kind.CodeValue = "125025"
        kind.CodingSchemeDesignator = "DCM"
        kind.CodeMeaning = "Visual Alignment"
        registration.RegistrationTypeCodeSequence = Sequence([kind])
        outer = Dataset()
        outer.FrameOfReferenceUID = frame_uid
        outer.MatrixRegistrationSequence = Sequence([registration])
        items.append(outer)
    ds.RegistrationSequence = Sequence(items)
    return ds


# --- public writers ----------------------------------------------------------------------


def _validate(spec: StudySpec, layout: str) -> None:
    """Reject specs that would produce silently inconsistent data."""
    if layout not in ("flat", "nested"):
        raise ValueError(f"layout must be 'flat' or 'nested', not {layout!r}")
    if spec.modality not in ("CT", "MR"):
        raise ValueError(f"modality must be 'CT' or 'MR', not {spec.modality!r}")
    if spec.slices < 1:
        raise ValueError("a study needs at least one image slice")
    if not 0 <= spec.missing_slices <= spec.slices:
        raise ValueError("missing_slices must be between 0 and slices")
    if spec.structures < 0:
        raise ValueError("structures must be >= 0")
    if spec.with_rtimage and not spec.plans:
        raise ValueError("with_rtimage needs at least one plan to reference")
    if not spec.charset and not (_is_ascii(spec.patient_name) and _is_ascii(spec.patient_id)):
        raise ValueError("non-ASCII patient name/id needs a charset (e.g. 'ISO_IR 192')")
    for index, plan in enumerate(spec.plans):
        if plan.approval not in _APPROVALS:
            raise ValueError(f"plan {index}: approval must be one of {_APPROVALS}")
        if plan.plan_relationship not in _PLAN_RELATIONSHIPS:
            raise ValueError(f"plan {index}: plan_relationship must be in {_PLAN_RELATIONSHIPS}")
        if plan.beams < 0 or plan.doses < 0 or plan.fractions < 1:
            raise ValueError(f"plan {index}: beams/doses must be >= 0 and fractions >= 1")
        if len(plan.label) > 16:
            raise ValueError(f"plan {index}: RTPlanLabel is SH, at most 16 characters")
        ref = plan.references_plan
        if ref is not None and (ref == index or not 0 <= ref < len(spec.plans)):
            raise ValueError(f"plan {index}: references_plan {ref} is not another plan")


def write_study(
    root: Path | str,
    spec: StudySpec = StudySpec(),
    *,
    layout: str = "flat",
    uid_seed: str | None = None,
) -> GeneratedStudy:
    """Write one consistent synthetic study and describe what was written.

    ``layout="flat"`` mimics an Eclipse export folder (``CT.<uid>.dcm``, ``RS.<uid>.dcm``,
    ...); ``layout="nested"`` writes ``root/<patient id>/<modality>/`` for recursive scans.
    ``uid_seed`` makes every UID (and therefore every byte) reproducible.
    """
    _validate(spec, layout)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    uids = _UidSource(uid_seed)
    ctx = _Context(
        uids=uids,
        patient_id=spec.patient_id,
        patient_name=spec.patient_name,
        charset=spec.charset,
        study_uid=uids("study"),
        frame_of_reference_uid=uids("frame-of-reference"),
        implicit=spec.implicit_vr,
        root=root,
        layout=layout,
    )
    image_series_uid = uids("image-series")
    ctx.image_series_uid = image_series_uid
    rows, columns = _image_shape(spec.rows, spec.columns, spec.frame_bytes)
    geometry = _Geometry(rows=rows, columns=columns, slices=spec.slices)

    # Images: one template, only the per-slice values change (same as write_ct_series).
    all_image_uids = [uids("image", i) for i in range(spec.slices)]
    n_written = spec.slices - spec.missing_slices
    template = _image_template(
        ctx,
        modality=spec.modality,
        series_uid=image_series_uid,
        geometry=geometry,
        pixels=_phantom_pixels(rows, columns),
    )
    image_paths: list[Path] = []
    for index in range(n_written):
        _set_slice(template, geometry, index, all_image_uids[index])
        image_paths.append(ctx.save(template))
    image_class = template.SOPClassUID

    # Structure set.
    structure_set_uid: str | None = None
    structure_set_path: Path | None = None
    if spec.structure_set:
        structure_set_uid = uids("structure-set")
        rs = _structure_set(
            ctx,
            sop_uid=structure_set_uid,
            series_uid=uids("structure-set-series"),
            image_sop_class=image_class,
            all_image_uids=all_image_uids,
            geometry=geometry,
            structures=spec.structures,
        )
        if not spec.omit_structure_set_file:
            structure_set_path = ctx.save(rs)

    # Plans (UIDs first, so a plan may reference a later one) and their doses.
    plan_uids = [uids("plan", i) for i in range(len(spec.plans))]
    plan_paths: list[Path] = []
    dose_paths: list[Path] = []
    dose_uids: list[str] = []
    dose_uids_by_plan: dict[int, tuple[str, ...]] = {}
    dose_paths_by_plan: dict[int, tuple[Path, ...]] = {}
    dose_series_number = 20
    for index, plan_spec in enumerate(spec.plans):
        referenced = None
        if plan_spec.references_plan is not None:
            target = spec.plans[plan_spec.references_plan]
            referenced = (target.sop_class_uid, plan_uids[plan_spec.references_plan])
        rp = _plan(
            ctx,
            spec=plan_spec,
            index=index,
            sop_uid=plan_uids[index],
            series_uid=uids("plan-series", index),
            structure_set_uid=structure_set_uid if plan_spec.reference_structure_set else None,
            referenced_plan=referenced,
        )
        plan_paths.append(ctx.save(rp))
        these_uids: list[str] = []
        these_paths: list[Path] = []
        if not spec.omit_dose_files:
            for d in range(plan_spec.doses):
                dose_uid = uids("dose", index, d)
                rd = _dose(
                    ctx,
                    sop_uid=dose_uid,
                    series_uid=uids("dose-series", index, d),
                    series_number=dose_series_number,
                    plan_uid=plan_uids[index],
                    plan_class=plan_spec.sop_class_uid,
                    prescription_gy=plan_spec.prescription_gy,
                    geometry=geometry,
                )
                dose_series_number += 1
                these_paths.append(ctx.save(rd))
                these_uids.append(dose_uid)
        dose_uids_by_plan[index] = tuple(these_uids)
        dose_paths_by_plan[index] = tuple(these_paths)
        dose_uids += these_uids
        dose_paths += these_paths

    other_paths: list[Path] = []
    rtimage_path = rtimage_uid = registration_path = registration_uid = None
    if spec.with_rtimage:
        rtimage_uid = uids("rtimage")
        rtimage_path = ctx.save(
            _rtimage(
                ctx,
                sop_uid=rtimage_uid,
                series_uid=uids("rtimage-series"),
                plan_uid=plan_uids[0],
                plan_class=spec.plans[0].sop_class_uid,
            )
        )
        other_paths.append(rtimage_path)
    if spec.with_registration:
        registration_uid = uids("registration")
        registration_path = ctx.save(
            _registration(ctx, sop_uid=registration_uid, series_uid=uids("registration-series"))
        )
        other_paths.append(registration_path)

    return GeneratedStudy(
        root=root,
        patient_id=spec.patient_id,
        study_uid=ctx.study_uid,
        frame_of_reference_uid=ctx.frame_of_reference_uid,
        image_series_uid=image_series_uid,
        image_paths=tuple(image_paths),
        image_uids=tuple(all_image_uids[:n_written]),
        structure_set_path=structure_set_path,
        structure_set_uid=structure_set_uid,
        plan_paths=tuple(plan_paths),
        plan_uids=tuple(plan_uids),
        dose_paths=tuple(dose_paths),
        dose_uids=tuple(dose_uids),
        other_paths=tuple(other_paths),
        all_paths=tuple(ctx.written),
        dose_uids_by_plan=dose_uids_by_plan,
        dose_paths_by_plan=dose_paths_by_plan,
        patient_name=spec.patient_name,
        image_modality=spec.modality,
        missing_image_uids=tuple(all_image_uids[n_written:]),
        plan_sop_class_uids=tuple(p.sop_class_uid for p in spec.plans),
        plan_labels=tuple(p.label for p in spec.plans),
        rtimage_path=rtimage_path,
        rtimage_uid=rtimage_uid,
        registration_path=registration_path,
        registration_uid=registration_uid,
        spec=spec,
    )


def write_many_patients(
    root: Path | str,
    n_patients: int,
    spec: StudySpec = StudySpec(),
    *,
    id_prefix: str = "RT",
    layout: str = "flat",
    uid_seed: str | None = None,
) -> list[GeneratedStudy]:
    """Write n studies of distinct patients (RT001, RT002, ...) into one root.

    Patient names get the number appended and plan labels a ``_NNN`` suffix so that lists
    of plans from different patients are distinguishable in tests and in the GUI.
    """
    studies = []
    for number in range(1, n_patients + 1):
        suffix = f"{number:03d}"
        plans = tuple(replace(p, label=f"{p.label[:12]}_{suffix}") for p in spec.plans)
        patient_spec = replace(
            spec,
            patient_id=f"{id_prefix}{suffix}",
            patient_name=f"{spec.patient_name}{suffix}",
            plans=plans,
        )
        seed = None if uid_seed is None else f"{uid_seed}/{patient_spec.patient_id}"
        studies.append(write_study(root, patient_spec, layout=layout, uid_seed=seed))
    return studies


def write_ct_series(
    root: Path | str,
    n: int,
    *,
    rows: int = 512,
    columns: int = 512,
    patient_id: str = "BENCH",
    patient_name: str = "Bench^Series",
    study_uid: str | None = None,
    series_uid: str | None = None,
    frame_of_reference_uid: str | None = None,
    implicit_vr: bool = False,
    uid_seed: str | None = None,
) -> list[Path]:
    """Bulk writer for benchmarks: n CT slices of one series as ``root/CT.<uid>.dcm``.

    Why it is fast: the dataset is encoded once; per file only the UID, InstanceNumber,
    ImagePositionPatient and SliceLocation differ.  Those values are fixed-width (UIDs of
    equal length, numbers space-padded as DS/IS allow) so each file is the template bytes
    with a few in-place substitutions, then one write call.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    uids = _UidSource(uid_seed)
    ctx = _Context(
        uids=uids,
        patient_id=patient_id,
        patient_name=patient_name,
        charset="" if _is_ascii(patient_id + patient_name) else "ISO_IR 192",
        study_uid=study_uid or uids("bench-study"),
        frame_of_reference_uid=frame_of_reference_uid or uids("bench-for"),
        implicit=implicit_vr,
        root=root,
        layout="flat",
    )
    geometry = _Geometry(rows=rows, columns=columns, slices=max(1, n))
    pixels = _phantom_pixels(rows, columns)
    template = _image_template(
        ctx,
        modality="CT",
        series_uid=series_uid or uids("bench-series"),
        geometry=geometry,
        pixels=pixels,
    )
    # Per-slice values become fixed-width so they can be substituted in the encoded header:
    # instance UIDs are <root>.<10**12 + index> (constant length, no leading zero), IS/DS
    # values are space-padded to their maximum length (leading spaces are legal there).
    instance_root = uids("bench-instances")[:44].rstrip(".")

    def instance_uid(index: int) -> str:
        return f"{instance_root}.{10**12 + index}"

    uid_marker = "9" * len(instance_uid(0))
    number_marker, z_marker, location_marker = "4" * 12, "3" * 16, "5" * 16
    template.SOPInstanceUID = uid_marker
    template.InstanceNumber = number_marker
    template.ImagePositionPatient = [
        _ds(geometry.origin_x()).rjust(16),
        _ds(geometry.origin_y()).rjust(16),
        z_marker,
    ]
    template.SliceLocation = location_marker
    encoded = _encode(template, implicit_vr)
    if not encoded.endswith(pixels):  # pragma: no cover - Pixel Data is the last element
        raise RuntimeError("Pixel Data is not at the end of the CT template")
    header = encoded[: len(encoded) - len(pixels)]
    expected = {uid_marker: 2, number_marker: 1, z_marker: 1, location_marker: 1}
    for marker, count in expected.items():
        if header.count(marker.encode()) != count:  # pragma: no cover - UID collision
            raise RuntimeError(f"placeholder {marker!r} is not unique in the CT template")

    paths: list[Path] = []
    for index in range(n):
        uid = instance_uid(index)
        z = _ds(geometry.z(index)).rjust(16).encode()
        slice_header = (
            header.replace(uid_marker.encode(), uid.encode())
            .replace(number_marker.encode(), str(index + 1).rjust(12).encode())
            .replace(z_marker.encode(), z)
            .replace(location_marker.encode(), z)
        )
        path = root / f"CT.{uid}.dcm"
        with path.open("wb") as fp:
            fp.write(slice_header)
            fp.write(pixels)
        paths.append(path)
    return paths


def _multiframe_shape(target_bytes: int) -> tuple[int, int, int]:
    """(rows, columns, frames) of 32-bit pixels totalling about target_bytes.

    Frames are capped so GridFrameOffsetVector (DS, 2-byte length in explicit VR) fits.
    """
    columns = 256
    total_rows = max(1, round(target_bytes / (columns * 4)))
    if total_rows <= 256:
        return total_rows, columns, 1
    frames = min(8192, math.ceil(total_rows / 256))
    rows = max(1, min(65535, round(total_rows / frames)))
    return rows, columns, frames


def write_multiframe(
    path: Path | str,
    *,
    target_bytes: int,
    patient_id: str = "BIG",
    uid_seed: str | None = None,
    chunk_bytes: int = 8 << 20,
) -> Path:
    """Write one RTDOSE of about target_bytes without holding the pixel data in memory.

    The header is encoded by pydicom; Pixel Data (7FE0,0010) is appended by hand as an
    explicit-length OW element followed by the frame bytes in chunks, which lets a 1 GB
    (or up to ~4 GB) file be produced with a few MB of memory.
    """
    if target_bytes <= 0:
        raise ValueError("target_bytes must be positive")
    if target_bytes >= 0xFFFF_0000:
        raise ValueError("pixel data above 4 GB cannot use an explicit 32-bit length")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    uids = _UidSource(uid_seed)
    ctx = _Context(
        uids=uids,
        patient_id=patient_id,
        patient_name="Big^Multiframe",
        charset="" if _is_ascii(patient_id) else "ISO_IR 192",
        study_uid=uids("big-study"),
        frame_of_reference_uid=uids("big-for"),
        implicit=False,
        root=path.parent,
        layout="flat",
    )
    rows, columns, frames = _multiframe_shape(target_bytes)
    ds = ctx.base(
        modality="RTDOSE",
        sop_class=RT_DOSE_STORAGE,
        sop_uid=uids("big-dose"),
        series_uid=uids("big-series"),
        series_number=20,
        description="Synthetic large dose",
    )
    ds.FrameOfReferenceUID = ctx.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.ContentDate = _PLAN_DATE
    ds.ContentTime = _PLAN_TIME
    _dose_grid_module(ds, rows=rows, columns=columns, frames=frames, spacing=2.0, z0=0.0)
    ds.DoseGridScaling = "1e-05"
    ref = Dataset()
    ref.ReferencedSOPClassUID = RT_PLAN_STORAGE
    ref.ReferencedSOPInstanceUID = uids("big-plan")
    ds.ReferencedRTPlanSequence = Sequence([ref])

    frame = bytearray()
    for r in range(rows):
        frame += b"".join(_u32((r * 131 + c * 17) % 5_000_000) for c in range(columns))
    frame_bytes = bytes(frame)
    pixel_length = len(frame_bytes) * frames
    with path.open("wb") as fp:
        _write(ds, fp, implicit=False)
        fp.write(b"\xe0\x7f\x10\x00OW\x00\x00" + _u32(pixel_length))
        for chunk in _repeat_chunks(frame_bytes, frames, chunk_bytes):
            fp.write(chunk)
    return path


def _repeat_chunks(frame: bytes, frames: int, chunk_bytes: int) -> Iterator[bytes]:
    """Yield frames*frame bytes as chunks of whole frames (at most ~chunk_bytes each)."""
    per_chunk = max(1, chunk_bytes // max(1, len(frame)))
    block = frame * min(per_chunk, frames)
    remaining = frames
    while remaining:
        count = min(per_chunk, remaining)
        yield block if count * len(frame) == len(block) else block[: count * len(frame)]
        remaining -= count


_HOSTILE_IDS: dict[str, tuple[str, str]] = {
    # key -> (PatientID, SpecificCharacterSet)
    "hostile_dotdot": ("../../x", ""),
    "hostile_con": ("CON", ""),
    "hostile_aux": ("aux.txt", ""),
    "hostile_drive": ("C:\\x", ""),
    "hostile_long": ("L" * 200, ""),
    "hostile_nul": ("a\x00b", ""),
    "hostile_nonascii": ("Müller^Jörg", "ISO_IR 192"),
}


def _small_ct(patient_id: str, charset: str, *, patient_name: str = "Hostile^Id") -> Dataset:
    """A complete 8x8 CT slice for a one-off patient (garbage and hostile inputs)."""
    uids = _UidSource(None)
    ctx = _Context(
        uids=uids,
        patient_id="HOSTILE",
        patient_name=patient_name,
        charset=charset,
        study_uid=uids(),
        frame_of_reference_uid=uids(),
        implicit=False,
        root=Path("."),
        layout="flat",
    )
    geometry = _Geometry(rows=8, columns=8, slices=1)
    ds = _image_template(
        ctx, modality="CT", series_uid=uids(), geometry=geometry, pixels=_phantom_pixels(8, 8)
    )
    _set_slice(ds, geometry, 0, uids())
    # Hostile ids are invalid on purpose (too long, backslash, NUL): store them unvalidated.
    ds[_PATIENT_ID_TAG] = DataElement(
        _PATIENT_ID_TAG, "LO", patient_id, validation_mode=pydicom_config.IGNORE
    )
    return ds


def _write_without_sop_uid(ds: Dataset, path: Path) -> None:
    """Part 10 file whose dataset and File Meta both lack the SOP Instance UID.

    pydicom refuses to write such File Meta in enforce mode, so the group length is
    computed here to keep the file otherwise well-formed (DCMTK reads it cleanly).
    """
    meta = _file_meta(ds.SOPClassUID, None, implicit=False)
    meta.FileMetaInformationVersion = b"\x00\x01"
    body = DicomBytesIO()
    body.is_little_endian, body.is_implicit_VR = True, False
    write_dataset(body, meta)
    meta.FileMetaInformationGroupLength = len(body.getvalue())
    ds.file_meta = meta
    ds.preamble = b"\0" * 128
    pydicom.dcmwrite(path, ds, enforce_file_format=False)


def write_garbage(root: Path | str) -> dict[str, Path]:
    """Bad inputs an import/scan must survive without crashing or escaping its folder.

    Keys: ``not_dicom`` (text), ``truncated`` (an RTPLAN cut in half),
    ``truncated_pixels`` (a CT missing the last 20 bytes of Pixel Data), ``no_sop_uid``,
    ``empty`` (0 bytes), one ``hostile_*`` key per hostile PatientID file (see
    ``_HOSTILE_IDS``), and ``hostile_ids`` = the folder holding those files.  Hostile ids
    live only *inside* the files; file names are always harmless.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}

    out["not_dicom"] = root / "not_dicom.dcm"
    out["not_dicom"].write_text("This is not a DICOM file.\nJust text.\n", encoding="utf-8")

    out["empty"] = root / "empty.dcm"
    out["empty"].write_bytes(b"")

    uids = _UidSource(None)
    ctx = _Context(
        uids=uids,
        patient_id="TRUNC",
        patient_name="Truncated^Plan",
        charset="",
        study_uid=uids(),
        frame_of_reference_uid=uids(),
        implicit=False,
        root=root,
        layout="flat",
    )
    plan = _plan(
        ctx,
        spec=PlanSpec(),
        index=0,
        sop_uid=uids(),
        series_uid=uids(),
        structure_set_uid=uids(),
        referenced_plan=None,
    )
    plan_bytes = _encode(plan, implicit=False)
    out["truncated"] = root / "truncated_rtplan.dcm"
    out["truncated"].write_bytes(plan_bytes[: len(plan_bytes) // 2])

    # pydicom reads both truncated files without raising (it stops at end of file), so the
    # station must notice the damage itself; DCMTK dcmdump fails on both.
    ct_bytes = _encode(_small_ct("TRUNC", ""), implicit=False)
    out["truncated_pixels"] = root / "truncated_pixels_ct.dcm"
    out["truncated_pixels"].write_bytes(ct_bytes[:-20])

    no_uid = _small_ct("NOUID", "")
    del no_uid.SOPInstanceUID
    out["no_sop_uid"] = root / "no_sop_uid.dcm"
    _write_without_sop_uid(no_uid, out["no_sop_uid"])

    hostile_dir = root / "hostile_ids"
    hostile_dir.mkdir(exist_ok=True)
    out["hostile_ids"] = hostile_dir
    for key, (patient_id, charset) in _HOSTILE_IDS.items():
        name = "Müller^Jörg" if charset else "Hostile^Id"
        ds = _small_ct(patient_id, charset, patient_name=name)
        path = hostile_dir / f"{key}.dcm"
        try:
            _write(ds, path, implicit=False)
        except (ValueError, UnicodeError):  # pragma: no cover - pydicom refusing a value
            path.unlink(missing_ok=True)
            continue
        out[key] = path
    return out
