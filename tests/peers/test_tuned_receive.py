"""The pynetdicom tuning on a real association: DCMTK storescu -> rtstation's receiver.

The receiver (in this process) must see the tuned DUL delay on its association and get,
for every received file, the dataset hash computed while pynetdicom wrote it, equal to
the hash of the file read back.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from rtstation.net import pynetdicom_tuning as tuning
from rtstation.net.receiver import ReceiverConfig, StorageReceiver
from rtstation.storage.archive import content_hash
from tests.data.generator import write_ct_series
from tests.peers.peers import free_port, storescu, storescu_acknowledged


def test_received_files_come_with_their_hash_and_the_tuned_delay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    assert tuning.apply()
    files = write_ct_series(tmp_path / "ct", 5, rows=64, columns=64)
    staging = tmp_path / "incoming"
    staging.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(staging))
    seen: list[tuple[str | None, str]] = []

    def store(caller: object, path: Path, uid: str) -> int:
        seen.append((tuning.received_digest(path), content_hash(path)))
        return 0x0000

    receiver = StorageReceiver(ReceiverConfig("RTSTATION", free_port(), "127.0.0.1"), store)
    delays: list[float] = []
    original = tuning.tune_association

    def recording(event: object) -> None:
        original(event)
        assoc = event.assoc  # type: ignore[attr-defined]
        delays.append(assoc.dul._run_loop_delay if getattr(assoc, tuning._TUNED_MARK) else -1)

    monkeypatch.setattr(tuning, "tune_association", recording)
    receiver.start()
    try:
        result = storescu(files, receiver.config.port, called_ae="RTSTATION")
    finally:
        receiver.stop()
    assert len(storescu_acknowledged(result)) == len(files), result.stderr
    assert len(seen) == len(files)
    for digest, actual in seen:
        assert digest is not None and digest == actual
    assert delays and all(d == tuning.DUL_LOOP_DELAY for d in delays)
