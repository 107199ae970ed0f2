"""Read DICOM headers into small immutable records.

Everything above this module (the RT reference tree, the catalog, the rules, the GUI)
works on :class:`InstanceHeader` records rather than on pydicom datasets: they are cheap to
keep for tens of thousands of files, safe to hand between threads, and serialisable into
the catalog so the tree can be rebuilt without touching the files again.

Headers are read with ``stop_before_pixels`` so a 1 GB dose grid costs what its header
costs. Anything unreadable becomes a :class:`~rtstation.errors.DicomReadError` that names
the file and the cause in words; a scan of a folder never stops on one bad file.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from rtstation.dicom import sop
from rtstation.dicom.deflate import inflation_refusal
from rtstation.dicom.integrity import truncation_reason
from rtstation.errors import DicomReadError

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class BeamInfo:
    """One treatment beam (photon or ion) as shown in the plan details."""

    number: int | None
    name: str
    machine: str
    machine_model: str
    radiation_type: str
    energy: str
    meterset: float | None
    treatment_delivery_type: str


@dataclass(frozen=True)
class InstanceHeader:
    """What rtstation needs to know about one DICOM instance, without its pixels.

    ``path`` is where the instance was read from (or, in the catalog, where it is stored).
    The ``referenced_*`` tuples carry the links the RT reference tree is built from.
    """

    path: str
    sop_class_uid: str
    sop_instance_uid: str
    modality: str
    transfer_syntax_uid: str = ""
    patient_id: str = ""
    patient_name: str = ""
    study_instance_uid: str = ""
    series_instance_uid: str = ""
    series_description: str = ""
    frame_of_reference_uid: str = ""
    instance_number: int | None = None
    study_date: str = ""
    # RT plan attributes (empty for other objects)
    plan_label: str = ""
    plan_name: str = ""
    plan_date: str = ""
    plan_intent: str = ""
    approval_status: str = ""
    fractions_planned: int | None = None
    prescription_gy: float | None = None
    beams: tuple[BeamInfo, ...] = ()
    # RT structure set attributes
    structure_set_label: str = ""
    roi_names: tuple[str, ...] = ()
    # RT dose attributes
    dose_summation_type: str = ""
    # References to other instances
    referenced_structure_set_uids: tuple[str, ...] = ()
    referenced_plan_uids: tuple[str, ...] = ()
    referenced_image_uids: tuple[str, ...] = ()
    referenced_series_uids: tuple[str, ...] = ()
    referenced_frame_of_reference_uids: tuple[str, ...] = ()
    size: int = 0

    @property
    def is_plan(self) -> bool:
        return sop.is_plan(self.sop_class_uid, self.modality)

    @property
    def is_structure_set(self) -> bool:
        return self.modality == "RTSTRUCT" or self.sop_class_uid == sop.RT_STRUCTURE_SET

    @property
    def is_dose(self) -> bool:
        return self.modality == "RTDOSE" or self.sop_class_uid == sop.RT_DOSE

    @property
    def is_image(self) -> bool:
        return sop.is_volume_image(self.sop_class_uid, self.modality)

    @property
    def machines(self) -> tuple[str, ...]:
        """Distinct treatment machine names of the plan's beams, in beam order."""
        return tuple(dict.fromkeys(b.machine for b in self.beams if b.machine))

    @property
    def machine_models(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b.machine_model for b in self.beams if b.machine_model))

    @property
    def total_meterset(self) -> float | None:
        values = [b.meterset for b in self.beams if b.meterset is not None]
        return sum(values) if values else None

    def to_json(self) -> str:
        """Serialise for the catalog; :meth:`from_json` restores an equal record."""
        return json.dumps(asdict(self), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, *, path: str | None = None) -> InstanceHeader:
        """The record :meth:`to_json` wrote; ``path`` replaces the stored path (the catalog
        stores it relative). The GUI reads 100,000 of these when it opens: keep it lean."""
        raw: dict[str, Any] = json.loads(text)
        known = _field_names(cls)
        values = {k: v for k, v in raw.items() if k in known}
        values["beams"] = tuple(BeamInfo(**b) for b in values.get("beams", ()))
        for name in ("roi_names", *_REFERENCE_FIELDS):
            values[name] = tuple(values.get(name, ()))
        if path is not None:
            values["path"] = path
        return cls(**values)


@functools.cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


_REFERENCE_FIELDS = (
    "referenced_structure_set_uids",
    "referenced_plan_uids",
    "referenced_image_uids",
    "referenced_series_uids",
    "referenced_frame_of_reference_uids",
)


def read_header(
    path: str | os.PathLike[str],
    *,
    verify: bool = True,
    dataset: Dataset | None = None,
    own_uids: bool = False,
) -> InstanceHeader:
    """Read the header of one file; raise :class:`DicomReadError` saying why it can't be used.

    ``verify`` also checks that the file is whole (see :mod:`rtstation.dicom.integrity`).
    ``dataset`` is the file's dataset when the caller parsed it already (the receiver's
    conformance check): its values are used instead of parsing the file again; the file
    itself is still checked for being whole. ``own_uids`` refuses a dataset that lacks its
    SOP Instance or Class UID even where the File Meta names one: what the station stores
    it may forward, and a dataset without them is not one a receiver must accept (the
    network receiver refuses it too); listing a folder (``show``) still names such files.
    """
    path_str = os.fspath(path)
    try:
        size = os.path.getsize(path_str)
    except OSError as exc:
        raise DicomReadError(path_str, f"cannot be read ({exc.strerror or exc})") from exc
    if size == 0:
        raise DicomReadError(path_str, "empty file (0 bytes)")
    if dataset is None:
        try:
            too_big = inflation_refusal(path_str)
        except OSError as exc:
            raise DicomReadError(path_str, f"cannot be read ({exc.strerror or exc})") from exc
        if too_big is not None:
            raise DicomReadError(path_str, too_big)
    ds = dataset if dataset is not None else _read_dataset(path_str)
    if verify:
        # Whole before its values are read: a cut file is refused for the cut (and at once,
        # without building a record from what is left of it).
        syntax, needs_pixels = _walk_terms(ds, path_str)
        reason = truncation_reason(path_str, syntax, require_pixel_data=needs_pixels)
        if reason is not None:
            raise DicomReadError(path_str, reason)
    if own_uids:
        _require_own_uids(ds, path_str)
    return header_from_dataset(ds, path_str, size=size)


def _require_own_uids(ds: Dataset, path: str) -> None:
    if _meta(ds, "MediaStorageSOPClassUID") == sop.MEDIA_DIRECTORY_STORAGE:
        return  # a DICOMDIR has no SOP UIDs of its own; the caller says what it is
    for keyword, words, tag in (
        ("SOPInstanceUID", "SOP Instance UID", "(0008,0018)"),
        ("SOPClassUID", "SOP Class UID", "(0008,0016)"),
    ):
        if not _text(ds, keyword):
            raise DicomReadError(
                path,
                f"the dataset has no {words} {tag} (its File Meta names one, but a dataset "
                "must carry its own to be stored or forwarded)",
            )


def _walk_terms(ds: Dataset, path: str) -> tuple[str, bool]:
    """The transfer syntax to walk the file in, and whether it must end in Pixel Data.

    A raw dataset (no File Meta) names no transfer syntax: it is walked as pydicom read it.
    """
    try:
        syntax = _meta(ds, "TransferSyntaxUID") or _syntax_as_read(ds)
        sop_class_uid = _text(ds, "SOPClassUID") or _meta(ds, "MediaStorageSOPClassUID")
        modality = _text(ds, "Modality").upper() or sop.modality_for(sop_class_uid)
    except Exception as exc:
        raise DicomReadError(path, f"damaged or truncated DICOM file ({_short(exc)})") from exc
    return syntax, sop.is_volume_image(sop_class_uid, modality) or modality == "RTIMAGE"


def _syntax_as_read(ds: Dataset) -> str:
    """The transfer syntax pydicom found a raw dataset in (it has no File Meta to say)."""
    implicit, little = ds.original_encoding
    if implicit:
        return ImplicitVRLittleEndian
    return ExplicitVRLittleEndian if little is not False else ExplicitVRBigEndian


def _read_dataset(path: str) -> Dataset:
    try:
        return pydicom.dcmread(path, stop_before_pixels=True)
    except InvalidDicomError:
        pass  # no preamble: maybe a raw dataset (pydicom's rtstruct.dcm is one); try below
    except PermissionError as exc:
        raise DicomReadError(path, "permission denied") from exc
    except OSError as exc:
        raise DicomReadError(path, f"cannot be read ({exc.strerror or exc})") from exc
    except Exception as exc:
        raise DicomReadError(path, f"damaged or truncated DICOM file ({_short(exc)})") from exc
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        # force=True accepts any bytes; only a dataset with a SOP class is believable
        if "SOPClassUID" not in ds:
            raise DicomReadError(path, "not a DICOM file (no DICM preamble and no SOP Class UID)")
        return ds
    except DicomReadError:
        raise
    except Exception as exc:
        # A raw dataset cut short fails here too; say so when the bytes start like one.
        what = (
            "damaged or truncated DICOM file" if _starts_like_dataset(path) else "not a DICOM file"
        )
        raise DicomReadError(path, f"{what} ({_short(exc)})") from exc


def _starts_like_dataset(path: str) -> bool:
    """Does the file begin with a group 0008 tag, as a raw dataset (no File Meta) does?"""
    try:
        with open(path, "rb") as f:
            head = f.read(2)
    except OSError:
        return False
    return head in (b"\x08\x00", b"\x00\x08")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def header_from_dataset(ds: Dataset, path: str, *, size: int = 0) -> InstanceHeader:
    """Build a record from a dataset already in memory (headers only are needed)."""
    try:
        return _header_from_dataset(ds, path, size)
    except DicomReadError:
        raise
    except Exception as exc:
        raise DicomReadError(path, f"damaged or truncated DICOM file ({_short(exc)})") from exc


def _header_from_dataset(ds: Dataset, path: str, size: int) -> InstanceHeader:
    sop_instance_uid = _text(ds, "SOPInstanceUID") or _meta(ds, "MediaStorageSOPInstanceUID")
    if not sop_instance_uid:
        raise DicomReadError(path, "no SOP Instance UID (0008,0018): cannot be identified")
    sop_class_uid = _text(ds, "SOPClassUID") or _meta(ds, "MediaStorageSOPClassUID")
    if not sop_class_uid:
        raise DicomReadError(path, "no SOP Class UID (0008,0016): cannot tell what it is")
    modality = _text(ds, "Modality").upper() or sop.modality_for(sop_class_uid)
    values: dict[str, Any] = {
        "path": path,
        "sop_class_uid": sop_class_uid,
        "sop_instance_uid": sop_instance_uid,
        "modality": modality,
        "transfer_syntax_uid": _meta(ds, "TransferSyntaxUID"),
        "patient_id": _text(ds, "PatientID"),
        "patient_name": _text(ds, "PatientName"),
        "study_instance_uid": _text(ds, "StudyInstanceUID"),
        "series_instance_uid": _text(ds, "SeriesInstanceUID"),
        "series_description": _text(ds, "SeriesDescription"),
        "frame_of_reference_uid": _text(ds, "FrameOfReferenceUID"),
        "instance_number": _int(ds.get("InstanceNumber")),
        "study_date": _text(ds, "StudyDate"),
        "size": size,
    }
    if sop.is_plan(sop_class_uid, modality):
        values.update(_plan_values(ds))
    if modality == "RTSTRUCT" or sop_class_uid == sop.RT_STRUCTURE_SET:
        values.update(_structure_set_values(ds))
    if modality == "RTDOSE":
        values["dose_summation_type"] = _text(ds, "DoseSummationType")
    # Doses, RT images, treatment records and plans all point at plans the same way.
    values["referenced_plan_uids"] = _uids(
        ds, "ReferencedRTPlanSequence", "ReferencedSOPInstanceUID"
    )
    if not values["frame_of_reference_uid"] and values.get("referenced_frame_of_reference_uids"):
        values["frame_of_reference_uid"] = values["referenced_frame_of_reference_uids"][0]
    return InstanceHeader(**values)


def _plan_values(ds: Dataset) -> dict[str, Any]:
    meterset_by_beam: dict[int, float] = {}
    fractions: int | None = None
    for group in _seq(ds, "FractionGroupSequence"):
        fractions = (
            fractions if fractions is not None else _int(group.get("NumberOfFractionsPlanned"))
        )
        for ref in _seq(group, "ReferencedBeamSequence"):
            number = _int(ref.get("ReferencedBeamNumber"))
            meterset = _float(ref.get("BeamMeterset"))
            if number is not None and meterset is not None:
                meterset_by_beam[number] = meterset
    beams = tuple(
        _beam_info(beam, meterset_by_beam)
        for beam in (*_seq(ds, "BeamSequence"), *_seq(ds, "IonBeamSequence"))
    )
    prescription = None
    for ref in _seq(ds, "DoseReferenceSequence"):
        prescription = _float(ref.get("TargetPrescriptionDose")) or _float(
            ref.get("DeliveryMaximumDose")
        )
        if prescription is not None:
            break
    return {
        "plan_label": _text(ds, "RTPlanLabel"),
        "plan_name": _text(ds, "RTPlanName"),
        "plan_date": _text(ds, "RTPlanDate"),
        "plan_intent": _text(ds, "PlanIntent"),
        "approval_status": _text(ds, "ApprovalStatus"),
        "fractions_planned": fractions,
        "prescription_gy": prescription,
        "beams": beams,
        "referenced_structure_set_uids": _uids(
            ds, "ReferencedStructureSetSequence", "ReferencedSOPInstanceUID"
        ),
    }


def _beam_info(beam: Dataset, meterset_by_beam: dict[int, float]) -> BeamInfo:
    number = _int(beam.get("BeamNumber"))
    control_points = _seq(beam, "ControlPointSequence") or _seq(beam, "IonControlPointSequence")
    energy = ""
    if control_points:
        energy = _text(control_points[0], "NominalBeamEnergy")
        unit = _text(control_points[0], "NominalBeamEnergyUnit")
        if energy and unit:
            energy = f"{energy} {unit}"
    return BeamInfo(
        number=number,
        name=_text(beam, "BeamName"),
        machine=_text(beam, "TreatmentMachineName"),
        machine_model=_text(beam, "ManufacturerModelName"),
        radiation_type=_text(beam, "RadiationType"),
        energy=energy,
        meterset=meterset_by_beam.get(number) if number is not None else None,
        treatment_delivery_type=_text(beam, "TreatmentDeliveryType"),
    )


def _structure_set_values(ds: Dataset) -> dict[str, Any]:
    image_uids: list[str] = []
    series_uids: list[str] = []
    for_uids: list[str] = []
    for for_item in _seq(ds, "ReferencedFrameOfReferenceSequence"):
        if uid := _text(for_item, "FrameOfReferenceUID"):
            for_uids.append(uid)
        for study in _seq(for_item, "RTReferencedStudySequence"):
            for series in _seq(study, "RTReferencedSeriesSequence"):
                if uid := _text(series, "SeriesInstanceUID"):
                    series_uids.append(uid)
                image_uids.extend(_uids(series, "ContourImageSequence", "ReferencedSOPInstanceUID"))
    # Some exporters list the slices only in the contours themselves.
    for roi in _seq(ds, "ROIContourSequence"):
        for contour in _seq(roi, "ContourSequence"):
            image_uids.extend(_uids(contour, "ContourImageSequence", "ReferencedSOPInstanceUID"))
    roi_names = tuple(_text(roi, "ROIName") for roi in _seq(ds, "StructureSetROISequence"))
    return {
        "structure_set_label": _text(ds, "StructureSetLabel"),
        "roi_names": roi_names,
        "referenced_image_uids": tuple(dict.fromkeys(image_uids)),
        "referenced_series_uids": tuple(dict.fromkeys(series_uids)),
        "referenced_frame_of_reference_uids": tuple(dict.fromkeys(for_uids)),
    }


def _seq(ds: Dataset, keyword: str) -> list[Dataset]:
    value = ds.get(keyword)
    if value is None:
        return []
    try:
        return [item for item in value if isinstance(item, Dataset)]
    except TypeError:
        return []


def _uids(ds: Dataset, sequence: str, keyword: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(uid for item in _seq(ds, sequence) if (uid := _text(item, keyword))))


def _text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword)
    if value is None:
        return ""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(str(v) for v in value).strip()
    # Trailing NULs are padding (UIDs are padded with one); a NUL inside a value is part of
    # it: 'AB\0CD' is not the patient 'ABCD'.
    return str(value).strip(" \t\r\n\x00")


def _meta(ds: Dataset, keyword: str) -> str:
    meta = getattr(ds, "file_meta", None)
    return _text(meta, keyword) if meta is not None else ""


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and str(value).strip() != "" else None
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None and str(value).strip() != "" else None
    except (TypeError, ValueError):
        return None


UnreadableFolder = Callable[[str, str], None]
"""Told of a folder that cannot be listed: its path and the reason."""


def iter_files(
    paths: Iterable[str | os.PathLike[str]],
    pattern: str = "*",
    *,
    recursive: bool = True,
    on_unreadable: UnreadableFolder | None = None,
) -> Iterable[Path]:
    """Yield files under ``paths`` whose name matches ``pattern`` (``*.*`` means every file).

    The pattern is matched case-insensitively, as DicomTools users on Windows expect. A
    folder that cannot be listed (no permission) goes to ``on_unreadable``: without it
    ``os.walk`` passes over it in silence, and ``show``, ``search`` or an anonymized
    import would report a folder as done of which they never saw a file.
    """
    from fnmatch import fnmatch

    def unreadable(exc: OSError) -> None:
        if on_unreadable is not None:
            reason = f"cannot be read ({exc.strerror or exc}); nothing in it was read"
            on_unreadable(str(exc.filename or ""), reason)

    pattern = "*" if pattern in ("", "*.*") else pattern.lower()
    for root in paths:
        root_path = Path(root)
        if root_path.is_file():
            yield root_path
            continue
        walker = (
            os.walk(root_path, onerror=unreadable)
            if recursive
            else [next(os.walk(root_path, onerror=unreadable), (root, [], []))]
        )
        for dirpath, dirnames, filenames in walker:
            dirnames.sort()
            for name in sorted(filenames):
                if fnmatch(name.lower(), pattern):
                    yield Path(dirpath) / name
