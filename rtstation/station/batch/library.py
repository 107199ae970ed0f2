"""The CSV library a C-FIND batch appends its matches to (pydicom-batch's database file).

One row per match, one column per requested element in the order the extraction file
names them; the header is written when the file is new. Rows of one request are written
together and fsynced before the request is recorded as done. An existing library with
other columns is refused rather than mixed up. A C-MOVE batch with ``database_file``
writes one row per request: its elements, the archive's status and what was filed.
"""

from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from rtstation.errors import ConfigError
from rtstation.fsync import fsync_dir


class LibraryFile:
    """Thread-safe appends of whole requests to one CSV file."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path = path
        self.columns = tuple(columns)
        self._lock = threading.Lock()
        existing = _header(path)
        if existing is not None and existing != self.columns:
            raise ConfigError(
                f"Library file '{path}' has the columns '{','.join(existing)}', not "
                f"'{','.join(self.columns)}': give another output.library_file, or move the "
                "old file away",
                file=str(path),
                key="output.library_file",
            )

    def append(self, rows: Iterable[dict[str, str]]) -> int:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns, extrasaction="ignore")
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
        with self._lock:
            new = not self.path.exists() or self.path.stat().st_size == 0
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8", newline="") as handle:
                if new:
                    csv.writer(handle).writerow(self.columns)
                handle.write(buffer.getvalue())
                handle.flush()
                os.fsync(handle.fileno())
            if new:
                fsync_dir(self.path.parent)
        return count


def _header(path: Path) -> tuple[str, ...] | None:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            first = next(csv.reader(handle), None)
    except FileNotFoundError:
        return None
    return tuple(first) if first else None
