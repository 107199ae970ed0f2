"""Unattended forwarding: when a plan is complete (or its patient settled), ask the rules.

The flow (docs/architecture.md, "The flow of one plan"): every stored instance restarts its
patient's settle timer; when an association ends, the patient's plans are re-derived from
the RT reference tree. A plan whose bundle is complete by its references *and* has a
dose is decided at once; otherwise it waits until nothing new arrived for the patient for
``settle_seconds`` after the last association ended, and is decided with what is there.
A rule that requires a modality still missing at that point does not match.

Each plan is decided once; the decision, with the explanation of every rule, is kept in
the catalog (and the audit table), so a restart neither forgets a waiting plan nor sends a
decided one again. Instances that arrive for a plan already forwarded (a late dose) are
forwarded on their own to the nodes that got the plan; a node whose plan job was cancelled
or failed gets nothing more until a person sends the plan again.

The forwarder is told what arrived (by :class:`rtstation.station.receiving.Receiving`) and
hands the jobs it wants to a :class:`Dispatcher`; it knows nothing of the Station.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import replace

from rtstation.config import RulesConfig
from rtstation.dicom.rt_tree import PlanBundle
from rtstation.events import EventBus, PlanChanged, StationProblem
from rtstation.routing.reasons import Reason
from rtstation.routing.rules import Decision, PlanFacts, evaluate, modality_noun
from rtstation.routing.settle import SettleTracker, should_forward_now
from rtstation.routing.triggers import follow_up_trigger, rule_trigger
from rtstation.station.anonymized import NewPatient
from rtstation.station.dispatch import Dispatcher
from rtstation.station.metrics_gate import MetricsGate
from rtstation.storage.catalog import Catalog
from rtstation.storage.decisions import FORWARDED, NOT_FORWARDED, PENDING, DecisionStore

LOGGER = logging.getLogger(__name__)


def plan_facts(bundle: PlanBundle, source_ae: str) -> PlanFacts:
    """Rule facts of a bundle, strict about what "complete now" means.

    The RT reference tree calls a plan complete when nothing it references is missing. For
    forwarding at once we also want its dose and a structure set: a plan that references
    no structure set (or has no dose yet) may still be followed by them, so it waits for
    the settle period instead.
    """
    facts = PlanFacts.from_bundle(bundle, source_ae)
    missing = list(facts.missing)
    if bundle.completeness.structure_set == "none":
        missing.append("no structure set")
    if not bundle.doses:
        missing.append("dose missing")
    if len(missing) != len(facts.missing):
        facts = replace(facts, complete=False, missing=tuple(missing))
    return facts


class AutoForwarder:
    """Applies the rules to plans as they arrive; thread-safe, driven by :meth:`tick`."""

    def __init__(
        self,
        catalog: Catalog,
        decisions: DecisionStore,
        rules: Callable[[], RulesConfig],
        dispatcher: Dispatcher,
        bus: EventBus,
        settle_seconds: float,
    ) -> None:
        self.catalog = catalog
        self.decisions = decisions
        self._rules = rules
        self.dispatcher = dispatcher
        self.bus = bus
        self.settle = SettleTracker(settle_seconds)
        # Set by the station: the plans' metrics for rules with a metrics_condition.
        self.metrics_gate: MetricsGate | None = None
        self._lock = threading.RLock()

    # -- inputs ---------------------------------------------------------------------------

    def instance_arrived(self, patient_id: str, key: Hashable | None) -> None:
        self.settle.instance_arrived(patient_id, key=key)

    def association_ended(self, key: Hashable, patient_ids: Iterable[str]) -> None:
        self.settle.association_ended(key, patient_ids)

    def plan_arrived(self, plan_uid: str, patient_id: str, source_ae: str) -> None:
        """A received or imported RTPLAN is stored: from now on the rules owe it a decision.

        Called before the C-STORE is answered, so a crash right after the answer still
        leaves a pending plan that :meth:`resume` picks up; calling it again for a plan
        that has its row changes nothing. Plans stored any other way (``send PATH``,
        ``reindex``) get no row and are never forwarded by a rule.
        """
        self.decisions.add_pending(plan_uid, patient_id, source_ae)

    def patients_changed(self, patient_ids: Iterable[str], *, settled: bool) -> None:
        """New data for these patients is in the catalog: decide what can be decided."""
        for patient_id in patient_ids:
            self._evaluate_patient(patient_id, settled=settled)

    def resume(self) -> None:
        """At startup: patients with undecided plans get a fresh settle period."""
        for patient_id in self.decisions.pending_patients():
            LOGGER.info("Resuming forwarding decisions for patient %s after a restart", patient_id)
            self.settle.instance_arrived(patient_id)

    def tick(self) -> None:
        """Decide the plans of every patient whose settle period has just ended.

        A patient whose evaluation failed gets a new settle period, so it is tried again.
        """
        for patient_id in self.settle.due():
            try:
                self._evaluate_patient(patient_id, settled=True)
            except Exception:
                LOGGER.exception(
                    "Forwarding decision for patient %s failed; trying again", patient_id
                )
                self.settle.instance_arrived(patient_id)
                continue
            self.settle.forget(patient_id)
            # The one record that the settle-time decision was taken, also when it was
            # "nothing to send" (no row changes then): the log reader, and the tests, can
            # tell "decided not to send" from "not decided yet".
            LOGGER.info(
                "Patient %s settled (nothing new for %g s): its plans are decided",
                patient_id,
                self.settle.settle_seconds,
            )
        for patient_id in self.metrics_gate.overdue() if self.metrics_gate else ():
            try:
                self._evaluate_patient(patient_id, settled=True)
            except Exception:
                LOGGER.exception(
                    "Deciding patient %s without its plans' metrics failed", patient_id
                )

    def metrics_ready(self, plan_uid: str, patient_id: str) -> None:
        """The metrics thread stored a plan's metrics: decide it if it waited for them."""
        row = self.decisions.get(plan_uid)
        if row is None or row.state != PENDING:
            return
        gate = self.metrics_gate
        self._evaluate_patient(patient_id, settled=gate is not None and gate.awaiting(plan_uid))

    # -- deciding ---------------------------------------------------------------------------

    def explain(self, bundle: PlanBundle, rules: RulesConfig | None = None) -> Decision:
        """The rules' verdict on a plan as it is now, without sending anything."""
        source = self.catalog.source_of(bundle.uid)
        return evaluate(rules or self._rules(), self._facts(bundle, source))

    def _facts(self, bundle: PlanBundle, source: str) -> PlanFacts:
        facts = plan_facts(bundle, source)
        return self.metrics_gate.facts(facts, bundle) if self.metrics_gate else facts

    def _evaluate_patient(self, patient_id: str, *, settled: bool) -> None:
        with self._lock:
            for bundle in self.catalog.refresh_plans(patient_id):
                self._evaluate_plan(bundle, settled=settled)
                self.bus.publish(PlanChanged(bundle.uid, patient_id))

    def _evaluate_plan(self, bundle: PlanBundle, *, settled: bool) -> None:
        decision_row = self.decisions.get(bundle.uid)
        if decision_row is None:
            return  # never received or imported (reindex, send PATH): not ours to forward
        plan_hash = self._plan_hash(bundle)
        if decision_row.state == FORWARDED:
            if decision_row.plan_hash and plan_hash != decision_row.plan_hash:
                self._plan_changed_after_forward(bundle, plan_hash)
            else:
                self._forward_late_arrivals(bundle, decision_row.nodes, decision_row.verdicts)
            return
        if decision_row.state != PENDING:
            return
        source = decision_row.source_ae or self.catalog.source_of(bundle.uid)
        facts = self._facts(bundle, source)
        decision = evaluate(self._rules(), facts)
        held = self.metrics_gate.hold(bundle, decision, settled) if self.metrics_gate else ""
        if held:
            self.decisions.set_waiting(bundle.uid, held)
            return
        forward, waiting = should_forward_now(decision, facts, settled)
        complete_now = facts.complete and not decision.waiting_for
        if forward:
            # Jobs first, decision after: a crash in between leaves the plan pending, and
            # deciding it again finds the jobs already there (nothing is sent twice).
            for nodes, mapping, patient in _nodes_by_action(decision):
                self.dispatcher.enqueue_bundle(
                    bundle,
                    nodes,
                    rule_trigger(decision),
                    machine_mapping=mapping,
                    anonymize=patient,
                )
            self._record(bundle, decision, FORWARDED, settled, plan_hash, facts)
        elif settled or complete_now:
            self._record(bundle, decision, NOT_FORWARDED, settled, plan_hash, facts)
        else:
            self.decisions.set_waiting(bundle.uid, waiting, verdicts_json(decision, bundle, facts))

    def _plan_hash(self, bundle: PlanBundle) -> str:
        instance = self.catalog.get(bundle.uid)
        return instance.content_hash if instance is not None else ""

    def _plan_changed_after_forward(self, bundle: PlanBundle, plan_hash: str) -> None:
        """A forwarded plan came again with other content: tell people, never auto-send it.

        The new version may be a re-approval or a mistake; forwarding it unattended to a
        treatment system is exactly what a physicist must decide, so it waits for a click.
        """
        label = bundle.plan.plan_label or bundle.uid
        message = (
            f"Plan {label} was received again with other content after it was forwarded; "
            "the new version is not forwarded automatically: check it and send it by hand"
        )
        LOGGER.warning("%s", message)
        self.catalog.audit("plan-changed", plan_uid=bundle.uid, detail=message)
        self.decisions.set_plan_hash(bundle.uid, plan_hash)  # say it once per new version
        self.bus.publish(StationProblem(message, f"RTPLAN {bundle.uid}"))

    def _record(
        self,
        bundle: PlanBundle,
        decision: Decision,
        state: str,
        settled: bool,
        plan_hash: str,
        facts: PlanFacts,
    ) -> None:
        explanation = decision.explanation()
        when = "after the patient settled" if settled else "complete by its references"
        label = bundle.plan.plan_label or bundle.uid
        verdicts = verdicts_json(decision, bundle, facts, waiting=False)
        self.decisions.decide(bundle.uid, state, decision.nodes, explanation, plan_hash, verdicts)
        LOGGER.info(
            "Plan %s (%s) %s: %s",
            label,
            when,
            f"forwarded to {', '.join(decision.nodes)}" if decision.nodes else "not forwarded",
            "; ".join(explanation),
        )
        for line in explanation:
            self.catalog.audit("rule", plan_uid=bundle.uid, detail=line)
        self.bus.publish(decision.to_event())

    def _forward_late_arrivals(
        self, bundle: PlanBundle, nodes: tuple[str, ...], verdicts: str
    ) -> None:
        """Send what is new to the nodes that got the plan (a dose that came later).

        Only instances other than the plan itself: the plan went with the first job (as a
        machine-mapped or anonymized copy where a rule asked for one) and is never sent
        again unattended; a node that got it anonymized gets the follow-up anonymized.
        Nothing goes to a node whose plan job was cancelled or failed, and nothing any
        earlier job of the plan had for a node is sent again (the dispatcher's ``only_new``).
        """
        if nodes:
            trigger = follow_up_trigger(verdicts)
            self.dispatcher.enqueue_bundle(bundle, nodes, trigger, only_new=True)


def _nodes_by_action(
    decision: Decision,
) -> list[tuple[tuple[str, ...], dict[str, str], NewPatient | None]]:
    """Group the decision's nodes by the actions their matching rules ask for: a machine
    mapping, and anonymization as a new patient (None: not anonymized).

    A node named by two matching rules gets the union of their mappings (first rule wins
    on a conflict), and still only one job. It is anonymized when any of them says so,
    as the first such rule's new patient: an anonymizing rule never sends originals.
    """
    mapping_of: dict[str, dict[str, str]] = {node: {} for node in decision.nodes}
    patient_of: dict[str, NewPatient | None] = {node: None for node in decision.nodes}
    folded = {node.casefold(): node for node in decision.nodes}
    for verdict in decision.matched:
        rule = verdict.rule
        pairs = dict(rule.machine_mapping) if rule is not None else {}
        for target in verdict.target_nodes:
            node = folded.get(target.strip().casefold())
            if node is None:
                continue
            for old, new in pairs.items():
                mapping_of[node].setdefault(old, new)
            if rule is not None and rule.anonymize and patient_of[node] is None:
                patient_of[node] = NewPatient(
                    rule.anonymize_patient_id, rule.anonymize_patient_name
                )
    groups: dict[tuple[tuple[tuple[str, str], ...], NewPatient | None], list[str]] = {}
    for node in decision.nodes:
        key = (tuple(sorted(mapping_of[node].items())), patient_of[node])
        groups.setdefault(key, []).append(node)
    return [(tuple(nodes), dict(pairs), patient) for (pairs, patient), nodes in groups.items()]


def waiting_reasons(decision: Decision, bundle: PlanBundle, facts: PlanFacts) -> list[Reason]:
    """What an undecided plan still waits for, as reason codes (see :func:`plan_facts`)."""
    reasons: list[Reason] = []
    if not facts.complete:
        done = bundle.completeness
        if done.missing_image_uids:
            have = max(done.images_expected - done.missing_images, 0)
            expected = done.images_expected
            reasons.append(
                Reason.of("wait_images", modality=done.image_modality, have=have, expected=expected)
            )
        if done.structure_set == "missing":
            reasons.append(Reason.of("wait_structure_set"))
        elif done.structure_set == "none":
            reasons.append(Reason.of("wait_no_structure_set"))
        if not bundle.doses:
            reasons.append(Reason.of("wait_dose"))
        if not reasons:
            reasons.append(Reason.of("wait_references"))
    reasons.extend(
        Reason.of("wait_modality", noun=modality_noun(m), modality=m)
        for m in decision.missing_modalities
    )
    return reasons


def verdicts_json(
    decision: Decision, bundle: PlanBundle, facts: PlanFacts, *, waiting: bool = True
) -> str:
    """The decision's verdicts (and, while undecided, what it waits for) as stored JSON."""
    return json.dumps(
        {
            "verdicts": [r.to_json() for r in decision.records()],
            "waiting": [r.to_json() for r in waiting_reasons(decision, bundle, facts)]
            if waiting
            else [],
        }
    )
