"""Read-only views of the catalog that decode no header: what scale needs.

A station holds 100,000 instances after a few months. Decoding every row's header JSON
(and building the RT tree from it) takes seconds, so two readers that do not need the
headers get plain rows straight from SQL instead:

- ``reindex`` compares each file with its row and stamp (:func:`indexed_files`);
- the GUI shows every patient and plan at once from :func:`patient_outlines` (the plans
  table keeps what the tree's plan row says), and fills in the files afterwards.

The functions take the catalog's query function and its visibility condition, so they
read exactly the rows :class:`~rtstation.storage.catalog.Catalog` would show.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

Query = Callable[[str, Iterable[object]], list[sqlite3.Row]]


@dataclass(frozen=True)
class IndexedFile:
    """A catalog row as ``reindex`` compares it with the file: no header decoded."""

    relative_path: str
    sop_instance_uid: str
    patient_id: str
    source_ae: str
    calling_ip: str
    received_at: str
    removed: bool
    stamp: tuple[int, int, int] | None  # (size, mtime_ns, inode) when reindex last read it


@dataclass(frozen=True)
class PlanOutline:
    """A plan row of the plans table, with when the plan itself was received."""

    plan_uid: str
    plan_label: str
    plan_name: str
    approval_status: str
    source_ae: str
    complete: bool
    summary: str
    received_at: str


@dataclass(frozen=True)
class PatientOutline:
    """A stored patient: name, newest arrival, senders, and its plans in label order."""

    patient_id: str
    patient_name: str
    received_at: str
    source_aes: tuple[str, ...]
    plans: tuple[PlanOutline, ...]


def indexed_files(query: Query, visible: str) -> list[IndexedFile]:
    rows = query(
        "SELECT i.path, i.sop_instance_uid, i.patient_id, i.source_ae, i.calling_ip, "
        "i.received_at, i.removed_at, s.size, s.mtime_ns, s.inode FROM instances i "
        "LEFT JOIN file_stamps s ON s.path = i.path AND s.sop_instance_uid = "
        f"i.sop_instance_uid WHERE {visible.replace('instances.path', 'i.path')}",
        (),
    )
    return [
        IndexedFile(*r[:6], removed=r[6] is not None, stamp=None if r[7] is None else tuple(r[7:]))
        for r in rows
    ]


def patient_outlines(query: Query, visible: str) -> list[PatientOutline]:
    """Patients in ID order; the name is the one of the patient's first stored row, as
    the RT tree takes it."""
    plans: dict[str, list[PlanOutline]] = defaultdict(list)
    for r in query(
        "SELECT p.plan_uid, p.patient_id, p.plan_label, p.plan_name, p.approval_status, "
        "p.source_ae, p.complete, p.summary, COALESCE(i.received_at, '') FROM plans p "
        "LEFT JOIN instances i ON i.sop_instance_uid = p.plan_uid "
        "ORDER BY p.patient_id, p.plan_label, p.plan_uid",  # as the RT tree lists them
        (),
    ):
        plans[r[1]].append(PlanOutline(r[0], *r[2:6], bool(r[6]), r[7], r[8]))
    stored = f"removed_at IS NULL AND {visible}"
    sources: dict[str, list[str]] = defaultdict(list)
    for r in query(
        f"SELECT DISTINCT patient_id, source_ae FROM instances WHERE {stored} "
        "AND source_ae != '' ORDER BY patient_id, source_ae",
        (),
    ):
        sources[r[0]].append(r[1])
    return [
        PatientOutline(r[0], r[1], r[3] or "", tuple(sources[r[0]]), tuple(plans[r[0]]))
        for r in query(
            "SELECT patient_id, patient_name, MIN(rowid), MAX(received_at) FROM instances "
            f"WHERE {stored} GROUP BY patient_id ORDER BY patient_id",
            (),
        )
    ]
