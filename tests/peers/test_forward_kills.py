"""Forwarding is at-least-once with a window of one instance: SIGKILLs during a long send.

``rtstation serve`` (a real subprocess) forwards 600 small CT slices to a real storescp and
is killed with SIGKILL several times while it sends, then started again. The README's
promise: every instance arrives, and each kill repeats at most the one instance that was
on the wire (its C-STORE answered, or about to be, but its delivery not yet committed).
storescp's order.txt records every reception, so a repeat is counted, not overwritten.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.data.generator import write_ct_series
from tests.peers.peers import read_sop_instance_uid
from tests.peers.station_proc import StationProcess, node_section, query, wait_until, write_settings

SLICES = 600
KILLS = 4
STEP = 40  # kill k comes once k * STEP slices were received: the last with 440 to go


def test_each_sigkill_during_a_long_forward_repeats_at_most_one_instance(tmp_path: Path, storescp):
    scp = storescp(ae_title="ARCHIVE")
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra=node_section(1, "ARCHIVE", scp.port))
    files = write_ct_series(tmp_path / "series", SLICES, rows=16, columns=16, patient_id="KILLS")
    expected = {read_sop_instance_uid(p) for p in files}

    station.start()
    try:
        argv = [sys.executable, "-m", "rtstation", "--config", str(config), "send"]
        queued = subprocess.run(
            [*argv, "--no-wait", "--node", "ARCHIVE", str(tmp_path / "series")],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert queued.returncode == 0, queued.stdout + queued.stderr
        kills_mid_send = 0
        for kill in range(1, KILLS + 1):
            # An absolute target: the restarted station may send many slices before this
            # process sees it listen (a loaded machine), and a target counted from then
            # could lie beyond the last slice.
            target = kill * STEP
            deadline = time.monotonic() + 60
            while len(scp.received_names()) < target:
                assert time.monotonic() < deadline, f"no progress before kill {kill}"
                time.sleep(0.01)
            station.kill()
            if len(set(scp.received_order())) < SLICES:
                kills_mid_send += 1
            station.start()
        assert kills_mid_send == KILLS, "every kill must hit the send while it runs"
        wait_until(
            lambda: set(scp.received_order()) == expected, 120, "every slice at storescp", station
        )
        wait_until(
            lambda: [r["state"] for r in query(station, "SELECT state FROM jobs")] == ["done"],
            60,
            "the job to be done",
            station,
        )
        history = query(station, "SELECT message FROM job_events ORDER BY id")
    finally:
        station.stop()

    counts = Counter(scp.received_order())
    repeats = sum(counts.values()) - len(counts)
    assert set(counts) == expected, "an instance was lost"
    assert max(counts.values()) <= 2
    assert repeats <= KILLS, f"{repeats} repeated deliveries after {KILLS} kills: {counts}"
    resumed = [r["message"] for r in history if "resumed after a restart" in r["message"]]
    assert len(resumed) == KILLS
