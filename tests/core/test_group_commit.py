"""Group commit: durable writes of several threads share one transaction (one fsync)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from rtstation.database import Database
from rtstation.errors import DatabaseError
from tests.waiting import wait_for

WAIT = 10.0


def _database(tmp_path: Path) -> Database:
    db = Database(tmp_path / "station.db")
    with db.transaction() as conn:
        conn.execute("CREATE TABLE things (name TEXT PRIMARY KEY)")
    return db


def _names(tmp_path: Path) -> list[str]:
    """What another connection (another process, after a crash) reads back."""
    conn = sqlite3.connect(tmp_path / "station.db")
    try:
        return sorted(row[0] for row in conn.execute("SELECT name FROM things"))
    finally:
        conn.close()


def _insert(name: str):
    def write(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO things VALUES (?)", (name,))

    return write


def test_writes_queued_behind_a_commit_share_the_next_transaction(tmp_path: Path):
    db = _database(tmp_path)
    inside_first = threading.Event()
    release_first = threading.Event()

    def first(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO things VALUES ('first')")
        inside_first.set()
        assert release_first.wait(WAIT)

    errors: list[BaseException] = []

    def run(write) -> None:
        try:
            db.commit_together(write)
        except BaseException as exc:  # reported below
            errors.append(exc)

    leader = threading.Thread(target=run, args=(first,))
    leader.start()
    assert inside_first.wait(WAIT)
    followers = [threading.Thread(target=run, args=(_insert(f"n{i}"),)) for i in range(3)]
    for thread in followers:
        thread.start()
    wait_for(lambda: db._group.waiting == 3, "three writes queued")
    release_first.set()
    for thread in (leader, *followers):
        thread.join(WAIT)
    assert errors == []
    assert db.group_commits == 2  # the first alone, the three queued behind it together
    assert _names(tmp_path) == ["first", "n0", "n1", "n2"]
    db.close()


def test_a_failing_write_is_rolled_back_alone_and_raised_to_its_own_caller(tmp_path: Path):
    db = _database(tmp_path)
    db.commit_together(_insert("taken"))
    inside_first = threading.Event()
    release_first = threading.Event()
    outcomes: dict[str, BaseException | None] = {}

    def first(conn: sqlite3.Connection) -> None:
        inside_first.set()
        assert release_first.wait(WAIT)

    def run(key: str, write) -> None:
        try:
            db.commit_together(write)
            outcomes[key] = None
        except BaseException as exc:
            outcomes[key] = exc

    def half_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO things VALUES ('half')")
        conn.execute("INSERT INTO things VALUES ('taken')")  # primary key: IntegrityError

    leader = threading.Thread(target=run, args=("first", first))
    leader.start()
    assert inside_first.wait(WAIT)
    bad = threading.Thread(target=run, args=("bad", half_then_fail))
    bad.start()
    wait_for(lambda: db._group.waiting == 1, "the failing write queued")
    good = threading.Thread(target=run, args=("good", _insert("good")))
    good.start()
    wait_for(lambda: db._group.waiting == 2, "both writes queued")
    release_first.set()
    for thread in (leader, bad, good):
        thread.join(WAIT)
    assert outcomes["first"] is None and outcomes["good"] is None
    assert isinstance(outcomes["bad"], sqlite3.IntegrityError)
    assert _names(tmp_path) == ["good", "taken"]  # nothing of the failed write, not 'half'
    db.close()


def test_a_transaction_that_cannot_commit_fails_every_write_of_it(tmp_path: Path):
    db = _database(tmp_path)
    other = sqlite3.connect(tmp_path / "station.db", isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    db.busy_timeout = 0.05
    db._conn.execute("PRAGMA busy_timeout = 50")
    try:
        with pytest.raises(DatabaseError):
            db.commit_together(_insert("late"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _names(tmp_path) == []
    db.commit_together(_insert("later"))  # the group is usable again
    assert _names(tmp_path) == ["later"]
    db.close()


def test_a_single_thread_commits_at_once_and_durably(tmp_path: Path):
    db = _database(tmp_path)
    for i in range(3):
        db.commit_together(_insert(f"s{i}"))
        assert _names(tmp_path) == [f"s{j}" for j in range(i + 1)]
    assert db.group_commits == 3
    db.close()
