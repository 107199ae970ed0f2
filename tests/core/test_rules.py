"""The rules engine (pure) and the rules.ini watcher.

The seed scenario is DICOM RT Station's: forward Ethos adaptive plans (label contains
"ADP") sent by FOLLOW, and everything imported from a folder.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from rtstation.config.model import IMPORT_FOLDER_AE, Rule, RulesConfig
from rtstation.dicom import sop
from rtstation.dicom.headers import BeamInfo, InstanceHeader
from rtstation.dicom.rt_tree import build_tree
from rtstation.errors import ConfigError
from rtstation.events import RuleDecision
from rtstation.routing.rules import (
    RULE_DISABLED,
    RULES_SWITCHED_OFF,
    Decision,
    PlanFacts,
    RuleVerdict,
    evaluate,
)
from rtstation.routing.rules_watch import RulesWatcher

ETHOS = Rule(
    name="Ethos ADP Plans",
    source_aes=("FOLLOW",),
    target_nodes=("ORGANO", "QA"),
    plan_label_match="ADP",
)
IMPORTS = Rule(
    name="Import Folder Rule",
    source_aes=(IMPORT_FOLDER_AE,),
    target_nodes=("ORGANO",),
    plan_label_match="",
)


def facts(source_ae: str = "FOLLOW", label: str = "ADP_Pelvis", **kw: object) -> PlanFacts:
    values: dict[str, object] = {
        "plan_uid": "1.2.3.4",
        "patient_id": "PAT1",
        "source_ae": source_ae,
        "plan_label": label,
        "plan_name": "Pelvis adaptive",
        "approval_status": "APPROVED",
        "plan_intent": "CURATIVE",
        "machines": ("Ethos1",),
        "modalities": frozenset({"CT", "RTSTRUCT", "RTPLAN", "RTDOSE"}),
        "complete": True,
        "completeness_summary": "CT 142/142, RS, RD",
    }
    values.update(kw)
    return PlanFacts(**values)  # type: ignore[arg-type]


def decide(*rules: Rule, plan: PlanFacts, enabled: bool = True) -> Decision:
    return evaluate(RulesConfig(rules_enabled=enabled, rules=rules), plan)


# -- the seed scenario ------------------------------------------------------------------


def test_follow_adp_plan_goes_to_both_nodes() -> None:
    decision = decide(ETHOS, plan=facts("FOLLOW", "ADP_Pelvis"))
    assert decision.nodes == ("ORGANO", "QA")
    verdict = decision.verdicts[0]
    assert verdict.matched
    assert verdict.rule is ETHOS
    assert verdict.summary() == "matched: source AE FOLLOW, label 'ADP_Pelvis' contains 'ADP'"
    assert decision.explanation() == ['Rule "Ethos ADP Plans": matched -> ORGANO, QA']


def test_scheduled_plan_is_not_forwarded_because_of_its_label() -> None:
    decision = decide(ETHOS, plan=facts("FOLLOW", "Pelvis_sched"))
    assert decision.nodes == ()
    assert decision.verdicts[0].reasons == ("label 'Pelvis_sched' does not contain 'ADP'",)
    assert decision.explanation() == [
        "Rule \"Ethos ADP Plans\": not matched: label 'Pelvis_sched' does not contain 'ADP'"
    ]


def test_other_source_ae_is_not_forwarded() -> None:
    decision = decide(ETHOS, plan=facts("ECLIPSE", "ADP_Head"))
    assert decision.nodes == ()
    assert decision.explanation() == [
        'Rule "Ethos ADP Plans": not matched: source AE ECLIPSE is not FOLLOW'
    ]


def test_every_failing_reason_is_listed() -> None:
    decision = decide(ETHOS, plan=facts("ECLIPSE", "Head_sched"))
    assert decision.verdicts[0].reasons == (
        "source AE ECLIPSE is not FOLLOW",
        "label 'Head_sched' does not contain 'ADP'",
    )
    assert decision.explanation() == [
        'Rule "Ethos ADP Plans": not matched: source AE ECLIPSE is not FOLLOW; '
        "label 'Head_sched' does not contain 'ADP'"
    ]


def test_import_folder_rule_with_empty_label_matches_every_import() -> None:
    for label in ("ADP_Pelvis", "Pelvis_sched", ""):
        decision = decide(ETHOS, IMPORTS, plan=facts(IMPORT_FOLDER_AE, label))
        assert decision.nodes == ("ORGANO",)
        assert [v.matched for v in decision.verdicts] == [False, True]
    received = decide(IMPORTS, plan=facts("FOLLOW", "Anything"))
    assert received.nodes == ()
    assert received.verdicts[0].reasons == ("source AE FOLLOW is not IMPORT_FOLDER",)


def test_node_named_by_two_rules_appears_once_in_first_seen_order() -> None:
    other = Rule(name="Archive", target_nodes=("ARCHIVE", "organo ", "QA"))
    decision = decide(ETHOS, other, plan=facts())
    assert decision.nodes == ("ORGANO", "QA", "ARCHIVE")
    assert decide(other, ETHOS, plan=facts()).nodes == ("ARCHIVE", "organo", "QA")


def test_rules_switched_off_globally() -> None:
    decision = decide(ETHOS, IMPORTS, plan=facts(), enabled=False)
    assert decision.nodes == ()
    assert all(v.reasons == (RULES_SWITCHED_OFF,) for v in decision.verdicts)
    assert decision.explanation() == [
        "All rules are switched off in rules.ini [General] rules_enabled.",
        'Rule "Ethos ADP Plans": not matched: '
        "all rules are switched off in rules.ini [General] rules_enabled",
        'Rule "Import Folder Rule": not matched: '
        "all rules are switched off in rules.ini [General] rules_enabled",
    ]


def test_disabled_rule_says_so_and_what_else_fails() -> None:
    rule = replace(ETHOS, enabled=False)
    assert decide(rule, plan=facts()).verdicts[0].reasons == (RULE_DISABLED,)
    verdict = decide(rule, plan=facts("ECLIPSE")).verdicts[0]
    assert verdict.reasons == (RULE_DISABLED, "source AE ECLIPSE is not FOLLOW")
    assert not verdict.matched


def test_no_rules_at_all() -> None:
    decision = decide(plan=facts())
    assert decision.nodes == ()
    assert decision.explanation() == ["No forwarding rules are configured in rules.ini."]


def test_decision_becomes_an_event() -> None:
    event = decide(ETHOS, plan=facts()).to_event()
    assert isinstance(event, RuleDecision)
    assert event.plan_uid == "1.2.3.4"
    assert event.matched_nodes == ("ORGANO", "QA")
    assert event.explanation == ('Rule "Ethos ADP Plans": matched -> ORGANO, QA',)


# -- source AE --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source_aes", "ae", "matched"),
    [
        ((), "ANYONE", True),
        (("*",), "ANYONE", True),
        (("FOLLOW", "*"), "", True),
        (("FOLLOW", "ECLIPSE"), "ECLIPSE", True),
        ((" FOLLOW ",), "FOLLOW  ", True),
        (("FOLLOW",), "follow", False),  # AE titles are case-sensitive
        (("FOLLOW",), "FOLLOW2", False),
        (("FOLLOW",), "", False),
    ],
)
def test_source_ae_semantics(source_aes: tuple[str, ...], ae: str, matched: bool) -> None:
    rule = Rule(name="R", source_aes=source_aes, target_nodes=("N",))
    assert decide(rule, plan=facts(ae)).verdicts[0].matched is matched


def test_source_ae_reasons() -> None:
    rule = Rule(name="R", source_aes=("FOLLOW", "ETHOS"), target_nodes=("N",))
    assert decide(rule, plan=facts("ECLIPSE")).verdicts[0].reasons == (
        "source AE ECLIPSE is not one of FOLLOW, ETHOS",
    )
    assert decide(rule, plan=facts("")).verdicts[0].reasons == (
        "source AE (empty) is not one of FOLLOW, ETHOS",
    )
    anyone = Rule(name="R", source_aes=("*",), target_nodes=("N",))
    assert decide(anyone, plan=facts("X")).verdicts[0].reasons == (
        "source AE X (any source accepted)",
    )


# -- label match and exclude ------------------------------------------------------------


def test_label_match_is_a_case_insensitive_substring() -> None:
    rule = Rule(name="R", plan_label_match="adp", target_nodes=("N",))
    assert decide(rule, plan=facts(label="Pelvis_ADP_2")).nodes == ("N",)
    assert decide(rule, plan=facts(label="Pelvis")).nodes == ()


def test_label_exclude_vetoes() -> None:
    rule = Rule(name="R", plan_label_match="ADP", plan_label_exclude="qa", target_nodes=("N",))
    assert decide(rule, plan=facts(label="ADP_Pelvis")).nodes == ("N",)
    vetoed = decide(rule, plan=facts(label="ADP_QA"))
    assert vetoed.nodes == ()
    assert vetoed.verdicts[0].reasons == ("label 'ADP_QA' contains the excluded 'qa'",)


# -- regular expressions ----------------------------------------------------------------


def test_label_regex() -> None:
    rule = Rule(name="R", plan_label_regex=r"^adp_\w+$", target_nodes=("N",))
    assert decide(rule, plan=facts(label="ADP_Pelvis")).nodes == ("N",)
    miss = decide(rule, plan=facts(label="x ADP_Pelvis"))
    assert miss.verdicts[0].reasons == (
        "label 'x ADP_Pelvis' does not match plan_label_regex '^adp_\\w+$'",
    )


def test_name_regex() -> None:
    rule = Rule(name="R", plan_name_regex="ADAPTIVE", target_nodes=("N",))
    assert decide(rule, plan=facts(plan_name="Pelvis adaptive")).nodes == ("N",)
    assert decide(rule, plan=facts(plan_name="Pelvis")).nodes == ()


@pytest.mark.parametrize("pattern", ["[", "(?P<a>x)(?P<a>y)", "a{2,1}", "*", "(" * 200])
def test_invalid_regex_never_raises_and_says_why(pattern: str) -> None:
    rule = Rule(name="R", plan_label_regex=pattern, plan_name_regex=pattern, target_nodes=("N",))
    verdict = decide(rule, plan=facts()).verdicts[0]
    assert not verdict.matched
    assert len(verdict.reasons) == 2
    assert verdict.reasons[0].startswith("plan_label_regex '")
    assert "is not a valid regular expression (" in verdict.reasons[0]
    assert verdict.reasons[1].startswith("plan_name_regex '")
    assert verdict.waiting_for == ()


# -- approval, machines, intent ---------------------------------------------------------


def test_approved_only() -> None:
    rule = Rule(name="R", approved_only=True, target_nodes=("N",))
    assert decide(rule, plan=facts(approval_status="APPROVED")).nodes == ("N",)
    assert decide(rule, plan=facts(approval_status=" approved ")).nodes == ("N",)
    assert decide(rule, plan=facts(approval_status="UNAPPROVED")).verdicts[0].reasons == (
        "approval status is UNAPPROVED, rule requires APPROVED",
    )
    assert decide(rule, plan=facts(approval_status="")).verdicts[0].reasons == (
        "approval status is (empty), rule requires APPROVED",
    )


def test_treatment_machines() -> None:
    rule = Rule(name="R", treatment_machines=("TrueBeam1", "ETHOS1"), target_nodes=("N",))
    assert decide(rule, plan=facts(machines=("Ethos1",))).nodes == ("N",)
    assert decide(rule, plan=facts(machines=("Halcyon", "truebeam1"))).nodes == ("N",)
    assert decide(rule, plan=facts(machines=("Halcyon",))).verdicts[0].reasons == (
        "treatment machine Halcyon is not one of TrueBeam1, ETHOS1",
    )
    assert decide(rule, plan=facts(machines=())).verdicts[0].reasons == (
        "plan names no treatment machine, rule requires one of TrueBeam1, ETHOS1",
    )


def test_plan_intents() -> None:
    rule = Rule(name="R", plan_intents=("CURATIVE", "PALLIATIVE"), target_nodes=("N",))
    assert decide(rule, plan=facts(plan_intent="curative")).nodes == ("N",)
    assert decide(rule, plan=facts(plan_intent="VERIFICATION")).verdicts[0].reasons == (
        "plan intent VERIFICATION is not one of CURATIVE, PALLIATIVE",
    )


# -- required modalities ----------------------------------------------------------------


def test_required_dose_present_matches() -> None:
    rule = replace(ETHOS, required_modalities=("RTDOSE",))
    decision = decide(rule, plan=facts())
    assert decision.nodes == ("ORGANO", "QA")
    assert decision.verdicts[0].reasons[-1] == "RTDOSE present"


def test_required_dose_missing_waits() -> None:
    rule = replace(ETHOS, required_modalities=("RTDOSE",))
    decision = decide(rule, plan=facts(modalities=frozenset({"CT", "RTPLAN"})))
    verdict = decision.verdicts[0]
    assert not verdict.matched
    assert verdict.reasons == ("no dose yet (rule requires RTDOSE)",)
    assert verdict.waiting_for == ("a dose (rule requires RTDOSE)",)
    assert verdict.missing_modalities == ("RTDOSE",)
    assert decision.waiting_for == ("a dose (rule requires RTDOSE)",)
    assert decision.explanation() == [
        'Rule "Ethos ADP Plans": not matched: no dose yet (rule requires RTDOSE)'
    ]


def test_rule_failing_otherwise_waits_for_nothing() -> None:
    rule = replace(ETHOS, required_modalities=("RTDOSE", "RTSTRUCT"))
    verdict = decide(rule, plan=facts("ECLIPSE", modalities=frozenset({"RTPLAN"}))).verdicts[0]
    assert verdict.reasons == (
        "source AE ECLIPSE is not FOLLOW",
        "no dose yet (rule requires RTDOSE)",
        "no structure set yet (rule requires RTSTRUCT)",
    )
    assert verdict.waiting_for == ()
    assert verdict.missing_modalities == ()


HOT_CHECK = Rule(
    name="Dose check",
    target_nodes=("ORGANO",),
    metrics_condition="dmax_gy <= 1.1 * prescription_gy",
)


def test_metrics_condition_holds_with_the_reason_in_words() -> None:
    metrics = {"dmax_gy": 58.0, "prescription_gy": 55.0}
    verdict = evaluate(RulesConfig(rules=(HOT_CHECK,)), facts(metrics=metrics)).verdicts[0]
    assert verdict.matched
    assert "Dmax 58 Gy is at most 110% of the prescription 55 Gy" in verdict.reasons


def test_metrics_condition_fails_with_the_reason_in_words() -> None:
    metrics = {"dmax_gy": 64.2, "prescription_gy": 55.0}
    decision = evaluate(RulesConfig(rules=(HOT_CHECK,)), facts(metrics=metrics))
    assert decision.nodes == () and not decision.waits_for_metrics
    assert decision.explanation() == [
        'Rule "Dose check": not matched: Dmax 64.2 Gy is above 110% of the prescription 55 Gy'
    ]


def test_missing_metrics_are_waited_for_only_when_nothing_else_fails() -> None:
    config = RulesConfig(
        rules=(HOT_CHECK, replace(HOT_CHECK, name="FOLLOW only", source_aes=("FOLLOW",)))
    )
    decision = evaluate(config, facts(source_ae="ECLIPSE"))
    waiting, wrong_source = decision.verdicts
    assert waiting.waits_for_metrics and decision.waits_for_metrics
    assert waiting.waiting_for == ("the plan's metrics (rule has a metrics_condition)",)
    assert "the plan's metrics are not computed yet" in waiting.reasons[-1]
    assert not wrong_source.waits_for_metrics and wrong_source.waiting_for == ()


def test_metrics_that_will_not_come_are_not_waited_for() -> None:
    note = "the plan's metrics were not computed within 300 s"
    verdict = evaluate(RulesConfig(rules=(HOT_CHECK,)), facts(metrics_note=note)).verdicts[0]
    assert not verdict.matched and not verdict.waits_for_metrics
    assert verdict.reasons == (note,)


def test_an_unreadable_metrics_condition_never_raises_and_says_why() -> None:
    rule = replace(HOT_CHECK, metrics_condition="dmax > 3")
    verdict = evaluate(RulesConfig(rules=(rule,)), facts(metrics={"dmax_gy": 1.0})).verdicts[0]
    assert not verdict.matched and not verdict.waits_for_metrics
    assert verdict.reasons[0].startswith("metrics_condition 'dmax > 3' cannot be used: ")
    assert "unknown field 'dmax'" in verdict.reasons[0]


def test_explanation_lines_follow_rule_order() -> None:
    rules = (
        ETHOS,
        IMPORTS,
        Rule(name="Off", enabled=False, target_nodes=("X",)),
    )
    decision = decide(*rules, plan=facts("FOLLOW", "ADP_Pelvis"))
    assert decision.explanation() == [
        'Rule "Ethos ADP Plans": matched -> ORGANO, QA',
        'Rule "Import Folder Rule": not matched: source AE FOLLOW is not IMPORT_FOLDER',
        'Rule "Off": not matched: rule is disabled',
    ]
    assert [v.rule_name for v in decision.matched] == ["Ethos ADP Plans"]


def test_odd_text_is_escaped_and_shortened_in_reasons() -> None:
    label = "ADP\nline2\x00" + "x" * 500
    rule = Rule(name="R\n2", plan_label_match="nomatch", target_nodes=("N",))
    lines = decide(rule, plan=facts("EV\tIL", label)).explanation()
    assert len(lines) == 1
    assert "\n" not in lines[0]
    assert "\\n" in lines[0]
    assert len(lines[0]) < 400


def test_verdict_summary_not_matched() -> None:
    verdict = RuleVerdict(rule_name="R", matched=False, reasons=("a", "b"), target_nodes=())
    assert verdict.summary() == "not matched: a; b"


# -- facts from a real RT tree ----------------------------------------------------------


def _header(uid: str, modality: str, sop_class: str, **kw: object) -> InstanceHeader:
    return InstanceHeader(
        path="",
        sop_class_uid=sop_class,
        sop_instance_uid=uid,
        modality=modality,
        patient_id="PAT1",
        frame_of_reference_uid="1.9",
        **kw,  # type: ignore[arg-type]
    )


def test_facts_from_bundle() -> None:
    ct = "1.2.840.10008.5.1.4.1.1.2"
    slices = [_header(f"1.5.{i}", "CT", ct, series_instance_uid="1.6") for i in range(3)]
    structure = _header(
        "1.7",
        "RTSTRUCT",
        sop.RT_STRUCTURE_SET,
        referenced_image_uids=("1.5.0", "1.5.1", "1.5.2", "1.5.3"),
        referenced_series_uids=("1.6",),
    )
    beam = BeamInfo(
        number=1,
        name="B1",
        machine="Ethos1",
        machine_model="",
        radiation_type="PHOTON",
        energy="6 MV",
        meterset=100.0,
        treatment_delivery_type="TREATMENT",
    )
    plan = _header(
        "1.8",
        "RTPLAN",
        sop.RT_PLAN,
        plan_label="ADP_Pelvis",
        plan_name="Pelvis",
        approval_status="APPROVED",
        plan_intent="CURATIVE",
        beams=(beam,),
        referenced_structure_set_uids=("1.7",),
    )
    bundle = build_tree([*slices, structure, plan]).plans[0]
    plan_facts = PlanFacts.from_bundle(bundle, "FOLLOW")
    assert plan_facts.plan_uid == "1.8"
    assert plan_facts.patient_id == "PAT1"
    assert plan_facts.source_ae == "FOLLOW"
    assert plan_facts.plan_label == "ADP_Pelvis"
    assert plan_facts.machines == ("Ethos1",)
    assert plan_facts.modalities == frozenset({"CT", "RTSTRUCT", "RTPLAN"})
    assert not plan_facts.complete
    assert plan_facts.missing == ("CT 3/4",)
    assert plan_facts.completeness_summary == "CT 3/4, RS, no dose"


# -- the rules.ini watcher --------------------------------------------------------------


class _Recorder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.loads = 0
        self.changes: list[RulesConfig] = []
        self.errors: list[str] = []
        self.changed = threading.Event()
        self.failed = threading.Event()

    def load(self) -> RulesConfig:
        """A stand-in for load_rules: one rule per line, "broken" makes it fail."""
        self.loads += 1
        text = self.path.read_text(encoding="utf-8")
        if "broken" in text:
            raise ConfigError(f"rules.ini line '{text.strip()}' is broken, fix it.")
        names = [line.strip() for line in text.splitlines() if line.strip()]
        return RulesConfig(rules=tuple(Rule(name=n) for n in names))

    def on_change(self, config: RulesConfig) -> None:
        self.changes.append(config)
        self.changed.set()

    def on_error(self, message: str) -> None:
        self.errors.append(message)
        self.failed.set()

    def watcher(self, poll_seconds: float = 60.0) -> RulesWatcher:
        return RulesWatcher(self.path, self.load, self.on_change, self.on_error, poll_seconds)


def _names(config: RulesConfig) -> list[str]:
    return [rule.name for rule in config.rules]


def test_watcher_reloads_on_content_change_only(tmp_path: Path) -> None:
    path = tmp_path / "rules.ini"
    path.write_text("A\n", encoding="utf-8")
    rec = _Recorder(path)
    watcher = rec.watcher()
    assert watcher.reload_now() is not None
    assert _names(rec.changes[-1]) == ["A"]
    watcher.poll()
    assert rec.loads == 1  # unchanged content: nothing to do
    path.write_text("A\n", encoding="utf-8")  # new mtime, same content
    watcher.poll()
    assert rec.loads == 1
    path.write_text("A\nB\n", encoding="utf-8")
    watcher.poll()
    assert _names(rec.changes[-1]) == ["A", "B"]
    assert _names(watcher.current or RulesConfig()) == ["A", "B"]
    assert rec.errors == []


def test_watcher_keeps_last_good_rules_and_reports_once(tmp_path: Path) -> None:
    path = tmp_path / "rules.ini"
    path.write_text("A\n", encoding="utf-8")
    rec = _Recorder(path)
    watcher = rec.watcher()
    watcher.reload_now()
    path.write_text("broken\n", encoding="utf-8")
    watcher.poll()  # could be a half-written save: not reported yet
    assert rec.errors == []
    watcher.poll()  # still the same: report it
    assert rec.errors == ["rules.ini line 'broken' is broken, fix it."]
    assert watcher.last_error == rec.errors[0]
    watcher.poll()
    assert watcher.reload_now() is None
    assert len(rec.errors) == 1  # once per distinct broken content
    assert _names(watcher.current or RulesConfig()) == ["A"]
    assert len(rec.changes) == 1
    path.write_text("broken again\n", encoding="utf-8")
    assert watcher.reload_now() is None  # an explicit reload reports at once
    assert rec.errors[-1] == "rules.ini line 'broken again' is broken, fix it."
    path.write_text("C\n", encoding="utf-8")
    watcher.poll()
    assert _names(rec.changes[-1]) == ["C"]
    assert watcher.last_error == ""


def test_watcher_half_written_save_raises_no_alarm(tmp_path: Path) -> None:
    path = tmp_path / "rules.ini"
    path.write_text("A\n", encoding="utf-8")
    rec = _Recorder(path)
    watcher = rec.watcher()
    watcher.reload_now()
    path.write_text("broken\n", encoding="utf-8")
    watcher.poll()
    path.write_text("A\nB\n", encoding="utf-8")
    watcher.poll()
    assert rec.errors == []
    assert _names(rec.changes[-1]) == ["A", "B"]


def test_watcher_survives_failing_callbacks_and_unexpected_errors(tmp_path: Path) -> None:
    path = tmp_path / "rules.ini"
    path.write_text("A\n", encoding="utf-8")

    def explode(_: object) -> None:
        raise RuntimeError("subscriber bug")

    calls: list[str] = []

    def bad_loader() -> RulesConfig:
        calls.append("load")
        raise KeyError("surprise")

    watcher = RulesWatcher(path, bad_loader, explode, calls.append, poll_seconds=60)
    assert watcher.reload_now() is None
    assert calls[-1].startswith("rules.ini could not be loaded (KeyError")
    ok = RulesWatcher(path, lambda: RulesConfig(), explode, calls.append, poll_seconds=60)
    assert ok.reload_now() == RulesConfig()


def test_watcher_thread_picks_up_edits(tmp_path: Path) -> None:
    path = tmp_path / "rules.ini"
    path.write_text("A\n", encoding="utf-8")
    rec = _Recorder(path)
    watcher = rec.watcher(poll_seconds=0.02).start()
    try:
        assert rec.changed.wait(5)
        assert _names(rec.changes[-1]) == ["A"]
        rec.changed.clear()
        path.write_text("A\nB\n", encoding="utf-8")
        assert rec.changed.wait(5)
        assert _names(rec.changes[-1]) == ["A", "B"]
        path.write_text("broken\n", encoding="utf-8")
        assert rec.failed.wait(5)
        assert rec.errors == ["rules.ini line 'broken' is broken, fix it."]
        assert _names(watcher.current or RulesConfig()) == ["A", "B"]
    finally:
        watcher.stop()
    assert watcher._thread is None


def test_watcher_start_without_loading(tmp_path: Path) -> None:
    path = tmp_path / "rules.ini"
    path.write_text("A\n", encoding="utf-8")
    rec = _Recorder(path)
    watcher = rec.watcher(poll_seconds=60).start(load_now=False)
    try:
        assert rec.loads == 0
        watcher.poll()
        assert rec.loads == 0
    finally:
        watcher.stop()


def test_watcher_rejects_bad_poll_interval(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        RulesWatcher(tmp_path / "r.ini", RulesConfig, print, print, poll_seconds=0)


# -- end to end with the real rules.ini loader ------------------------------------------

SEED_RULES_INI = """\
[General]
rules_enabled = True

[Rule1]
name = Ethos ADP Plans
enabled = True
source_ae = FOLLOW
target_nodes = ORGANO, QA
plan_label_match = ADP

[Rule2]
name = Import Folder Rule
enabled = True
source_ae = IMPORT_FOLDER
target_nodes = ORGANO
plan_label_match =
"""


def test_seed_rules_ini_end_to_end(tmp_path: Path) -> None:
    from rtstation.config import load_rules
    from rtstation.config.model import Node, Settings

    settings = Settings(
        storage_folder=str(tmp_path / "store"),
        import_folder=str(tmp_path / "import"),
        nodes=(Node("ORGANO", "ORGANO", "127.0.0.1", 104), Node("QA", "QA", "127.0.0.1", 105)),
    )
    path = tmp_path / "rules.ini"
    path.write_text(SEED_RULES_INI, encoding="utf-8")
    rec = _Recorder(path)
    watcher = RulesWatcher(
        path, lambda: load_rules(path, settings), rec.on_change, rec.on_error, poll_seconds=60
    )
    config = watcher.reload_now()
    assert config is not None
    assert evaluate(config, facts("FOLLOW", "ADP_Pelvis")).nodes == ("ORGANO", "QA")
    assert evaluate(config, facts("FOLLOW", "Pelvis_sched")).nodes == ()
    assert evaluate(config, facts(IMPORT_FOLDER_AE, "Pelvis_sched")).nodes == ("ORGANO",)
    assert evaluate(config, facts("ECLIPSE", "ADP_Head")).explanation() == [
        'Rule "Ethos ADP Plans": not matched: source AE ECLIPSE is not FOLLOW',
        'Rule "Import Folder Rule": not matched: source AE ECLIPSE is not IMPORT_FOLDER',
    ]

    path.write_text(SEED_RULES_INI + "plan_label_regex = [\n", encoding="utf-8")
    try:
        load_rules(path, settings)
    except ConfigError as exc:
        expected = str(exc)
    else:  # pragma: no cover - the loader must refuse an invalid regex
        pytest.fail("load_rules accepted an invalid regular expression")
    assert watcher.reload_now() is None
    assert rec.errors == [expected]
    assert watcher.current == config


def test_a_backtracking_regex_on_a_senders_plan_name_gives_up_in_a_fraction_of_a_second():
    """Found by an adversarial review: ``^(a|a)+$`` against a plan name of 34 letters and a
    "!" kept the rules busy for minutes (the standard re cannot be interrupted); the
    name is the sender's choice. The search now stops and the rule says why."""
    rule = Rule(name="ReDoS", target_nodes=("TPS",), plan_name_regex="^(a|a)+$")
    facts = PlanFacts(
        plan_uid="1.2.3", patient_id="P", source_ae="TPS", plan_label="L", plan_name="a" * 34 + "!"
    )
    started = time.monotonic()
    decision = evaluate(RulesConfig(rules=(rule,)), facts)
    assert time.monotonic() - started < 30  # minutes before; 0.1 s of searching now
    [verdict] = decision.verdicts
    assert not verdict.matched
    assert "backtracks" in verdict.summary()
