"""The rules' regular expressions: ``re``'s syntax, searched with a time limit.

The ``regex`` module (its VERSION0 is the standard ``re``'s syntax and meaning) because its
searches take a timeout: an administrator's ``^(a|a)+$`` against a plan name of 34 letters
and a "!" kept ``re`` busy for minutes, and the name is the sender's choice. Patterns are
still checked with ``re`` first: its syntax is the contract (``regex`` accepts more, such
as two groups of one name).
"""

from __future__ import annotations

import functools
import logging
import re

import regex

LOGGER = logging.getLogger(__name__)

#: How long one rule regex may search one plan label or name (a sane one takes microseconds).
REGEX_SECONDS = 0.1
BACKTRACKS = f"it took longer than {REGEX_SECONDS:g} s on this text: it backtracks"


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> regex.Pattern[str] | str:
    """The compiled pattern (case-insensitive), or why it does not compile (cached)."""
    try:
        re.compile(pattern, re.IGNORECASE)
        return regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)
    except (re.error, regex.error, OverflowError, RecursionError, ValueError, MemoryError) as exc:
        LOGGER.warning("Rule regular expression %r does not compile: %s", pattern, exc)
        return str(exc)


def found_in(compiled: regex.Pattern[str], text: str) -> bool:
    """Whether ``compiled`` occurs in ``text``; TimeoutError after :data:`REGEX_SECONDS`."""
    return compiled.search(text, timeout=REGEX_SECONDS) is not None
