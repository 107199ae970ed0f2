"""Concurrent fsyncs of one folder share a flush, and nobody returns before a flush that
started after it asked (its rename must be covered)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from rtstation import fsync
from rtstation.fsync import SharedFolderSync
from tests.waiting import wait_for

WAIT = 10.0


class GatedFlush:
    """A real folder fsync that, the first time, waits until the test lets it finish."""

    def __init__(self) -> None:
        self.started: list[float] = []
        self.inside = threading.Event()
        self.release = threading.Event()

    def __call__(self, path: str) -> None:
        self.started.append(time.monotonic())
        if len(self.started) == 1:
            self.inside.set()
            assert self.release.wait(WAIT)
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def test_callers_arriving_during_a_flush_share_the_next_one(tmp_path: Path):
    flush = GatedFlush()
    shared = SharedFolderSync(flush)
    first = threading.Thread(target=shared.sync, args=(tmp_path,))
    first.start()
    assert flush.inside.wait(WAIT)
    asked_at: dict[int, float] = {}

    def later(number: int) -> None:
        asked_at[number] = time.monotonic()
        shared.sync(tmp_path)

    followers = [threading.Thread(target=later, args=(i,)) for i in range(3)]
    for thread in followers:
        thread.start()
    wait_for(lambda: len(asked_at) == 3, "three callers asking")
    wait_for(lambda: shared._folders[os.path.abspath(tmp_path)].asked == 4, "all four tickets")
    flush.release.set()
    for thread in (first, *followers):
        thread.join(WAIT)
    assert shared.flushes == 2  # the running one, then one for the three that waited
    assert flush.started[1] > max(asked_at.values())  # it began after every one of them asked
    assert shared._folders == {}


def test_a_failed_flush_covers_nobody(tmp_path: Path):
    calls: list[str] = []

    def failing_once(path: str) -> None:
        calls.append(path)
        if len(calls) == 1:
            raise OSError("flush failed")

    shared = SharedFolderSync(failing_once)
    with pytest.raises(OSError):
        shared.sync(tmp_path)
    shared.sync(tmp_path)
    assert len(calls) == 2 and shared.flushes == 1


def test_fsync_dir_goes_through_the_shared_flush(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    synced: list[int] = []
    real_fsync = os.fsync

    def recording(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording)
    before = fsync._SHARED.flushes
    fsync.fsync_dir(tmp_path)
    assert synced == [os.stat(tmp_path).st_ino] and fsync._SHARED.flushes == before + 1
