"""Durable writes of several threads committed together: one disk flush for all of them.

Every received instance needs one durable commit (its catalog row) before its C-STORE is
answered, and a durable commit waits for the disk (``synchronous=FULL``: the WAL is
fsynced). One connection commits one transaction at a time, so with four senders the
four associations queued behind each other's fsync: four flushes in a row for four
instances, and four senders went hardly faster than one.

:class:`GroupCommit` lets the threads that arrive while a commit is on its way wait, and
then commits all of their writes in the next transaction, one fsync for the group (the
"group commit" of database engines). Each write runs inside its own ``SAVEPOINT``, so a
write that raises is rolled back alone and its error goes to its own caller; the others
commit. A failure of the transaction itself (the ``COMMIT``, a full disk that ends the
transaction) reaches every caller of the group: none of their writes is durable, and each
caller refuses its instance as it did before.

A caller returns only after the transaction that holds its write has committed durably,
exactly as with :meth:`Database.transaction <rtstation.database.Database.transaction>`;
a single thread commits alone and at once (nothing waits for company).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

Write = Callable[[sqlite3.Connection], None]
Transaction = Callable[[], AbstractContextManager[sqlite3.Connection]]


@dataclass(eq=False)
class _Queued:
    write: Write
    done: bool = False
    error: BaseException | None = None


class GroupCommit:
    """Runs ``write(conn)`` calls of many threads in shared durable transactions."""

    def __init__(self, transaction: Transaction) -> None:
        """``transaction()`` opens one durable write transaction (``BEGIN IMMEDIATE`` ..
        ``COMMIT``, rolled back if its body raises)."""
        self._transaction = transaction
        self._cond = threading.Condition()
        self._queue: list[_Queued] = []
        self._committing = False
        #: transactions committed (for the benchmarks and the tests)
        self.commits = 0

    @property
    def waiting(self) -> int:
        """Writes queued for the next transaction."""
        with self._cond:
            return len(self._queue)

    def run(self, write: Write) -> None:
        """Commit ``write`` durably (alone, or with the writes of other threads); raises
        what ``write`` raised, or what failed the transaction."""
        item = _Queued(write)
        with self._cond:
            self._queue.append(item)
            while not item.done:
                if self._committing:
                    self._cond.wait()
                    continue
                self._committing = True
                batch, self._queue = self._queue, []
                self._cond.release()
                try:
                    self._commit(batch)
                finally:
                    self._cond.acquire()
                    self._committing = False
                    self._cond.notify_all()
        if item.error is not None:
            raise item.error

    def _commit(self, batch: list[_Queued]) -> None:
        try:
            with self._transaction() as conn:
                for number, item in enumerate(batch):
                    self._run_one(conn, item, f"write_{number}")
                    if not conn.in_transaction:  # the error ended the transaction itself
                        raise item.error or sqlite3.OperationalError("transaction ended")
            self.commits += 1
        except BaseException as exc:
            for item in batch:
                if item.error is None:
                    item.error = exc
            if not isinstance(exc, Exception):
                raise
        finally:
            for item in batch:
                item.done = True

    @staticmethod
    def _run_one(conn: sqlite3.Connection, item: _Queued, savepoint: str) -> None:
        conn.execute(f"SAVEPOINT {savepoint}")
        try:
            item.write(conn)
        except Exception as exc:
            item.error = exc
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO {savepoint}")
                conn.execute(f"RELEASE {savepoint}")
            return
        conn.execute(f"RELEASE {savepoint}")
