"""The integrity walk: whole files pass, cut files are caught.

pydicom reads a truncated file as a shorter dataset without complaint, so this walk is all
that stands between a plan cut off mid-transfer and a treatment system. The exhaustive
cut tests state exactly what is and is not detectable:

* any cut inside an element, inside an element header, inside a sequence (of defined or
  undefined length) or inside the File Meta is detected;
* a cut exactly between two top-level elements is *not* detectable by design: DICOM records
  no length for the dataset as a whole, so what remains is a valid, shorter dataset. For
  images that is still caught, because their Pixel Data is mandatory and comes last. For a
  plan it is not: what is read is then exactly the elements before the cut, nothing more.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_data_element
from pydicom.uid import RLELossless

from rtstation.dicom.headers import read_header
from rtstation.dicom.integrity import dataset_offset, truncation_reason
from rtstation.errors import DicomReadError
from tests.data.generator import (
    GeneratedStudy,
    PlanSpec,
    StudySpec,
    write_ct_series,
    write_multiframe,
    write_study,
)
from tests.data.pydicom_files import TRUNCATED, pydicom_rt_files

# Cut and hostile files make pydicom warn about every half-read value; that is expected.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:pydicom")

# --- helpers -----------------------------------------------------------------------------


def top_level_boundaries(path: Path) -> set[int]:
    """File offsets where a top-level element ends, computed with pydicom's own writer.

    Independent of the walk under test: each element is re-encoded as pydicom would write
    it in the file's encoding, and the lengths are summed from the start of the dataset.
    """
    ds = pydicom.dcmread(path, force=True)
    with open(path, "rb") as f:
        offset = dataset_offset(f)
    implicit, little = ds.original_encoding
    boundaries = {offset}
    for element in ds:
        buffer = DicomBytesIO()
        buffer.is_implicit_VR, buffer.is_little_endian = bool(implicit), bool(little)
        write_data_element(buffer, element)
        offset += len(buffer.getvalue())
        boundaries.add(offset)
    assert offset == path.stat().st_size, "re-encoding does not reproduce the file"
    return boundaries


def undetected_cuts(path: Path, work: Path, dense: int = 3000) -> dict[int, pydicom.Dataset]:
    """Cut lengths whose file read_header accepts, with what pydicom reads from each.

    Every length up to ``dense`` bytes is tried (that covers the headers of every file used
    here), then every 37th: beyond that lie only pixel bytes, and the test stays fast.
    The lengths go from long to short, each cut made by truncating the one file further:
    rewriting a file thousands of times costs seconds on ext4, truncating it nothing.
    """
    data = path.read_bytes()
    cut = work / f"cut_{path.name}"
    cut.write_bytes(data)
    accepted: dict[int, pydicom.Dataset] = {}
    lengths = [*range(1, min(dense, len(data))), *range(dense, len(data), 37)]
    for length in sorted(lengths, reverse=True):
        os.truncate(cut, length)
        try:
            read_header(cut)
        except DicomReadError:
            continue
        accepted[length] = pydicom.dcmread(cut, force=True, stop_before_pixels=True)
    return accepted


def undefined_length_copy(source: Path, target: Path) -> Path:
    """The same dataset with every sequence and item written with undefined length."""
    ds = pydicom.dcmread(source)

    def mark(dataset: Dataset) -> None:
        for element in dataset:
            if element.VR == "SQ":
                element.is_undefined_length = True
                for item in element.value:
                    item.is_undefined_length_sequence_item = True
                    mark(item)

    mark(ds)
    ds.save_as(target)
    data = target.read_bytes()
    assert b"\xfe\xff\xdd\xe0" in data and b"\xfe\xff\x0d\xe0" in data  # delimiters written
    return target


@pytest.fixture(scope="module")
def small_study(tmp_path_factory: pytest.TempPathFactory) -> GeneratedStudy:
    return write_study(
        tmp_path_factory.mktemp("small"),
        StudySpec(slices=2, rows=8, columns=8, structures=2, plans=(PlanSpec(beams=1),)),
        uid_seed="integrity",
    )


# --- whole files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        StudySpec(slices=2, rows=8, columns=8),
        StudySpec(slices=2, rows=8, columns=8, implicit_vr=True),
        StudySpec(
            slices=2,
            rows=8,
            columns=8,
            modality="MR",
            charset="ISO_IR 192",
            patient_name="Müller^Jörg",
            plans=(PlanSpec(ion=True), PlanSpec(label="V", varian_private_class=True)),
            with_rtimage=True,
            with_registration=True,
        ),
    ],
    ids=["explicit", "implicit", "mr-ion-varian-rtimage-reg"],
)
def test_generated_files_are_whole(tmp_path: Path, spec: StudySpec):
    generated = write_study(tmp_path, spec)
    for path in generated.all_paths:
        syntax = read_header(path, verify=False).transfer_syntax_uid
        assert truncation_reason(path, syntax) is None, path.name
        read_header(path)  # verify=True


@pytest.mark.parametrize(
    "name", ["rtplan.dcm", "rtdose.dcm", "rtdose_1frame.dcm", "rtdose_expb.dcm", "rtdose_rle.dcm"]
)
def test_pydicom_files_are_whole(name: str):
    """Implicit VR, explicit VR big endian and RLE (encapsulated) pixel data."""
    path = pydicom_rt_files()[name]
    syntax = pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID
    assert truncation_reason(path, syntax) is None
    assert read_header(path).sop_instance_uid


def test_bench_series_and_big_multiframe_are_whole(tmp_path: Path):
    for path in write_ct_series(tmp_path / "ct", 3, rows=16, columns=16):
        assert read_header(path).is_image
    dose = write_multiframe(tmp_path / "big.dcm", target_bytes=2_000_000)
    assert read_header(dose).is_dose


def test_undefined_length_sequences_are_whole(tmp_path: Path, small_study: GeneratedStudy):
    for path in (small_study.plan_paths[0], small_study.structure_set_path):
        copy = undefined_length_copy(path, tmp_path / path.name)  # type: ignore[arg-type]
        original = read_header(path)  # type: ignore[arg-type]
        assert read_header(copy) == replace(original, path=str(copy), size=copy.stat().st_size)


@pytest.fixture
def encapsulated_ct(tmp_path: Path, small_study: GeneratedStudy) -> Path:
    """A CT whose pixels are encapsulated (two fragments, basic offset table)."""
    ds = pydicom.dcmread(small_study.image_paths[0])
    frame = ds.PixelData
    ds.PixelData = encapsulate([frame[: len(frame) // 2], frame[len(frame) // 2 :]], 1)
    ds["PixelData"].is_undefined_length = True
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = RLELossless
    path = tmp_path / "encapsulated.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path


def test_encapsulated_pixel_data_is_whole(encapsulated_ct: Path):
    assert truncation_reason(encapsulated_ct, RLELossless) is None
    assert read_header(encapsulated_ct).transfer_syntax_uid == RLELossless


def test_encapsulated_pixel_data_cut_is_detected(tmp_path: Path, encapsulated_ct: Path):
    data = encapsulated_ct.read_bytes()
    cut = tmp_path / "cut.dcm"
    for drop in (1, 4, 8, 9, 20, 40):  # sequence delimiter, last fragment, its header
        cut.write_bytes(data[:-drop])
        reason = truncation_reason(cut, RLELossless)
        assert reason is not None and reason.startswith("truncated: "), drop


# --- cut files ---------------------------------------------------------------------------


def test_pydicom_truncated_plan():
    path = pydicom_rt_files()[TRUNCATED]
    assert truncation_reason(path, "1.2.840.10008.1.2") == (
        "truncated: element (300A,00B0) needs 976 bytes but the file ends 265 bytes early"
    )


def test_reason_texts(tmp_path: Path, small_study: GeneratedStudy):
    data = small_study.image_paths[0].read_bytes()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(data[:-20])
    assert truncation_reason(cut, "1.2.840.10008.1.2.1") == (
        "truncated: element (7FE0,0010) needs 128 bytes but the file ends 20 bytes early"
    )
    pixel_start = len(data) - 128 - 12
    cut.write_bytes(data[: pixel_start + 6])
    assert truncation_reason(cut, "1.2.840.10008.1.2.1") == (
        f"truncated: ends inside an element header at byte {pixel_start + 6}"
    )
    cut.write_bytes(data[:pixel_start])
    assert truncation_reason(cut, "1.2.840.10008.1.2.1") is None  # a boundary ...
    assert truncation_reason(cut, "1.2.840.10008.1.2.1", require_pixel_data=True) == (
        "truncated: no Pixel Data (7FE0,0010); the file ends after element (0028,1054)"
    )  # ... which an image cannot end on


def test_cut_inside_undefined_length_sequence(tmp_path: Path, small_study: GeneratedStudy):
    plan = undefined_length_copy(small_study.plan_paths[0], tmp_path / "plan.dcm")
    data = plan.read_bytes()
    end = data.index(b"\xfe\xff\xdd\xe0")  # first sequence delimiter
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(data[:end])
    assert truncation_reason(cut, "1.2.840.10008.1.2.1") is not None


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_every_cut_of_a_ct_is_detected(tmp_path: Path, implicit: bool):
    study = write_study(
        tmp_path / "s", StudySpec(slices=1, rows=4, columns=4, structure_set=False, plans=())
    )
    if implicit:
        study = write_study(
            tmp_path / "i",
            StudySpec(slices=1, rows=4, columns=4, structure_set=False, plans=(), implicit_vr=True),
        )
    assert undetected_cuts(study.image_paths[0], tmp_path) == {}


@pytest.mark.parametrize(
    "variant", ["explicit", "implicit", "undefined-length"], ids=lambda v: str(v)
)
def test_cuts_of_a_plan_are_detected_except_at_top_level_boundaries(
    tmp_path: Path, small_study: GeneratedStudy, variant: str
):
    if variant == "implicit":
        source = write_study(
            tmp_path / "implicit",
            StudySpec(slices=1, rows=4, columns=4, implicit_vr=True, plans=(PlanSpec(beams=1),)),
        ).plan_paths[0]
    elif variant == "undefined-length":
        source = undefined_length_copy(small_study.plan_paths[0], tmp_path / "undefined.dcm")
    else:
        source = small_study.plan_paths[0]
    whole = pydicom.dcmread(source)
    boundaries = top_level_boundaries(source)
    accepted = undetected_cuts(source, tmp_path)
    assert set(accepted) <= boundaries
    assert accepted, "some boundary cuts are expected to pass (undetectable by design)"
    for length, ds in accepted.items():
        # What is read is exactly the elements before the cut, nothing invented.
        assert list(ds.keys()) == list(whole.keys())[: len(ds.keys())], length
        assert len(ds.keys()) < len(whole.keys())
        for element in ds:
            assert element.value == whole[element.tag].value


def test_every_cut_of_a_structure_set_and_dose(tmp_path: Path, small_study: GeneratedStudy):
    for source in (small_study.structure_set_path, small_study.dose_paths[0]):
        assert source is not None
        assert set(undetected_cuts(source, tmp_path)) <= top_level_boundaries(source)


@pytest.mark.parametrize("name", ["rtplan.dcm", "rtdose_expb.dcm", "rtstruct.dcm"])
def test_cuts_of_pydicom_files(tmp_path: Path, name: str):
    """Implicit VR, big endian, and a raw dataset without File Meta."""
    source = tmp_path / name
    shutil.copyfile(pydicom_rt_files()[name], source)
    assert set(undetected_cuts(source, tmp_path)) <= top_level_boundaries(source)


def test_file_meta_without_group_length(tmp_path: Path, small_study: GeneratedStudy):
    """Some writers omit (0002,0000); the offset is then found by walking group 0002."""
    data = small_study.plan_paths[0].read_bytes()
    assert data[132:136] == b"\x02\x00\x00\x00"
    stripped = data[:132] + data[144:]  # (0002,0000) UL is 12 bytes
    path = tmp_path / "no_group_length.dcm"
    path.write_bytes(stripped)
    with open(path, "rb") as f:
        offset = dataset_offset(f)
    with open(small_study.plan_paths[0], "rb") as f:
        assert offset == dataset_offset(f) - 12
    assert truncation_reason(path, "1.2.840.10008.1.2.1") is None
    for length in range(offset, 132, -1):  # long to short: truncating, not rewriting
        os.truncate(path, length)
        with pytest.raises(DicomReadError):  # never a struct.error
            read_header(path)


def test_deflated_is_not_walked(tmp_path: Path, small_study: GeneratedStudy):
    """A deflated dataset cannot be walked without inflating it: documented, not checked."""
    path = tmp_path / "x.dcm"
    path.write_bytes(small_study.plan_paths[0].read_bytes()[:-10])
    assert truncation_reason(path, "1.2.840.10008.1.2.1.99") is None
