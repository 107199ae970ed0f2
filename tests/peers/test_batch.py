"""``rtstation batch`` against a real Orthanc loaded with generated RT patients.

C-FIND over a CSV of patient IDs writes the library; C-MOVE over a CSV of study/series
UIDs retrieves into the templated folders, survives SIGINT and a rerun with every
request done once; four threads run at once and keep the throttle; a closed schedule
window makes the batch wait (the clock is moved, not slept).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydicom import dcmread

from rtstation.cli.main import main
from rtstation.config import load_station_config
from rtstation.config.batch_config import load_batch_config
from rtstation.station.batch import BatchEvent, BatchRunner, OffsetClock, prepare
from rtstation.station.batch.runner import DONE_EVENT, STARTED, WAITING
from tests.data.generator import GeneratedStudy, PlanSpec, StudySpec, write_study
from tests.peers.peers import HOST, Orthanc, free_port
from tests.peers.station_proc import write_settings

pytestmark = pytest.mark.peers

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Archive:
    pacs: Orthanc
    studies: dict[str, GeneratedStudy]
    config: Path
    port: int

    def series(self) -> list[tuple[str, str, str]]:
        """(PatientID, StudyInstanceUID, SeriesInstanceUID) of every series, in order."""
        seen: dict[tuple[str, str, str], None] = {}
        for study in self.studies.values():
            for path in study.all_paths:
                ds = dcmread(path, stop_before_pixels=True)
                seen.setdefault(
                    (str(ds.PatientID), str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID)), None
                )
        return list(seen)

    def instances(self) -> dict[str, tuple[str, str]]:
        """SOP Instance UID -> (PatientID, StudyInstanceUID) of every instance."""
        found = {}
        for study in self.studies.values():
            for path in study.all_paths:
                ds = dcmread(path, stop_before_pixels=True)
                found[str(ds.SOPInstanceUID)] = (str(ds.PatientID), str(ds.StudyInstanceUID))
        return found


@pytest.fixture
def archive(orthanc: Callable[..., Orthanc], tmp_path: Path) -> Archive:
    port = free_port()
    pacs = orthanc(modalities={"rtstation": ("RTSTATION", HOST, port)})
    studies = {}
    for patient_id in ("P1", "P2", "P3"):
        spec = StudySpec(
            patient_id=patient_id,
            patient_name=f"Patient^{patient_id}",
            slices=3,
            rows=8,
            columns=8,
            plans=(PlanSpec(label=f"{patient_id}_PLAN"),),
        )
        study = write_study(tmp_path / "source" / patient_id, spec)
        pacs.upload(study.root)
        studies[patient_id] = study
    config = tmp_path / "config"
    write_settings(config, port=port)
    return Archive(pacs, studies, config, port)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _move_config(
    archive: Archive, folder: Path, *, threads: int = 1, throttle: float = 0.0
) -> Path:
    rows = ["StudyInstanceUID,SeriesInstanceUID"]
    rows += [f"{study},{series}" for _pid, study, series in archive.series()]
    _write(folder / "series.csv", "\n".join(rows) + "\n")
    return _write(
        folder / "move.yml",
        f"""\
pacs:
  hostname: {HOST}
  port: {archive.pacs.port}
  aet: {archive.pacs.ae_title}
local:
  aet: RTSTATION
request:
  type: c-move
  model: study
  threads: {threads}
  throttle_time: {throttle}
  elements_batch_file: series.csv
  elements:
    - StudyInstanceUID
    - SeriesInstanceUID
    - QueryRetrieveLevel=SERIES
output:
  directory: out
  database_file: moves.csv
  directory_structure: PatientID/StudyInstanceUID
  filename: SOPInstanceUID
""",
    )


def _state(folder: Path) -> list[dict[str, object]]:
    path = folder / "out" / "batch-state.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_c_find_over_patient_ids_writes_the_library(archive: Archive, tmp_path: Path) -> None:
    _write(tmp_path / "patients.csv", "PatientID\nP1\nP3\n")
    config = _write(
        tmp_path / "find.yml",
        f"""\
pacs: {{hostname: {HOST}, port: {archive.pacs.port}, aet: {archive.pacs.ae_title}}}
local: {{aet: RTSTATION}}
request:
  type: c-find
  model: study
  elements_batch_file: patients.csv
  elements: [PatientID, PatientName, StudyInstanceUID, '(0008,0020)', QueryRetrieveLevel=STUDY]
output: {{directory: out, library_file: library.csv}}
""",
    )
    assert main(["--config", str(archive.config), "batch", str(config)]) == 0
    with open(tmp_path / "out" / "library.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [
        "PatientID",
        "PatientName",
        "StudyInstanceUID",
        "StudyDate",
        "QueryRetrieveLevel",
    ]
    found = sorted((r[0], r[1], r[2], r[4]) for r in rows[1:])
    assert found == [
        ("P1", "Patient^P1", archive.studies["P1"].study_uid, "STUDY"),
        ("P3", "Patient^P3", archive.studies["P3"].study_uid, "STUDY"),
    ]
    assert all(len(r[3]) == 8 for r in rows[1:])  # a StudyDate came back for each


def _run_batch(archive: Archive, config: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "rtstation", "--config", str(archive.config), "batch", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=str(config.parent),
    )


def test_c_move_interrupted_by_sigint_resumes_with_each_request_done_once(
    archive: Archive, tmp_path: Path
) -> None:
    config = _move_config(archive, tmp_path, throttle=1.0)
    series = archive.series()
    proc = _run_batch(archive, config)
    deadline = time.monotonic() + 120
    while not [r for r in _state(tmp_path) if r["state"] == "done"]:
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        assert time.monotonic() < deadline, "no request was done within 120 s"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output.decode()
    first = _state(tmp_path)
    assert 1 <= len(first) < len(series), output.decode()
    assert "run the same command again" in output.decode()

    # The rerun may go at full speed: the throttle above only made room for the interrupt.
    config = _move_config(archive, tmp_path, throttle=0.0)
    proc = _run_batch(archive, config)
    output, _ = proc.communicate(timeout=180)
    assert proc.returncode == 0, output.decode()
    remaining = len(series) - len(first)
    assert f"Requests: {remaining} done, 0 failed, {len(first)} done before" in output.decode()
    records = _state(tmp_path)
    keys = [r["key"] for r in records]
    assert all(r["state"] == "done" for r in records), records
    assert len(keys) == len(set(keys)) == len(series)  # every request done, and once
    instances = archive.instances()
    assert sum(int(r["instances"]) for r in records) == len(instances)  # none moved twice
    out = tmp_path / "out"
    for uid, (patient_id, study_uid) in instances.items():
        assert (out / patient_id / study_uid / f"{uid}.dcm").is_file()
    filed = [p for p in out.rglob("*.dcm")]
    assert len(filed) == len(instances)
    with open(out / "moves.csv", newline="") as handle:
        moves = list(csv.DictReader(handle))
    assert len(moves) == len(series) and {m["Status"] for m in moves} == {"ok"}
    retrievals = archive.config / "data" / "retrievals"
    assert not retrievals.exists() or not any(retrievals.iterdir())


def test_four_threads_run_at_once_and_keep_the_throttle(archive: Archive, tmp_path: Path) -> None:
    throttle = 0.6
    config = load_batch_config(_move_config(archive, tmp_path, threads=4, throttle=throttle))
    paths, settings, _rules = load_station_config(archive.config)
    plan = prepare(config, settings)
    events: list[BatchEvent] = []
    lock = threading.Lock()
    meeting = threading.Barrier(2, timeout=30)
    met: list[bool] = []

    def on_event(event: BatchEvent) -> None:
        with lock:
            events.append(event)
            starts = sum(1 for e in events if e.kind == STARTED)
        if event.kind == STARTED and starts <= 2:
            meeting.wait()  # passes only when a second request starts before the first ends
            met.append(True)

    runner = BatchRunner(plan, settings, paths.data_dir, on_event=on_event)
    summary = runner.run()
    assert summary.complete, summary
    assert met == [True, True]
    assert len({e.worker for e in events if e.kind == STARTED}) > 1
    for worker in {e.worker for e in events}:
        mine = [e for e in events if e.worker == worker and e.kind in (STARTED, DONE_EVENT)]
        for ended, started in zip(mine[1::2], mine[2::2], strict=False):
            assert ended.kind == DONE_EVENT and started.kind == STARTED
            assert started.at - ended.at >= throttle - 0.01


def test_a_closed_schedule_window_makes_the_batch_wait(archive: Archive, tmp_path: Path) -> None:
    _write(tmp_path / "patients.csv", "PatientID\nP1\nP2\n")
    config = load_batch_config(
        _write(
            tmp_path / "find.yml",
            f"""\
pacs: {{hostname: {HOST}, port: {archive.pacs.port}, aet: {archive.pacs.ae_title}}}
request:
  type: c-find
  elements_batch_file: patients.csv
  elements: [PatientID, StudyInstanceUID, QueryRetrieveLevel=STUDY]
schedule: {{enabled: true, start_time: '22:00', end_time: '06:00', timezone: Europe/Berlin}}
output: {{directory: out, library_file: library.csv}}
""",
        )
    )
    paths, settings, _rules = load_station_config(archive.config)
    zone = config.schedule.zone()
    # 21:59:59 in Berlin: the window opens 1 s after the clock starts.
    clock = OffsetClock(dt.datetime(2026, 3, 2, 21, 59, 59, tzinfo=zone))
    events: list[BatchEvent] = []
    began = time.monotonic()
    runner = BatchRunner(
        prepare(config, settings), settings, paths.data_dir, clock=clock, on_event=events.append
    )
    summary = runner.run()
    assert summary.complete and summary.ok == 2
    waits = [e for e in events if e.kind == WAITING]
    assert waits and 0.5 < waits[0].wait_seconds <= 1.0
    first_start = min(e.at for e in events if e.kind == STARTED)
    assert first_start - began >= waits[0].wait_seconds - 0.05


def test_c_move_beside_a_running_station_goes_through_its_receiver_anonymized(
    archive: Archive, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The serve process owns the port: two concurrent moves each claim their instances;
    none is stored in the station; the CTP script's @lookup names the folders."""
    from tests.peers.station_proc import StationProcess

    config = _move_config(archive, tmp_path, threads=2)
    _write(
        tmp_path / "anon.script",
        """<script>
 <e en="T" t="00100020" n="PatientID">@lookup(PatientID,ptid)</e>
 <e en="T" t="00100010" n="PatientName">@lookup(PatientID,ptid)</e>
</script>
""",
    )
    _write(tmp_path / "lookup.properties", "ptid/P1 = R1\nptid/P2 = R2\nptid/P3 = R3\n")
    text = config.read_text().replace(
        "output:\n",
        "anonymization:\n  enabled: true\n  script: anon.script\n"
        "  lookup_table: lookup.properties\noutput:\n",
    )
    config.write_text(text)
    caplog.set_level("INFO", logger="rtstation.station.retrieve_sink")
    with StationProcess(archive.config, port=archive.port).start() as station:
        assert main(["--config", str(archive.config), "batch", str(config)]) == 0
        stored = list(station.storage.rglob("*.dcm")) if station.storage.exists() else []
        assert stored == []
        assert "Traceback" not in station.log()
    assert f"Retrieve receives by claim (port {archive.port})" in caplog.text
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["R1", "R2", "R3"]
    files = list(out.rglob("*.dcm"))
    assert len(files) == len(archive.instances())
    originals = set(archive.instances())
    for path in files:
        ds = dcmread(path, stop_before_pixels=True)
        assert ds.PatientID == path.parent.parent.name
        assert str(ds.SOPInstanceUID) not in originals  # the profile replaced the UIDs


def test_c_get_batch(archive: Archive, tmp_path: Path) -> None:
    config = _move_config(archive, tmp_path, threads=2)
    config.write_text(config.read_text().replace("type: c-move", "type: c-get"))
    assert main(["--config", str(archive.config), "batch", str(config)]) == 0
    instances = archive.instances()
    for uid, (patient_id, study_uid) in instances.items():
        assert (tmp_path / "out" / patient_id / study_uid / f"{uid}.dcm").is_file()
