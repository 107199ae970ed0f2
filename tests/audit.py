"""Reading the audit table in tests, the way the station writes it (no product read API)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rtstation.database import Database


@dataclass(frozen=True)
class AuditRow:
    at: str
    event: str
    sop_instance_uid: str
    plan_uid: str
    node: str
    source: str
    detail: str


def audit_rows(db_path: Path | str, event: str) -> list[AuditRow]:
    """The audit rows of one event, oldest first."""
    with Database(db_path) as db:
        rows = db.query(
            "SELECT at, event, sop_instance_uid, plan_uid, node, source, detail FROM audit "
            "WHERE event = ? ORDER BY id",
            (event,),
        )
    return [AuditRow(*row) for row in rows]
