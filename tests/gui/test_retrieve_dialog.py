"""The Retrieve dialog against a real Orthanc: query, tick, retrieve to a folder and into
the station, and an ESAPIPatientBrowser list that ticks its plans."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread
from PySide6.QtCore import Qt

from rtstation.gui.dialogs.retrieve_dialog import RetrieveDialog
from rtstation.station import Station
from tests.data.generator import GeneratedStudy, PlanSpec, StudySpec, write_study
from tests.gui.pool_hold import pool_held
from tests.peers.conftest import orthanc  # noqa: F401 - the real Orthanc fixture
from tests.peers.peers import HOST, Orthanc, free_port

pytestmark = pytest.mark.peers


def _load(pacs: Orthanc, root: Path) -> dict[str, GeneratedStudy]:
    studies = {}
    for patient_id in ("P1", "P2"):
        spec = StudySpec(
            patient_id=patient_id,
            slices=2,
            rows=8,
            columns=8,
            plans=(
                PlanSpec(label=f"{patient_id}_APP"),
                PlanSpec(label=f"{patient_id}_UNAPP", approval="UNAPPROVED"),
            ),
        )
        studies[patient_id] = write_study(root / patient_id, spec)
        pacs.upload(studies[patient_id].root)
    return studies


def _bundle(study: GeneratedStudy, index: int) -> set[str]:
    assert study.structure_set_uid is not None
    return {
        *study.image_uids,
        study.structure_set_uid,
        study.plan_uids[index],
        *study.dose_uids_by_plan[index],
    }


@pytest.fixture
def setup(
    orthanc: Callable[..., Orthanc],  # noqa: F811
    make_station: Callable[..., Station],
    tmp_path: Path,
) -> tuple[Station, dict[str, GeneratedStudy]]:
    port = free_port()
    pacs = orthanc(modalities={"rtstation": ("RTSTATION", HOST, port)})
    studies = _load(pacs, tmp_path / "source")
    station = make_station(
        nodes=[{"name": "ARCHIVE", "ae_title": pacs.ae_title, "port": pacs.port}], port=port
    )
    return station, studies


def _query(qtbot: Any, dialog: RetrieveDialog, ids: str) -> None:
    dialog.patient_ids_edit.setText(ids)
    qtbot.mouseClick(dialog.query_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert dialog.tree.topLevelItemCount() == len(ids.split(";")), dialog.status_label.text()


def _plan_item(dialog: RetrieveDialog, uid: str) -> Any:
    from PySide6.QtWidgets import QTreeWidgetItemIterator

    iterator = QTreeWidgetItemIterator(dialog.tree)
    while iterator.value():
        item = iterator.value()
        if item.data(0, Qt.ItemDataRole.UserRole) == uid:
            return item
        iterator += 1
    raise AssertionError(f"no item for {uid}")


def _retrieve(qtbot: Any, dialog: RetrieveDialog) -> None:
    assert dialog.retrieve_button.isEnabled()
    qtbot.mouseClick(dialog.retrieve_button, Qt.MouseButton.LeftButton)
    assert dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=60_000)


def test_query_shows_plans_with_approval_and_retrieves_one_to_a_folder(
    qtbot: Any, setup: tuple[Station, dict[str, GeneratedStudy]], tmp_path: Path
) -> None:
    station, studies = setup
    dialog = RetrieveDialog(station)
    qtbot.addWidget(dialog)
    _query(qtbot, dialog, "P1;P2")
    plan = _plan_item(dialog, studies["P1"].plan_uids[1])
    assert plan.text(0) == "Plan P1_UNAPP" and plan.text(1) == "UNAPPROVED"
    plan.setCheckState(0, Qt.CheckState.Checked)
    dialog.to_folder_radio.setChecked(True)
    dialog.folder_edit.setText(str(tmp_path / "OUT"))
    _retrieve(qtbot, dialog)
    assert [r.ok for r in dialog.reports] == [True], dialog.status_label.text()
    files = list((tmp_path / "OUT" / "P1").iterdir())
    assert {str(dcmread(f, stop_before_pixels=True).SOPInstanceUID) for f in files} == _bundle(
        studies["P1"], 1
    )
    assert "P1: " in dialog.status_label.text()


def test_retrieve_into_the_station_from_a_patient_list(
    qtbot: Any, setup: tuple[Station, dict[str, GeneratedStudy]], tmp_path: Path
) -> None:
    station, studies = setup
    station.start(receiver=True)
    patient_list = tmp_path / "handoff_patients.json"
    patient_list.write_text(
        json.dumps(
            {
                "exportDateTime": "2025-01-01T10:00:00+01:00",
                "patients": [
                    {
                        "PatientId": "P2",
                        "FullName": "P2, Test",
                        "Plans": [
                            {"PlanId": "P2_APP", "IsSelected": True, "CourseId": "C1"},
                            {"PlanId": "P2_UNAPP", "IsSelected": False},
                        ],
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    dialog = RetrieveDialog(station)
    qtbot.addWidget(dialog)
    dialog.load_patient_list(str(patient_list))
    assert dialog.patient_ids_edit.text() == "P2"
    _query(qtbot, dialog, "P2")
    assert dialog.selection() == {"P2": [studies["P2"].plan_uids[0]]}
    _retrieve(qtbot, dialog)
    assert [r.ok for r in dialog.reports] == [True], dialog.status_label.text()
    stored = {i.sop_instance_uid for i in station.catalog.instances("P2")}
    assert stored == _bundle(studies["P2"], 0)


def test_cancel_stops_a_retrieve_that_waits_for_a_worker(
    qtbot: Any, setup: tuple[Station, dict[str, GeneratedStudy]], tmp_path: Path
) -> None:
    """Every pool thread is busy, so the retrieve waits in the queue: Cancel takes it off,
    the dialog says so, and nothing is written."""
    station, _studies = setup
    dialog = RetrieveDialog(station)
    qtbot.addWidget(dialog)
    _query(qtbot, dialog, "P1")
    dialog.tree.topLevelItem(0).setCheckState(0, Qt.CheckState.Checked)
    dialog.to_folder_radio.setChecked(True)
    dialog.folder_edit.setText(str(tmp_path / "OUT"))
    with pool_held():
        qtbot.mouseClick(dialog.retrieve_button, Qt.MouseButton.LeftButton)
        assert dialog.busy and dialog.cancel_button.isEnabled()
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert dialog.status_label.text() == "Cancelled."
    assert not (tmp_path / "OUT").exists()
    assert dialog.retrieve_button.isEnabled()
