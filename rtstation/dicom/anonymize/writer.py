"""Write an anonymized dataset with its Pixel Data copied from the source file as bytes.

Pixel data is the bulk of an RT export (a dose grid can be 1 GB) and anonymization never
changes it. The source is read with large values deferred (left on disk); here the header
is encoded by pydicom and the Pixel Data element (tag, VR, length and value) is copied
from the source in chunks after it, verbatim. So memory stays at a few MB whatever the
file size, and the pixel data is bit for bit what came in, in its transfer syntax.

Where that is not possible (the pixel data was read into memory, as pydicom does for
encapsulated data of undefined length; a deflated transfer syntax; elements after the
pixel data), pydicom writes the whole dataset, which is still bit-exact for the value.
The file appears under its final name only when complete (temporary name, fsync, rename).
"""

from __future__ import annotations

import os
import tempfile
from typing import BinaryIO

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import Tag

PIXEL_DATA = Tag(0x7FE00010)
_CHUNK = 1 << 20
_DEFLATED = "1.2.840.10008.1.2.1.99"


def write_dataset_atomic(ds: Dataset, source: str, target: str) -> None:
    """Write ``ds`` to ``target``; deferred Pixel Data is streamed from ``source``."""
    folder = os.path.dirname(target)
    handle, temporary = tempfile.mkstemp(prefix=".anon-", suffix=".dcm", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            _write(ds, source, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _write(ds: Dataset, source: str, stream: BinaryIO) -> None:
    raw = _streamable_pixel_data(ds)
    if raw is None:
        pydicom.dcmwrite(stream, ds, enforce_file_format=True)
        return
    header_length = 8 if raw.is_implicit_VR else 12  # OB/OW use the long explicit header
    del ds[PIXEL_DATA]
    try:
        pydicom.dcmwrite(stream, ds, enforce_file_format=True)
    finally:
        ds[PIXEL_DATA] = raw  # the caller's dataset is left as it was given
    with open(source, "rb") as original:
        original.seek(raw.value_tell - header_length)
        header = original.read(header_length)
        if header[:4] != _tag_bytes(raw.is_little_endian):
            raise OSError(f"Pixel Data of '{source}' is not where it was read (file changed?)")
        stream.write(header)
        _copy(original, stream, raw.length)


def _streamable_pixel_data(ds: Dataset) -> RawDataElement | None:
    if PIXEL_DATA not in ds:
        return None
    if str(ds.file_meta.get("TransferSyntaxUID", "")) == _DEFLATED:
        return None
    if any(tag > PIXEL_DATA for tag in list(ds.keys())):
        return None  # something must be written after the pixel data
    element = ds.get_item(PIXEL_DATA, keep_deferred=True)
    if not isinstance(element, RawDataElement) or element.value is not None:
        return None  # already in memory
    if element.length == 0xFFFFFFFF or element.value_tell is None:
        return None
    return element


def _tag_bytes(little_endian: bool) -> bytes:
    order = "little" if little_endian else "big"
    return (0x7FE0).to_bytes(2, order) + (0x0010).to_bytes(2, order)


def _copy(source: BinaryIO, target: BinaryIO, length: int) -> None:
    remaining = length
    while remaining:
        chunk = source.read(min(_CHUNK, remaining))
        if not chunk:
            raise OSError(f"the source ended {remaining} bytes before the end of its Pixel Data")
        target.write(chunk)
        remaining -= len(chunk)
