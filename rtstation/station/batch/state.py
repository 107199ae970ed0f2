"""The progress of a batch, kept next to its output so Ctrl-C and a rerun resume.

A JSON-lines journal: one line per finished request (``done`` or ``failed``, with its
instances, bytes and reason), appended and fsynced before the next request counts as
finished. A rerun skips every request whose newest line says ``done`` and sends the
others again (failed ones included: a rerun is a person asking again). A torn last line
(power cut while writing) is ignored, so the journal never stops a rerun. The journal is
locked while a batch runs, so two runs never send the same requests into one folder.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from rtstation.errors import RtStationError
from rtstation.fsync import fsync_dir

LOGGER = logging.getLogger(__name__)

DONE, FAILED = "done", "failed"


@dataclass(frozen=True)
class RequestRecord:
    key: str
    state: str
    instances: int = 0
    bytes: int = 0
    reason: str = ""


class BatchBusyError(RtStationError):
    """Another batch run uses the same output folder."""


def _lock(handle: IO[bytes]) -> None:
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


class StateJournal:
    """The journal of one output folder; open with :meth:`open`, close when done."""

    def __init__(self, path: Path, records: dict[str, RequestRecord], handle: IO[bytes]) -> None:
        self.path = path
        self.records = records
        self._handle = handle

    @classmethod
    def open(cls, path: Path) -> StateJournal:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "ab")  # noqa: SIM115 - held while the batch runs
        try:
            _lock(handle)
        except OSError as exc:
            handle.close()
            raise BatchBusyError(
                f"Another batch run is using '{path.parent}' (its state file '{path.name}' is "
                "locked): wait for it to end, or give this batch another output directory"
            ) from exc
        fsync_dir(path.parent)
        return cls(path, _read(path), handle)

    def is_done(self, key: str) -> bool:
        record = self.records.get(key)
        return record is not None and record.state == DONE

    def record(self, record: RequestRecord) -> None:
        """Append one finished request durably (fsync) before it counts as finished."""
        line = json.dumps(
            {
                "key": record.key,
                "state": record.state,
                "instances": record.instances,
                "bytes": record.bytes,
                "reason": record.reason,
                "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
        )
        self._handle.write(line.encode("utf-8") + b"\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.records[record.key] = record

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.close()


def _read(path: Path) -> dict[str, RequestRecord]:
    records: dict[str, RequestRecord] = {}
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return records
    for number, raw in enumerate(lines, start=1):
        try:
            data = json.loads(raw)
            record = RequestRecord(
                key=str(data["key"]),
                state=str(data["state"]),
                instances=int(data.get("instances", 0)),
                bytes=int(data.get("bytes", 0)),
                reason=str(data.get("reason", "")),
            )
        except (ValueError, KeyError, TypeError):
            LOGGER.warning("Ignoring line %d of the batch state '%s': not a record", number, path)
            continue
        records[record.key] = record
    return records


def read_records(path: Path) -> dict[str, RequestRecord]:
    """The journal's records without locking it (the GUI shows them before a run)."""
    return _read(path)
