"""How long to wait before the next attempt to reach a peer that failed.

Exponential so a peer that is down for the night is not hammered every few seconds, capped
so a peer that comes back is found again within ``cap`` seconds, and jittered so several
nodes (or several stations) that failed together do not all retry in the same instant.
Pure: the random source is passed in, so tests pin it.
"""

from __future__ import annotations

import logging
import random
from typing import Literal, Protocol

LOGGER = logging.getLogger(__name__)

Jitter = Literal["full", "equal", "none"]

_DEFAULT_RNG = random.Random()


class UniformSource(Protocol):
    """What :func:`next_delay` needs from a random generator (``random.Random`` fits)."""

    def uniform(self, a: float, b: float) -> float: ...


def next_delay(
    attempt: int,
    base: float,
    cap: float,
    rng: UniformSource | None = None,
    *,
    jitter: Jitter = "equal",
) -> float:
    """Seconds to wait after the ``attempt``-th failed attempt (1 = the first failure).

    The ceiling is ``min(cap, base * 2 ** (attempt - 1))``. "equal" jitter (the default)
    waits between half the ceiling and the ceiling, so there is always a real pause;
    "full" jitter waits anywhere between 0 and the ceiling (the AWS recommendation for
    many clients sharing one server); "none" waits exactly the ceiling.
    """
    if attempt < 1:
        raise ValueError(f"Attempt number '{attempt}' is invalid: must be 1 or more")
    if base < 0 or cap < 0:
        raise ValueError(f"Backoff base '{base}' and cap '{cap}' must not be negative")
    # 2 ** 60 seconds is far beyond any cap; stop the exponent before floats overflow.
    ceiling = min(cap, base * (2.0 ** min(attempt - 1, 60)))
    if jitter == "none" or ceiling == 0:
        return ceiling
    source = rng if rng is not None else _DEFAULT_RNG
    if jitter == "full":
        return source.uniform(0.0, ceiling)
    if jitter == "equal":
        return ceiling / 2.0 + source.uniform(0.0, ceiling / 2.0)
    raise ValueError(f"Jitter '{jitter}' is unknown: expected 'full', 'equal' or 'none'")
