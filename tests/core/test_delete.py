"""Delete: files and catalog rows go together, shared instances stay, busy plans are refused,
and a delete killed half way is finished by the next start (catalog and disk agree)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rtstation.errors import RtStationError
from rtstation.station import Station
from tests.audit import audit_rows
from tests.data.generator import GeneratedStudy, PlanSpec, StudySpec, write_study

SETTINGS = """\
[General]
watch_folder = storage
import_folder = import

[Receiver]
port = 11112
min_free_space_mb = 0

[Node1]
name = TPS
ae_title = TPS
ip = 127.0.0.1
port = 9
"""


@pytest.fixture
def open_station(tmp_path: Path) -> Iterator[Callable[[], Station]]:
    config = tmp_path / "station"
    config.mkdir()
    (config / "settings.ini").write_text(SETTINGS, encoding="utf-8")
    opened: list[Station] = []

    def make() -> Station:
        station = Station.open(str(config))
        opened.append(station)
        return station

    yield make
    for station in opened:
        station.stop()


def two_plans_on_one_ct(root: Path, slices: int = 6) -> GeneratedStudy:
    spec = StudySpec(patient_id="SHARE1", slices=slices, plans=(PlanSpec("A"), PlanSpec("B")))
    return write_study(root, spec)


def stored_uids(station: Station) -> set[str]:
    return {i.sop_instance_uid for i in station.catalog.instances()}


def files_on_disk(station: Station) -> set[Path]:
    return set(station.store.iter_stored_files())


def catalog_paths(station: Station) -> set[Path]:
    return {Path(i.header.path) for i in station.catalog.instances()}


def test_deleting_one_plan_keeps_the_ct_and_structure_set_the_other_plan_shares(
    tmp_path: Path, open_station: Callable[[], Station]
) -> None:
    study = two_plans_on_one_ct(tmp_path / "study")
    station = open_station()
    station.store_paths(study.all_paths)
    plan_a, plan_b = study.plan_uids
    dose_a, dose_b = study.dose_uids_by_plan[0][0], study.dose_uids_by_plan[1][0]

    selection = station.select_for_delete(plans=[plan_a])
    assert set(selection.instance_uids) == {plan_a, dose_a}
    assert set(selection.kept_shared) == {*study.image_uids, study.structure_set_uid}
    outcome = station.delete(selection)

    assert outcome.instances == 2
    remaining = {*study.image_uids, study.structure_set_uid, plan_b, dose_b}
    assert stored_uids(station) == remaining
    assert files_on_disk(station) == catalog_paths(station)
    assert [p.plan_uid for p in station.catalog.plans()] == [plan_b]
    deleted = {row.sop_instance_uid for row in audit_rows(station.catalog.db_path, "deleted")}
    assert deleted == {plan_a, dose_a}

    report = station.reindex()
    assert (report.added, report.dropped) == (0, 0)
    assert stored_uids(station) == remaining
    assert files_on_disk(station) == catalog_paths(station)


def test_deleting_a_patient_removes_everything_of_it_and_its_folders(
    tmp_path: Path, open_station: Callable[[], Station]
) -> None:
    study = two_plans_on_one_ct(tmp_path / "study")
    other = write_study(tmp_path / "other", StudySpec(patient_id="KEEP1", slices=2))
    station = open_station()
    station.store_paths([*study.all_paths, *other.all_paths])
    station.delete(station.select_for_delete(patients=["SHARE1"]))
    assert {i.header.patient_id for i in station.catalog.instances()} == {"KEEP1"}
    assert files_on_disk(station) == catalog_paths(station)
    assert not any("SHARE1" in p.name for p in station.storage_root.iterdir())
    with pytest.raises(RtStationError, match="No patient with ID 'SHARE1'"):
        station.select_for_delete(patients=["SHARE1"])


def test_delete_of_a_plan_with_a_queued_job_is_refused_and_changes_nothing(
    tmp_path: Path, open_station: Callable[[], Station]
) -> None:
    study = two_plans_on_one_ct(tmp_path / "study")
    station = open_station()
    station.store_paths(study.all_paths)
    plan_a, plan_b = study.plan_uids
    # Job for plan B: its CT is what plan A shares, so deleting everything touches it too.
    [job_id] = station.send_plans([plan_b], ["TPS"])  # no workers: it stays queued
    before = stored_uids(station)

    with pytest.raises(RtStationError, match=rf"job {job_id} to TPS is queued for B"):
        station.delete(station.select_for_delete(everything=True))
    assert stored_uids(station) == before
    assert files_on_disk(station) == catalog_paths(station)
    assert station.deleting.deleter.pending() == 0

    # Plan A alone needs nothing the job still has to send (the shared CT stays): allowed.
    station.delete(station.select_for_delete(plans=[plan_a]))
    assert plan_a not in stored_uids(station)

    assert station.cancel_job(job_id)
    station.delete(station.select_for_delete(everything=True))
    assert stored_uids(station) == set()
    assert files_on_disk(station) == set()


KILL_SCRIPT = textwrap.dedent(
    """\
    import os, signal, sys
    from pathlib import Path
    from rtstation.station import Station

    config, after = sys.argv[1], int(sys.argv[2])
    station = Station.open(config)
    selection = station.select_for_delete(everything=True)
    print(len(selection.instance_uids), flush=True)
    unlink = Path.unlink
    count = 0

    def dying_unlink(self, missing_ok=False):
        global count
        if count == after:
            os.kill(os.getpid(), signal.SIGKILL)
        count += 1
        unlink(self, missing_ok=missing_ok)

    Path.unlink = dying_unlink
    station.delete(selection)
    print("not killed", flush=True)
    """
)


@pytest.mark.parametrize("files_removed_before_the_kill", [0, 150])
def test_delete_killed_half_way_is_finished_at_the_next_start(
    tmp_path: Path, open_station: Callable[[], Station], files_removed_before_the_kill: int
) -> None:
    study = two_plans_on_one_ct(tmp_path / "study", slices=300)
    keep = write_study(tmp_path / "keep", StudySpec(patient_id="KEEP1", slices=3))
    station = open_station()
    station.store_paths([*study.all_paths, *keep.all_paths])
    station.stop()
    keep_uids = {*keep.image_uids, keep.structure_set_uid, *keep.plan_uids, *keep.dose_uids}
    # Delete patient SHARE1 only: KEEP1 must come through untouched.
    script = KILL_SCRIPT.replace("everything=True", "patients=['SHARE1']")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(tmp_path / "station"),
            str(files_removed_before_the_kill),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, result.stdout + result.stderr
    assert int(result.stdout.split()[0]) == len(study.all_paths)

    catalog = tmp_path / "station" / "data" / "catalog.sqlite"
    with sqlite3.connect(catalog) as conn:
        journalled = conn.execute("SELECT COUNT(*) FROM pending_deletes").fetchone()[0]
    assert journalled == len(study.all_paths)  # the crash left the delete in the journal

    station = open_station()  # primary: recovery finishes the delete
    assert station.deleting.deleter.pending() == 0
    assert stored_uids(station) == keep_uids
    assert files_on_disk(station) == catalog_paths(station)
    report = station.reindex()
    assert (report.added, report.dropped) == (0, 0)
    assert stored_uids(station) == keep_uids
