"""The station database's schema history: every table, as one ordered list of migrations.

A change of schema is a new :class:`Migration` at the end of :data:`MIGRATIONS`; a released
one never changes, so every database, whatever release wrote it, reaches today's schema by
one path. :func:`rtstation.database.migrate` applies them and counts them in
``PRAGMA user_version``.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rtstation.errors import DatabaseError

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """One step of the schema history: ``apply`` turns version ``version - 1`` into it."""

    version: int
    summary: str
    apply: Callable[[sqlite3.Connection], None]


# --- the schema history -----------------------------------------------------------------
#
# A migration, once released, never changes: a new column or table is a new migration at the
# end of MIGRATIONS. The DDL is spelled out (not built from constants elsewhere) for that
# reason.

_VERSION_1_TABLES = (
    # the catalog: what is stored, and where
    """CREATE TABLE IF NOT EXISTS instances (
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
    )""",
    "CREATE INDEX IF NOT EXISTS instances_patient ON instances (patient_id)",
    """CREATE TABLE IF NOT EXISTS pending_writes (
        path TEXT PRIMARY KEY,
        sop_instance_uid TEXT NOT NULL,
        source_ae TEXT NOT NULL,
        calling_ip TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS plans (
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
    )""",
    """CREATE TABLE IF NOT EXISTS audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        event TEXT NOT NULL,
        sop_instance_uid TEXT NOT NULL DEFAULT '',
        plan_uid TEXT NOT NULL DEFAULT '',
        node TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS audit_plan ON audit (plan_uid)",
    # what the rules decided for each received plan
    """CREATE TABLE IF NOT EXISTS plan_decisions (
        plan_uid TEXT PRIMARY KEY,
        patient_id TEXT NOT NULL,
        source_ae TEXT NOT NULL,
        state TEXT NOT NULL,
        nodes TEXT NOT NULL DEFAULT '[]',
        waiting TEXT NOT NULL DEFAULT '',
        explanation TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        decided_at TEXT,
        plan_hash TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS plan_decisions_state ON plan_decisions (state)",
    # the send queue
    """CREATE TABLE IF NOT EXISTS jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        node TEXT NOT NULL,
        plan_uid TEXT NOT NULL DEFAULT '',
        plan_label TEXT NOT NULL DEFAULT '',
        patient_id TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT 'manual',
        state TEXT NOT NULL CHECK (state IN
            ('queued', 'in_flight', 'retrying', 'done', 'failed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL DEFAULT 8,
        next_attempt_at REAL NOT NULL,
        last_error TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        finished_at REAL,
        lease_owner TEXT NOT NULL DEFAULT '',
        lease_until REAL NOT NULL DEFAULT 0,
        forced INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS jobs_by_node_state ON jobs (node, state, id)",
    "CREATE INDEX IF NOT EXISTS jobs_by_plan ON jobs (plan_uid, node, id)",
    """CREATE TABLE IF NOT EXISTS job_items (
        job_id INTEGER NOT NULL REFERENCES jobs (id),
        seq INTEGER NOT NULL,
        sop_instance_uid TEXT NOT NULL,
        sop_class_uid TEXT NOT NULL,
        transfer_syntax_uid TEXT NOT NULL DEFAULT '',
        path TEXT NOT NULL,
        size INTEGER NOT NULL DEFAULT 0,
        content_hash TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
        status INTEGER,
        reason TEXT NOT NULL DEFAULT '',
        sent_at REAL,
        PRIMARY KEY (job_id, seq)
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS job_items_by_uid ON job_items (job_id, sop_instance_uid)",
    """CREATE TABLE IF NOT EXISTS job_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id INTEGER NOT NULL REFERENCES jobs (id),
        at REAL NOT NULL,
        state TEXT NOT NULL,
        message TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS job_events_by_job ON job_events (job_id, id)",
    """CREATE TABLE IF NOT EXISTS deliveries (
        node TEXT NOT NULL,
        sop_instance_uid TEXT NOT NULL,
        content_hash TEXT NOT NULL DEFAULT '',
        delivered_at REAL NOT NULL,
        job_id INTEGER,
        PRIMARY KEY (node, sop_instance_uid, content_hash)
    )""",
    """CREATE TABLE IF NOT EXISTS node_state (
        node TEXT PRIMARY KEY,
        paused INTEGER NOT NULL DEFAULT 0,
        updated_at REAL NOT NULL
    )""",
)

# What the old version records (meta.schema_version, send_queue_schema.version) always held.
_LEGACY_VERSION = 1


def _version_1(conn: sqlite3.Connection) -> None:
    """Every table of the first release, and adoption of databases made before it counted.

    Such a database (``user_version`` 0) already has some or all of these tables, so they
    are created only where missing; ``plan_decisions`` may lack ``plan_hash`` (catalogs
    from before that column); the catalog's ``meta`` table and the queue's
    ``send_queue_schema`` table kept a version of their own, which ``user_version`` now
    holds instead.
    """
    for name, sql in (
        ("meta", "SELECT MAX(CAST(value AS INTEGER)) FROM meta WHERE key = 'schema_version'"),
        ("send_queue_schema", "SELECT MAX(version) FROM send_queue_schema"),
    ):
        if has_table(conn, name):
            legacy = conn.execute(sql).fetchone()[0]
            if legacy is not None and legacy > _LEGACY_VERSION:
                raise newer_schema(database_path(conn), f"{name} {legacy}")
    for statement in _VERSION_1_TABLES:
        conn.execute(statement)
    if "plan_hash" not in _columns(conn, "plan_decisions"):
        conn.execute("ALTER TABLE plan_decisions ADD COLUMN plan_hash TEXT NOT NULL DEFAULT ''")
    conn.execute("DROP TABLE IF EXISTS meta")
    conn.execute("DROP TABLE IF EXISTS send_queue_schema")


def _version_2(conn: sqlite3.Connection) -> None:
    """``jobs.follow_up``: a job that carries only instances which came after its plan.

    Such a job may only go where the plan's own job was delivered (issue: a cancelled plan
    went out whole as a "late arrival"), so the queue must know which jobs are follow-ups.
    Jobs queued before this version were follow-ups when a rule queued them as late
    arrivals, the one source that made them.
    """
    conn.execute("ALTER TABLE jobs ADD COLUMN follow_up INTEGER NOT NULL DEFAULT 0")
    conn.execute("UPDATE jobs SET follow_up = 1 WHERE source = 'rule: late arrival'")


def _version_3(conn: sqlite3.Connection) -> None:
    """Job start and clear times, rule verdicts as reason codes, the journal of deletes."""
    conn.execute("ALTER TABLE jobs ADD COLUMN started_at REAL")
    conn.execute("ALTER TABLE jobs ADD COLUMN cleared_at REAL")
    conn.execute("ALTER TABLE plan_decisions ADD COLUMN verdicts TEXT NOT NULL DEFAULT ''")
    conn.execute(
        "CREATE TABLE pending_deletes (sop_instance_uid TEXT PRIMARY KEY, path TEXT NOT NULL, "
        "reason TEXT NOT NULL, requested_at TEXT NOT NULL)"
    )


_VERSION_4_TABLES = (
    # plan metrics and DVH, computed from the plan, structure set and dose named here
    """CREATE TABLE IF NOT EXISTS plan_metrics (
        plan_uid TEXT PRIMARY KEY,
        patient_id TEXT NOT NULL,
        plan_label TEXT NOT NULL,
        plan_hash TEXT NOT NULL,
        structure_set_uid TEXT NOT NULL DEFAULT '',
        structure_set_hash TEXT NOT NULL DEFAULT '',
        dose_uids TEXT NOT NULL DEFAULT '[]',
        dose_hashes TEXT NOT NULL DEFAULT '[]',
        source_key TEXT NOT NULL,
        plans_updated_at TEXT NOT NULL DEFAULT '',
        computed_at TEXT NOT NULL,
        plan_json TEXT NOT NULL,
        dose_json TEXT,
        structures_json TEXT NOT NULL,
        rois_json TEXT NOT NULL,
        notes_json TEXT NOT NULL,
        curves BLOB NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS plan_metrics_patient ON plan_metrics (patient_id)",
)


def _version_4(conn: sqlite3.Connection) -> None:
    """The plan metrics table (issue 16): one row per plan, what it was computed from."""
    for statement in _VERSION_4_TABLES:
        conn.execute(statement)


def _version_5(conn: sqlite3.Connection) -> None:
    """A pending write names the staged file it will be renamed from.

    A received instance is committed once, before its rename (row and pending write
    together); the staged file's name (``.incoming/<pid>/...``) lets recovery finish the
    rename of a dead process and leave a live process's store alone. Empty for rows
    written the earlier way (pending write first, row after the rename).
    """
    if "staged" not in _columns(conn, "pending_writes"):
        conn.execute("ALTER TABLE pending_writes ADD COLUMN staged TEXT NOT NULL DEFAULT ''")


def _version_6(conn: sqlite3.Connection) -> None:
    """What ``reindex`` saw of each file (size, mtime_ns, inode) when it last read it.

    A warm reindex reads only files whose stamp differs (new, rewritten, replaced), so a
    station of 100,000 files is checked in seconds, not read again header by header. A file
    without a stamp (received or imported since) is simply read once more.
    """
    conn.execute(
        """CREATE TABLE IF NOT EXISTS file_stamps (
            path TEXT PRIMARY KEY,
            sop_instance_uid TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            inode INTEGER NOT NULL
        )"""
    )


#: The schema history, oldest first; ``user_version`` is the version of the last one applied.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "instances, pending writes, plans, audit, plan decisions and the send queue",
        _version_1,
    ),
    Migration(2, "follow-up jobs marked as such", _version_2),
    Migration(3, "job start and clear times, structured rule verdicts, delete journal", _version_3),
    Migration(4, "plan metrics and DVH curves", _version_4),
    Migration(5, "pending writes name their staged file", _version_5),
    Migration(6, "reindex's file stamps", _version_6),
)
#: The schema version this rtstation writes and understands.
SCHEMA_VERSION = MIGRATIONS[-1].version


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def database_path(conn: sqlite3.Connection) -> str:
    row = conn.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row is not None else ""


def newer_schema(path: str | Path, version: object) -> DatabaseError:
    return DatabaseError(
        f"Station database '{path}' has schema version '{version}', newer than version "
        f"{SCHEMA_VERSION} that this rtstation understands: run the rtstation that wrote it "
        "(or a newer one)",
        transient=False,
    )
