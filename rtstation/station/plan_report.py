"""Why a plan was (not) forwarded, where it went and when, and what it still waits for.

The details panel of the GUI and ``rtstation rules why PLAN`` read one
:class:`PlanExplanation`: every rule's verdict with its reasons as codes (rendered in the
user's language by the caller; :mod:`rtstation.routing.reasons`), the sends of the plan
(node, trigger, queued / started / finished) and what an undecided plan waits for. The
verdicts come from the decision as it was stored when the rules decided (so they survive
a restart and show the rules that were in force then); a plan the rules never decided
(found by reindex, stored for a manual send, or decided before reasons were kept) is
evaluated with today's rules, and ``live`` says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from rtstation.routing.reasons import Reason, VerdictRecord
from rtstation.routing.rules import Decision
from rtstation.routing.send_queue import Job
from rtstation.routing.triggers import Trigger, parse_trigger
from rtstation.storage.decisions import PlanDecision


@dataclass(frozen=True)
class PlanSend:
    """One job of the plan."""

    job_id: int
    node: str
    trigger: Trigger
    state: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    sent: int
    total: int
    last_error: str


@dataclass(frozen=True)
class PlanExplanation:
    plan_uid: str
    decision: str  # "pending", "forwarded", "not-forwarded", or "" (never received)
    decided_at: str | None
    verdicts: tuple[VerdictRecord, ...]
    waiting: tuple[Reason, ...]
    sends: tuple[PlanSend, ...]
    live: bool

    @property
    def matched_rules(self) -> tuple[str, ...]:
        return tuple(v.rule_name for v in self.verdicts if v.matched and v.rule_name)

    def lines(self) -> list[str]:
        """English lines (CLI): the decision, each rule, the sends, what it waits for."""
        when = f" at {self.decided_at}" if self.decided_at else ""
        head = self.decision or "never decided by the rules"
        out = [f"Decision: {head}{when}" + (" (today's rules, not stored)" if self.live else "")]
        for v in self.verdicts:
            name = f'Rule "{v.rule_name}"' if v.rule_name else "Rules"
            reasons = "; ".join(r.text() for r in v.reasons)
            if v.matched:
                targets = ", ".join(v.target_nodes) or "(no target nodes)"
                out.append(f"  {name}: matched -> {targets}" + (f" ({reasons})" if reasons else ""))
            else:
                out.append(f"  {name}: not matched: {reasons}")
        if self.waiting:
            out.append("Waiting for: " + ", ".join(r.text() for r in self.waiting))
        for s in self.sends:
            out.append(
                f"  job {s.job_id} to {s.node} by {s.trigger.text()}: {s.state} {s.sent}/{s.total}"
            )
        return out


def explanation_of(
    plan_uid: str, row: PlanDecision | None, jobs: list[Job], live: Decision | None
) -> PlanExplanation:
    """Assemble the explanation; ``live`` is today's decision, used when none is stored."""
    verdicts: tuple[VerdictRecord, ...] = ()
    waiting: tuple[Reason, ...] = ()
    if row is not None and row.verdicts:
        try:
            data = json.loads(row.verdicts)
            verdicts = tuple(VerdictRecord.from_json(v) for v in data.get("verdicts", []))
            waiting = tuple(Reason.from_json(r) for r in data.get("waiting", []))
        except (ValueError, AttributeError, TypeError):
            verdicts = ()
    use_live = not verdicts and live is not None
    if use_live and live is not None:
        verdicts = live.records()
    sends = tuple(
        PlanSend(
            job_id=j.id,
            node=j.node,
            trigger=parse_trigger(j.source),
            state=j.state,
            created_at=j.created_at,
            started_at=j.started_at,
            finished_at=j.finished_at,
            sent=j.done,
            total=j.total,
            last_error=j.last_error,
        )
        for j in sorted(jobs, key=lambda job: job.id)
    )
    return PlanExplanation(
        plan_uid=plan_uid,
        decision=row.state if row else "",
        decided_at=row.decided_at if row else None,
        verdicts=verdicts,
        waiting=waiting,
        sends=sends,
        live=use_live,
    )
