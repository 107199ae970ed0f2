"""When has a patient's delivery finished? And may a plan be forwarded yet?

A planning system sends a plan as a burst: CT slices, the structure set, the plan, the
doses, often over several associations and in no guaranteed order. The RT reference tree
can tell when a plan is complete *by its references*, but not whether a dose is still on
its way, and some exports reference slices that never come. So the station waits for
quiet: :class:`SettleTracker` keeps, per patient, the time of the last activity and the
associations that are still delivering for that patient. A patient is *due* once nothing
new has arrived for ``settle_seconds`` after the last of its associations ended.

:func:`should_forward_now` combines that with a rules :class:`Decision`: forward as soon
as the plan is complete and no rule is still waiting for a modality, or else when the
patient has settled, with whatever is there (a rule whose required modality never came
does not match at that point, so it does not forward).

Time comes from an injected clock (``time.monotonic`` by default) so tests drive it with a
fake clock and never sleep. Every method takes the tracker's lock: the receiver's
association threads, the import thread and the station's timer all call in.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from rtstation.routing.rules import Decision, PlanFacts, modality_noun

LOGGER = logging.getLogger(__name__)


@dataclass
class _PatientState:
    last_activity: float
    armed: bool = True  # due() has not reported this quiet period yet
    open_associations: set[Hashable] = field(default_factory=set)


class SettleTracker:
    """Per-patient quiet-period timers, thread-safe.

    ``key`` identifies one association (any hashable: an id, the association object).
    Folder imports call :meth:`instance_arrived` without a key; their timer simply runs
    from the last file.
    """

    def __init__(self, settle_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if settle_seconds < 0:
            raise ValueError(f"settle_seconds must be 0 or more, not {settle_seconds!r}")
        self.settle_seconds = float(settle_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._patients: dict[str, _PatientState] = {}
        self._associations: dict[Hashable, set[str]] = {}

    def instance_arrived(self, patient_id: str, key: Hashable | None = None) -> None:
        """An instance of ``patient_id`` was stored; restart the patient's timer.

        ``key`` is the association that delivered it, so the patient cannot settle while
        that association is still open.
        """
        with self._lock:
            now = self._clock()
            state = self._arm(patient_id, now)
            if key is not None:
                self._associations.setdefault(key, set()).add(patient_id)
                state.open_associations.add(key)

    def association_ended(self, key: Hashable, patient_ids: Iterable[str] = ()) -> None:
        """The association was released or aborted; its patients' quiet period starts now."""
        with self._lock:
            now = self._clock()
            delivered = self._associations.pop(key, set()) | set(patient_ids)
            for patient_id in delivered:
                state = self._arm(patient_id, now)
                state.open_associations.discard(key)

    def due(self, now: float | None = None) -> list[str]:
        """Patients whose quiet period has just ended, each once per quiet period.

        Oldest activity first. A new arrival re-arms the patient.
        """
        with self._lock:
            now = self._clock() if now is None else now
            ready = [
                (state.last_activity, patient_id)
                for patient_id, state in self._patients.items()
                if state.armed
                and not state.open_associations
                and now - state.last_activity >= self.settle_seconds
            ]
            ready.sort()
            for _, patient_id in ready:
                self._patients[patient_id].armed = False
            return [patient_id for _, patient_id in ready]

    def forget(self, patient_id: str) -> None:
        """Drop a settled patient's state once the station has handled it."""
        with self._lock:
            state = self._patients.get(patient_id)
            if state is not None and not state.armed:
                del self._patients[patient_id]

    def _arm(self, patient_id: str, now: float) -> _PatientState:
        """Start (or continue) the patient's busy period; a settled patient starts afresh."""
        state = self._patients.get(patient_id)
        if state is None:
            state = self._patients[patient_id] = _PatientState(last_activity=now)
        elif not state.armed:
            state.armed = True
        state.last_activity = max(state.last_activity, now)
        return state


def should_forward_now(decision: Decision, facts: PlanFacts, settled: bool) -> tuple[bool, str]:
    """``(forward, waiting_text)`` for one plan.

    * Complete by references (``facts.complete``) and no rule waiting for a modality:
      forward to ``decision.nodes`` now, if there are any.
    * Otherwise, once the patient has settled: forward what is there, even incomplete, to
      the nodes of the rules that match at that point (the decision must be evaluated at
      settle time: a rule whose required modality never came is then not matched).
    * Otherwise wait; the text says for what, e.g. ``waiting: CT 139/142, dose missing``.

    ``forward`` is False when no rule matches; ``waiting_text`` is then "" unless the
    plan is still waiting for something.
    """
    complete_now = facts.complete and not decision.waiting_for
    if complete_now or settled:
        return bool(decision.nodes), ""
    return False, waiting_text(decision, facts)


def waiting_text(decision: Decision, facts: PlanFacts) -> str:
    """What a plan waits for, in words, or "" when it waits for nothing."""
    parts: list[str] = []
    if not facts.complete:
        parts.extend(facts.missing or (facts.completeness_summary or "references missing",))
    parts.extend(f"{modality_noun(m)} missing" for m in decision.missing_modalities)
    if decision.waits_for_metrics:
        parts.append("metrics being computed")
    return "waiting: " + ", ".join(parts) if parts else ""
