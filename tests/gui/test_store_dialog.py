"""The Store dialog against a real Orthanc: machines found, mapping remembered per node,
preview, store with progress, and a rerun that resumes."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread
from PySide6.QtCore import QSettings, Qt

from rtstation.gui.dialogs.store_dialog import StoreDialog
from rtstation.station import Station
from tests.data.generator import PlanSpec, StudySpec, write_study
from tests.gui.pool_hold import pool_held
from tests.peers.conftest import orthanc  # noqa: F401 - the real Orthanc fixture
from tests.peers.peers import RT_DOSE_STORAGE, Orthanc

pytestmark = pytest.mark.peers


def _read(qtbot: Any, dialog: StoreDialog, folder: Path) -> None:
    dialog.folder_edit.setText(str(folder))
    qtbot.mouseClick(dialog.read_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.plan is not None, timeout=20_000)


def _store(qtbot: Any, dialog: StoreDialog) -> None:
    assert dialog.store_button.isEnabled()
    qtbot.mouseClick(dialog.store_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)


def test_store_dialog_maps_machines_and_resumes(
    qtbot: Any,
    orthanc: Callable[..., Orthanc],  # noqa: F811
    make_station: Callable[..., Station],
    ui_settings: QSettings,
    tmp_path: Path,
) -> None:
    spec = StudySpec(
        patient_id="P1",
        slices=2,
        rows=8,
        columns=8,
        plans=(PlanSpec(label="A", machine="TrueBeam1"), PlanSpec(label="B", machine="TB2")),
    )
    study = write_study(tmp_path / "P1", spec)
    refusing = orthanc(refuse_sop_classes=[RT_DOSE_STORAGE])
    pacs = orthanc()
    station = make_station(
        nodes=[
            {"name": "REFUSING", "ae_title": refusing.ae_title, "port": refusing.port},
            {"name": "NEW", "ae_title": pacs.ae_title, "port": pacs.port},
        ]
    )
    dialog = StoreDialog(station, ui_settings)
    qtbot.addWidget(dialog)
    _read(qtbot, dialog, study.root)
    machines = [dialog.mapping_table.item(r, 0).text() for r in range(2)]
    assert sorted(machines) == ["TB2", "TrueBeam1"]
    assert dialog.plans_list.count() == 2
    row = machines.index("TrueBeam1")
    dialog.mapping_table.item(row, 1).setText("TB_NEW")
    preview = [dialog.preview_list.item(i).text() for i in range(dialog.preview_list.count())]
    assert sorted(preview) == ["A: TrueBeam1 → TB_NEW", "B: TB2 → TB2"]

    # Into the refusing node: stops at the first dose, the status file keeps the rest.
    _store(qtbot, dialog)
    assert dialog.report is not None and len(dialog.report.refused) == 1
    assert "First refused" in dialog.status_label.text()

    # The mapping is remembered for REFUSING, not for NEW.
    dialog.node_combo.setCurrentIndex(1)
    _read(qtbot, dialog, study.root)
    assert dialog.mapping() == {}
    assert f"{len(study.all_paths)} file(s) to store, 0 stored before" in (
        dialog.resume_label.text()
    )
    dialog.node_combo.setCurrentIndex(0)
    dialog.resume_check.setChecked(False)  # every plan again, so its machines are listed
    _read(qtbot, dialog, study.root)
    assert dialog.mapping() == {"TrueBeam1": "TB_NEW"}
    dialog.resume_check.setChecked(True)
    _read(qtbot, dialog, study.root)
    stored_before = len(study.all_paths) - len(study.dose_paths)
    assert f"{len(study.dose_paths)} file(s) to store, {stored_before} stored before" in (
        dialog.resume_label.text()
    )

    # NEW gets everything, with the mapping entered for it.
    dialog.node_combo.setCurrentIndex(1)
    _read(qtbot, dialog, study.root)
    dialog.mapping_table.item(row, 1).setText("TB_NEW")
    _store(qtbot, dialog)
    assert dialog.report is not None and dialog.report.ok, dialog.status_label.text()
    plan_a = pacs.instance_id(study.plan_uids[0])
    assert plan_a is not None
    ds = dcmread(BytesIO(pacs.instance_file(plan_a)))
    assert {str(b.TreatmentMachineName) for b in ds.BeamSequence} == {"TB_NEW"}


def test_cancel_in_the_store_dialog_sends_nothing(
    qtbot: Any,
    orthanc: Callable[..., Orthanc],  # noqa: F811
    make_station: Callable[..., Station],
    ui_settings: QSettings,
    tmp_path: Path,
) -> None:
    study = write_study(tmp_path / "P1", StudySpec(slices=2, rows=8, columns=8))
    pacs = orthanc()
    station = make_station(nodes=[{"name": "NEW", "ae_title": pacs.ae_title, "port": pacs.port}])
    dialog = StoreDialog(station, ui_settings)
    qtbot.addWidget(dialog)
    _read(qtbot, dialog, study.root)
    with pool_held():
        qtbot.mouseClick(dialog.store_button, Qt.MouseButton.LeftButton)
        assert dialog.busy and dialog.cancel_button.isEnabled()
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert dialog.status_label.text() == "Cancelled."
    assert pacs.sop_instance_uids() == set()


def test_store_dialog_sends_an_anonymized_copy(
    qtbot: Any,
    orthanc: Callable[..., Orthanc],  # noqa: F811
    make_station: Callable[..., Station],
    ui_settings: QSettings,
    tmp_path: Path,
) -> None:
    """The node gets the folder anonymized (mapping applied), the folder stays as it was."""
    spec = StudySpec(
        patient_id="ECHT-77",
        patient_name="Wahr^Walter",
        slices=2,
        rows=8,
        columns=8,
        plans=(PlanSpec(label="A", machine="TrueBeam1"),),
    )
    study = write_study(tmp_path / "P1", spec)
    before = {p: p.read_bytes() for p in study.all_paths}
    pacs = orthanc()
    station = make_station(nodes=[{"name": "NEW", "ae_title": pacs.ae_title, "port": pacs.port}])
    dialog = StoreDialog(station, ui_settings)
    qtbot.addWidget(dialog)
    _read(qtbot, dialog, study.root)
    dialog.mapping_table.item(0, 1).setText("TB_NEW")
    dialog.anonymize_check.setChecked(True)
    assert not dialog.resume_check.isChecked() and not dialog.resume_check.isEnabled()
    dialog.patient_id_edit.setText("VENDOR\\1")
    assert not dialog.store_button.isEnabled()
    assert "must not contain a backslash" in dialog.status_label.text()
    dialog.patient_id_edit.setText("VENDOR-1")
    dialog.patient_name_edit.setText("Vendor^Case")
    _store(qtbot, dialog)
    assert dialog.report is not None and dialog.report.ok, dialog.status_label.text()

    received = pacs.sop_instance_uids()
    assert len(received) == len(study.all_paths)
    assert not received & {str(dcmread(p).SOPInstanceUID) for p in study.all_paths}
    for uid in received:
        data = pacs.instance_file(pacs.instance_id(uid))  # type: ignore[arg-type]
        for value in (b"ECHT-77", b"Wahr", study.study_uid.encode()):
            assert value not in data
        ds = dcmread(BytesIO(data))
        assert ds.PatientID == "VENDOR-1" and str(ds.PatientName) == "Vendor^Case"
        if ds.Modality == "RTPLAN":
            assert {str(b.TreatmentMachineName) for b in ds.BeamSequence} == {"TB_NEW"}
    assert {p: p.read_bytes() for p in study.all_paths} == before
    staged = Path(station.paths.data_dir) / "anonymized"
    assert not [p for p in staged.iterdir() if p.is_dir()]
