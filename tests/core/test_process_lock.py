"""One primary station per data folder; staging folders of live processes are never cleaned."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rtstation.storage.archive import DurableStore
from rtstation.storage.process_lock import PrimaryLock


def test_only_one_holder_at_a_time(tmp_path: Path):
    first, second = PrimaryLock(tmp_path), PrimaryLock(tmp_path)
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_lock_is_freed_when_the_holder_dies(tmp_path: Path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path;"
            "from rtstation.storage.process_lock import PrimaryLock;"
            f"lock = PrimaryLock(Path({str(tmp_path)!r})); assert lock.acquire();"
            "print('held', flush=True);"
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert not PrimaryLock(tmp_path).acquire()
    finally:
        holder.kill()
        holder.wait()
    assert PrimaryLock(tmp_path).acquire()


def test_clean_incoming_spares_live_processes_and_drops_dead_ones(tmp_path: Path):
    store = DurableStore(tmp_path)
    live = store.incoming_root / str(os.getppid())  # the test runner's parent is alive
    live.mkdir()
    (live / "receiving.part").write_bytes(b"half")
    dead_pid = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dead = store.incoming_root / dead_pid
    dead.mkdir()
    (dead / "left.part").write_bytes(b"half")
    (store.incoming / "own-predecessor.part").write_bytes(b"half")
    assert store.clean_incoming() == 2
    assert (live / "receiving.part").exists()
    assert not dead.exists()
    assert store.incoming.exists() and not list(store.incoming.iterdir())
