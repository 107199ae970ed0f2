"""Why a rule did or did not match, as a code with parameters instead of an English line.

The rules engine (:mod:`rtstation.routing.rules`) builds every reason as a :class:`Reason`;
its English text (the log, the audit table, ``rtstation rules test``) comes from
:data:`ENGLISH`, and a user interface renders the same code through its own translation
(the GUI through ``tr()``), so a German physicist reads German reasons. The decision store
keeps the codes with the decision, so the explanation survives a restart and is shown in
the language of whoever looks at it later, not of the process that decided.

Parameters are the values as the engine shows them (escaped, shortened, quoted where the
English text quotes them), so every rendering shows the same value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The English template of every reason code; ``{name}`` are the parameters.
ENGLISH: dict[str, str] = {
    "rules_off": "all rules are switched off in rules.ini [General] rules_enabled",
    "no_rules": "no forwarding rules are configured in rules.ini",
    "rule_disabled": "rule is disabled",
    "source_any": "source AE {source} (any source accepted)",
    "source_ok": "source AE {source}",
    "source_not": "source AE {source} is not {allowed}",
    "source_not_one_of": "source AE {source} is not one of {allowed}",
    "label_contains": "label {label} contains {match}",
    "label_not_contains": "label {label} does not contain {match}",
    "label_excluded": "label {label} contains the excluded {exclude}",
    "label_not_excluded": "label {label} does not contain the excluded {exclude}",
    "regex_invalid": "{key} {pattern} is not a valid regular expression ({error})",
    "regex_failed": "{key} {pattern} could not be applied ({error})",
    "label_regex_match": "label {text} matches plan_label_regex {pattern}",
    "label_regex_no_match": "label {text} does not match plan_label_regex {pattern}",
    "name_regex_match": "name {text} matches plan_name_regex {pattern}",
    "name_regex_no_match": "name {text} does not match plan_name_regex {pattern}",
    "approved": "plan is APPROVED",
    "not_approved": "approval status is {status}, rule requires APPROVED",
    "machine_listed": "treatment machine {machine} is listed",
    "no_machine": "plan names no treatment machine, rule requires one of {listed}",
    "machine_not_listed": "treatment machine {machines} is not one of {listed}",
    "intent_listed": "plan intent {intent} is listed",
    "intent_not_listed": "plan intent {intent} is not one of {listed}",
    "modality_present": "{modality} present",
    "modality_missing": "no {noun} yet (rule requires {modality})",
    # metrics_condition (the explanation is the condition's own sentence, in English)
    "metrics_result": "{explanation}",
    "metrics_pending": "the plan's metrics are not computed yet (rule has a metrics_condition)",
    "metrics_unavailable": "{note}",
    "metrics_unreadable": "metrics_condition {condition} cannot be used: {error}",
    "metrics_failed": "metrics_condition {condition} could not be applied ({error})",
    # what an undecided plan still waits for
    "wait_images": "{modality} {have}/{expected}",
    "wait_structure_set": "structure set missing",
    "wait_no_structure_set": "no structure set",
    "wait_dose": "dose missing",
    "wait_references": "references missing",
    "wait_modality": "{noun} missing",
}


@dataclass(frozen=True)
class Reason:
    """One reason: a code of :data:`ENGLISH` and its parameters (name, shown value)."""

    code: str
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, code: str, **params: object) -> Reason:
        if code not in ENGLISH:
            raise ValueError(f"Reason code '{code}' is unknown: expected one of {sorted(ENGLISH)}")
        return cls(code, tuple((key, str(value)) for key, value in params.items()))

    def param(self, name: str) -> str:
        return dict(self.params).get(name, "")

    def text(self) -> str:
        """The English sentence (log, audit, CLI)."""
        template = ENGLISH.get(self.code)
        if template is None:
            return f"{self.code} {dict(self.params)}"
        return template.format_map(_Defaulting(self.params))

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reason:
        params = data.get("params") or {}
        return cls(str(data.get("code", "")), tuple((str(k), str(v)) for k, v in params.items()))


class _Defaulting(dict[str, str]):
    """Parameters for str.format_map; a missing one (an older record) reads as empty."""

    def __init__(self, params: tuple[tuple[str, str], ...]) -> None:
        super().__init__(params)

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class VerdictRecord:
    """One rule's verdict as stored with a plan's decision (no live rule object)."""

    rule_name: str
    matched: bool
    target_nodes: tuple[str, ...]
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule_name,
            "matched": self.matched,
            "targets": list(self.target_nodes),
            "reasons": [r.to_json() for r in self.reasons],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VerdictRecord:
        return cls(
            rule_name=str(data.get("rule", "")),
            matched=bool(data.get("matched")),
            target_nodes=tuple(str(n) for n in data.get("targets", ())),
            reasons=tuple(Reason.from_json(r) for r in data.get("reasons", ())),
        )
