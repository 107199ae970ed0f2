"""Rebuild the catalog from the storage folder (the catalog is an index, not the data).

What the files cannot tell (which AE sent them, from which address, when) is kept from the
catalog rows that still exist; instances found only on disk get source ``UNKNOWN``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

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


def reindex(
    store: DurableStore,
    catalog: Catalog,
    *,
    progress: Callable[[int, str], None] | None = None,
) -> ReindexReport:
    report = ReindexReport()
    known = {i.relative_path: i for i in catalog.instances(include_removed=True)}
    # Patients whose files are all gone still have plan rows, which must go too.
    patients = {row.patient_id for row in catalog.plans()}
    seen: set[str] = set()
    batch: list[InstanceRecord] = []
    for count, path in enumerate(store.iter_stored_files(), start=1):
        relative = path.relative_to(store.root).as_posix()
        try:
            header = read_header(path)
        except DicomReadError as exc:
            report.problems.append((relative, exc.reason))
            continue
        previous = known.get(relative) or catalog.get(header.sop_instance_uid)
        batch.append(
            InstanceRecord(
                header,
                relative_path=relative,
                size=path.stat().st_size,
                content_hash=content_hash(path),
                source_ae=previous.source_ae if previous else UNKNOWN_SOURCE,
                calling_ip=previous.calling_ip if previous else "",
                received_at=previous.received_at if previous else None,
                audit_event="reindexed",
            )
        )
        if len(batch) >= BATCH:
            catalog.record_instances(batch)
            batch.clear()
        seen.add(header.sop_instance_uid)
        report.indexed += 1
        report.added += previous is None
        if progress is not None:
            progress(count, relative)
    catalog.record_instances(batch)
    gone = [
        i.sop_instance_uid
        for i in known.values()
        if i.sop_instance_uid not in seen and i.removed_at is None
    ]
    if gone:
        catalog.delete_rows(gone)
        report.dropped = len(gone)
    for patient_id in sorted(patients | set(catalog.patient_ids())):
        catalog.refresh_plans(patient_id)
    LOGGER.info("Reindex: %s", report.summary())
    return report
