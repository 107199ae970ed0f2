"""The catalog: an SQLite index of every stored instance, the plans, and an audit trail.

The catalog is an index, never the only copy of anything: ``reindex`` rebuilds it from
the storage folder. It runs in WAL mode with ``synchronous=FULL`` because a C-STORE is
acknowledged only after its row is committed. Several threads (receiver associations,
imports, send workers) and several processes (``serve`` and a CLI ``send``) share it;
one connection per object guarded by a lock, plus SQLite's busy timeout between processes.

A crash between a file's rename and its catalog row is healed at startup: the path is
recorded in ``pending_writes`` before the rename, and :meth:`Catalog.heal` finishes any
that are left.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from rtstation.dicom.headers import InstanceHeader
from rtstation.dicom.rt_tree import PlanBundle, RtTree, build_tree

LOGGER = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS instances (
    sop_instance_uid TEXT PRIMARY KEY,
    sop_class_uid TEXT NOT NULL,
    modality TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    patient_name TEXT NOT NULL,
    study_instance_uid TEXT NOT NULL,
    series_instance_uid TEXT NOT NULL,
    frame_of_reference_uid TEXT NOT NULL,
    plan_label TEXT NOT NULL,
    transfer_syntax_uid TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    source_ae TEXT NOT NULL,
    calling_ip TEXT NOT NULL,
    received_at TEXT NOT NULL,
    removed_at TEXT,
    header_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_patient ON instances (patient_id);
CREATE TABLE IF NOT EXISTS pending_writes (
    path TEXT PRIMARY KEY,
    sop_instance_uid TEXT NOT NULL,
    source_ae TEXT NOT NULL,
    calling_ip TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plans (
    plan_uid TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    plan_label TEXT NOT NULL,
    plan_name TEXT NOT NULL,
    approval_status TEXT NOT NULL,
    source_ae TEXT NOT NULL,
    complete INTEGER NOT NULL,
    summary TEXT NOT NULL,
    instance_count INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    sop_instance_uid TEXT NOT NULL DEFAULT '',
    plan_uid TEXT NOT NULL DEFAULT '',
    node TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_plan ON audit (plan_uid);
"""


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


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


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    event: str
    sop_instance_uid: str
    plan_uid: str
    node: str
    source: str
    detail: str


def connect(db_path: Path) -> sqlite3.Connection:
    """A connection configured the way every rtstation table expects."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class Catalog:
    """Index of stored instances under ``storage_root``; safe across threads and processes."""

    def __init__(self, db_path: Path, storage_root: Path) -> None:
        self.db_path = Path(db_path)
        self.storage_root = Path(storage_root)
        self._lock = threading.RLock()
        self._conn = connect(self.db_path)
        self._conn.executescript(_SCHEMA)
        self._conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` .. ``COMMIT``: one writer at a time, all or nothing."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _query(self, sql: str, params: Iterable[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cursor = self._conn.execute(sql, tuple(params))
            cursor.row_factory = sqlite3.Row
            return cursor.fetchall()

    # -- writes -------------------------------------------------------------------------

    def add_pending(
        self, relative_path: str, sop_instance_uid: str, source_ae: str, ip: str
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO pending_writes VALUES (?, ?, ?, ?, ?)",
                (relative_path, sop_instance_uid, source_ae, ip, utc_now()),
            )

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
        stored_header = replace(header, path=relative_path)
        with self.transaction() as conn:
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
                    relative_path,
                    size,
                    content_hash,
                    source_ae,
                    calling_ip,
                    received_at or utc_now(),
                    stored_header.to_json(),
                ),
            )
            conn.execute("DELETE FROM pending_writes WHERE path = ?", (relative_path,))
            self._audit(
                conn, audit_event, header.sop_instance_uid, source=source_ae, detail=audit_detail
            )

    def clear_pending(self, relative_path: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM pending_writes WHERE path = ?", (relative_path,))

    def mark_removed(self, sop_instance_uids: Iterable[str], reason: str) -> None:
        """Files were deleted on purpose (delete_after_send); keep the record that they were."""
        now = utc_now()
        with self.transaction() as conn:
            for uid in sop_instance_uids:
                conn.execute(
                    "UPDATE instances SET removed_at = ? WHERE sop_instance_uid = ?", (now, uid)
                )
                self._audit(conn, "removed", uid, detail=reason)

    def delete_rows(self, sop_instance_uids: Iterable[str]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "DELETE FROM instances WHERE sop_instance_uid = ?",
                [(u,) for u in sop_instance_uids],
            )

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
        with self.transaction() as conn:
            self._audit(conn, event, sop_instance_uid, plan_uid, node, source, detail)

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
        header = InstanceHeader.from_json(row["header_json"])
        header = replace(header, path=str(self.storage_root / row["path"]))
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

    def get(self, sop_instance_uid: str) -> CatalogInstance | None:
        rows = self._query(
            "SELECT * FROM instances WHERE sop_instance_uid = ?", (sop_instance_uid,)
        )
        return self._instance(rows[0]) if rows else None

    def instances(
        self, patient_id: str | None = None, *, include_removed: bool = False
    ) -> list[CatalogInstance]:
        sql = "SELECT * FROM instances WHERE 1=1"
        params: list[object] = []
        if patient_id is not None:
            sql += " AND patient_id = ?"
            params.append(patient_id)
        if not include_removed:
            sql += " AND removed_at IS NULL"
        return [self._instance(r) for r in self._query(sql + " ORDER BY rowid", params)]

    def count(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM instances WHERE removed_at IS NULL")[0][0])

    def patient_ids(self) -> list[str]:
        rows = self._query("SELECT DISTINCT patient_id FROM instances ORDER BY patient_id")
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

    def audit_rows(
        self, *, plan_uid: str | None = None, event: str | None = None, limit: int = 1000
    ) -> list[AuditRow]:
        sql = "SELECT * FROM audit WHERE 1=1"
        params: list[object] = []
        if plan_uid is not None:
            sql += " AND plan_uid = ?"
            params.append(plan_uid)
        if event is not None:
            sql += " AND event = ?"
            params.append(event)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return [AuditRow(**dict(r)) for r in self._query(sql, params)]

    # -- plans --------------------------------------------------------------------------

    def refresh_plans(self, patient_id: str) -> list[PlanBundle]:
        """Recompute the plans of one patient from the reference tree; return the bundles."""
        tree = self.tree(patient_id)
        bundles = list(tree.plans)
        now = utc_now()
        with self.transaction() as conn:
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
            "SELECT modality, COUNT(*) FROM instances WHERE removed_at IS NULL GROUP BY modality"
        )
        return {r[0]: r[1] for r in rows}
