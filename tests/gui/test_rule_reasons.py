"""Why a rule did or did not forward a plan is in the details panel, rule by rule, in the
user's language (it used to be only in the log file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from rtstation.config import Rule, RulesConfig
from rtstation.gui.i18n import install_translator
from tests.data.generator import PlanSpec, StudySpec, write_study
from tests.peers.peers import free_port


@pytest.fixture
def english_again(qapp: QApplication) -> Iterator[None]:
    yield
    install_translator(qapp, "en")


def test_details_show_each_rules_verdict_and_reason(
    qtbot: Any,
    qapp: QApplication,
    make_station: Any,
    make_window: Any,
    tmp_path: Path,
    english_again: None,
) -> None:
    station = make_station(nodes=[{"name": "ORGANO", "ae_title": "ORGANO", "port": free_port()}])
    window = make_window(station)
    rules = RulesConfig(
        rules=(
            Rule(
                name="Ethos ADP",
                target_nodes=("ORGANO",),
                source_aes=("FOLLOW",),
                plan_label_match="ADP",
            ),
            Rule(
                name="Everything imported",
                target_nodes=("ORGANO",),
                source_aes=("IMPORT_FOLDER",),
                enabled=False,
            ),
        )
    )
    with qtbot.waitSignal(window.config_controller.rulesApplied, timeout=10_000):
        window.config_controller.apply_rules(rules)
    study = write_study(
        tmp_path / "export", StudySpec(slices=2, plans=(PlanSpec(label="Pelvis_sched"),))
    )
    window.station.import_paths([tmp_path / "export"])
    plan_uid = study.plan_uids[0]
    qtbot.waitUntil(lambda: window.tree_model.index_for_plan(plan_uid).isValid())
    window.select_plan(plan_uid)
    qtbot.waitUntil(lambda: window.details.field_text("label") == "Pelvis_sched")

    assert window.details.field_text("verdicts").splitlines() == [
        'Rule "Ethos ADP": not matched: source AE IMPORT_FOLDER is not FOLLOW; '
        "label 'Pelvis_sched' does not contain 'ADP'",
        'Rule "Everything imported": not matched: rule is disabled',
    ]

    install_translator(qapp, "de")
    window.details_controller.refresh()
    assert window.details.field_text("verdicts").splitlines() == [
        "Regel „Ethos ADP“: trifft nicht zu: Quell-AE IMPORT_FOLDER ist nicht FOLLOW; "
        "Label 'Pelvis_sched' enthält 'ADP' nicht",
        "Regel „Everything imported“: trifft nicht zu: Regel ist deaktiviert",
    ]
