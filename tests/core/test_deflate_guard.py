"""Deflated datasets are inflated only within limits (adversarial review).

Before: a 408 KB C-STORE in the deflated transfer syntax inflated to 400 MB inside the
station (pydicom inflates a deflated dataset whole, in memory): its memory went from 63 to
884 MB for one instance, and a few at once would have had it killed. Now the file is
inflated first as a stream and thrown away, and refused past the limits; real deflated
files read as before.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset, write_file_meta_info
from pydicom.uid import DeflatedExplicitVRLittleEndian, generate_uid

from rtstation.dicom import deflate
from rtstation.dicom.headers import read_header
from rtstation.errors import DicomReadError

RT_STRUCTURE_SET = "1.2.840.10008.5.1.4.1.1.481.3"


def small_dataset(uid: str) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = RT_STRUCTURE_SET
    ds.SOPInstanceUID = uid
    ds.PatientID = "BOMB"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "RTSTRUCT"
    return ds


def write_deflated(path: Path, ds: Dataset, *, zeros: int = 0) -> Path:
    """``ds`` deflated, followed by an OB element of ``zeros`` zero bytes, compressed as a
    stream: the file is small whatever ``zeros`` is, and so is this test's memory."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    meta.ImplementationClassUID = "1.2.826.0.1.3680043.9.7777"
    head = DicomBytesIO()
    head.is_little_endian, head.is_implicit_VR = True, False
    head.write(b"\x00" * 128 + b"DICM")
    write_file_meta_info(head, meta, enforce_standard=True)
    body = DicomBytesIO()
    body.is_little_endian, body.is_implicit_VR = True, False
    write_dataset(body, ds)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    with open(path, "wb") as f:
        f.write(head.getvalue())
        f.write(compressor.compress(body.getvalue()))
        if zeros:
            # (0042,0011) Encapsulated Document, OB, 4-byte length: last, as tags ascend
            f.write(compressor.compress(b"\x42\x00\x11\x00OB\x00\x00" + struct.pack("<I", zeros)))
            block = bytes(1024 * 1024)
            for _ in range(zeros // len(block)):
                f.write(compressor.compress(block))
        f.write(compressor.flush())
    return path


def test_a_deflate_bomb_is_refused_before_pydicom_inflates_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    bomb = write_deflated(tmp_path / "bomb.dcm", small_dataset(generate_uid()), zeros=64 << 20)
    assert bomb.stat().st_size < 1 << 20
    read = []
    monkeypatch.setattr("rtstation.dicom.headers._read_dataset", lambda p: read.append(p))
    with pytest.raises(DicomReadError) as error:
        read_header(bomb)
    assert "inflates to more than 16 MB" in error.value.reason
    assert "a deflate bomb, or too large to read" in error.value.reason
    assert read == [], "pydicom was asked to read (and inflate) it"


def test_a_real_deflated_file_reads_as_before(tmp_path: Path):
    uid = generate_uid()
    path = write_deflated(tmp_path / "rs.dcm", small_dataset(uid), zeros=1 << 20)
    assert deflate.is_deflated(path)
    assert deflate.inflation_refusal(path) is None
    assert read_header(path).sop_instance_uid == uid
    assert pydicom.dcmread(path).SOPInstanceUID == uid


def test_files_that_are_not_deflated_are_not_inflated(tmp_path: Path):
    ds = small_dataset(generate_uid())
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.save_as(tmp_path / "plain.dcm", enforce_file_format=True)
    assert not deflate.is_deflated(tmp_path / "plain.dcm")
    assert deflate.inflation_refusal(tmp_path / "plain.dcm") is None
