"""The parts of housekeeping that need no network: the import watcher's quiet period and
patterns, log pruning by age, trigger texts, reason texts, and schema version 1 -> 2."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from rtstation import database
from rtstation.database import Database
from rtstation.logsetup import AgedRotatingFileHandler
from rtstation.routing.reasons import ENGLISH, Reason
from rtstation.routing.send_queue import QueueItem, SendQueue
from rtstation.routing.triggers import FOLLOW_UP, MANUAL, RULE, follow_up_trigger, parse_trigger
from rtstation.station.import_watch import ImportWatcher, wanted
from rtstation.storage.importer import ImportReport


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_patterns_match_path_or_name_ignoring_case() -> None:
    assert wanted("a/b/CT.1.DCM", ("*.dcm",), ())
    assert not wanted("a/b/notes.txt", ("*.dcm",), ())
    assert not wanted("scratch/x.dcm", (), ("scratch/*",))
    assert wanted("keep/scratch.dcm", (), ("scratch/*",))
    assert not wanted("x.TMP", (), ("*.tmp",))
    assert wanted("anything", (), ())


def test_watcher_waits_until_the_whole_folder_is_quiet_then_imports_once(tmp_path: Path) -> None:
    folder = tmp_path / "import"
    (folder / "sub").mkdir(parents=True)
    batches: list[list[str]] = []

    def import_files(paths: list[Path], clear: bool) -> ImportReport:
        batches.append(sorted(p.relative_to(folder).as_posix() for p in paths))
        return ImportReport()

    clock = Clock()
    watcher = ImportWatcher(folder, import_files, quiet_seconds=5, exclude=("*.part",), clock=clock)
    (folder / "sub" / "a.dcm").write_bytes(b"a")
    assert watcher.poll() is None  # first sight is a change
    clock.now += 4
    (folder / "sub" / "b.dcm").write_bytes(b"b")  # still being copied: a change
    (folder / "sub" / "c.part").write_bytes(b"c")  # excluded
    assert watcher.poll() is None
    clock.now += 4
    assert watcher.poll() is None and batches == []  # 4 s quiet < 5 s
    clock.now += 2
    assert watcher.poll() is not None
    assert batches == [["sub/a.dcm", "sub/b.dcm"]]
    clock.now += 60
    assert watcher.poll() is None and len(batches) == 1  # not cleared: not imported again

    stat = (folder / "sub" / "a.dcm").stat()
    os.utime(folder / "sub" / "a.dcm", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert watcher.poll() is None  # a new version is a change ...
    clock.now += 6
    watcher.poll()
    assert batches[-1] == ["sub/a.dcm"]  # ... and is imported again, alone


def test_rotated_logs_older_than_keep_days_are_deleted(tmp_path: Path) -> None:
    log = tmp_path / "rtstation.log"
    old, recent = tmp_path / "rtstation.log.3", tmp_path / "rtstation.log.1"
    for path in (old, recent):
        path.write_text("x", encoding="utf-8")
    forty_days_ago = time.time() - 40 * 86_400
    os.utime(old, (forty_days_ago, forty_days_ago))
    handler = AgedRotatingFileHandler(log, max_bytes=200, keep_days=30)
    try:
        assert not old.exists() and recent.exists()
        logger = logging.getLogger("test-aged-rotation")
        logger.addHandler(handler)
        logger.propagate = False
        for _ in range(20):
            logger.warning("a line long enough to rotate the file after a few of them")
        assert (tmp_path / "rtstation.log.1").exists()
        assert len(list(tmp_path.glob("rtstation.log.*"))) <= 10
    finally:
        handler.close()


def test_triggers_round_trip_through_the_job_source() -> None:
    assert parse_trigger("manual").kind == MANUAL
    assert parse_trigger("rule: ADP, QA").rules == ("ADP", "QA")
    assert parse_trigger("rule: ADP").kind == RULE
    assert parse_trigger("rule: late arrival").kind == FOLLOW_UP  # older databases
    source = follow_up_trigger('{"verdicts": [{"rule": "ADP", "matched": true}, {"rule": "X"}]}')
    assert parse_trigger(source).kind == FOLLOW_UP and parse_trigger(source).rules == ("ADP",)
    assert parse_trigger(follow_up_trigger("")).text() == "follow-up (late arrival)"


def test_every_reason_code_renders_with_its_parameters() -> None:
    reason = Reason.of("label_not_contains", label="'Pelvis_sched'", match="'ADP'")
    assert reason.text() == "label 'Pelvis_sched' does not contain 'ADP'"
    assert Reason.from_json(reason.to_json()) == reason
    for code in ENGLISH:
        assert "{" not in Reason(code).text()  # a record missing a parameter still reads


def test_a_version_1_database_gets_the_history_columns_and_keeps_its_jobs(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    conn = database.connect(path)
    conn.execute("BEGIN IMMEDIATE")
    database.MIGRATIONS[0].apply(conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO jobs (node, state, next_attempt_at, created_at, updated_at) "
        "VALUES ('TPS', 'done', 0, 5, 5)"
    )
    conn.execute("COMMIT")
    conn.close()
    with SendQueue(path) as queue:
        job = queue.job(1)
        assert job is not None and (job.node, job.started_at, job.cleared_at) == ("TPS", None, None)
        new = queue.enqueue("TPS", [QueueItem("1.2", "1.2.840", "", "x.dcm")], now=40.0)
        assert queue.claim_next("TPS", "me", now=50.0) is not None
        started = queue.job(new)
        assert started is not None and started.started_at == 50.0
    with Database(path) as db:
        assert database.schema_version(db._conn) == database.SCHEMA_VERSION
