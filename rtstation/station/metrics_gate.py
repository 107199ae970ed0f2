"""Rules that look at plan metrics: hand the rules the metrics, and wait for them, bounded.

A rule with a ``metrics_condition`` can only be decided once the plan's metrics describe
its current dose and structure set. The metrics thread computes them shortly after the
data is stored, but a settled patient could otherwise be decided a moment before that,
and a rule like "forward only when Dmax <= 110 % of the prescription" would then not
match for no reason of its own. So a plan whose patient has settled while a rule waits
for its metrics stays pending, for at most ``metrics_wait_seconds``; when the metrics
come the forwarder is told (:meth:`AutoForwarder.metrics_ready`) and decides at once;
when the wait is over the plan is decided without them, and the rule's reason says so.

The gate keeps only the deadlines of plans that wait; a restart re-arms the settle timer
of every pending plan, and the wait starts again when the patient settles.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from rtstation.dicom.rt_tree import PlanBundle
from rtstation.routing.rules import Decision, PlanFacts

MetricsRow = Callable[[PlanBundle], Mapping[str, Any] | None]


class MetricsGate:
    """Thread-safe: the settle timer, association threads and the metrics thread call in."""

    def __init__(
        self,
        row_of: MetricsRow,
        wait_seconds: Callable[[], float],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._row_of = row_of
        self._wait_seconds = wait_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._deadlines: dict[str, tuple[float, str]] = {}  # plan -> (deadline, patient)

    def facts(self, facts: PlanFacts, bundle: PlanBundle) -> PlanFacts:
        """``facts`` with the plan's current metrics, or the note that they will not come."""
        row = self._row_of(bundle)
        if row is not None:
            return replace(facts, metrics=row)
        with self._lock:
            entry = self._deadlines.get(bundle.uid)
        if entry is not None and self._clock() >= entry[0]:
            return replace(facts, metrics_note=self._overdue_note())
        return facts

    def hold(self, bundle: PlanBundle, decision: Decision, settled: bool) -> str:
        """The waiting text when a settled plan must still wait for its metrics, else "".

        The first call for a settled plan starts its wait; a decision that no longer
        waits for metrics ends it.
        """
        with self._lock:
            if not decision.waits_for_metrics:
                self._deadlines.pop(bundle.uid, None)
                return ""
            if not settled:
                return ""
            deadline = self._deadlines.setdefault(
                bundle.uid, (self._clock() + self._wait_seconds(), bundle.patient_id)
            )[0]
        if self._clock() >= deadline:
            return ""
        return "waiting: metrics being computed"

    def awaiting(self, plan_uid: str) -> bool:
        """The plan's patient has settled and only its metrics are missing."""
        with self._lock:
            return plan_uid in self._deadlines

    def overdue(self) -> list[str]:
        """Patients with a plan whose wait for metrics is over (each once)."""
        now = self._clock()
        with self._lock:
            return sorted({p for deadline, p in self._deadlines.values() if now >= deadline})

    def _overdue_note(self) -> str:
        return (
            f"the plan's metrics were not computed within {self._wait_seconds():g} s "
            "(settings.ini [Metrics] metrics_wait_seconds): the metrics_condition cannot "
            "be checked"
        )
