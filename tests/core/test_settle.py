"""The settle tracker and the forward-now decision, on a fake clock (no sleeping)."""

from __future__ import annotations

import threading

import pytest

from rtstation.config.model import Rule, RulesConfig
from rtstation.routing.rules import PlanFacts, evaluate
from rtstation.routing.settle import (
    SettleTracker,
    should_forward_now,
    waiting_text,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tracker(clock: FakeClock) -> SettleTracker:
    return SettleTracker(30, clock=clock)


def test_patient_is_due_after_a_quiet_period(tracker: SettleTracker, clock: FakeClock) -> None:
    tracker.instance_arrived("P1", key="a1")
    tracker.association_ended("a1", ["P1"])
    clock.advance(29.9)
    assert tracker.due() == []
    clock.advance(0.1)
    assert tracker.due() == ["P1"]


def test_due_reports_once_per_quiet_period(tracker: SettleTracker, clock: FakeClock) -> None:
    tracker.instance_arrived("P1")
    clock.advance(31)
    assert tracker.due() == ["P1"]
    assert tracker.due() == []
    clock.advance(1000)
    assert tracker.due() == []


def test_new_arrival_re_arms_the_timer(tracker: SettleTracker, clock: FakeClock) -> None:
    tracker.instance_arrived("P1")
    clock.advance(20)
    tracker.instance_arrived("P1")
    clock.advance(20)
    assert tracker.due() == []  # 20 s since the last arrival
    clock.advance(10)
    assert tracker.due() == ["P1"]
    # A late dose after settling starts a new quiet period, reported once more.
    clock.advance(5)
    tracker.instance_arrived("P1")
    clock.advance(29)
    assert tracker.due() == []
    clock.advance(1)
    assert tracker.due() == ["P1"]


def test_open_association_blocks_settling(tracker: SettleTracker, clock: FakeClock) -> None:
    tracker.instance_arrived("P1", key="a1")
    clock.advance(300)  # a slow sender: still open, nothing new for minutes
    assert tracker.due() == []
    tracker.association_ended("a1", ["P1"])
    clock.advance(29)
    assert tracker.due() == []  # the quiet period starts when the association ends
    clock.advance(1)
    assert tracker.due() == ["P1"]


def test_one_of_two_associations_still_open(tracker: SettleTracker, clock: FakeClock) -> None:
    tracker.instance_arrived("P1", key="ct")
    tracker.instance_arrived("P1", key="plan")
    tracker.association_ended("plan", ["P1"])
    clock.advance(60)
    assert tracker.due() == []
    tracker.association_ended("ct", ["P1"])
    clock.advance(30)
    assert tracker.due() == ["P1"]


def test_association_of_another_patient_does_not_block(
    tracker: SettleTracker, clock: FakeClock
) -> None:
    tracker.instance_arrived("P1", key="a1")
    tracker.instance_arrived("P2")  # an import
    clock.advance(30)
    assert tracker.due() == ["P2"]


def test_patients_are_independent(tracker: SettleTracker, clock: FakeClock) -> None:
    tracker.instance_arrived("P1")
    clock.advance(10)
    tracker.instance_arrived("P2")
    clock.advance(20)
    assert tracker.due() == ["P1"]
    clock.advance(5)
    tracker.instance_arrived("P1")
    clock.advance(5)
    assert tracker.due() == ["P2"]
    clock.advance(24)
    assert tracker.due() == []  # P1's new period: 29 of 30 s
    clock.advance(1)
    assert tracker.due() == ["P1"]


def test_due_lists_oldest_first_and_accepts_a_time(
    tracker: SettleTracker, clock: FakeClock
) -> None:
    tracker.instance_arrived("B")
    clock.advance(1)
    tracker.instance_arrived("A")
    assert tracker.due(now=clock.now + 28) == []
    assert tracker.due(now=clock.now + 29) == ["B"]
    assert tracker.due(now=clock.now + 40) == ["A"]
    tracker.instance_arrived("D")
    clock.advance(1)
    tracker.instance_arrived("C")
    assert tracker.due(now=clock.now + 100) == ["D", "C"]


def test_association_ended_without_arrivals(tracker: SettleTracker, clock: FakeClock) -> None:
    tracker.association_ended("never-started", ["P9"])
    clock.advance(30)
    assert tracker.due() == ["P9"]
    tracker.association_ended("never-started-either")
    assert tracker.due() == []


def test_forget_drops_settled_state_only(tracker: SettleTracker, clock: FakeClock) -> None:
    tracker.instance_arrived("P1", key="a1")
    tracker.forget("P1")  # still busy: kept, so it still settles when its association ends
    tracker.association_ended("a1")
    clock.advance(30)
    assert tracker.due() == ["P1"]
    tracker.forget("P1")
    # Forgotten: a new arrival starts from scratch, with no association left open.
    tracker.instance_arrived("P1")
    clock.advance(30)
    assert tracker.due() == ["P1"]


def test_zero_settle_seconds_and_negative(clock: FakeClock) -> None:
    tracker = SettleTracker(0, clock=clock)
    tracker.instance_arrived("P1")
    assert tracker.due() == ["P1"]
    with pytest.raises(ValueError):
        SettleTracker(-1, clock=clock)


def test_thread_safety_smoke(clock: FakeClock) -> None:
    tracker = SettleTracker(5, clock=clock)

    def deliver(n: int) -> None:
        key = f"assoc{n}"
        for _ in range(200):
            tracker.instance_arrived(f"P{n}", key=key)
            tracker.due()
        tracker.association_ended(key, [f"P{n}"])

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    clock.advance(5)
    assert sorted(tracker.due()) == sorted(f"P{n}" for n in range(8))


# -- forward now, or wait? --------------------------------------------------------------

ADP = Rule(name="ADP", source_aes=("FOLLOW",), target_nodes=("ORGANO",), plan_label_match="ADP")
ADP_DOSE = Rule(
    name="QA with dose",
    source_aes=("FOLLOW",),
    target_nodes=("QA",),
    plan_label_match="ADP",
    required_modalities=("RTDOSE",),
)


def plan(*, complete: bool = True, dose: bool = True, missing: tuple[str, ...] = ()) -> PlanFacts:
    modalities = {"CT", "RTSTRUCT", "RTPLAN"} | ({"RTDOSE"} if dose else set())
    return PlanFacts(
        plan_uid="1.2",
        patient_id="P1",
        source_ae="FOLLOW",
        plan_label="ADP_Pelvis",
        modalities=frozenset(modalities),
        complete=complete,
        completeness_summary=("CT 142/142" if complete else "CT 139/142")
        + ", RS, "
        + ("RD" if dose else "no dose"),
        missing=missing,
    )


def config(*rules: Rule) -> RulesConfig:
    return RulesConfig(rules=rules)


def test_complete_plan_is_forwarded_at_once() -> None:
    facts = plan()
    decision = evaluate(config(ADP, ADP_DOSE), facts)
    assert should_forward_now(decision, facts, settled=False) == (True, "")
    assert decision.nodes == ("ORGANO", "QA")


def test_incomplete_plan_waits_and_says_for_what() -> None:
    facts = plan(complete=False, dose=False, missing=("CT 139/142",))
    decision = evaluate(config(ADP, ADP_DOSE), facts)
    assert should_forward_now(decision, facts, settled=False) == (
        False,
        "waiting: CT 139/142, dose missing",
    )


def test_complete_plan_waits_for_a_rule_that_needs_a_dose() -> None:
    facts = plan(dose=False)
    decision = evaluate(config(ADP, ADP_DOSE), facts)
    assert decision.nodes == ("ORGANO",)
    assert should_forward_now(decision, facts, settled=False) == (False, "waiting: dose missing")


def test_at_settle_time_what_is_there_is_forwarded_per_rule() -> None:
    facts = plan(complete=False, dose=False, missing=("CT 139/142",))
    decision = evaluate(config(ADP, ADP_DOSE), facts)
    # The rule without a dose requirement forwards; the one that needs a dose does not.
    assert should_forward_now(decision, facts, settled=True) == (True, "")
    assert decision.nodes == ("ORGANO",)
    only_dose_rule = evaluate(config(ADP_DOSE), facts)
    assert should_forward_now(only_dose_rule, facts, settled=True) == (False, "")


def test_nothing_matches_nothing_waits() -> None:
    facts = plan()
    decision = evaluate(config(Rule(name="X", source_aes=("ECLIPSE",), target_nodes=("N",))), facts)
    assert should_forward_now(decision, facts, settled=False) == (False, "")


def test_waiting_text_falls_back_to_the_summary() -> None:
    facts = plan(complete=False)  # built by hand without ``missing``
    decision = evaluate(config(ADP), facts)
    assert waiting_text(decision, facts) == "waiting: CT 139/142, RS, RD"
    assert should_forward_now(decision, facts, settled=False) == (
        False,
        "waiting: CT 139/142, RS, RD",
    )
