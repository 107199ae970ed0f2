"""An RTDOSE grid read plane by plane, so a 1 GB dose costs one plane of memory at a time.

The header is read once; the pixel data is memory-mapped when it is stored uncompressed
(the usual case for doses), so a plane is read from disk only when it is asked for. A
compressed dose is decoded one frame at a time by pydicom instead. Values are returned in
the dose's own units (Gy, or RELATIVE) after ``DoseGridScaling``.

Geometry follows PS3.3 C.8.8.3.2: ``GridFrameOffsetVector`` is either relative to the first
plane (it starts at 0) or holds the planes' absolute coordinates along the slice normal (it
starts at the first plane's position). Grids whose rows and columns are not parallel to the
patient's x and y axes are refused with a sentence: no planning system exports those.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pydicom
from pydicom.dataset import Dataset

from rtstation.errors import DicomReadError

LOGGER = logging.getLogger(__name__)

PIXEL_DATA = 0x7FE00010
UNDEFINED_LENGTH = 0xFFFFFFFF
# A dose pydicom must decode (compressed, or already read) is kept whole below this size.
SMALL_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class DoseMetrics:
    """What a physicist reads off a dose grid before looking at any structure."""

    rows: int
    columns: int
    frames: int
    spacing_mm: tuple[float, float, float]  # column (x), row (y), plane (z) spacing
    units: str
    dose_type: str
    summation_type: str
    min_gy: float
    mean_gy: float
    max_gy: float

    @property
    def grid(self) -> str:
        """``columns x rows x planes`` as in every planning system's dose panel."""
        return f"{self.columns}x{self.rows}x{self.frames}"


class DoseGrid:
    """One RTDOSE file: its geometry, and its planes on demand."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        try:
            ds = pydicom.dcmread(self.path, defer_size=1024, force=True)
        except Exception as exc:
            raise DicomReadError(self.path, f"cannot be read as RTDOSE ({exc})") from exc
        self._ds = ds
        self.rows = _int(ds, "Rows")
        self.columns = _int(ds, "Columns")
        self.frames = _int(ds, "NumberOfFrames", default=1)
        self.scaling = float(ds.get("DoseGridScaling", 1.0) or 1.0)
        self.units = str(ds.get("DoseUnits", "") or "").upper()
        self.dose_type = str(ds.get("DoseType", "") or "")
        self.summation_type = str(ds.get("DoseSummationType", "") or "")
        self.frame_of_reference_uid = str(ds.get("FrameOfReferenceUID", "") or "")
        self._read_geometry(ds)
        self._array: np.ndarray | None = None
        self._memmap = self._map_pixels(ds)

    # -- geometry -----------------------------------------------------------------------

    def _read_geometry(self, ds: Dataset) -> None:
        try:
            position = [float(v) for v in ds.ImagePositionPatient]
            orientation = [float(v) for v in ds.ImageOrientationPatient]
            row_spacing, column_spacing = (float(v) for v in ds.PixelSpacing)
        except (AttributeError, TypeError, ValueError) as exc:
            raise DicomReadError(
                self.path, f"no usable dose grid geometry ({exc}): cannot place the dose"
            ) from exc
        row_dir = np.array(orientation[:3])
        col_dir = np.array(orientation[3:])
        if not (_is_axis(row_dir, 0) and _is_axis(col_dir, 1)):
            raise DicomReadError(
                self.path,
                f"ImageOrientationPatient '{orientation}' is not axial: "
                "expected rows along x and columns along y",
            )
        normal = np.cross(row_dir, col_dir)
        self._x_sign = float(np.sign(row_dir[0]))
        self._y_sign = float(np.sign(col_dir[1]))
        self._z_sign = float(np.sign(normal[2]))
        self.origin = (position[0], position[1], position[2])
        self.column_spacing = column_spacing  # between columns: along x
        self.row_spacing = row_spacing  # between rows: along y
        offsets = [float(v) for v in (ds.get("GridFrameOffsetVector") or [0.0])]
        if len(offsets) > self.frames:
            # Seen in the wild (pydicom's rtdose_1frame.dcm): a grid cut to fewer frames
            # that kept its vector. The first values still place the remaining planes.
            LOGGER.debug("%s: %d frame offsets for %d frames", self.path, len(offsets), self.frames)
            offsets = offsets[: self.frames]
        if len(offsets) < self.frames:
            raise DicomReadError(
                self.path,
                f"GridFrameOffsetVector has {len(offsets)} values, expected NumberOfFrames "
                f"'{self.frames}'",
            )
        if offsets[0] != 0.0 and abs(offsets[0] - position[2] * self._z_sign) < 1e-3:
            offsets = [o - offsets[0] for o in offsets]  # absolute positions (type b)
        self.z = np.array([position[2] + self._z_sign * o for o in offsets])
        self.x = position[0] + self._x_sign * column_spacing * np.arange(self.columns)
        self.y = position[1] + self._y_sign * row_spacing * np.arange(self.rows)
        # Planes ordered by z, so interpolation can bisect whatever order the file used.
        self._z_order = np.argsort(self.z, kind="stable")
        self._z_sorted = self.z[self._z_order]

    @property
    def plane_spacing(self) -> float:
        return float(np.median(np.diff(self._z_sorted))) if self.frames > 1 else 0.0

    # -- pixels -------------------------------------------------------------------------

    def _map_pixels(self, ds: Dataset) -> np.memmap | None:
        """A read-only map of uncompressed pixel data, or None when it must be decoded."""
        syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
        if syntax is not None and syntax.is_encapsulated:
            return None
        element = ds.get_item(PIXEL_DATA, keep_deferred=True)
        if element is None:
            raise DicomReadError(self.path, "no Pixel Data (7FE0,0010): the dose grid is empty")
        bits = _int(ds, "BitsAllocated")
        if bits not in (16, 32):
            raise DicomReadError(
                self.path, f"BitsAllocated '{bits}' is not supported for a dose: expected 16 or 32"
            )
        tell = getattr(element, "value_tell", None)
        if tell is None or getattr(element, "value", None) is not None:
            return None  # already in memory (a small file): decode it normally
        if element.length == UNDEFINED_LENGTH:
            return None
        signed = _int(ds, "PixelRepresentation", default=0) == 1
        little = getattr(element, "is_little_endian", True)
        dtype = np.dtype(f"{'<' if little else '>'}{'i' if signed else 'u'}{bits // 8}")
        shape = (self.frames, self.rows, self.columns)
        needed = int(np.prod(shape)) * dtype.itemsize
        if element.length < needed or os.path.getsize(self.path) < tell + needed:
            raise DicomReadError(
                self.path,
                f"Pixel Data holds {element.length} bytes, expected {needed} for a "
                f"{self.columns}x{self.rows}x{self.frames} grid: the file is truncated",
            )
        return np.memmap(self.path, dtype=dtype, mode="r", offset=tell, shape=shape)

    def frame(self, index: int) -> np.ndarray:
        """Plane ``index`` (file order) in dose units, float64, shape (rows, columns)."""
        if self._memmap is not None:
            raw = np.asarray(self._memmap[index])
        else:
            raw = self._decoded_frame(index)
        return raw.astype(np.float64) * self.scaling

    def _decoded_frame(self, index: int) -> np.ndarray:
        """A frame pydicom has to decode: the whole array for a small file, else one frame."""
        from pydicom.pixels import pixel_array

        try:
            if os.path.getsize(self.path) <= SMALL_FILE_BYTES:
                if self._array is None:
                    self._array = self._ds.pixel_array.reshape(self.frames, self.rows, self.columns)
                return self._array[index]
            return pixel_array(self.path, index=index)
        except Exception as exc:
            raise DicomReadError(
                self.path, f"dose plane {index} cannot be decoded ({exc})"
            ) from exc

    def frames_in_z_order(self) -> Iterator[tuple[float, np.ndarray]]:
        for index in self._z_order:
            yield float(self.z[index]), self.frame(int(index))

    def plane_at(self, z: float, tolerance: float | None = None) -> np.ndarray | None:
        """The dose plane at ``z``, linearly interpolated between the two nearest planes.

        Outside the grid (further than ``tolerance``, by default half a plane spacing, from
        its first or last plane) there is no dose: None.
        """
        zs = self._z_sorted
        if tolerance is None:
            tolerance = self.plane_spacing / 2 if self.frames > 1 else 0.5
        if z < zs[0] - tolerance - 1e-6 or z > zs[-1] + tolerance + 1e-6:
            return None
        if self.frames == 1 or z <= zs[0]:
            return self.frame(int(self._z_order[0]))
        if z >= zs[-1]:
            return self.frame(int(self._z_order[-1]))
        upper = int(np.searchsorted(zs, z, side="left"))
        if abs(zs[upper] - z) < 1e-6:
            return self.frame(int(self._z_order[upper]))
        lower = upper - 1
        weight = (z - zs[lower]) / (zs[upper] - zs[lower])
        below = self.frame(int(self._z_order[lower]))
        above = self.frame(int(self._z_order[upper]))
        return below * (1.0 - weight) + above * weight

    def sample(
        self, plane: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Bilinear dose at points (x, y) of one plane; second array: point lies in the grid."""
        col = (x - self.origin[0]) * self._x_sign / self.column_spacing
        row = (y - self.origin[1]) * self._y_sign / self.row_spacing
        inside = (
            (col >= -0.5) & (col <= self.columns - 0.5) & (row >= -0.5) & (row <= self.rows - 0.5)
        )
        col = np.clip(col, 0.0, self.columns - 1.0)
        row = np.clip(row, 0.0, self.rows - 1.0)
        c0 = np.minimum(np.floor(col).astype(np.intp), max(self.columns - 2, 0))
        r0 = np.minimum(np.floor(row).astype(np.intp), max(self.rows - 2, 0))
        c1 = np.minimum(c0 + 1, self.columns - 1)
        r1 = np.minimum(r0 + 1, self.rows - 1)
        fc = col - c0
        fr = row - r0
        top = plane[r0, c0] * (1 - fc) + plane[r0, c1] * fc
        bottom = plane[r1, c0] * (1 - fc) + plane[r1, c1] * fc
        dose = top * (1 - fr) + bottom * fr
        return np.where(inside, dose, 0.0), inside

    def metrics(self) -> DoseMetrics:
        """Grid size, spacing, units and min / mean / max, one plane in memory at a time."""
        low, high, total, count = np.inf, -np.inf, 0.0, 0
        for _z, plane in self.frames_in_z_order():
            low = min(low, float(plane.min()))
            high = max(high, float(plane.max()))
            total += float(plane.sum())
            count += plane.size
        return DoseMetrics(
            rows=self.rows,
            columns=self.columns,
            frames=self.frames,
            spacing_mm=(self.column_spacing, self.row_spacing, self.plane_spacing),
            units=self.units,
            dose_type=self.dose_type,
            summation_type=self.summation_type,
            min_gy=low,
            mean_gy=total / count if count else 0.0,
            max_gy=high,
        )


def _is_axis(vector: np.ndarray, axis: int) -> bool:
    return abs(abs(float(vector[axis])) - 1.0) < 1e-3 and float(np.abs(vector).sum()) < 1.0 + 3e-3


def _int(ds: Dataset, keyword: str, default: int | None = None) -> int:
    value = ds.get(keyword, default)
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        if default is not None:
            return default
        raise DicomReadError(
            str(getattr(ds, "filename", "") or ""), f"{keyword} '{value}' is not a number"
        ) from exc


class SummedDose(DoseGrid):
    """Several doses on one grid (a plan exported as per-beam doses), read as their sum."""

    def __init__(self, paths: list[str]) -> None:
        super().__init__(paths[0])
        self._others = [DoseGrid(p) for p in paths[1:]]
        for other in self._others:
            same = (
                (other.rows, other.columns, other.frames) == (self.rows, self.columns, self.frames)
                and np.allclose(other.x, self.x, atol=1e-3)
                and np.allclose(other.y, self.y, atol=1e-3)
                and np.allclose(other.z, self.z, atol=1e-3)
            )
            if not same:
                raise DicomReadError(
                    other.path,
                    f"its dose grid differs from that of '{self.path}': "
                    "beam doses on different grids cannot be summed",
                )
        self.summation_type = f"{self.summation_type} (sum of {len(paths)})"

    def frame(self, index: int) -> np.ndarray:
        total = super().frame(index)
        for other in self._others:
            total = total + other.frame(index)
        return total
