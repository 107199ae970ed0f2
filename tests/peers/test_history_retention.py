"""What went where, when and why; retention; watching the import folder. A real Station in
this process, real storescp nodes, real rules."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rtstation.cli.main import main
from rtstation.routing.reasons import Reason
from rtstation.station import Station
from tests.audit import audit_rows
from tests.data.generator import GeneratedStudy, PlanSpec, StudySpec, write_study
from tests.peers.peers import StoreSCP, free_port
from tests.peers.station_proc import StationProcess, node_section, query, wait_until

RULES = """\
[General]
rules_enabled = True

[Rule1]
name = Imports
enabled = True
source_ae = IMPORT_FOLDER
target_nodes = TPS

[Rule2]
name = FollowOnly
enabled = True
source_ae = FOLLOW
target_nodes = TPS
"""


def settings_text(scp_port: int, general: str = "") -> str:
    return (
        "[General]\nwatch_folder = storage\nimport_folder = import\n"
        + general
        + f"\n[Receiver]\nport = {free_port()}\nmin_free_space_mb = 0\nsettle_seconds = 2\n"
        + node_section(1, "TPS", scp_port)
    )


@pytest.fixture
def make_station(tmp_path: Path) -> Iterator[Callable[..., Station]]:
    stations: list[Station] = []

    def make(scp_port: int, *, general: str = "", rules: str = RULES) -> Station:
        config = tmp_path / "station"
        config.mkdir(exist_ok=True)
        (config / "settings.ini").write_text(settings_text(scp_port, general), encoding="utf-8")
        (config / "rules.ini").write_text(rules, encoding="utf-8")
        station = Station.open(str(config), bind_address="127.0.0.1")
        stations.append(station)
        return station

    yield make
    for station in stations:
        station.stop()


def wait_jobs_done(station: Station, count: int) -> None:
    wait_until(
        lambda: len([j for j in station.jobs() if j.state == "done"]) >= count,
        60,
        f"{count} done job(s)",
    )


def bundle_uids(study: GeneratedStudy) -> set[str]:
    return {*study.image_uids, study.structure_set_uid, *study.plan_uids, *study.dose_uids}


def test_history_tells_rule_from_manual_with_patient_times_and_per_rule_counts(
    tmp_path: Path,
    storescp: Callable[..., StoreSCP],
    make_station: Callable[..., Station],
    capsys: pytest.CaptureFixture[str],
) -> None:
    scp = storescp(ae_title="TPS")
    station = make_station(scp.port)
    station.start(receiver=False)
    study = write_study(tmp_path / "study", StudySpec(patient_id="HIST1", slices=3))
    plan = study.plan_uids[0]
    station.import_paths([study.root])
    wait_jobs_done(station, 1)
    station.send_plans([plan], ["TPS"], force=True)
    wait_jobs_done(station, 2)

    report = station.history_report()
    by_trigger = {(e.trigger.kind, e.trigger.rules): e for e in report.entries}
    assert set(by_trigger) == {("rule", ("Imports",)), ("manual", ())}
    for entry in report.entries:
        assert entry.patient_id == "HIST1" and entry.node == "TPS" and entry.state == "done"
        assert entry.started_at is not None and entry.finished_at is not None
        assert entry.created_at <= entry.started_at <= entry.finished_at
    counts = {c.rule: c.as_dict() for c in report.rules}
    assert counts["Imports"] == {"rule": "Imports", "forwarded": 1, "failed": 0, "skipped": 0}
    assert counts["FollowOnly"] == {"rule": "FollowOnly", "forwarded": 0, "failed": 0, "skipped": 1}
    assert counts["manual"]["forwarded"] == 1

    # A range that ends before the jobs were queued has none of them.
    past = station.history_report(until=datetime.now(UTC) - timedelta(days=1))
    assert past.entries == ()

    # "Clear finished" takes them off the queue view; the history keeps them.
    assert station.clear_finished_jobs() == 2
    assert station.jobs() == [] and len(station.jobs(include_cleared=True)) == 2
    assert len(station.history_report().entries) == 2
    station.stop()

    # Reasons survive a restart, as codes the GUI renders in its language.
    station = make_station(scp.port)
    explanation = station.plan_explanation(plan)
    assert explanation.decision == "forwarded" and not explanation.live
    verdicts = {v.rule_name: v for v in explanation.verdicts}
    assert verdicts["Imports"].matched and verdicts["Imports"].target_nodes == ("TPS",)
    assert not verdicts["FollowOnly"].matched
    assert Reason.of("source_not", source="IMPORT_FOLDER", allowed="FOLLOW") in (
        verdicts["FollowOnly"].reasons
    )
    assert [s.trigger.kind for s in explanation.sends] == ["rule", "manual"]
    station.stop()

    out = tmp_path / "history.csv"
    config = str(tmp_path / "station")
    assert main(["--config", config, "history", "--format", "csv", "--out", str(out)]) == 0
    jobs_part = out.read_text(encoding="utf-8").split("\n\n")[0]
    rows = list(csv.DictReader(io.StringIO(jobs_part)))
    assert sorted((r["trigger"], r["rules"], r["patient_id"]) for r in rows) == [
        ("manual", "", "HIST1"),
        ("rule", "Imports", "HIST1"),
    ]
    assert all(r["queued"] and r["started"] and r["finished"] for r in rows)
    assert main(["--config", config, "rules", "why", "--plan", plan]) == 0
    assert "source AE IMPORT_FOLDER is not FOLLOW" in capsys.readouterr().out


def age(station: Station, study: GeneratedStudy, days: int) -> None:
    """Make a study look received ``days`` ago (what the catalog would hold by then)."""
    when = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="milliseconds")
    with sqlite3.connect(station.catalog.db_path) as conn:
        conn.executemany(
            "UPDATE instances SET received_at = ? WHERE sop_instance_uid = ?",
            [(when, uid) for uid in bundle_uids(study)],
        )


def test_retention_dry_run_and_run_remove_exactly_the_eligible_plans(
    tmp_path: Path,
    storescp: Callable[..., StoreSCP],
    make_station: Callable[..., Station],
    capsys: pytest.CaptureFixture[str],
) -> None:
    scp = storescp(ae_title="TPS")
    station = make_station(scp.port, rules="[General]\nrules_enabled = False\n")
    studies = {
        name: write_study(
            tmp_path / name, StudySpec(patient_id=name, slices=2, plans=(PlanSpec(name),))
        )
        for name in ("OLDSENT", "OLDNEVER", "NEWSENT", "OLDBUSY")
    }
    for study in studies.values():
        station.store_paths(study.all_paths)
    station.start(receiver=False)
    station.send_plans([studies["OLDSENT"].plan_uids[0], studies["NEWSENT"].plan_uids[0]], ["TPS"])
    wait_jobs_done(station, 2)
    station.pause_node("TPS")
    [_busy_job] = station.send_plans([studies["OLDBUSY"].plan_uids[0]], ["TPS"])
    for name in ("OLDSENT", "OLDNEVER", "OLDBUSY"):
        age(station, studies[name], days=40)
    station.apply_settings(replace(station.settings, retention_days=30))
    everything = set().union(*(bundle_uids(s) for s in studies.values()))
    stored = lambda: {i.sop_instance_uid for i in station.catalog.instances()}  # noqa: E731
    assert stored() == everything

    dry = station.cleanup(dry_run=True)
    assert [c.plan_label for c in dry.candidates] == ["OLDSENT"]
    assert dry.selection is not None
    assert set(dry.selection.instance_uids) == bundle_uids(studies["OLDSENT"])
    assert (dry.kept_pending, dry.kept_undelivered) == (1, 1)
    assert stored() == everything  # a dry run removes nothing

    real = station.cleanup()
    assert real.removed == [studies["OLDSENT"].plan_uids[0]] and not real.refused
    assert stored() == everything - bundle_uids(studies["OLDSENT"])
    assert [r.plan_uid for r in audit_rows(station.catalog.db_path, "retention")] == real.removed

    # Not only delivered plans: the one never sent goes too, never the one with pending work.
    station.apply_settings(replace(station.settings, retention_only_delivered=False))
    assert [c.plan_label for c in station.cleanup(dry_run=True).candidates] == ["OLDNEVER"]

    # Size limit: the oldest eligible plans go until the rest fits.
    size_never = sum(i.size for i in station.catalog.instances("OLDNEVER"))
    total = sum(i.size for i in station.catalog.instances())
    limit_gb = (total - size_never + 1) / 1024**3
    station.apply_settings(
        replace(station.settings, retention_days=0, retention_max_storage_gb=limit_gb)
    )
    by_size = station.cleanup(dry_run=True)
    assert [c.plan_label for c in by_size.candidates] == ["OLDNEVER"]
    assert by_size.candidates[0].why.startswith("storage above")

    station.stop()  # OLDBUSY's job stays queued (its node is paused): pending work, kept
    config = str(tmp_path / "station")
    assert main(["--config", config, "cleanup", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Would remove OLDNEVER" in out and "OLDBUSY" not in out.split("eligible")[0]


def test_watched_import_folder_imports_a_quiet_batch_once_forwards_by_rule_and_clears(
    tmp_path: Path, storescp: Callable[..., StoreSCP], make_station: Callable[..., Station]
) -> None:
    scp = storescp(ae_title="TPS")
    general = (
        "clear_import_folder_after_import = True\nwatch_import_folder = True\n"
        "import_quiet_seconds = 1\nimport_exclude = *.tmp\n"
    )
    station = make_station(scp.port, general=general)
    station.start(receiver=False)
    study = write_study(tmp_path / "study", StudySpec(patient_id="WATCH1", slices=4))
    drop = Path(station.settings.import_folder) / "export" / "WATCH1"
    drop.mkdir(parents=True)
    (drop / "notes.tmp").write_text("not DICOM, excluded", encoding="utf-8")
    for path in study.all_paths:
        shutil.copy(path, drop / path.name)

    received = scp.wait_for(len(study.all_paths), timeout=60)
    assert sorted(received) == sorted(bundle_uids(study))
    wait_until(
        lambda: sorted(p.name for p in drop.rglob("*") if p.is_file()) == ["notes.tmp"],
        30,
        "the imported files to be cleared",
    )
    stored = audit_rows(station.catalog.db_path, "stored")
    assert len(stored) == len(study.all_paths)  # each file imported once
    assert {r.source for r in stored} == {"IMPORT_FOLDER"}
    [job] = station.jobs()
    assert job.source == "rule: Imports" and job.state in ("done", "in_flight", "queued")


def test_serve_applies_retention_unattended_and_audits_it(
    tmp_path: Path, storescp: Callable[..., StoreSCP], make_station: Callable[..., Station]
) -> None:
    scp = storescp(ae_title="TPS")
    station = make_station(scp.port, rules="[General]\nrules_enabled = False\n")
    old = write_study(tmp_path / "old", StudySpec(patient_id="OLD1", slices=2))
    new = write_study(tmp_path / "new", StudySpec(patient_id="NEW1", slices=2))
    station.store_paths([*old.all_paths, *new.all_paths])
    station.start(receiver=False)
    station.send_plans([old.plan_uids[0], new.plan_uids[0]], ["TPS"])
    wait_jobs_done(station, 2)
    age(station, old, days=10)
    station.stop()
    settings = tmp_path / "station" / "settings.ini"
    settings.write_text(
        settings.read_text(encoding="utf-8") + "\n[Retention]\nmax_age_days = 7\n",
        encoding="utf-8",
    )

    with StationProcess(tmp_path / "station") as serve:
        wait_until(
            lambda: query(serve, "SELECT plan_uid FROM audit WHERE event = 'retention'") != [],
            60,
            "the retention run of serve",
            serve,
        )
        assert "retention every 60 min" in serve.log()
    rows = query(serve, "SELECT sop_instance_uid FROM instances")
    assert {r[0] for r in rows} == bundle_uids(new)
    on_disk = [
        p
        for p in serve.storage.rglob("*.dcm")
        if not any(part.startswith(".") for part in p.relative_to(serve.storage).parts)
    ]
    assert len(on_disk) == len(new.all_paths)
