"""Does a received dataset match the C-STORE request it came with?

A storage SCP must not acknowledge what it did not get (PS3.4 B.2.3): a dataset whose SOP
Instance UID is not the request's Affected SOP Instance UID would be stored under another
UID than the one acknowledged; an RT Plan sent on a CT Image presentation context would be
handled as whatever the dataset says. DCMTK's storescp answers both with 0xA900 ("Data Set
does not match SOP Class"), and so does rtstation. A dataset pydicom cannot read whole (an
element with an invalid VR makes it stop reading silently, losing the patient and study
that follow) or that lacks its SOP UIDs gets 0xC210 ("Cannot understand"). An image whose
Pixel Data is shorter than its Rows, Columns, Bits Allocated, Samples per Pixel and Number
of Frames require is no valid instance of its class: 0xA900.

Only the top level is checked (nested sequences are left to the header reader): walking
every contour of a large structure set would cost more than receiving it.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

import pydicom
from pydicom.valuerep import VR

from rtstation.dicom.deflate import inflation_refusal
from rtstation.dicom.integrity import dataset_offset

STATUS_OUT_OF_RESOURCES = 0xA700
STATUS_DATASET_MISMATCH = 0xA900
STATUS_CANNOT_UNDERSTAND = 0xC210

_VALID_VRS = frozenset(v.value for v in VR)
_NATIVE_SYNTAXES = frozenset({"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"})
_IMPLICIT_LE = "1.2.840.10008.1.2"
_EXPLICIT_BE = "1.2.840.10008.1.2.2"
_LONG_VRS = frozenset(
    {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT", "SV", "UV"}
)
_PIXEL_DATA = 0x7FE00010
_UNDEFINED = 0xFFFFFFFF
# values larger than this are not loaded for the check (Pixel Data, dose grids)
_DEFER = 16 * 1024


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


def check_received(
    path: str | Path, *, affected_sop_class: str, affected_sop_instance: str, context_class: str
) -> Refusal | None:
    """None when the dataset at ``path`` may be stored, else the status and why not."""
    return check_received_dataset(
        path,
        affected_sop_class=affected_sop_class,
        affected_sop_instance=affected_sop_instance,
        context_class=context_class,
    )[0]


def check_received_dataset(
    path: str | Path, *, affected_sop_class: str, affected_sop_instance: str, context_class: str
) -> tuple[Refusal | None, pydicom.Dataset | None]:
    """:func:`check_received`, and the dataset it read (large values deferred, not
    loaded), so the store need not parse the file a second time."""
    try:
        too_big = inflation_refusal(path)
        meta_inside = _file_meta_element_first(Path(path))
    except OSError as exc:
        return Refusal(STATUS_CANNOT_UNDERSTAND, f"the dataset cannot be read ({exc})"), None
    if too_big is not None:
        return Refusal(STATUS_OUT_OF_RESOURCES, too_big), None
    if meta_inside is not None:
        return Refusal(
            STATUS_CANNOT_UNDERSTAND,
            f"the dataset begins with the File Meta element ({meta_inside >> 16:04X},"
            f"{meta_inside & 0xFFFF:04X}): group 0002 belongs in the File Meta, not in a "
            "C-STORE's dataset (a reader would take it for the file's own and misread the rest)",
        ), None
    try:
        ds = pydicom.dcmread(str(path), defer_size=_DEFER)
    except Exception as exc:
        refusal = Refusal(STATUS_CANNOT_UNDERSTAND, f"the dataset cannot be read ({_short(exc)})")
        return refusal, None
    return _check(ds, path, affected_sop_class, affected_sop_instance, context_class), ds


def _file_meta_element_first(path: Path) -> int | None:
    """The tag of a group 0002 element at the start of the received dataset, if any.

    pynetdicom writes its own File Meta in front of what arrived; a dataset that carries
    one of its own was read by pydicom as part of that File Meta (a Transfer Syntax UID
    in it even changes how the rest is read), and was refused for whatever came out,
    such as "no SOP Instance UID", which is not what is wrong with it.
    """
    with open(path, "rb") as f:
        f.seek(dataset_offset(f))
        head = f.read(4)
    if len(head) < 4:
        return None
    group, element = struct.unpack("<HH", head)
    return (group << 16) | element if group == 0x0002 else None


def _check(
    ds: pydicom.Dataset,
    path: str | Path,
    affected_sop_class: str,
    affected_sop_instance: str,
    context_class: str,
) -> Refusal | None:
    syntax = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "") or "")
    if syntax in _NATIVE_SYNTAXES and syntax != _IMPLICIT_LE:
        bad = _first_invalid_vr(Path(path), little=syntax != _EXPLICIT_BE)
        if bad is not None:
            return Refusal(
                STATUS_CANNOT_UNDERSTAND,
                f"element ({bad >> 16:04X},{bad & 0xFFFF:04X}) has an invalid VR; the "
                "dataset cannot be read beyond it",
            )
    sop_instance = _text(ds, "SOPInstanceUID")
    sop_class = _text(ds, "SOPClassUID")
    if not sop_instance:
        return Refusal(STATUS_CANNOT_UNDERSTAND, "the dataset has no SOP Instance UID (0008,0018)")
    if not sop_class:
        return Refusal(STATUS_CANNOT_UNDERSTAND, "the dataset has no SOP Class UID (0008,0016)")
    if affected_sop_instance and sop_instance != affected_sop_instance.strip():
        return Refusal(
            STATUS_DATASET_MISMATCH,
            f"the dataset's SOP Instance UID '{sop_instance}' is not the request's Affected "
            f"SOP Instance UID '{affected_sop_instance.strip()}'",
        )
    expected_class = (context_class or affected_sop_class or "").strip()
    if expected_class and sop_class != expected_class:
        return Refusal(
            STATUS_DATASET_MISMATCH,
            f"the dataset is of SOP class '{sop_class}' but was sent on a presentation "
            f"context for '{expected_class}'",
        )
    if affected_sop_class and affected_sop_class.strip() != sop_class:
        return Refusal(
            STATUS_DATASET_MISMATCH,
            f"the dataset is of SOP class '{sop_class}' but the request names "
            f"'{affected_sop_class.strip()}'",
        )
    return _pixel_refusal(ds)


def _first_invalid_vr(path: Path, *, little: bool) -> int | None:
    """The tag of the first top-level element whose VR bytes are no VR (explicit VR).

    pydicom reads such an element as implicit VR and everything after it as garbage,
    silently; it cannot tell us. The walk reads 8 or 12 bytes per element and seeks over
    values; it stops at the first element of undefined length (a sequence or encapsulated
    pixels), whose items the header reader checks.
    """
    endian = "<" if little else ">"
    with open(path, "rb") as f:
        offset = dataset_offset(f)
        size = f.seek(0, 2)
        f.seek(offset)
        while f.tell() + 8 <= size:
            head = f.read(8)
            group, element = struct.unpack(endian + "HH", head[:4])
            vr = head[4:6].decode("latin-1")
            if vr not in _VALID_VRS:
                return (group << 16) | element
            if vr in _LONG_VRS:
                (length,) = struct.unpack(endian + "I", f.read(4))
                if length == _UNDEFINED:
                    return None
            else:
                (length,) = struct.unpack(endian + "H", head[6:8])
            f.seek(length, 1)
    return None


def _pixel_refusal(ds: pydicom.Dataset) -> Refusal | None:
    syntax = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "") or "")
    if _PIXEL_DATA not in ds or syntax not in _NATIVE_SYNTAXES:
        return None
    # keep_deferred: the length is all we need; loading the value read a 1 GB dose grid
    # into memory (pydicom's get_item reads a deferred value by default)
    length = getattr(ds.get_item(_PIXEL_DATA, keep_deferred=True), "length", None)
    if length is None:  # already a converted element
        value = ds[_PIXEL_DATA].value
        length = len(value) if value is not None else 0
    if length == _UNDEFINED:
        return None
    try:
        rows = int(ds.Rows)
        columns = int(ds.Columns)
        bits = int(ds.BitsAllocated)
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
    except (AttributeError, TypeError, ValueError):
        return Refusal(
            STATUS_DATASET_MISMATCH,
            "the dataset has Pixel Data but no usable Rows, Columns or Bits Allocated",
        )
    needed = math.ceil(rows * columns * samples * frames * bits / 8)
    if length < needed:
        return Refusal(
            STATUS_DATASET_MISMATCH,
            f"its Pixel Data holds {length} bytes, but {rows} rows x {columns} columns x "
            f"{samples} sample(s) x {frames} frame(s) x {bits} bits need {needed}",
        )
    return None


def _text(ds: pydicom.Dataset, keyword: str) -> str:
    try:
        value = ds.get(keyword)
    except Exception:
        return ""
    return str(value or "").strip().strip("\x00")


def _short(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]
