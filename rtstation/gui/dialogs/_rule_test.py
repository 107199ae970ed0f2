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

from rtstation.gui.core_text import render


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
