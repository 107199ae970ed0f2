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
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from rtstation.database import BUSY_TIMEOUT_SECONDS, Database
from rtstation.storage.catalog import utc_now

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
    verdicts: str = ""
    """JSON: every rule's verdict as reason codes, and what the plan waits for (see
    rtstation.routing.reasons); kept as text here, read by the station."""


class DecisionStore:
    """The ``plan_decisions`` table of the catalog database."""

    def __init__(self, db_path: Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self._db = Database(Path(db_path), busy_timeout=busy_timeout)

    def close(self) -> None:
        self._db.close()

    @staticmethod
    def _row(row: sqlite3.Row) -> PlanDecision:
        return PlanDecision(
            plan_uid=row["plan_uid"],
            patient_id=row["patient_id"],
            source_ae=row["source_ae"],
            state=row["state"],
            nodes=tuple(json.loads(row["nodes"])),
            waiting=row["waiting"],
            explanation=tuple(json.loads(row["explanation"])),
            created_at=row["created_at"],
            decided_at=row["decided_at"],
            plan_hash=row["plan_hash"],
            verdicts=row["verdicts"],
        )

    def get(self, plan_uid: str) -> PlanDecision | None:
        row = self._db.query_one("SELECT * FROM plan_decisions WHERE plan_uid = ?", (plan_uid,))
        return self._row(row) if row else None

    def add_pending(self, plan_uid: str, patient_id: str, source_ae: str) -> bool:
        """Record a newly arrived plan; False when it already has a row."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO plan_decisions (plan_uid, patient_id, source_ae, state, "
                "created_at) VALUES (?, ?, ?, ?, ?)",
                (plan_uid, patient_id, source_ae, PENDING, utc_now()),
            )
            return cursor.rowcount == 1

    def set_waiting(self, plan_uid: str, waiting: str, verdicts: str = "") -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE plan_decisions SET waiting = ?, verdicts = ? WHERE plan_uid = ?",
                (waiting, verdicts, plan_uid),
            )

    def decide(
        self,
        plan_uid: str,
        state: str,
        nodes: tuple[str, ...],
        explanation: list[str],
        plan_hash: str,
        verdicts: str = "",
    ) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE plan_decisions SET state = ?, nodes = ?, explanation = ?, waiting = '', "
                "decided_at = ?, plan_hash = ?, verdicts = ? WHERE plan_uid = ?",
                (
                    state,
                    json.dumps(list(nodes)),
                    json.dumps(explanation),
                    utc_now(),
                    plan_hash,
                    verdicts,
                    plan_uid,
                ),
            )

    def set_plan_hash(self, plan_uid: str, plan_hash: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE plan_decisions SET plan_hash = ? WHERE plan_uid = ?", (plan_hash, plan_uid)
            )

    def decided_between(self, since: str, until: str) -> list[PlanDecision]:
        """Decisions taken in [since, until) (ISO 8601 UTC texts), oldest first."""
        rows = self._db.query(
            "SELECT * FROM plan_decisions WHERE decided_at >= ? AND decided_at < ? "
            "ORDER BY decided_at",
            (since, until),
        )
        return [self._row(r) for r in rows]

    def pending_patients(self) -> list[str]:
        rows = self._db.query(
            "SELECT DISTINCT patient_id FROM plan_decisions WHERE state = ?", (PENDING,)
        )
        return [r[0] for r in rows]
