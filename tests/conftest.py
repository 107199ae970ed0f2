"""Fixtures for every test: Qt offscreen, isolated user directories, no leaked threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.threads import threads_left

# Before anything creates a QApplication (pytest-qt does it lazily, in the first qtbot).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# As the rtstation command does for itself (cli/main.py): one OpenBLAS thread, so that the
# processes the tests start from here (the metrics child) do not spin one thread per core.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


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
    """Fail a test that leaves a thread running that was not there before it, daemon or not
    (see tests/threads.py: new threads get a short grace to end first)."""
    before = set(threading.enumerate())
    yield
    left = threads_left(before)
    if left:
        names = ", ".join(
            f"'{thread.name}'{' (daemon)' if thread.daemon else ''}" for thread in left
        )
        pytest.fail(
            f"Test left {len(left)} thread(s) running: {names}; stop or join them in the test "
            "(or its fixtures) before it ends.",
            pytrace=False,
        )
