"""The rule action ``anonymize``: a real ``rtstation serve`` forwards anonymized copies.

Why it matters: research and vendor nodes must get the plan without the patient's identity
and still as a working plan (references intact), while the clinical node and the station's
own storage keep the originals byte for byte. A later dose and a second plan of the same
patient must reach the research node anonymized the same way (one UID map per station),
or the node ends up with originals or with references that point nowhere.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from rtstation.dicom.rt_tree import build_tree
from rtstation.dicom.scan import scan
from tests.data.generator import GeneratedStudy, PlanSpec, StudySpec, write_study
from tests.peers.peers import (
    StoreSCP,
    dataset_bytes,
    read_sop_instance_uid,
    storescu,
    storescu_acknowledged,
)
from tests.peers.station_proc import (
    StationProcess,
    node_section,
    query,
    rules_ini,
    wait_until,
    write_settings,
)

RULES = rules_ini(
    "[Rule1]\nname = Clinic\nenabled = True\nsource_ae = ECLIPSE\ntarget_nodes = CLINIC\n"
    "plan_label_match =\n\n"
    "[Rule2]\nname = Research\nenabled = True\nsource_ae = ECLIPSE\ntarget_nodes = RESEARCH\n"
    "plan_label_match =\nanonymize = True\nanonymize_patient_id = STUDY-7\n"
    "anonymize_patient_name = Research^Seven\n"
)


def _station(tmp_path: Path, clinic: StoreSCP, research: StoreSCP) -> StationProcess:
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(
        config,
        port=station.port,
        extra=node_section(1, "CLINIC", clinic.port) + node_section(2, "RESEARCH", research.port),
    )
    (config / "rules.ini").write_text(RULES, encoding="utf-8")
    return station


def _send(station: StationProcess, paths: list[Path]) -> None:
    result = storescu(paths, station.port, calling_ae="ECLIPSE", called_ae="RTSTATION")
    assert len(storescu_acknowledged(result)) == len(paths), result.stderr


def _identity_values(study: GeneratedStudy) -> list[bytes]:
    """What must not leave for the research node: IDs, names, every original UID."""
    uids = [read_sop_instance_uid(p) for p in study.all_paths]
    uids += [study.study_uid, study.image_series_uid, study.frame_of_reference_uid]
    return [v.encode() for v in (study.patient_id, "Quelle", "Quentin", *uids)]


def _copies_left(station: StationProcess) -> list[Path]:
    root = station.config_dir / "data" / "anonymized"
    return [p for p in root.iterdir() if p.is_dir()] if root.exists() else []


def test_rule_forwards_an_anonymized_bundle_and_keeps_the_originals(tmp_path: Path, storescp):
    clinic, research = storescp(ae_title="CLINIC"), storescp(ae_title="RESEARCH")
    station = _station(tmp_path, clinic, research)
    study = write_study(
        tmp_path / "export",
        StudySpec(patient_id="ORIG-4711", patient_name="Quelle^Quentin", slices=5),
    )
    with station:
        _send(station, list(study.all_paths))
        research.wait_for(len(study.all_paths), timeout=60)
        clinic.wait_for(len(study.all_paths), timeout=60)
        wait_until(lambda: not _copies_left(station), 30, "the copies removed", station)
        audit = query(station, "SELECT node, detail FROM audit WHERE event = 'anonymized'")

    data = b"".join(p.read_bytes() for p in research.received_files())
    for value in _identity_values(study):
        assert value not in data, value
    received = scan([research.out_dir])
    assert not received.problems
    (plan,) = build_tree(received.headers).plans
    assert plan.completeness.summary() == "CT 5/5, RS, RD"
    assert plan.patient_id == "STUDY-7" and plan.uid != study.plan_uids[0]
    assert plan.structure_set_uid and plan.structure_set_uid != study.structure_set_uid
    assert b"Research^Seven" in data

    # The clinical node and the station's storage have the originals, unchanged.
    assert set(clinic.received_order()) == {read_sop_instance_uid(p) for p in study.all_paths}
    for original in study.all_paths:
        uid = read_sop_instance_uid(original)
        (stored,) = [p for p in station.storage.rglob(f"{uid}.dcm") if ".derived" not in p.parts]
        assert dataset_bytes(stored) == dataset_bytes(original)

    assert [row["node"] for row in audit] == ["RESEARCH"]
    assert "STUDY-7" in audit[0]["detail"] and "anonymized" in audit[0]["detail"]
    uid_map = station.config_dir / "data" / "anonymized" / "uid-map.json"
    assert study.plan_uids[0] in uid_map.read_text(encoding="utf-8")
    if os.name == "posix":
        assert stat.S_IMODE(uid_map.stat().st_mode) == 0o600


def test_late_dose_and_second_plan_map_the_same_way_after_a_restart(tmp_path: Path, storescp):
    clinic, research = storescp(ae_title="CLINIC"), storescp(ae_title="RESEARCH")
    station = _station(tmp_path, clinic, research)
    study = write_study(
        tmp_path / "export",
        StudySpec(
            patient_id="ORIG-4711",
            patient_name="Quelle^Quentin",
            slices=4,
            plans=(PlanSpec(label="First"), PlanSpec(label="Second")),
        ),
    )
    assert study.structure_set_path is not None
    first = [*study.image_paths, study.structure_set_path, study.plan_paths[0]]
    with station:
        _send(station, first)  # no dose: decided after the patient settled
        research.wait_for(len(first), timeout=60)
        _send(station, list(study.dose_paths_by_plan[0]))  # the late dose
        research.wait_for(len(first) + len(study.dose_paths_by_plan[0]), timeout=60)
    with station:  # a new process: the UID map comes from the data folder
        _send(station, [study.plan_paths[1], *study.dose_paths_by_plan[1]])
        total = len(study.all_paths)
        research.wait_for(total, timeout=60)
        wait_until(lambda: not _copies_left(station), 30, "the copies removed", station)

    data = b"".join(p.read_bytes() for p in research.received_files())
    for value in _identity_values(study):
        assert value not in data, value
    received = scan([research.out_dir])
    assert not received.problems
    assert len(research.received_order()) == total, "CT and RS were not sent twice"
    plans = build_tree(received.headers).plans
    assert sorted(p.completeness.summary() for p in plans) == ["CT 4/4, RS, RD"] * 2
    assert len({p.structure_set_uid for p in plans}) == 1, "both plans point at one RS"
    assert {p.patient_id for p in plans} == {"STUDY-7"}
    assert "could not be made" not in station.log(), "nothing new is no problem"
