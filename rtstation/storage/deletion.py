"""Deleting stored instances so that the catalog and the disk never disagree, even after a
crash in the middle of a big delete.

A delete is journalled in three steps, each durable before the next begins:

1. **Mark** (one transaction): every instance gets a row in ``pending_deletes`` (its path
   and the reason) and its catalog row is stamped ``removed_at``, so from that commit on
   nothing reads it as stored, and nothing queues it. The caller's ``guard`` runs inside
   the same transaction and may refuse the whole delete (a plan with a job sending or
   queued): nothing can be queued between that check and the mark, because the mark
   holds the database's write lock.
2. **Remove the files**, and the folders left empty, fsyncing each parent folder.
3. **Drop the rows** (one transaction): the instances' catalog rows and their journal
   rows go, the plan rows of deleted plans too, and the audit says what went and why.

:meth:`Deleter.recover` (at startup, by the primary station only) finishes steps 2 and 3
for whatever a killed process left in the journal; both steps are idempotent. A file whose
instance was received again after the mark (its row no longer marked) is kept, and only
its journal row goes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rtstation.database import BUSY_TIMEOUT_SECONDS, Database
from rtstation.errors import RtStationError
from rtstation.fsync import fsync_dir
from rtstation.storage.catalog import utc_now

LOGGER = logging.getLogger(__name__)

#: ``guard(conn, sop_instance_uids)`` returns "" to go on, or the sentence that refuses.
Guard = Callable[[sqlite3.Connection, Sequence[str]], str]

_CHUNK = 500


@dataclass(frozen=True)
class DeleteOutcome:
    """What a finished delete removed."""

    instances: int
    bytes: int
    files_missing: int


class DeleteRefused(RtStationError):
    """The guard refused the delete; nothing was changed. ``jobs`` are the (job id, node,
    state, plan label) that still have to send part of it, for a user interface to say
    in its own language."""

    def __init__(self, message: str, jobs: tuple[tuple[int, str, str, str], ...] = ()) -> None:
        super().__init__(message)
        self.jobs = jobs


class Deleter:
    """Journalled deletes of catalog instances and their files under ``storage_root``."""

    def __init__(
        self, db_path: Path, storage_root: Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS
    ) -> None:
        self.storage_root = Path(storage_root)
        self._db = Database(Path(db_path), busy_timeout=busy_timeout)

    def close(self) -> None:
        self._db.close()

    def delete(
        self,
        sop_instance_uids: Sequence[str],
        reason: str,
        *,
        plan_uids: Sequence[str] = (),
        guard: Guard | None = None,
        after_mark: Callable[[], None] | None = None,
    ) -> DeleteOutcome:
        """Delete these instances (files and rows) and the plan rows of ``plan_uids``.

        Raises :class:`DeleteRefused` when ``guard`` refuses; then nothing changed.
        ``after_mark`` runs between the steps (tests use it to kill a delete half way).
        """
        uids = list(dict.fromkeys(sop_instance_uids))
        self._mark(uids, reason, guard)
        if after_mark is not None:
            after_mark()
        return self._finish(reason, plan_uids)

    def _mark(self, uids: list[str], reason: str, guard: Guard | None) -> None:
        now = utc_now()
        with self._db.transaction() as conn:
            if guard is not None:
                refusal = guard(conn, uids)
                if refusal:
                    raise DeleteRefused(refusal)
            for start in range(0, len(uids), _CHUNK):
                chunk = uids[start : start + _CHUNK]
                marks = ", ".join("?" for _ in chunk)
                conn.execute(
                    "INSERT OR REPLACE INTO pending_deletes (sop_instance_uid, path, reason, "
                    f"requested_at) SELECT sop_instance_uid, path, ?, ? FROM instances "
                    f"WHERE sop_instance_uid IN ({marks})",
                    (reason, now, *chunk),
                )
                conn.execute(
                    f"UPDATE instances SET removed_at = ? WHERE sop_instance_uid IN ({marks})",
                    (now, *chunk),
                )
        LOGGER.info("Deleting %d instance(s): %s", len(uids), reason)

    def _finish(self, reason: str, plan_uids: Sequence[str] = ()) -> DeleteOutcome:
        rows = self._db.query(
            "SELECT d.sop_instance_uid, d.path, d.reason, i.removed_at, i.size, i.path "
            "FROM pending_deletes d LEFT JOIN instances i USING (sop_instance_uid)"
        )
        removed = size = missing = 0
        folders: set[Path] = set()
        for _uid, path, _why, removed_at, instance_size, current_path in rows:
            if removed_at is None and current_path is not None:
                continue  # received again after the mark: that file is a new one, keep it
            target = self.storage_root / path
            try:
                target.unlink()
            except FileNotFoundError:
                missing += 1
            folders.add(target.parent)
            removed += 1
            size += int(instance_size or 0)
        for folder in folders:
            self._sync_and_prune(folder)
        with self._db.transaction() as conn:
            for uid, _path, why, removed_at, _size, current_path in rows:
                if removed_at is not None or current_path is None:
                    conn.execute("DELETE FROM instances WHERE sop_instance_uid = ?", (uid,))
                    conn.execute(
                        "INSERT INTO audit (at, event, sop_instance_uid, detail) "
                        "VALUES (?, 'deleted', ?, ?)",
                        (utc_now(), uid, why),
                    )
                conn.execute("DELETE FROM pending_deletes WHERE sop_instance_uid = ?", (uid,))
            for plan_uid in plan_uids:
                conn.execute("DELETE FROM plans WHERE plan_uid = ?", (plan_uid,))
        if rows:
            LOGGER.info(
                "Deleted %d instance(s), %d bytes (%d file(s) were already gone): %s",
                removed,
                size,
                missing,
                reason,
            )
        return DeleteOutcome(removed, size, missing)

    def _sync_and_prune(self, folder: Path) -> None:
        """fsync the folder (the unlinks are durable), then remove it and its parents up to
        the storage root while they are empty."""
        root = self.storage_root.resolve()
        current = folder
        while True:
            with contextlib.suppress(FileNotFoundError):
                fsync_dir(current)
            if current.resolve() == root or root not in current.resolve().parents:
                return
            try:
                os.rmdir(current)
            except OSError:
                return  # not empty (or already gone): the rest of the path stays
            current = current.parent

    def pending(self) -> int:
        """Instances of an unfinished delete (left by a crash)."""
        row = self._db.query_one("SELECT COUNT(*) FROM pending_deletes")
        return int(row[0]) if row else 0

    def recover(self) -> DeleteOutcome:
        """Finish the deletes a killed process left in the journal (primary, at startup)."""
        if not self.pending():
            return DeleteOutcome(0, 0, 0)
        LOGGER.warning("Finishing %d deletion(s) interrupted by a crash", self.pending())
        return self._finish("finishing a delete interrupted by a crash")
