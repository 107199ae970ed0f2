"""Cumulative dose-volume histograms from a structure set and a dose grid, with numpy.

The method, and why:

* Every ROI is sampled on a regular in-plane grid of its own, finer than the dose grid
  when the ROI is small (the spacing is chosen so that the ROI's bounding box holds about
  ``target_samples`` points, never coarser than the dose grid and never finer than
  ``min_sample_mm``). Sub-dose-voxel sampling is what makes the volume and the dose of a
  small target right: counting whole dose voxels misses or double-counts the boundary.
* Contours are filled by scanlines with the even-odd rule over all contours of a plane, so
  a contour inside a contour is a hole and an island inside a hole is filled again.
* Each sample gets the dose at its point, bilinear in the plane and linear between the two
  dose planes around the contour plane (the dose and the contours rarely share planes).
* Each contour plane stands for a slab as thick as the distance to its neighbours (half to
  each side; the end planes a whole spacing); a gap wider than 1.5 times the structure
  set's usual spacing separates two parts of a ROI and is not counted as volume.
* The doses are binned finely (``bins`` bins up to the grid's maximum), weighted by
  volume; D95 and the like are read off the cumulative histogram with linear interpolation
  inside a bin. Dmin, Dmax and Dmean are exact over the samples.

Samples outside the dose grid get no dose: the ROI's volume counts them, its DVH does not,
and the result says how much of the ROI that is.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from rtstation.dicom.dose_grid import DoseGrid
from rtstation.dicom.structures import Roi, StructureSet

MM3_PER_CC = 1000.0


@dataclass(frozen=True)
class DvhOptions:
    """Knobs of the DVH; the defaults meet the validated tolerances (see README)."""

    bins: int = 10000
    target_samples: int = 40000  # per plane, over the ROI's bounding box
    min_sample_mm: float = 0.2
    vx_gy: tuple[float, ...] = (20.0,)  # V20Gy etc., reported in % of the ROI's DVH volume


@dataclass(frozen=True)
class RoiDvh:
    """One ROI's volume, dose figures and cumulative DVH; doses None with ``reason``."""

    name: str
    interpreted_type: str
    contour_count: int
    volume_cc: float | None
    dmin_gy: float | None = None
    dmean_gy: float | None = None
    dmax_gy: float | None = None
    d95_gy: float | None = None
    d50_gy: float | None = None
    d2_gy: float | None = None
    vx_percent: dict[float, float | None] = field(default_factory=dict)
    outside_grid_cc: float = 0.0
    reason: str = ""
    # Cumulative DVH: volume (cc) receiving at least dose_gy[i] (empty without a dose).
    dose_gy: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    volume_at_least_cc: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def dose_at_volume_percent(self, percent: float) -> float | None:
        """D<percent>: the dose at least ``percent`` % of the ROI receives."""
        return dose_at_fraction(self.dose_gy, self.volume_at_least_cc, percent / 100.0)


class _Accumulator:
    """Weighted dose histogram and exact moments of one ROI's samples."""

    def __init__(self, bins: int, max_dose: float) -> None:
        self.bins = bins
        # A hair above the maximum, so the top bin's upper edge has no volume left and the
        # cumulative curve ends at 0 %.
        self.width = max(max_dose, 1e-12) * (1 + 1e-6) / bins
        self.histogram = np.zeros(bins + 1)
        self.volume = 0.0  # mm3 inside the ROI (with or without dose)
        self.dosed_volume = 0.0
        self.dose_volume = 0.0  # sum of dose * volume, for the mean
        self.low = math.inf
        self.high = -math.inf

    def add(self, doses: np.ndarray, inside_grid: np.ndarray, weight: float, count: int) -> None:
        self.volume += weight * count
        dosed = doses[inside_grid]
        if not dosed.size:
            return
        dosed = np.maximum(dosed, 0.0)
        self.dosed_volume += weight * dosed.size
        self.dose_volume += weight * float(dosed.sum())
        self.low = min(self.low, float(dosed.min()))
        self.high = max(self.high, float(dosed.max()))
        index = np.minimum((dosed / self.width).astype(np.intp), self.bins)
        self.histogram += np.bincount(index, minlength=self.bins + 1) * weight


def compute_dvhs(
    structure_set: StructureSet,
    dose: DoseGrid,
    max_dose: float,
    options: DvhOptions | None = None,
) -> list[RoiDvh]:
    """A DVH for every ROI; each dose plane is interpolated once for all ROIs on it."""
    options = options or DvhOptions()
    typical = structure_set.plane_spacing or dose.plane_spacing or None
    finest_dose = min(dose.column_spacing, dose.row_spacing)
    layouts = {
        roi.number: _SampleLayout.for_roi(roi, finest_dose, options) for roi in structure_set.rois
    }
    thickness = {
        roi.number: _slab_thickness(sorted(roi.planes), typical) for roi in structure_set.rois
    }
    by_plane: dict[float, list[Roi]] = defaultdict(list)
    for roi in structure_set.rois:
        for z in roi.planes:
            by_plane[z].append(roi)
    accumulators = {roi.number: _Accumulator(options.bins, max_dose) for roi in structure_set.rois}
    for z in sorted(by_plane):
        plane = dose.plane_at(z)
        for roi in by_plane[z]:
            layout = layouts[roi.number]
            slab = thickness[roi.number].get(z)
            if layout is None or not slab:
                continue
            xs, ys = layout.inside_points(roi.planes[z])
            if not xs.size:
                continue
            if plane is None:
                doses = np.zeros(xs.size)
                in_grid = np.zeros(xs.size, dtype=bool)
            else:
                doses, in_grid = dose.sample(plane, xs, ys)
            accumulators[roi.number].add(doses, in_grid, layout.spacing**2 * slab, xs.size)
    return [
        _result(roi, accumulators[roi.number], thickness[roi.number], options)
        for roi in structure_set.rois
    ]


def _result(roi: Roi, acc: _Accumulator, slabs: dict[float, float], options: DvhOptions) -> RoiDvh:
    base = {
        "name": roi.name,
        "interpreted_type": roi.interpreted_type,
        "contour_count": roi.contour_count,
    }
    if not roi.planes:
        return RoiDvh(**base, volume_cc=None, reason="no closed contours: the ROI has no volume")
    if not slabs:
        return RoiDvh(
            **base,
            volume_cc=None,
            reason="contoured on one plane only and no slice spacing is known: no volume",
        )
    volume_cc = acc.volume / MM3_PER_CC
    if acc.volume <= 0:
        return RoiDvh(**base, volume_cc=0.0, reason="the contours enclose no area: no dose figures")
    if acc.dosed_volume <= 0:
        return RoiDvh(
            **base,
            volume_cc=volume_cc,
            outside_grid_cc=volume_cc,
            reason="the ROI lies outside the dose grid",
        )
    cumulative = np.cumsum(acc.histogram[::-1])[::-1] / MM3_PER_CC
    edges = np.arange(options.bins + 1) * acc.width
    outside = max(volume_cc - acc.dosed_volume / MM3_PER_CC, 0.0)
    reason = ""
    if outside > 1e-6 * volume_cc:
        reason = (
            f"{100 * outside / volume_cc:.1f}% of the ROI lies outside the dose grid; "
            "its dose figures cover the rest"
        )

    def at(fraction: float) -> float | None:
        value = dose_at_fraction(edges, cumulative, fraction)
        return None if value is None else min(max(value, acc.low), acc.high)

    dosed_cc = acc.dosed_volume / MM3_PER_CC
    return RoiDvh(
        **base,
        volume_cc=volume_cc,
        dmin_gy=acc.low,
        dmean_gy=acc.dose_volume / acc.dosed_volume,
        dmax_gy=acc.high,
        d95_gy=at(0.95),
        d50_gy=at(0.50),
        d2_gy=at(0.02),
        vx_percent={
            dose: 100.0 * volume_at_dose(edges, cumulative, dose) / dosed_cc
            for dose in options.vx_gy
        },
        outside_grid_cc=outside,
        reason=reason,
        dose_gy=edges,
        volume_at_least_cc=cumulative,
    )


def dose_at_fraction(edges: np.ndarray, cumulative: np.ndarray, fraction: float) -> float | None:
    """The dose that ``fraction`` of the volume receives at least (linear within a bin)."""
    if not cumulative.size or cumulative[0] <= 0:
        return None
    target = fraction * cumulative[0]
    # cumulative is non-increasing: the last edge whose volume still reaches the target
    k = int(np.searchsorted(-cumulative, -target, side="right")) - 1
    k = max(k, 0)
    if k >= cumulative.size - 1:
        return float(edges[-1])
    above, below = cumulative[k], cumulative[k + 1]
    width = edges[k + 1] - edges[k]
    share = (above - target) / (above - below) if above > below else 0.0
    return float(edges[k] + share * width)


def volume_at_dose(edges: np.ndarray, cumulative: np.ndarray, dose: float) -> float:
    """Volume (same unit as ``cumulative``) receiving at least ``dose``."""
    if not cumulative.size or dose <= edges[0]:
        return float(cumulative[0]) if cumulative.size else 0.0
    if dose >= edges[-1]:
        return float(cumulative[-1]) if dose == edges[-1] else 0.0
    return float(np.interp(dose, edges, cumulative))


def _slab_thickness(planes: list[float], typical: float | None) -> dict[float, float]:
    """Thickness each contour plane stands for (see the module docstring)."""
    if not planes:
        return {}
    if len(planes) == 1:
        return {planes[0]: typical} if typical else {}
    gaps = np.diff(planes).tolist()
    usual = typical or float(np.median(gaps))
    limit = 1.5 * usual
    result = {}
    for i, z in enumerate(planes):
        left = gaps[i - 1] if i > 0 and gaps[i - 1] <= limit else None
        right = gaps[i] if i < len(gaps) and gaps[i] <= limit else None
        if left is None and right is None:
            result[z] = usual  # a part of the ROI contoured on one plane
        else:
            result[z] = (
                (left if left is not None else right) + (right if right is not None else left)
            ) / 2.0
    return result


@dataclass(frozen=True)
class _SampleLayout:
    """The in-plane sample grid of one ROI (sample centres at x0 + (i + 0.5) * spacing)."""

    x0: float
    y0: float
    spacing: float
    columns: int
    rows: int

    @classmethod
    def for_roi(cls, roi: Roi, finest_dose_mm: float, options: DvhOptions) -> _SampleLayout | None:
        polygons = [p for plane in roi.planes.values() for p in plane]
        if not polygons:
            return None
        points = np.concatenate(polygons)
        low = points.min(axis=0)
        high = points.max(axis=0)
        width, height = float(high[0] - low[0]), float(high[1] - low[1])
        if width <= 0 or height <= 0:
            return None
        spacing = math.sqrt(width * height / options.target_samples)
        spacing = min(max(spacing, options.min_sample_mm), finest_dose_mm)
        columns = max(math.ceil(width / spacing), 1)
        rows = max(math.ceil(height / spacing), 1)
        # Centre the sample grid on the bounding box so no side is favoured.
        x0 = float(low[0]) - (columns * spacing - width) / 2
        y0 = float(low[1]) - (rows * spacing - height) / 2
        return cls(x0, y0, spacing, columns, rows)

    def inside_points(self, polygons: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates of the samples inside the plane's contours (even-odd rule)."""
        mask = self.mask(polygons)
        rows, cols = np.nonzero(mask)
        return self.x0 + (cols + 0.5) * self.spacing, self.y0 + (rows + 0.5) * self.spacing

    def mask(self, polygons: list[np.ndarray]) -> np.ndarray:
        starts = np.concatenate(polygons)
        ends = np.concatenate([np.roll(p, -1, axis=0) for p in polygons])
        x1, y1, x2, y2 = starts[:, 0], starts[:, 1], ends[:, 0], ends[:, 1]
        keep = y1 != y2
        x1, y1, x2, y2 = x1[keep], y1[keep], x2[keep], y2[keep]
        toggles = np.zeros((self.rows, self.columns + 1), dtype=np.int32)
        if x1.size:
            row_y = self.y0 + (np.arange(self.rows) + 0.5) * self.spacing
            for chunk in range(0, x1.size, 4096):
                part = slice(chunk, chunk + 4096)
                self._add_crossings(toggles, row_y, x1[part], y1[part], x2[part], y2[part])
        return (np.cumsum(toggles, axis=1)[:, : self.columns] & 1).astype(bool)

    def _add_crossings(
        self,
        toggles: np.ndarray,
        row_y: np.ndarray,
        x1: np.ndarray,
        y1: np.ndarray,
        x2: np.ndarray,
        y2: np.ndarray,
    ) -> None:
        low = np.minimum(y1, y2)
        high = np.maximum(y1, y2)
        # Half-open [low, high): a vertex shared by two edges is crossed once.
        crosses = (row_y[:, None] >= low[None, :]) & (row_y[:, None] < high[None, :])
        row_index, edge_index = np.nonzero(crosses)
        if not row_index.size:
            return
        ys = row_y[row_index]
        ex1, ey1, ex2, ey2 = x1[edge_index], y1[edge_index], x2[edge_index], y2[edge_index]
        xs = ex1 + (ys - ey1) * (ex2 - ex1) / (ey2 - ey1)
        # First sample whose centre lies at or right of the crossing starts a toggle.
        column = np.ceil((xs - self.x0) / self.spacing - 0.5).astype(np.intp)
        column = np.clip(column, 0, self.columns)
        flat = row_index * (self.columns + 1) + column
        toggles += np.bincount(flat, minlength=toggles.size).reshape(toggles.shape).astype(np.int32)
