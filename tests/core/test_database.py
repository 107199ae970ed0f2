"""The station database: connection setup, schema history, transactions and error mapping.

Why it matters: the catalog, the plan decisions and the send queue share one SQLite file.
A database written by the previous release must open with all its rows, a newer one must be
refused rather than damaged, and a locked or full database must become a sentence (and a
0xA700 for the sender), not a traceback.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from rtstation import database
from rtstation.database import (
    BUSY_TIMEOUT_SECONDS,
    SCHEMA_VERSION,
    Database,
    Migration,
    database_error,
)
from rtstation.dicom.headers import read_header
from rtstation.errors import DatabaseError, StorageError
from rtstation.routing.send_queue import QueueItem, SendQueue
from rtstation.storage.catalog import Catalog
from rtstation.storage.decisions import FORWARDED, PENDING, DecisionStore
from tests.data.generator import StudySpec, write_study

# --- the schema as the release before user_version wrote it (copied as data) ---------------

LEGACY_CATALOG_DDL = """
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
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');
"""

# decisions.py before plan_hash existed; the release after added it with ALTER TABLE.
LEGACY_DECISIONS_DDL_WITHOUT_HASH = """
CREATE TABLE IF NOT EXISTS plan_decisions (
    plan_uid TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    source_ae TEXT NOT NULL,
    state TEXT NOT NULL,             -- pending, forwarded, not-forwarded
    nodes TEXT NOT NULL DEFAULT '[]',
    waiting TEXT NOT NULL DEFAULT '',
    explanation TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    decided_at TEXT
);
CREATE INDEX IF NOT EXISTS plan_decisions_state ON plan_decisions (state);
"""

LEGACY_ADD_PLAN_HASH = "ALTER TABLE plan_decisions ADD COLUMN plan_hash TEXT NOT NULL DEFAULT ''"

LEGACY_QUEUE_DDL = """
CREATE TABLE IF NOT EXISTS send_queue_schema (
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    node TEXT NOT NULL,
    plan_uid TEXT NOT NULL DEFAULT '',
    plan_label TEXT NOT NULL DEFAULT '',
    patient_id TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT 'manual',
    state TEXT NOT NULL CHECK (state IN ('queued', 'in_flight', 'retrying', 'done', 'failed',
        'cancelled')),
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
);
CREATE INDEX IF NOT EXISTS jobs_by_node_state ON jobs (node, state, id);
CREATE INDEX IF NOT EXISTS jobs_by_plan ON jobs (plan_uid, node, id);
CREATE TABLE IF NOT EXISTS job_items (
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
);
CREATE UNIQUE INDEX IF NOT EXISTS job_items_by_uid ON job_items (job_id, sop_instance_uid);
CREATE TABLE IF NOT EXISTS job_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs (id),
    at REAL NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS job_events_by_job ON job_events (job_id, id);
CREATE TABLE IF NOT EXISTS deliveries (
    node TEXT NOT NULL,
    sop_instance_uid TEXT NOT NULL,
    content_hash TEXT NOT NULL DEFAULT '',
    delivered_at REAL NOT NULL,
    job_id INTEGER,
    PRIMARY KEY (node, sop_instance_uid, content_hash)
);
CREATE TABLE IF NOT EXISTS node_state (
    node TEXT PRIMARY KEY,
    paused INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL
);
INSERT INTO send_queue_schema (version) VALUES (1);
"""

# Rows as the previous release wrote them (header_json in its InstanceHeader format).
LEGACY_ROWS = """
INSERT INTO instances VALUES ('1.2.3.4', '1.2.840.10008.5.1.4.1.1.481.5', 'RTPLAN', 'PAT1',
    'Doe^Jane', '1.2.3', '1.2.3.1', '1.2.3.9', 'ADP1', '1.2.840.10008.1.2.1',
    'PAT1/1.2.3/RTPLAN_1.2.3.1/1.2.3.4.dcm', 1234, 'abc', 'ECLIPSE', '10.0.0.7',
    '2026-11-30T08:00:00.000+00:00', NULL, :header_json);
INSERT INTO pending_writes VALUES ('PAT1/x.dcm', '1.2.3.5', 'ECLIPSE', '10.0.0.7',
    '2026-11-30T08:00:01.000+00:00');
INSERT INTO plans VALUES ('1.2.3.4', 'PAT1', 'ADP1', 'Plan', 'APPROVED', 'ECLIPSE', 1, 'RP',
    1, '2026-11-30T08:00:02.000+00:00');
INSERT INTO audit (at, event, sop_instance_uid, source) VALUES
    ('2026-11-30T08:00:00.000+00:00', 'stored', '1.2.3.4', 'ECLIPSE');
INSERT INTO plan_decisions (plan_uid, patient_id, source_ae, state, created_at) VALUES
    ('1.2.3.4', 'PAT1', 'ECLIPSE', 'pending', '2026-11-30T08:00:00.000+00:00');
INSERT INTO jobs (node, plan_uid, state, next_attempt_at, created_at, updated_at) VALUES
    ('ARIA', '1.2.3.4', 'queued', 100.0, 100.0, 100.0);
INSERT INTO job_items (job_id, seq, sop_instance_uid, sop_class_uid, path, state) VALUES
    (1, 1, '1.2.3.4', '1.2.840.10008.5.1.4.1.1.481.5', '/s/plan.dcm', 'pending');
INSERT INTO job_events (job_id, at, state, message) VALUES (1, 100.0, 'queued', 'queued 1');
INSERT INTO deliveries VALUES ('TPS', '1.2.3.1', 'h', 99.0, NULL);
INSERT INTO node_state VALUES ('ARIA', 0, 100.0);
"""


def _header_json(tmp_path: Path) -> str:
    study = write_study(tmp_path / "study", StudySpec(slices=1, rows=4, columns=4))
    return read_header(study.plan_paths[0]).to_json()


def build_legacy_database(
    path: Path, *, plan_hash: bool, header_json: str, rows: bool = True
) -> None:
    """A catalog.sqlite exactly as the station before user_version left it."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(LEGACY_CATALOG_DDL)
    conn.executescript(LEGACY_DECISIONS_DDL_WITHOUT_HASH)
    if plan_hash:
        conn.execute(LEGACY_ADD_PLAN_HASH)
    conn.executescript(LEGACY_QUEUE_DDL)
    if rows:
        for statement in LEGACY_ROWS.split(";"):
            if statement.strip():
                conn.execute(statement, {"header_json": header_json})
    conn.commit()
    conn.close()


def structure(path: Path) -> dict[str, object]:
    """Tables with their columns and indexes with their columns: what a schema *is*."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        shape: dict[str, object] = {}
        for table in tables:
            shape[table] = [tuple(r[1:]) for r in conn.execute(f"PRAGMA table_info({table})")]
            for index in conn.execute(f"PRAGMA index_list({table})").fetchall():
                name = index[1]
                columns = [r[2] for r in conn.execute(f"PRAGMA index_info({name})")]
                shape[f"{table}.{name}"] = (bool(index[2]), columns)
        shape["user_version"] = conn.execute("PRAGMA user_version").fetchone()[0]
        return shape
    finally:
        conn.close()


EVERY_TABLE = {
    "instances",
    "file_stamps",
    "pending_writes",
    "plans",
    "audit",
    "plan_decisions",
    "jobs",
    "job_items",
    "job_events",
    "deliveries",
    "node_state",
    "pending_deletes",
    "plan_metrics",
}


# --- fresh database and connection settings ------------------------------------------------


def test_a_fresh_database_gets_every_table_at_the_current_version(tmp_path: Path):
    path = tmp_path / "data" / "catalog.sqlite"  # the folder does not exist yet
    with Database(path) as db:
        conn_settings = db.query_one(
            "SELECT * FROM pragma_journal_mode, pragma_synchronous, pragma_foreign_keys, "
            "pragma_busy_timeout"
        )
        assert conn_settings is not None
        assert tuple(conn_settings) == ("wal", 2, 1, BUSY_TIMEOUT_SECONDS * 1000)  # 2: FULL
    shape = structure(path)
    assert shape["user_version"] == SCHEMA_VERSION == len(database.MIGRATIONS)
    assert {name for name in shape if "." not in name and name != "user_version"} == EVERY_TABLE


def test_busy_timeout_is_the_one_given(tmp_path: Path):
    with Database(tmp_path / "c.sqlite", busy_timeout=0.25) as db:
        row = db.query_one("PRAGMA busy_timeout")
        assert row is not None and row[0] == 250


def test_every_component_opens_the_same_schema(tmp_path: Path):
    """Whichever component opens a new file first, the file gets the whole schema."""
    shapes = []
    for name, open_component in (
        ("catalog", lambda p: Catalog(p, tmp_path / "storage")),
        ("decisions", DecisionStore),
        ("queue", SendQueue),
    ):
        path = tmp_path / f"{name}.sqlite"
        open_component(path).close()
        shapes.append(structure(path))
    assert shapes[0] == shapes[1] == shapes[2]


# --- upgrade of databases made before user_version -----------------------------------------


@pytest.mark.parametrize("plan_hash", [False, True], ids=["before-plan-hash", "with-plan-hash"])
def test_a_database_of_the_previous_release_upgrades_with_all_its_rows(
    tmp_path: Path, plan_hash: bool
):
    path = tmp_path / "catalog.sqlite"
    build_legacy_database(path, plan_hash=plan_hash, header_json=_header_json(tmp_path))
    assert structure(path)["user_version"] == 0

    catalog = Catalog(path, tmp_path / "storage")
    decisions = DecisionStore(path)
    queue = SendQueue(path)
    try:
        instance = catalog.get("1.2.3.4")
        assert instance is not None
        assert (instance.source_ae, instance.size, instance.content_hash) == (
            "ECLIPSE",
            1234,
            "abc",
        )
        assert [row["path"] for row in catalog.pending_writes()] == ["PAT1/x.dcm"]
        assert [p.plan_label for p in catalog.plans()] == ["ADP1"]
        decision = decisions.get("1.2.3.4")
        assert decision is not None
        assert (decision.state, decision.plan_hash) == (PENDING, "")
        assert decisions.pending_patients() == ["PAT1"]
        job = queue.job(1)
        assert job is not None and (job.node, job.state, job.total) == ("ARIA", "queued", 1)
        assert [e.message for e in queue.history(1)] == ["queued 1"]
        assert queue.delivered("TPS", "1.2.3.1", "h")
        # and the new code writes to it
        decisions.decide("1.2.3.4", FORWARDED, ("ARIA",), ["rule 1 matched"], "hash1")
        decision = decisions.get("1.2.3.4")
        assert decision is not None and decision.plan_hash == "hash1"
        second = queue.enqueue(
            "ARIA",
            [QueueItem("1.2.3.4", "1.2.840.10008.5.1.4.1.1.481.5", "", "/s/p.dcm")],
            follow_up=True,
        )
        assert second == 2
        catalog.audit("rule", plan_uid="1.2.3.4", detail="x")
    finally:
        catalog.close()
        decisions.close()
        queue.close()

    upgraded = structure(path)
    assert "meta" not in upgraded and "send_queue_schema" not in upgraded
    fresh_path = tmp_path / "fresh.sqlite"
    Database(fresh_path).close()
    assert upgraded == structure(fresh_path)  # one schema, whichever way it was reached


def test_a_queue_only_database_of_the_previous_release_upgrades(tmp_path: Path):
    """SendQueue alone on a file (the workers' tests, a queue copied for a bug report)."""
    path = tmp_path / "queue.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(LEGACY_QUEUE_DDL)
    conn.execute(
        "INSERT INTO jobs (node, state, next_attempt_at, created_at, updated_at) "
        "VALUES ('ARIA', 'failed', 1, 1, 1)"
    )
    conn.commit()
    conn.close()
    with SendQueue(path) as queue:
        assert [j.state for j in queue.jobs()] == ["failed"]
    assert structure(path)["user_version"] == SCHEMA_VERSION


def test_upgrade_happens_once_when_several_open_at_the_same_time(tmp_path: Path):
    path = tmp_path / "catalog.sqlite"
    build_legacy_database(path, plan_hash=False, header_json="{}", rows=False)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def open_and_close() -> None:
        start.wait()
        try:
            Database(path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_and_close) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert structure(path)["user_version"] == SCHEMA_VERSION


# --- refusing what this release does not understand ---------------------------------------


def test_a_database_from_a_newer_release_is_refused_untouched(tmp_path: Path):
    path = tmp_path / "catalog.sqlite"
    Database(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = structure(path)
    with pytest.raises(DatabaseError) as info:
        Catalog(path, tmp_path / "storage")
    assert str(info.value) == (
        f"Station database '{path}' has schema version '{SCHEMA_VERSION + 1}', newer than "
        f"version {SCHEMA_VERSION} that this rtstation understands: run the rtstation that "
        "wrote it (or a newer one)"
    )
    assert not info.value.transient and isinstance(info.value, StorageError)
    assert structure(path) == before


def test_a_legacy_version_table_from_a_newer_release_is_refused(tmp_path: Path):
    path = tmp_path / "catalog.sqlite"
    build_legacy_database(path, plan_hash=True, header_json="{}", rows=False)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE send_queue_schema SET version = 2")
    with pytest.raises(DatabaseError, match=r"has schema version 'send_queue_schema 2', newer"):
        Database(path)
    assert structure(path)["user_version"] == 0  # nothing was changed


def test_a_failing_migration_leaves_the_database_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "catalog.sqlite"
    Database(path).close()
    before = structure(path)

    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half (x)")
        raise sqlite3.IntegrityError("step failed half way")

    future = (*database.MIGRATIONS, Migration(SCHEMA_VERSION + 1, "a failing step", half_done))
    monkeypatch.setattr(database, "MIGRATIONS", future)
    monkeypatch.setattr(database, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(sqlite3.IntegrityError, match="half way"):
        Database(path)
    assert structure(path) == before


# --- transactions -------------------------------------------------------------------------


def test_a_transaction_is_all_or_nothing(tmp_path: Path):
    with Database(tmp_path / "c.sqlite") as db:
        with pytest.raises(ValueError, match="stop"), db.transaction() as conn:
            conn.execute("INSERT INTO node_state VALUES ('A', 1, 1.0)")
            raise ValueError("stop")
        assert db.query("SELECT * FROM node_state") == []
        with db.transaction() as conn:
            conn.execute("INSERT INTO node_state VALUES ('A', 1, 1.0)")
        assert [tuple(r) for r in db.query("SELECT * FROM node_state")] == [("A", 1, 1.0)]


def test_transactions_take_the_write_lock_up_front(tmp_path: Path):
    """BEGIN IMMEDIATE: a second writer waits at BEGIN, before reading anything."""
    path = tmp_path / "c.sqlite"
    with (
        Database(path) as first,
        Database(path, busy_timeout=0.1) as second,
        first.transaction(),
        pytest.raises(DatabaseError, match="is locked"),
        second.transaction() as conn,
    ):
        pytest.fail(f"second writer got in while the first held the lock ({conn})")


# --- SQLite errors as DatabaseError -------------------------------------------------------


def test_a_lock_held_beyond_the_busy_timeout_is_a_transient_database_error(tmp_path: Path):
    path = tmp_path / "catalog.sqlite"
    catalog = Catalog(path, tmp_path / "storage", busy_timeout=0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseError) as info:
            catalog.add_pending("P/x.dcm", "1.2.3", "A", "")
        assert str(info.value) == (
            f"Station database '{path}' is locked by another connection for longer than "
            "0.2 s ('database is locked'); the operation can be tried again"
        )
        assert info.value.transient and not info.value.disk_full
        assert catalog.get("1.2.3") is None  # reads go on under WAL
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    catalog.add_pending("P/x.dcm", "1.2.3", "A", "")  # and writes once the lock is gone
    assert len(catalog.pending_writes()) == 1
    catalog.close()


def test_a_full_database_is_a_disk_full_database_error(tmp_path: Path):
    with Database(tmp_path / "c.sqlite") as db:
        pages = db.query_one("PRAGMA page_count")
        assert pages is not None
        # The file may not grow any more: SQLite answers exactly as on a full disk.
        db.query(f"PRAGMA max_page_count = {pages[0] + 1}")
        with (
            pytest.raises(DatabaseError, match=r"cannot grow: the disk is full") as info,
            db.transaction() as conn,
        ):
            for n in range(200):
                conn.execute(
                    "INSERT INTO audit (at, event, detail) VALUES ('t', 'x', ?)",
                    ("x" * 4000 + str(n),),
                )
        assert info.value.disk_full and info.value.transient
        assert db.query("SELECT COUNT(*) FROM audit")[0][0] == 0  # rolled back
        with db.transaction() as conn:  # the connection is still usable
            conn.execute("INSERT INTO node_state VALUES ('A', 0, 1.0)")


def test_a_file_that_is_not_a_database_is_refused_with_a_sentence(tmp_path: Path):
    path = tmp_path / "catalog.sqlite"
    path.write_bytes(b"this is a settings file, not a database" * 100)
    with pytest.raises(DatabaseError) as info:
        Database(path)
    assert str(info.value).startswith(f"Station database '{path}' is not an SQLite database")
    assert "run 'rtstation reindex'" in str(info.value) and not info.value.transient


def test_a_database_that_cannot_be_opened_is_a_database_error(tmp_path: Path):
    path = tmp_path / "catalog.sqlite"
    path.mkdir()  # a folder where the file should be
    with pytest.raises(DatabaseError, match=r"cannot be opened \('unable to open database file'\)"):
        Database(path)


def test_a_mistake_in_sql_stays_a_programming_error(tmp_path: Path):
    """Bugs keep their traceback: they are not the machine's condition."""
    with Database(tmp_path / "c.sqlite") as db:
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            db.query("SELECT * FROM no_such_table")
        with pytest.raises(sqlite3.IntegrityError), db.transaction() as conn:
            conn.execute("INSERT INTO node_state VALUES ('A', 0, 1.0)")
            conn.execute("INSERT INTO node_state VALUES ('A', 0, 1.0)")


@pytest.mark.parametrize(
    ("message", "code", "expected"),
    [
        ("disk I/O error", 10 | (3 << 8), "could not be read or written (disk I/O error)"),
        ("database is locked", 5, "is locked by another connection for longer than 10 s"),
        ("database or disk is full", 13, "cannot grow: the disk is full"),
        ("database disk image is malformed", 11, "is damaged"),
    ],
)
def test_sqlite_result_codes_are_explained(message: str, code: int, expected: str):
    """The codes the tests above cannot provoke for real (a failing disk) read as well,
    from the extended code Python 3.11 gives and from the message alone (Python 3.10)."""
    with_code = sqlite3.OperationalError(message)
    with_code.sqlite_errorcode = code  # type: ignore[attr-defined]
    for exc in (with_code, sqlite3.OperationalError(message)):
        mapped = database_error(exc, "/data/catalog.sqlite")
        assert mapped is not None
        assert str(mapped).startswith(f"Station database '/data/catalog.sqlite' {expected}")
        assert f"('{message}')" in str(mapped)


def test_version_2_marks_the_late_arrival_jobs_of_a_version_1_database_as_follow_ups(
    tmp_path: Path,
):
    path = tmp_path / "catalog.sqlite"
    conn = sqlite3.connect(path)
    database.MIGRATIONS[0].apply(conn)
    conn.execute("PRAGMA user_version = 1")
    for source in ("rule: Rule1", "rule: late arrival", "manual"):
        conn.execute(
            "INSERT INTO jobs (node, plan_uid, source, state, next_attempt_at, created_at, "
            "updated_at) VALUES ('ARIA', 'P1', ?, 'queued', 1, 1, 1)",
            (source,),
        )
    conn.commit()
    conn.close()
    queue = SendQueue(path)
    try:
        jobs = sorted(queue.jobs(), key=lambda job: job.id)
    finally:
        queue.close()
    assert [(job.source, job.follow_up) for job in jobs] == [
        ("rule: Rule1", False),
        ("rule: late arrival", True),
        ("manual", False),
    ]
    assert structure(path)["user_version"] == SCHEMA_VERSION  # the later versions followed
