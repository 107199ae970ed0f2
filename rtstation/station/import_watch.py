"""Watching the import folder: files that appear there are imported once they are quiet.

Poll-based on purpose. A planning system or a person copies an export into the folder,
often over a network share (SMB, NFS), where inotify and its cousins do not report what
another machine writes; a poll every second of one folder tree sees everything on any
file system, costs nothing measurable for the few thousand files an export has, and needs
no new dependency (watchdog would add a native observer per platform and still need the
quiet-period logic below, which is the real work).

What "quiet" means: the whole batch, not each file. A folder import decides its plans at
once (:meth:`rtstation.station.receiving.Receiving.import_paths`), so an RTPLAN imported
while its CT is still being copied would be decided without its images. The watcher
therefore waits until nothing under the folder has changed (no file new, grown, touched
or gone) for ``quiet_seconds``, then imports every new or changed file in one batch, as
"Import folder" would (source IMPORT_FOLDER for the rules; cleared afterwards when
``clear_import_folder_after_import`` says so).

A file is imported once per version (size and modification time): a file that stays
(no clearing, or a rejected non-DICOM file) is not imported again at every quiet period.
That memory is in this process only; after a restart, files still in the folder are
imported again, which the catalog sees as duplicates (nothing is forwarded twice: the
rules decided those plans already).
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rtstation.storage.importer import ImportReport

LOGGER = logging.getLogger(__name__)

Signature = tuple[int, int]  # (size, mtime_ns)


def wanted(relative: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """Whether a file (its POSIX path inside the import folder) passes the patterns.

    A pattern is matched against the whole relative path and against the file name, so
    ``*.dcm`` matches in every sub-folder and ``scratch/*`` only below ``scratch``;
    matching ignores case (exports from Windows systems write ``.DCM``).
    """
    name = relative.rsplit("/", 1)[-1].casefold()
    path = relative.casefold()

    def hit(patterns: Sequence[str]) -> bool:
        return any(
            fnmatch.fnmatchcase(path, p.casefold()) or fnmatch.fnmatchcase(name, p.casefold())
            for p in patterns
        )

    if include and not hit(include):
        return False
    return not hit(exclude)


class ImportWatcher:
    """Polls one folder; :meth:`poll` imports a quiet batch (call it every second or so)."""

    def __init__(
        self,
        folder: Path,
        import_files: Callable[[list[Path], bool], ImportReport],
        *,
        quiet_seconds: float = 5.0,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        clear: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder = Path(folder)
        self.import_files = import_files
        self.quiet_seconds = quiet_seconds
        self.include = tuple(include)
        self.exclude = tuple(exclude)
        self.clear = clear
        self._clock = clock
        self._last_scan: dict[str, Signature] = {}
        self._changed_at = clock()
        self._imported: dict[str, Signature] = {}
        self._missing_reported = False

    def scan(self) -> dict[str, Signature]:
        """Every wanted file under the folder with its signature (hidden entries skipped:
        a copy tool's temporary files start with a dot)."""
        found: dict[str, Signature] = {}
        for dirpath, dirnames, filenames in os.walk(self.folder):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for filename in filenames:
                if filename.startswith("."):
                    continue
                path = Path(dirpath) / filename
                relative = path.relative_to(self.folder).as_posix()
                if not wanted(relative, self.include, self.exclude):
                    continue
                try:
                    info = path.stat()
                except OSError:
                    continue  # removed between the listing and the stat
                found[relative] = (info.st_size, info.st_mtime_ns)
        return found

    def poll(self) -> ImportReport | None:
        """Import what is new once everything has been quiet; None when nothing was done."""
        if not self.folder.is_dir():
            if not self._missing_reported:
                LOGGER.warning("Import folder %s does not exist; not watching it", self.folder)
                self._missing_reported = True
            return None
        self._missing_reported = False
        now = self._clock()
        current = self.scan()
        if current != self._last_scan:
            self._last_scan = current
            self._changed_at = now
            return None
        if now - self._changed_at < self.quiet_seconds:
            return None
        batch = [rel for rel, sig in current.items() if self._imported.get(rel) != sig]
        # forget files that are gone, so one that comes back is imported again
        self._imported = {rel: sig for rel, sig in self._imported.items() if rel in current}
        if not batch:
            return None
        LOGGER.info("Import folder %s: importing %d new file(s)", self.folder, len(batch))
        report = self.import_files([self.folder / rel for rel in sorted(batch)], self.clear)
        for rel in batch:
            self._imported[rel] = current[rel]
        if self.clear:
            self._remove_empty_dirs()
        # what the import removed is a change too; the next scan starts from the result
        self._last_scan = self.scan()
        self._changed_at = self._clock()
        return report

    def _remove_empty_dirs(self) -> None:
        for dirpath, _dirs, _files in sorted(os.walk(self.folder), key=lambda e: -len(e[0])):
            if Path(dirpath) != self.folder:
                with contextlib.suppress(OSError):
                    os.rmdir(dirpath)
