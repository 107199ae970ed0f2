"""Decide which nodes a plan goes to, and say why, rule by rule.

The rules engine is a pure function, :func:`evaluate`, from the rules (``RulesConfig``) and
a few facts about one plan (:class:`PlanFacts`) to a :class:`Decision`. It does no I/O and
keeps no state except a cache of compiled regular expressions, so the station can call it
on any thread, the GUI can preview a rule against a plan before saving it, and the tests
need no files. A physicist asking "why did this plan (not) go to ORGANO?" gets an answer
for every rule, with every reason, from :meth:`Decision.explanation`.

Semantics, exactly:

* ``rules_enabled = False`` in rules.ini [General]: no rule matches; the only reason is
  "all rules are switched off in rules.ini [General] rules_enabled".
* A rule with ``enabled = False`` does not match ("rule is disabled"); its other conditions
  are still evaluated and listed, so the explanation says whether it *would* match.
* Source AE: the plan's source (the calling AE title of the association that sent the plan,
  or ``IMPORT_FOLDER`` for folder imports) equals one of the rule's ``source_aes`` exactly,
  after trimming spaces on both sides, case-sensitively, as DICOM compares AE titles. An
  empty list, or one containing ``*``, accepts any source. The loader splits the ini's
  comma list into the tuple; entries are compared as they are and never split again.
* ``plan_label_match``: case-insensitive (``str.casefold``) substring of RTPlanLabel;
  empty (or only spaces) matches every plan, as in DICOM RT Station.
* ``plan_label_exclude``: case-insensitive substring of RTPlanLabel that vetoes the rule;
  empty (or only spaces) vetoes nothing.
* ``plan_label_regex`` / ``plan_name_regex``: a case-insensitive search (``re`` syntax, at most
  :data:`~rtstation.routing.rule_regex.REGEX_SECONDS` per text) on
  RTPlanLabel / RTPlanName. Each pattern is compiled once and cached; a pattern that does
  not compile makes the rule not match, with the compiler's reason, and never raises.
* ``approved_only``: ApprovalStatus is ``APPROVED`` (trimmed, case-insensitive).
* ``treatment_machines``: any of the plan's beam machines equals one listed
  (trimmed, case-insensitive).
* ``plan_intents``: PlanIntent equals one listed (trimmed, case-insensitive).
* ``required_modalities``: each one is present in the bundle (e.g. ``RTDOSE`` = wait for a
  dose). A missing one makes the rule not match; when it is the *only* thing between the
  rule and a match, the verdict's ``waiting_for`` names it, because it may still arrive.
  A rule that fails for another reason waits for nothing: a dose cannot fix a wrong AE.
* ``metrics_condition``: a filter expression (``rtstation.dicom.metrics_filter``) over the
  plan's flat metrics row (the columns of ``rtstation metrics --format csv``), e.g.
  ``dmax_gy <= 1.1 * prescription_gy``; the reason says it in words ("Dmax 64.2 Gy is
  above 110% of the prescription 55 Gy"). The station hands the row in
  (``PlanFacts.metrics``) once it describes the plan's current dose and structure set;
  while it is missing the rule does not match and, when nothing else stands in the way,
  waits for it (``RuleVerdict.waits_for_metrics``). ``PlanFacts.metrics_note`` says why
  the metrics will not come (the station stopped waiting): then there is nothing to wait
  for. A condition that cannot be read makes the rule not match, with the reason.
* Every condition is evaluated and every failing reason is listed, not just the first.
* Every matching rule contributes its target nodes. :attr:`Decision.nodes` names each node
  once (compared trimmed and case-insensitively, as ``Settings.node`` looks nodes up), in
  first-seen order. Rule order matters for nothing but the order of the explanation.
* Any text (unicode, control characters, very long values) in labels, names, AE titles or
  rule fields is handled without raising; reasons show such values escaped and shortened
  so one explanation line stays one line.

Caveat: a user regex can backtrack catastrophically; labels (SH, 16 chars) and names
(LO, 64 chars) are short, which bounds that in practice, but no timeout is enforced.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rtstation.config.model import ANY_SOURCE, Rule, RulesConfig
from rtstation.dicom.metrics import PLAN_COLUMNS
from rtstation.dicom.metrics_filter import Condition, FilterError, compile_condition
from rtstation.events import RuleDecision
from rtstation.routing.reasons import Reason, VerdictRecord
from rtstation.routing.rule_regex import BACKTRACKS, compile_pattern, found_in

if TYPE_CHECKING:
    from rtstation.dicom.rt_tree import PlanBundle

LOGGER = logging.getLogger(__name__)


RULES_SWITCHED_OFF = "all rules are switched off in rules.ini [General] rules_enabled"
RULE_DISABLED = "rule is disabled"
WAITING_FOR_METRICS = "the plan's metrics (rule has a metrics_condition)"
APPROVED = "APPROVED"

_MAX_SHOWN = 80
"""Longest value quoted in a reason; longer ones are cut so a line stays readable."""

_MODALITY_NOUNS = {
    "RTDOSE": ("a dose", "dose"),
    "RTSTRUCT": ("a structure set", "structure set"),
    "RTPLAN": ("a plan", "plan"),
    "RTIMAGE": ("an RT image", "RT image"),
    "RTRECORD": ("a treatment record", "treatment record"),
    "CT": ("CT images", "CT"),
    "MR": ("MR images", "MR"),
    "PT": ("PET images", "PET"),
}


def modality_noun(modality: str) -> str:
    """Short name of what a modality stands for, as in "dose missing"."""
    return _MODALITY_NOUNS.get(modality, ("", _show(modality, quote=False)))[1]


def _waiting_phrase(modality: str) -> str:
    article = _MODALITY_NOUNS.get(modality, (f"an instance of modality {_show(modality)}",))[0]
    return f"{article} (rule requires {_show(modality, quote=False)})"


@dataclass(frozen=True)
class PlanFacts:
    """What the rules look at for one plan: a snapshot, safe to pass between threads.

    ``source_ae`` is the calling AE title that sent the plan, or ``IMPORT_FOLDER`` for a
    folder import. ``modalities`` are those present in the bundle (plan, images, structure
    set, doses, ...). ``missing`` lists what the plan references but is not here yet, in
    words ("CT 139/142", "structure set missing"), for the waiting text.
    """

    plan_uid: str
    patient_id: str
    source_ae: str
    plan_label: str = ""
    plan_name: str = ""
    approval_status: str = ""
    plan_intent: str = ""
    machines: tuple[str, ...] = ()
    modalities: frozenset[str] = frozenset()
    complete: bool = True
    completeness_summary: str = ""
    missing: tuple[str, ...] = ()
    metrics: Mapping[str, Any] | None = None
    metrics_note: str = ""

    @classmethod
    def from_bundle(cls, bundle: PlanBundle, source_ae: str) -> PlanFacts:
        """Facts of a plan bundle from the RT reference tree, as received from ``source_ae``."""
        plan = bundle.plan
        completeness = bundle.completeness
        missing: list[str] = []
        if completeness.missing_image_uids:
            expected = completeness.images_expected
            have = max(expected - completeness.missing_images, 0)
            missing.append(f"{completeness.image_modality} {have}/{expected}")
        if completeness.structure_set == "missing":
            missing.append("structure set missing")
        return cls(
            plan_uid=bundle.uid,
            patient_id=bundle.patient_id,
            source_ae=source_ae,
            plan_label=plan.plan_label,
            plan_name=plan.plan_name,
            approval_status=plan.approval_status,
            plan_intent=plan.plan_intent,
            machines=plan.machines,
            modalities=frozenset(
                h.modality.strip().upper() for h in bundle.instances() if h.modality
            ),
            complete=completeness.complete,
            completeness_summary=completeness.summary(),
            missing=tuple(missing),
        )


@dataclass(frozen=True)
class RuleVerdict:
    """One rule's answer for one plan.

    ``reasons`` are the failing conditions when not matched, or the conditions that held
    when matched ("source AE FOLLOW", "label 'ADP_Pelvis' contains 'ADP'").
    ``waiting_for`` names what may still arrive and make the rule match;
    ``missing_modalities`` is the same as raw modality codes. ``rule`` is the rule itself
    so the station can apply its actions (machine mapping, anonymization) to the jobs.
    """

    rule_name: str
    matched: bool
    reasons: tuple[str, ...]
    target_nodes: tuple[str, ...]
    waiting_for: tuple[str, ...] = ()
    missing_modalities: tuple[str, ...] = ()
    rule: Rule | None = None
    waits_for_metrics: bool = False
    codes: tuple[Reason, ...] = ()
    """``reasons`` as reason codes with parameters, for rendering in the user's language."""

    def record(self) -> VerdictRecord:
        """What is stored with the decision."""
        return VerdictRecord(self.rule_name, self.matched, self.target_nodes, self.codes)

    def summary(self) -> str:
        """``matched: source AE FOLLOW, label ...`` or ``not matched: reason; reason``."""
        if self.matched:
            return "matched: " + ", ".join(self.reasons) if self.reasons else "matched"
        return "not matched: " + "; ".join(self.reasons)


@dataclass(frozen=True)
class Decision:
    """Every rule's verdict for one plan, and the nodes the plan goes to."""

    plan_uid: str
    verdicts: tuple[RuleVerdict, ...]
    nodes: tuple[str, ...]
    rules_enabled: bool = True

    @property
    def matched(self) -> tuple[RuleVerdict, ...]:
        return tuple(v for v in self.verdicts if v.matched)

    @property
    def waiting_for(self) -> tuple[str, ...]:
        """What any rule still waits for, each once, in rule order."""
        return tuple(dict.fromkeys(w for v in self.verdicts for w in v.waiting_for))

    @property
    def waits_for_metrics(self) -> bool:
        """Some rule would decide once the plan's metrics are there."""
        return any(v.waits_for_metrics for v in self.verdicts)

    @property
    def missing_modalities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m for v in self.verdicts for m in v.missing_modalities))

    def explanation(self) -> list[str]:
        """One line per rule, in rules.ini order, plus a line for a global state.

        ``Rule "Ethos ADP Plans": matched -> ORGANO, QA`` or
        ``Rule "X": not matched: source AE ECLIPSE is not FOLLOW``.
        """
        lines: list[str] = []
        if not self.rules_enabled:
            lines.append("All rules are switched off in rules.ini [General] rules_enabled.")
        if not self.verdicts:
            lines.append("No forwarding rules are configured in rules.ini.")
        for verdict in self.verdicts:
            name = _show(verdict.rule_name, quote=False)
            if verdict.matched:
                targets = ", ".join(_show(n, quote=False) for n in verdict.target_nodes)
                lines.append(f'Rule "{name}": matched -> {targets or "(no target nodes)"}')
            else:
                lines.append(f'Rule "{name}": not matched: ' + "; ".join(verdict.reasons))
        return lines

    def records(self) -> tuple[VerdictRecord, ...]:
        """Every verdict as stored with the decision; a global state is a verdict without a
        rule name (rules switched off, or no rules)."""
        records = [v.record() for v in self.verdicts]
        if not self.verdicts:
            records.insert(0, VerdictRecord("", False, (), (Reason.of("no_rules"),)))
        return tuple(records)

    def to_event(self) -> RuleDecision:
        """The event the station publishes (and the audit records) for this decision."""
        return RuleDecision(
            plan_uid=self.plan_uid,
            matched_nodes=self.nodes,
            explanation=tuple(self.explanation()),
        )


def evaluate(rules_config: RulesConfig, facts: PlanFacts) -> Decision:
    """Evaluate every rule for one plan; pure, never raises on odd text."""
    verdicts = tuple(
        _evaluate_rule(rule, facts, rules_config.rules_enabled) for rule in rules_config.rules
    )
    nodes = _unique_nodes(n for v in verdicts if v.matched for n in v.target_nodes)
    decision = Decision(
        plan_uid=facts.plan_uid,
        verdicts=verdicts,
        nodes=nodes,
        rules_enabled=rules_config.rules_enabled,
    )
    if LOGGER.isEnabledFor(logging.DEBUG):
        LOGGER.debug("Rules for plan %s: %s", facts.plan_uid, " | ".join(decision.explanation()))
    return decision


def _evaluate_rule(rule: Rule, facts: PlanFacts, rules_enabled: bool) -> RuleVerdict:
    def verdict(matched: bool, reasons: list[Reason], **extra: Any) -> RuleVerdict:
        return RuleVerdict(
            rule_name=rule.name,
            matched=matched,
            reasons=tuple(r.text() for r in reasons),
            target_nodes=tuple(rule.target_nodes),
            rule=rule,
            codes=tuple(reasons),
            **extra,
        )

    if not rules_enabled:
        return verdict(False, [Reason.of("rules_off")])

    held: list[Reason] = []
    failed: list[Reason] = []
    for ok, reason in _conditions(rule, facts):
        (held if ok else failed).append(reason)
    metrics_pending = False
    if rule.metrics_condition.strip():
        ok, reason, metrics_pending = _metrics_condition(rule.metrics_condition, facts)
        (held if ok else failed).append(reason)

    present = {m.strip().upper() for m in facts.modalities}
    wanted = dict.fromkeys(m.strip().upper() for m in rule.required_modalities if m.strip())
    missing = tuple(m for m in wanted if m not in present)
    held.extend(
        Reason.of("modality_present", modality=_show(m, quote=False))
        for m in wanted
        if m in present
    )

    if not rule.enabled:
        failed.insert(0, Reason.of("rule_disabled"))
    if not failed and not missing:
        return verdict(True, held)
    failed.extend(
        Reason.of("modality_missing", noun=modality_noun(m), modality=_show(m, quote=False))
        for m in missing
    )
    # Only what arrival (or the metrics thread) can fix is worth waiting for.
    waiting = len(failed) == len(missing) + metrics_pending
    waiting_for = tuple(_waiting_phrase(m) for m in missing)
    if metrics_pending:
        waiting_for += (WAITING_FOR_METRICS,)
    return verdict(
        False,
        failed,
        waiting_for=waiting_for if waiting else (),
        missing_modalities=missing if waiting else (),
        waits_for_metrics=waiting and metrics_pending,
    )


def _metrics_condition(text: str, facts: PlanFacts) -> tuple[bool, Reason, bool]:
    """(held, reason, still waiting for the metrics) of a rule's metrics_condition."""
    condition = _compile_condition(text)
    if isinstance(condition, str):
        return False, Reason.of("metrics_unreadable", condition=_show(text), error=condition), False
    if facts.metrics is None:
        if facts.metrics_note:
            note = _one_line(facts.metrics_note)
            return False, Reason.of("metrics_unavailable", note=note), False
        return False, Reason.of("metrics_pending"), True
    try:
        held = condition(facts.metrics)
        reason = condition.explain(facts.metrics)
    except Exception as exc:  # never let odd metrics break the evaluation
        return False, Reason.of("metrics_failed", condition=_show(text), error=str(exc)), False
    return held, Reason.of("metrics_result", explanation=_one_line(reason)), False


def condition_problem(text: str) -> str:
    """Why a rule's metrics_condition cannot be used, or "" (rules.ini's loader asks, so a
    condition that would never match is an error naming the rule, not a silent miss)."""
    compiled = _compile_condition(text)
    return compiled.removeprefix(f"filter '{text}': ") if isinstance(compiled, str) else ""


@functools.lru_cache(maxsize=256)
def _compile_condition(text: str) -> Condition | str:
    """The compiled condition, or the reason it cannot be read (cached either way)."""
    try:
        return compile_condition(text, PLAN_COLUMNS)
    except FilterError as exc:
        LOGGER.warning("Rule metrics_condition %r cannot be read: %s", text, exc)
        return str(exc)


def _conditions(rule: Rule, facts: PlanFacts) -> Iterable[tuple[bool, Reason]]:
    """(held, reason) for every configured condition except required modalities."""
    yield _source_condition(rule, facts.source_ae)

    label = facts.plan_label
    folded_label = label.casefold()
    match = rule.plan_label_match
    if match.strip():
        found = match.casefold() in folded_label
        code = "label_contains" if found else "label_not_contains"
        yield found, Reason.of(code, label=_show(label), match=_show(match))

    exclude = rule.plan_label_exclude
    if exclude.strip():
        vetoed = exclude.casefold() in folded_label
        code = "label_excluded" if vetoed else "label_not_excluded"
        yield not vetoed, Reason.of(code, label=_show(label), exclude=_show(exclude))

    if rule.plan_label_regex:
        yield _regex_condition("plan_label_regex", "label", rule.plan_label_regex, label)
    if rule.plan_name_regex:
        yield _regex_condition("plan_name_regex", "name", rule.plan_name_regex, facts.plan_name)

    if rule.approved_only:
        status = facts.approval_status.strip()
        if status.upper() == APPROVED:
            yield True, Reason.of("approved")
        else:
            yield False, Reason.of("not_approved", status=_show(status, quote=False))

    machines = _folded_set(rule.treatment_machines)
    if machines:
        plan_machines = [m for m in facts.machines if m.strip()]
        hit = next((m for m in plan_machines if m.strip().casefold() in machines), None)
        listed = _show_list(rule.treatment_machines)
        if hit is not None:
            yield True, Reason.of("machine_listed", machine=_show(hit.strip(), quote=False))
        elif not plan_machines:
            yield False, Reason.of("no_machine", listed=listed)
        else:
            shown = _show_list(plan_machines)
            yield False, Reason.of("machine_not_listed", machines=shown, listed=listed)

    intents = _folded_set(rule.plan_intents)
    if intents:
        intent = facts.plan_intent.strip()
        shown_intent = _show(intent, quote=False)
        if intent.casefold() in intents:
            yield True, Reason.of("intent_listed", intent=shown_intent)
        else:
            listed = _show_list(rule.plan_intents)
            yield False, Reason.of("intent_not_listed", intent=shown_intent, listed=listed)


def _source_condition(rule: Rule, source_ae: str) -> tuple[bool, Reason]:
    source = source_ae.strip()
    shown = _show(source, quote=False)
    allowed = [ae.strip() for ae in rule.source_aes if ae.strip()]
    if not allowed or ANY_SOURCE in allowed:
        return True, Reason.of("source_any", source=shown)
    if source in allowed:
        return True, Reason.of("source_ok", source=shown)
    if len(allowed) == 1:
        return False, Reason.of("source_not", source=shown, allowed=_show(allowed[0], quote=False))
    return False, Reason.of("source_not_one_of", source=shown, allowed=_show_list(allowed))


def _regex_condition(key: str, what: str, pattern: str, text: str) -> tuple[bool, Reason]:
    compiled = compile_pattern(pattern)
    shown = _show(pattern)
    if isinstance(compiled, str):
        error = _show(compiled, quote=False)
        return False, Reason.of("regex_invalid", key=key, pattern=shown, error=error)
    try:
        found = found_in(compiled, text)
    except TimeoutError:
        return False, Reason.of("regex_failed", key=key, pattern=shown, error=BACKTRACKS)
    except Exception as exc:  # never let a user pattern break the evaluation
        return False, Reason.of("regex_failed", key=key, pattern=shown, error=exc)
    code = f"{what}_regex_{'match' if found else 'no_match'}"
    return found, Reason.of(code, text=_show(text), pattern=shown)


def _folded_set(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip().casefold() for v in values if v.strip())


def _unique_nodes(names: Iterable[str]) -> tuple[str, ...]:
    """Each node once (trimmed, case-insensitive), first spelling and position kept."""
    seen: dict[str, str] = {}
    for name in names:
        cleaned = name.strip()
        if cleaned:
            seen.setdefault(cleaned.casefold(), cleaned)
    return tuple(seen.values())


def _show(value: str, *, quote: bool = True) -> str:
    """A value fit for a one-line reason: escaped, shortened, quoted when asked.

    Empty values read ``(empty)`` so "source AE  is not FOLLOW" never happens.
    """
    if not value:
        return "(empty)"
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value[: _MAX_SHOWN + 1])
    if len(value) > _MAX_SHOWN or len(text) > _MAX_SHOWN:
        text = text[:_MAX_SHOWN] + "…"
    return f"'{text}'" if quote else text


def _one_line(text: str, limit: int = 300) -> str:
    """A composed reason kept on one line: control characters escaped, cut at ``limit``."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[: limit + 1])
    return shown if len(shown) <= limit else shown[:limit] + "…"


def _show_list(values: Iterable[str]) -> str:
    return ", ".join(_show(v.strip(), quote=False) for v in values if v.strip())
