"""A manual send of a plan that is not APPROVED asks first (the rules' "approved only"
guards automatic sends)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.data.generator import PlanSpec, StudySpec, write_study

TIMEOUT_MS = 30_000


def answer_box(answer: QMessageBox.StandardButton, seen: list[QMessageBox]) -> Callable[[], None]:
    """Clicks ``answer`` in the modal box once it is shown (exec() blocks the caller)."""

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible():
            seen.append(box)
            box.button(answer).click()
        else:
            QTimer.singleShot(20, poll)

    return poll


def test_manual_send_of_an_unapproved_plan_asks(
    qtbot: Any, make_station: Any, make_window: Any, storescp: Any, tmp_path: Path
) -> None:
    scp = storescp(tmp_path / "in", ae_title="TPS_A")
    window = make_window(
        make_station(nodes=[{"name": "TPS_A", "ae_title": "TPS_A", "port": scp.port}])
    )
    study = write_study(
        tmp_path / "export",
        StudySpec(slices=2, plans=(PlanSpec(label="Pelvis_sched", approval="UNAPPROVED"),)),
    )
    window.station.import_paths([tmp_path / "export"])
    plan_uid = study.plan_uids[0]
    qtbot.waitUntil(lambda: window.tree_model.index_for_plan(plan_uid).isValid())

    seen: list[QMessageBox] = []
    QTimer.singleShot(0, answer_box(QMessageBox.StandardButton.No, seen))
    assert window.send_controller.send([plan_uid], ["TPS_A"]) is False
    assert seen[0].objectName() == "unapprovedQuestion"
    assert seen[0].text() == "1 of the plans to send is not APPROVED. Send anyway?"
    assert seen[0].informativeText() == "Pelvis_sched: UNAPPROVED"
    assert window.station.jobs() == []

    QTimer.singleShot(0, answer_box(QMessageBox.StandardButton.Yes, seen))
    with qtbot.waitSignal(window.send_controller.sendQueued, timeout=TIMEOUT_MS):
        assert window.send_controller.send([plan_uid], ["TPS_A"]) is True
    assert len(seen) == 2
    scp.wait_for(len(study.all_paths), timeout=30)
