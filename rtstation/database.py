"""The station database: one SQLite file, opened one way, with one schema history.

The catalog (instances, pending writes, plans, audit), the rules' plan decisions and the
send queue all live in ``catalog.sqlite``. Each of them keeps its own :class:`Database`
(its own connection, so a long read of the GUI never waits behind a receive), and every
connection is set up here the same way:

* **WAL** so readers never block the writer and a second process (a CLI ``send`` beside a
  running ``serve``) can work on the same file.
* **synchronous=FULL**: in WAL mode, NORMAL survives a killed process but may lose the
  last commits on power loss. A C-STORE is acknowledged after its catalog row commits, and
  a queued send must not vanish, so every commit waits for the WAL to reach the disk.
* **foreign_keys=ON** (the send queue's items reference their job).
* **One busy timeout** (:data:`BUSY_TIMEOUT_SECONDS`, adjustable per database): how long a
  writer waits for another connection's write lock before it gives up.
* **BEGIN IMMEDIATE** in :meth:`Database.transaction`: the write lock is taken up front,
  so a read followed by a write (claim a job, check a duplicate) cannot be overtaken by
  another process in between, and a busy database fails at the start, not half way.

The schema has exactly one history: :data:`MIGRATIONS`, applied in order and counted in
``PRAGMA user_version``. A database written by a newer rtstation is refused rather than
guessed at. Databases written before ``user_version`` was used (version 0, with a
``meta`` table, a ``send_queue_schema`` table, maybe without ``plan_decisions.plan_hash``)
are adopted by the first migration.

SQLite errors that mean "not now" (locked, disk I/O error, disk full, cannot open) become
:class:`DatabaseError`, a :class:`StorageError`, so the receiver answers 0xA700 (out of
resources: the sender tries again) and callers show one sentence instead of a traceback.
Errors that mean a bug (an SQL mistake, a constraint) stay as they are.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rtstation.errors import DatabaseError

LOGGER = logging.getLogger(__name__)

#: How long a connection waits for another one's write lock. Transactions here are short
#: (one instance, one job); ten seconds of waiting means something is wrong, and a sender
#: told "out of resources" then is better off retrying than keeping its association open.
BUSY_TIMEOUT_SECONDS = 10.0


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
        if _has_table(conn, name):
            legacy = conn.execute(sql).fetchone()[0]
            if legacy is not None and legacy > _LEGACY_VERSION:
                raise _newer_schema(_database_path(conn), f"{name} {legacy}")
    for statement in _VERSION_1_TABLES:
        conn.execute(statement)
    if "plan_hash" not in _columns(conn, "plan_decisions"):
        conn.execute("ALTER TABLE plan_decisions ADD COLUMN plan_hash TEXT NOT NULL DEFAULT ''")
    conn.execute("DROP TABLE IF EXISTS meta")
    conn.execute("DROP TABLE IF EXISTS send_queue_schema")


def _version_2(conn: sqlite3.Connection) -> None:
    """A pending write names the staged file it will be renamed from.

    A received instance is committed once, before its rename (row and pending write
    together); the staged file's name (``.incoming/<pid>/...``) lets recovery finish the
    rename of a dead process and leave a live process's store alone. Empty for rows
    written the earlier way (pending write first, row after the rename).
    """
    if "staged" not in _columns(conn, "pending_writes"):
        conn.execute("ALTER TABLE pending_writes ADD COLUMN staged TEXT NOT NULL DEFAULT ''")


#: The schema history, oldest first; ``user_version`` is the version of the last one applied.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "instances, pending writes, plans, audit, plan decisions and the send queue",
        _version_1,
    ),
    Migration(2, "pending writes name their staged file", _version_2),
)

#: The schema version this rtstation writes and understands.
SCHEMA_VERSION = MIGRATIONS[-1].version


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _database_path(conn: sqlite3.Connection) -> str:
    row = conn.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row is not None else ""


def _newer_schema(path: str | Path, version: object) -> DatabaseError:
    return DatabaseError(
        f"Station database '{path}' has schema version '{version}', newer than version "
        f"{SCHEMA_VERSION} that this rtstation understands: run the rtstation that wrote it "
        "(or a newer one)",
        transient=False,
    )


def schema_version(conn: sqlite3.Connection) -> int:
    """The ``user_version`` of an open database: how many migrations it has had."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


# --- errors -----------------------------------------------------------------------------

# SQLite primary result codes (the low byte of the extended code).
_BUSY, _LOCKED, _NOMEM, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _PROTOCOL, _NOTADB = (
    5, 6, 7, 8, 10, 11, 13, 14, 15, 26,
)  # fmt: skip

# (what happened, what to do) per primary code; ``transient`` says whether the same
# operation may succeed later without anyone repairing the file.
_EXPLAINED: dict[int, tuple[str, str, bool]] = {
    _BUSY: ("is locked by another connection", "the operation can be tried again", True),
    _LOCKED: ("is locked by another connection", "the operation can be tried again", True),
    _PROTOCOL: ("is locked by another connection", "the operation can be tried again", True),
    _NOMEM: ("cannot be used: out of memory", "close other programs and try again", True),
    _READONLY: ("is read-only", "make the data folder writable", True),
    _IOERR: ("could not be read or written (disk I/O error)", "check the disk", True),
    _FULL: ("cannot grow: the disk is full", "free space on the data folder's disk", True),
    _CANTOPEN: ("cannot be opened", "check that the data folder exists and is writable", True),
    _CORRUPT: (
        "is damaged",
        "move it aside and run 'rtstation reindex' to rebuild the catalog",
        False,
    ),
    _NOTADB: (
        "is not an SQLite database",
        "move it aside and run 'rtstation reindex' to rebuild the catalog",
        False,
    ),
}

# Python before 3.11 gives only the message; these are SQLite's own texts for the codes.
_CODE_BY_MESSAGE = {
    "database is locked": _BUSY,
    "database table is locked": _LOCKED,
    "disk i/o error": _IOERR,
    "database or disk is full": _FULL,
    "unable to open database file": _CANTOPEN,
    "attempt to write a readonly database": _READONLY,
    "database disk image is malformed": _CORRUPT,
    "file is not a database": _NOTADB,
    "out of memory": _NOMEM,
}


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF
    return _CODE_BY_MESSAGE.get(str(exc).strip().lower())


def database_error(
    exc: sqlite3.Error, path: str | Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS
) -> DatabaseError | None:
    """The :class:`DatabaseError` an SQLite error stands for, or None when it is a bug.

    Locks, I/O errors, a full disk and the like are conditions of the machine; an SQL
    mistake or a broken constraint is a defect of rtstation and keeps its traceback.
    """
    code = _primary_code(exc)
    if code not in _EXPLAINED:
        return None
    what, remedy, transient = _EXPLAINED[code]
    if code in (_BUSY, _LOCKED, _PROTOCOL):
        what += f" for longer than {busy_timeout:g} s"
    return DatabaseError(
        f"Station database '{path}' {what} ('{exc}'); {remedy}",
        transient=transient,
        disk_full=code == _FULL,
    )


@contextmanager
def mapped_errors(path: str | Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Iterator[None]:
    """Raise :class:`DatabaseError` for SQLite errors of the machine (see database_error)."""
    try:
        yield
    except sqlite3.Error as exc:
        mapped = database_error(exc, path, busy_timeout)
        if mapped is None:
            raise
        raise mapped from exc


# --- connections ------------------------------------------------------------------------


def connect(path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> sqlite3.Connection:
    """A connection set up as described in the module docstring, schema not yet checked.

    Autocommit mode (``isolation_level=None``): nothing is ever left open by the sqlite3
    module itself; writes go through :meth:`Database.transaction`.
    """
    path = Path(path)
    with mapped_errors(path, busy_timeout):
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
    return conn


def migrate(conn: sqlite3.Connection, path: str | Path) -> int:
    """Bring the database to :data:`SCHEMA_VERSION`; return the version it had before.

    Runs in one IMMEDIATE transaction, so two processes opening an old database at once
    migrate it once, and a failed step leaves it as it was. A newer database raises.
    """
    found = schema_version(conn)
    if found == SCHEMA_VERSION:
        return found
    if found > SCHEMA_VERSION:
        raise _newer_schema(path, found)
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = schema_version(conn)  # another process may have migrated meanwhile
        if found > SCHEMA_VERSION:
            raise _newer_schema(path, found)
        for migration in MIGRATIONS:
            if migration.version > found:
                migration.apply(conn)
                LOGGER.info(
                    "Station database %s: schema version %d (%s)",
                    path,
                    migration.version,
                    migration.summary,
                )
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return found


class Database:
    """One connection to the station database, shared by the threads of one component.

    A lock serialises the connection between threads (SQLite connections are not safe to
    use from two threads at once); other components and other processes have their own
    connections and meet in SQLite's file locks, waited for up to ``busy_timeout`` seconds.
    """

    def __init__(self, path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._conn = connect(self.path, busy_timeout=busy_timeout)
        try:
            with mapped_errors(self.path, busy_timeout):
                migrate(self._conn, self.path)
        except BaseException:
            self._conn.close()
            raise

    def close(self) -> None:
        """Close the connection; the object must not be used afterwards."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` .. ``COMMIT``: one writer at a time, all or nothing.

        Anything raised inside rolls the transaction back and propagates (SQLite errors of
        the machine as :class:`DatabaseError`).

        ``durable=False`` commits without waiting for the disk (``synchronous=OFF`` for
        this one transaction): it survives a killed process at once and a power cut from
        the next durable commit on (WAL frames reach the disk in order). Only for writes
        whose loss costs nothing but a check at the next start (clearing a pending write).
        """
        with self._lock, mapped_errors(self.path, self.busy_timeout):
            conn = self._conn
            if not durable:
                conn.execute("PRAGMA synchronous = OFF")
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    # Some errors (disk full, I/O) end the transaction by themselves.
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            finally:
                if not durable:
                    conn.execute("PRAGMA synchronous = FULL")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for several reads in a row (each sees committed data only)."""
        with self._lock, mapped_errors(self.path, self.busy_timeout):
            yield self._conn

    def query(self, sql: str, params: Iterable[object] = ()) -> list[sqlite3.Row]:
        """All rows of one SELECT."""
        with self.reading() as conn:
            return conn.execute(sql, tuple(params)).fetchall()

    def query_one(self, sql: str, params: Iterable[object] = ()) -> sqlite3.Row | None:
        """The first row of one SELECT, or None."""
        with self.reading() as conn:
            return conn.execute(sql, tuple(params)).fetchone()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
