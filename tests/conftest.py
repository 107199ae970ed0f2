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

# Threads that the test tooling itself may start.
_IGNORED_THREAD_PREFIXES = ("pytest_timeout", "Dummy-")


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
    """Fail a test that leaves a new non-daemon thread running (waits up to 2 s for it)."""
    before = set(threading.enumerate())
    yield

    def leaked() -> list[threading.Thread]:
        return [
            thread
            for thread in threading.enumerate()
            if thread not in before
            and thread.is_alive()
            and not thread.daemon
            and not thread.name.startswith(_IGNORED_THREAD_PREFIXES)
        ]

    deadline = time.monotonic() + 2.0
    while leaked() and time.monotonic() < deadline:
        time.sleep(0.02)
    left = leaked()
    if left:
        names = ", ".join(f"'{thread.name}'" for thread in left)
        pytest.fail(
            f"Test left {len(left)} non-daemon thread(s) running: {names}; stop or join them "
            "in the test (or its fixtures) before it ends.",
            pytrace=False,
        )
