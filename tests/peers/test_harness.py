"""The peer harness works against the real binaries: what peers.py promises, proven."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, RTDoseStorage, generate_uid
from pynetdicom import AE, build_context
from pynetdicom.sop_class import (
    PatientRootQueryRetrieveInformationModelFind,
    PatientRootQueryRetrieveInformationModelMove,
)

from tests.peers.listening import (
    _netlink_listening_inodes,
    _proc_listening_inodes,
    is_listening,
)
from tests.peers.peers import (
    HOST,
    PeerError,
    StoreSCP,
    dataset_bytes,
    echoscu,
    find_binary,
    free_port,
    read_sop_instance_uid,
    start_storescu,
    storescu,
    storescu_acknowledged,
    storescu_responses,
)
from tests.peers.scu import associate
from tests.peers.station_proc import StationProcess, write_settings

STUDY_UID = "1.2.826.0.1.3680043.8.498.10"


def _write(path: Path, sop_class: str, modality: str, number: int) -> str:
    """A tiny valid instance of one patient and study; returns its SOP Instance UID."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = sop_class
    ds.Modality = modality
    ds.PatientName = "Harness^Test"
    ds.PatientID = "HARNESS1"
    ds.StudyInstanceUID = STUDY_UID
    ds.SeriesInstanceUID = f"{STUDY_UID}.{1 if modality == 'CT' else 2}"
    ds.StudyID = "1"
    ds.SeriesNumber = 1 if modality == "CT" else 2
    ds.InstanceNumber = number
    ds.Rows = ds.Columns = 4
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = bytes(range(32))
    ds.save_as(path, enforce_file_format=True)
    return str(ds.SOPInstanceUID)


def _cts(directory: Path, count: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"ct{i:02d}.dcm" for i in range(count)]
    for i, path in enumerate(paths):
        _write(path, CTImageStorage, "CT", i + 1)
    return paths


def _dose(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "dose.dcm"
    _write(path, RTDoseStorage, "RTDOSE", 1)
    return path


def _uids(paths: list[Path]) -> list[str]:
    return [read_sop_instance_uid(p) for p in paths]


# --- storescp ---------------------------------------------------------------------------------


def test_storescu_to_storescp_arrive_in_sending_order_and_bit_exact(storescp, tmp_path):
    scp = storescp()
    files = list(reversed(_cts(tmp_path / "send", 5)))  # not the file-name order

    result = storescu(files, scp.port, called_ae=scp.ae_title)

    assert storescu_acknowledged(result) == [str(p) for p in files]
    assert scp.received_order() == _uids(files)
    received = scp.received_files()
    assert [p.name for p in received] == [f"CT.{uid}" for uid in _uids(files)]
    for sent, got in zip(files, received, strict=True):
        assert dataset_bytes(got) == dataset_bytes(sent)


def test_storescu_sends_a_directory_in_listing_order(storescp, tmp_path):
    scp = storescp()
    files = _cts(tmp_path / "send" / "sub", 3) + _cts(tmp_path / "send", 2)

    result = storescu(tmp_path / "send", scp.port)

    sent = storescu_acknowledged(result)
    assert sorted(sent) == sorted(str(p) for p in files)
    assert scp.wait_for(5) == _uids([Path(p) for p in sent])


def test_storescp_reject_rtdose_refuses_the_presentation_context(storescp, tmp_path):
    scp = storescp(reject_rtdose=True)
    ct_a, ct_b = _cts(tmp_path / "send", 2)
    dose = _dose(tmp_path / "send")

    result = storescu([ct_a, dose, ct_b], scp.port)

    assert storescu_responses(result) == [
        (str(ct_a), "Success"),
        (str(dose), "No presentation context"),
        (str(ct_b), "Success"),
    ]
    assert scp.received_order() == _uids([ct_a, ct_b])


def test_storescp_reject_rtdose_as_seen_by_pynetdicom(storescp):
    scp = storescp(reject_rtdose=True)
    ae = AE(ae_title="RTSTATION")
    ae.add_requested_context(CTImageStorage, ExplicitVRLittleEndian)
    ae.add_requested_context(RTDoseStorage, ExplicitVRLittleEndian)
    assoc = associate(ae, scp.port, scp.ae_title)
    try:
        assert assoc.is_established
        accepted = {cx.abstract_syntax for cx in assoc.accepted_contexts}
        rejected = {cx.abstract_syntax for cx in assoc.rejected_contexts}
    finally:
        assoc.release()
    assert accepted == {CTImageStorage}
    assert rejected == {RTDoseStorage}


def test_storescu_acknowledged_when_storescp_is_killed_mid_transfer(storescp, tmp_path):
    # --sleep-after slows storescp down to about one instance per second.
    scp = storescp(extra_args=["--sleep-after", "1"])
    files = _cts(tmp_path / "send", 5)

    sender = start_storescu(files, scp.port, log_dir=tmp_path / "storescu")
    scp.wait_for(2)
    scp.kill()
    assert sender.wait(30) != 0

    acknowledged = sender.acknowledged()
    stored = set(scp.received_order())
    assert 1 <= len(acknowledged) < len(files)
    # A success response is only sent after storescp wrote the file.
    assert set(_uids([Path(p) for p in acknowledged])) <= stored
    outcomes = dict(sender.responses())
    assert all(outcomes[p] == "Success" for p in acknowledged)
    assert "Store Failed" in outcomes.values()


def test_storescp_restarts_on_the_same_port_after_a_kill(storescp, tmp_path):
    scp = storescp()
    first, second = _cts(tmp_path / "send", 2)
    storescu([first], scp.port)
    scp.kill()
    assert storescu_acknowledged(storescu([second], scp.port, check=False)) == []

    scp.restart()

    storescu([second], scp.port)
    assert scp.received_order() == _uids([first, second])


def test_a_busy_port_is_an_error_not_a_false_ready(tmp_path):
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(PeerError, match="already in use"):
            StoreSCP(port=port, work_dir=tmp_path / "fixed").start()
        # A port the harness chose itself is replaced by another one.
        scp = StoreSCP(work_dir=tmp_path / "chosen")
        scp.port = port
        with scp:
            assert scp.port != port
            assert echoscu(scp.port, scp.ae_title)


def test_echoscu_against_storescp(storescp):
    scp = storescp()
    assert echoscu(scp.port, scp.ae_title)
    scp.stop()
    assert not echoscu(scp.port, scp.ae_title, timeout=10)


# --- Orthanc ----------------------------------------------------------------------------------


def test_orthanc_receives_files_from_storescu(orthanc, tmp_path):
    pacs = orthanc()
    files = _cts(tmp_path / "send", 5)

    result = storescu(files, pacs.port, called_ae=pacs.ae_title)

    assert storescu_acknowledged(result) == [str(p) for p in files]
    assert pacs.sop_instance_uids() == set(_uids(files))
    assert len(pacs.instances()) == 5
    for path in files:
        orthanc_id = pacs.instance_id(read_sop_instance_uid(path))
        assert orthanc_id is not None
        stored = pacs.instance_file(orthanc_id)
        # Orthanc re-encodes the file it writes; the data set must still be the one sent.
        assert dcmread(path) == _read_bytes(stored, tmp_path)


def _read_bytes(data: bytes, tmp_path: Path):
    path = tmp_path / "from-orthanc.dcm"
    path.write_bytes(data)
    return dcmread(path)


def test_orthanc_upload_returns_the_same_bytes(orthanc, tmp_path):
    pacs = orthanc(reject_rtdose=True)
    dose = _dose(tmp_path / "send")

    (orthanc_id,) = pacs.upload(dose)  # REST uploads bypass the C-STORE filter

    assert pacs.instance_file(orthanc_id) == dose.read_bytes()
    assert pacs.sop_instance_uids() == {read_sop_instance_uid(dose)}
    pacs.delete_all()
    assert pacs.instances() == []


def _store_statuses(port: int, ae_title: str, paths: list[Path]) -> list[int]:
    ae = AE(ae_title="RTSTATION")
    for path in paths:
        ae.add_requested_context(dcmread(path).SOPClassUID, ExplicitVRLittleEndian)
    assoc = associate(ae, port, ae_title)
    statuses = []
    try:
        assert assoc.is_established
        for path in paths:
            status = assoc.send_c_store(dcmread(path))
            statuses.append(int(status.Status))
    finally:
        assoc.release()
    return statuses


def test_orthanc_reject_rtdose_answers_a700(orthanc, tmp_path):
    pacs = orthanc(reject_rtdose=True)
    (ct,) = _cts(tmp_path / "send", 1)
    dose = _dose(tmp_path / "send")

    assert _store_statuses(pacs.port, pacs.ae_title, [ct, dose]) == [0x0000, 0xA700]
    assert pacs.sop_instance_uids() == {read_sop_instance_uid(ct)}

    result = storescu([dose], pacs.port)
    assert storescu_responses(result) == [(str(dose), "Refused: OutOfResources")]


def test_orthanc_drop_rtdose_answers_success_but_stores_nothing(orthanc, tmp_path):
    pacs = orthanc(drop_rtdose=True)
    (ct,) = _cts(tmp_path / "send", 1)
    dose = _dose(tmp_path / "send")

    assert _store_statuses(pacs.port, pacs.ae_title, [ct, dose]) == [0x0000, 0x0000]
    assert pacs.sop_instance_uids() == {read_sop_instance_uid(ct)}


def test_echo_to_orthanc_with_echoscu_and_pynetdicom(orthanc):
    pacs = orthanc()
    assert echoscu(pacs.port, pacs.ae_title)

    ae = AE(ae_title="RTSTATION")
    ae.add_requested_context("1.2.840.10008.1.1")
    assoc = associate(ae, pacs.port, pacs.ae_title)
    try:
        assert assoc.is_established
        assert assoc.send_c_echo().Status == 0x0000
    finally:
        assoc.release()


def test_orthanc_find_and_move_to_a_known_modality(orthanc, storescp, tmp_path):
    scp = storescp()
    pacs = orthanc(modalities={"rtstation": ("RTSTATION", HOST, free_port())})
    pacs.add_modality("scp", scp.ae_title, HOST, scp.port)
    files = _cts(tmp_path / "send", 3)
    pacs.upload(tmp_path / "send")

    ae = AE(ae_title="RTSTATION")
    ae.requested_contexts = [
        build_context(PatientRootQueryRetrieveInformationModelFind),
        build_context(PatientRootQueryRetrieveInformationModelMove),
    ]
    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.PatientID = "HARNESS1"
    query.StudyInstanceUID = ""
    assoc = associate(ae, pacs.port, pacs.ae_title)
    try:
        assert assoc.is_established
        found = [
            identifier.StudyInstanceUID
            for status, identifier in assoc.send_c_find(
                query, PatientRootQueryRetrieveInformationModelFind
            )
            if status.Status in (0xFF00, 0xFF01)
        ]
        move = Dataset()
        move.QueryRetrieveLevel = "STUDY"
        move.PatientID = "HARNESS1"
        move.StudyInstanceUID = STUDY_UID
        final = [
            int(status.Status)
            for status, _ in assoc.send_c_move(
                move, scp.ae_title, PatientRootQueryRetrieveInformationModelMove
            )
        ][-1]
    finally:
        assoc.release()

    assert found == [STUDY_UID]
    assert final == 0x0000
    # SynchronousCMove: the sub-operations are done when the C-MOVE answers.
    assert sorted(scp.received_order()) == sorted(_uids(files))


# --- plumbing ---------------------------------------------------------------------------------


def test_netlink_and_proc_agree_on_who_listens() -> None:
    """The netlink answer is the /proc one: IPv4 and IPv6, listening, connected, closed."""
    with socket.socket() as v4, socket.socket(socket.AF_INET6) as v6, socket.socket() as idle:
        v4.bind((HOST, 0))
        v4.listen()
        v6.bind(("::1", 0))
        v6.listen()
        idle.bind((HOST, 0))  # bound, never listening
        ports = [s.getsockname()[1] for s in (v4, v6, idle)]
        with socket.create_connection((HOST, ports[0])) as client:
            client_port = client.getsockname()[1]  # connected, not listening
            for port in (*ports, client_port):
                assert _netlink_listening_inodes(port) == _proc_listening_inodes(port), port
        assert _netlink_listening_inodes(ports[0]) and _netlink_listening_inodes(ports[1])
        assert not _netlink_listening_inodes(ports[2])
        assert not _netlink_listening_inodes(client_port)
        assert is_listening(ports[0], os.getpid())
        assert not is_listening(ports[0], os.getppid())


def test_free_port_never_hands_out_a_port_twice():
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)


def test_missing_binary_fails_and_names_the_package():
    with pytest.raises(pytest.fail.Exception, match="install the Debian package '\\?'"):
        find_binary("rtstation-no-such-peer")
    assert find_binary("storescp")


def test_find_binary_skips_pynetdicom_scripts_of_the_same_name(monkeypatch):
    venv_bin = Path(sys.executable).parent
    monkeypatch.setenv("PATH", f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}")
    for name in ("storescp", "storescu", "echoscu"):
        assert Path(find_binary(name)).parent != venv_bin


def test_storescu_check_raises_when_nobody_listens(tmp_path):
    (ct,) = _cts(tmp_path / "send", 1)
    with pytest.raises(Exception, match="storescu exited with status"):
        storescu([ct], free_port(), timeout=30)
    result = storescu([ct], free_port(), check=False, timeout=30)
    assert result.returncode != 0
    assert storescu_acknowledged(result) == []


def test_a_station_process_started_and_then_entered_is_one_process(tmp_path: Path) -> None:
    """``with StationProcess(...).start() as station`` once started a second serve, and the
    first (overwritten in ``proc``) outlived the test."""
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port)
    first = station.start().proc
    with station as entered:
        assert entered.proc is first
    assert first is not None and first.poll() is not None
