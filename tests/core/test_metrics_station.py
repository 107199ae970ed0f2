"""Plan metrics in a running station: computed in the background, stored, read back, used
by the rules. Real files, a real catalog and the real metrics thread; no network (plans
arrive by folder import, which takes the same path through the rules as a receive)."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rtstation.events import RuleDecision
from rtstation.station import Station
from rtstation.storage.decisions import FORWARDED, NOT_FORWARDED
from tests.data.generator import GeneratedStudy, PlanSpec, StudySpec, write_study
from tests.peers.station_proc import node_section, rules_ini, write_settings
from tests.waiting import wait_for

TIMEOUT = 60.0


@pytest.fixture
def make_station(tmp_path: Path) -> Iterator[Callable[..., Station]]:
    stations: list[Station] = []

    def make(*, rules: str = "", extra: str = "") -> Station:
        config = tmp_path / "station"
        nodes = node_section(1, "HOT", 1) + node_section(2, "NORMAL", 1)
        write_settings(config, port=11112, extra=nodes + extra)
        (config / "rules.ini").write_text(rules_ini(rules), encoding="utf-8")
        station = Station.open(str(config))
        stations.append(station)
        return station

    yield make
    for station in stations:
        station.stop()


def _study(tmp_path: Path, **plan: object) -> GeneratedStudy:
    return write_study(
        tmp_path / "export", StudySpec(patient_id="P1", slices=4, plans=(PlanSpec(**plan),))
    )  # type: ignore[arg-type]


def _stored(station: Station, plan_uid: str) -> object:
    found = station.metrics_store.load([plan_uid]).get(plan_uid)
    return found.report if found is not None else None


def test_metrics_are_computed_in_the_background_and_again_for_a_new_dose(
    tmp_path: Path, make_station: Callable[..., Station]
) -> None:
    study = _study(tmp_path, label="ADP_1", prescription_gy=50.0)
    station = make_station()
    station.start(receiver=False, workers=False)
    plan_uid = study.plan_uids[0]
    without_dose = [p for p in study.all_paths if p not in study.dose_paths]
    station.import_paths(without_dose)
    wait_for(lambda: _stored(station, plan_uid) is not None, "the first metrics", timeout=TIMEOUT)
    first = _stored(station, plan_uid)
    assert first.dose is None and first.plan.label == "ADP_1"  # type: ignore[attr-defined]
    assert any("No RTDOSE" in n for n in first.notes)  # type: ignore[attr-defined]

    station.import_paths(study.dose_paths)  # the dose comes later: computed again
    wait_for(
        lambda: getattr(_stored(station, plan_uid), "dose", None) is not None,
        "the new metrics",
        timeout=TIMEOUT,
    )
    report = _stored(station, plan_uid)
    assert 40 < report.dose.max_gy < 50  # type: ignore[attr-defined]
    assert all(r.dmax_gy is not None for r in report.rois)  # type: ignore[attr-defined]
    thread = next(t for t in threading.enumerate() if t.name == "rtstation-metrics")
    assert thread.daemon


def test_reads_are_served_from_the_table_not_from_the_files(
    tmp_path: Path, make_station: Callable[..., Station]
) -> None:
    study = _study(tmp_path, label="ADP_1")
    station = make_station()
    station.start(receiver=False, workers=False)
    station.import_paths([study.root])
    plan_uid = study.plan_uids[0]
    wait_for(
        lambda: getattr(_stored(station, plan_uid), "dose", None) is not None,
        "metrics",
        timeout=TIMEOUT,
    )
    for uid in study.dose_uids:
        stored_dose = station.catalog.get(uid)
        assert stored_dose is not None
        Path(stored_dose.header.path).unlink()  # the file is gone, its row (and hash) stay
    stored = station.plan_metrics(patient_id="P1", vx_gy=(30.0,))
    assert stored[0].dose is not None  # read back, not computed from the missing file
    assert all(30.0 in r.vx_percent for r in stored[0].rois)  # read off the stored curve
    again = station.plan_metrics(plan_uid=plan_uid, recompute=True)
    assert again[0].dose is None and any("cannot" in n for n in again[0].notes)


def test_reindex_rebuilds_every_plans_metrics(
    tmp_path: Path, make_station: Callable[..., Station]
) -> None:
    spec = StudySpec(patient_id="P1", slices=4, plans=(PlanSpec(label="A"), PlanSpec(label="B")))
    study = write_study(tmp_path / "export", spec)
    station = make_station()
    station.import_paths([study.root])  # not started: no metrics thread
    assert station.metrics_store.load() == {}
    seen: list[tuple[int, int]] = []
    station.reindex(metrics_progress=lambda done, total, _label: seen.append((done, total)))
    assert set(station.metrics_store.load()) == set(study.plan_uids)
    assert seen[-1] == (2, 2)


RULES = """
[Rule1]
name = Hot plans are stopped
source_ae = IMPORT_FOLDER
target_nodes = HOT
metrics_condition = dmax_gy <= 0.8 * prescription_gy

[Rule2]
name = Within 110 percent
source_ae = IMPORT_FOLDER
target_nodes = NORMAL
metrics_condition = dmax_gy <= 1.1 * prescription_gy
"""


def _decisions(station: Station) -> tuple[list[RuleDecision], threading.Event]:
    seen: list[RuleDecision] = []
    done = threading.Event()

    def on_decision(event: object) -> None:
        assert isinstance(event, RuleDecision)
        seen.append(event)
        done.set()

    station.subscribe(RuleDecision, on_decision)
    return seen, done


def test_rules_wait_for_the_metrics_and_give_the_reason_in_words(
    tmp_path: Path, make_station: Callable[..., Station]
) -> None:
    study = _study(tmp_path, label="ADP_1", prescription_gy=50.0)
    station = make_station(rules=RULES)
    seen, done = _decisions(station)
    station.start(receiver=False, workers=False)
    station.import_paths([study.root])
    assert done.wait(TIMEOUT), "no decision"
    decision = seen[0]
    assert decision.matched_nodes == ("NORMAL",)
    text = "\n".join(decision.explanation)
    assert re.search(
        r'Rule "Hot plans are stopped": not matched: Dmax 4\d\.\d+ Gy is above 80% of the '
        r"prescription 50 Gy$",
        text,
        re.MULTILINE,
    ), text
    assert 'Rule "Within 110 percent": matched -> NORMAL' in text
    row = station.decisions.get(study.plan_uids[0])
    assert row is not None and row.state == FORWARDED
    assert [j.node for j in station.jobs()] == ["NORMAL"]


def test_a_plan_whose_metrics_do_not_come_is_decided_after_the_wait_saying_so(
    tmp_path: Path, make_station: Callable[..., Station]
) -> None:
    study = _study(tmp_path, label="ADP_1")
    station = make_station(rules=RULES, extra="\n[Metrics]\nmetrics_wait_seconds = 0.5\n")
    seen, done = _decisions(station)
    station.start(receiver=False, workers=False)
    station.metrics.stop()  # the metrics never come
    started = time.monotonic()
    station.import_paths([study.root])
    assert station.plan_status(study.plan_uids[0]).waiting == "waiting: metrics being computed"
    assert done.wait(TIMEOUT), "no decision"
    assert time.monotonic() - started >= 0.5
    assert seen[0].matched_nodes == ()
    assert "were not computed within 0.5 s" in "\n".join(seen[0].explanation)
    row = station.decisions.get(study.plan_uids[0])
    assert row is not None and row.state == NOT_FORWARDED


def test_a_plans_row_without_its_plan_does_not_keep_the_thread_busy(
    tmp_path: Path, make_station: Callable[..., Station]
) -> None:
    """Before the fix the thread marked such a row "checked" in a metrics row that does not
    exist, found it stale again at once and never became idle."""
    study = _study(tmp_path, label="ADP_1")
    station = make_station()
    station.import_paths([study.root])
    station.catalog.delete_rows(study.plan_uids)  # the plans row stays, the plan is gone
    station.start(receiver=False, workers=False)
    assert station.metrics.wait_idle(TIMEOUT)
    station.metrics.wake()
    assert station.metrics.wait_idle(TIMEOUT)
    assert station.metrics_store.load() == {}


def test_the_metrics_child_imports_no_station_and_no_network() -> None:
    """The spawned child imports the module of each function it runs: before, that was
    rtstation.station.metrics_worker, and with it pynetdicom and the whole station."""
    from rtstation.dicom import metrics_child
    from rtstation.station import metrics_worker

    runs = {metrics_child.encoded_report, metrics_child.lower_priority}
    assert {f.__module__ for f in runs} == {"rtstation.dicom.metrics_child"}
    assert metrics_worker.encoded_report is metrics_child.encoded_report
    probe = (
        "import sys, rtstation.dicom.metrics_child; "
        "print(sorted(m for m in sys.modules if m.startswith(('pynetdicom', 'rtstation.station',"
        " 'rtstation.net', 'rtstation.storage', 'PySide6'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]", out


def test_a_plan_whose_metrics_child_was_killed_is_computed_again_in_a_new_child(
    tmp_path: Path, make_station: Callable[..., Station]
) -> None:
    """Before: a killed child (the OOM killer, a stray kill) made the plan's computation
    fail with BrokenProcessPool, logged as a traceback, and the plan was passed over until
    its data changed again: its dose metrics never came, and a rule waiting for them
    decided without them."""
    study = _study(tmp_path, label="ADP_1", prescription_gy=50.0)
    station = make_station()
    station.start(receiver=False, workers=False)
    plan_uid = study.plan_uids[0]
    station.import_paths([p for p in study.all_paths if p not in study.dose_paths])
    wait_for(lambda: _stored(station, plan_uid) is not None, "the first metrics", timeout=TIMEOUT)
    [child] = multiprocessing.active_children()
    os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    child.join(10)
    station.import_paths(study.dose_paths)
    wait_for(
        lambda: getattr(_stored(station, plan_uid), "dose", None) is not None,
        "the dose metrics from a new child",
        timeout=TIMEOUT,
    )
