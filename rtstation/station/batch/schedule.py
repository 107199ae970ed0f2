"""The time window a batch may send in, and the clock it is measured with.

An overnight extraction must not load the clinical archive during the day: outside
``start_time``-``end_time`` (in the schedule's time zone) no request is started; the one
on the wire finishes. The clock is a parameter so tests move time instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Protocol

from rtstation.config.batch_config import ScheduleSpec


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Wait up to ``seconds``; True when ``stop`` was set meanwhile."""


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now().astimezone()

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        return stop.wait(max(0.0, seconds))


class OffsetClock(SystemClock):
    """The system clock shifted to a chosen moment (tests, and a dry look at tomorrow)."""

    def __init__(self, start: dt.datetime) -> None:
        self._start = start
        self._origin = time.monotonic()

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._origin)


def seconds_until_open(schedule: ScheduleSpec, now: dt.datetime) -> float:
    """0 inside the window (or without a schedule), else the seconds until it opens."""
    if not schedule.enabled:
        return 0.0
    zone = schedule.zone()
    local = now.astimezone(zone) if zone is not None else now.astimezone()
    start = local.replace(
        hour=schedule.start.hour, minute=schedule.start.minute, second=0, microsecond=0
    )
    end = local.replace(hour=schedule.end.hour, minute=schedule.end.minute, second=0, microsecond=0)
    if schedule.start < schedule.end:
        if start <= local < end:
            return 0.0
        opens = start if local < start else start + dt.timedelta(days=1)
    else:  # across midnight: open from start until midnight and from midnight until end
        if local >= start or local < end:
            return 0.0
        opens = start
    return max(0.0, (opens - local).total_seconds())


def describe_window(schedule: ScheduleSpec) -> str:
    zone = f" {schedule.timezone}" if schedule.timezone else ""
    return f"{schedule.start:%H:%M}-{schedule.end:%H:%M}{zone}"
