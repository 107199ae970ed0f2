"""A database that cannot be written during a C-STORE: DCMTK storescu -> an in-process Station.

Why it matters: a C-STORE is acknowledged only once its catalog row is committed. When the
database is locked beyond the busy timeout (a long transaction of another process, a
backup tool holding it), the sender must hear 0xA700 "out of resources" and retry later,
not 0xC211 "processing failure", which DICOM senders treat as final; and nothing of the
refused instance may stay behind.

The station runs in the test process so its busy timeout can be short
(``database_busy_timeout``); the lock is real: another connection holds ``BEGIN IMMEDIATE``
on the station's database file while storescu sends.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from rtstation.events import InstanceRejected
from rtstation.station import Station
from rtstation.storage.layout import INCOMING_DIR
from tests.data.generator import StudySpec, write_study
from tests.peers.peers import HOST, free_port, storescu, storescu_responses
from tests.peers.station_proc import write_settings

BUSY_TIMEOUT = 0.3


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    config = tmp_path / "station"
    write_settings(config, port=free_port())
    station = Station.open(str(config), bind_address=HOST, database_busy_timeout=BUSY_TIMEOUT)
    station.start(receiver=True)
    yield station
    station.stop()


def test_a_locked_database_answers_out_of_resources_and_the_retry_is_stored(
    station: Station, tmp_path: Path
):
    files = write_study(tmp_path / "study", StudySpec(slices=2)).all_paths
    rejected: list[InstanceRejected] = []
    station.subscribe(InstanceRejected, rejected.append)  # type: ignore[arg-type]
    port = station.settings.port

    holder = sqlite3.connect(station.catalog.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # held for the whole first send
    try:
        refused = storescu(files, port, calling_ae="TPS", called_ae="RTSTATION")
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    outcomes = [outcome for _file, outcome in storescu_responses(refused)]
    assert outcomes == ["Refused: OutOfResources"] * len(files), refused.stderr
    assert [event.status for event in rejected] == [0xA700] * len(files)
    assert all(
        f"is locked by another connection for longer than {BUSY_TIMEOUT:g} s" in event.reason
        for event in rejected
    ), [event.reason for event in rejected]
    storage = station.storage_root
    assert [p for p in storage.rglob("*") if p.is_file() and INCOMING_DIR not in p.parts] == []
    assert [p for p in (storage / INCOMING_DIR).rglob("*") if p.is_file()] == []
    assert station.catalog.count() == 0

    # What the sender does next: try again, now that the lock is gone.
    again = storescu(files, port, calling_ae="TPS", called_ae="RTSTATION")
    assert [o for _f, o in storescu_responses(again)] == ["Success"] * len(files), again.stderr
    assert station.catalog.count() == len(files)
