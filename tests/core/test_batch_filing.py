"""Filing retrieved instances: templated folders and names, decompression, and two
instances the template names alike are both kept (a rerun overwrites its own file)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pydicom
from pydicom.uid import RLELossless

from rtstation.station.batch.filing import OutputFiler
from tests.data.generator import PlanSpec, StudySpec, write_study


def _staged(tmp_path: Path, source: Path, name: str) -> Path:
    staging = tmp_path / "staging"
    staging.mkdir(exist_ok=True)
    return Path(shutil.copy(source, staging / name))


def test_decompress_and_template(tmp_path: Path) -> None:
    study = write_study(
        tmp_path / "in",
        StudySpec(patient_id="P1", slices=1, rows=8, columns=8, plans=(PlanSpec(),)),
    )
    ds = pydicom.dcmread(study.image_paths[0])
    pixels = ds.pixel_array.copy()
    ds.compress(RLELossless)
    compressed = tmp_path / "rle.dcm"
    ds.save_as(compressed)
    filer = OutputFiler(
        tmp_path / "out", ("PatientID", "StudyInstanceUID"), "InstanceNumber", decompress=True
    )
    staged = _staged(tmp_path, compressed, "a.dcm")
    target = filer.file_one(staged)
    assert target == tmp_path / "out" / "P1" / study.study_uid / f"{ds.InstanceNumber}.dcm"
    written = pydicom.dcmread(target)
    assert not written.file_meta.TransferSyntaxUID.is_compressed
    assert np.array_equal(written.pixel_array, pixels)
    assert not staged.exists()  # taken out of the staging folder


def test_two_instances_named_alike_are_both_kept(tmp_path: Path) -> None:
    study = write_study(
        tmp_path / "in",
        StudySpec(patient_id="P1", slices=2, rows=4, columns=4, plans=(PlanSpec(),)),
    )
    filer = OutputFiler(tmp_path / "out", ("PatientID",), "PatientID")
    first = filer.file_one(_staged(tmp_path, study.image_paths[0], "1.dcm"))
    second = filer.file_one(_staged(tmp_path, study.image_paths[1], "2.dcm"))
    assert first is not None and second is not None
    assert (first.name, second.name) == ("P1.dcm", "P1_2.dcm")
    again = filer.file_one(_staged(tmp_path, study.image_paths[1], "3.dcm"))
    assert again == second  # the same instance again replaces its own file


def test_the_library_appends_and_refuses_other_columns(tmp_path: Path) -> None:
    import csv

    import pytest

    from rtstation.errors import ConfigError
    from rtstation.station.batch.library import LibraryFile

    path = tmp_path / "lib.csv"
    assert (
        LibraryFile(path, ("PatientID", "StudyDate")).append(
            [{"PatientID": "P1", "StudyDate": "20240101"}]
        )
        == 1
    )
    LibraryFile(path, ("PatientID", "StudyDate")).append([{"PatientID": "P2"}])
    with open(path, newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["PatientID", "StudyDate"],
            ["P1", "20240101"],
            ["P2", ""],
        ]
    with pytest.raises(
        ConfigError, match=r"has the columns 'PatientID,StudyDate', not 'PatientID'"
    ):
        LibraryFile(path, ("PatientID",))
