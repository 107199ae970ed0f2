"""Exponential backoff with jitter, capped."""

from __future__ import annotations

import random

import pytest

from rtstation.routing.backoff import next_delay


class _Fixed:
    """A random source that always returns the same fraction of the range."""

    def __init__(self, fraction: float) -> None:
        self.fraction = fraction

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.fraction


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, 10.0), (2, 20.0), (3, 40.0), (4, 80.0), (5, 100.0), (50, 100.0), (10_000, 100.0)],
)
def test_no_jitter_doubles_up_to_the_cap(attempt: int, expected: float) -> None:
    assert next_delay(attempt, 10.0, 100.0, jitter="none") == expected


@pytest.mark.parametrize("fraction", [0.0, 0.5, 1.0])
def test_equal_jitter_stays_between_half_and_the_ceiling(fraction: float) -> None:
    rng = _Fixed(fraction)
    assert next_delay(3, 10.0, 100.0, rng) == pytest.approx(20.0 + 20.0 * fraction)


@pytest.mark.parametrize("fraction", [0.0, 0.25, 1.0])
def test_full_jitter_spans_zero_to_the_ceiling(fraction: float) -> None:
    rng = _Fixed(fraction)
    assert next_delay(3, 10.0, 100.0, rng, jitter="full") == pytest.approx(40.0 * fraction)


def test_real_rng_respects_bounds_for_many_attempts() -> None:
    rng = random.Random(7)
    for attempt in range(1, 40):
        ceiling = min(300.0, 2.0 * 2 ** (attempt - 1))
        equal = next_delay(attempt, 2.0, 300.0, rng)
        full = next_delay(attempt, 2.0, 300.0, rng, jitter="full")
        assert ceiling / 2 <= equal <= ceiling
        assert 0 <= full <= ceiling


def test_default_rng_is_used_when_none_given() -> None:
    assert 5.0 <= next_delay(1, 10.0, 100.0) <= 10.0


def test_zero_base_means_no_wait() -> None:
    assert next_delay(3, 0.0, 100.0) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"attempt": 0}, "Attempt number '0' is invalid: must be 1 or more"),
        ({"base": -1.0}, "must not be negative"),
        ({"jitter": "wild"}, "Jitter 'wild' is unknown"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"attempt": 1, "base": 1.0, "cap": 10.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        next_delay(**args)  # type: ignore[arg-type]
