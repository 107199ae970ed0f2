"""Fixtures for every test: Qt offscreen, isolated user directories, no leaked threads."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything creates a QApplication (pytest-qt does it lazily, in the first qtbot).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Threads a test may leave behind that are not the product's, each known by the name its
# library gives it: pytest-timeout's timer, and "Dummy-N", the entry Python makes for a
# foreign thread that ran Python code (Qt's pool threads; tests/gui/conftest.py checks those
# through Qt). Every other thread, daemon or not, must be gone when the test ends: every
# product thread (send workers, lease keepers, the settle timer, the rules watcher, the
# receiver's pynetdicom threads) is a daemon, so a guard that skipped daemons saw none.
_IGNORED_THREAD_PREFIXES = ("pytest_timeout", "Dummy-")

#: How long a test's threads get to finish after it ends (a released association's thread
#: needs a moment to notice the socket is closed).
_JOIN_GRACE_SECONDS = 2.0


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A fresh, empty station configuration directory."""
    path = tmp_path / "config"
    path.mkdir()
    return path


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the XDG base directories (what platformdirs reads on Linux) into the test's
    tmp_path, so no test reads or writes the real user's configuration or data."""
    for variable, name in (
        ("XDG_CONFIG_HOME", "xdg-config"),
        ("XDG_DATA_HOME", "xdg-data"),
        ("XDG_CACHE_HOME", "xdg-cache"),
        ("XDG_STATE_HOME", "xdg-state"),
    ):
        monkeypatch.setenv(variable, str(tmp_path / name))


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a thread running that was not there before it (daemon or not),
    after joining the new threads for up to ``_JOIN_GRACE_SECONDS``."""
    before = set(threading.enumerate())
    yield

    def leaked() -> list[threading.Thread]:
        return [
            thread
            for thread in threading.enumerate()
            if thread not in before
            and thread.is_alive()
            and not thread.name.startswith(_IGNORED_THREAD_PREFIXES)
        ]

    deadline = time.monotonic() + _JOIN_GRACE_SECONDS
    for thread in leaked():
        thread.join(max(0.0, deadline - time.monotonic()))
    left = leaked()
    if left:
        names = ", ".join(
            f"'{thread.name}'{' (daemon)' if thread.daemon else ''}" for thread in left
        )
        pytest.fail(
            f"Test left {len(left)} thread(s) running: {names}; stop or join them in the test "
            "(or its fixtures) before it ends.",
            pytrace=False,
        )
