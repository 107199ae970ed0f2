"""The Station in this process, between a real storescu and a real storescp.

For what a subprocess cannot show: a database error injected into one call, a primary
lock held by "another process" (a second handle on the lock file), an error in what
follows a delivery. Everything else is the production path: the real receiver, rules,
durable queue, send workers and sender.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rtstation.database import Database
from rtstation.events import AssociationEnded, JobChanged, StationProblem
from rtstation.station import Station
from rtstation.station.queue_control import PlanStatus
from rtstation.station.station import lease_owner
from rtstation.storage.catalog import Catalog
from rtstation.storage.decisions import FORWARDED, DecisionStore
from rtstation.storage.process_lock import PrimaryLock
from tests.data.generator import PlanSpec, StudySpec, write_study
from tests.peers.peers import StoreSCP, free_port, storescu, storescu_responses
from tests.peers.station_proc import node_section, rules_ini, write_settings

RULE = rules_ini("[Rule1]\nname = Rule1\nenabled = True\nsource_ae = FOLLOW\ntarget_nodes = TPS\n")


@pytest.fixture
def make_station(tmp_path: Path) -> Iterator[Callable[..., Station]]:
    """Factory: a Station over ``tmp_path/station`` with node TPS on ``scp_port``."""
    stations: list[Station] = []

    def make(scp_port: int, *, extra: str = "") -> Station:
        config = tmp_path / "station"
        write_settings(config, port=free_port(), extra=node_section(1, "TPS", scp_port) + extra)
        (config / "rules.ini").write_text(RULE, encoding="utf-8")
        station = Station.open(str(config), bind_address="127.0.0.1")
        stations.append(station)
        return station

    yield make
    for station in stations:
        station.stop()


def test_plan_refused_for_a_locked_database_is_forwarded_after_the_senders_retry(
    tmp_path: Path,
    storescp: Callable[..., StoreSCP],
    make_station: Callable[..., Station],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before the fix the first C-STORE of the plan escaped as 0xC211, the retry was a
    duplicate that skipped the pending decision, and the plan was never forwarded."""
    scp = storescp(ae_title="TPS")
    station = make_station(scp.port)
    study = write_study(tmp_path / "study", StudySpec(patient_id="P1", slices=4))
    original = DecisionStore.add_pending
    failures: list[str] = []

    def locked_once(self: DecisionStore, plan_uid: str, patient_id: str, source: str) -> bool:
        if not failures:
            failures.append(plan_uid)
            raise sqlite3.OperationalError("database is locked")
        return original(self, plan_uid, patient_id, source)

    monkeypatch.setattr(DecisionStore, "add_pending", locked_once)
    station.start(receiver=True)
    port = station.settings.port

    first = storescu(study.all_paths, port, calling_ae="FOLLOW", called_ae="RTSTATION")
    answers = {Path(file).name: outcome for file, outcome in storescu_responses(first)}
    plan_name = study.plan_paths[0].name
    assert failures == [study.plan_uids[0]]
    assert answers[plan_name] == "Refused: OutOfResources", answers  # 0xA700: try again
    assert all(o == "Success" for n, o in answers.items() if n != plan_name), answers
    with Database(station.catalog.db_path) as db:
        refusals = db.query("SELECT detail FROM audit WHERE event = 'refused'")
    assert refusals and "database is locked" in refusals[0]["detail"]

    retry = storescu(study.plan_paths, port, calling_ae="FOLLOW", called_ae="RTSTATION")
    assert [o for _, o in storescu_responses(retry)] == ["Success"]  # a duplicate now

    scp.wait_for(len(study.all_paths), timeout=30)
    assert sorted(scp.received_order()) == sorted(
        [*study.image_uids, study.structure_set_uid, *study.plan_uids, *study.dose_uids]
    )
    decision = station.decisions.get(study.plan_uids[0])
    assert decision is not None and decision.state == FORWARDED


def test_duplicate_of_a_plan_stored_by_send_path_still_owes_no_decision(
    tmp_path: Path, storescp: Callable[..., StoreSCP], make_station: Callable[..., Station]
) -> None:
    """The duplicate path gives a plan its decision only when it was stored the same way:
    a plan stored for a manual send (LOCAL) and received again stays a manual plan."""
    scp = storescp(ae_title="TPS")
    station = make_station(scp.port)
    study = write_study(tmp_path / "study", StudySpec(patient_id="P2", slices=2))
    station.store_paths(study.all_paths)
    evaluated = threading.Event()  # published after the association's plans were decided
    station.subscribe(AssociationEnded, lambda _event: evaluated.set())
    station.start(receiver=True)
    result = storescu(
        study.all_paths, station.settings.port, calling_ae="FOLLOW", called_ae="RTSTATION"
    )
    assert {o for _, o in storescu_responses(result)} == {"Success"}
    assert evaluated.wait(30), "the association's end was never handled"
    assert station.decisions.get(study.plan_uids[0]) is None
    assert station.plan_status(study.plan_uids[0]) == PlanStatus("", "", {})
    assert station.jobs() == []


def test_station_that_becomes_primary_takes_back_the_previous_primarys_jobs(
    tmp_path: Path, storescp: Callable[..., StoreSCP], make_station: Callable[..., Station]
) -> None:
    """Before the fix a station that took the primary lock while running kept leasing as
    "<host>:<pid>": the crashed primary's in-flight job waited for its lease to run out."""
    scp = storescp(ae_title="TPS")
    data_dir = tmp_path / "station" / "data"
    other_process = PrimaryLock(data_dir)  # a CLI command holding the lock
    assert other_process.acquire()
    station = make_station(scp.port)
    assert not station.is_primary
    study = write_study(tmp_path / "study", StudySpec(patient_id="P3", slices=3))
    station.store_paths(study.all_paths)
    [job_id] = station.send_instances(
        [*study.image_uids, study.structure_set_uid, *study.plan_uids, *study.dose_uids], ["TPS"]
    )
    # The previous primary claimed the job and died mid-send: its lease would last an hour.
    crashed = station.queue.claim_next(
        "TPS", f"{lease_owner(primary=True)}/TPS", lease_seconds=3600
    )
    assert crashed is not None and crashed.id == job_id
    done = threading.Event()

    def on_job(event: JobChanged) -> None:
        if event.job_id == job_id and event.state == "done":
            done.set()

    station.subscribe(JobChanged, on_job)
    station.start(receiver=False)
    assert station.workers.owner == lease_owner(primary=False)

    other_process.release()
    assert done.wait(30), f"job {job_id} is {station.queue.job(job_id)}"
    assert station.is_primary
    assert station.workers.owner == lease_owner(primary=True)
    assert len(scp.wait_for(len(study.all_paths), timeout=10)) == len(study.all_paths)


def test_a_failing_delivery_audit_is_reported_and_the_job_stays_done(
    tmp_path: Path,
    storescp: Callable[..., StoreSCP],
    make_station: Callable[..., Station],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The audit after a delivery used to run inside EventBus.publish, which swallowed its
    error; now it is a direct call whose failure reaches people as a StationProblem."""
    scp = storescp(ae_title="TPS")
    station = make_station(scp.port)
    study = write_study(
        tmp_path / "study", StudySpec(patient_id="P4", slices=2, plans=(PlanSpec(),))
    )
    station.store_paths(study.all_paths)
    original = Catalog.audit

    def audit(self: Catalog, event: str, **kwargs: str) -> None:
        if event == "delivered":
            raise sqlite3.OperationalError("disk I/O error")
        original(self, event, **kwargs)

    monkeypatch.setattr(Catalog, "audit", audit)
    problems: list[StationProblem] = []
    reported = threading.Event()

    def on_problem(event: StationProblem) -> None:
        problems.append(event)
        reported.set()

    station.subscribe(StationProblem, on_problem)
    station.start(receiver=False)
    [job_id] = station.send_plans(study.plan_uids, ["TPS"])
    assert reported.wait(30), "no StationProblem for the failed audit"
    assert "disk I/O error" in problems[0].message and f"Job {job_id}" in problems[0].message
    job = station.queue.job(job_id)
    assert job is not None and job.state == "done"
