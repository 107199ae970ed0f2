"""Seeded, bounded fuzzing of a real ``rtstation serve`` (issue 10, acceptance).

Two hundred malformed association requests and raw PDUs from raw sockets, then two
hundred mutated datasets sent byte for byte by a pynetdicom SCU. Afterwards the station
still runs and answers C-ECHO, every instance it acknowledged is on disk and in the
catalog, and nothing was written outside its storage, data and log folders. The seed is
fixed, so a failure replays exactly; each case is small, so the run takes seconds.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pydicom
from pydicom.uid import ExplicitVRLittleEndian
from pynetdicom import AE, _config
from pynetdicom.sop_class import Verification

from tests.data.generator import StudySpec, write_study
from tests.peers.peers import HOST
from tests.peers.raw_dul import associate_rq
from tests.peers.scu import associate
from tests.peers.station_proc import StationProcess, query, write_settings

SEED = 20261201
PDU_CASES = 200
DATASET_CASES = 200
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
HOSTILE_IDS = ["../../x", "C:\\x", "CON", "AB\x00CD", "", " ", "a/b", "..", "L" * 300]


def _mutated_pdu(rng: random.Random) -> bytes:
    base = bytearray(associate_rq(context_id=rng.choice([1, 1, 1, 2, 0, 255])))
    kind = rng.randrange(6)
    if kind == 0:  # flip bytes
        for _ in range(rng.randint(1, 8)):
            base[rng.randrange(len(base))] = rng.randrange(256)
    elif kind == 1:  # truncate
        base = base[: rng.randrange(len(base))]
    elif kind == 2:  # lie about the length
        base[2:6] = struct.pack(">I", rng.choice([0, 1, 0xFFFFFFFF, rng.randrange(1 << 32)]))
    elif kind == 3:  # another PDU type, any length
        base = bytearray([rng.randrange(256), 0]) + struct.pack(">I", rng.randrange(1 << 20))
        base += rng.randbytes(rng.randrange(64))
    elif kind == 4:  # garbage
        base = bytearray(rng.randbytes(rng.randrange(1, 512)))
    else:  # a valid request followed by garbage PDUs
        base += bytes([rng.choice([4, 5, 7, 9]), 0]) + rng.randbytes(rng.randrange(4, 64))
    return bytes(base)


def _hit(port: int, payload: bytes) -> None:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass


def _mutated_dataset(rng: random.Random, base: Path, target: Path) -> str:
    """A CT with fresh UIDs and one mutation; returns the UID its File Meta names."""
    ds = pydicom.dcmread(base)
    uid = f"2.25.{rng.getrandbits(96)}"
    ds.SOPInstanceUID = uid
    ds.file_meta.MediaStorageSOPInstanceUID = uid
    kind = rng.randrange(7)
    if kind == 0:
        ds.PatientID = rng.choice(HOSTILE_IDS)
    if kind == 1:
        ds.SOPInstanceUID = f"2.25.{rng.getrandbits(96)}"  # disagrees with the request
    ds.save_as(target)
    data = bytearray(target.read_bytes())
    start = 132 + 12 + struct.unpack("<I", data[140:144])[0]  # after the File Meta
    if kind == 2:  # flip bytes in the dataset
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(start, len(data))] = rng.randrange(256)
    elif kind == 3:  # cut it short
        data = data[: rng.randrange(start + 1, len(data))]
    elif kind == 4:  # a random length field somewhere
        at = rng.randrange(start, len(data) - 4)
        data[at : at + 4] = struct.pack("<I", rng.randrange(1 << 32))
    elif kind == 5:  # insert garbage
        at = rng.randrange(start, len(data))
        data[at:at] = rng.randbytes(rng.randrange(1, 40))
    target.write_bytes(bytes(data))
    return uid


def _send_all(port: int, files: list[tuple[Path, str]]) -> dict[str, int]:
    """Send every file; returns {meta UID: status} (-1: no response, the SCU re-associates)."""
    ae = AE(ae_title="FUZZER")
    ae.add_requested_context(CT_IMAGE, ExplicitVRLittleEndian)
    statuses: dict[str, int] = {}
    assoc = None
    before = _config.STORE_SEND_CHUNKED_DATASET
    _config.STORE_SEND_CHUNKED_DATASET = True
    try:
        for path, uid in files:
            if assoc is None or not assoc.is_established:
                assoc = associate(ae, port, "RTSTATION")
                assert assoc.is_established, "the station stopped accepting associations"
            try:
                status = assoc.send_c_store(path)
            except (ValueError, AttributeError, OSError):
                statuses[uid] = -1
                continue
            statuses[uid] = int(status.Status) if "Status" in status else -1
    finally:
        _config.STORE_SEND_CHUNKED_DATASET = before
        if assoc is not None and assoc.is_established:
            assoc.release()
    return statuses


def _echo(port: int) -> bool:
    ae = AE(ae_title="FUZZER")
    ae.add_requested_context(Verification)
    assoc = associate(ae, port, "RTSTATION")
    try:
        return assoc.is_established and int(assoc.send_c_echo().Status) == 0
    finally:
        if assoc.is_established:
            assoc.release()


def _files_outside(config: Path) -> set[str]:
    allowed = {"storage", "data", "logs"}
    found = set()
    for dirpath, _dirs, names in os.walk(config):
        relative = Path(dirpath).relative_to(config)
        if relative.parts and relative.parts[0] in allowed:
            continue
        found.update(str(relative / name) for name in names)
    return found


def test_fuzzed_pdus_and_datasets_leave_the_station_serving_and_consistent(tmp_path: Path):
    rng = random.Random(SEED)
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port, extra="association_request_timeout = 1\n")
    base = write_study(tmp_path / "base", StudySpec(slices=1, rows=16, columns=16)).image_paths[0]
    cases = tmp_path / "cases"
    cases.mkdir()
    files = []
    for index in range(DATASET_CASES):
        path = cases / f"{index:03d}.dcm"
        files.append((path, _mutated_dataset(rng, base, path)))
    payloads = [_mutated_pdu(rng) for _ in range(PDU_CASES)]
    with station:
        before = _files_outside(config)
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda p: _hit(station.port, p), payloads))
        assert station.proc is not None and station.proc.poll() is None
        assert _echo(station.port)
        statuses = _send_all(station.port, files)
        assert station.proc.poll() is None
        assert _echo(station.port)
        acknowledged = {uid for uid, status in statuses.items() if status == 0}
        refused = {uid for uid, status in statuses.items() if status != 0}
        assert acknowledged and refused  # the mutations produced both outcomes
        rows = query(
            station, "SELECT sop_instance_uid, path FROM instances WHERE removed_at IS NULL"
        )
        catalog = {r["sop_instance_uid"]: r["path"] for r in rows}
        assert acknowledged <= set(catalog), acknowledged - set(catalog)
        storage = station.storage.resolve()
        for uid in acknowledged:
            stored = (station.storage / catalog[uid]).resolve()
            assert stored.is_file() and storage in stored.parents, catalog[uid]
        for path in station.storage.rglob("*"):
            assert storage in path.resolve().parents
        assert _files_outside(config) == before
        assert "Traceback" not in station.log()
