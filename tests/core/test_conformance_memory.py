"""The receiver's conformance check and the header read it feeds keep a large dataset's
Pixel Data on disk: a 1 GB dose grid must not be read into memory to check its length."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pydicom

from rtstation.dicom.headers import read_header
from rtstation.net.conformance import check_received_dataset
from tests.data.generator import write_multiframe

PIXEL_BYTES = 40_000_000
BUDGET = 8_000_000  # far below the Pixel Data, far above the header


def test_checking_a_large_dose_does_not_load_its_pixel_data(tmp_path: Path):
    path = write_multiframe(tmp_path / "dose.dcm", target_bytes=PIXEL_BYTES)
    meta = pydicom.dcmread(path, stop_before_pixels=True)
    tracemalloc.start()
    try:
        refusal, dataset = check_received_dataset(
            path,
            affected_sop_class=str(meta.SOPClassUID),
            affected_sop_instance=str(meta.SOPInstanceUID),
            context_class=str(meta.SOPClassUID),
        )
        assert refusal is None and dataset is not None
        header = read_header(path, dataset=dataset)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert header.sop_instance_uid == str(meta.SOPInstanceUID)
    assert peak < BUDGET, f"peak {peak} bytes while checking a {PIXEL_BYTES} byte dataset"
