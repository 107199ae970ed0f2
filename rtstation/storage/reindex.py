"""Rebuild the catalog from the storage folder (the catalog is an index, not the data).

What the files cannot tell (which AE sent them, from which address, when) is kept from the
catalog rows that still exist; instances found only on disk get source ``UNKNOWN``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rtstation.dicom.headers import read_header
from rtstation.errors import DicomReadError
from rtstation.storage.archive import DurableStore, content_hash
from rtstation.storage.catalog import Catalog, InstanceRecord

LOGGER = logging.getLogger(__name__)

UNKNOWN_SOURCE = "UNKNOWN"
#: Rows written per transaction. The catalog is an index rebuilt from the files, so a
#: crash mid-reindex loses nothing: the next reindex writes the rows again.
BATCH = 500


@dataclass
class ReindexReport:
    indexed: int = 0
    added: int = 0
    dropped: int = 0  # rows whose file is gone
    problems: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.indexed} file(s) indexed ({self.added} new), {self.dropped} missing row(s) "
            f"dropped, {len(self.problems)} unreadable"
        )


def _stamp(path: Path) -> tuple[int, int, int]:
    """(size, mtime_ns, inode): a file rewritten in place, replaced by a rename or restored
    from a backup changes at least one of them."""
    st = path.stat()
    return st.st_size, st.st_mtime_ns, st.st_ino


def reindex(
    store: DurableStore,
    catalog: Catalog,
    *,
    progress: Callable[[int, str], None] | None = None,
) -> ReindexReport:
    """Bring the catalog in line with the storage folder.

    A file whose row exists under its path with the same stamp as when reindex last read
    it is not opened again (warm: thousands of files a second); every other file (new,
    changed, received since, or on a first reindex) has its header read and its row
    rewritten, its stamp with it, 500 rows a transaction. Plans are recomputed for the
    patients whose files changed, appeared or went.

    A file another arrival is still storing (its pending write names it: an import or a
    receive in another process) is left to that arrival, which records it with its real
    source; read here it was recorded as from an UNKNOWN source. After a crash the next
    start's recovery settles such a write before anything is reindexed.
    """
    report = ReindexReport()
    rows = catalog.indexed_files()
    known = {row.relative_path: row for row in rows}
    by_uid = {row.sop_instance_uid: row for row in rows if not row.removed}
    # Patients whose files are all gone still have plan rows, which must go too.
    stored_patients = {row.patient_id for row in rows if not row.removed}
    touched = {row.patient_id for row in catalog.plans()} - stored_patients
    in_flight = {row["path"] for row in catalog.pending_writes() if row["staged"]}
    seen: set[str] = set()
    batch: list[InstanceRecord] = []
    stamps: dict[str, tuple[int, int, int]] = {}
    for count, path in enumerate(store.iter_stored_files(), start=1):
        relative = path.relative_to(store.root).as_posix()
        if relative in in_flight:
            continue
        row = known.get(relative)
        try:
            stamp = _stamp(path)
        except OSError as exc:
            report.problems.append((relative, exc.strerror or str(exc)))
            continue
        if row is not None and not row.removed and row.stamp == stamp:
            seen.add(row.sop_instance_uid)
            report.indexed += 1
            if progress is not None:
                progress(count, relative)
            continue
        try:
            header = read_header(path)
        except DicomReadError as exc:
            report.problems.append((relative, exc.reason))
            continue
        previous = row or by_uid.get(header.sop_instance_uid)
        batch.append(
            InstanceRecord(
                header,
                relative_path=relative,
                size=stamp[0],
                content_hash=content_hash(path),
                source_ae=previous.source_ae if previous else UNKNOWN_SOURCE,
                calling_ip=previous.calling_ip if previous else "",
                received_at=previous.received_at if previous else None,
                audit_event="reindexed",
            )
        )
        stamps[relative] = stamp
        touched.add(header.patient_id)
        if previous is not None:
            touched.add(previous.patient_id)
        if len(batch) >= BATCH:
            catalog.record_instances(batch, stamps)
            batch.clear()
            stamps.clear()
        seen.add(header.sop_instance_uid)
        report.indexed += 1
        report.added += previous is None
        if progress is not None:
            progress(count, relative)
    catalog.record_instances(batch, stamps)
    gone = [row for row in known.values() if row.sop_instance_uid not in seen and not row.removed]
    if gone:
        catalog.delete_rows(row.sop_instance_uid for row in gone)
        report.dropped = len(gone)
        touched |= {row.patient_id for row in gone}
    for patient_id in sorted(touched):
        catalog.refresh_plans(patient_id)
    LOGGER.info("Reindex: %s", report.summary())
    return report
