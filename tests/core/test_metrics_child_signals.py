"""The plan-metrics child never dies of a Ctrl-C, not even while it is starting.

Why it matters: a terminal's Ctrl-C is a SIGINT to the whole process group, so the child
of ``rtstation serve`` gets it too, and a child that turns it into a KeyboardInterrupt
prints a traceback under the parent's clean "stopping" line. The parent stops the child
itself, so from the moment it exists until it ends the child must have SIGINT blocked (it
inherits that from the thread that starts it) or ignored (its initializer). A SIGINT that
lands while the child is still importing numpy is the case a test of the running station
cannot aim at; the child's signal state in /proc shows it at every moment.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from rtstation.dicom.dvh import DvhOptions
from rtstation.dicom.metrics_child import NICE_INCREMENT
from rtstation.station.metrics_worker import ChildComputer

SIGINT_BIT = 1 << (signal.SIGINT - 1)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the child's signal state from /proc"
)


def _signal_state(pid: int) -> tuple[int, int] | None:
    """(blocked, ignored) signal masks of ``pid``, None once it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    fields = dict(line.split(":\t", 1) for line in lines if ":\t" in line)
    return int(fields["SigBlk"], 16), int(fields["SigIgn"], 16)


def test_the_child_has_sigint_blocked_or_ignored_from_its_start():
    computer = ChildComputer(DvhOptions())
    try:
        computer._start_child()  # returns once the child process exists
        children = multiprocessing.active_children()
        assert len(children) == 1
        pid = children[0].pid
        assert pid is not None
        samples = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = _signal_state(pid)
            assert state is not None, "the child ended while starting"
            blocked, ignored = state
            samples += 1
            assert (blocked | ignored) & SIGINT_BIT, (
                f"sample {samples}: SIGINT neither blocked nor ignored in the child "
                f"(SigBlk {blocked:x}, SigIgn {ignored:x}): a Ctrl-C now is a traceback"
            )
            if ignored & SIGINT_BIT:
                break  # the initializer ran
            time.sleep(0.001)
        assert computer._executor is not None
        # Started and working: SIGINT ignored, no longer blocked (nothing it starts
        # inherits a blocked SIGINT), and this thread's mask is as it was.
        assert computer._executor.submit(os.getpid).result(60) == pid
        state = _signal_state(pid)
        assert state is not None
        assert state[1] & SIGINT_BIT and not state[0] & SIGINT_BIT
        assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    finally:
        computer.close()


def test_the_child_runs_ten_nice_levels_below_this_process():
    """Before: lowered twice (its initializer and a first task that lowered it again), it
    ran at +20, not the +10 the design gives it."""
    computer = ChildComputer(DvhOptions())
    try:
        computer._start_child()
        assert computer._executor is not None
        pid = computer._executor.submit(os.getpid).result(60)
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        expected = min(mine + NICE_INCREMENT, 19)
        assert os.getpriority(os.PRIO_PROCESS, pid) == expected
    finally:
        computer.close()
