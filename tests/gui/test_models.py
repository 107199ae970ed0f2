"""The GUI's models, workers and bridge, without the window.

Models are checked with Qt's own QAbstractItemModelTester (pytest-qt's ``qtmodeltester``),
which catches the index/parent/rowCount inconsistencies that make views crash later. The
tree's incremental updates are checked by the signals they emit: a refreshed patient
must never reset the model.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt

from rtstation.dicom.headers import read_header
from rtstation.events import EventBus, InstanceStored, JobChanged
from rtstation.gui import workers
from rtstation.gui.bridge import StationBridge
from rtstation.gui.controllers.tree_data import (
    PatientSnapshot,
    PlanSnapshot,
    build_patient,
    fetch_patients,
)
from rtstation.gui.log_handler import QtLogHandler
from rtstation.gui.models.job_table_model import COL_PLAN, COL_PROGRESS, JobTableModel
from rtstation.gui.models.log_model import LogListModel
from rtstation.gui.models.plan_tree_model import (
    COL_COMPLETE,
    COL_FORWARDED,
    COL_NAME,
    KIND_ROLE,
    PLAN,
    PlanTreeModel,
)
from rtstation.station import Station
from tests.data.generator import PlanSpec, StudySpec, write_study

# -- helpers ---------------------------------------------------------------------------


def _instances(paths: list[Path], source_ae: str = "FOLLOW") -> list[Any]:
    """Catalog-like records (what ``Catalog.instances`` returns) for generated files."""
    return [
        SimpleNamespace(
            header=read_header(path),
            source_ae=source_ae,
            received_at="2024-03-01T10:00:00.000+00:00",
            size=path.stat().st_size,
        )
        for path in paths
    ]


def _patient(tmp_path: Path, patient_id: str, **spec: Any) -> PatientSnapshot:
    study = write_study(tmp_path / patient_id, StudySpec(patient_id=patient_id, **spec))
    return build_patient(None, patient_id, _instances(list(study.all_paths)))


class _Recorder:
    """Counts the structural signals a model emits."""

    def __init__(self, model: Any) -> None:
        self.resets = 0
        self.inserted: list[tuple[int, int]] = []
        self.removed: list[tuple[int, int]] = []
        self.changed = 0
        model.modelReset.connect(self._reset)
        model.rowsInserted.connect(lambda _p, first, last: self.inserted.append((first, last)))
        model.rowsRemoved.connect(lambda _p, first, last: self.removed.append((first, last)))
        model.dataChanged.connect(self._changed)

    def _reset(self) -> None:
        self.resets += 1

    def _changed(self, *_args: object) -> None:
        self.changed += 1


def _synthetic_patients(template: PlanSnapshot, count: int) -> list[PatientSnapshot]:
    """``count`` light patients that share one real bundle (for scale tests)."""
    patients = []
    for number in range(count):
        patient_id = f"P{number:05d}"
        plan = replace(
            template, plan_uid=f"1.2.3.{number}", patient_id=patient_id, label=f"PLAN_{number:05d}"
        )
        patients.append(
            PatientSnapshot(
                patient_id,
                f"Test^{number}",
                (plan,),
                None,
                plan.received,
                plan.received_iso,
                ("FOLLOW",),
            )
        )
    return patients


# -- PlanTreeModel ---------------------------------------------------------------------


def test_tree_model_passes_qt_model_tester(qtmodeltester: Any, tmp_path: Path) -> None:
    model = PlanTreeModel()
    model.set_patients(
        [
            _patient(tmp_path, "RT001", slices=5),
            _patient(
                tmp_path,
                "RT002",
                slices=4,
                missing_slices=1,
                plans=(PlanSpec(label="A"), PlanSpec(label="B", doses=2)),
            ),
        ]
    )
    qtmodeltester.check(model, force_py=False)
    assert model.rowCount() == 2
    assert model.plan_count == 3


def test_tree_shows_plan_columns_and_modality_groups(tmp_path: Path) -> None:
    model = PlanTreeModel()
    model.set_patients(
        [_patient(tmp_path, "RT001", slices=6, plans=(PlanSpec(label="ADP_Pelvis"),))]
    )
    patient = model.index(0, 0)
    assert model.data(patient) == "Test Patient (RT001)"
    plan = model.index(0, 0, patient)
    assert model.data(plan, KIND_ROLE) == PLAN
    assert model.data(plan) == "ADP_Pelvis"
    assert model.data(plan.siblingAtColumn(COL_COMPLETE)) == "CT 6/6, RS, RD"
    groups = [model.data(model.index(r, 0, plan)) for r in range(model.rowCount(plan))]
    assert groups == ["CT (6)", "RTSTRUCT (1)", "RTPLAN (1)", "RTDOSE (1)"]
    ct = model.index(0, 0, plan)
    assert model.rowCount(ct) == 6


def test_incomplete_plan_and_unconnected_group(tmp_path: Path) -> None:
    model = PlanTreeModel()
    study_root = tmp_path / "s"
    study = write_study(study_root, StudySpec(patient_id="RT009", slices=6, missing_slices=2))
    extra = write_study(
        tmp_path / "lone", StudySpec(patient_id="RT009", slices=3, structure_set=False, plans=())
    )
    snapshot = build_patient(None, "RT009", _instances([*study.all_paths, *extra.all_paths]))
    model.set_patients([snapshot])
    patient = model.index(0, 0)
    plan = model.index(0, 0, patient)
    assert model.data(plan.siblingAtColumn(COL_COMPLETE)).startswith("CT 4/6")
    assert model.data(plan.siblingAtColumn(COL_COMPLETE), Qt.ItemDataRole.ForegroundRole)
    unconnected = model.index(1, 0, patient)
    assert model.data(unconnected) == "Unconnected"
    assert model.data(unconnected.siblingAtColumn(COL_COMPLETE)) == "CT 3"


def test_refreshing_one_patient_is_incremental(tmp_path: Path) -> None:
    model = PlanTreeModel()
    first = _patient(tmp_path, "RT001", slices=3)
    second = _patient(tmp_path, "RT002", slices=3)
    model.set_patients([first, second])
    kept = QPersistentModelIndex(model.index(0, 0, model.index(0, 0)))  # RT001's plan
    model.set_checked([first.plans[0].plan_uid], True)
    recorder = _Recorder(model)

    # RT002 gets a second plan; RT001 is refreshed unchanged; RT003 is new
    richer = _patient(
        tmp_path / "again",
        "RT002",
        slices=3,
        plans=(PlanSpec(label="PLAN1"), PlanSpec(label="PLAN2")),
    )
    model.update_patients([first, richer, _patient(tmp_path, "RT003", slices=2)])

    assert recorder.resets == 0
    assert kept.isValid() and model.data(kept) == first.plans[0].label
    assert model.patient_ids() == ["RT001", "RT002", "RT003"]
    assert model.checked_plan_uids() == [first.plans[0].plan_uid]
    assert recorder.inserted, "new rows must be inserted, not reset"
    rt002 = model.index_for_patient("RT002")
    assert model.rowCount(rt002) == 2

    # a patient whose data is gone disappears, the others stay
    model.update_patients([PatientSnapshot("RT003", "", (), None, "", "", ())])
    assert model.patient_ids() == ["RT001", "RT002"]
    assert recorder.resets == 0


def test_checkboxes_on_plans_and_patients(qtmodeltester: Any, tmp_path: Path) -> None:
    model = PlanTreeModel()
    snapshot = _patient(
        tmp_path, "RT001", slices=2, plans=(PlanSpec(label="A"), PlanSpec(label="B"))
    )
    model.set_patients([snapshot])
    patient = model.index(0, 0)
    plan_a = model.index(0, 0, patient)
    assert model.flags(plan_a) & Qt.ItemFlag.ItemIsUserCheckable
    assert model.setData(plan_a, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert model.data(patient, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.PartiallyChecked
    model.setData(patient, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert model.checked_plan_uids() == [p.plan_uid for p in snapshot.plans]
    model.clear_checks()
    assert model.checked_plan_uids() == []
    qtmodeltester.check(model, force_py=False)


def test_job_events_update_forwarded_marks(tmp_path: Path) -> None:
    model = PlanTreeModel()
    snapshot = _patient(tmp_path, "RT001", slices=2)
    model.set_patients([snapshot])
    uid = snapshot.plans[0].plan_uid
    recorder = _Recorder(model)
    model.apply_job_state(uid, "TPS_A", "sending")
    model.apply_job_state(uid, "TPS_A", "done")
    model.apply_job_state(uid, "QA", "failed")
    index = model.index_for_plan(uid, COL_FORWARDED)
    assert model.data(index) == "TPS_A ✓  QA ✗"
    assert recorder.changed == 3 and recorder.resets == 0


def _python_calls(action: Callable[[], object]) -> int:
    """How many Python functions ``action`` runs: a measure of its work that, unlike a
    stopwatch, does not depend on how busy the machine is."""
    calls = 0

    def count(_frame: Any, event: str, _arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        action()
    finally:
        sys.setprofile(None)
    return calls


def test_thousand_patients_stay_fluid(qtmodeltester: Any, tmp_path: Path) -> None:
    """Loading grows linearly with the patients, refreshing one patient and laying out a
    row do not grow at all: counted in Python calls at 100 and at 1,000 patients, so the
    verdict is the same on a busy machine as on an idle one."""
    template = _patient(tmp_path, "RT001", slices=3).plans[0]
    work: dict[int, dict[str, int]] = {}
    for count in (100, 1000):
        patients = _synthetic_patients(template, count)
        model = PlanTreeModel()
        load = _python_calls(partial(model.set_patients, patients))
        recorder = _Recorder(model)
        middle = patients[count // 2]
        changed = replace(middle, plans=(replace(middle.plans[0], label="NEW"),))
        update = _python_calls(partial(model.update_patients, [changed]))
        assert model.rowCount() == count
        assert recorder.resets == 0 and recorder.changed >= 1

        def lay_out(model: PlanTreeModel = model) -> None:
            for row in range(model.rowCount()):  # what a view does when it lays out every row
                model.parent(model.index(0, 0, model.index(row, 0)))

        work[count] = {"load": load, "update": update, "layout": _python_calls(lay_out)}
    small, large = work[100], work[1000]
    assert large["load"] <= 12 * small["load"], f"loading is not linear: {work}"
    assert large["update"] <= small["update"] + 50, f"one patient's refresh grows: {work}"
    assert large["layout"] <= 12 * small["layout"], f"parent() grows with the rows: {work}"


def test_fetch_patients_reads_the_catalog(tmp_path: Path) -> None:
    """fetch_patients works on a real station's catalog (one query per patient)."""
    study = write_study(tmp_path / "s", StudySpec(patient_id="RT001", slices=3))
    station = Station.open(str(tmp_path / "config"))
    try:
        station.import_paths([study.root])
        everything = fetch_patients(station)
        assert [p.patient_id for p in everything] == ["RT001"]
        assert everything[0].plans[0].decision == "not-forwarded"  # no rules configured
        fetched = {p.patient_id: p for p in fetch_patients(station, ["RT001", "GONE"])}
        assert fetched["GONE"].empty and not fetched["RT001"].empty
    finally:
        station.stop()


# -- JobTableModel ---------------------------------------------------------------------


def _job(job_id: int, state: str = "queued", done: int = 0, total: int = 5) -> JobChanged:
    return JobChanged(job_id, "TPS_A", "1.2.3", state, done, total)


def test_job_table_model(qtmodeltester: Any) -> None:
    model = JobTableModel(lambda uid: "PLAN1" if uid == "1.2.3" else "", max_rows=3)
    model.set_jobs([_job(1, "done", 5, 5), _job(2)])
    qtmodeltester.check(model, force_py=False)
    recorder = _Recorder(model)
    model.apply(_job(2, "sending", 3, 5))
    assert model.data(model.index(0, COL_PROGRESS)) == "3/5"
    assert model.data(model.index(0, COL_PLAN)) == "PLAN1"
    model.apply(_job(3))
    model.apply(_job(4, "failed", 1, 5))
    assert recorder.resets == 0
    assert [model.job(r).job_id for r in range(model.rowCount())] == [4, 3, 2]  # 1 fell off
    assert model.counts() == {"failed": 1, "queued": 1, "sending": 1}
    qtmodeltester.check(model, force_py=False)


# -- log -------------------------------------------------------------------------------


def test_log_model_is_bounded_filtered_and_fed_across_threads(
    qtbot: Any, qtmodeltester: Any
) -> None:
    model = LogListModel(capacity=50, minimum_level=logging.INFO)
    handler = QtLogHandler()
    handler.entryLogged.connect(model.add, Qt.ConnectionType.QueuedConnection)
    logger = logging.getLogger("rtstation.test.gui_log")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    logger.propagate = False
    try:

        def produce() -> None:
            for n in range(120):
                logger.info("line %d", n)
            logger.debug("hidden")
            logger.error("boom")

        thread = threading.Thread(target=produce)
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: model.rowCount() == 50 and "boom" in model.entry(49).message)
    finally:
        logger.removeHandler(handler)
    assert model.entry(0).message == "line 71"
    model.set_minimum_level(logging.ERROR)
    assert model.rowCount() == 1
    model.set_minimum_level(logging.DEBUG)
    assert any(model.entry(r).message == "hidden" for r in range(model.rowCount()))
    qtmodeltester.check(model, force_py=False)


# -- workers and bridge ----------------------------------------------------------------


def test_run_task_delivers_on_the_gui_thread(qtbot: Any) -> None:
    seen: dict[str, Any] = {}
    progress: list[tuple[int, int]] = []

    def work(control: workers.TaskControl) -> int:
        seen["worker"] = threading.current_thread() is threading.main_thread()
        for n in range(1, 101):
            control.progress(n, 100, "x")
        return 42

    def done(value: int) -> None:
        seen["value"] = value
        seen["done_on_main"] = threading.current_thread() is threading.main_thread()

    handle = workers.run_task(work, done, on_progress=lambda d, t, _n: progress.append((d, t)))
    with qtbot.waitSignal(handle.finished, timeout=5000):
        pass
    assert seen == {"worker": False, "value": 42, "done_on_main": True}
    assert progress[-1] == (100, 100)
    assert len(progress) < 100, "progress is throttled"


def test_run_task_reports_errors_and_cancels(qtbot: Any) -> None:
    errors: list[BaseException] = []
    handle = workers.run_task(lambda _c: 1 / 0, on_error=errors.append)
    with qtbot.waitSignal(handle.failed, timeout=5000):
        pass
    assert isinstance(errors[0], ZeroDivisionError)

    started = threading.Event()

    def slow(control: workers.TaskControl) -> str:
        started.set()
        while not control.cancelled:
            time.sleep(0.01)
        control.check_cancelled()
        return "not reached"

    handle = workers.run_task(slow)
    assert started.wait(5)
    with qtbot.waitSignal(handle.cancelled, timeout=5000):
        handle.cancel()
    assert not workers.active_tasks()


def test_bridge_re_emits_events_from_other_threads_on_the_gui_thread(qtbot: Any) -> None:
    bus = EventBus()
    station = SimpleNamespace(subscribe=bus.subscribe)
    bridge = StationBridge(station)
    received: list[tuple[object, bool]] = []
    bridge.jobChanged.connect(
        lambda e: received.append((e, threading.current_thread() is threading.main_thread())),
        Qt.ConnectionType.QueuedConnection,
    )
    event = JobChanged(7, "TPS_A", "1.2.3", "done", 5, 5)
    thread = threading.Thread(target=bus.publish, args=(event,))
    with qtbot.waitSignal(bridge.jobChanged, timeout=5000):
        thread.start()
        thread.join()
    qtbot.waitUntil(lambda: bool(received))
    assert received == [(event, True)]
    bridge.close()
    bus.publish(InstanceStored("1.2", "RT001", "CT", "X", "/p", "stored"))  # nobody listens


@pytest.mark.parametrize("value", [Qt.CheckState.Checked, 2, True])
def test_check_values_views_send_are_understood(tmp_path: Path, value: Any) -> None:
    model = PlanTreeModel()
    model.set_patients([_patient(tmp_path, "RT001", slices=2)])
    plan = model.index(0, COL_NAME, model.index(0, 0))
    model.setData(plan, value, Qt.ItemDataRole.CheckStateRole)
    assert len(model.checked_plan_uids()) == 1
