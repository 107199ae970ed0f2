"""Where a retrieved instance ends up: anonymized, decompressed, in its templated folder.

``directory_structure: PatientID/StudyInstanceUID`` and ``filename: InstanceNumber``
(pydicom-batch) are read from the file as it is written, that is after anonymization, so
no folder name carries an original identifier. Values are reduced to what is safe in a
file name. Two different instances that the template names alike (InstanceNumber is not
unique across series) are both kept: the second gets ``_2``, never overwrites. A file
appears under its name only when complete (temporary name, fsync, rename, folder fsync),
so the state journal can call a request done once its files are filed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset

from rtstation.dicom.anonymize import Anonymizer
from rtstation.fsync import fsync_dir, make_dirs_durably

LOGGER = logging.getLogger(__name__)

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def safe_name(value: str) -> str:
    cleaned = _UNSAFE.sub("_", value).strip(" .")
    return cleaned[:120] or "_"


def _value(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword, "")
    if value is None:
        return ""
    if isinstance(value, list | tuple) or type(value).__name__ == "MultiValue":
        return "_".join(str(v) for v in value)
    return str(value).strip()


@dataclass
class FilingResult:
    files: list[Path] = field(default_factory=list)
    bytes: int = 0
    problems: list[str] = field(default_factory=list)


class OutputFiler:
    """Files staged instances into the output tree; one per worker thread."""

    _names_lock = threading.Lock()  # two workers never pick the same free name

    def __init__(
        self,
        directory: Path,
        structure: tuple[str, ...],
        filename: str,
        *,
        decompress: bool = False,
        anonymizer: Anonymizer | None = None,
    ) -> None:
        self.directory = directory
        self.structure = structure
        self.filename = filename
        self.decompress = decompress
        self.anonymizer = anonymizer

    def file_all(self, staged: list[Path]) -> FilingResult:
        result = FilingResult()
        for path in staged:
            try:
                target = self.file_one(path)
            except _NotFiled as exc:
                result.problems.append(str(exc))
                continue
            if target is not None:
                result.files.append(target)
                result.bytes += target.stat().st_size
        if self.anonymizer is not None:
            # The per-file lists of a long batch would only grow; the outcome is in result.
            report = self.anonymizer.report
            for warning in report.warnings:
                LOGGER.warning("Anonymized with a warning: %s", warning.reason)
            report.written.clear()
            report.refused.clear()
            report.warnings.clear()
        return result

    def file_one(self, staged: Path) -> Path | None:
        """Anonymize / decompress one staged file and move it into place; the target."""
        work = staged
        scratch: str | None = None
        try:
            if self.anonymizer is not None:
                scratch = tempfile.mkdtemp(prefix=".anon-", dir=staged.parent)
                written = self.anonymizer.anonymize_file(staged, scratch)
                if written is None:
                    reason = self.anonymizer.report.refused[-1].reason
                    raise _NotFiled(f"instance '{staged.stem}' was not anonymized: it {reason}")
                work = Path(written)
            ds = pydicom.dcmread(work, force=True, stop_before_pixels=not self.decompress)
            if self.decompress:
                self._decompress(ds, work, staged.stem)
            target = self._place(work, ds)
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
        return target

    def _decompress(self, ds: Dataset, path: Path, name: str) -> None:
        syntax = ds.file_meta.get("TransferSyntaxUID")
        if syntax is None or not syntax.is_compressed or "PixelData" not in ds:
            return
        try:
            ds.decompress()
        except Exception as exc:  # pydicom raises many types when no decoder fits
            raise _NotFiled(
                f"instance '{name}' in transfer syntax '{syntax}' cannot be decompressed "
                f"({exc}); set output.decompress to false to keep it as sent"
            ) from exc
        handle, temporary = tempfile.mkstemp(prefix=".dec-", suffix=".dcm", dir=path.parent)
        with os.fdopen(handle, "wb") as stream:
            ds.save_as(stream, enforce_file_format=True)
        os.replace(temporary, path)

    def target_for(self, ds: Dataset) -> Path:
        folder = self.directory.joinpath(*(safe_name(_value(ds, k)) for k in self.structure))
        stem = safe_name(_value(ds, self.filename) or _value(ds, "SOPInstanceUID"))
        return folder / f"{stem}.dcm"

    def _place(self, source: Path, ds: Dataset) -> Path:
        target = self.target_for(ds)
        uid = _value(ds, "SOPInstanceUID")
        make_dirs_durably(target.parent)
        with self._names_lock:
            number = 1
            candidate = target
            while candidate.exists() and _uid_of(candidate) != uid:
                number += 1
                candidate = target.with_name(f"{target.stem}_{number}.dcm")
            if candidate != target:
                LOGGER.warning(
                    "'%s' holds another instance; %s is written as '%s'",
                    target,
                    uid,
                    candidate.name,
                )
            _copy_durably(source, candidate)
        return candidate


class _NotFiled(Exception):
    """One instance could not be filed; the message says why."""


def _uid_of(path: Path) -> str:
    try:
        return str(pydicom.dcmread(path, stop_before_pixels=True, force=True).SOPInstanceUID)
    except Exception:
        return ""


def _copy_durably(source: Path, target: Path) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".part-", suffix=".dcm", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    fsync_dir(target.parent)
