"""The catalog: an SQLite index of every stored instance, the plans, and an audit trail.

The catalog is an index, never the only copy of anything: ``reindex`` rebuilds it from
the storage folder. Its tables live in the station database (:mod:`rtstation.database`:
WAL, ``synchronous=FULL``, one busy timeout, one schema history), because a C-STORE is
acknowledged only after its row is committed. Several threads (receiver associations,
imports, send workers) share one catalog through its connection's lock; several
processes (``serve`` and a CLI ``send``) meet in SQLite's file locks.

A received instance is committed once (:meth:`Catalog.record_arrival`): its row and a
pending write naming the staged file, together, before the file is renamed into place.
Until :meth:`Catalog.finish_arrival` clears the pending write (after the rename is on
disk) the row is hidden from every read, so nobody sees a row whose file is not under its
name yet; a crash in between is resolved at startup by :meth:`Ingestor.recover
<rtstation.storage.ingest.Ingestor.recover>`, which finishes or drops it by content hash.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from rtstation.database import BUSY_TIMEOUT_SECONDS, Database
from rtstation.dicom.headers import InstanceHeader
from rtstation.dicom.rt_tree import PlanBundle, RtTree, build_tree
from rtstation.storage.catalog_views import (
    IndexedFile,
    PatientOutline,
    indexed_files,
    patient_outlines,
)

LOGGER = logging.getLogger(__name__)


#: Rows of arrivals still in flight (committed, file not yet renamed) are not shown.
_VISIBLE = (
    "NOT EXISTS (SELECT 1 FROM pending_writes p WHERE p.path = instances.path AND p.staged != '')"
)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class CatalogInstance:
    """One stored instance as the catalog knows it (``header.path`` is absolute)."""

    header: InstanceHeader
    relative_path: str
    size: int
    content_hash: str
    source_ae: str
    calling_ip: str
    received_at: str
    removed_at: str | None

    @property
    def sop_instance_uid(self) -> str:
        return self.header.sop_instance_uid


@dataclass(frozen=True)
class InstanceRecord:
    """What :meth:`Catalog.record_instances` writes for one instance."""

    header: InstanceHeader
    relative_path: str
    size: int
    content_hash: str
    source_ae: str
    calling_ip: str
    received_at: str | None = None
    audit_event: str = "stored"
    audit_detail: str = ""


@dataclass(frozen=True)
class PlanRow:
    plan_uid: str
    patient_id: str
    plan_label: str
    plan_name: str
    approval_status: str
    source_ae: str
    complete: bool
    summary: str
    instance_count: int
    updated_at: str


class Catalog:
    """Index of stored instances under ``storage_root``; safe across threads and processes."""

    def __init__(
        self, db_path: Path, storage_root: Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS
    ) -> None:
        self.db_path = Path(db_path)
        self.storage_root = Path(storage_root)
        self._root = str(self.storage_root)
        self._db = Database(self.db_path, busy_timeout=busy_timeout)
        # Reads get their own connection: in WAL mode they never wait for a writer, but
        # sharing the writer's connection made every association's duplicate check wait
        # behind another association's commit (its fsync), so four senders went no
        # faster than one.
        try:
            self._reader = Database(self.db_path, busy_timeout=busy_timeout)
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        self._db.close()
        self._reader.close()

    def _query(self, sql: str, params: Iterable[object] = ()) -> list[sqlite3.Row]:
        return self._reader.query(sql, params)

    # -- writes -------------------------------------------------------------------------

    def add_pending(
        self, relative_path: str, sop_instance_uid: str, source_ae: str, ip: str
    ) -> None:
        """A pending write on its own (the earlier two-commit protocol; recovery still
        understands it)."""
        with self._db.transaction() as conn:
            self._pending(conn, relative_path, sop_instance_uid, source_ae, ip, "")

    @staticmethod
    def _pending(
        conn: sqlite3.Connection,
        relative_path: str,
        sop_instance_uid: str,
        source_ae: str,
        ip: str,
        staged: str,
    ) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO pending_writes "
            "(path, sop_instance_uid, source_ae, calling_ip, created_at, staged) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (relative_path, sop_instance_uid, source_ae, ip, utc_now(), staged),
        )

    def record_arrival(self, record: InstanceRecord, *, staged: str) -> None:
        """The one durable commit of a received instance, made before its rename.

        The row and a pending write naming ``staged`` (the staged file, relative to the
        storage root) go in one transaction, with the arrivals other threads hand in
        while the previous commit is on its way (:mod:`rtstation.database.group_commit`);
        it returns once that transaction is on disk. The row stays hidden until
        :meth:`finish_arrival`.
        """
        header = record.header

        def write(conn: sqlite3.Connection) -> None:
            self._insert(conn, record)
            self._pending(
                conn,
                record.relative_path,
                header.sop_instance_uid,
                record.source_ae,
                record.calling_ip,
                staged,
            )

        # arrivals of other associations meanwhile share the commit (one fsync for all)
        self._db.commit_together(write)

    def finish_arrival(self, relative_path: str) -> None:
        """The arrival's file is under its name, durably: show its row.

        Not waited for on disk (``durable=False``): if a power cut loses it, recovery finds
        the file complete by its hash and clears the pending write again.
        """
        with self._db.transaction(durable=False) as conn:
            conn.execute(
                "DELETE FROM pending_writes WHERE path = ? AND staged != ''", (relative_path,)
            )

    def undo_arrival(
        self, relative_path: str, sop_instance_uid: str, previous: InstanceRecord | None
    ) -> None:
        """The rename of an arrival failed: put the previous row back (or none), durably."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM instances WHERE sop_instance_uid = ?", (sop_instance_uid,))
            if previous is not None:
                self._insert(conn, previous)
            conn.execute("DELETE FROM pending_writes WHERE path = ?", (relative_path,))

    def record_instance(
        self,
        header: InstanceHeader,
        *,
        relative_path: str,
        size: int,
        content_hash: str,
        source_ae: str,
        calling_ip: str,
        received_at: str | None = None,
        audit_event: str = "stored",
        audit_detail: str = "",
    ) -> None:
        """Insert or replace an instance's row, clear its pending write, and audit it."""
        self.record_instances(
            [
                InstanceRecord(
                    header,
                    relative_path=relative_path,
                    size=size,
                    content_hash=content_hash,
                    source_ae=source_ae,
                    calling_ip=calling_ip,
                    received_at=received_at,
                    audit_event=audit_event,
                    audit_detail=audit_detail,
                )
            ]
        )

    def record_instances(
        self,
        records: Iterable[InstanceRecord],
        stamps: dict[str, tuple[int, int, int]] | None = None,
    ) -> None:
        """:meth:`record_instance` for many rows in one transaction (one commit, one fsync):
        ``reindex`` writes thousands of rows a second this way, with the ``stamps`` (size,
        mtime_ns, inode by relative path) of the files it read them from."""
        with self._db.transaction() as conn:
            for record in records:
                self._insert(conn, record)
                stamp = (stamps or {}).get(record.relative_path)
                if stamp is not None:
                    conn.execute(
                        "INSERT OR REPLACE INTO file_stamps VALUES (?, ?, ?, ?, ?)",
                        (record.relative_path, record.header.sop_instance_uid, *stamp),
                    )

    def _insert(self, conn: sqlite3.Connection, record: InstanceRecord) -> None:
        header = record.header
        stored_header = replace(header, path=record.relative_path)
        conn.execute(
            "INSERT OR REPLACE INTO instances VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
            (
                header.sop_instance_uid,
                header.sop_class_uid,
                header.modality,
                header.patient_id,
                header.patient_name,
                header.study_instance_uid,
                header.series_instance_uid,
                header.frame_of_reference_uid,
                header.plan_label,
                header.transfer_syntax_uid,
                record.relative_path,
                record.size,
                record.content_hash,
                record.source_ae,
                record.calling_ip,
                record.received_at or utc_now(),
                stored_header.to_json(),
            ),
        )
        conn.execute("DELETE FROM pending_writes WHERE path = ?", (record.relative_path,))
        self._audit(
            conn,
            record.audit_event,
            header.sop_instance_uid,
            source=record.source_ae,
            detail=record.audit_detail,
        )

    def clear_pending(self, relative_path: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM pending_writes WHERE path = ?", (relative_path,))

    def mark_removed(self, sop_instance_uids: Iterable[str], reason: str) -> None:
        """Files were deleted on purpose (delete_after_send); keep the record that they were."""
        now = utc_now()
        with self._db.transaction() as conn:
            for uid in sop_instance_uids:
                conn.execute(
                    "UPDATE instances SET removed_at = ? WHERE sop_instance_uid = ?", (now, uid)
                )
                self._audit(conn, "removed", uid, detail=reason)

    def delete_rows(self, sop_instance_uids: Iterable[str]) -> None:
        uids = [(u,) for u in sop_instance_uids]
        with self._db.transaction() as conn:
            conn.executemany("DELETE FROM instances WHERE sop_instance_uid = ?", uids)
            conn.executemany("DELETE FROM file_stamps WHERE sop_instance_uid = ?", uids)

    def audit(
        self,
        event: str,
        *,
        sop_instance_uid: str = "",
        plan_uid: str = "",
        node: str = "",
        source: str = "",
        detail: str = "",
    ) -> None:
        with self._db.transaction() as conn:
            self._audit(conn, event, sop_instance_uid, plan_uid, node, source, detail)

    def last_audit_detail(self, event: str, *, plan_uid: str, node: str) -> str | None:
        """The detail of the newest ``event`` audited for a plan and node, or None."""
        rows = self._query(
            "SELECT detail FROM audit WHERE event = ? AND plan_uid = ? AND node = ? "
            "ORDER BY id DESC LIMIT 1",
            (event, plan_uid, node),
        )
        return str(rows[0][0]) if rows else None

    @staticmethod
    def _audit(
        conn: sqlite3.Connection,
        event: str,
        sop_instance_uid: str = "",
        plan_uid: str = "",
        node: str = "",
        source: str = "",
        detail: str = "",
    ) -> None:
        conn.execute(
            "INSERT INTO audit (at, event, sop_instance_uid, plan_uid, node, source, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (utc_now(), event, sop_instance_uid, plan_uid, node, source, detail),
        )

    # -- reads --------------------------------------------------------------------------

    def _instance(self, row: sqlite3.Row) -> CatalogInstance:
        header = InstanceHeader.from_json(
            row["header_json"], path=os.path.join(self._root, row["path"])
        )
        return CatalogInstance(
            header=header,
            relative_path=row["path"],
            size=row["size"],
            content_hash=row["content_hash"],
            source_ae=row["source_ae"],
            calling_ip=row["calling_ip"],
            received_at=row["received_at"],
            removed_at=row["removed_at"],
        )

    def get(
        self, sop_instance_uid: str, *, include_in_flight: bool = False
    ) -> CatalogInstance | None:
        """The row of one instance; ``include_in_flight`` also returns an arrival whose
        rename has not finished (the ingestor's duplicate check, recovery)."""
        visible = "" if include_in_flight else f" AND {_VISIBLE}"
        rows = self._query(
            f"SELECT * FROM instances WHERE sop_instance_uid = ?{visible}", (sop_instance_uid,)
        )
        return self._instance(rows[0]) if rows else None

    def instances(
        self, patient_id: str | None = None, *, include_removed: bool = False
    ) -> list[CatalogInstance]:
        sql = f"SELECT * FROM instances WHERE {_VISIBLE}"
        params: list[object] = []
        if patient_id is not None:
            sql += " AND patient_id = ?"
            params.append(patient_id)
        if not include_removed:
            sql += " AND removed_at IS NULL"
        return [self._instance(r) for r in self._query(sql + " ORDER BY rowid", params)]

    def indexed_files(self) -> list[IndexedFile]:
        """Every row (removed too) with its file's stamp, no header decoded (reindex)."""
        return indexed_files(self._query, _VISIBLE)

    def patient_outlines(self) -> list[PatientOutline]:
        """Every patient with its plan rows, from two aggregate queries (the GUI's first
        look at a station of 100,000 instances, before any header is decoded)."""
        return patient_outlines(self._query, _VISIBLE)

    def count(self) -> int:
        return int(
            self._query(f"SELECT COUNT(*) FROM instances WHERE removed_at IS NULL AND {_VISIBLE}")[
                0
            ][0]
        )

    def patient_ids(self) -> list[str]:
        rows = self._query(
            f"SELECT DISTINCT patient_id FROM instances WHERE {_VISIBLE} ORDER BY patient_id"
        )
        return [r[0] for r in rows]

    def source_of(self, sop_instance_uid: str) -> str:
        rows = self._query(
            "SELECT source_ae FROM instances WHERE sop_instance_uid = ?", (sop_instance_uid,)
        )
        return rows[0][0] if rows else ""

    def tree(self, patient_id: str | None = None) -> RtTree:
        """The RT reference tree of what is stored (of one patient, or of everything)."""
        return build_tree(i.header for i in self.instances(patient_id))

    def pending_writes(self) -> list[sqlite3.Row]:
        return self._query("SELECT * FROM pending_writes")

    # -- plans --------------------------------------------------------------------------

    def refresh_plans(self, patient_id: str) -> list[PlanBundle]:
        """Recompute the plans of one patient from the reference tree; return the bundles."""
        tree = self.tree(patient_id)
        bundles = list(tree.plans)
        now = utc_now()
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM plans WHERE patient_id = ?", (patient_id,))
            for bundle in bundles:
                plan = bundle.plan
                conn.execute(
                    "INSERT OR REPLACE INTO plans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        bundle.uid,
                        patient_id,
                        plan.plan_label,
                        plan.plan_name,
                        plan.approval_status,
                        self.source_of(bundle.uid),
                        int(bundle.completeness.complete),
                        bundle.completeness.summary(),
                        len(bundle.instances()),
                        now,
                    ),
                )
        return bundles

    def plans(self, patient_id: str | None = None) -> list[PlanRow]:
        sql = "SELECT * FROM plans"
        params: tuple[object, ...] = ()
        if patient_id is not None:
            sql += " WHERE patient_id = ?"
            params = (patient_id,)
        rows = self._query(sql + " ORDER BY patient_id, plan_label", params)
        return [PlanRow(**{**dict(r), "complete": bool(r["complete"])}) for r in rows]

    def plan_bundle(self, plan_uid: str) -> PlanBundle | None:
        rows = self._query(
            "SELECT patient_id FROM instances WHERE sop_instance_uid = ?", (plan_uid,)
        )
        if not rows:
            return None
        return self.tree(rows[0][0]).plan(plan_uid)

    def stats(self) -> dict[str, int]:
        rows = self._query(
            "SELECT modality, COUNT(*) FROM instances WHERE removed_at IS NULL "
            f"AND {_VISIBLE} GROUP BY modality"
        )
        return {r[0]: r[1] for r in rows}
