"""An import stopped half way forwards what it stored (adversarial review).

Before: a folder import recorded the rules' pending decisions only after its last file,
so a Ctrl-C in the middle of ``import --clear`` left stored plans with no decision while
their source files were already removed: a plan a rule should forward never went, and
importing again could not help. Each plan is now owed its decision as soon as it is
stored, before its source may be removed, and the next station start settles it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom import dcmread

from rtstation.station import Station
from tests.data.generator import PlanSpec, StudySpec, write_study
from tests.peers.station_proc import (
    StationProcess,
    node_section,
    rules_ini,
    wait_until,
    write_settings,
)

RULE = (
    "[Rule1]\nname = Import Folder Rule\nenabled = True\nsource_ae = IMPORT_FOLDER\n"
    "target_nodes = ORGANO\nplan_label_match =\n"
)


def test_plans_stored_before_a_ctrl_c_in_import_clear_are_forwarded_at_the_next_start(
    tmp_path: Path, storescp
):
    scp = storescp(ae_title="ORGANO")
    config = tmp_path / "station"
    write_settings(config, port=1, extra=node_section(1, "ORGANO", scp.port))
    (config / "rules.ini").write_text(rules_ini(RULE))
    folder = tmp_path / "export"
    for number in range(4):
        write_study(
            folder / f"p{number}",
            StudySpec(patient_id=f"INT{number}", slices=3, plans=(PlanSpec(label=f"L{number}"),)),
        )
    total = sum(1 for p in folder.rglob("*") if p.is_file())

    def ctrl_c_half_way(done: int, _total: int, _name: str) -> None:
        if done == total // 2:
            raise KeyboardInterrupt  # what Ctrl-C raises in the CLI's import loop

    station = Station.open(str(config), bind_address="127.0.0.1")
    try:
        with pytest.raises(KeyboardInterrupt):
            station.import_paths([folder], clear=True, progress=ctrl_c_half_way)
        stored_plans = {i.sop_instance_uid for i in station.catalog.instances() if i.header.is_plan}
        assert stored_plans, "the interruption came before any plan was stored"
        assert all(station.decisions.get(uid) is not None for uid in stored_plans)
    finally:
        station.stop()
    left = [p for p in folder.rglob("*") if p.is_file()]
    assert len(left) < total, "nothing was cleared: the test proves nothing"
    assert not any(dcmread(p).SOPInstanceUID in stored_plans for p in left)
    process = StationProcess(config)
    write_settings(config, port=process.port, extra=node_section(1, "ORGANO", scp.port))
    with process:
        wait_until(
            lambda: stored_plans <= set(scp.received_order()),
            60,
            "the plans stored before the interruption at storescp",
            process,
        )
