"""What the rules decided for each plan, kept so a restart neither forgets nor repeats.

A plan that arrives (received, or imported from a folder) gets a ``pending`` row the
moment it is stored, before the C-STORE is answered; once the rules have decided (forward now, or
not matched once the patient settled) the row records the outcome, the nodes and the
explanation. At startup the station re-arms the settle timer of every patient with a
pending plan, so a kill between receive and forward still forwards. Plans found by
``reindex`` get no row: old data never forwards itself.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

from rtstation.storage.catalog import connect, utc_now

_SCHEMA = """
CREATE TABLE IF NOT EXISTS plan_decisions (
    plan_uid TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    source_ae TEXT NOT NULL,
    state TEXT NOT NULL,             -- pending, forwarded, not-forwarded
    nodes TEXT NOT NULL DEFAULT '[]',
    waiting TEXT NOT NULL DEFAULT '',
    explanation TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    decided_at TEXT,
    plan_hash TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS plan_decisions_state ON plan_decisions (state);
"""

PENDING = "pending"
FORWARDED = "forwarded"
NOT_FORWARDED = "not-forwarded"


@dataclass(frozen=True)
class PlanDecision:
    plan_uid: str
    patient_id: str
    source_ae: str
    state: str
    nodes: tuple[str, ...]
    waiting: str
    explanation: tuple[str, ...]
    created_at: str
    decided_at: str | None
    plan_hash: str = ""


class DecisionStore:
    """The ``plan_decisions`` table of the catalog database."""

    def __init__(self, db_path: Path) -> None:
        self._lock = threading.Lock()
        self._conn = connect(Path(db_path))
        self._conn.executescript(_SCHEMA)
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(plan_decisions)")}
        if "plan_hash" not in columns:  # catalogs written before the column existed
            self._conn.execute(
                "ALTER TABLE plan_decisions ADD COLUMN plan_hash TEXT NOT NULL DEFAULT ''"
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _row(self, row: tuple) -> PlanDecision:
        return PlanDecision(
            plan_uid=row[0],
            patient_id=row[1],
            source_ae=row[2],
            state=row[3],
            nodes=tuple(json.loads(row[4])),
            waiting=row[5],
            explanation=tuple(json.loads(row[6])),
            created_at=row[7],
            decided_at=row[8],
            plan_hash=row[9],
        )

    def get(self, plan_uid: str) -> PlanDecision | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM plan_decisions WHERE plan_uid = ?", (plan_uid,)
            ).fetchone()
        return self._row(row) if row else None

    def add_pending(self, plan_uid: str, patient_id: str, source_ae: str) -> bool:
        """Record a newly arrived plan; False when it already has a row."""
        with self._lock:
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO plan_decisions (plan_uid, patient_id, source_ae, state, "
                "created_at) VALUES (?, ?, ?, ?, ?)",
                (plan_uid, patient_id, source_ae, PENDING, utc_now()),
            )
            return cursor.rowcount == 1

    def set_waiting(self, plan_uid: str, waiting: str) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE plan_decisions SET waiting = ? WHERE plan_uid = ?", (waiting, plan_uid)
            )

    def decide(
        self,
        plan_uid: str,
        state: str,
        nodes: tuple[str, ...],
        explanation: list[str],
        plan_hash: str,
    ) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE plan_decisions SET state = ?, nodes = ?, explanation = ?, waiting = '', "
                "decided_at = ?, plan_hash = ? WHERE plan_uid = ?",
                (
                    state,
                    json.dumps(list(nodes)),
                    json.dumps(explanation),
                    utc_now(),
                    plan_hash,
                    plan_uid,
                ),
            )

    def set_plan_hash(self, plan_uid: str, plan_hash: str) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE plan_decisions SET plan_hash = ? WHERE plan_uid = ?", (plan_hash, plan_uid)
            )

    def pending_patients(self) -> list[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT DISTINCT patient_id FROM plan_decisions WHERE state = ?", (PENDING,)
            ).fetchall()
        return [r[0] for r in rows]

    def pending_plans(self) -> list[tuple[str, str]]:
        """(plan UID, patient ID) of every plan not decided yet."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT plan_uid, patient_id FROM plan_decisions WHERE state = ?", (PENDING,)
            ).fetchall()
        return [(r[0], r[1]) for r in rows]
