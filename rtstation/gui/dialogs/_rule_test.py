"""The Rules dialog's test output: which plan was tested, where it would go, and every
rule's verdict in the user's language.

The test callable (``MainWindow.test_rules``) returns a :class:`TestedPlan`, a bare
``Decision`` (scripts, tests) or a sentence (no plan selected). The rules engine explains
in English; each line goes through ``core_text.render``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication

from rtstation.config import IMPORT_FOLDER_AE
from rtstation.gui.core_text import render
from rtstation.routing.rules import evaluate
from rtstation.station.forwarding import plan_facts


@dataclass(frozen=True)
class TestedPlan:
    """A rules decision together with the plan it was made for, in words."""

    decision: Any  # rtstation.routing.rules.Decision
    plan_text: str  # "ADP_Pelvis (Doe Jane, RT001)"


def describe_outcome(outcome: object) -> list[str]:
    """The lines the test output shows for ``outcome``."""
    if isinstance(outcome, str):
        return [outcome]
    lines: list[str] = []
    if isinstance(outcome, TestedPlan):
        lines.append(
            QCoreApplication.translate("RulesDialog", "Tested with plan {plan}").format(
                plan=outcome.plan_text
            )
        )
        outcome = outcome.decision
    explanation = getattr(outcome, "explanation", None)
    if not callable(explanation):
        return [*lines, str(outcome)]
    nodes = getattr(outcome, "nodes", None)
    if nodes is not None:
        if nodes:
            lines.append(
                QCoreApplication.translate("RulesDialog", "Would be sent to {nodes}.").format(
                    nodes=", ".join(nodes)
                )
            )
        else:
            lines.append(QCoreApplication.translate("RulesDialog", "Would not be sent anywhere."))
    waiting = getattr(outcome, "waiting_for", ())
    if waiting:
        shown = "; ".join(render(what) for what in waiting)
        lines.append(
            QCoreApplication.translate("RulesDialog", "Waiting for: {what}").format(what=shown)
        )
    return [*lines, *(render(str(line)) for line in explanation())]


def _decide(rules: Any, plan: Any) -> Any:
    """``rules`` for a tree snapshot's plan, as the station would decide
    (``Station.evaluate_rules`` does the same from the catalog; the snapshot already holds
    the bundle and its source, so there is no disk read on the GUI thread)."""
    return evaluate(rules, plan_facts(plan.bundle, plan.source_ae or IMPORT_FOLDER_AE))


def tested_plan(rules: Any, plan: Any) -> TestedPlan | str:
    """The Rules dialog's test of ``rules`` against a tree snapshot's plan (a sentence
    while the tree has only its outline, the plan's files not read yet)."""
    if plan.bundle is None:
        return QCoreApplication.translate(
            "RulesDialog", "The plan's files are still being read: test again in a moment."
        )
    name = " ".join(plan.patient_name.replace("^", " ").split())
    who = f"{name}, {plan.patient_id}" if name else plan.patient_id
    return TestedPlan(_decide(rules, plan), f"{plan.label or plan.plan_uid} ({who})")


def verdict_lines(rules: Any, plan: Any) -> list[str]:
    """Each rule's verdict for ``plan`` under the current rules, in the user's language:
    what the details panel shows under "Rules", so why a plan did or did not go somewhere
    is in the window, not only in the log file. None while the plan's files are not read."""
    if plan.bundle is None:
        return []
    decision = _decide(rules, plan)
    lines = [render(str(line)) for line in decision.explanation()]
    waiting = getattr(decision, "waiting_for", ())
    if waiting:
        shown = "; ".join(render(what) for what in waiting)
        lines.append(
            QCoreApplication.translate("RulesDialog", "Waiting for: {what}").format(what=shown)
        )
    return lines
