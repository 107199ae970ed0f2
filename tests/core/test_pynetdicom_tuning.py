"""What rtstation.net.pynetdicom_tuning relies on inside pynetdicom, checked on every run.

These fail when a pynetdicom upgrade changes the private details the tuning touches: then
read the new source, re-measure with bench/bench_receive.py, and add the version to
CHECKED_VERSIONS (docs/dicom-networking.md, "pynetdicom's polling delays").
"""

from __future__ import annotations

import inspect
import threading

import pynetdicom
import pytest
from pydicom.uid import ExplicitVRBigEndian
from pynetdicom import AE, AllStoragePresentationContexts, association, dimse_messages, dul
from pynetdicom.sop_class import CTImageStorage, RTPlanStorage

from rtstation.net import pynetdicom_tuning as tuning
from rtstation.net.receiver import TRANSFER_SYNTAXES


def test_the_installed_pynetdicom_is_a_checked_version():
    assert pynetdicom.__version__ in tuning.CHECKED_VERSIONS, (
        f"pynetdicom {pynetdicom.__version__} was not checked: the tuning stays off"
    )


def test_the_association_reactor_still_sleeps_one_millisecond_per_loop():
    source = inspect.getsource(association.Association._run_reactor)
    assert f"time.sleep({tuning.PYNETDICOM_REACTOR_SLEEP})" in source
    assert inspect.getsource(association).count("import time") == 1


def test_the_dul_reactor_still_reads_its_delay_from_the_instance():
    assert "self._run_loop_delay = 0.001" in inspect.getsource(dul.DULServiceProvider.__init__)
    assert "time.sleep(self._run_loop_delay)" in inspect.getsource(
        dul.DULServiceProvider.run_reactor
    )


def test_the_chunked_receive_still_writes_through_named_temporary_file():
    source = inspect.getsource(dimse_messages.DIMSEMessage.decode_msg)
    assert "NamedTemporaryFile(delete=False" in source
    assert "self._data_set_file.write(data[1:])" in source
    assert "write_file_meta_info(" in source
    # the complete message is queued before pynetdicom drops the file: the digest is ready
    receive = inspect.getsource(pynetdicom.dimse.DIMSEServiceProvider.receive_primitive)
    assert receive.index("self.msg_queue.put(") < receive.index("_data_set_file = None")


def test_apply_installs_the_clock_and_the_hashing_writer():
    assert tuning.apply()
    assert isinstance(association.time, tuning._ReactorClock)
    assert dimse_messages.NamedTemporaryFile is tuning._hashing_named_temporary_file


def test_the_clock_shortens_only_the_reactor_sleep_of_tuned_associations(
    monkeypatch: pytest.MonkeyPatch,
):
    slept: list[float] = []
    monkeypatch.setattr(tuning.time, "sleep", slept.append)
    monkeypatch.setattr(tuning, "_open_associations", lambda: 1)
    clock = tuning._ReactorClock()

    def loop() -> None:
        clock.sleep(0.001)
        clock.sleep(0.1)
        clock.sleep(0.0001)

    tuned = threading.Thread(target=loop)
    setattr(tuned, tuning._TUNED_MARK, True)
    tuned.start()
    tuned.join()
    assert slept == [tuning.REACTOR_SLEEP, 0.1, 0.0001]
    slept.clear()
    other = threading.Thread(target=loop)
    other.start()
    other.join()
    assert slept == [0.001, 0.1, 0.0001]
    assert clock.monotonic is tuning.time.monotonic


def test_the_hasher_covers_exactly_the_bytes_after_the_meta():
    import hashlib
    import struct

    meta_value = b"\x02\x00\x10\x00UI\x04\x001.2\x00"
    head = b"\x00" * 128 + b"DICM" + b"\x02\x00\x00\x00UL\x04\x00" + struct.pack("<I", 12)
    dataset = b"\x08\x00\x18\x00UI\x04\x001.23" * 50
    hasher = tuning._DatasetHasher()
    for piece in (
        head[:100],
        head[100:],
        meta_value[:5],
        meta_value[5:] + dataset[:7],
        dataset[7:],
    ):
        hasher.update(memoryview(piece))
    assert hasher.hexdigest() == hashlib.sha256(dataset).hexdigest()
    broken = tuning._DatasetHasher()
    broken.update(memoryview(b"\x00" * 200))
    assert broken.hexdigest() is None


def test_the_delays_are_short_only_while_one_association_is_open(
    monkeypatch: pytest.MonkeyPatch,
):
    """Four associations polling every 50 µs cost a 2-core machine more than they save."""
    stop = threading.Event()
    running = [threading.Thread(target=stop.wait) for _ in range(3)]
    finished = threading.Thread(target=lambda: None)
    monkeypatch.setattr(tuning, "_census", [1, 0.0])
    try:
        for thread in (*running, finished):
            thread.start()
            tuning._tuned.add(thread)
        finished.join()
        assert tuning._open_associations() == 3
        assert tuning._delay_for(1) == tuning.DUL_LOOP_DELAY
        assert tuning._delay_for(3) == tuning.PYNETDICOM_REACTOR_SLEEP
    finally:
        stop.set()
        for thread in running:
            thread.join()


def test_apply_reads_a_pdu_whole_through_recv_into():
    from pynetdicom import transport

    assert tuning.apply()
    assert transport.AssociationSocket.recv is tuning._recv_whole


def test_the_whole_read_returns_exactly_what_was_asked_across_short_reads():
    """The peer's bytes arrive in small pieces; the read returns all of them, in order,
    and no more (the next PDU's bytes stay in the socket)."""
    import socket
    import types

    near, far = socket.socketpair()
    payload = bytes(range(256)) * 700  # 179,200 bytes, more than one socket buffer fill
    trailer = b"NEXT-PDU"

    def send_in_pieces() -> None:
        for start in range(0, len(payload), 1000):
            far.sendall(payload[start : start + 1000])
        far.sendall(trailer)

    sender = threading.Thread(target=send_in_pieces)
    sender.start()
    try:
        owner = types.SimpleNamespace(socket=near)
        assert tuning._recv_whole(owner, len(payload)) == bytearray(payload)
        assert tuning._recv_whole(owner, len(trailer)) == bytearray(trailer)
        assert tuning._recv_whole(owner, 0) == bytearray()
    finally:
        sender.join()
        near.close()
        far.close()


def test_the_whole_read_returns_what_arrived_when_the_peer_closes():
    import socket
    import types

    near, far = socket.socketpair()
    try:
        far.sendall(b"\x04\x00\x00\x00")
        far.close()
        got = tuning._recv_whole(types.SimpleNamespace(socket=near), 6)
        assert got == bytearray(b"\x04\x00\x00\x00") and isinstance(got, bytearray)
    finally:
        near.close()


def test_the_socket_read_replaced_is_still_pynetdicoms_4_kb_loop():
    """What _recv_whole stands in for: read until nr_bytes or the peer closes."""
    import inspect

    source = inspect.getsource(tuning.PYNETDICOM_RECV)
    assert "bytes_read = self.socket.recv(bufsize)" in source
    assert "if not bytes_read:" in source and "return bytestream" in source


def _contexts_of(ae: AE) -> list[tuple[str, list[str], object, object]]:
    return [
        (str(c.abstract_syntax), [str(t) for t in c.transfer_syntax], c.scu_role, c.scp_role)
        for c in ae.supported_contexts
    ]


def test_add_supported_context_still_keeps_contexts_by_uid_in_a_dict():
    ae = AE()
    ae.add_supported_context(CTImageStorage)
    assert list(ae._supported_contexts) == [CTImageStorage]


def test_the_storage_contexts_are_those_pynetdicom_itself_would_add(
    monkeypatch: pytest.MonkeyPatch,
):
    classes = [c.abstract_syntax for c in AllStoragePresentationContexts]
    mine, theirs = AE(), AE()
    # a UID supported already is extended, as pynetdicom extends it
    for ae in (mine, theirs):
        ae.add_supported_context(RTPlanStorage, [ExplicitVRBigEndian])
    tuning.add_supported_contexts(mine, classes, TRANSFER_SYNTAXES)
    for uid in classes:
        theirs.add_supported_context(uid, TRANSFER_SYNTAXES)
    assert _contexts_of(mine) == _contexts_of(theirs)
    assert len(mine.supported_contexts) == len(classes)
    # each context has its own list: negotiating one never changes another
    first, second = mine.supported_contexts[:2]
    assert first.transfer_syntax is not second.transfer_syntax


def test_an_invalid_syntax_is_refused_as_pynetdicom_refuses_it():
    too_long = "1.2." + "3" * 70
    with pytest.raises(ValueError, match="invalid UID"):
        AE().add_supported_context(CTImageStorage, [too_long])
    with pytest.raises(ValueError, match="invalid UID"):
        tuning.add_supported_contexts(AE(), [CTImageStorage], [too_long])


def test_with_the_tuning_off_pynetdicom_adds_the_contexts(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(tuning.SWITCH, "off")
    calls: list[str] = []
    ae = AE()
    original = ae.add_supported_context

    def counted(uid: str, syntaxes: list[str]) -> None:
        calls.append(uid)
        original(uid, syntaxes)

    monkeypatch.setattr(ae, "add_supported_context", counted)
    tuning.add_supported_contexts(ae, [CTImageStorage, RTPlanStorage], TRANSFER_SYNTAXES)
    assert calls == [CTImageStorage, RTPlanStorage]


def test_default_polling_keeps_pynetdicoms_delay_even_for_one_association(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(tuning, "_short_polling", True)
    assert tuning._delay_for(1) == tuning.DUL_LOOP_DELAY
    tuning.keep_default_polling()
    assert tuning._delay_for(1) == tuning.PYNETDICOM_REACTOR_SLEEP
    assert tuning._delay_for(3) == tuning.PYNETDICOM_REACTOR_SLEEP
