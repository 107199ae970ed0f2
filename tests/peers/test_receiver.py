"""The receiver against a real sender: DCMTK storescu -> ``rtstation serve`` (a subprocess)."""

from __future__ import annotations

import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pydicom import dcmread
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from tests.data.generator import PlanSpec, StudySpec, write_ct_series, write_garbage, write_study
from tests.data.pydicom_files import copy_pydicom_rt_files
from tests.peers.peers import (
    HOST,
    dataset_bytes,
    free_port,
    is_listening,
    read_sop_instance_uid,
    start_storescu,
    storescu,
    storescu_acknowledged,
    storescu_responses,
)
from tests.peers.scu import associate
from tests.peers.station_proc import StationProcess, wait_until, write_settings
from tests.threads import threads_left


def _catalog_rows(station: StationProcess) -> dict[str, sqlite3.Row]:
    conn = sqlite3.connect(station.catalog)
    conn.row_factory = sqlite3.Row
    try:
        return {r["sop_instance_uid"]: r for r in conn.execute("SELECT * FROM instances")}
    finally:
        conn.close()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _echo(port: int) -> bool:
    ae = AE(ae_title="PROBE")
    ae.add_requested_context(Verification)
    assoc = associate(ae, port, "RTSTATION")
    try:
        return assoc.is_established and assoc.send_c_echo().Status == 0
    finally:
        if assoc.is_established:
            assoc.release()


@pytest.fixture
def station(tmp_path: Path):
    config = tmp_path / "station"
    proc = StationProcess(config)
    write_settings(config, port=proc.port)
    yield proc
    proc.stop()


def test_concurrent_senders_store_every_file_byte_equal(station: StationProcess, tmp_path: Path):
    study = write_study(
        tmp_path / "follow", StudySpec(slices=20, plans=(PlanSpec(label="ADP_Pelvis"),))
    )
    other = write_study(
        tmp_path / "eclipse",
        StudySpec(patient_id="RT002", slices=12, plans=(PlanSpec(label="Head"),)),
    )
    pydicom_dir = tmp_path / "pydicom"
    pydicom_files = [p for p in copy_pydicom_rt_files(pydicom_dir) if p.name != "rtstruct.dcm"]
    station.start()
    senders = [
        start_storescu(study.all_paths, station.port, calling_ae="FOLLOW", called_ae="RTSTATION"),
        start_storescu(other.all_paths, station.port, calling_ae="ECLIPSE", called_ae="RTSTATION"),
        start_storescu(pydicom_files, station.port, calling_ae="ECLIPSE", called_ae="RTSTATION"),
    ]
    for sender in senders:
        assert sender.wait(120) == 0, sender.log()
        assert all(outcome == "Success" for _f, outcome in sender.responses()), sender.log()

    rows = _catalog_rows(station)
    expected_source = {
        **{p: "FOLLOW" for p in study.all_paths},
        **{p: "ECLIPSE" for p in other.all_paths},
    }
    for path, source in expected_source.items():
        uid = read_sop_instance_uid(path)
        row = rows[uid]
        assert row["source_ae"] == source
        stored = station.storage / row["path"]
        assert _sha(dataset_bytes(stored)) == _sha(dataset_bytes(path)), path.name
        assert row["content_hash"] == _sha(dataset_bytes(path))
    for path in pydicom_files:
        uid = read_sop_instance_uid(path)
        assert uid in rows, path.name
    # Nothing half-written anywhere, and `show` on the storage folder shows both plans.
    assert not list(station.storage.rglob("*.part"))
    shown = subprocess.run(
        [sys.executable, "-m", "rtstation", "show", "--path", str(station.storage), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    labels = {
        p["label"] for patient in json.loads(shown.stdout)["patients"] for p in patient["plans"]
    }
    assert {"ADP_Pelvis", "Head"} <= labels


@pytest.mark.slow
def test_sigkill_mid_receive_loses_no_acknowledged_instance(
    station: StationProcess, tmp_path: Path
):
    # Every instance is fsynced before its answer: 300 leave the kill far inside the transfer.
    files = write_ct_series(tmp_path / "ct", 300, rows=256, columns=256, patient_id="KILL")
    station.start()
    sender = start_storescu(sorted(files), station.port, calling_ae="FOLLOW", called_ae="RTSTATION")
    deadline = time.monotonic() + 60
    while len(sender.acknowledged()) < 50 and time.monotonic() < deadline:
        time.sleep(0.02)
    # The sender is frozen before the kill, so a fast station cannot take in the other 250
    # while this test waits for the CPU; the kill lands mid-transfer on any machine.
    sender.send_signal(signal.SIGSTOP)
    station.kill()
    sender.send_signal(signal.SIGCONT)
    sender.wait(60)
    acknowledged = sender.acknowledged()
    assert 50 <= len(acknowledged) < 300, "the kill should land in the middle of the transfer"

    station.start()  # restart: heals, cleans the incoming folder
    rows = _catalog_rows(station)
    for name in acknowledged:
        uid = read_sop_instance_uid(name)
        assert uid in rows, f"acknowledged {name} missing from the catalog after the crash"
        stored = station.storage / rows[uid]["path"]
        assert dataset_bytes(stored) == dataset_bytes(name)
    assert not any(
        p.suffix == ".part" for p in station.storage.rglob("*") if ".incoming" not in p.parts
    )
    assert not [p for p in (station.storage / ".incoming").rglob("*") if p.is_file()]

    retry = storescu(sorted(files), station.port, calling_ae="FOLLOW", called_ae="RTSTATION")
    assert all(outcome == "Success" for _f, outcome in storescu_responses(retry))
    assert len(_catalog_rows(station)) == 300


def test_hostile_patient_ids_stay_inside_storage(station: StationProcess, tmp_path: Path):
    garbage = write_garbage(tmp_path / "bad")
    hostile = sorted(garbage["hostile_ids"].glob("*.dcm"))
    station.start()
    result = storescu(hostile, station.port, calling_ae="FOLLOW", called_ae="RTSTATION")
    assert len(storescu_acknowledged(result)) == len(hostile), result.stderr
    rows = _catalog_rows(station)
    root = station.storage.resolve()
    for row in rows.values():
        stored = (station.storage / row["path"]).resolve()
        assert stored.is_relative_to(root)
        assert stored.exists()
    folders = {Path(r["path"]).parts[0] for r in rows.values()}
    assert len(folders) == len(hostile), "different patient IDs must not share a folder"
    assert not any(f.split(".")[0].upper() in {"CON", "AUX", "NUL", "PRN"} for f in folders)
    assert _echo(station.port), "the station keeps serving"


def test_malformed_dataset_is_refused_with_c210(station: StationProcess, tmp_path: Path):
    good = write_study(tmp_path / "good", StudySpec(slices=2)).image_paths[0]
    # A valid header followed by an element whose length runs past the end of the data.
    broken = tmp_path / "broken.dcm"
    raw = good.read_bytes()
    broken.write_bytes(raw[: len(raw) // 2])
    station.start()
    ae = AE(ae_title="FOLLOW")
    ds = dcmread(good, stop_before_pixels=True)
    ae.add_requested_context(ds.SOPClassUID, ds.file_meta.TransferSyntaxUID)
    from pynetdicom import _config

    previous = _config.STORE_SEND_CHUNKED_DATASET
    _config.STORE_SEND_CHUNKED_DATASET = True
    try:
        assoc = associate(ae, station.port, "RTSTATION")
        assert assoc.is_established
        status = assoc.send_c_store(broken)
        assoc.release()
    finally:
        _config.STORE_SEND_CHUNKED_DATASET = previous
    assert status.Status == 0xC210
    wait_until(lambda: "truncated" in station.log(), 10, "the refusal in the log", station)
    assert _echo(station.port)
    ok = storescu([good], station.port, calling_ae="FOLLOW", called_ae="RTSTATION")
    assert storescu_acknowledged(ok) == [str(good)]


def test_allow_list_rejects_unknown_calling_ae(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(
        config,
        port=station.port,
        extra="allow_list_enabled = true\nallowed_calling_aes = FOLLOW, ECLIPSE@127.0.0.1\n",
    )
    files = write_study(tmp_path / "s", StudySpec(slices=2)).all_paths
    with station:
        rejected = storescu(
            files, station.port, calling_ae="INTRUDER", called_ae="RTSTATION", check=False
        )
        assert rejected.returncode != 0
        assert "Association Rejected" in rejected.stderr
        assert "calling ae title not recognized" in rejected.stderr.lower().replace(
            "recognised", "recognized"
        )
        wait_until(
            lambda: "INTRUDER" in station.log() and "allow-list" in station.log(),
            10,
            "the rejection in the log",
            station,
        )
        accepted = storescu(files, station.port, calling_ae="FOLLOW", called_ae="RTSTATION")
        assert len(storescu_acknowledged(accepted)) == len(files)
        accepted = storescu(files[:1], station.port, calling_ae="ECLIPSE", called_ae="RTSTATION")
        assert len(storescu_acknowledged(accepted)) == 1


def test_free_space_floor_refuses_with_a700_and_keeps_serving(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port)
    text = (
        (config / "settings.ini")
        .read_text()
        .replace("min_free_space_mb = 0", "min_free_space_mb = 9000000")
    )
    (config / "settings.ini").write_text(text)
    files = write_study(tmp_path / "s", StudySpec(slices=2)).all_paths
    with station:
        result = storescu(files, station.port, calling_ae="FOLLOW", called_ae="RTSTATION")
        outcomes = {outcome for _f, outcome in storescu_responses(result)}
        assert outcomes and all("OutOfResources" in o for o in outcomes), result.stderr
        wait_until(
            lambda: "below the configured floor" in station.log(), 10, "the refusal", station
        )
        assert not [p for p in station.storage.rglob("*.dcm")]
        assert _echo(station.port)


def test_port_in_use_is_a_clear_error(tmp_path: Path):
    config = tmp_path / "station"
    first = StationProcess(config)
    write_settings(config, port=first.port)
    second_dir = tmp_path / "second"
    write_settings(second_dir, port=first.port)
    with first:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "rtstation",
                "--config",
                str(second_dir),
                "serve",
                "--bind",
                HOST,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"Port {first.port} is already in use by another program" in result.stderr
    assert "Traceback" not in result.stderr


def test_stopped_receiver_frees_its_port_and_listens_again(tmp_path: Path):
    """Stopping wakes pynetdicom's server loop instead of waiting for its next poll; the
    port must still be released, and a new start on it must answer."""
    from rtstation.net.receiver import ReceiverConfig, StorageReceiver

    port = free_port()
    before = set(threading.enumerate())
    receiver = StorageReceiver(
        ReceiverConfig("RTSTATION", port, bind_address=HOST),
        store=lambda _caller, _path, _uid: 0xC000,  # no C-STORE comes: only echoes
    )
    for _ in range(2):
        receiver.start()
        assert _echo(port)
        receiver.stop()
        assert not is_listening(port), "the port is still open after stop()"
    assert threads_left(before) == []
