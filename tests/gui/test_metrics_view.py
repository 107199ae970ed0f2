"""The Metrics view driven like a physicist: filter, sort, open a DVH, export CSV.

Over a real station holding generated plans (two with a dose, one without). The main
test runs on the metrics the station's background thread stored in its catalog, with the
dose files then removed from disk: what the view shows can only come from the table.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from rtstation.gui.dialogs.metrics_window import MetricsWindow
from rtstation.gui.i18n import install_translator
from rtstation.gui.models.metrics_table_model import COLUMNS
from rtstation.station import Station
from tests.data.generator import PlanSpec, StudySpec, write_study


def _wait_for_stored_metrics(qtbot: QtBot, station: Station, count: int) -> None:
    def stored() -> bool:
        rows = station.metrics_store.stored_plans()
        return len(rows) == count and all(fresh for _uid, _patient, fresh in rows)

    qtbot.waitUntil(stored, timeout=60_000)


def _window(
    qtbot: QtBot, make_station: Any, tmp_path: Path, *, stored: bool = False
) -> MetricsWindow:
    station = make_station()
    if stored:
        station.start(receiver=False, workers=False)  # its metrics thread computes
    spec = StudySpec(
        slices=6,
        plans=(
            PlanSpec(label="ADP_1", prescription_gy=50.0),
            PlanSpec(label="Boost", doses=0),
            PlanSpec(label="ADP_2", prescription_gy=60.0),
        ),
    )
    study = write_study(tmp_path / "export", spec)
    assert station.import_paths([study.root]).stored
    if stored:
        _wait_for_stored_metrics(qtbot, station, 3)
        for uid in study.dose_uids:  # from now on only the catalog's table has the doses
            instance = station.catalog.get(uid)
            assert instance is not None
            Path(instance.header.path).unlink()
    window = MetricsWindow(station)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.refresh().finished, timeout=60_000):
        pass
    return window


def _labels(window: MetricsWindow) -> list[str]:
    column = COLUMNS.index("label")
    return [window.proxy.index(r, column).data() for r in range(window.proxy.rowCount())]


def test_filter_sort_dvh_and_csv_export_on_stored_metrics(
    qtbot: QtBot, make_station: Any, tmp_path: Path
) -> None:
    window = _window(qtbot, make_station, tmp_path, stored=True)
    assert sorted(_labels(window)) == ["ADP_1", "ADP_2", "Boost"]

    # typed character by character: half-typed expressions are named, never applied
    qtbot.keyClicks(window.filter_edit, "label contains adp and dmax_gy >")
    assert window.filter_error.isVisible()
    assert "expected a value after '>'" in window.filter_error.text()
    qtbot.keyClicks(window.filter_edit, " 0")
    assert not window.filter_error.isVisible()
    assert sorted(_labels(window)) == ["ADP_1", "ADP_2"]

    window.table.sortByColumn(COLUMNS.index("prescription_gy"), Qt.SortOrder.DescendingOrder)
    assert _labels(window) == ["ADP_2", "ADP_1"]
    window.table.sortByColumn(COLUMNS.index("prescription_gy"), Qt.SortOrder.AscendingOrder)
    assert _labels(window) == ["ADP_1", "ADP_2"]

    window.select_row(1)
    curves = window.plot.curves()
    assert [c.name for c in curves] == ["BODY", "PTV", "CTV"]
    assert window.plot.prescription_gy == 60.0
    assert "ADP_2" in window.dvh_title.text()
    first = window.roi_model.item(0)
    first.setCheckState(Qt.CheckState.Unchecked)
    assert not window.plot.curves()[0].visible and window.plot.curves()[1].visible
    qtbot.mouseMove(window.plot, QPoint(window.plot.width() // 3, window.plot.height() // 2))
    qtbot.waitUntil(lambda: "Gy:" in window.readout.text(), timeout=5_000)
    assert "PTV" in window.readout.text() and "BODY" not in window.readout.text()

    target = tmp_path / "metrics.csv"
    with qtbot.waitSignal(window.export(target, "csv").finished, timeout=10_000):
        pass
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["label"] for r in rows] == ["ADP_1", "ADP_2"]  # filtered, in the shown order
    assert float(rows[1]["prescription_gy"]) == 60.0 and float(rows[1]["dmax_gy"]) > 0

    # "Compute again" reads the files anew: the doses are gone, and the view says so
    with qtbot.waitSignal(window.refresh(recompute=True).finished, timeout=60_000):
        pass
    window.filter_edit.setText("dmax_gy is null")
    assert sorted(_labels(window)) == ["ADP_1", "ADP_2", "Boost"]


def test_a_plan_without_dose_says_why_it_has_no_dvh(
    qtbot: QtBot, make_station: Any, tmp_path: Path
) -> None:
    window = _window(qtbot, make_station, tmp_path)
    window.filter_edit.setText("dmax_gy is null")
    assert _labels(window) == ["Boost"]
    window.select_row(0)
    assert window.plot.curves() == []
    assert "No RTDOSE" in window.dvh_title.text()


def test_metrics_view_in_german(qtbot: QtBot, qapp: QApplication, make_station: Any) -> None:
    assert install_translator(qapp, "de") == "de"
    try:
        window = MetricsWindow(make_station())
        qtbot.addWidget(window)
        assert window.windowTitle() == "Plan-Kennzahlen"
        assert window.csv_button.text() == "CSV exportieren..."
        assert window.model.headerData(COLUMNS.index("label"), Qt.Orientation.Horizontal) == "Plan"
    finally:
        install_translator(qapp, "en")


def test_the_view_menu_opens_one_metrics_window(
    qtbot: QtBot, make_station: Any, make_window: Any
) -> None:
    window = make_window(make_station())
    window.metrics.action.trigger()
    metrics = window.metrics.window
    assert metrics is not None and metrics.isVisible()
    qtbot.waitUntil(lambda: not metrics.busy, timeout=30_000)
    assert metrics.proxy.rowCount() == 0 and "0" in metrics.progress_label.text()
    window.metrics.action.trigger()
    assert window.metrics.window is metrics  # the same window, raised again
