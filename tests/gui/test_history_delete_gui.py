"""The real window over a real Station and storescp: rule reasons in the details panel and
the tree (English and German), the queue's patient / trigger / time columns, its filter and
Clear finished, the send history export, and Delete with its confirmation and refusal."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from rtstation.config import load_rules
from rtstation.gui.dialogs.history_dialog import HistoryDialog
from rtstation.gui.i18n import install_translator
from rtstation.gui.models.job_table_model import COL_PATIENT, COL_QUEUED, COL_TRIGGER
from rtstation.gui.models.plan_tree_nodes import COL_FORWARDED
from tests.data.generator import PlanSpec, StudySpec, write_study
from tests.gui.test_german_walk import english_shown
from tests.peers.test_history_retention import RULES  # the same two rules

TIMEOUT_MS = 30_000


def _station_with_rules(make_station: Any, storescp: Any, tmp_path: Path) -> Any:
    scp = storescp(tmp_path / "tps_in", ae_title="TPS")
    station = make_station(nodes=[{"name": "TPS", "ae_title": "TPS", "port": scp.port}])
    rules_file = tmp_path / "rules-draft.ini"
    rules_file.write_text(RULES, encoding="utf-8")
    station.apply_rules(load_rules(rules_file, station.settings))
    return station


def _done_jobs(window: Any) -> int:
    model = window.job_model
    return sum(1 for r in range(model.rowCount()) if model.job(r).state == "done")


def test_rule_reasons_show_in_details_and_tree_in_english_and_german(
    qtbot: Any,
    qapp: QApplication,
    make_station: Any,
    make_window: Any,
    storescp: Any,
    tmp_path: Path,
) -> None:
    station = _station_with_rules(make_station, storescp, tmp_path)
    study = write_study(tmp_path / "export", StudySpec(patient_id="WHY1", slices=3))
    window = make_window(station)
    window.import_controller.import_paths([str(study.root)])
    plan_uid = study.plan_uids[0]
    qtbot.waitUntil(lambda: _done_jobs(window) == 1, timeout=TIMEOUT_MS)
    window.tree_controller.load_all()
    qtbot.waitUntil(
        lambda: (
            (p := window.tree_model.plan_snapshot(plan_uid)) is not None
            and p.rules is not None
            and bool(p.rules.verdicts)
        ),
        timeout=TIMEOUT_MS,
    )
    window.select_plan(plan_uid)
    assert window.details.field_text("waiting") == "forwarded by rule Imports"
    history = window.details.history_table.model()
    qtbot.waitUntil(lambda: history.rowCount() == 1, timeout=TIMEOUT_MS)
    assert history.index(0, 2).data() == "rule Imports"  # trigger
    assert history.index(0, 5).data() and history.index(0, 6).data()  # queued, finished
    verdicts = window.details.field_text("verdicts")
    assert 'Rule "Imports": matched -> TPS' in verdicts
    assert 'Rule "FollowOnly": not matched: source AE IMPORT_FOLDER is not FOLLOW' in verdicts
    index = window.tree_model.index_for_plan(plan_uid, COL_FORWARDED)
    tooltip = window.tree_model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "source AE IMPORT_FOLDER is not FOLLOW" in tooltip

    assert install_translator(qapp, "de") == "de"
    try:
        window.details_controller.refresh()
        german = window.details.field_text("verdicts")
        assert "Regel „FollowOnly“: trifft nicht zu: Quell-AE IMPORT_FOLDER ist nicht FOLLOW" in (
            german
        )
        assert "Regel „Imports“: trifft zu -> TPS" in german
        shown = [t for t in english_shown([window.details]) if "verdicts" in t or "Regel" in t]
        assert shown == [], shown
        tooltip = window.tree_model.data(index, Qt.ItemDataRole.ToolTipRole)
        assert "Quell-AE IMPORT_FOLDER ist nicht FOLLOW" in tooltip
    finally:
        install_translator(qapp, "en")


def test_queue_columns_filter_clear_finished_and_history_export(
    qtbot: Any, make_station: Any, make_window: Any, storescp: Any, tmp_path: Path
) -> None:
    station = _station_with_rules(make_station, storescp, tmp_path)
    study = write_study(tmp_path / "export", StudySpec(patient_id="HIST2", slices=3))
    window = make_window(station)
    window.import_controller.import_paths([str(study.root)])
    qtbot.waitUntil(lambda: _done_jobs(window) == 1, timeout=TIMEOUT_MS)
    plan_uid = study.plan_uids[0]
    station.send_plans([plan_uid], ["TPS"], force=True)  # a manual send, as the menu does
    qtbot.waitUntil(lambda: _done_jobs(window) == 2, timeout=TIMEOUT_MS)

    model = window.job_model
    triggers = sorted(model.data(model.index(r, COL_TRIGGER)) for r in range(model.rowCount()))
    assert triggers == ["manual", "rule Imports"]
    assert {model.data(model.index(r, COL_PATIENT)) for r in range(2)} == {"HIST2"}
    assert all(model.data(model.index(r, COL_QUEUED)) for r in range(2))
    assert "Started: " in model.data(model.index(0, COL_QUEUED), Qt.ItemDataRole.ToolTipRole)

    bar = window.jobs_panel.filter_bar
    bar.set_filter("failed")
    assert bar.visible_states() == []
    bar.set_filter("done")
    assert bar.visible_states() == ["done", "done"]
    bar.set_filter("all")
    bar.clear_button.click()
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=TIMEOUT_MS)
    assert station.jobs() == [] and len(station.jobs(include_cleared=True)) == 2

    dialog = HistoryDialog(station, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=TIMEOUT_MS)
    assert dialog.jobs.rowCount() == 2
    triggers = sorted(dialog.jobs.item(r, 6).text() for r in range(2))
    assert triggers == ["manual", "rule Imports"]
    rules = {dialog.rules.item(r, 0).text(): dialog.rules.item(r, 3).text() for r in range(3)}
    assert rules == {"FollowOnly": "1", "Imports": "0", "manual": "0"}
    out = tmp_path / "history.csv"
    dialog.export_to(out, "csv")
    qtbot.waitUntil(out.exists, timeout=TIMEOUT_MS)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8").split("\n\n")[0])))
    assert sorted(r["trigger"] for r in rows) == ["manual", "rule"]
    assert all(r["patient_id"] == "HIST2" and r["queued"] and r["finished"] for r in rows)


def _answer(controller: Any, button: QMessageBox.StandardButton, seen: list[str]) -> None:
    def on_box(box: QMessageBox) -> None:
        seen.append(f"{box.text()}\n{box.informativeText()}")
        QTimer.singleShot(0, lambda: box.done(button))

    controller.confirming.connect(on_box)


def test_delete_asks_what_goes_keeps_the_shared_ct_and_refuses_a_plan_being_sent(
    qtbot: Any, make_station: Any, make_window: Any, storescp: Any, tmp_path: Path
) -> None:
    scp = storescp(tmp_path / "tps_in", ae_title="TPS")
    station = make_station(nodes=[{"name": "TPS", "ae_title": "TPS", "port": scp.port}])
    study = write_study(
        tmp_path / "export",
        StudySpec(patient_id="DEL1", slices=4, plans=(PlanSpec("KEEP"), PlanSpec("GONE"))),
    )
    station.store_paths(study.all_paths)
    keep_uid, gone_uid = study.plan_uids
    window = make_window(station)
    qtbot.waitUntil(
        lambda: window.tree_model.plan_snapshot(gone_uid) is not None, timeout=TIMEOUT_MS
    )
    controller = window.delete_controller
    questions: list[str] = []
    _answer(controller, QMessageBox.StandardButton.Yes, questions)

    with qtbot.waitSignal(controller.deleted, timeout=TIMEOUT_MS):
        controller.delete_plans([gone_uid])
    assert questions[0].startswith("Delete 1 plan")  # English keeps Qt's "plan(s)" source
    assert "2 file" in questions[0] and "5 shared file" in questions[0]
    assert "GONE" in questions[0]
    qtbot.waitUntil(lambda: window.tree_model.plan_snapshot(gone_uid) is None, timeout=TIMEOUT_MS)
    stored = {i.sop_instance_uid for i in station.catalog.instances()}
    assert set(study.image_uids) <= stored and keep_uid in stored and gone_uid not in stored
    report = station.reindex()
    assert (report.added, report.dropped) == (0, 0)

    station.pause_node("TPS")  # the job stays queued: a plan being sent
    station.send_plans([keep_uid], ["TPS"])
    errors: list[QMessageBox] = []
    qtbot.waitUntil(lambda: window.job_model.rowCount() == 1, timeout=TIMEOUT_MS)
    controller.delete_plans([keep_uid])

    def refused() -> bool:
        errors[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()
        ]
        return any("refused" in box.text() for box in errors)

    qtbot.waitUntil(refused, timeout=TIMEOUT_MS)
    text = next(box.text() for box in errors if "refused" in box.text())
    assert "is queued for KEEP" in text and "TPS" in text
    for box in errors:
        box.close()
    assert keep_uid in {i.sop_instance_uid for i in station.catalog.instances()}
    QCoreApplication.processEvents()


def test_gui_reason_templates_equal_the_core_and_german_keeps_every_value(
    qapp: QApplication,
) -> None:
    import string

    from rtstation.gui import rule_reasons
    from rtstation.routing.reasons import ENGLISH, Reason

    assert rule_reasons.TEMPLATES == ENGLISH
    assert install_translator(qapp, "de") == "de"
    try:
        for code, template in ENGLISH.items():
            german = QCoreApplication.translate("RuleReason", template)
            fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
            assert {f for _, f, _, _ in string.Formatter().parse(german) if f} == fields, code
        reason = Reason.of("modality_missing", noun="a dose", modality="RTDOSE")
        assert rule_reasons.reason_text(reason) == "Dosis fehlt noch (die Regel verlangt RTDOSE)"
    finally:
        install_translator(qapp, "en")
    assert rule_reasons.reason_text(reason) == "no dose yet (rule requires RTDOSE)"
