"""What made a send job: a person, a rule, or a follow-up of a rule's job (late arrival).

The queue stores it as the job's ``source`` text (``manual``, ``rule: ADP, QA``,
``follow-up: ADP``), which stays readable in ``rtstation queue`` and in old databases;
:func:`parse_trigger` turns it back into a kind and the rule names, so the history can
count per rule and a user interface can say "by rule ADP" in its own language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rtstation.routing.rules import Decision

MANUAL = "manual"
RULE = "rule"
FOLLOW_UP = "follow-up"
_RULE_PREFIX = "rule: "
_FOLLOW_UP_PREFIX = "follow-up: "
_OLD_LATE_ARRIVAL = "rule: late arrival"  # what releases before the history wrote


@dataclass(frozen=True)
class Trigger:
    """``kind`` is MANUAL, RULE or FOLLOW_UP; ``rules`` the rule names (may be empty)."""

    kind: str
    rules: tuple[str, ...] = ()

    def text(self) -> str:
        """English, for tables and CSV: ``manual``, ``rule ADP``, ``follow-up of rule ADP``."""
        names = ", ".join(self.rules)
        if self.kind == RULE:
            return f"rule {names}" if names else "rule"
        if self.kind == FOLLOW_UP:
            return f"follow-up of rule {names}" if names else "follow-up (late arrival)"
        return self.kind


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def parse_trigger(source: str) -> Trigger:
    """The trigger a job's ``source`` stands for; anything unknown counts as manual."""
    if source == _OLD_LATE_ARRIVAL:
        return Trigger(FOLLOW_UP)
    if source.startswith(_FOLLOW_UP_PREFIX):
        return Trigger(FOLLOW_UP, _names(source[len(_FOLLOW_UP_PREFIX) :]))
    if source.startswith(_RULE_PREFIX):
        return Trigger(RULE, _names(source[len(_RULE_PREFIX) :]))
    return Trigger(MANUAL)


def rule_trigger(decision: Decision) -> str:
    """The ``source`` of the jobs a decision queues: the names of its matching rules."""
    return _RULE_PREFIX + ", ".join(v.rule_name for v in decision.matched)


def follow_up_trigger(verdicts_json: str) -> str:
    """The ``source`` of a follow-up job: the rules that forwarded the plan, from the
    verdicts stored with its decision (``follow-up: `` alone for older decisions)."""
    try:
        verdicts = json.loads(verdicts_json).get("verdicts", []) if verdicts_json else []
        names = [str(v.get("rule", "")) for v in verdicts if v.get("matched")]
    except (ValueError, AttributeError):
        names = []
    return _FOLLOW_UP_PREFIX + ", ".join(n for n in names if n)
