"""The tree of a big station: every patient and plan at once, their files right after.

Why it matters: decoding 100,000 stored headers takes seconds, and a window that shows
nothing (or freezes) for that long looks hung. So the tree first shows an outline of
every patient and plan, read without decoding a header, and fills in each patient's
files afterwards on a worker. The outline must say what the full tree says, nothing
may be read on the GUI thread, and a patient the user opens is filled in first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rtstation.errors import DatabaseError
from rtstation.gui.app import keep_gc_pauses_short
from rtstation.gui.controllers import tree_controller
from rtstation.gui.controllers.tree_data import fetch_patients
from rtstation.gui.dialogs._rule_test import tested_plan as rules_test_of
from rtstation.gui.models.plan_tree_model import KIND_ROLE, PLAN, PlanTreeModel
from rtstation.station import Station
from tests.data.generator import PlanSpec, StudySpec, write_ct_series, write_many_patients

PATIENTS = 12


@pytest.fixture
def big_station(tmp_path: Path, make_station: Callable[..., Station]) -> Station:
    """12 RT patients (two plans each) and one with only a CT series."""
    station = make_station()
    spec = StudySpec(slices=3, rows=8, columns=8, plans=(PlanSpec(), PlanSpec(label="B")))
    write_many_patients(tmp_path / "in", PATIENTS, spec, uid_seed="outline")
    write_ct_series(tmp_path / "in" / "ct", 2, rows=8, columns=8, patient_id="ZZ_CT_ONLY")
    report = station.import_paths([tmp_path / "in"])
    assert report.summary().startswith(f"{PATIENTS * 8 + 2} ")
    return station


@pytest.fixture
def open_window(make_window: Callable[..., Any]) -> Callable[[Station], Any]:
    """The real window, returned at once so a test sees its first load from the start."""
    return lambda station: make_window(station, start=False, loaded=False)


def _tree(model: PlanTreeModel) -> dict[str, list[tuple[str, ...]]]:
    """Patient row -> what its plan rows show, column by column."""
    shown: dict[str, list[tuple[str, ...]]] = {}
    for row in range(model.rowCount()):
        patient = model.index(row, 0)
        plans = []
        for plan_row in range(model.rowCount(patient)):
            if model.index(plan_row, 0, patient).data(KIND_ROLE) != PLAN:
                continue  # the "Unconnected" node comes with the files
            cells = (model.index(plan_row, c, patient).data() for c in range(model.columnCount()))
            plans.append(tuple(str(cell) for cell in cells))
        shown[str(patient.data())] = plans
    return shown


def test_the_outline_shows_every_patient_and_plan_as_the_full_tree_does(
    qtbot: Any, big_station: Station, open_window: Callable[[Station], Any]
):
    window = open_window(big_station)
    model = window.tree_model
    at_outline: dict[str, Any] = {}

    def loaded(loading: bool) -> None:
        if not loading and not at_outline:
            at_outline["tree"] = _tree(model)
            at_outline["ids"] = model.patient_ids()
            at_outline["outline"] = [model.patient_snapshot(p).outline for p in model.patient_ids()]
            plans = [model.index_for_plan(uid) for uid in model._plans]
            at_outline["plan_children"] = {model.rowCount(index) for index in plans}

    window.tree_controller.loadingChanged.connect(loaded)
    qtbot.waitUntil(lambda: window.tree_controller.detailed, timeout=20_000)
    qtbot.waitUntil(lambda: not window.tree_controller.busy, timeout=20_000)

    expected_ids = [*(f"RT{n:03d}" for n in range(1, PATIENTS + 1)), "ZZ_CT_ONLY"]
    assert at_outline["ids"] == expected_ids
    assert set(at_outline["outline"]) == {True}  # nothing decoded yet...
    assert at_outline["plan_children"] == {0}  # ...so no plan has its files yet
    assert at_outline["tree"] == _tree(model)  # and every cell said what it says now
    assert model.plan_count == 2 * PATIENTS
    for patient_id in expected_ids:
        snapshot = model.patient_snapshot(patient_id)
        assert snapshot is not None and not snapshot.outline
        assert snapshot == fetch_patients(big_station, [patient_id])[0]
        assert all(plan.bundle is not None and plan.groups for plan in snapshot.plans)
    ct_only = model.patient_snapshot("ZZ_CT_ONLY")
    assert ct_only is not None and ct_only.unconnected is not None
    assert model.rowCount(model.index_for_patient("ZZ_CT_ONLY")) == 1  # "Unconnected"


def test_the_tree_reads_the_catalog_only_on_workers(
    qtbot: Any,
    big_station: Station,
    open_window: Callable[[Station], Any],
    monkeypatch: pytest.MonkeyPatch,
):
    catalog = big_station.catalog
    readers: list[tuple[str, bool]] = []
    for name in ("patient_outlines", "instances"):
        method = getattr(catalog, name)

        def spy(*args: Any, _method: Any = method, _name: str = name, **kwargs: Any) -> Any:
            readers.append((_name, threading.current_thread() is threading.main_thread()))
            return _method(*args, **kwargs)

        monkeypatch.setattr(catalog, name, spy)
    window = open_window(big_station)
    qtbot.waitUntil(lambda: window.tree_controller.detailed, timeout=20_000)
    qtbot.waitUntil(lambda: not window.tree_controller.busy, timeout=20_000)

    assert ("patient_outlines", False) in readers
    assert sum(1 for name, _ in readers if name == "instances") >= PATIENTS + 1
    assert [name for name, on_gui in readers if on_gui] == []


def test_a_patient_the_user_opens_is_filled_in_first(
    qtbot: Any,
    big_station: Station,
    open_window: Callable[[Station], Any],
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(tree_controller, "_DETAIL_BATCH", 2)
    window = open_window(big_station)
    controller = window.tree_controller
    batches: list[list[str]] = []

    def loaded(loading: bool) -> None:
        if not loading:
            controller.refreshed.connect(batches.append)
            controller.prefer("RT009")  # what selecting or expanding the row asks for

    controller.loadingChanged.connect(loaded)
    qtbot.waitUntil(lambda: controller.detailed, timeout=20_000)
    qtbot.waitUntil(lambda: not controller.busy, timeout=20_000)

    assert batches[0] == window.tree_model.patient_ids()  # the outline itself
    assert "RT009" in batches[1]  # with the first batch, not the fifth
    assert all(len(batch) <= 2 for batch in batches[1:])
    filled = [patient_id for batch in batches[1:] for patient_id in batch]
    assert sorted(filled) == sorted(window.tree_model.patient_ids())


def test_an_outline_plan_shows_in_the_details_and_the_rules_test_waits(
    qtbot: Any, big_station: Station, open_window: Callable[[Station], Any]
):
    window = open_window(big_station)
    seen: dict[str, Any] = {}

    def loaded(loading: bool) -> None:
        if loading or seen:
            return
        plan = window.tree_model.plan_snapshot(next(iter(window.tree_model._plans)))
        assert plan is not None and plan.outline and plan.bundle is None
        window.details.show_plan(plan)
        seen["label"] = window.details._fields["label"].text()
        seen["files"] = window.details.files_table.rows_model.rowCount()
        seen["test"] = rules_test_of(big_station.rules, plan)
        seen["plan"] = plan

    window.tree_controller.loadingChanged.connect(loaded)
    qtbot.waitUntil(lambda: window.tree_controller.detailed, timeout=20_000)
    qtbot.waitUntil(lambda: not window.tree_controller.busy, timeout=20_000)

    assert seen["label"] == seen["plan"].label and seen["files"] == 0
    assert seen["test"] == "The plan's files are still being read: test again in a moment."
    full = window.tree_model.plan_snapshot(seen["plan"].plan_uid)
    assert full is not None and full.bundle is not None
    window.details.show_plan(full)
    assert window.details.files_table.rows_model.rowCount() == len(full.files())


def test_a_failed_fill_in_keeps_the_outline_and_stops(
    qtbot: Any,
    big_station: Station,
    open_window: Callable[[Station], Any],
    monkeypatch: pytest.MonkeyPatch,
):
    """A catalog that cannot be read after the outline: the rows stay, the error is shown
    once, and the tree does not retry forever (a reload reads it again)."""
    window = open_window(big_station)
    controller = window.tree_controller
    failures: list[BaseException] = []
    controller.loadFailed.connect(failures.append)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise DatabaseError("Station database 'catalog.sqlite': disk I/O error", transient=False)

    def loaded(loading: bool) -> None:
        if not loading:
            monkeypatch.setattr(big_station.catalog, "instances", broken)
            controller.loadingChanged.disconnect(loaded)

    controller.loadingChanged.connect(loaded)
    qtbot.waitUntil(lambda: bool(failures) and not controller.busy, timeout=20_000)

    assert len(failures) == 1 and isinstance(failures[0], DatabaseError)
    assert len(window.tree_model.patient_ids()) == PATIENTS + 1
    assert window.tree_model.plan_count == 2 * PATIENTS
    assert not controller.detailed

    monkeypatch.undo()
    controller.load_all()
    qtbot.waitUntil(lambda: controller.detailed and not controller.busy, timeout=20_000)
    assert all(not window.tree_model.patient_snapshot(p).outline for p in expected_ids())


def test_each_filled_in_batch_is_moved_out_of_the_collectors_way(
    qtbot: Any, big_station: Station, open_window: Callable[[Station], Any]
):
    """Full collections walk every object not frozen; 100,000 instances' snapshots made
    them 200 ms long. Each batch the tree fills in is frozen once it is applied."""
    window = open_window(big_station)
    keep_gc_pauses_short(window)  # as run_gui does
    frozen: list[int] = []
    window.tree_controller.refreshed.connect(lambda _ids: frozen.append(gc.get_freeze_count()))
    try:
        qtbot.waitUntil(lambda: window.tree_controller.detailed, timeout=20_000)
        qtbot.waitUntil(lambda: not window.tree_controller.busy, timeout=20_000)
        snapshot = window.tree_model.patient_snapshot("RT001")
        assert snapshot is not None and not snapshot.outline
        assert not any(o is snapshot for o in gc.get_objects())  # frozen: not walked
    finally:
        gc.unfreeze()
    assert len(frozen) >= 2 and frozen == sorted(frozen) and frozen[-1] > frozen[0]


def expected_ids() -> list[str]:
    return [*(f"RT{n:03d}" for n in range(1, PATIENTS + 1)), "ZZ_CT_ONLY"]
