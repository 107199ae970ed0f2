"""The connection check dialog: a live Orthanc that knows us, and a node nothing answers for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from rtstation.gui.dialogs.doctor_dialog import DoctorDialog
from rtstation.station import Station
from tests.data.generator import StudySpec, write_study
from tests.peers.conftest import orthanc  # noqa: F401 - the real Orthanc fixture
from tests.peers.peers import HOST, Orthanc, free_port

pytestmark = pytest.mark.peers


def _run(qtbot: Any, dialog: DoctorDialog, index: int) -> list[tuple[str, bool | None]]:
    dialog.node_combo.setCurrentIndex(index)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    return [(c.name, c.ok) for c in dialog.checks]


def test_doctor_dialog_diagnoses_two_nodes(
    qtbot: Any,
    orthanc: Callable[..., Orthanc],  # noqa: F811
    make_station: Callable[..., Station],
    tmp_path: Path,
) -> None:
    port, closed = free_port(), free_port()
    pacs = orthanc(modalities={"rtstation": ("RTSTATION", HOST, port)})
    pacs.upload(write_study(tmp_path / "src", StudySpec(slices=1, rows=8, columns=8)).root)
    station = make_station(
        nodes=[
            {"name": "ARCHIVE", "ae_title": pacs.ae_title, "port": pacs.port},
            {"name": "GONE", "ae_title": "GONE", "port": closed},
        ],
        port=port,
    )
    station.start(receiver=True)  # the archive's move reaches the running station's receiver
    dialog = DoctorDialog(station)
    qtbot.addWidget(dialog)
    assert _run(qtbot, dialog, 0) == [
        ("TCP reach", True),
        ("C-ECHO", True),
        ("our receiver port", True),
        ("node reaches us", True),
    ]
    assert dialog.table.item(2, 2).text() == f"The running station listens on port {port}"
    assert station.catalog.instances("RT001") == []  # the test instance was not stored
    assert _run(qtbot, dialog, 1)[0] == ("TCP reach", False)
    assert dialog.table.item(0, 1).text() == "Failed"


def test_settings_check_both_ways_runs_the_checks_for_the_node_as_edited(
    qtbot: Any,
    orthanc: Callable[..., Orthanc],  # noqa: F811
    make_station: Callable[..., Station],
    tmp_path: Path,
) -> None:
    """A node added in the Settings dialog and not saved yet can be checked both ways."""
    from dataclasses import replace

    from rtstation.config import Node
    from rtstation.gui.dialogs.settings_dialog import SettingsDialog

    port = free_port()
    pacs = orthanc(modalities={"rtstation": ("RTSTATION", HOST, port)})
    pacs.upload(write_study(tmp_path / "src", StudySpec(slices=1, rows=8, columns=8)).root)
    station = make_station(port=port)
    edited = replace(station.settings, nodes=(Node("NEWPACS", pacs.ae_title, HOST, pacs.port),))
    settings_dialog = SettingsDialog(edited, station.echo)
    qtbot.addWidget(settings_dialog)
    settings_dialog.show()
    assert not settings_dialog.check_node_button.isEnabled()
    settings_dialog.nodes_view.selectRow(0)
    assert settings_dialog.check_node_button.isEnabled()
    with qtbot.waitSignal(settings_dialog.checkBothWaysRequested) as blocker:
        settings_dialog.check_node_button.click()
    (node,) = blocker.args
    assert node.name == "NEWPACS" and station.settings.node("NEWPACS") is None
    dialog = DoctorDialog(station, nodes=[node])
    qtbot.addWidget(dialog)
    assert [(c, ok) for c, ok in _run(qtbot, dialog, 0)] == [
        ("TCP reach", True),
        ("C-ECHO", True),
        ("our receiver port", True),
        ("node reaches us", True),
    ]
