"""Columns show who and what at the default window size, and the layout is remembered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QStyle

from rtstation.gui.models.job_table_model import COL_PLAN
from rtstation.gui.models.plan_tree_model import COL_NAME, COL_PLAN_NAME
from rtstation.gui.widgets.column_fit import FIT_DELAY_MS
from tests.data.generator import PlanSpec, StudySpec, write_study

TIMEOUT_MS = 30_000
PATIENT = "Müller-Lüdenscheidt Jürgen (RT4711)"
LABEL = "ADP_Pelvis_Boost"


def _import_patient(qtbot: Any, window: Any, tmp_path: Path) -> str:
    study = write_study(
        tmp_path / "export",
        StudySpec(
            patient_id="RT4711",
            patient_name="Müller-Lüdenscheidt^Jürgen",
            charset="ISO_IR 100",
            slices=2,
            plans=(PlanSpec(label=LABEL, name="ADP_Pelvis_Boost_adaptive_fraction"),),
        ),
    )
    window.station.import_paths([tmp_path / "export"])
    plan_uid = study.plan_uids[0]
    qtbot.waitUntil(
        lambda: window.tree_model.index_for_plan(plan_uid).isValid(), timeout=TIMEOUT_MS
    )
    return plan_uid


def _needed(view: Any, text: str, depth: int) -> int:
    """Pixels the text needs in the first column at ``depth`` (indentation, check box)."""
    style = view.style()
    indicator = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth)
    return view.fontMetrics().horizontalAdvance(text) + depth * view.indentation() + indicator


def test_patient_and_plan_label_are_readable_at_the_default_size(
    qtbot: Any, make_station: Any, make_window: Any, tmp_path: Path
) -> None:
    window = make_window(make_station())
    assert (window.width(), window.height()) == (1280, 820)
    plan_uid = _import_patient(qtbot, window, tmp_path)
    window.expand_all_plans()
    view = window.tree_panel.view
    model = window.tree_model
    plan = model.index_for_plan(plan_uid)
    assert model.data(plan.parent()) == PATIENT
    qtbot.waitUntil(lambda: view.columnWidth(COL_NAME) >= _needed(view, PATIENT, 1))
    assert view.columnWidth(COL_NAME) >= _needed(view, LABEL, 2)
    assert view.columnWidth(COL_PLAN_NAME) > view.fontMetrics().horizontalAdvance("ADP_Pelvis")

    jobs = window.jobs_panel.view
    assert jobs.columnWidth(COL_PLAN) >= jobs.horizontalHeader().sectionSizeHint(COL_PLAN)


def test_column_widths_and_geometry_are_remembered(
    qtbot: Any, make_station: Any, make_window: Any, tmp_path: Path
) -> None:
    station = make_station()
    first = make_window(station, start=False)
    _import_patient(qtbot, first, tmp_path)
    first.expand_all_plans()
    header = first.tree_panel.view.header()
    header.resizeSection(COL_NAME, 150)  # as a drag of the border would
    first.tree_panel.column_fitter.user_sized = True
    first.jobs_panel.view.horizontalHeader().resizeSection(COL_PLAN, 333)
    first.resize(760, 560)
    first.close()

    second = make_window(station, start=False)
    second.expand_all_plans()
    # a refit asked for by the model's changes would have run by now: it must not have
    qtbot.wait(FIT_DELAY_MS * 2)
    assert second.tree_panel.view.columnWidth(COL_NAME) == 150
    assert second.jobs_panel.view.columnWidth(COL_PLAN) == 333
    assert second.size() == first.size()


def test_refits_wait_and_gather_the_changes_that_come_meanwhile(qtbot: Any) -> None:
    """A fit in the same event-loop turn as the tree update that asked for it froze the window
    for the sum of both (170 ms with a thousand patients while a series arrived)."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTreeView

    from rtstation.gui.widgets.column_fit import ColumnFitter

    view = QTreeView()
    qtbot.addWidget(view)
    model = QStandardItemModel(0, 1, view)
    view.setModel(model)
    view.show()
    fitter = ColumnFitter(view, [0], {}, view)
    fits: list[int] = []
    fitter._timer.timeout.connect(lambda: fits.append(model.rowCount()))
    for row in range(50):
        model.appendRow([QStandardItem(f"Patient {row:04d}")])
    # asked for, not run: it waits FIT_DELAY_MS on a timer, never inside the change
    assert fits == [] and fitter._timer.isActive()
    assert fitter._timer.interval() == FIT_DELAY_MS
    qtbot.waitUntil(lambda: fits != [], timeout=FIT_DELAY_MS * 20)
    qtbot.wait(FIT_DELAY_MS * 2)
    assert fits == [50]  # one fit for all fifty changes
    view.setModel(None)
    model.deleteLater()


def test_a_scheduled_refit_measures_one_column_per_event_loop_turn(qtbot: Any) -> None:
    """Nine columns measured in one turn took up to 90 ms while a series arrived."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTreeView

    from rtstation.gui.widgets.column_fit import ColumnFitter

    view = QTreeView()
    qtbot.addWidget(view)
    model = QStandardItemModel(0, 4, view)  # the last column stretches, as in the window
    wide = "Wolfeschlegelsteinhausenbergerdorff Hubert Blaine"
    model.appendRow([QStandardItem(wide) for _ in range(4)])
    view.setModel(model)
    view.resize(1600, 300)
    view.show()
    fitter = ColumnFitter(view, [0, 1, 2], {}, view)
    needed = view.fontMetrics().horizontalAdvance(wide)
    for column in range(3):
        view.setColumnWidth(column, 40)
    fitter._timer.stop()

    fitter._timer.timeout.emit()  # the refit begins: the first column, in this turn only
    assert view.columnWidth(0) >= needed
    assert [view.columnWidth(c) for c in (1, 2)] == [40, 40]
    qtbot.waitUntil(lambda: min(view.columnWidth(c) for c in (1, 2)) >= needed, timeout=5000)
    view.setModel(None)
    model.deleteLater()


def test_a_column_fit_measures_only_the_rows_in_view(qtbot: Any) -> None:
    """With a thousand patients, measuring every row asked Python for thousands of cells on
    each refit (a second's freeze while a series arrived); the rows in view are enough."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTreeView

    from rtstation.gui.widgets.column_fit import ColumnFitter

    view = QTreeView()
    qtbot.addWidget(view)
    model = QStandardItemModel(0, 2, view)  # owned by the view: deleted with it, not before
    long_name = "Wolfeschlegelsteinhausenbergerdorff Hubert Blaine (RT0999)"
    for row in range(1000):
        text = long_name if row == 900 else f"Patient {row:04d}"
        model.appendRow([QStandardItem(text), QStandardItem("")])
    view.setModel(model)
    view.resize(400, 300)
    view.show()
    fitter = ColumnFitter(view, [0], {}, view)
    long_width = view.fontMetrics().horizontalAdvance(long_name)

    fitter.fit()
    assert view.columnWidth(0) < long_width  # row 900 is far below the visible rows

    view.scrollTo(model.index(900, 0))
    fitter.fit()
    assert view.columnWidth(0) >= long_width
    view.setModel(None)  # the model (and the fitter's connections to it) go first
    model.deleteLater()
