"""Folder and ZIP import: old exports dragged in, the configured import folder processed.

Every file goes through the same :class:`Ingestor` a network receive uses, with the source
``IMPORT_FOLDER`` (what rules.ini uses to match imports). ``clear`` deletes a source file
only after it is safely stored (or known to be a duplicate); files that were rejected stay
where they are, so nothing a physicist dropped in is lost.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rtstation.dicom.headers import iter_files
from rtstation.errors import DicomReadError, StorageError
from rtstation.storage.ingest import IMPORT_SOURCE, Ingestor, IngestResult

LOGGER = logging.getLogger(__name__)

ImportProgress = Callable[[int, int, str], None]  # done, total, current name


@dataclass
class ImportReport:
    """What an import did, for the summary a physicist reads."""

    stored: int = 0
    duplicates: int = 0
    replaced: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    cleared: int = 0
    cancelled: bool = False
    results: list[IngestResult] = field(default_factory=list)

    @property
    def patient_ids(self) -> set[str]:
        return {r.header.patient_id for r in self.results}

    def add(self, result: IngestResult) -> None:
        self.results.append(result)
        if result.outcome == "stored":
            self.stored += 1
        elif result.outcome == "replaced":
            self.replaced += 1
        else:
            self.duplicates += 1

    def summary(self) -> str:
        text = (
            f"{self.stored} stored, {self.duplicates} duplicate(s), {self.replaced} replaced, "
            f"{len(self.rejected)} rejected"
        )
        if self.cleared:
            text += f", {self.cleared} source file(s) removed"
        return text + (" (cancelled)" if self.cancelled else "")


def _is_zip(path: Path) -> bool:
    return path.suffix.lower() == ".zip" and zipfile.is_zipfile(path)


def count_files(paths: Iterable[str | os.PathLike[str]]) -> int:
    """How many files an import will look at (ZIP members counted), for a progress bar."""
    total = 0
    for path in iter_files(paths):
        if _is_zip(path):
            with contextlib.suppress(zipfile.BadZipFile, OSError), zipfile.ZipFile(path) as zf:
                total += sum(1 for info in zf.infolist() if not info.is_dir())
        else:
            total += 1
    return total


def import_paths(
    paths: Iterable[str | os.PathLike[str]],
    ingestor: Ingestor,
    *,
    clear: bool = False,
    source_ae: str = IMPORT_SOURCE,
    progress: ImportProgress | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import files, folders (recursively) and ZIPs; never stops on a bad file."""
    paths = [Path(p) for p in paths]
    report = ImportReport()
    total = count_files(paths)
    done = 0

    def tick(name: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, name)

    for path in iter_files(paths):
        if should_cancel is not None and should_cancel():
            report.cancelled = True
            break
        if _is_zip(path):
            ok = _import_zip(path, ingestor, report, source_ae, tick, should_cancel)
            if clear and ok and not report.cancelled:
                _remove(path, report)
            continue
        if _ingest_one(path, path.name, ingestor, report, source_ae) and clear:
            _remove(path, report)
        tick(path.name)
    if clear:
        _remove_empty_dirs(p for p in paths if p.is_dir())
    LOGGER.info("Import finished: %s", report.summary())
    return report


def _ingest_one(
    path: Path,
    display: str,
    ingestor: Ingestor,
    report: ImportReport,
    source_ae: str,
    *,
    move: bool = False,
) -> bool:
    try:
        report.add(ingestor.ingest(path, source_ae=source_ae, move=move))
        return True
    except DicomReadError as exc:
        report.rejected.append((display, exc.reason))
    except StorageError as exc:
        report.rejected.append((display, str(exc)))
    return False


def _import_zip(
    path: Path,
    ingestor: Ingestor,
    report: ImportReport,
    source_ae: str,
    tick: Callable[[str], None],
    should_cancel: Callable[[], bool] | None,
) -> bool:
    """Import each member, extracted to the incoming folder (streamed, never all in memory)."""
    all_ok = True
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                if should_cancel is not None and should_cancel():
                    report.cancelled = True
                    return False
                display = f"{path.name}:{info.filename}"
                temp = ingestor.store.incoming / f"zip-{uuid.uuid4().hex}.part"
                try:
                    with zf.open(info) as src, open(temp, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1024 * 1024)
                    all_ok &= _ingest_one(temp, display, ingestor, report, source_ae, move=True)
                except (OSError, zipfile.BadZipFile, RuntimeError) as exc:
                    report.rejected.append((display, f"cannot be extracted ({exc})"))
                    all_ok = False
                finally:
                    with contextlib.suppress(OSError):
                        temp.unlink()
                tick(display)
    except (zipfile.BadZipFile, OSError) as exc:
        report.rejected.append((path.name, f"damaged ZIP file ({exc})"))
        return False
    return all_ok


def _remove(path: Path, report: ImportReport) -> None:
    try:
        path.unlink()
        report.cleared += 1
    except OSError as exc:
        LOGGER.warning("Imported %s but could not remove it: %s", path, exc.strerror or exc)


def _remove_empty_dirs(roots: Iterable[Path]) -> None:
    """Remove folders an import emptied, below (never including) each root."""
    for root in roots:
        for dirpath, _dirnames, _files in sorted(os.walk(root), key=lambda e: -len(e[0])):
            if Path(dirpath) != root:
                with contextlib.suppress(OSError):
                    os.rmdir(dirpath)
