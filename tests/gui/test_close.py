"""Closing the window (or Quit) while a send runs asks first; "quit" loses nothing.

The node is a real DCMTK storescp that takes a second per instance (``--sleep-after``),
so the send is certainly still running when the window is closed, on any machine.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from tests.data.generator import StudySpec, write_study

TIMEOUT_MS = 60_000


def _slow_node(storescp: Any, tmp_path: Path) -> Any:
    return storescp(tmp_path / "tps_in", ae_title="TPS_A", extra_args=["--sleep-after", "1"])


def _node(scp: Any) -> list[dict[str, Any]]:
    return [{"name": "TPS_A", "ae_title": "TPS_A", "port": scp.port}]


def _start_send(qtbot: Any, window: Any, tmp_path: Path) -> set[str]:
    study = write_study(tmp_path / "export", StudySpec(patient_id="RT777", slices=1))
    station = window.station
    station.import_paths([tmp_path / "export"])
    station.send_plans(study.plan_uids, ["TPS_A"])
    jobs = window.job_model
    qtbot.waitUntil(
        lambda: jobs.rowCount() == 1 and jobs.job(0).done >= 1 and jobs.job(0).state != "done",
        timeout=TIMEOUT_MS,
    )
    return _uids(study)


def _uids(study: Any) -> set[str]:
    return {*study.image_uids, study.structure_set_uid, *study.plan_uids, *study.dose_uids}


def test_quit_during_a_send_asks_and_the_jobs_resume_on_the_next_start(
    qtbot: Any, make_station: Any, make_window: Any, storescp: Any, tmp_path: Path
) -> None:
    scp = _slow_node(storescp, tmp_path)
    window = make_window(make_station(nodes=_node(scp)))
    expected = _start_send(qtbot, window, tmp_path)

    window.close()
    question = window.close_controller.question
    assert question is not None and question.isVisible()
    assert window.isVisible()  # held, and the send goes on meanwhile
    assert question.text() == "1 send job(s) are not finished yet."
    assert "resume the next time rtstation starts" in question.informativeText()
    # offscreen has no system tray: the question says so instead of offering it
    assert "no system tray" in question.informativeText()
    assert "tray" not in window.close_controller._buttons
    assert not window.keep_running_action.isVisible()

    with qtbot.waitSignal(window.quitRequested, timeout=TIMEOUT_MS):
        qtbot.mouseClick(window.close_controller.button("quit"), Qt.MouseButton.LeftButton)
    assert not window.isVisible()
    window.station.stop()
    delivered_before = len(scp.received_order())
    assert 0 < delivered_before < len(expected), "the send must have been interrupted"

    # the next start on the same configuration folder resumes the job
    station = make_station(nodes=_node(scp))
    station.start(receiver=False)
    received = scp.wait_for(len(expected), timeout=TIMEOUT_MS / 1000)
    assert set(received) == expected
    qtbot.waitUntil(lambda: [job.state for job in station.jobs()] == ["done"], timeout=TIMEOUT_MS)
    twice = [uid for uid, n in Counter(scp.received_order()).items() if n > 1]
    assert not twice, f"delivered twice: {twice}"


def test_waiting_for_the_queue_quits_when_it_is_finished(
    qtbot: Any, make_station: Any, make_window: Any, storescp: Any, tmp_path: Path
) -> None:
    scp = _slow_node(storescp, tmp_path)
    window = make_window(make_station(nodes=_node(scp)))
    expected = _start_send(qtbot, window, tmp_path)

    window.quit_action.trigger()  # File > Quit asks the same question
    assert window.close_controller.question is not None
    qtbot.mouseClick(window.close_controller.button("wait"), Qt.MouseButton.LeftButton)
    assert window.isVisible()
    assert window.status.currentMessage() == "rtstation quits when the send queue is finished."
    with qtbot.waitSignal(window.quitRequested, timeout=TIMEOUT_MS):
        pass
    assert set(scp.received_order()) == expected
    assert window.job_model.job(0).state == "done"


def test_closing_with_an_idle_queue_quits_without_asking(
    qtbot: Any, make_station: Any, make_window: Any
) -> None:
    window = make_window(make_station())
    with qtbot.waitSignal(window.quitRequested, timeout=5_000):
        window.close()
    assert window.close_controller.question is None
