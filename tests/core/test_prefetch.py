"""The sender's read-ahead: the next file's meta is read once, ahead, on another thread."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from rtstation.net.prefetch import Prefetcher, read_ahead


def test_the_prefetched_result_is_used_once_and_computed_on_another_thread(tmp_path: Path):
    calls: list[tuple[str, str]] = []

    def inspect(path: str) -> str:
        calls.append((path, threading.current_thread().name))
        return f"meta of {Path(path).name}"

    prefetched = Prefetcher(inspect)
    prefetched.start(str(tmp_path / "b.dcm"))
    assert prefetched.get(str(tmp_path / "b.dcm")) == "meta of b.dcm"
    assert calls == [(str(tmp_path / "b.dcm"), "send-prefetch")]
    # asked again, or for a path nobody prefetched: computed on the caller's thread
    assert prefetched.get(str(tmp_path / "b.dcm")) == "meta of b.dcm"
    assert calls[-1] == (str(tmp_path / "b.dcm"), threading.current_thread().name)


def test_a_prefetch_for_another_path_is_not_used(tmp_path: Path):
    prefetched = Prefetcher(lambda path: Path(path).name)
    prefetched.start(str(tmp_path / "next.dcm"))
    assert prefetched.get(str(tmp_path / "current.dcm")) == "current.dcm"
    assert prefetched.get(str(tmp_path / "next.dcm")) == "next.dcm"


def test_an_error_while_prefetching_is_raised_by_get(tmp_path: Path):
    def inspect(path: str) -> str:
        raise OSError(5, "Input/output error", path)

    prefetched = Prefetcher(inspect)
    prefetched.start(str(tmp_path / "bad.dcm"))
    with pytest.raises(OSError, match="Input/output error"):
        prefetched.get(str(tmp_path / "bad.dcm"))


def test_read_ahead_of_a_missing_file_is_harmless(tmp_path: Path):
    read_ahead(str(tmp_path / "missing.dcm"))
    present = tmp_path / "present.dcm"
    present.write_bytes(b"x" * 1000)
    read_ahead(str(present))
    assert present.read_bytes() == b"x" * 1000


def test_read_aheads_run_on_a_few_shared_threads_not_one_per_file(tmp_path: Path):
    """Starting a thread per file made the send loop wait for each new thread to run."""
    seen: list[threading.Thread] = []
    for number in range(10):
        prefetched = Prefetcher(lambda path: seen.append(threading.current_thread()) or path)
        path = str(tmp_path / f"{number}.dcm")
        prefetched.start(path)
        assert prefetched.get(path) == path
    distinct = {id(thread) for thread in seen}  # the list keeps every thread object alive
    assert len(seen) == 10 and len(distinct) <= 2
    assert all(thread.daemon and thread.name == "send-prefetch" for thread in seen)
