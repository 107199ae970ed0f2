"""Analytic DVH phantoms: doses that are linear in x, y, z and ROIs with known geometry.

A linear dose is reproduced exactly by trilinear interpolation, so what the DVH tests
measure is the geometry (rasterisation, slab thickness, holes) and the histogram, against
closed-form values: the volume of a sphere or box, its mean dose (the dose at its
centroid) and the quantiles of a linear dose over it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
RT_STRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
DOSE_SCALING = 1e-5  # Gy per stored unit: 70 Gy is 7,000,000, well inside uint32

Polygon = np.ndarray  # (n, 2) x, y in mm


@dataclass(frozen=True)
class LinearDose:
    """D(x, y, z) = offset + gradient . (x, y, z), in Gy."""

    offset: float
    gradient: tuple[float, float, float]

    def __call__(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        gx, gy, gz = self.gradient
        return self.offset + gx * x + gy * y + gz * z

    def at(self, point: Sequence[float]) -> float:
        return float(self(np.array(point[0]), np.array(point[1]), np.array(point[2])))


def _meta(sop_class: str, sop_uid: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return meta


def _common(ds: Dataset, sop_class: str, modality: str, frame_uid: str) -> None:
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    ds.PatientID = "DVH-PHANTOM"
    ds.PatientName = "Dvh^Phantom"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.FrameOfReferenceUID = frame_uid


def write_dose(
    path: Path,
    dose: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    *,
    origin: tuple[float, float, float],
    spacing: tuple[float, float, float],
    shape: tuple[int, int, int],  # columns, rows, planes
    frame_uid: str,
    plan_uid: str | None = None,
    absolute_offsets: bool = False,
    summation_type: str = "PLAN",
    flipped: bool = False,
    descending: bool = False,
) -> Path:
    """An RTDOSE with the dose function sampled at its grid points (uint32, scaled).

    ``flipped``: rows run along -x and columns along -y (a prone or feet-first grid),
    ``origin`` is then the patient-space position of the first pixel all the same;
    ``descending``: the planes are stored from the highest z down (negative offsets).
    """
    columns, rows, planes = shape
    ds = Dataset()
    ds.file_meta = _meta(RT_DOSE, generate_uid())
    _common(ds, RT_DOSE, "RTDOSE", frame_uid)
    ds.ImagePositionPatient = [f"{v:.4f}" for v in origin]
    sign = -1 if flipped else 1
    ds.ImageOrientationPatient = [sign, 0, 0, 0, sign, 0]
    ds.PixelSpacing = [f"{spacing[1]:.4f}", f"{spacing[0]:.4f}"]  # row spacing, column spacing
    step = -spacing[2] if descending else spacing[2]
    offsets = [k * step for k in range(planes)]
    if absolute_offsets:
        offsets = [origin[2] + o for o in offsets]
    ds.GridFrameOffsetVector = [f"{o:.4f}" for o in offsets]
    ds.NumberOfFrames = planes
    ds.FrameIncrementPointer = 0x3004000C
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 32
    ds.HighBit = 31
    ds.PixelRepresentation = 0
    ds.DoseUnits = "GY"
    ds.DoseType = "PHYSICAL"
    ds.DoseSummationType = summation_type
    ds.DoseGridScaling = f"{DOSE_SCALING:g}"
    if plan_uid:
        ref = Dataset()
        ref.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.481.5"
        ref.ReferencedSOPInstanceUID = plan_uid
        ds.ReferencedRTPlanSequence = DicomSequence([ref])
    x = origin[0] + sign * spacing[0] * np.arange(columns)
    y = origin[1] + sign * spacing[1] * np.arange(rows)
    z = origin[2] + step * np.arange(planes)
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    values = np.clip(dose(xx, yy, zz), 0.0, None) / DOSE_SCALING
    ds.PixelData = np.round(values).astype("<u4").tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


@dataclass(frozen=True)
class PhantomRoi:
    name: str
    interpreted_type: str
    planes: dict[float, list[Polygon]]


def write_structure_set(path: Path, rois: Sequence[PhantomRoi], *, frame_uid: str) -> Path:
    ds = Dataset()
    ds.file_meta = _meta(RT_STRUCT, generate_uid())
    _common(ds, RT_STRUCT, "RTSTRUCT", frame_uid)
    ds.StructureSetLabel = "PHANTOM"
    for_item = Dataset()
    for_item.FrameOfReferenceUID = frame_uid
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([for_item])
    roi_items, contour_items, observations = [], [], []
    for number, roi in enumerate(rois, start=1):
        item = Dataset()
        item.ROINumber = number
        item.ROIName = roi.name
        item.ReferencedFrameOfReferenceUID = frame_uid
        roi_items.append(item)
        contours = []
        for z, polygons in roi.planes.items():
            for polygon in polygons:
                contour = Dataset()
                contour.ContourGeometricType = "CLOSED_PLANAR"
                contour.NumberOfContourPoints = len(polygon)
                contour.ContourData = [f"{v:.4f}" for x, y in polygon.tolist() for v in (x, y, z)]
                contours.append(contour)
        roi_contour = Dataset()
        roi_contour.ReferencedROINumber = number
        roi_contour.ContourSequence = DicomSequence(contours)
        contour_items.append(roi_contour)
        observation = Dataset()
        observation.ObservationNumber = number
        observation.ReferencedROINumber = number
        observation.RTROIInterpretedType = roi.interpreted_type
        observations.append(observation)
    ds.StructureSetROISequence = DicomSequence(roi_items)
    ds.ROIContourSequence = DicomSequence(contour_items)
    ds.RTROIObservationsSequence = DicomSequence(observations)
    ds.save_as(path, enforce_file_format=True)
    return path


def planes(start: float, stop: float, step: float) -> list[float]:
    """Contour planes start, start + step, ... up to stop (inclusive, to 1e-6)."""
    count = math.floor((stop - start) / step + 1e-6) + 1
    return [round(start + k * step, 6) for k in range(count)]


def circle(cx: float, cy: float, radius: float, points: int = 256) -> Polygon:
    angles = np.linspace(0.0, 2 * math.pi, points, endpoint=False)
    return np.column_stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)])


def rectangle(x1: float, x2: float, y1: float, y2: float) -> Polygon:
    return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], dtype=float)


def sphere_roi(
    name: str, centre: tuple[float, float, float], radius: float, z_planes: Sequence[float]
) -> PhantomRoi:
    """A sphere as a planning system contours it: one circle on every plane it cuts."""
    result: dict[float, list[Polygon]] = {}
    for z in z_planes:
        dz = z - centre[2]
        if abs(dz) < radius:
            result[z] = [circle(centre[0], centre[1], math.sqrt(radius**2 - dz**2))]
    return PhantomRoi(name, "PTV", result)


def sphere_d_at_fraction(
    dose: LinearDose, centre: tuple[float, float, float], radius: float, fraction: float
) -> float:
    """Dose that ``fraction`` of a sphere receives at least, under a linear dose.

    The volume above a plane at height t (from the centre, along the gradient) is a cap of
    height h = R - t: pi h^2 (3R - h) / 3; solve cap / sphere = fraction for h.
    """
    low, high = 0.0, 2 * radius
    for _ in range(200):
        h = (low + high) / 2
        share = h * h * (3 * radius - h) / (4 * radius**3)
        low, high = (h, high) if share < fraction else (low, h)
    g = float(np.linalg.norm(dose.gradient))
    return dose.at(centre) + g * (radius - (low + high) / 2)
