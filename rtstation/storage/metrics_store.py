"""Plan metrics kept in the catalog database, with what they were computed from.

One row per plan (table ``plan_metrics``, schema version 2): the plan, dose and per-ROI
figures and the DVH curves (encoded by :mod:`rtstation.dicom.metrics_codec`), the notes,
and the UIDs and content hashes of the plan, structure set and doses they came from. The
``source_key`` (a hash over those) says whether a stored row still describes the plan: a
new dose or structure set gives the bundle another key, and the row is computed again.

``plans_updated_at`` is the ``plans.updated_at`` the row was last checked against. The
catalog rewrites a patient's ``plans`` rows whenever data for the patient arrives, so
"plans whose row is missing or was checked against another ``updated_at``" is exactly
the list of plans whose metrics may be out of date, found with one query and no file read.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rtstation.database import BUSY_TIMEOUT_SECONDS, Database
from rtstation.dicom.metrics import PlanReport
from rtstation.dicom.metrics_codec import EncodedReport, decode_report, encode_report
from rtstation.storage.catalog import utc_now


@dataclass(frozen=True)
class MetricsSource:
    """The instances one plan's metrics are computed from, by UID and content hash."""

    plan_uid: str
    patient_id: str
    plan_label: str
    plan_hash: str
    structure_set_uid: str = ""
    structure_set_hash: str = ""
    dose_uids: tuple[str, ...] = ()
    dose_hashes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Changes whenever the plan, its structure set or any of its doses changes."""
        parts = [
            self.plan_uid,
            self.plan_hash,
            self.structure_set_uid,
            self.structure_set_hash,
            *sorted(zip(self.dose_uids, self.dose_hashes, strict=True)),
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@dataclass(frozen=True)
class StoredMetrics:
    source: MetricsSource
    source_key: str
    computed_at: str
    report: PlanReport


@dataclass(frozen=True)
class StalePlan:
    """A plan whose metrics may be out of date (or were never computed)."""

    plan_uid: str
    patient_id: str
    plans_updated_at: str


class MetricsStore:
    """Reads and writes ``plan_metrics``; safe across threads and processes."""

    def __init__(self, db_path: Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        # Derived data, computed again when lost: its commits need not wait for the disk.
        self._db = Database(db_path, busy_timeout=busy_timeout, durable=False)

    def close(self) -> None:
        self._db.close()

    def save(
        self,
        source: MetricsSource,
        report: PlanReport | EncodedReport,
        plans_updated_at: str = "",
    ) -> None:
        """Store a report (or one already encoded, as the metrics child process returns it)."""
        encoded = report if isinstance(report, EncodedReport) else encode_report(report)
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO plan_metrics (plan_uid, patient_id, plan_label, "
                "plan_hash, structure_set_uid, structure_set_hash, dose_uids, dose_hashes, "
                "source_key, plans_updated_at, computed_at, plan_json, dose_json, "
                "structures_json, rois_json, notes_json, curves) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    source.plan_uid,
                    source.patient_id,
                    source.plan_label,
                    source.plan_hash,
                    source.structure_set_uid,
                    source.structure_set_hash,
                    json.dumps(list(source.dose_uids)),
                    json.dumps(list(source.dose_hashes)),
                    source.key,
                    plans_updated_at,
                    utc_now(),
                    encoded.plan_json,
                    encoded.dose_json,
                    encoded.structures_json,
                    encoded.rois_json,
                    encoded.notes_json,
                    sqlite3.Binary(encoded.curves),
                ),
            )

    def mark_checked(self, plan_uid: str, plans_updated_at: str) -> None:
        """The stored row still matches its plan as of ``plans_updated_at``."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE plan_metrics SET plans_updated_at = ? WHERE plan_uid = ?",
                (plans_updated_at, plan_uid),
            )

    def source_key(self, plan_uid: str) -> str | None:
        row = self._db.query_one(
            "SELECT source_key FROM plan_metrics WHERE plan_uid = ?", (plan_uid,)
        )
        return row[0] if row is not None else None

    def plans_updated_at(self, plan_uid: str) -> str:
        """The catalog's ``plans.updated_at`` of a plan ("" when it has no plans row)."""
        row = self._db.query_one("SELECT updated_at FROM plans WHERE plan_uid = ?", (plan_uid,))
        return row[0] if row is not None else ""

    def load(
        self, plan_uids: Iterable[str] | None = None, *, patient_id: str | None = None
    ) -> dict[str, StoredMetrics]:
        """Stored metrics by plan UID: of the given plans, of a patient, or all."""
        sql = "SELECT * FROM plan_metrics"
        params: list[object] = []
        if plan_uids is not None:
            uids = list(plan_uids)
            if not uids:
                return {}
            sql += f" WHERE plan_uid IN ({', '.join('?' * len(uids))})"
            params.extend(uids)
        elif patient_id is not None:
            sql += " WHERE patient_id = ?"
            params.append(patient_id)
        return {row["plan_uid"]: _stored(row) for row in self._db.query(sql, params)}

    def stored_plans(self, patient_id: str | None = None) -> list[tuple[str, str, bool]]:
        """``(plan_uid, patient_id, fresh)`` of every stored plan, by patient and label.

        ``fresh``: the plan has metrics checked against its current ``plans`` row, so they
        can be shown without reading any file.
        """
        sql = (
            "SELECT i.sop_instance_uid, i.patient_id, "
            "(m.plan_uid IS NOT NULL AND p.plan_uid IS NOT NULL "
            " AND m.plans_updated_at = p.updated_at) "
            "FROM instances i "
            "LEFT JOIN plans p ON p.plan_uid = i.sop_instance_uid "
            "LEFT JOIN plan_metrics m ON m.plan_uid = i.sop_instance_uid "
            "WHERE i.modality = 'RTPLAN' AND i.removed_at IS NULL"
        )
        params: list[object] = []
        if patient_id is not None:
            sql += " AND i.patient_id = ?"
            params.append(patient_id)
        rows = self._db.query(sql + " ORDER BY i.patient_id, i.plan_label, i.rowid", params)
        return [(r[0], r[1], bool(r[2])) for r in rows]

    def stale(self, limit: int | None = None) -> list[StalePlan]:
        """Plans without metrics, or whose plans row changed since their metrics were checked."""
        rows = self._db.query(
            "SELECT p.plan_uid, p.patient_id, p.updated_at FROM plans p "
            "LEFT JOIN plan_metrics m ON m.plan_uid = p.plan_uid "
            "WHERE m.plan_uid IS NULL OR m.plans_updated_at != p.updated_at "
            "ORDER BY p.updated_at LIMIT ?",
            (-1 if limit is None else limit,),
        )
        return [StalePlan(r[0], r[1], r[2]) for r in rows]

    def drop_orphans(self) -> int:
        """Forget the metrics of plans the catalog no longer has; how many were dropped."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM plan_metrics WHERE plan_uid NOT IN (SELECT plan_uid FROM plans)"
            )
            return cursor.rowcount

    def clear(self) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM plan_metrics")


def _stored(row: sqlite3.Row) -> StoredMetrics:
    source = MetricsSource(
        plan_uid=row["plan_uid"],
        patient_id=row["patient_id"],
        plan_label=row["plan_label"],
        plan_hash=row["plan_hash"],
        structure_set_uid=row["structure_set_uid"],
        structure_set_hash=row["structure_set_hash"],
        dose_uids=tuple(json.loads(row["dose_uids"])),
        dose_hashes=tuple(json.loads(row["dose_hashes"])),
    )
    report = decode_report(
        EncodedReport(
            plan_json=row["plan_json"],
            dose_json=row["dose_json"],
            structures_json=row["structures_json"],
            rois_json=row["rois_json"],
            notes_json=row["notes_json"],
            curves=bytes(row["curves"]),
        )
    )
    return StoredMetrics(source, row["source_key"], row["computed_at"], report)
