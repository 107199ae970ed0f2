"""Forwarding end to end: storescu -> ``rtstation serve`` -> rules and queue -> storescp / Orthanc.

These are the acceptance scenarios of the send-queue and rules issues, run against real
DCMTK and Orthanc peers on loopback, with the station as a real subprocess.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydicom import dcmread

from tests.data.generator import GeneratedStudy, PlanSpec, StudySpec, write_ct_series, write_study
from tests.peers.peers import (
    StoreSCP,
    dataset_bytes,
    free_port,
    read_sop_instance_uid,
)
from tests.peers.station_proc import (
    StationProcess,
    file_log,
    node_section,
    query,
    rules_ini,
    store_to,
    wait_settled,
    wait_until,
    write_settings,
)


def _uids(study: GeneratedStudy) -> list[str]:
    return [read_sop_instance_uid(p) for p in study.all_paths]


def _modality_order(scp: StoreSCP) -> list[str]:
    """Reception order as modality prefixes of storescp's file names (CT, RS, RP, RD)."""
    return [name.split(".")[0] for name in scp.received_names()]


def _collapse(sequence: list[str]) -> list[str]:
    out: list[str] = []
    for item in sequence:
        if not out or out[-1] != item:
            out.append(item)
    return out


def _send(station: StationProcess, study: GeneratedStudy, ae: str) -> int:
    """The whole study in one association from ``ae``; returns its number (``store_to``)."""
    return store_to(station, study.all_paths, ae)


def test_seed_scenario_only_follow_adp_plans_reach_both_nodes(tmp_path: Path, storescp, orthanc):
    scp = storescp(ae_title="ORGANO")
    pacs = orthanc(ae_title="ARCHIVE")
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(
        config,
        port=station.port,
        extra=node_section(1, "ORGANO", scp.port) + node_section(2, "ARCHIVE", pacs.port),
    )
    (config / "rules.ini").write_text(
        rules_ini(
            "[Rule1]\nname = Ethos ADP Plans\nenabled = True\nsource_ae = FOLLOW\n"
            "target_nodes = ORGANO, ARCHIVE\nplan_label_match = ADP\n"
        )
    )
    adp = write_study(
        tmp_path / "a", StudySpec(patient_id="P1", slices=12, plans=(PlanSpec(label="ADP_Pelvis"),))
    )
    sched = write_study(
        tmp_path / "b",
        StudySpec(patient_id="P2", slices=8, plans=(PlanSpec(label="Pelvis_sched"),)),
    )
    head = write_study(
        tmp_path / "c", StudySpec(patient_id="P3", slices=8, plans=(PlanSpec(label="ADP_Head"),))
    )
    with station:
        _send(station, adp, "FOLLOW")
        _send(station, sched, "FOLLOW")
        _send(station, head, "ECLIPSE")
        expected = set(_uids(adp))
        wait_until(lambda: set(scp.received_order()) >= expected, 60, "storescp", station)
        wait_until(lambda: pacs.sop_instance_uids() >= expected, 60, "Orthanc", station)
        # Each patient's settle-time decision is taken and its jobs ended: nothing follows.
        for association, patient_id in enumerate(("P1", "P2", "P3"), 1):
            wait_settled(station, patient_id, association)
        rows = query(station, "SELECT plan_uid, detail FROM audit WHERE event = 'rule'")
    assert sorted(scp.received_order()) == sorted(expected), "exactly once, nothing else"
    assert pacs.sop_instance_uids() == expected
    assert _collapse(_modality_order(scp)) == ["CT", "RS", "RP", "RD"]
    for path in adp.all_paths:
        received = scp.out_dir / next(
            n for n in scp.received_names() if read_sop_instance_uid(path) in n
        )
        assert dataset_bytes(received) == dataset_bytes(path)
    explained = {r["plan_uid"]: r["detail"] for r in rows}
    assert "does not contain 'ADP'" in explained[sched.plan_uids[0]]
    assert "source AE ECLIPSE is not FOLLOW" in explained[head.plan_uids[0]]
    assert "matched" in explained[adp.plan_uids[0]]


def test_import_folder_rule_forwards_every_imported_plan(tmp_path: Path, storescp):
    scp = storescp(ae_title="ORGANO")
    config = tmp_path / "station"
    write_settings(config, port=1, extra=node_section(1, "ORGANO", scp.port))
    (config / "rules.ini").write_text(
        rules_ini(
            "[Rule1]\nname = Import Folder Rule\nenabled = True\nsource_ae = IMPORT_FOLDER\n"
            "target_nodes = ORGANO\nplan_label_match =\n"
        )
    )
    folder = tmp_path / "export"
    a = write_study(
        folder / "one", StudySpec(patient_id="IMP1", slices=5, plans=(PlanSpec(label="A"),))
    )
    b = write_study(
        folder / "two",
        StudySpec(patient_id="IMP2", slices=5, plans=(PlanSpec(label="B1"), PlanSpec(label="B2"))),
    )
    cli = [sys.executable, "-m", "rtstation", "--config", str(config)]
    result = subprocess.run(
        [*cli, "import", str(folder)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rejected" in result.stdout
    # The import queued the jobs durably; a station started later sends them.
    station = StationProcess(config)
    write_settings(config, port=station.port, extra=node_section(1, "ORGANO", scp.port))
    with station:
        expected = set(_uids(a)) | set(_uids(b))
        wait_until(
            lambda: set(scp.received_order()) >= expected, 60, "imported plans at storescp", station
        )
    assert len(scp.received_order()) == len(expected)


#: Settle time of the late-dose test: long enough that a dose sent right after its plan's
#: association is inside the window (one storescu of two files), short enough not to dominate.
LATE_DOSE_SETTLE = 4


def test_late_dose_is_awaited_and_missing_dose_forwards_at_settle(tmp_path: Path, storescp):
    scp = storescp(ae_title="ORGANO")
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(
        config,
        port=station.port,
        extra=node_section(1, "ORGANO", scp.port),
        settle_seconds=LATE_DOSE_SETTLE,
    )
    (config / "rules.ini").write_text(
        rules_ini(
            "[Rule1]\nname = All FOLLOW\nenabled = True\nsource_ae = FOLLOW\n"
            "target_nodes = ORGANO\nplan_label_match =\n"
        )
    )
    late = write_study(
        tmp_path / "late",
        StudySpec(patient_id="LATE", slices=6, plans=(PlanSpec(label="WithDose"),)),
    )
    never = write_study(
        tmp_path / "never",
        StudySpec(patient_id="NODOSE", slices=6, plans=(PlanSpec(label="NoDose", doses=0),)),
    )
    dose = set(late.dose_paths)

    def waiting(plan_uid: str) -> str:
        rows = query(
            station, "SELECT state, waiting FROM plan_decisions WHERE plan_uid = ?", (plan_uid,)
        )
        return rows[0]["waiting"] if rows and rows[0]["state"] == "pending" else ""

    with station:
        never_sent_at = time.monotonic()
        never_association = store_to(station, never.all_paths, "FOLLOW")
        store_to(station, [p for p in late.all_paths if p not in dose], "FOLLOW")
        # The decision to wait is recorded when the plan's association ends.
        for plan_uid in (never.plan_uids[0], late.plan_uids[0]):
            wait_until(
                lambda uid=plan_uid: "dose missing" in waiting(uid),
                30,
                f"plan {plan_uid} to wait for its dose",
                station,
            )
        assert query(station, "SELECT id FROM jobs") == [], "a plan without its dose must wait"
        store_to(station, sorted(dose), "FOLLOW")
        expected_late = set(_uids(late))
        wait_until(
            lambda: set(scp.received_order()) >= expected_late, 60, "the late bundle", station
        )
        expected_never = set(_uids(never))
        wait_until(
            lambda: set(scp.received_order()) >= expected_never, 60, "the dose-less bundle", station
        )
        assert time.monotonic() - never_sent_at >= LATE_DOSE_SETTLE, (
            "the dose-less plan goes only at settle time"
        )
        wait_settled(station, "NODOSE", never_association)
    log = file_log(station)
    assert "Plan WithDose (complete by its references) forwarded to ORGANO" in log, (
        "the plan went with its dose as soon as the dose came (if it went 'after the patient "
        f"settled', the dose association took longer than {LATE_DOSE_SETTLE} s)\n" + log[-3000:]
    )
    assert "Plan NoDose (after the patient settled) forwarded to ORGANO" in log, log[-3000:]
    order = scp.received_order()
    late_order = [
        name.split(".")[0] for name in scp.received_names() if any(u in name for u in expected_late)
    ]
    assert _collapse(late_order) == ["CT", "RS", "RP", "RD"], (
        "forwarded with its dose, in ARIA order"
    )
    assert len(order) == len(set(order)), "each instance exactly once"


def test_station_sends_one_bundle_to_storescp_and_orthanc_and_reports_rejected_dose(
    tmp_path: Path, storescp, orthanc
):
    picky = storescp(ae_title="NODOSE", reject_rtdose=True)
    pacs = orthanc(ae_title="ARCHIVE")
    config = tmp_path / "station"
    write_settings(
        config,
        port=1,
        extra=node_section(1, "NODOSE", picky.port) + node_section(2, "ARCHIVE", pacs.port),
    )
    study = write_study(tmp_path / "s", StudySpec(patient_id="PICKY", slices=10))
    cli = [sys.executable, "-m", "rtstation", "--config", str(config)]
    result = subprocess.run(
        [*cli, "send", "--node", "NODOSE", "--node", "ARCHIVE", str(study.root)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 1, "a failed item makes the send fail"
    assert "ARCHIVE: done" in result.stdout
    assert "NODOSE: failed" in result.stdout and "RT Dose" in result.stdout, result.stdout
    everything = set(_uids(study))
    dose = {read_sop_instance_uid(p) for p in study.dose_paths}
    assert set(picky.received_order()) == everything - dose
    assert pacs.sop_instance_uids() == everything
    for name in picky.received_names():
        source = next(p for p in study.all_paths if read_sop_instance_uid(p) in name)
        assert dataset_bytes(picky.out_dir / name) == dataset_bytes(source)


@pytest.mark.slow
def test_sigkill_during_send_resumes_without_resending_acknowledged(tmp_path: Path, storescp):
    scp = storescp(ae_title="ORGANO")
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra=node_section(1, "ORGANO", scp.port))
    files = write_ct_series(tmp_path / "ct", 300, rows=256, columns=256, patient_id="BIGSEND")
    cli = [sys.executable, "-m", "rtstation", "--config", str(config)]
    queued = subprocess.run(
        [*cli, "send", "--no-wait", "--node", "ORGANO", str(tmp_path / "ct")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert queued.returncode == 0 or "queued" in queued.stdout, queued.stdout + queued.stderr
    station.start()
    wait_until(lambda: len(scp.received_order()) >= 80, 60, "the send to be under way", station)
    station.kill()
    recorded = {
        r["sop_instance_uid"]
        for r in query(station, "SELECT sop_instance_uid FROM job_items WHERE state = 'sent'")
    }
    # storescp logs a reception in order.txt by a shell it runs around its answer: wait for
    # the lines of what the station recorded as answered.
    wait_until(lambda: recorded <= set(scp.received_order()), 30, "storescp's order.txt")
    received_before = list(scp.received_order())
    # The kill may land between storescp's answer and the station's record of it: the one
    # instance in flight is received but not recorded (and is the one that may go twice).
    assert len(set(received_before)) - 1 <= len(recorded) < 300
    station.start()
    expected = {read_sop_instance_uid(p) for p in files}
    wait_until(lambda: set(scp.received_order()) >= expected, 120, "the resumed send", station)
    station.stop()
    order = scp.received_order()
    resent = [uid for uid in set(order) if order.count(uid) > 1]
    assert not [uid for uid in resent if uid in recorded], (
        "an acknowledged and recorded instance went twice"
    )
    assert len(resent) <= 1, "at most the one instance in flight at the kill may go twice"
    assert set(received_before) <= expected
    jobs = query(station, "SELECT state FROM jobs")
    assert [j["state"] for j in jobs] == ["done"]


def test_node_down_then_up_delivers_exactly_once_with_retries(tmp_path: Path, storescp):
    config = tmp_path / "station"

    port = free_port()
    station = StationProcess(config)
    write_settings(
        config,
        port=station.port,
        extra=node_section(1, "LATE", port)
        + "\n[Send]\nretry_base_seconds = 0.2\nretry_max_seconds = 0.5\nmax_attempts = 100\n",
    )
    study = write_study(tmp_path / "s", StudySpec(patient_id="DOWN", slices=4))
    cli = [sys.executable, "-m", "rtstation", "--config", str(config)]
    subprocess.run(
        [*cli, "send", "--no-wait", "--node", "LATE", str(study.root)],
        check=True,
        timeout=120,
        capture_output=True,
    )
    with station:
        wait_until(
            lambda: query(station, "SELECT attempts FROM jobs")[0]["attempts"] >= 2,
            30,
            "retries while the node is down",
            station,
        )
        scp = storescp(ae_title="LATE", port=port)
        expected = set(_uids(study))
        wait_until(
            lambda: set(scp.received_order()) >= expected,
            60,
            "delivery after the node came up",
            station,
        )
        wait_until(
            lambda: query(station, "SELECT state FROM jobs")[0]["state"] == "done",
            30,
            "the job to end",
            station,
        )
    # The station has stopped: whatever it sent is in order.txt, nothing more can follow.
    assert len(scp.received_order()) == len(expected)
    history = [
        r["message"] for r in query(station, "SELECT message FROM job_events ORDER BY rowid")
    ]
    assert any("connection refused" in m for m in history), history
    assert "connection refused" in station.log()


def test_rule_machine_mapping_renames_only_the_copy_sent(tmp_path: Path, storescp):
    scp = storescp(ae_title="ARIA")
    config = tmp_path / "station"
    write_settings(config, port=1, extra=node_section(1, "ARIA", scp.port))
    (config / "rules.ini").write_text(
        rules_ini(
            "[Rule1]\nname = Map Ethos\nenabled = True\nsource_ae = IMPORT_FOLDER\n"
            "target_nodes = ARIA\nplan_label_match =\nmachine_mapping = Ethos1=ETHOS_RM1\n"
        )
    )
    study = write_study(
        tmp_path / "export",
        StudySpec(patient_id="MAP", slices=3, plans=(PlanSpec(machine="Ethos1"),)),
    )
    cli = [sys.executable, "-m", "rtstation", "--config", str(config)]
    subprocess.run([*cli, "import", str(study.root)], check=True, capture_output=True, timeout=120)
    station = StationProcess(config)
    write_settings(config, port=station.port, extra=node_section(1, "ARIA", scp.port))
    with station:
        expected = set(_uids(study))
        wait_until(lambda: set(scp.received_order()) >= expected, 60, "the mapped bundle", station)
        audit = query(station, "SELECT detail FROM audit WHERE event = 'machine-mapped'")
    received_plan = scp.out_dir / next(n for n in scp.received_names() if n.startswith("RP."))
    machines = {b.TreatmentMachineName for b in dcmread(received_plan).BeamSequence}
    assert machines == {"ETHOS_RM1"}
    copies = list(station.storage.rglob(f"{study.plan_uids[0]}.dcm"))
    stored = next(p for p in copies if ".derived" not in p.parts)
    derived = next(p for p in copies if ".derived" in p.parts)
    assert {b.TreatmentMachineName for b in dcmread(derived).BeamSequence} == {"ETHOS_RM1"}
    assert dataset_bytes(stored) == dataset_bytes(study.plan_paths[0]), "the original is untouched"
    assert "Ethos1 -> ETHOS_RM1" in audit[0]["detail"]


def test_cli_send_beside_a_running_serve_delivers_once(tmp_path: Path, storescp):
    scp = storescp(ae_title="ORGANO")
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra=node_section(1, "ORGANO", scp.port))
    study = write_study(tmp_path / "s", StudySpec(patient_id="BESIDE", slices=30))
    cli = [sys.executable, "-m", "rtstation", "--config", str(config)]
    with station:
        _send(station, study, "ECLIPSE")  # no rule: stored only
        sent = subprocess.run(
            [*cli, "send", "--node", "ORGANO", "--plan", study.plan_uids[0]],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert "done" in sent.stdout
    # Both processes have ended (the CLI send returned, serve was stopped): nothing more can
    # be sent, so what storescp holds is the whole story.
    jobs = query(station, "SELECT id, state, lease_owner FROM jobs")
    order = scp.received_order()
    assert sorted(order) == sorted(_uids(study)), "every instance exactly once"
    assert [j["state"] for j in jobs] == ["done"]
