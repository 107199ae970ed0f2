"""Access to the real RT files bundled with pydicom.

Why: generated files only prove that the station reads what our own generator writes.
pydicom ships a few files written by other software (implicit VR, big endian, RLE, a
structure set without preamble or File Meta, a truncated plan), which catch assumptions the
generator would never violate.  They belong to four unrelated patients and do not
reference each other, so they are no substitute for tests.data.generator.write_study bundles.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pydicom.data import get_testdata_file

__all__ = [
    "NEEDS_FORCE",
    "PYDICOM_RT_FILES",
    "TRUNCATED",
    "copy_pydicom_rt_files",
    "pydicom_rt_files",
]

#: Bundled files used by the tests, keyed by their pydicom name.
PYDICOM_RT_FILES: tuple[str, ...] = (
    "rtplan.dcm",
    "rtdose.dcm",
    "rtdose_1frame.dcm",
    "rtdose_expb.dcm",  # explicit VR big endian (retired transfer syntax)
    "rtdose_rle.dcm",  # RLE Lossless pixel data
    "rtstruct.dcm",  # no preamble and no File Meta: needs dcmread(force=True)
    "CT_small.dcm",
    "rtplan_truncated.dcm",  # cut in the middle of a sequence: must be rejected
)
#: The one file that is broken on purpose and therefore never copied as valid input.
TRUNCATED = "rtplan_truncated.dcm"
#: Files that are readable only with ``dcmread(..., force=True)``.
NEEDS_FORCE = frozenset({"rtstruct.dcm"})


def pydicom_rt_files() -> dict[str, Path]:
    """Name -> path of each bundled RT test file, from the local pydicom install only.

    ``download=False`` keeps tests offline; a missing file means a broken pydicom install,
    which is reported instead of silently skipping the tests that need it.
    """
    found: dict[str, Path] = {}
    missing: list[str] = []
    for name in PYDICOM_RT_FILES:
        location = get_testdata_file(name, download=False)
        if location is None:
            missing.append(name)
            continue
        found[name] = Path(str(location))
    if missing:
        raise FileNotFoundError(f"pydicom test files not installed: {', '.join(missing)}")
    return found


def copy_pydicom_rt_files(dest: Path | str) -> list[Path]:
    """Copy every bundled file except the truncated plan into dest; return the copies.

    rtstruct.dcm is included although it lacks a File Meta header (see NEEDS_FORCE):
    accepting such legacy files is part of what the station must handle.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    copies: list[Path] = []
    for name, source in pydicom_rt_files().items():
        if name == TRUNCATED:
            continue
        target = dest / name
        shutil.copyfile(source, target)
        copies.append(target)
    return copies
