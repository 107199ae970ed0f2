"""Ctrl-C on ``rtstation serve`` stops it cleanly, its metrics child process included.

A terminal sends SIGINT to the whole foreground process group, so the plan-metrics child
(a ``spawn`` worker of a ProcessPoolExecutor) gets it too. The child must ignore it (its
parent ends it through the executor's shutdown); otherwise it prints a KeyboardInterrupt
traceback under the parent's clean "stopping" line, which the README says does not happen.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.data.generator import StudySpec, write_study
from tests.peers.station_proc import StationProcess, query, wait_until, write_settings


def _children(pid: int) -> list[int]:
    """The pids of ``pid``'s child processes (Linux /proc)."""
    children: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return children


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _metrics_child(pid: int) -> int | None:
    """The spawned metrics worker (not multiprocessing's resource tracker), if running."""
    for child in _children(pid):
        if "multiprocessing.spawn" in _cmdline(child):
            return child
    return None


def test_ctrl_c_stops_serve_and_its_metrics_child_without_a_traceback(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port)
    study = write_study(tmp_path / "study", StudySpec())
    imported = subprocess.run(
        [sys.executable, "-m", "rtstation", "--config", str(config), "import", str(study.root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr

    station.start()
    assert station.proc is not None
    pid = station.proc.pid
    try:
        # The child starts with the first plan to compute; once the plan's metrics are in
        # the catalog it is idle in its worker loop, where a SIGINT used to become a
        # KeyboardInterrupt traceback.
        wait_until(
            lambda: bool(query(station, "SELECT plan_uid FROM plan_metrics")),
            120,
            "the plan's metrics to be computed",
            station,
        )
        wait_until(lambda: _metrics_child(pid) is not None, 30, "the metrics child", station)
        child = _metrics_child(pid)
        assert child is not None

        os.killpg(pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
        returncode = station.proc.wait(60)
    finally:
        station.stop()

    log = station.log()
    assert returncode == 0, log
    assert "rtstation: stopping" in log, log
    assert "Traceback" not in log, log
    assert "KeyboardInterrupt" not in log, log
    # The child was ended by its parent, not left behind.
    wait_until(lambda: _cmdline(child) == "", 10, "the metrics child to end", station)
