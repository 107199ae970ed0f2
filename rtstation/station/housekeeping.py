"""The station's unattended chores: retention every ``interval_minutes`` and watching the
import folder, on one background thread of the primary station.

Only the primary does them (``is_primary`` is asked at every round), so a CLI command
beside a running ``serve`` never imports the same folder or removes the same plans a
second time; a station that becomes primary while running takes them over at its next
round. A chore that fails is logged and shown as a StationProblem, and tried again at
its next turn: the thread never dies of it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from rtstation.config import Settings
from rtstation.events import EventBus
from rtstation.station.import_watch import ImportWatcher
from rtstation.station.problems import report_problem
from rtstation.station.retention import Retention
from rtstation.storage.importer import ImportReport

LOGGER = logging.getLogger(__name__)

POLL_SECONDS = 1.0


class Housekeeping:
    """Runs :class:`Retention` on its interval and an :class:`ImportWatcher` when enabled."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        retention: Retention,
        import_files: Callable[[list[Path], bool, Callable[[], bool]], ImportReport],
        is_primary: Callable[[], bool],
        bus: EventBus,
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._settings = settings
        self.retention = retention
        self._import_files = import_files
        self._is_primary = is_primary
        self.bus = bus
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watcher: ImportWatcher | None = None
        self._watch_key: tuple[object, ...] = ()
        self._next_retention = time.monotonic()

    def start(self) -> None:
        self._stop.clear()
        self._next_retention = time.monotonic()  # once at start, then every interval
        self._thread = threading.Thread(target=self._loop, name="rtstation-housekeeping")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            if not self._is_primary():
                continue
            self._chore("Watching the import folder", self._watch_once)
            if time.monotonic() >= self._next_retention:
                minutes = self._settings().retention_interval_minutes
                self._next_retention = time.monotonic() + minutes * 60
                if self.retention.enabled:
                    self._chore("Retention", lambda: self.retention.run(stop=self._stop.is_set))

    def _chore(self, what: str, work: Callable[[], object]) -> None:
        try:
            work()
        except Exception as exc:
            LOGGER.exception("%s failed; trying again later", what)
            report_problem(self.bus, f"{what} failed: {exc}; it is tried again later")

    def watcher(self) -> ImportWatcher | None:
        """The watcher for the settings in force (made anew when they change), or None."""
        settings = self._settings()
        if not settings.watch_import_folder:
            self._watcher = None
            return None
        key = (
            settings.import_folder,
            settings.import_quiet_seconds,
            settings.import_include,
            settings.import_exclude,
            settings.clear_import_folder_after_import,
        )
        if self._watcher is None or key != self._watch_key:
            self._watch_key = key
            self._watcher = ImportWatcher(
                Path(settings.import_folder),
                # an import in progress stops at the next file when the station stops
                lambda files, clear: self._import_files(files, clear, self._stop.is_set),
                quiet_seconds=settings.import_quiet_seconds,
                include=settings.import_include,
                exclude=settings.import_exclude,
                clear=settings.clear_import_folder_after_import,
            )
            LOGGER.info("Watching the import folder %s", settings.import_folder)
        return self._watcher

    def _watch_once(self) -> None:
        watcher = self.watcher()
        if watcher is None:
            return
        report = watcher.poll()
        if report is not None and report.rejected:
            first, reason = report.rejected[0]
            more = f" (and {len(report.rejected) - 1} more)" if len(report.rejected) > 1 else ""
            report_problem(self.bus, f"Import folder: '{first}' was not imported: {reason}{more}")
