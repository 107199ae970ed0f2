"""The ROIs of an RTSTRUCT with their contours, grouped by plane, ready for a DVH.

A ROI's closed planar contours are grouped by their z coordinate (to 1/100 mm, since
exporters write 12.500000001). Several contours on one plane are kept together: whether a
contour is a hole or a second island is decided by the even-odd rule when the plane is
rasterised, which is how every planning system treats a contour inside a contour.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pydicom
from pydicom.dataset import Dataset

from rtstation.errors import DicomReadError

Z_DECIMALS = 2


@dataclass(frozen=True)
class Roi:
    number: int
    name: str
    interpreted_type: str  # RTROIInterpretedType: PTV, ORGAN, EXTERNAL, ...
    contour_count: int
    # z (mm) -> polygons on that plane, each an (n, 2) array of x, y in mm
    planes: dict[float, list[np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def has_volume(self) -> bool:
        return bool(self.planes)


@dataclass(frozen=True)
class StructureSet:
    path: str
    label: str
    frame_of_reference_uid: str
    rois: tuple[Roi, ...]

    @property
    def plane_spacing(self) -> float | None:
        """The typical distance between contour planes over all ROIs (the slice thickness)."""
        gaps = [
            gap for roi in self.rois for gap in np.diff(sorted(roi.planes)).tolist() if gap > 1e-3
        ]
        return float(np.median(gaps)) if gaps else None


def read_structure_set(path: str | os.PathLike[str]) -> StructureSet:
    """Read every ROI of a structure set (raw datasets without a preamble too)."""
    path_str = os.fspath(path)
    try:
        ds = pydicom.dcmread(path_str, force=True)
    except Exception as exc:
        raise DicomReadError(path_str, f"cannot be read as RTSTRUCT ({exc})") from exc
    if "StructureSetROISequence" not in ds:
        raise DicomReadError(path_str, "no StructureSetROISequence: not a structure set")
    return structure_set_from_dataset(ds, path_str)


def structure_set_from_dataset(ds: Dataset, path: str) -> StructureSet:
    names: dict[int, str] = {}
    for item in ds.get("StructureSetROISequence") or []:
        number = _number(item.get("ROINumber"))
        if number is not None:
            names[number] = str(item.get("ROIName", "") or "").strip()
    types: dict[int, str] = {}
    for item in ds.get("RTROIObservationsSequence") or []:
        number = _number(item.get("ReferencedROINumber"))
        if number is not None:
            types[number] = str(item.get("RTROIInterpretedType", "") or "").strip()
    contours: dict[int, Dataset] = {}
    for item in ds.get("ROIContourSequence") or []:
        number = _number(item.get("ReferencedROINumber"))
        if number is not None:
            contours[number] = item
    rois = []
    for number, name in names.items():
        item = contours.get(number)
        count, planes = _planes(item, path, name) if item is not None else (0, {})
        rois.append(Roi(number, name, types.get(number, ""), count, planes))
    frame = str(ds.get("FrameOfReferenceUID", "") or "")
    if not frame:
        for item in ds.get("ReferencedFrameOfReferenceSequence") or []:
            frame = str(item.get("FrameOfReferenceUID", "") or "")
            break
    return StructureSet(path, str(ds.get("StructureSetLabel", "") or ""), frame, tuple(rois))


def _planes(item: Dataset, path: str, name: str) -> tuple[int, dict[float, list[np.ndarray]]]:
    planes: dict[float, list[np.ndarray]] = {}
    count = 0
    for contour in item.get("ContourSequence") or []:
        count += 1
        if str(contour.get("ContourGeometricType", "")).upper() != "CLOSED_PLANAR":
            continue  # points and open curves enclose no volume
        try:
            points = np.asarray([float(v) for v in contour.ContourData], dtype=np.float64)
        except (AttributeError, TypeError, ValueError) as exc:
            raise DicomReadError(
                path, f"ROI '{name}' has a contour whose ContourData is not numbers ({exc})"
            ) from exc
        if not np.isfinite(points).all():
            raise DicomReadError(
                path, f"ROI '{name}' has a contour with coordinates that are not finite numbers"
            )
        if points.size < 9 or points.size % 3:
            continue  # fewer than three points: no area
        points = points.reshape(-1, 3)
        z = round(float(np.mean(points[:, 2])), Z_DECIMALS)
        planes.setdefault(z, []).append(points[:, :2].copy())
    return count, dict(sorted(planes.items()))


def _number(value: object) -> int | None:
    try:
        return int(str(value).strip()) if value is not None else None
    except ValueError:
        return None
