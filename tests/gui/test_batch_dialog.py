"""The Batch dialog against a real Orthanc: load a C-MOVE extraction file, start, pause
(taking effect between requests), resume, and the state of every request in the table;
loading it again shows every request done before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread
from PySide6.QtCore import Qt

from rtstation.gui.dialogs.batch_dialog import BatchDialog
from rtstation.station import Station
from tests.data.generator import PlanSpec, StudySpec, write_study
from tests.peers.conftest import orthanc  # noqa: F401 - the real Orthanc fixture
from tests.peers.peers import HOST, Orthanc, free_port

pytestmark = pytest.mark.peers


@pytest.fixture
def extraction(
    orthanc: Callable[..., Orthanc],  # noqa: F811
    make_station: Callable[..., Station],
    tmp_path: Path,
) -> tuple[Station, Path, int]:
    port = free_port()
    pacs = orthanc(modalities={"rtstation": ("RTSTATION", HOST, port)})
    series: dict[tuple[str, str], None] = {}
    for patient_id in ("P1", "P2"):
        spec = StudySpec(
            patient_id=patient_id, slices=2, rows=8, columns=8, plans=(PlanSpec(label="A"),)
        )
        study = write_study(tmp_path / "source" / patient_id, spec)
        pacs.upload(study.root)
        for path in study.all_paths:
            ds = dcmread(path, stop_before_pixels=True)
            series.setdefault((str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID)), None)
    station = make_station(port=port)
    rows = "\n".join(f"{study},{uid}" for study, uid in series)
    (tmp_path / "series.csv").write_text(f"StudyInstanceUID,SeriesInstanceUID\n{rows}\n")
    config = tmp_path / "move.yml"
    config.write_text(
        f"""\
pacs: {{hostname: {HOST}, port: {pacs.port}, aet: {pacs.ae_title}}}
local: {{aet: RTSTATION}}
request:
  type: c-move
  throttle_time: 0.5
  elements_batch_file: series.csv
  elements: [StudyInstanceUID, SeriesInstanceUID, QueryRetrieveLevel=SERIES]
output: {{directory: out, directory_structure: PatientID/StudyInstanceUID}}
""",
        encoding="utf-8",
    )
    return station, config, len(series)


def _states(dialog: BatchDialog, count: int) -> list[str]:
    return [dialog.state_of(index) for index in range(1, count + 1)]


def _load(qtbot: Any, dialog: BatchDialog, config: Path) -> None:
    dialog.path_edit.setText(str(config))
    qtbot.mouseClick(dialog.load_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.plan is not None, timeout=10_000)


def test_load_start_pause_resume(qtbot: Any, extraction: tuple[Station, Path, int]) -> None:
    station, config, count = extraction
    dialog = BatchDialog(station)
    qtbot.addWidget(dialog)
    _load(qtbot, dialog, config)
    assert dialog.table.rowCount() == count
    assert _states(dialog, count) == ["to do"] * count
    assert not dialog.pause_button.isEnabled()

    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.state_of(1).startswith("done"), timeout=30_000)
    qtbot.mouseClick(dialog.pause_button, Qt.MouseButton.LeftButton)
    assert dialog.pause_button.text() == "Resume"
    # The runner says when the pause took effect: between two requests.
    qtbot.waitUntil(lambda: dialog.status_label.text().startswith("Paused"), timeout=30_000)
    states = _states(dialog, count)
    assert "running" not in states
    finished = sum(s.startswith("done") for s in states)
    assert 1 <= finished < count

    qtbot.mouseClick(dialog.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=60_000)
    assert dialog.summary is not None and dialog.summary.ok == count
    assert all(s.startswith("done: ") for s in _states(dialog, count))
    assert list((config.parent / "out").rglob("*.dcm"))

    _load(qtbot, dialog, config)
    assert _states(dialog, count) == ["done before"] * count


def test_closing_while_running_stops_after_the_request_on_the_wire(
    qtbot: Any, extraction: tuple[Station, Path, int]
) -> None:
    station, config, count = extraction
    dialog = BatchDialog(station)
    qtbot.addWidget(dialog)
    dialog.show()
    _load(qtbot, dialog, config)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.state_of(1) == "running", timeout=30_000)
    dialog.close()
    assert dialog.isVisible()  # still running: it closes when the run has ended
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=60_000)
    assert dialog.summary is not None and dialog.summary.not_started >= 1
    assert dialog.summary.ok + dialog.summary.not_started == count
