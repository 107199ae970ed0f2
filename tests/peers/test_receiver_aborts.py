"""Senders that stop in the middle of a dataset, or send what no library would, leave nothing
behind and get an answer (adversarial review).

Before: pynetdicom dropped the half-received message, the partial file stayed in the
storage's incoming folder until the station's next start, and twenty aborted 10 MB
transfers pushed the storage below its free-space floor, so that an honest sender got
0xA700. Nothing of it was logged. Now the partial file goes when the connection closes,
with one line naming the peer.
"""

from __future__ import annotations

import socket
from pathlib import Path

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from tests.data.generator import StudySpec, write_study
from tests.peers.peers import HOST, storescu, storescu_acknowledged
from tests.peers.raw_dul import (
    A_ABORT,
    associate_rq,
    c_store_rq,
    implicit_little_endian,
    p_data,
    read_pdu,
)
from tests.peers.station_proc import StationProcess, write_settings
from tests.waiting import wait_for

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"


def _half_a_dataset(port: int, *, abort: bool) -> None:
    """Associate, send a C-STORE-RQ and about 2 MB of its dataset, then abort or hang up."""
    ds = Dataset()
    ds.SOPClassUID = CT_IMAGE
    ds.SOPInstanceUID = generate_uid()
    ds.PatientID = "HALF"
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(associate_rq(calling="HALFWAY", abstract_syntax=CT_IMAGE))
        # read all of the A-ASSOCIATE-AC: closing with unread data would send a reset,
        # which can make the station's kernel drop what it has not read yet
        assert read_pdu(sock)[0] == 0x02, "association not accepted"
        sock.sendall(p_data(1, c_store_rq(CT_IMAGE, ds.SOPInstanceUID), command=True, last=True))
        sock.sendall(p_data(1, implicit_little_endian(ds), command=False, last=False))
        for _ in range(128):
            sock.sendall(p_data(1, b"\x00" * 16000, command=False, last=False))
        if abort:
            sock.sendall(A_ABORT)


def _file_log(station: StationProcess) -> str:
    """rtstation.log alone (``station.log()`` has the console's copy of each line too)."""
    return (station.config_dir / "logs" / "rtstation.log").read_text(errors="replace")


def _incoming_files(station: StationProcess) -> list[Path]:
    return [p for p in station.storage.joinpath(".incoming").rglob("*") if p.is_file()]


def test_a_dataset_cut_off_by_an_abort_or_a_hang_up_leaves_no_file(tmp_path: Path):
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port)
    study = write_study(tmp_path / "s", StudySpec(slices=2, rows=16, columns=16))
    with station:
        for abort in (True, False):
            _half_a_dataset(station.port, abort=abort)
        wait_for(
            lambda: _file_log(station).count("closed in the middle of 1 dataset(s)") >= 2,
            "two lines about the cut-off datasets",
            detail=station.log,
        )
        assert _file_log(station).count("closed in the middle of 1 dataset(s)") == 2
        assert _incoming_files(station) == [], "a partial file stayed in the incoming folder"
        assert "The connection from HALFWAY (127.0.0.1) closed" in station.log()
        # and the station goes on receiving
        result = storescu(study.all_paths, station.port, called_ae="RTSTATION")
        assert len(storescu_acknowledged(result)) == len(study.all_paths)
    assert "Traceback" not in station.log()


def test_a_c_store_with_an_empty_affected_sop_instance_uid_is_aborted_and_logged(
    tmp_path: Path,
):
    """Before: pydicom refused to write the spool file's File Meta with an empty UID, the
    network thread died with a traceback on stderr only, the peer saw the connection
    close without an answer, and the partial file stayed. (Past that, pynetdicom drops
    such a request without an answer.) Now the association is aborted with a line naming
    the peer and what was missing, and the station goes on."""
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port)
    study = write_study(tmp_path / "s", StudySpec(slices=2, rows=16, columns=16))
    ds = Dataset()
    ds.SOPClassUID = CT_IMAGE
    ds.SOPInstanceUID = generate_uid()
    ds.PatientID = "NOUID"
    with station:
        with socket.create_connection((HOST, station.port), timeout=10) as sock:
            sock.sendall(associate_rq(calling="NOUID", abstract_syntax=CT_IMAGE))
            assert read_pdu(sock)[0] == 0x02, "association not accepted"
            sock.sendall(p_data(1, c_store_rq(CT_IMAGE, ""), command=True, last=True))
            sock.sendall(p_data(1, implicit_little_endian(ds), command=False, last=True))
            assert read_pdu(sock)[0] == 0x07, "no A-ABORT"
        wait_for(
            lambda: "The connection from NOUID (127.0.0.1) closed" in station.log(),
            "the connection's end in the log",
            detail=station.log,
        )
        assert (
            "Aborted the association from NOUID (127.0.0.1): its C-STORE request has no "
            "Affected SOP Instance UID (0000,1000)"
        ) in station.log()
        assert _incoming_files(station) == []
        result = storescu(study.all_paths, station.port, called_ae="RTSTATION")
        assert len(storescu_acknowledged(result)) == len(study.all_paths)
    assert "Traceback" not in station.log()


def test_an_association_that_ends_without_a_release_is_named_in_the_log(tmp_path: Path):
    """Before: an association that stored nothing and was aborted, or whose connection
    just closed, left no line at all."""
    config = tmp_path / "station"
    station = StationProcess(config)
    write_settings(config, port=station.port)
    with station:
        for calling, abort in (("ABORTER", True), ("HANGUP", False)):
            with socket.create_connection((HOST, station.port), timeout=10) as sock:
                sock.sendall(associate_rq(calling=calling))
                assert read_pdu(sock)[0] == 0x02, "association not accepted"
                if abort:
                    sock.sendall(A_ABORT)
        for calling in ("ABORTER", "HANGUP"):
            line = (
                f"The association from {calling} (127.0.0.1) ended without a release "
                "(aborted, or its connection closed)"
            )
            wait_for(
                lambda line=line: line in _file_log(station),
                f"the end of {calling}'s association in the log",
                detail=station.log,
            )
