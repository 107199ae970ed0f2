"""Pick up edits to rules.ini while the station runs.

Physicists edit rules.ini in a text editor as often as in the Rules dialog, and an
unattended ``serve`` must follow those edits without a restart. :class:`RulesWatcher` polls
the file from a daemon thread (no file-system-events dependency, and polling works on
network drives where inotify and friends do not). A change is a change of content: the
file's mtime and size are logged, but its SHA-256 decides, so a mere ``touch`` reloads
nothing and an edit within the file system's mtime granularity is still seen.

A broken file never replaces working rules: the last good ``RulesConfig`` stays in force
and ``on_error`` receives the loader's one-sentence ``ConfigError`` message, once per
distinct broken content. While polling, a broken content is reported only when it is
still the same on the next poll, so an editor caught half-way through saving does not
raise a false alarm; :meth:`RulesWatcher.reload_now` (the GUI has just saved) reports at
once.

Callbacks run on the watcher's thread (or on the thread calling :meth:`reload_now`), one
at a time and in order; they must be quick and must not touch widgets.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from rtstation.config.model import RulesConfig
from rtstation.errors import ConfigError

LOGGER = logging.getLogger(__name__)

_MISSING = "missing"

T = TypeVar("T")


@dataclass(frozen=True)
class _Snapshot:
    digest: str  # SHA-256 of the content, or "missing"
    mtime_ns: int
    size: int


def _snapshot(path: str | os.PathLike[str]) -> _Snapshot:
    try:
        with open(path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            content = handle.read()
    except FileNotFoundError:
        return _Snapshot(_MISSING, 0, 0)
    return _Snapshot(hashlib.sha256(content).hexdigest(), stat.st_mtime_ns, stat.st_size)


class RulesWatcher:
    """Reload rules.ini when its content changes; keep the last good rules when it breaks.

    Call :meth:`start` to begin (it loads once, synchronously, unless told not to) and
    :meth:`stop` at shutdown. ``loader`` reads the file and raises ``ConfigError`` (or
    ``RuleError``) with a message for people when the file cannot be used.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        loader: Callable[[], RulesConfig],
        on_change: Callable[[RulesConfig], None],
        on_error: Callable[[str], None],
        poll_seconds: float = 2.0,
    ) -> None:
        if poll_seconds <= 0:
            raise ValueError(f"poll_seconds must be more than 0, not {poll_seconds!r}")
        self.path = path
        self.poll_seconds = poll_seconds
        self._loader = loader
        self._on_change = on_change
        self._on_error = on_error
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen: str | None = None  # digest last loaded (good or broken)
        self._suspect: str | None = None  # broken digest waiting for confirmation
        self._suspect_message = ""
        self._reported: str | None = None  # broken digest already reported
        self._current: RulesConfig | None = None
        self._last_error = ""

    @property
    def current(self) -> RulesConfig | None:
        """The last rules that loaded, or None if none has yet."""
        with self._lock:
            return self._current

    @property
    def last_error(self) -> str:
        """The message of the current broken content, or "" while the file is good."""
        with self._lock:
            return self._last_error

    def start(self, *, load_now: bool = True) -> RulesWatcher:
        """Start polling; with ``load_now``, load (and call back) once before returning.

        Without it, the file as it is now counts as already loaded (the caller loaded it).
        """
        with self._lock:
            if self._thread is not None:
                return self
            if load_now:
                self.reload_now()
            else:
                self._seen = _snapshot(self.path).digest
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name="rtstation-rules-watch", daemon=True
            )
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling and wait (bounded) for the thread to end."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None

    def reload_now(self) -> RulesConfig | None:
        """Load the file now, whatever its content; returns the rules or None if broken.

        A broken file is reported at once (the GUI has just saved it, so it is not half
        written), but still only once per distinct broken content.
        """
        with self._lock:
            snapshot = _snapshot(self.path)
            return self._load(snapshot, confirmed=True)

    def poll(self) -> None:
        """One polling step; the thread calls this, tests may call it directly."""
        with self._lock:
            snapshot = _snapshot(self.path)
            if snapshot.digest == self._seen:
                self._suspect = None  # a half-written save that came right again
                return
            if snapshot.digest == self._suspect:
                # Same broken content as last poll: it is what the file holds, report it.
                self._seen = snapshot.digest
                self._suspect = None
                self._report(snapshot.digest, self._suspect_message)
                return
            LOGGER.info(
                "rules.ini changed (size %d, mtime_ns %d), reloading",
                snapshot.size,
                snapshot.mtime_ns,
            )
            self._load(snapshot, confirmed=False)

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.poll()
            except Exception:  # the watcher must outlive any surprise
                LOGGER.exception("Checking rules.ini for changes failed")

    def _load(self, snapshot: _Snapshot, *, confirmed: bool) -> RulesConfig | None:
        try:
            config = self._loader()
        except ConfigError as exc:
            message = str(exc)
        except OSError as exc:
            message = f"rules.ini could not be read ({exc})."
        except Exception as exc:
            LOGGER.exception("Loading rules.ini failed unexpectedly")
            message = f"rules.ini could not be loaded ({type(exc).__name__}: {exc})."
        else:
            self._seen = snapshot.digest
            self._suspect = None
            self._reported = None
            self._last_error = ""
            self._current = config
            LOGGER.info("Loaded %d forwarding rule(s) from rules.ini", len(config.rules))
            self._call(self._on_change, config)
            return config
        if confirmed:
            self._seen = snapshot.digest
            self._suspect = None
            self._report(snapshot.digest, message)
        else:
            self._suspect = snapshot.digest
            self._suspect_message = message
        return None

    def _report(self, digest: str, message: str) -> None:
        self._last_error = message
        if digest == self._reported:
            return
        self._reported = digest
        LOGGER.warning("rules.ini is not usable, keeping the previous rules: %s", message)
        self._call(self._on_error, message)

    @staticmethod
    def _call(callback: Callable[[T], None], value: T) -> None:
        try:
            callback(value)
        except Exception:
            LOGGER.exception("rules.ini watcher callback %r failed", callback)
