"""Properties of the rules engine over arbitrary text (hypothesis)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from rtstation.config.model import Rule, RulesConfig
from rtstation.routing.rules import PlanFacts, evaluate
from rtstation.routing.settle import should_forward_now, waiting_text

any_text = st.text(max_size=40)
long_text = st.one_of(any_text, st.text(min_size=200, max_size=2000))
# Case folding is what "case-insensitive" means here; include letters whose folding is
# not one-to-one (ß, final sigma, dotted I, ligatures).
tricky_text = st.text(alphabet=st.sampled_from("aAbBßẞσςΣİıiIﬁ_- 0\x00\n"), max_size=12)
texts = st.one_of(any_text, tricky_text)
text_tuples = st.lists(texts, max_size=4).map(tuple)


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    return Rule(
        name=draw(long_text),
        enabled=draw(st.booleans()),
        source_aes=draw(text_tuples),
        target_nodes=draw(text_tuples),
        plan_label_match=draw(texts),
        plan_label_exclude=draw(texts),
        plan_label_regex=draw(texts),
        plan_name_regex=draw(texts),
        approved_only=draw(st.booleans()),
        treatment_machines=draw(text_tuples),
        plan_intents=draw(text_tuples),
        required_modalities=draw(text_tuples),
        machine_mapping=draw(st.lists(st.tuples(texts, texts), max_size=2).map(tuple)),
        anonymize=draw(st.booleans()),
        section=draw(texts),
    )


@st.composite
def plan_facts(draw: st.DrawFn) -> PlanFacts:
    return PlanFacts(
        plan_uid=draw(texts),
        patient_id=draw(texts),
        source_ae=draw(long_text),
        plan_label=draw(st.one_of(long_text, tricky_text)),
        plan_name=draw(long_text),
        approval_status=draw(texts),
        plan_intent=draw(texts),
        machines=draw(text_tuples),
        modalities=frozenset(draw(st.lists(texts, max_size=4))),
        complete=draw(st.booleans()),
        completeness_summary=draw(texts),
        missing=draw(text_tuples),
    )


def simple_rule(**kw: object) -> Rule:
    return Rule(name="R", target_nodes=("N",), **kw)  # type: ignore[arg-type]


def simple_facts(source_ae: str = "FOLLOW", label: str = "") -> PlanFacts:
    return PlanFacts(plan_uid="1", patient_id="P", source_ae=source_ae, plan_label=label)


@settings(max_examples=300, deadline=None)
@given(
    st.booleans(),
    st.lists(rules(), max_size=4),
    plan_facts(),
    st.booleans(),
)
def test_any_text_never_raises(
    enabled: bool, rule_list: list[Rule], facts: PlanFacts, settled: bool
) -> None:
    decision = evaluate(RulesConfig(rules_enabled=enabled, rules=tuple(rule_list)), facts)
    lines = decision.explanation()
    assert len(lines) == len(rule_list) + (not enabled) + (not rule_list)
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert len(decision.verdicts) == len(rule_list)
    for verdict in decision.verdicts:
        assert not (verdict.matched and verdict.waiting_for)
        verdict.summary()
    should_forward_now(decision, facts, settled)
    waiting_text(decision, facts)
    decision.to_event()
    if not enabled:
        assert decision.nodes == ()


@given(any_text)
def test_empty_label_match_matches_every_label(label: str) -> None:
    decision = evaluate(RulesConfig(rules=(simple_rule(),)), simple_facts(label=label))
    assert decision.nodes == ("N",)


@given(texts, texts.filter(lambda s: s.strip() != ""), texts)
def test_label_substring_is_case_insensitive(prefix: str, match: str, suffix: str) -> None:
    rule = simple_rule(plan_label_match=match)
    variants = {match, match.upper(), match.lower(), match.swapcase(), match.casefold()}
    for variant in variants:
        if variant.casefold() != match.casefold():
            continue  # e.g. "ı".upper() == "I", which folds to "i": not the same letter
        label = prefix + variant + suffix
        decision = evaluate(RulesConfig(rules=(rule,)), simple_facts(label=label))
        assert decision.nodes == ("N",), label


@given(texts, texts.filter(lambda s: s.strip() != ""), texts)
def test_excluded_substring_always_vetoes(prefix: str, exclude: str, suffix: str) -> None:
    rule = simple_rule(plan_label_exclude=exclude)
    label = prefix + exclude.swapcase() + suffix
    if exclude.swapcase().casefold() != exclude.casefold():
        return  # swapcase is not a case-insensitive identity for every character
    decision = evaluate(RulesConfig(rules=(rule,)), simple_facts(label=label))
    assert decision.nodes == ()


@given(long_text, text_tuples)
def test_star_source_matches_any_ae(ae: str, others: tuple[str, ...]) -> None:
    rule = simple_rule(source_aes=(*others, "*"))
    decision = evaluate(RulesConfig(rules=(rule,)), simple_facts(source_ae=ae))
    assert decision.nodes == ("N",)
    unset = simple_rule(source_aes=())
    assert evaluate(RulesConfig(rules=(unset,)), simple_facts(source_ae=ae)).nodes == ("N",)


@given(long_text, texts.filter(lambda s: s.strip() not in ("", "*")))
def test_source_ae_is_exact_after_trimming(ae: str, rule_ae: str) -> None:
    rule = simple_rule(source_aes=(rule_ae,))
    decision = evaluate(RulesConfig(rules=(rule,)), simple_facts(source_ae=ae))
    expected = ("N",) if ae.strip() == rule_ae.strip() else ()
    assert decision.nodes == expected
    padded = simple_facts(source_ae=f"  {rule_ae.strip()} ")
    assert evaluate(RulesConfig(rules=(rule,)), padded).nodes == ("N",)


@given(st.lists(rules(), max_size=6), plan_facts())
def test_nodes_are_unique_and_come_from_matching_rules(
    rule_list: list[Rule], facts: PlanFacts
) -> None:
    decision = evaluate(RulesConfig(rules=tuple(rule_list)), facts)
    keys = [node.casefold() for node in decision.nodes]
    assert len(keys) == len(set(keys))
    matched_targets = {n.strip() for v in decision.verdicts if v.matched for n in v.target_nodes}
    all_targets = {n.strip() for rule in rule_list for n in rule.target_nodes}
    assert set(decision.nodes) <= matched_targets <= all_targets | {""}
    assert all(node for node in decision.nodes)
    wanted = {n.strip().casefold() for n in matched_targets if n.strip()}
    assert set(keys) == wanted


@given(st.lists(rules(), min_size=1, max_size=4), plan_facts())
def test_rule_order_changes_only_the_explanation_order(
    rule_list: list[Rule], facts: PlanFacts
) -> None:
    forward = evaluate(RulesConfig(rules=tuple(rule_list)), facts)
    backward = evaluate(RulesConfig(rules=tuple(reversed(rule_list))), facts)
    assert {n.casefold() for n in forward.nodes} == {n.casefold() for n in backward.nodes}
    assert forward.explanation() == list(reversed(backward.explanation()))


@given(rules(), plan_facts())
def test_disabled_rule_never_matches(rule: Rule, facts: PlanFacts) -> None:
    off = replace(rule, enabled=False)
    verdict = evaluate(RulesConfig(rules=(off,)), facts).verdicts[0]
    assert not verdict.matched
    assert verdict.reasons[0] == "rule is disabled"
    assert verdict.waiting_for == ()
