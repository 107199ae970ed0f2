"""The thread-leak guard (tests/threads.py) sees what it must: daemon threads too."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import NoReturn

from rtstation.events import EventBus
from rtstation.routing.send_queue import SendQueue
from rtstation.routing.workers import NodeWorkers
from tests.threads import threads_left


def test_a_daemon_thread_left_running_is_seen() -> None:
    before = set(threading.enumerate())
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="stray", daemon=True)
    thread.start()
    try:
        assert threads_left(before, grace=0.05) == [thread]
    finally:
        release.set()
        thread.join(5)
    assert threads_left(before, grace=0.05) == []


def test_a_thread_that_is_ending_gets_its_grace() -> None:
    before = set(threading.enumerate())
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="ending", daemon=True)
    thread.start()
    release.set()  # it ends on its own; the guard joins it instead of failing the test
    assert threads_left(before, grace=5.0) == []


def test_the_known_tool_threads_are_not_counted() -> None:
    before = set(threading.enumerate())
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="pytest_timeout stray", daemon=True)
    thread.start()
    try:
        assert threads_left(before, grace=0.05) == []
    finally:
        release.set()
        thread.join(5)


def test_a_send_worker_left_running_is_seen(tmp_path: Path) -> None:
    """The leak the old guard (non-daemon threads only) could not catch."""
    queue = SendQueue(tmp_path / "queue.sqlite")

    def never_called(*_: object) -> NoReturn:
        raise AssertionError("nothing is queued: nothing is sent")

    workers = NodeWorkers(queue, never_called, EventBus(), owner="station", poll_interval=0.02)
    before = set(threading.enumerate())
    workers.start(["TPS"])
    try:
        assert [thread.name for thread in threads_left(before, grace=0.05)] == ["send-TPS"]
    finally:
        assert workers.stop(5)
        queue.close()
    assert threads_left(before, grace=0.05) == []
