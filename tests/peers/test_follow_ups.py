"""Follow-up jobs ("follow-up: <rules>"; "rule: late arrival" in older databases) carry only
what is new, and only where the plan went.

storescu (FOLLOW) -> ``rtstation serve`` as a real subprocess -> rules and durable queue ->
storescp nodes. Each test failed before the fix (issue 10, item 1): a cancelled plan was
delivered whole as a follow-up once a new slice arrived, a permanently refused dose was
sent again, and a failed job got a follow-up at settle time.

The proof that a decision was taken (not just that nothing happened yet) is the log line
the forwarder writes each time it evaluates a forwarded plan for a node whose job there
was not delivered.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.data.generator import StudySpec, write_study
from tests.peers.peers import (
    StoreSCP,
    free_port,
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

NO_FOLLOW_UP = "no follow-up for"


def _rule(target_nodes: str) -> str:
    return rules_ini(
        f"[Rule1]\nname = Rule1\nenabled = True\nsource_ae = FOLLOW\n"
        f"plan_label_match =\ntarget_nodes = {target_nodes}\n"
    )


def _file_log(station: StationProcess) -> str:
    path = station.config_dir / "logs" / "rtstation.log"
    return path.read_text(errors="replace") if path.exists() else ""


def _withheld(station: StationProcess, node: str) -> int:
    """How often the forwarder decided that ``node`` gets no follow-up."""
    return sum(
        1
        for line in _file_log(station).splitlines()
        if NO_FOLLOW_UP in line and f"{NO_FOLLOW_UP} {node}:" in line
    )


def _send(station: StationProcess, paths, ae: str = "FOLLOW") -> None:
    paths = list(paths)
    result = storescu(paths, station.port, calling_ae=ae, called_ae="RTSTATION")
    assert len(storescu_acknowledged(result)) == len(paths), result.stderr


def _cli(station: StationProcess, *args: str) -> None:
    argv = [sys.executable, "-m", "rtstation", "--config", str(station.config_dir), *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _jobs(station: StationProcess, node: str) -> list[tuple[str, str]]:
    rows = query(station, "SELECT source, state FROM jobs WHERE node = ? ORDER BY id", (node,))
    return [(row["source"], row["state"]) for row in rows]


def _station(tmp_path: Path, nodes: list[StoreSCP | tuple[str, int]], extra: str = ""):
    config = tmp_path / "station"
    station = StationProcess(config)
    sections = ""
    for index, node in enumerate(nodes, 1):
        name, port = (node.ae_title, node.port) if isinstance(node, StoreSCP) else node
        sections += node_section(index, name, port)
    write_settings(config, port=station.port, extra=sections + extra)
    return station


def test_a_cancelled_plan_is_never_delivered_as_a_late_arrival(tmp_path: Path, storescp):
    """Before: after the cancel and a resume, one new slice made a "rule: late arrival" job
    that delivered the whole cancelled bundle to ORGANO."""
    organo = storescp(ae_title="ORGANO")
    qa = storescp(ae_title="QA")
    station = _station(tmp_path, [organo, qa])
    (station.config_dir / "rules.ini").write_text(_rule("ORGANO, QA"))
    study = write_study(tmp_path / "s", StudySpec(patient_id="CANCELLED", slices=6))
    held_back = study.image_paths[-1]
    first = [p for p in study.all_paths if p != held_back]
    with station:
        _cli(station, "queue", "pause", "ORGANO")
        _send(station, first)
        wait_until(
            lambda: set(qa.received_order()) == {read_sop_instance_uid(p) for p in first},
            60,
            "the bundle at QA (decided at settle: one slice is missing)",
            station,
        )
        [organo_job] = query(station, "SELECT id FROM jobs WHERE node = 'ORGANO'")
        _cli(station, "queue", "cancel", str(organo_job["id"]))
        _cli(station, "queue", "resume", "ORGANO")
        _send(station, [held_back])
        new_uid = read_sop_instance_uid(held_back)
        wait_until(lambda: new_uid in qa.received_order(), 30, "the new slice at QA", station)
        # Decided twice: when the association ended and when the patient settled again.
        wait_until(lambda: _withheld(station, "ORGANO") >= 2, 30, "both decisions", station)
        wait_until(
            lambda: all(state in ("done", "cancelled") for _, state in _jobs(station, "QA")),
            30,
            "QA's follow-up to finish",
            station,
        )
        organo_jobs = _jobs(station, "ORGANO")
        qa_jobs = _jobs(station, "QA")
    assert organo.received_order() == [], "the cancelled plan reached ORGANO"
    assert organo_jobs == [("rule: Rule1", "cancelled")]
    # the follow-up's trigger names the rule that forwarded the plan (the send history)
    assert qa_jobs == [("rule: Rule1", "done"), ("follow-up: Rule1", "done")]
    assert sorted(qa.received_order()) == sorted(read_sop_instance_uid(p) for p in study.all_paths)
    organo_lines = [
        line for line in _file_log(station).splitlines() if f"{NO_FOLLOW_UP} ORGANO:" in line
    ]
    assert "ended 'cancelled'" in organo_lines[0], organo_lines[0]


def test_a_permanently_refused_dose_is_not_sent_again(tmp_path: Path, storescp):
    """Before: the refused dose went into a follow-up job with the next slice of the plan
    and was refused again (and again with every later arrival)."""
    organo = storescp(ae_title="ORGANO", reject_rtdose=True)
    station = _station(tmp_path, [organo])
    (station.config_dir / "rules.ini").write_text(_rule("ORGANO"))
    study = write_study(tmp_path / "s", StudySpec(patient_id="REFUSED", slices=6))
    held_back = study.image_paths[-1]
    first = [p for p in study.all_paths if p != held_back]
    with station:
        _send(station, first)
        wait_until(
            lambda: _jobs(station, "ORGANO") == [("rule: Rule1", "failed")],
            60,
            "the plan job to fail on the dose",
            station,
        )
        _send(station, [held_back])
        wait_until(lambda: _withheld(station, "ORGANO") >= 2, 30, "both decisions", station)
        jobs = _jobs(station, "ORGANO")
        dose_items = query(
            station,
            "SELECT job_id, state FROM job_items WHERE sop_instance_uid = ?",
            (study.dose_uids[0],),
        )
    assert jobs == [("rule: Rule1", "failed")], "a follow-up was queued for a failed plan"
    assert [row["state"] for row in dose_items] == ["failed"], "the refused dose was queued again"
    assert read_sop_instance_uid(held_back) not in organo.received_order()
    assert study.dose_uids[0] not in organo.received_order()


def test_a_failed_plan_job_gets_no_follow_up_when_the_patient_settles(tmp_path: Path):
    """Before: at the next settle of the patient the forwarder queued a follow-up with
    everything the failed job had not delivered, i.e. the whole plan again."""
    station = _station(
        tmp_path,
        [("OFFLINE", free_port())],
        extra="\n[Send]\nmax_attempts = 1\nretry_base_seconds = 1\n",
    )
    (station.config_dir / "rules.ini").write_text(_rule("OFFLINE"))
    study = write_study(tmp_path / "s", StudySpec(patient_id="FAILED", slices=4))
    with station:
        _send(station, study.all_paths)
        wait_until(
            lambda: _jobs(station, "OFFLINE") == [("rule: Rule1", "failed")],
            60,
            "the plan job to fail (nothing listens on the node's port)",
            station,
        )
        _send(station, study.image_paths[:1])  # the sender repeats a slice
        wait_until(lambda: _withheld(station, "OFFLINE") >= 2, 30, "both decisions", station)
        jobs = _jobs(station, "OFFLINE")
    assert jobs == [("rule: Rule1", "failed")]
