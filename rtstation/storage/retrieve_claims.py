"""Retrieve claims: how a CLI retrieve receives through a station that is already running.

A C-MOVE makes the archive connect to the AE title it knows for us, that is to the
station's receiver port. When the GUI or ``serve`` already listens there, a second
listener on the same port is impossible (and on Windows, with SO_REUSEADDR, would steal
connections), so the retrieve asks the running station instead: it writes a small claim
file into ``<data folder>/retrievals/`` naming its staging folder and how to recognise
its instances, and the station's receiver hands every matching instance over to that
folder instead of storing it (so no rule ever sees it). The claim is removed when the
retrieve ends; a claim whose process died is ignored.

An instance matches a claim by the C-MOVE's Move Originator (our calling AE title plus
one of the claim's message IDs), which the archive copies into each C-STORE of the move,
or, for archives that leave the Move Originator out, by its SOP Instance UID being one
the retrieve expects from its IMAGE-level query.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rtstation.storage.archive import fsync_dir

LOGGER = logging.getLogger(__name__)

CLAIMS_DIR = "retrievals"
CLAIM_SUFFIX = ".claim.json"


@dataclass(frozen=True)
class RetrieveClaim:
    """One retrieve's wish to receive certain instances into its staging folder."""

    claim_id: str
    staging_dir: Path
    originator_ae: str
    message_ids: frozenset[int]
    sop_instance_uids: frozenset[str]
    pid: int
    written: float = 0.0

    def matches(self, sop_instance_uid: str, originator_ae: str, message_id: int | None) -> bool:
        if (
            originator_ae
            and message_id is not None
            and originator_ae == self.originator_ae
            and message_id in self.message_ids
        ):
            return True
        return bool(sop_instance_uid) and sop_instance_uid in self.sop_instance_uids


def claims_dir(data_dir: Path | str) -> Path:
    return Path(data_dir) / CLAIMS_DIR


def new_staging_dir(data_dir: Path | str) -> tuple[str, Path]:
    """A fresh, empty staging folder for one retrieve (in the station's data folder)."""
    claim_id = f"{os.getpid()}-{secrets.token_hex(4)}"
    staging = claims_dir(data_dir) / claim_id
    staging.mkdir(parents=True)
    return claim_id, staging


def write_claim(
    data_dir: Path | str,
    claim_id: str,
    staging_dir: Path,
    *,
    originator_ae: str,
    message_ids: Iterable[int],
    sop_instance_uids: Iterable[str] = (),
) -> Path:
    """Publish (or update) a claim atomically; the running station reads it per C-STORE."""
    payload = {
        "pid": os.getpid(),
        "staging": str(staging_dir),
        "originator_ae": originator_ae.strip(),
        "message_ids": sorted(set(message_ids)),
        "sop_instance_uids": sorted(set(sop_instance_uids)),
        "written": time.time(),
    }
    folder = claims_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{claim_id}{CLAIM_SUFFIX}"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(temporary, path)
    return path


def remove_claim(data_dir: Path | str, claim_id: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        (claims_dir(data_dir) / f"{claim_id}{CLAIM_SUFFIX}").unlink()


#: A claim not rewritten for this long is ignored even if its process id is alive again
#: (a reused pid after a crash); every retrieve rewrites its claim before each move.
MAX_CLAIM_AGE_SECONDS = 24 * 3600.0


def _alive(pid: int) -> bool:
    """Whether a process with this id runs (a dead retrieve's claim must not divert)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_pid(name: str) -> int:
    head = name.split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def sweep(data_dir: Path | str) -> int:
    """Remove claims and staging folders left by retrieves whose process died.

    Names start with the owner's pid, so a live retrieve (claim or own listener) is never
    touched. Returns how many entries were removed.
    """
    folder = claims_dir(data_dir)
    removed = 0
    try:
        entries = list(folder.iterdir())
    except FileNotFoundError:
        return 0
    for entry in entries:
        pid = _owner_pid(entry.name)
        if pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
            LOGGER.info("Removed '%s', left by a retrieve that ended without cleaning up", entry)
    return removed


def _read_claim(path: Path) -> RetrieveClaim | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return RetrieveClaim(
            claim_id=path.name[: -len(CLAIM_SUFFIX)],
            staging_dir=Path(data["staging"]),
            originator_ae=str(data.get("originator_ae", "")),
            message_ids=frozenset(int(m) for m in data.get("message_ids", ())),
            sop_instance_uids=frozenset(str(u) for u in data.get("sop_instance_uids", ())),
            pid=int(data["pid"]),
            written=float(data.get("written", 0.0)),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        LOGGER.warning("Ignoring the unreadable retrieve claim '%s': %s", path, exc)
        return None


class ClaimRegistry:
    """The claims of one data folder, re-read only when a claim file changes."""

    def __init__(self, data_dir: Path | str) -> None:
        self.folder = claims_dir(data_dir)
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[float, RetrieveClaim | None]] = {}

    def active(self) -> list[RetrieveClaim]:
        try:
            paths = [p for p in self.folder.iterdir() if p.name.endswith(CLAIM_SUFFIX)]
        except FileNotFoundError:
            return []
        claims: list[RetrieveClaim] = []
        with self._lock:
            seen: dict[Path, tuple[float, RetrieveClaim | None]] = {}
            for path in paths:
                try:
                    mtime = path.stat().st_mtime_ns
                except FileNotFoundError:
                    continue
                cached = self._cache.get(path)
                claim = cached[1] if cached and cached[0] == mtime else _read_claim(path)
                seen[path] = (mtime, claim)
                if (
                    claim is not None
                    and time.time() - claim.written < MAX_CLAIM_AGE_SECONDS
                    and _alive(claim.pid)
                ):
                    claims.append(claim)
            self._cache = seen
        return claims

    def match(
        self, sop_instance_uid: str, originator_ae: str, message_id: int | None
    ) -> RetrieveClaim | None:
        return next(
            (c for c in self.active() if c.matches(sop_instance_uid, originator_ae, message_id)),
            None,
        )


def take_over(received: Path, staging_dir: Path, sop_instance_uid: str) -> Path:
    """Move a received file durably into a staging folder (named by its UID)."""
    safe = "".join(ch for ch in sop_instance_uid if ch.isdigit() or ch == ".") or secrets.token_hex(
        8
    )
    target = staging_dir / f"{safe}.dcm"
    with open(received, "rb+") as handle:
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.replace(received, target)
    except OSError:
        shutil.move(str(received), str(target))
        with open(target, "rb+") as handle:
            os.fsync(handle.fileno())
    fsync_dir(staging_dir)
    return target
