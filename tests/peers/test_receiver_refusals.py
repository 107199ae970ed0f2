"""C-STOREs the receiver must refuse with the status PS3.4 names (issue 10, item 7).

storescu checks its files before sending, so the hostile sender here is a pynetdicom SCU
sending file bytes unchanged (``STORE_SEND_CHUNKED_DATASET``): the C-STORE request's
Affected SOP Class/Instance UIDs come from the File Meta, the dataset is sent as written,
which is how a dataset can disagree with its own request.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset, write_file_meta_info
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian, generate_uid
from pynetdicom import AE, _config

from tests.core.test_deflate_guard import RT_STRUCTURE_SET, small_dataset, write_deflated
from tests.peers.peers import HOST
from tests.peers.raw_dul import (
    associate_rq,
    c_store_rq,
    implicit_little_endian,
    p_data,
    read_pdu,
    response_status,
)
from tests.peers.scu import associate
from tests.peers.station_proc import StationProcess, query, write_settings
from tests.waiting import wait_for

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
RT_PLAN = "1.2.840.10008.5.1.4.1.1.481.5"


def _dataset(sop_class: str, uid: str, **values: object) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = uid
    ds.PatientID = "REFUSE1"
    ds.PatientName = "Refuse^Test"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.9.7777.1"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.9.7777.2"
    ds.Modality = "CT" if sop_class == CT_IMAGE else "RTPLAN"
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return ds


def _part10(path: Path, ds: Dataset, *, meta_class: str, meta_uid: str) -> Path:
    """File Meta saying ``meta_class``/``meta_uid`` in front of ``ds`` (explicit VR LE)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = meta_class
    meta.MediaStorageSOPInstanceUID = meta_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = "1.2.826.0.1.3680043.9.7777"
    out = DicomBytesIO()
    out.is_little_endian, out.is_implicit_VR = True, False
    out.write(b"\x00" * 128 + b"DICM")
    write_file_meta_info(out, meta, enforce_standard=True)
    body = DicomBytesIO()
    body.is_little_endian, body.is_implicit_VR = True, False
    write_dataset(body, ds)
    path.write_bytes(out.getvalue() + body.getvalue())
    return path


def _ct_pixels(uid: str, pixel_bytes: int) -> Dataset:
    ds = _dataset(CT_IMAGE, uid)
    ds.Rows, ds.Columns = 32, 32
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.SamplesPerPixel, ds.PixelRepresentation = 1, 0
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.PixelData = b"\x01\x00" * (pixel_bytes // 2)
    ds["PixelData"].VR = "OW"
    return ds


def _invalid_vr_bytes(path: Path, uid: str) -> Path:
    """A CT whose (0008,0060) element has the VR bytes 00 01: pydicom stops there."""
    _part10(path, _ct_pixels(uid, 2048), meta_class=CT_IMAGE, meta_uid=uid)
    data = path.read_bytes()
    modality = b"\x08\x00\x60\x00CS\x02\x00CT"
    assert modality in data
    path.write_bytes(data.replace(modality, b"\x08\x00\x60\x00\x00\x01\x02\x00CT"))
    return path


@pytest.fixture
def chunked_send() -> Iterator[None]:
    before = _config.STORE_SEND_CHUNKED_DATASET
    _config.STORE_SEND_CHUNKED_DATASET = True
    yield
    _config.STORE_SEND_CHUNKED_DATASET = before


def _send(port: int, files: list[Path]) -> list[int]:
    ae = AE(ae_title="HOSTILE")
    for sop_class in (CT_IMAGE, RT_PLAN):
        ae.add_requested_context(sop_class, ExplicitVRLittleEndian)
    assoc = associate(ae, port, "RTSTATION")
    assert assoc.is_established
    try:
        statuses = []
        for path in files:
            status = assoc.send_c_store(path)
            statuses.append(int(status.Status) if "Status" in status else -1)
        return statuses
    finally:
        assoc.release()


def test_datasets_that_do_not_match_their_request_get_the_named_failure(
    tmp_path: Path, chunked_send: None
):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port)
    files = tmp_path / "files"
    files.mkdir()
    uid = {name: generate_uid() for name in ("mismatch", "plan", "short", "vr", "nouid", "ok")}
    other = generate_uid()
    cases = [
        # dataset says another SOP Instance UID than the request
        (
            _part10(
                files / "mismatch.dcm",
                _ct_pixels(other, 2048),
                meta_class=CT_IMAGE,
                meta_uid=uid["mismatch"],
            ),
            0xA900,
            "is not the request's Affected SOP Instance UID",
        ),
        # an RT Plan on the CT Image presentation context
        (
            _part10(
                files / "plan.dcm",
                _dataset(RT_PLAN, uid["plan"], RTPlanLabel="P1"),
                meta_class=CT_IMAGE,
                meta_uid=uid["plan"],
            ),
            0xA900,
            "was sent on a presentation context for",
        ),
        # 100 of 2,048 pixel bytes
        (
            _part10(
                files / "short.dcm",
                _ct_pixels(uid["short"], 100),
                meta_class=CT_IMAGE,
                meta_uid=uid["short"],
            ),
            0xA900,
            "its Pixel Data holds 100 bytes",
        ),
        (_invalid_vr_bytes(files / "vr.dcm", uid["vr"]), 0xC210, "has an invalid VR"),
        (
            _part10(
                files / "nouid.dcm",
                _without(_ct_pixels(uid["nouid"], 2048), "SOPInstanceUID"),
                meta_class=CT_IMAGE,
                meta_uid=uid["nouid"],
            ),
            0xC210,
            "has no SOP Instance UID",
        ),
        (
            _part10(
                files / "ok.dcm",
                _ct_pixels(uid["ok"], 2048),
                meta_class=CT_IMAGE,
                meta_uid=uid["ok"],
            ),
            0x0000,
            "",
        ),
    ]
    with station:
        statuses = _send(station.port, [path for path, _, _ in cases])
        assert statuses == [status for _, status, _ in cases]
        deadline = time.monotonic() + 20
        log = station.log()
        while time.monotonic() < deadline and not all(w in log for _, _, w in cases):
            time.sleep(0.1)
            log = station.log()
        for _, status, words in cases:
            if words:
                assert words in log and f"(answered 0x{status:04X})" in log, words
        stored = {r["sop_instance_uid"] for r in query(station, "SELECT * FROM instances")}
        assert stored == {uid["ok"]}
        files_on_disk = [p for p in station.storage.rglob("*.dcm") if ".incoming" not in p.parts]
        assert len(files_on_disk) == 1
        assert not [p for p in station.storage.joinpath(".incoming").rglob("*") if p.is_file()]


def _without(ds: Dataset, keyword: str) -> Dataset:
    delattr(ds, keyword)
    return ds


def test_a_stored_uid_reused_by_another_object_is_refused_and_the_stored_one_kept(
    tmp_path: Path, chunked_send: None
):
    """Before: a CT sent with a stored plan's SOP Instance UID was answered 0x0000 and
    replaced the plan's file; the plan was gone from the station while its plans row still
    described it. A corrected re-send (same SOP class) still replaces the stored copy."""
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port)
    files = tmp_path / "files"
    files.mkdir()
    uid = generate_uid()
    plan = _part10(
        files / "plan.dcm",
        _dataset(RT_PLAN, uid, RTPlanLabel="FIRST"),
        meta_class=RT_PLAN,
        meta_uid=uid,
    )
    impostor = _ct_pixels(uid, 2048)
    impostor.PatientID = "SOMEONE_ELSE"
    collision = _part10(files / "ct.dcm", impostor, meta_class=CT_IMAGE, meta_uid=uid)
    corrected = _part10(
        files / "corrected.dcm",
        _dataset(RT_PLAN, uid, RTPlanLabel="SECOND"),
        meta_class=RT_PLAN,
        meta_uid=uid,
    )
    with station:
        assert _send(station.port, [plan, collision, corrected]) == [0, 0xC210, 0]
        wait_for(
            lambda: "belongs to another object" in station.log(),
            "the collision in the log",
            detail=station.log,
        )
        assert (
            "(a stored RTPLAN of patient 'REFUSE1', this one a CT of patient 'SOMEONE_ELSE'): "
            "refused, the stored copy is kept (answered 0xC210)"
        ) in station.log()
        rows = query(station, "SELECT modality, patient_id FROM instances")
        assert [(r["modality"], r["patient_id"]) for r in rows] == [("RTPLAN", "REFUSE1")]
        refused = query(station, "SELECT detail FROM audit WHERE event = 'refused'")
        assert len(refused) == 1 and uid in refused[0]["detail"]
    stored = [p for p in station.storage.rglob("*.dcm") if ".incoming" not in p.parts]
    assert len(stored) == 1
    assert dcmread(stored[0]).RTPlanLabel == "SECOND"


def _rss_peak_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def test_a_deflate_bomb_is_refused_and_the_station_stays_small(tmp_path: Path, chunked_send: None):
    """Before: a 150 KB deflated C-STORE that inflates to 128 MiB was answered 0x0000
    after the station had inflated it in memory (its peak memory grew by about that)."""
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port)
    uid = generate_uid()
    bomb = write_deflated(tmp_path / "bomb.dcm", small_dataset(uid), zeros=128 << 20)
    assert bomb.stat().st_size < 1 << 20
    ae = AE(ae_title="BOMBER")
    ae.add_requested_context(RT_STRUCTURE_SET, DeflatedExplicitVRLittleEndian)
    with station:
        assert station.proc is not None
        before = _rss_peak_kib(station.proc.pid)
        assoc = associate(ae, station.port, "RTSTATION")
        assert assoc.is_established
        try:
            status = assoc.send_c_store(bomb)
        finally:
            assoc.release()
        assert int(status.Status) == 0xA700
        wait_for(
            lambda: "a deflate bomb, or too large to read (answered 0xA700)" in station.log(),
            "the refusal in the log",
            detail=station.log,
        )
        assert _rss_peak_kib(station.proc.pid) - before < 48 * 1024
        assert query(station, "SELECT * FROM instances") == []


def test_a_dataset_that_begins_with_a_file_meta_element_is_refused_for_that(tmp_path: Path):
    """Before: a dataset starting with (0002,0010) 'Big Endian' was read as part of the File
    Meta and refused as having "no SOP Instance UID", which it has. (Sent byte by byte:
    pynetdicom and DCMTK read such a file's meta the same wrong way and will not send it.)"""
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port)
    ds = _ct_pixels(generate_uid(), 2048)
    syntax = b"1.2.840.10008.1.2.2\x00"
    element = b"\x02\x00\x10\x00" + struct.pack("<I", len(syntax)) + syntax  # implicit VR
    with station, socket.create_connection((HOST, station.port), timeout=10) as sock:
        sock.sendall(associate_rq(calling="HOSTILE", abstract_syntax=CT_IMAGE))
        assert read_pdu(sock)[0] == 0x02, "association not accepted"
        sock.sendall(p_data(1, c_store_rq(CT_IMAGE, ds.SOPInstanceUID), command=True, last=True))
        dataset = element + implicit_little_endian(ds)
        sock.sendall(p_data(1, dataset, command=False, last=True))
        kind, body = read_pdu(sock)
        assert (kind, response_status(body)) == (0x04, 0xC210)
        wait_for(
            lambda: "the dataset begins with the File Meta element (0002,0010)" in station.log(),
            "the refusal in the log",
            detail=station.log,
        )
        assert "has no SOP Instance UID" not in station.log()
