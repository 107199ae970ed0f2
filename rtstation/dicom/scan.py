"""Read the headers of every file under some folders, never stopping on a bad one.

Used by ``show``, by folder import and by ``reindex``: each needs the readable headers and,
just as much, a list of what could not be read and why, so a physicist can see that
``RP.1.2.3.dcm`` was skipped because it is truncated rather than wonder where a plan went.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rtstation.dicom.headers import InstanceHeader, iter_files, read_header
from rtstation.errors import DicomReadError

LOGGER = logging.getLogger(__name__)

ProgressCallback = Callable[[int, str], None]  # files read so far, current path


@dataclass(frozen=True)
class ScanProblem:
    """A file that was skipped, with the reason in words."""

    path: str
    reason: str


@dataclass(frozen=True)
class ScanResult:
    headers: tuple[InstanceHeader, ...]
    problems: tuple[ScanProblem, ...]
    cancelled: bool = False


def scan(
    paths: Iterable[str | os.PathLike[str]],
    pattern: str = "*",
    *,
    recursive: bool = True,
    progress: ProgressCallback | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ScanResult:
    """Read every matching file's header; unreadable files become :class:`ScanProblem`."""
    headers: list[InstanceHeader] = []
    problems: list[ScanProblem] = []
    files = iter_files(
        paths,
        pattern,
        recursive=recursive,
        on_unreadable=lambda folder, reason: problems.append(ScanProblem(folder, reason)),
    )
    for count, path in enumerate(files, start=1):
        if should_cancel is not None and should_cancel():
            return ScanResult(tuple(headers), tuple(problems), cancelled=True)
        try:
            headers.append(read_header(path))
        except DicomReadError as exc:
            problems.append(ScanProblem(exc.path, exc.reason))
            LOGGER.debug("Skipped %s: %s", exc.path, exc.reason)
        if progress is not None:
            progress(count, str(path))
    return ScanResult(tuple(headers), tuple(problems))
