"""Context menus of the real window over a real Station, and the status bar's last event.

The menus are opened the way a right-click opens them (a right mouse press, then the
context-menu event the platform sends) and their items are clicked with the mouse; sends
go to real DCMTK StoreSCPs on 127.0.0.1 and the assertions read what the window shows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPoint, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMenu, QMessageBox, QWidget

from rtstation.events import InstanceRejected, InstanceStored, JobChanged
from rtstation.gui.models.job_table_model import COL_NODE, COL_STATE, JOB_ID_ROLE, STATE_ROLE
from rtstation.gui.models.plan_tree_model import COL_NAME
from tests.data.generator import GeneratedStudy, PlanSpec, StudySpec, write_study
from tests.peers.peers import start_storescu
from tests.queue_watch import ClaimWatch

TIMEOUT_MS = 30_000
RULES = (
    "[General]\nrules_enabled = True\n"
    "[Rule1]\nname = Ethos ADP Plans\nenabled = True\nsource_ae = FOLLOW\n"
    "target_nodes = TPS_A\nplan_label_match = ADP\n"
)


# -- driving the window like a user ----------------------------------------------------


def _import(qtbot: Any, window: Any, *specs: StudySpec, root: Path) -> list[GeneratedStudy]:
    """Import synthetic studies (one plan each) through the window, as a drop would."""
    studies = [write_study(root / spec.patient_id, spec) for spec in specs]
    plan_uids = [uid for study in studies for uid in study.plan_uids]
    with qtbot.waitSignal(window.import_controller.importFinished, timeout=TIMEOUT_MS):
        window.import_controller.import_paths([str(root)])
    window.import_controller.summary.close()
    qtbot.waitUntil(
        lambda: all(window.tree_model.index_for_plan(uid).isValid() for uid in plan_uids),
        timeout=TIMEOUT_MS,
    )
    qtbot.waitUntil(lambda: not window.tree_controller.busy, timeout=TIMEOUT_MS)
    window.expand_all_plans()
    return studies


def _uids(study: GeneratedStudy) -> set[str]:
    return {*study.image_uids, study.structure_set_uid, *study.plan_uids, *study.dose_uids}


def _view_index(window: Any, plan_uid: str) -> QModelIndex:
    panel = window.tree_panel
    return panel.proxy.mapFromSource(window.tree_model.index_for_plan(plan_uid, COL_NAME))


def _click(
    qtbot: Any,
    view: QAbstractItemView,
    index: QModelIndex,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    rect = view.visualRect(index)
    # right of the checkbox, on the text: a click on the box would tick it
    pos = QPoint(min(rect.left() + 60, rect.right() - 2), rect.center().y())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, pos)


def _right_click(qtbot: Any, widget: QWidget, pos: QPoint) -> None:
    """What a right-click does: press and release (selection), then the context-menu
    event that the window system sends (QTest's clicks do not make one)."""
    qtbot.mousePress(widget, Qt.MouseButton.RightButton, pos=pos)
    qtbot.mouseRelease(widget, Qt.MouseButton.RightButton, pos=pos)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, widget.mapToGlobal(pos))
    QApplication.sendEvent(widget, event)


def _right_click_row(qtbot: Any, view: QAbstractItemView, index: QModelIndex) -> None:
    rect = view.visualRect(index)
    _right_click(
        qtbot, view.viewport(), QPoint(min(rect.left() + 60, rect.right() - 2), rect.center().y())
    )


def _texts(menu: QMenu) -> list[str]:
    return [action.text() for action in menu.actions()]


def _action(menu: QMenu, text: str) -> QAction:
    found = [action for action in menu.actions() if action.text() == text]
    assert found, f"no {text!r} in {_texts(menu)}"
    return found[0]


def _choose(qtbot: Any, menu: QMenu, *path: str) -> None:
    """Click through ``path`` ("Send to", "TPS_A") with the mouse, as a user would."""
    for depth, text in enumerate(path):
        qtbot.waitUntil(menu.isVisible)
        action = _action(menu, text)
        assert action.isEnabled(), f"{text!r} is disabled"
        center = menu.actionGeometry(action).center()
        qtbot.mouseMove(menu, center)
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=center)
        if depth < len(path) - 1:
            submenu = action.menu()
            assert submenu is not None, f"{text!r} has no submenu"
            menu = submenu


def _answer_next_question(button_text: str, seen: list[str]) -> None:
    """Click ``button_text`` in the next modal question box (it runs its own event loop,
    so the answer has to come from a timer)."""

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append(box.text())
        button = next(b for b in box.buttons() if b.text().replace("&", "") == button_text)
        button.click()

    QTimer.singleShot(0, answer)


def _jobs_done(window: Any, count: int) -> Callable[[], bool]:
    model = window.job_model

    def done() -> bool:
        states = [
            model.data(model.index(r, COL_STATE), STATE_ROLE) for r in range(model.rowCount())
        ]
        return len(states) == count and all(state == "done" for state in states)

    return done


# -- the plan tree's menu --------------------------------------------------------------


def test_tree_menu_sends_the_selected_plans_or_the_clicked_one(
    qtbot: Any, make_station: Any, make_window: Any, storescp: Any, tmp_path: Path
) -> None:
    tps = storescp(tmp_path / "tps_in", ae_title="TPS_A")
    qa = storescp(tmp_path / "qa_in", ae_title="QA")
    station = make_station(
        nodes=[
            {"name": "TPS_A", "ae_title": "TPS_A", "port": tps.port},
            {"name": "QA", "ae_title": "QA", "port": qa.port},
        ]
    )
    window = make_window(station)
    view = window.tree_panel.view
    assert view.selectionMode() == QAbstractItemView.SelectionMode.ExtendedSelection
    study_a, study_b = _import(
        qtbot,
        window,
        StudySpec(patient_id="RT020", slices=3, plans=(PlanSpec(label="ADP_A"),)),
        StudySpec(patient_id="RT021", slices=3, plans=(PlanSpec(label="ADP_B"),)),
        root=tmp_path / "src",
    )
    first, second = study_a.plan_uids[0], study_b.plan_uids[0]
    files = len(study_a.all_paths)

    # two plans selected with Ctrl; the details show the one clicked last
    _click(qtbot, view, _view_index(window, first))
    _click(qtbot, view, _view_index(window, second), Qt.KeyboardModifier.ControlModifier)
    assert set(window.tree_panel.selected_plan_uids()) == {first, second}
    qtbot.waitUntil(lambda: window.details.field_text("label") == "ADP_B")

    # right-click inside the selection: the menu is for both
    _right_click_row(qtbot, view, _view_index(window, first))
    menu = window.plan_menu_controller.menu
    qtbot.waitUntil(menu.isVisible)
    assert _texts(menu)[0] == "2 selected plans"
    assert "Test forwarding rules" in _texts(menu)
    send_to = _action(menu, "Send to").menu()
    assert _texts(send_to) == ["TPS_A", "QA", "", "All checked nodes"]
    assert not _action(send_to, "All checked nodes").isEnabled()  # nothing ticked yet
    _choose(qtbot, menu, "Send to", "TPS_A")
    qtbot.waitUntil(_jobs_done(window, 2), timeout=60_000)
    assert window.bottom_tabs.currentWidget() is window.jobs_panel
    assert set(tps.wait_for(2 * files, timeout=30)) == _uids(study_a) | _uids(study_b)

    # right-click outside the selection: the clicked plan alone, to the ticked nodes
    _click(qtbot, view, _view_index(window, first))
    box = window.nodes_panel.node_box("QA")
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(4, box.height() // 2))
    _right_click_row(qtbot, view, _view_index(window, second))
    assert window.tree_panel.selected_plan_uids() == [second]
    menu = window.plan_menu_controller.menu
    qtbot.waitUntil(menu.isVisible)
    assert _texts(menu)[0] == "Send to"  # one plan: no count
    _choose(qtbot, menu, "Send to", "All checked nodes")
    qtbot.waitUntil(_jobs_done(window, 3), timeout=60_000)
    qa_rows = [
        r
        for r in range(window.job_model.rowCount())
        if window.job_model.data(window.job_model.index(r, COL_NODE)) == "QA"
    ]
    assert len(qa_rows) == 1
    assert set(qa.wait_for(files, timeout=30)) == _uids(study_b)

    # sending again asks the Send button's question; Cancel queues nothing
    questions: list[str] = []
    _right_click_row(qtbot, view, _view_index(window, second))
    menu = window.plan_menu_controller.menu
    _answer_next_question("Cancel", questions)
    _choose(qtbot, menu, "Send to", "TPS_A")
    assert questions and "already delivered" in questions[0]
    assert window.job_model.rowCount() == 3


def test_tree_menu_tests_the_forwarding_rules_on_a_worker(
    qtbot: Any, make_station: Any, make_window: Any, config_dir: Path, tmp_path: Path
) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "rules.ini").write_text(RULES, encoding="utf-8")
    station = make_station(nodes=[{"name": "TPS_A", "ae_title": "TPS_A", "port": 9}])
    window = make_window(station)
    (study,) = _import(
        qtbot,
        window,
        StudySpec(patient_id="RT030", slices=2, plans=(PlanSpec(label="ADP_Pelvis"),)),
        root=tmp_path / "src",
    )
    plan_uid = study.plan_uids[0]
    threads: list[threading.Thread] = []
    evaluate = station.evaluate_rules

    def recording_evaluate(uid: str, rules: Any = None) -> Any:  # the real call, observed
        threads.append(threading.current_thread())
        return evaluate(uid, rules)

    station.evaluate_rules = recording_evaluate  # type: ignore[method-assign]

    _right_click_row(qtbot, window.tree_panel.view, _view_index(window, plan_uid))
    with qtbot.waitSignal(window.plan_menu_controller.rulesExplained, timeout=10_000):
        _choose(qtbot, window.plan_menu_controller.menu, "Test forwarding rules")
    assert threads and threads[0] is not threading.main_thread()
    box = window.plan_menu_controller.rules_box
    assert box is not None and box.isVisible()
    assert box.text().startswith("No rule sends ADP_Pelvis anywhere.")
    for line in evaluate(plan_uid).explanation():
        assert line in box.text()
    assert 'Rule "Ethos ADP Plans": not matched' in box.text()
    box.close()


# -- pausing a node --------------------------------------------------------------------


def test_pause_from_nodes_panel_and_resume_from_job_table(
    qtbot: Any, make_station: Any, make_window: Any, storescp: Any, tmp_path: Path
) -> None:
    tps = storescp(tmp_path / "tps_in", ae_title="TPS_A")
    station = make_station(nodes=[{"name": "TPS_A", "ae_title": "TPS_A", "port": tps.port}])
    claims = ClaimWatch(station.queue)
    window = make_window(station)
    (study,) = _import(
        qtbot,
        window,
        StudySpec(patient_id="RT040", slices=3, plans=(PlanSpec(label="ADP_P"),)),
        root=tmp_path / "src",
    )
    plan_uid = study.plan_uids[0]
    threads: list[threading.Thread] = []
    for method in ("pause_node", "resume_node"):
        real = getattr(station, method)

        def recording(name: str, real: Any = real) -> None:  # the real call, observed
            threads.append(threading.current_thread())
            real(name)

        setattr(station, method, recording)

    # pause from the Send panel's checkbox
    box = window.nodes_panel.node_box("TPS_A")
    assert box.text() == "TPS_A"
    _right_click(qtbot, box, QPoint(4, box.height() // 2))
    node_menu = window.nodes_panel.context_menu
    assert _texts(node_menu) == ["Pause node TPS_A"]
    _choose(qtbot, node_menu, "Pause node TPS_A")
    qtbot.waitUntil(lambda: box.text() == "TPS_A (paused)", timeout=10_000)
    assert station.is_paused("TPS_A")

    # a send to the paused node waits, and says so
    _right_click_row(qtbot, window.tree_panel.view, _view_index(window, plan_uid))
    menu = window.plan_menu_controller.menu
    assert _texts(_action(menu, "Send to").menu())[0] == "TPS_A (paused)"
    _choose(qtbot, menu, "Send to", "TPS_A (paused)")
    jobs = window.job_model
    qtbot.waitUntil(lambda: jobs.rowCount() == 1, timeout=10_000)
    # The node's worker looked at the queue with the job in it and left it there.
    after_queued = claims.mark()
    qtbot.waitUntil(lambda: claims.declined_since(after_queued, "TPS_A"), timeout=10_000)
    assert claims.claimed(jobs.data(jobs.index(0, COL_STATE), JOB_ID_ROLE)) == 0
    assert jobs.data(jobs.index(0, COL_STATE), STATE_ROLE) == "queued"
    assert jobs.data(jobs.index(0, COL_STATE)) == "paused"
    assert tps.received_order() == []

    # resume from the job table
    table = window.jobs_panel.view
    _right_click(qtbot, table.viewport(), table.visualRect(jobs.index(0, COL_STATE)).center())
    job_menu = window.jobs_panel.context_menu
    assert _texts(job_menu) == ["Retry", "Cancel job", "", "Resume node TPS_A"]
    _choose(qtbot, job_menu, "Resume node TPS_A")
    qtbot.waitUntil(_jobs_done(window, 1), timeout=60_000)
    assert box.text() == "TPS_A"
    assert not station.is_paused("TPS_A")
    assert len(tps.wait_for(len(study.all_paths), timeout=30)) == len(study.all_paths)
    assert len(threads) == 2 and threading.main_thread() not in threads

    # and the job table offers the pause again
    _right_click(qtbot, table.viewport(), table.visualRect(jobs.index(0, COL_STATE)).center())
    assert _texts(window.jobs_panel.context_menu)[-1] == "Pause node TPS_A"
    window.jobs_panel.context_menu.close()


# -- the status bar --------------------------------------------------------------------


def test_status_bar_says_what_happened_last(
    qtbot: Any, make_station: Any, make_window: Any, tmp_path: Path
) -> None:
    window = make_window(make_station())
    status = window.status
    label = status.last_event_label

    def shows(text: str) -> Callable[[], bool]:
        return lambda: label.text() == text

    # a real receive: counted, and summed up when the association ends
    qtbot.mouseClick(window.receiver_control.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.receiver_control.state == "listening", timeout=10_000)
    study = write_study(tmp_path / "export", StudySpec(patient_id="RT050", slices=4))
    proc = start_storescu(
        tmp_path / "export",
        window.station.settings.port,
        calling_ae="FOLLOW",
        called_ae="RTSTATION",
        log_dir=tmp_path / "storescu",
    )
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=TIMEOUT_MS)
    assert proc.returncode == 0, proc.log()
    count = len(study.all_paths)
    qtbot.waitUntil(shows(f"{count} instance(s) received from FOLLOW"), timeout=TIMEOUT_MS)
    assert status.received_label.text() == f"Received since start: {count}"

    # every kind of event through the station's own bus and the bridge
    bus = window.station.bus
    bus.publish(InstanceStored("1.2.3", "RT050", "CT", "FOLLOW", "/x", "stored"))
    qtbot.waitUntil(shows("Stored CT from FOLLOW"))
    bus.publish(InstanceStored("1.2.3", "RT050", "CT", "FOLLOW", "/x", "duplicate"))
    qtbot.waitUntil(shows("Already had CT from FOLLOW"))
    assert status.received == count + 1  # the duplicate is not counted
    bus.publish(InstanceStored("1.2.4", "RT050", "CT", "IMPORT_FOLDER", "/y", "stored"))
    qtbot.waitUntil(shows("Stored CT from IMPORT_FOLDER"))
    assert status.received == count + 1  # an import is not "received"
    bus.publish(JobChanged(3, "ORGANO", "1.2", "done", 5, 5, "done: 5 of 5 delivered"))
    qtbot.waitUntil(shows("Job 3 to ORGANO done"))
    assert "color" not in label.styleSheet()
    bus.publish(JobChanged(4, "QA", "1.2", "failed", 0, 5, "failed because no context %1"))
    qtbot.waitUntil(shows("Job 4 to QA failed: no context %1"))
    assert "color" in label.styleSheet()  # problems in red
    bus.publish(InstanceRejected("ECLIPSE", "calling AE not allowed"))
    qtbot.waitUntil(shows("Refused an instance from ECLIPSE: calling AE not allowed"))
    assert status.received_label.text() == f"Received since start: {count + 1} (1 refused)"
    assert label.toolTip().endswith("Refused an instance from ECLIPSE: calling AE not allowed")

    # a transient message covers the last event for a while, the counters stay
    status.showMessage("3 send job(s) queued.", 100)
    assert status.received_label.isVisible()
    qtbot.waitUntil(label.isVisible)

    qtbot.mouseClick(window.receiver_control.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.receiver_control.state == "stopped", timeout=10_000)


@pytest.mark.filterwarnings("error::DeprecationWarning")  # Qt 6.9 deprecates filter calls
def test_tree_filter_matches_names_labels_keeps_children_and_follows_new_arrivals(
    qtbot: Any, make_station: Any, make_window: Any, tmp_path: Path
) -> None:
    window = make_window(make_station())
    _import(
        qtbot,
        window,
        StudySpec(patient_id="RT070", patient_name="Straße^Anna", charset="ISO_IR 192", slices=1),
        StudySpec(patient_id="RT071", patient_name="Kerr^Otto", plans=(PlanSpec(label="B"),)),
        root=tmp_path / "first",
    )
    proxy = window.tree_panel.proxy
    window.tree_panel.filter_edit.setText("  STRASSE anna ")  # case-folded, caret as space
    assert proxy.rowCount() == 1
    patient = proxy.index(0, COL_NAME)
    assert patient.data().endswith("(RT070)")
    assert proxy.rowCount(patient) == window.tree_model.rowCount(proxy.mapToSource(patient)) > 0
    window.tree_panel.filter_edit.setText("B")  # only RT071's plan label has a "b"
    assert proxy.rowCount() == 1 and proxy.index(0, COL_NAME).data().endswith("(RT071)")
    window.tree_panel.filter_edit.setText("strasse anna")
    # a patient that arrives while the filter is typed shows when it matches, not otherwise
    _import(
        qtbot,
        window,
        StudySpec(patient_id="RT072", patient_name="Strasse^Anna", slices=1),
        StudySpec(patient_id="RT073", patient_name="Other^Name", slices=1),
        root=tmp_path / "second",
    )
    shown = sorted(proxy.index(row, COL_NAME).data()[-7:] for row in range(proxy.rowCount()))
    assert shown == ["(RT070)", "(RT072)"]
    window.tree_panel.filter_edit.clear()
    assert proxy.rowCount() == 4


def test_the_tree_proxy_is_qts_own_class(make_station: Any, make_window: Any) -> None:
    """A Python subclass would make each of the thousands of calls a repaint makes on it
    take the GIL first (PySide looks for a Python override), the lock the receiver's
    threads hold much of the time during a transfer (docs/conventions.md)."""
    window = make_window(make_station())
    assert type(window.tree_panel.proxy) is QSortFilterProxyModel
