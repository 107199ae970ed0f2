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

The schema has exactly one history: :data:`MIGRATIONS` (:mod:`rtstation.database.schema`),
applied in order and counted in ``PRAGMA user_version``. A database written by a newer
rtstation is refused rather than guessed at. Databases written before ``user_version`` was
used (version 0, with a ``meta`` table, a ``send_queue_schema`` table, maybe without
``plan_decisions.plan_hash``) are adopted by the first migration.

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
from pathlib import Path

from rtstation.database.group_commit import GroupCommit
from rtstation.database.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    newer_schema,
)
from rtstation.errors import DatabaseError

LOGGER = logging.getLogger(__name__)

#: How long a connection waits for another one's write lock. Transactions here are short
#: (one instance, one job); ten seconds of waiting means something is wrong, and a sender
#: told "out of resources" then is better off retrying than keeping its association open.
BUSY_TIMEOUT_SECONDS = 10.0

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Database",
    "Migration",
    "connect",
    "database_error",
    "mapped_errors",
    "migrate",
    "schema_version",
]


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


def connect(
    path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS, durable: bool = True
) -> sqlite3.Connection:
    """A connection set up as described in the module docstring, schema not yet checked.

    Autocommit mode (``isolation_level=None``): nothing is ever left open by the sqlite3
    module itself; writes go through :meth:`Database.transaction`. ``durable=False``
    (``synchronous=NORMAL``) is for data that can be computed again (plan metrics): its
    commits do not wait for the disk, so they hold the write lock for less time; a power
    cut may lose the last of them, never another connection's (each FULL commit syncs the
    shared WAL, earlier frames included).
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
            conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
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
        raise newer_schema(path, found)
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = schema_version(conn)  # another process may have migrated meanwhile
        if found > SCHEMA_VERSION:
            raise newer_schema(path, found)
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

    def __init__(
        self, path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS, durable: bool = True
    ) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._conn = connect(self.path, busy_timeout=busy_timeout, durable=durable)
        try:
            with mapped_errors(self.path, busy_timeout):
                migrate(self._conn, self.path)
        except BaseException:
            self._conn.close()
            raise
        self._group = GroupCommit(self.transaction)

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

    def commit_together(self, write: Callable[[sqlite3.Connection], None]) -> None:
        """Run ``write(conn)`` in a durable transaction shared with the writes other threads
        hand in meanwhile (:mod:`rtstation.database.group_commit`): returns once it is on
        disk, raises what it raised (alone rolled back) or what failed the transaction."""
        with mapped_errors(self.path, self.busy_timeout):
            self._group.run(write)

    @property
    def group_commits(self) -> int:
        """Transactions :meth:`commit_together` has committed so far."""
        return self._group.commits

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for several reads in a row (each sees committed data only)."""
        with self._lock, mapped_errors(self.path, self.busy_timeout):
            yield self._conn

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version``: changes whenever *another* connection (of this
        process or another) committed, never for this connection's own commits. Costs no
        disk read; a waiting worker polls it to hear of a job a CLI process queued."""
        with self.reading() as conn:
            return int(conn.execute("PRAGMA data_version").fetchone()[0])

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
