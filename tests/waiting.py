"""Waiting in tests for what proves a step happened, instead of sleeping a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(
    predicate: Callable[[], bool],
    what: str = "the condition",
    *,
    timeout: float = 30.0,
    interval: float = 0.01,
    detail: Callable[[], str] = str,
) -> None:
    """Poll ``predicate`` until it holds; after ``timeout`` seconds fail, naming ``what``
    and adding ``detail()`` (a station's log, say) for the reader."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            extra = detail()
            raise AssertionError(f"timed out waiting for {what}" + (f"\n{extra}" if extra else ""))
        time.sleep(interval)
