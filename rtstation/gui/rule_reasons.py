"""Rule reasons, triggers and plan explanations in the user's language.

The core gives reasons as codes with parameters (:mod:`rtstation.routing.reasons`); this
module renders them through Qt's translation (context ``RuleReason``), so the details panel,
the tree's tooltip and the history speak German to a German user. The templates equal the
core's English ones (a test keeps them equal); a code the GUI does not know yet shows the
core's English text rather than nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from rtstation.gui import core_text
from rtstation.gui.dialogs._rule_test import verdict_lines
from rtstation.routing.reasons import Reason
from rtstation.routing.triggers import FOLLOW_UP, RULE, Trigger
from rtstation.station.plan_report import PlanExplanation

TEMPLATES: dict[str, str] = {
    "rules_off": QT_TRANSLATE_NOOP(
        "RuleReason", "all rules are switched off in rules.ini [General] rules_enabled"
    ),
    "no_rules": QT_TRANSLATE_NOOP("RuleReason", "no forwarding rules are configured in rules.ini"),
    "rule_disabled": QT_TRANSLATE_NOOP("RuleReason", "rule is disabled"),
    "source_any": QT_TRANSLATE_NOOP("RuleReason", "source AE {source} (any source accepted)"),
    "source_ok": QT_TRANSLATE_NOOP("RuleReason", "source AE {source}"),
    "source_not": QT_TRANSLATE_NOOP("RuleReason", "source AE {source} is not {allowed}"),
    "source_not_one_of": QT_TRANSLATE_NOOP(
        "RuleReason", "source AE {source} is not one of {allowed}"
    ),
    "label_contains": QT_TRANSLATE_NOOP("RuleReason", "label {label} contains {match}"),
    "label_not_contains": QT_TRANSLATE_NOOP("RuleReason", "label {label} does not contain {match}"),
    "label_excluded": QT_TRANSLATE_NOOP(
        "RuleReason", "label {label} contains the excluded {exclude}"
    ),
    "label_not_excluded": QT_TRANSLATE_NOOP(
        "RuleReason", "label {label} does not contain the excluded {exclude}"
    ),
    "regex_invalid": QT_TRANSLATE_NOOP(
        "RuleReason", "{key} {pattern} is not a valid regular expression ({error})"
    ),
    "regex_failed": QT_TRANSLATE_NOOP(
        "RuleReason", "{key} {pattern} could not be applied ({error})"
    ),
    "label_regex_match": QT_TRANSLATE_NOOP(
        "RuleReason", "label {text} matches plan_label_regex {pattern}"
    ),
    "label_regex_no_match": QT_TRANSLATE_NOOP(
        "RuleReason", "label {text} does not match plan_label_regex {pattern}"
    ),
    "name_regex_match": QT_TRANSLATE_NOOP(
        "RuleReason", "name {text} matches plan_name_regex {pattern}"
    ),
    "name_regex_no_match": QT_TRANSLATE_NOOP(
        "RuleReason", "name {text} does not match plan_name_regex {pattern}"
    ),
    "approved": QT_TRANSLATE_NOOP("RuleReason", "plan is APPROVED"),
    "not_approved": QT_TRANSLATE_NOOP(
        "RuleReason", "approval status is {status}, rule requires APPROVED"
    ),
    "machine_listed": QT_TRANSLATE_NOOP("RuleReason", "treatment machine {machine} is listed"),
    "no_machine": QT_TRANSLATE_NOOP(
        "RuleReason", "plan names no treatment machine, rule requires one of {listed}"
    ),
    "machine_not_listed": QT_TRANSLATE_NOOP(
        "RuleReason", "treatment machine {machines} is not one of {listed}"
    ),
    "intent_listed": QT_TRANSLATE_NOOP("RuleReason", "plan intent {intent} is listed"),
    "intent_not_listed": QT_TRANSLATE_NOOP(
        "RuleReason", "plan intent {intent} is not one of {listed}"
    ),
    "modality_present": QT_TRANSLATE_NOOP("RuleReason", "{modality} present"),
    "modality_missing": QT_TRANSLATE_NOOP("RuleReason", "no {noun} yet (rule requires {modality})"),
    "metrics_result": QT_TRANSLATE_NOOP("RuleReason", "{explanation}"),
    "metrics_pending": QT_TRANSLATE_NOOP(
        "RuleReason", "the plan's metrics are not computed yet (rule has a metrics_condition)"
    ),
    "metrics_unavailable": QT_TRANSLATE_NOOP("RuleReason", "{note}"),
    "metrics_unreadable": QT_TRANSLATE_NOOP(
        "RuleReason", "metrics_condition {condition} cannot be used: {error}"
    ),
    "metrics_failed": QT_TRANSLATE_NOOP(
        "RuleReason", "metrics_condition {condition} could not be applied ({error})"
    ),
    "wait_images": QT_TRANSLATE_NOOP("RuleReason", "{modality} {have}/{expected}"),
    "wait_structure_set": QT_TRANSLATE_NOOP("RuleReason", "structure set missing"),
    "wait_no_structure_set": QT_TRANSLATE_NOOP("RuleReason", "no structure set"),
    "wait_dose": QT_TRANSLATE_NOOP("RuleReason", "dose missing"),
    "wait_references": QT_TRANSLATE_NOOP("RuleReason", "references missing"),
    "wait_modality": QT_TRANSLATE_NOOP("RuleReason", "{noun} missing"),
}

_MODALITY_NOUNS: dict[str, str] = {
    "RTDOSE": QT_TRANSLATE_NOOP("RuleReason", "dose"),
    "RTSTRUCT": QT_TRANSLATE_NOOP("RuleReason", "structure set"),
    "RTPLAN": QT_TRANSLATE_NOOP("RuleReason", "plan"),
    "RTIMAGE": QT_TRANSLATE_NOOP("RuleReason", "RT image"),
    "RTRECORD": QT_TRANSLATE_NOOP("RuleReason", "treatment record"),
    "CT": QT_TRANSLATE_NOOP("RuleReason", "CT images"),
    "MR": QT_TRANSLATE_NOOP("RuleReason", "MR images"),
    "PT": QT_TRANSLATE_NOOP("RuleReason", "PET images"),
}


def _tr(text: str) -> str:
    """For texts listed with QT_TRANSLATE_NOOP above (lupdate sees those)."""
    return QCoreApplication.translate("RuleReason", text)


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def reason_text(reason: Reason) -> str:
    """One reason in the user's language."""
    template = TEMPLATES.get(reason.code)
    if template is None:
        return reason.text()
    params = _Params(reason.params)
    if "error" in params:  # the core's own words (a regex that backtracks), translated too
        params["error"] = core_text.render(str(params["error"]))
    modality = params.get("modality", "")
    if "noun" in params and modality.upper() in _MODALITY_NOUNS:
        params["noun"] = _tr(_MODALITY_NOUNS[modality.upper()])
    try:
        return _tr(template).format_map(params)
    except (ValueError, IndexError, KeyError):  # a broken translation: the English one
        return template.format_map(params)


def trigger_text(trigger: Trigger) -> str:
    """``manual``, ``rule ADP``, ``follow-up of rule ADP`` in the user's language."""
    names = ", ".join(trigger.rules)
    if trigger.kind == RULE:
        return (
            QCoreApplication.translate("RuleReason", "rule {names}").format(names=names)
            if names
            else QCoreApplication.translate("RuleReason", "rule")
        )
    if trigger.kind == FOLLOW_UP:
        if names:
            return QCoreApplication.translate("RuleReason", "follow-up of rule {names}").format(
                names=names
            )
        return QCoreApplication.translate("RuleReason", "follow-up (late arrival)")
    return QCoreApplication.translate("RuleReason", "manual")


def explanation_lines(explanation: PlanExplanation) -> list[str]:
    """The details panel's lines: each rule matched or not with its reasons, what the plan
    waits for. The sends are shown by the panel's history table."""
    lines: list[str] = []
    if explanation.live:
        lines.append(
            QCoreApplication.translate(
                "RuleReason", "Not decided by the rules when it arrived; today's rules say:"
            )
        )
    for verdict in explanation.verdicts:
        reasons = "; ".join(reason_text(r) for r in verdict.reasons)
        if not verdict.rule_name:
            lines.append(reasons)
        elif verdict.matched:
            targets = ", ".join(verdict.target_nodes) or QCoreApplication.translate(
                "RuleReason", "(no target nodes)"
            )
            lines.append(
                QCoreApplication.translate(
                    "RuleReason", 'Rule "{rule}": matched -> {targets}'
                ).format(rule=verdict.rule_name, targets=targets)
            )
        else:
            lines.append(
                QCoreApplication.translate(
                    "RuleReason", 'Rule "{rule}": not matched: {reasons}'
                ).format(rule=verdict.rule_name, reasons=reasons)
            )
    if explanation.waiting:
        waits = ", ".join(reason_text(r) for r in explanation.waiting)
        lines.append(
            QCoreApplication.translate("RuleReason", "Waiting for: {what}").format(what=waits)
        )
    return lines


def glance_text(explanation: PlanExplanation | None) -> str:
    """The tree's Forwarded cell for a plan nothing was sent for: why (or "" if unknown)."""
    return decision_at_a_glance(explanation)[0] if explanation is not None else ""


def glance_tooltip(explanation: PlanExplanation | None) -> str:
    """Every rule's verdict, for the Forwarded cell's tooltip ("" when none is stored)."""
    if explanation is None or not explanation.verdicts:
        return ""
    return "\n".join(explanation_lines(explanation))


def plan_rule_lines(rules: object, plan: object) -> list[str]:
    """The details panel's "Rules": the verdicts stored when the rules decided (as codes,
    shown in this language), else today's rules evaluated for the plan."""
    explanation = getattr(plan, "rules", None)
    if explanation is not None and explanation.verdicts:
        return explanation_lines(explanation)
    return verdict_lines(rules, plan)


def decision_at_a_glance(explanation: PlanExplanation) -> tuple[str, str]:
    """(short text, tooltip) for the tree: who sent it, or why nothing did."""
    tooltip = "\n".join(explanation_lines(explanation))
    if explanation.decision == "forwarded":
        rules = ", ".join(explanation.matched_rules)
        return QCoreApplication.translate("RuleReason", "forwarded by {rules}").format(
            rules=rules
        ), tooltip
    if explanation.decision == "pending":
        return QCoreApplication.translate("RuleReason", "waiting"), tooltip
    if explanation.decision == "not-forwarded":
        return QCoreApplication.translate("RuleReason", "no rule matched"), tooltip
    return "", tooltip
