"""The send history over a date range, with per-rule counts, as CSV and JSON.

The audit and reporting the DICOM RT Station roadmap asks for: every job queued in the
range (trigger, patient, plan, node, queued / started / finished times, outcome) and, per
rule, how many plans it forwarded, how many of its sends failed, and how many plans it
skipped (decided in the range and the rule did not match). Manual sends count under
"manual". The GUI's export and ``rtstation history`` write the same files from here.

Counting is by plan, not by job: a plan sent to two nodes by one rule is one forwarded
plan; a follow-up job (a dose that came later) counts for the rules that forwarded the
plan. A plan counts as failed for a rule when any job of it by that rule ended failed.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rtstation.routing.history import HistoryEntry
from rtstation.routing.reasons import VerdictRecord
from rtstation.routing.triggers import MANUAL
from rtstation.storage.decisions import PlanDecision

CSV_COLUMNS = (
    "job",
    "queued",
    "started",
    "finished",
    "patient_id",
    "plan_label",
    "plan_uid",
    "node",
    "trigger",
    "rules",
    "state",
    "sent",
    "skipped",
    "failed",
    "total",
    "reason",
)


@dataclass
class RuleCounts:
    """Plans per rule: forwarded (a job done), failed (a job failed), skipped (not matched)."""

    rule: str
    forwarded: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "forwarded": len(self.forwarded),
            "failed": len(self.failed),
            "skipped": len(self.skipped),
        }


@dataclass(frozen=True)
class HistoryReport:
    since: datetime | None
    until: datetime | None
    entries: tuple[HistoryEntry, ...]
    rules: tuple[RuleCounts, ...]

    def rows(self) -> list[dict[str, Any]]:
        """One dict per job, keys :data:`CSV_COLUMNS`, times as local ISO 8601 texts."""
        return [
            {
                "job": e.job_id,
                "queued": local_time(e.created_at),
                "started": local_time(e.started_at),
                "finished": local_time(e.finished_at),
                "patient_id": e.patient_id,
                "plan_label": e.plan_label,
                "plan_uid": e.plan_uid,
                "node": e.node,
                "trigger": e.trigger.kind,
                "rules": ", ".join(e.trigger.rules),
                "state": e.state,
                "sent": e.sent,
                "skipped": e.skipped,
                "failed": e.failed,
                "total": e.total,
                "reason": e.last_error,
            }
            for e in self.entries
        ]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows())
        out.write("\n")
        counts = csv.DictWriter(
            out, fieldnames=("rule", "forwarded", "failed", "skipped"), lineterminator="\n"
        )
        counts.writeheader()
        counts.writerows(r.as_dict() for r in self.rules)
        return out.getvalue()

    def to_json(self) -> str:
        return json.dumps(
            {
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None,
                "jobs": self.rows(),
                "rules": [r.as_dict() for r in self.rules],
            },
            indent=2,
            ensure_ascii=False,
        )


def local_time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds).astimezone().isoformat(timespec="seconds")


def build_report(
    since: datetime | None,
    until: datetime | None,
    entries: list[HistoryEntry],
    decisions: list[PlanDecision],
) -> HistoryReport:
    """Per-rule counts from the jobs and the decisions taken in the range."""
    counts: dict[str, RuleCounts] = {}

    def rule(name: str) -> RuleCounts:
        return counts.setdefault(name, RuleCounts(name))

    for entry in entries:
        names = entry.trigger.rules if entry.trigger.kind != MANUAL else (MANUAL,)
        key = entry.plan_uid or f"job {entry.job_id}"
        for name in names:
            if entry.state == "done":
                rule(name).forwarded.add(key)
            elif entry.state == "failed":
                rule(name).failed.add(key)
    for decision in decisions:
        for verdict in stored_verdicts(decision.verdicts):
            if verdict.rule_name and not verdict.matched:
                rule(verdict.rule_name).skipped.add(decision.plan_uid)
    ordered = sorted(counts.values(), key=lambda c: (c.rule == MANUAL, c.rule.casefold()))
    return HistoryReport(since, until, tuple(entries), tuple(ordered))


def stored_verdicts(text: str) -> list[VerdictRecord]:
    """The verdicts kept with a decision (empty for decisions older than the codes)."""
    if not text:
        return []
    try:
        return [VerdictRecord.from_json(v) for v in json.loads(text).get("verdicts", [])]
    except (ValueError, AttributeError, TypeError):
        return []


def utc_text(moment: datetime | None, default: str) -> str:
    """A moment as the ISO 8601 UTC text the decision store compares with."""
    if moment is None:
        return default
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")
