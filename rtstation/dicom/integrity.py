"""Is a DICOM file whole? pydicom reads a truncated file as a shorter dataset without
complaint; a planning export cut off in the middle of a BeamSequence or of the pixel data
must not be forwarded to a treatment system as if nothing happened.

:func:`truncation_reason` walks the element structure of the dataset (lengths only, values
skipped with ``seek``) and checks that every element fits in the file and that the file
ends on an element boundary. It reads a few bytes per element, so it costs little even for
a 1 GB dose grid.

What it cannot see: a file cut *exactly* between two top-level elements. DICOM records no
length for the dataset as a whole, so such a file is a valid, shorter dataset; only what
must be there can tell. That is why an image (CT, MR, PET, NM, RT Image) must end with its
Pixel Data when ``require_pixel_data`` is set: a slice cut before its pixels is otherwise
indistinguishable from a whole header.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

PREAMBLE = 128
UNDEFINED = 0xFFFFFFFF
ITEM = 0xFFFEE000
ITEM_END = 0xFFFEE00D
SEQUENCE_END = 0xFFFEE0DD
_LONG_VRS = {
    b"OB",
    b"OD",
    b"OF",
    b"OL",
    b"OV",
    b"OW",
    b"SQ",
    b"UC",
    b"UN",
    b"UR",
    b"UT",
    b"SV",
    b"UV",
}
_IMPLICIT_LE = "1.2.840.10008.1.2"
_EXPLICIT_BE = "1.2.840.10008.1.2.2"
_DEFLATED = ("1.2.840.10008.1.2.1.99",)
# Pixel Data, Float Pixel Data, Double Float Pixel Data
PIXEL_DATA_TAGS = frozenset({0x7FE00010, 0x7FE00008, 0x7FE00009})


class _Truncated(Exception):
    pass


def dataset_offset(stream: BinaryIO) -> int:
    """Bytes before the dataset: 0 for a raw dataset, preamble + File Meta for Part 10.

    A File Meta cut short yields an offset beyond the end of the file, which
    :func:`truncation_reason` reports; callers that only hash or copy then see no dataset.
    """
    try:
        return _dataset_offset(stream)
    except struct.error:  # a group 0002 element header cut off by the end of the file
        return stream.seek(0, os.SEEK_END) + 1


def _dataset_offset(stream: BinaryIO) -> int:
    stream.seek(0)
    head = stream.read(PREAMBLE + 4)
    if len(head) < PREAMBLE + 4 or head[PREAMBLE:] != b"DICM":
        return 0
    group_header = stream.read(12)
    # (0002,0000) UL, explicit VR little endian: tag(4) 'UL'(2) length(2) value(4)
    if len(group_header) == 12 and group_header[:4] == b"\x02\x00\x00\x00":
        (group_length,) = struct.unpack("<I", group_header[8:12])
        return PREAMBLE + 4 + 12 + group_length
    offset = PREAMBLE + 4
    stream.seek(offset)
    while True:  # no group length: walk the group 0002 elements
        tag = stream.read(4)
        if len(tag) < 4 or tag[:2] != b"\x02\x00":
            return offset
        vr = stream.read(2)
        if vr in _LONG_VRS:
            stream.read(2)
            (length,) = struct.unpack("<I", stream.read(4))
            offset += 12 + length
        else:
            (length,) = struct.unpack("<H", stream.read(2))
            offset += 8 + length
        stream.seek(offset)


class _Walker:
    def __init__(self, stream: BinaryIO, size: int, *, implicit: bool, little: bool) -> None:
        self.f = stream
        self.size = size
        self.implicit = implicit
        self.endian = "<" if little else ">"
        self.last_top_tag: int | None = None
        self.seen_pixel_data = False

    def _read(self, n: int) -> bytes:
        data = self.f.read(n)
        if len(data) < n:
            raise _Truncated(f"ends inside an element header at byte {self.f.tell()}")
        return data

    def _tag(self) -> int:
        group, element = struct.unpack(self.endian + "HH", self._read(4))
        return (group << 16) | element

    def _skip(self, length: int, tag: int) -> None:
        end = self.f.tell() + length
        if end > self.size:
            raise _Truncated(
                f"element ({tag >> 16:04X},{tag & 0xFFFF:04X}) needs {length} bytes but the "
                f"file ends {end - self.size} bytes early"
            )
        self.f.seek(end)

    def elements(self, *, nested: bool) -> None:
        """Walk elements to the end of the file, or of an undefined-length item."""
        while True:
            if self.f.tell() >= self.size:
                if nested:
                    raise _Truncated("the file ends inside a sequence")
                return
            tag = self._tag()
            if tag in (ITEM_END, SEQUENCE_END):
                self._read(4)
                return
            if not nested:
                self.last_top_tag = tag
                self.seen_pixel_data |= tag in PIXEL_DATA_TAGS
            if self.implicit and tag >> 16 != 0x0002:
                vr = b""
                (length,) = struct.unpack(self.endian + "I", self._read(4))
            else:
                vr = self._read(2)
                if vr in _LONG_VRS:
                    self._read(2)
                    (length,) = struct.unpack(self.endian + "I", self._read(4))
                else:
                    (length,) = struct.unpack(self.endian + "H", self._read(2))
            if length == UNDEFINED:
                self.items()
            else:
                self._skip(length, tag)  # defined-length sequences are checked for size only

    def items(self) -> None:
        """An undefined-length sequence or encapsulated pixel data: items until E0DD."""
        while True:
            tag = self._tag()
            (length,) = struct.unpack(self.endian + "I", self._read(4))
            if tag == SEQUENCE_END:
                return
            if tag != ITEM:
                raise _Truncated(f"unexpected tag {tag:08X} inside a sequence")
            if length == UNDEFINED:
                self.elements(nested=True)
            else:
                self._skip(length, tag)


def truncation_reason(
    path: str | os.PathLike[str], transfer_syntax_uid: str, *, require_pixel_data: bool = False
) -> str | None:
    """None when the file's element structure is whole, else why it is not.

    ``require_pixel_data`` is for images, whose Pixel Data is mandatory and comes last: its
    absence means the file was cut at an element boundary before it.
    """
    if transfer_syntax_uid in _DEFLATED:
        return None  # a deflated dataset cannot be walked without inflating it
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        start = dataset_offset(f)
        if start > size:
            return "truncated: the file ends inside its File Meta Information (group 0002)"
        if start and start == size:
            return "truncated: the file ends right after its File Meta Information, no dataset"
        f.seek(start)
        walker = _Walker(
            f,
            size,
            implicit=transfer_syntax_uid == _IMPLICIT_LE,
            little=transfer_syntax_uid != _EXPLICIT_BE,
        )
        try:
            walker.elements(nested=False)
        except _Truncated as exc:
            return f"truncated: {exc}"
    if require_pixel_data and not walker.seen_pixel_data:
        last = walker.last_top_tag
        after = "" if last is None else f" after element ({last >> 16:04X},{last & 0xFFFF:04X})"
        return f"truncated: no Pixel Data (7FE0,0010); the file ends{after}"
    return None
