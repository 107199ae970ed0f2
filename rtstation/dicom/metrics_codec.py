"""A :class:`PlanReport` as plain columns (JSON text and one compact blob) and back.

The catalog keeps every plan's metrics so the Metrics view, ``rtstation metrics`` and the
HTTP API read them instead of computing them again. The figures are JSON (numbers or null,
as in the CLI's JSON); the DVH curves are the large part, so each ROI's cumulative curve
is cut where no volume is left, resampled onto at most :data:`CURVE_POINTS` evenly spaced
doses and stored as float32 pairs, zlib-compressed, all ROIs of a plan in one blob. The
figures (D95, Vx ...) were computed from the full-resolution curve before that and are
kept exactly; the stored curve is for drawing and for a Vx asked for later.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from rtstation.dicom.dose_grid import DoseMetrics
from rtstation.dicom.dvh import RoiDvh, volume_at_dose
from rtstation.dicom.metrics import PlanReport, RoiSummary
from rtstation.dicom.plan_metrics import BeamMetrics, PlanMetrics

#: Points of a stored DVH curve: enough for a plot and a Vx to a fraction of a percent.
CURVE_POINTS = 512


@dataclass(frozen=True)
class EncodedReport:
    """The columns of one stored report."""

    plan_json: str
    dose_json: str | None
    structures_json: str
    rois_json: str
    notes_json: str
    curves: bytes


def encode_report(report: PlanReport) -> EncodedReport:
    """Columns for ``report``; the inverse is :func:`decode_report`."""
    curves: list[np.ndarray] = []
    rois = []
    for roi in report.rois:
        data = asdict(roi)
        data.pop("dose_gy")
        data.pop("volume_at_least_cc")
        data["vx_percent"] = [[k, v] for k, v in roi.vx_percent.items()]
        dose, volume = compact_curve(roi.dose_gy, roi.volume_at_least_cc)
        data["curve_points"] = int(dose.size)
        curves.extend((dose, volume))
        rois.append(data)
    packed = np.concatenate(curves).astype("<f4").tobytes() if curves else b""
    return EncodedReport(
        plan_json=_dumps(asdict(report.plan)),
        dose_json=_dumps(asdict(report.dose)) if report.dose is not None else None,
        structures_json=_dumps([asdict(s) for s in report.structures]),
        rois_json=_dumps(rois),
        notes_json=_dumps(
            {
                "notes": list(report.notes),
                "dose_path": report.dose_path,
                "structure_set_path": report.structure_set_path,
            }
        ),
        curves=zlib.compress(packed, 6),
    )


def decode_report(encoded: EncodedReport) -> PlanReport:
    """The report stored by :func:`encode_report` (curves at their stored resolution)."""
    plan_data = json.loads(encoded.plan_json)
    beams = tuple(BeamMetrics(**b) for b in plan_data.pop("beams"))
    plan_data["machines"] = tuple(plan_data["machines"])
    plan = PlanMetrics(**plan_data, beams=beams)
    dose = None
    if encoded.dose_json is not None:
        dose_data = json.loads(encoded.dose_json)
        dose_data["spacing_mm"] = tuple(dose_data["spacing_mm"])
        dose = DoseMetrics(**dose_data)
    structures = tuple(RoiSummary(**s) for s in json.loads(encoded.structures_json))
    floats = np.frombuffer(zlib.decompress(encoded.curves), dtype="<f4").astype(np.float64)
    offset = 0
    rois = []
    for data in json.loads(encoded.rois_json):
        points = data.pop("curve_points")
        dose_gy = floats[offset : offset + points]
        volume = floats[offset + points : offset + 2 * points]
        offset += 2 * points
        data["vx_percent"] = {float(k): v for k, v in data["vx_percent"]}
        rois.append(RoiDvh(**data, dose_gy=dose_gy, volume_at_least_cc=volume))
    extra = json.loads(encoded.notes_json)
    return PlanReport(
        plan=plan,
        dose=dose,
        structures=structures,
        rois=tuple(rois),
        notes=tuple(extra["notes"]),
        dose_path=extra["dose_path"],
        structure_set_path=extra["structure_set_path"],
    )


def compact_curve(dose_gy: np.ndarray, volume_cc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The curve up to its last dose with volume, on at most :data:`CURVE_POINTS` doses."""
    if not volume_cc.size or volume_cc[0] <= 0:
        return np.zeros(0), np.zeros(0)
    positive = np.nonzero(volume_cc > 0)[0]
    end = min(int(positive[-1]) + 2, volume_cc.size)  # keep the first dose with none left
    dose_gy, volume_cc = dose_gy[:end], volume_cc[:end]
    if dose_gy.size <= CURVE_POINTS:
        return dose_gy.copy(), volume_cc.copy()
    grid = np.linspace(float(dose_gy[0]), float(dose_gy[-1]), CURVE_POINTS)
    return grid, np.interp(grid, dose_gy, volume_cc)


def with_vx(report: PlanReport, vx_gy: tuple[float, ...]) -> PlanReport:
    """``report`` with every Vx of ``vx_gy`` that it lacks read off the stored curves."""
    missing = [d for d in vx_gy if any(d not in r.vx_percent for r in report.rois)]
    if not missing:
        return report
    rois = []
    for roi in report.rois:
        values = dict(roi.vx_percent)
        total = float(roi.volume_at_least_cc[0]) if roi.volume_at_least_cc.size else 0.0
        for dose in missing:
            if dose not in values:
                values[dose] = (
                    100.0 * volume_at_dose(roi.dose_gy, roi.volume_at_least_cc, dose) / total
                    if total > 0
                    else None
                )
        rois.append(replace(roi, vx_percent=values))
    return replace(report, rois=tuple(rois))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
