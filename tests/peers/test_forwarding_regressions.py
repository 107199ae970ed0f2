"""Forwarding regressions found in review, each replayed end to end.

storescu (the sender, FOLLOW unless said otherwise) -> ``rtstation serve`` as a real
subprocess -> rules and durable queue -> storescp (the receiving node). Every test here
failed against the code before the review fixes; the docstring of each says how.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from pydicom import dcmread

from tests.data.generator import PlanSpec, StudySpec, write_ct_series, write_study
from tests.peers.peers import (
    StoreSCP,
    free_port,
    read_sop_instance_uid,
    start_storescu,
)
from tests.peers.station_proc import (
    StationProcess,
    file_log,
    node_section,
    query,
    rules_ini,
    settled_after,
    store_to,
    wait_settled,
    wait_until,
    write_settings,
)

# --- helpers ----------------------------------------------


def _rule(target_nodes: str, *, source_ae: str = "FOLLOW", extra: str = "") -> str:
    return rules_ini(
        f"[Rule1]\nname = Rule1\nenabled = True\nsource_ae = {source_ae}\n"
        f"target_nodes = {target_nodes}\n" + extra
    )


def _uids(paths) -> set[str]:
    return {read_sop_instance_uid(p) for p in paths}


def _send(station: StationProcess, paths, ae: str = "FOLLOW") -> int:
    """One association from ``ae``; every file acknowledged. Returns its number (see
    ``store_to``)."""
    return store_to(station, paths, ae)


def _cli(station: StationProcess, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "rtstation", "--config", str(station.config_dir), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def _plans_received(scp: StoreSCP) -> list[str]:
    """storescp file names of every RTPLAN reception (a name repeats if stored twice)."""
    return [name for name in scp.received_names() if name.startswith("RP.")]


def _exactly_once(scp: StoreSCP) -> bool:
    order = scp.received_order()
    return len(order) == len(set(order))


def _stored_file(station: StationProcess, sop_instance_uid: str) -> Path:
    rows = query(
        station, "SELECT path FROM instances WHERE sop_instance_uid = ?", (sop_instance_uid,)
    )
    assert rows, f"{sop_instance_uid} is not in the catalog"
    return station.storage / rows[0]["path"]


# --- 1. machine mapping ---------------------------------------------------------------------


def test_late_arrival_after_a_mapped_plan_never_sends_the_unmapped_original(
    tmp_path: Path, storescp
):
    """Before: any later association for the patient queued the stored (unmapped) plan as a
    "late arrival", so the treatment system got the plan a second time under Ethos1."""
    scp = storescp(ae_title="ETHOS")
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra=node_section(1, "ETHOS", scp.port))
    (config / "rules.ini").write_text(
        _rule("ETHOS", extra="plan_label_match =\nmachine_mapping = Ethos1=ETHOS_RM1\n")
    )
    study = write_study(
        tmp_path / "s",
        StudySpec(patient_id="MAPLATE", slices=4, plans=(PlanSpec(machine="Ethos1"),)),
    )
    expected = _uids(study.all_paths)
    with station:
        _send(station, study.all_paths)
        wait_until(lambda: set(scp.received_order()) >= expected, 60, "the mapped bundle", station)
        wait_settled(station, "MAPLATE", 1)  # the plan's quiet period is over
        _send(station, study.image_paths[:1])  # the sender repeats one slice
        wait_settled(station, "MAPLATE", 2)
        original_hash = query(
            station,
            "SELECT content_hash FROM instances WHERE sop_instance_uid = ?",
            (study.plan_uids[0],),
        )[0]["content_hash"]
        queued_original = query(
            station, "SELECT job_id FROM job_items WHERE content_hash = ?", (original_hash,)
        )
    plans = _plans_received(scp)
    assert len(plans) == 1, f"the plan reached the node {len(plans)} times: {plans}"
    received = dcmread(scp.out_dir / plans[0])
    assert {beam.TreatmentMachineName for beam in received.BeamSequence} == {"ETHOS_RM1"}
    assert queued_original == [], "the unmapped original plan was queued"
    assert set(scp.received_order()) == expected and _exactly_once(scp)


# --- 2. a plan changed after it was forwarded -------------------------------------------------


def test_plan_received_again_with_other_content_is_reported_not_forwarded(tmp_path: Path, storescp):
    """Before: the changed plan counted as a "late arrival" of the forwarded plan and went to
    the node on its own, although it no longer matched the rule and was not approved."""
    scp = storescp(ae_title="ORGANO")
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra=node_section(1, "ORGANO", scp.port))
    (config / "rules.ini").write_text(_rule("ORGANO", extra="plan_label_match = ADP\n"))
    study = write_study(
        tmp_path / "s",
        StudySpec(patient_id="CHANGED", slices=4, plans=(PlanSpec(label="ADP_Pelvis"),)),
    )
    plan_uid = study.plan_uids[0]
    edited = dcmread(study.plan_paths[0])
    edited.RTPlanLabel = "TEST1"
    edited.ApprovalStatus = "UNAPPROVED"
    changed_path = tmp_path / "changed" / "RP.changed.dcm"
    changed_path.parent.mkdir()
    edited.save_as(changed_path)
    assert read_sop_instance_uid(changed_path) == plan_uid
    expected = _uids(study.all_paths)
    with station:
        _send(station, study.all_paths)
        wait_until(lambda: set(scp.received_order()) >= expected, 60, "the ADP bundle", station)
        _send(station, [changed_path])
        wait_settled(station, "CHANGED", 2)
        changed_rows = query(
            station,
            "SELECT detail FROM audit WHERE event = 'plan-changed' AND plan_uid = ?",
            (plan_uid,),
        )
    plans = _plans_received(scp)
    assert len(plans) == 1, f"the plan reached the node {len(plans)} times"
    at_node = dcmread(scp.out_dir / plans[0])
    assert (at_node.RTPlanLabel, at_node.ApprovalStatus) == ("ADP_Pelvis", "APPROVED")
    assert len(changed_rows) == 1, "the new version is reported once"
    assert "TEST1" in changed_rows[0]["detail"]
    assert "not forwarded automatically" in station.log()
    assert set(scp.received_order()) == expected and _exactly_once(scp)


# --- 3. restart between receive and decision ---------------------------------------------------


def test_plan_acknowledged_just_before_a_crash_is_forwarded_after_restart(tmp_path: Path, storescp):
    """Before: a plan got its pending row only when the association ended; a station killed
    while the association was still open forgot the acknowledged plan for good."""
    scp = storescp(ae_title="ORGANO")
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra=node_section(1, "ORGANO", scp.port))
    (config / "rules.ini").write_text(_rule("ORGANO", extra="plan_label_match =\n"))
    study = write_study(
        tmp_path / "s",
        StudySpec(patient_id="RESTART", slices=6, plans=(PlanSpec(label="NoDose", doses=0),)),
    )
    # Another patient's large series follows in the same association and keeps it open.
    filler = write_ct_series(tmp_path / "filler", 200, patient_id="FILLER")
    bundle = [*study.image_paths, study.structure_set_path, *study.plan_paths]
    plan_file = str(study.plan_paths[0])
    station.start()
    try:
        sender = start_storescu(
            [*bundle, *filler],
            station.port,
            calling_ae="FOLLOW",
            called_ae="RTSTATION",
            log_dir=tmp_path / "storescu",
        )
        wait_until(
            lambda: plan_file in sender.acknowledged(), 60, "the plan's C-STORE answer", station
        )
        station.kill()
        sender.wait(30)
        assert len(sender.acknowledged()) < len(bundle) + len(filler), (
            "the station must die while the association is still open"
        )
        assert scp.received_order() == []
        station.start()
        expected = _uids(bundle)
        wait_until(
            lambda: set(scp.received_order()) >= expected,
            60,
            "the bundle after the restart",
            station,
        )
        # Decided after the restart's fresh settle period (no association since: 0).
        wait_settled(station, "RESTART", 0)
        decision = query(
            station, "SELECT state FROM plan_decisions WHERE plan_uid = ?", (study.plan_uids[0],)
        )
    finally:
        station.stop()
    assert [row["state"] for row in decision] == ["forwarded"]
    assert set(scp.received_order()) == expected and _exactly_once(scp)


# --- 4. a late dose while the first job is still queued ------------------------------------------


def test_dose_arriving_while_the_first_job_waits_is_sent_too(tmp_path: Path, storescp):
    """Before: the late dose was queued "for the plan", found the plan's job still active
    and was merged into nothing: the node never got the dose."""
    scp = storescp(ae_title="ORGANO")
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra=node_section(1, "ORGANO", scp.port))
    (config / "rules.ini").write_text(_rule("ORGANO", extra="plan_label_match =\n"))
    study = write_study(tmp_path / "s", StudySpec(patient_id="LATEDOSE", slices=5))
    dose = set(study.dose_paths)
    with station:
        paused = _cli(station, "queue", "pause", "ORGANO")
        assert paused.returncode == 0, paused.stdout + paused.stderr
        _send(station, [p for p in study.all_paths if p not in dose])
        wait_until(
            lambda: settled_after(station, "LATEDOSE", 1),
            30,
            "the dose-less plan's settle period to end",
            station,
        )
        decided = query(station, "SELECT state FROM plan_decisions")
        assert [row["state"] for row in decided] == ["forwarded"]
        assert [j["state"] for j in query(station, "SELECT state FROM jobs")] == ["queued"]
        _send(station, sorted(dose))
        wait_until(  # the dose's settle period ends while job 1 still waits
            lambda: settled_after(station, "LATEDOSE", 2),
            30,
            "the dose's settle period to end",
            station,
        )
        assert "queued" in [j["state"] for j in query(station, "SELECT state FROM jobs")]
        resumed = _cli(station, "queue", "resume", "ORGANO")
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        expected = _uids(study.all_paths)
        wait_until(
            lambda: set(scp.received_order()) >= expected,
            30,
            "every instance, the dose included",
            station,
        )
        wait_settled(station, "LATEDOSE", 2)
    names = scp.received_names()
    assert names[-1].startswith("RD."), "the dose goes after the plan"
    assert set(scp.received_order()) == expected and _exactly_once(scp)


# --- 5. plans the rules never saw arrive ---------------------------------------------------------


def test_local_and_reindexed_plans_are_not_forwarded_when_the_patient_gets_a_new_plan(
    tmp_path: Path, storescp
):
    """Before: the first association for the patient registered every undecided plan of the
    patient as newly received, so a rule for any source forwarded the manually sent plan
    and the plan found by reindex along with the new one."""
    rule_node = storescp(ae_title="ORGANO")
    manual_node = storescp(ae_title="MANUAL")
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(
        config,
        port=station.port,
        extra=node_section(1, "ORGANO", rule_node.port)
        + node_section(2, "MANUAL", manual_node.port),
    )
    (config / "rules.ini").write_text(_rule("ORGANO", source_ae="*", extra="plan_label_match =\n"))
    spec = {"patient_id": "SAMEPAT", "slices": 4}
    found = write_study(tmp_path / "found", StudySpec(**spec, plans=(PlanSpec(label="OLD"),)))
    local = write_study(tmp_path / "local", StudySpec(**spec, plans=(PlanSpec(label="MANUAL"),)))
    new = write_study(tmp_path / "new", StudySpec(**spec, plans=(PlanSpec(label="NEW"),)))
    # Files already in the storage folder that only a reindex brings into the catalog.
    shutil.copytree(found.root, station.storage / "restored")
    reindexed = _cli(station, "reindex")
    assert reindexed.returncode == 0, reindexed.stdout + reindexed.stderr
    with station:
        queued = _cli(station, "send", "--no-wait", "--node", "MANUAL", str(local.root))
        assert queued.returncode == 0, queued.stdout + queued.stderr
        local_uids = _uids(local.all_paths)
        wait_until(
            lambda: set(manual_node.received_order()) >= local_uids,
            60,
            "the manual send",
            station,
        )
        _send(station, new.all_paths)
        new_uids = _uids(new.all_paths)
        wait_until(
            lambda: set(rule_node.received_order()) >= new_uids, 60, "the new bundle", station
        )
        wait_settled(station, "SAMEPAT", 1)
        rule_jobs = query(station, "SELECT plan_uid FROM jobs WHERE node = 'ORGANO'")
        decided = query(station, "SELECT plan_uid FROM plan_decisions")
    assert set(rule_node.received_order()) == new_uids, "only the new plan's bundle goes"
    assert _exactly_once(rule_node)
    assert _plans_received(rule_node) == [f"RP.{new.plan_uids[0]}"]
    assert [row["plan_uid"] for row in rule_jobs] == [new.plan_uids[0]]
    assert [row["plan_uid"] for row in decided] == [new.plan_uids[0]]
    assert set(manual_node.received_order()) == local_uids


# --- 6. delete_after_send and shared instances ------------------------------------------------


def test_delete_after_send_keeps_the_ct_and_structure_set_another_plan_needs(
    tmp_path: Path, storescp
):
    """Before: sending PHASE1 removed its whole bundle, the shared CT and structure set
    included, so PHASE2 could no longer be sent complete."""
    scp = storescp(ae_title="ORGANO")
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(
        config,
        port=station.port,
        extra=node_section(1, "ORGANO", scp.port) + "\n[SendOptions]\ndelete_after_send = True\n",
    )
    (config / "rules.ini").write_text(rules_ini(""))  # nothing goes out unless a person sends it
    study = write_study(
        tmp_path / "s",
        StudySpec(
            patient_id="TWOPHASE",
            slices=5,
            plans=(PlanSpec(label="PHASE1"), PlanSpec(label="PHASE2")),
        ),
    )
    phase1, phase2 = study.plan_uids
    shared = [*study.image_uids, study.structure_set_uid]
    only1 = [phase1, *study.dose_uids_by_plan[0]]
    only2 = [phase2, *study.dose_uids_by_plan[1]]
    with station:
        _send(station, study.all_paths)
        files = {uid: _stored_file(station, uid) for uid in [*shared, *only1, *only2]}
        assert all(path.exists() for path in files.values())

        sent = _cli(station, "send", "--node", "ORGANO", "--plan", phase1)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        wait_until(  # the station logs this once it has decided what to remove and done so
            lambda: f"of plan {phase1} after delivery" in file_log(station),
            30,
            "the removal after PHASE1's delivery",
            station,
        )
        assert not any(files[uid].exists() for uid in only1), "PHASE1's plan and dose go"
        kept = [uid for uid in [*shared, *only2] if not files[uid].exists()]
        assert kept == [], "instances PHASE2 still needs were deleted"

        sent = _cli(station, "send", "--node", "ORGANO", "--plan", phase2)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        wait_until(
            lambda: not any(path.exists() for path in files.values()),
            30,
            "the rest to be removed once PHASE2 is out too",
            station,
        )
    assert set(scp.received_order()) == _uids(study.all_paths) and _exactly_once(scp)
    records = query(station, "SELECT removed_at FROM instances")
    assert len(records) == len(study.all_paths), "the catalog keeps the record"
    assert all(row["removed_at"] for row in records)


# --- 7. a rule naming a disabled node -----------------------------------------------------------


def test_rule_naming_a_disabled_node_still_forwards_to_the_enabled_one(tmp_path: Path, storescp):
    """Before: a job was queued for the disabled node, silently and for ever, and the log
    said nothing about it at forwarding time."""
    scp = storescp(ae_title="ORGANO")
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(
        config,
        port=station.port,
        extra=node_section(1, "OFFLINE", free_port(), enabled=False)
        + node_section(2, "ORGANO", scp.port),
    )
    (config / "rules.ini").write_text(_rule("OFFLINE, ORGANO", extra="plan_label_match =\n"))
    study = write_study(tmp_path / "s", StudySpec(patient_id="DISABLED", slices=4))
    expected = _uids(study.all_paths)
    with station:
        _send(station, study.all_paths)
        wait_until(lambda: set(scp.received_order()) >= expected, 60, "the enabled node", station)
        wait_settled(station, "DISABLED", 1)
        jobs = query(station, "SELECT node, state FROM jobs ORDER BY id")
    assert [(j["node"], j["state"]) for j in jobs] == [("ORGANO", "done")]
    assert set(scp.received_order()) == expected and _exactly_once(scp)
    problem = [line for line in file_log(station).splitlines() if "nothing was queued" in line]
    assert problem and "Node 'OFFLINE' is disabled" in problem[0], file_log(station)[-3000:]
