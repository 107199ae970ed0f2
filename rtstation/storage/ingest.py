"""The one path by which anything enters the station: network receive, folder import, ZIP.

``Ingestor.ingest`` returns only once the instance is durably on disk under its final name
and committed to the catalog; the receiver acknowledges a C-STORE only after that. Bad data
and full disks raise :class:`DicomReadError` and :class:`StorageError`, which the receiver
turns into 0xC210 and 0xA700; nothing half-written remains either way.

Duplicates: the same SOP Instance UID with the same dataset bytes is a no-op; with other
bytes it replaces the stored file, and the replacement is logged and audited.
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import FileMetaDataset
from pydicom.filewriter import write_file_meta_info
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from rtstation.dicom.headers import InstanceHeader, read_header
from rtstation.dicom.integrity import dataset_offset
from rtstation.errors import DicomReadError
from rtstation.events import EventBus, InstanceStored
from rtstation.storage.archive import DurableStore, Staged, content_hash
from rtstation.storage.catalog import Catalog, CatalogInstance
from rtstation.storage.layout import instance_path

LOGGER = logging.getLogger(__name__)

IMPORT_SOURCE = "IMPORT_FOLDER"
MEDIA_DIRECTORY_CLASS = "1.2.840.10008.1.3.10"


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # "stored", "duplicate" or "replaced"
    header: InstanceHeader  # path is the final absolute path
    relative_path: str
    content_hash: str


class Ingestor:
    """Stores instances durably and indexes them; safe to call from many threads at once."""

    def __init__(
        self,
        store: DurableStore,
        catalog: Catalog,
        bus: EventBus | None = None,
        *,
        verbose: bool = False,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.bus = bus or EventBus()
        self.verbose = verbose
        # Serialises only the short "check duplicate, rename, commit" step; copying and
        # hashing (the slow part) run in parallel across associations.
        self._commit_lock = threading.Lock()

    def ingest(
        self, source: Path, *, source_ae: str, calling_ip: str = "", move: bool = False
    ) -> IngestResult:
        """Store one file. ``move`` takes ownership of ``source`` (a receiver temp file)."""
        source = Path(source)
        staged = self._stage(source, move=move)
        try:
            header = read_header(staged.path)
        except DicomReadError as exc:
            self.store.discard(staged)
            raise DicomReadError(str(source), exc.reason) from exc
        if header.sop_class_uid == MEDIA_DIRECTORY_CLASS:
            self.store.discard(staged)
            raise DicomReadError(str(source), "a DICOMDIR (media index), not an instance")
        return self._commit(staged, header, source_ae=source_ae, calling_ip=calling_ip)

    def _stage(self, source: Path, *, move: bool) -> Staged:
        try:
            with open(source, "rb") as f:
                is_raw = dataset_offset(f) == 0
                empty = f.seek(0, io.SEEK_END) == 0
        except OSError as exc:
            raise DicomReadError(str(source), f"cannot be read ({exc.strerror or exc})") from exc
        if empty:  # the same words read_header uses, not "no SOP UIDs"
            raise DicomReadError(str(source), "empty file (0 bytes)")
        if move and not is_raw:
            return self.store.stage_move(source)
        # A raw dataset (a ZIP member, an old export) gets a File Meta, so it is copied even
        # when it is ours to move: every stored file is a proper Part 10 file.
        prefix = _part10_prefix(source) if is_raw else b""
        staged = self.store.stage_copy(source, prefix=prefix)
        if move:
            with contextlib.suppress(OSError):
                source.unlink()
        return staged

    def _commit(
        self, staged: Staged, header: InstanceHeader, *, source_ae: str, calling_ip: str
    ) -> IngestResult:
        relative = instance_path(header).as_posix()
        uid = header.sop_instance_uid
        with self._commit_lock:
            try:
                existing = self.catalog.get(uid)
                current = existing if existing is not None and existing.removed_at is None else None
                if (
                    current is not None
                    and current.content_hash == staged.content_hash
                    and Path(current.header.path).exists()
                ):
                    self.store.discard(staged)
                    return self._duplicate(current, staged.content_hash, source_ae)
                self.catalog.add_pending(relative, uid, source_ae, calling_ip)
            except BaseException:
                # Nothing is acknowledged (a database error, say): the staged copy goes now
                # rather than at the next start.
                self.store.discard(staged)
                raise
            final = self.store.commit(staged, relative)
            detail = ""
            if current is not None:
                detail = (
                    f"replaced the copy received {current.received_at} from "
                    f"{current.source_ae or 'unknown'} (other bytes)"
                )
                LOGGER.warning(
                    "Instance %s received again from %s with other bytes: replaced", uid, source_ae
                )
            self.catalog.record_instance(
                header,
                relative_path=relative,
                size=staged.size,
                content_hash=staged.content_hash,
                source_ae=source_ae,
                calling_ip=calling_ip,
                audit_event="stored" if current is None else "replaced",
                audit_detail=detail,
            )
            if current is not None and current.relative_path != relative:
                old_file = Path(current.header.path)
                with contextlib.suppress(OSError):
                    old_file.unlink()
                self.store.remove_empty_folders(old_file.parent)
        result = IngestResult(
            "stored" if current is None else "replaced",
            replace(header, path=str(final)),
            relative,
            staged.content_hash,
        )
        if self.verbose:
            LOGGER.info("Stored %s %s from %s", header.modality, uid, source_ae)
        self._publish(result, source_ae)
        return result

    def _duplicate(self, current: CatalogInstance, digest: str, source_ae: str) -> IngestResult:
        """The same bytes again: nothing to store, but the arrival is audited and announced."""
        uid = current.sop_instance_uid
        LOGGER.debug("Duplicate of %s from %s ignored (same bytes)", uid, source_ae)
        self.catalog.audit(
            "duplicate",
            sop_instance_uid=uid,
            source=source_ae,
            detail=f"same bytes as the copy received {current.received_at}: ignored",
        )
        result = IngestResult("duplicate", current.header, current.relative_path, digest)
        self._publish(result, source_ae)
        return result

    def _publish(self, result: IngestResult, source_ae: str) -> None:
        header = result.header
        self.bus.publish(
            InstanceStored(
                sop_instance_uid=header.sop_instance_uid,
                patient_id=header.patient_id,
                modality=header.modality,
                source_ae=source_ae,
                path=header.path,
                outcome=result.outcome,
            )
        )

    def recover(self) -> int:
        """Finish what a crash interrupted; returns how many stored files were healed.

        Files still in the incoming folder were never acknowledged: they are dropped. A file
        renamed into place whose catalog row was not written yet is indexed now.
        """
        dropped = self.store.clean_incoming()
        if dropped:
            LOGGER.info("Removed %d unfinished file(s) left by an interrupted receive", dropped)
        healed = 0
        for row in self.catalog.pending_writes():
            final = self.store.root / row["path"]
            if not final.exists():
                self.catalog.clear_pending(row["path"])
                continue
            try:
                header = read_header(final)
            except DicomReadError as exc:
                LOGGER.error("Cannot heal %s: %s", final, exc.reason)
                self.catalog.clear_pending(row["path"])
                continue
            digest = content_hash(final)
            existing = self.catalog.get(header.sop_instance_uid)
            if (
                existing is not None
                and existing.removed_at is None
                and existing.relative_path == row["path"]
                and existing.content_hash == digest
            ):
                # The crash came before the rename: the file is the copy already indexed.
                self.catalog.clear_pending(row["path"])
                continue
            self.catalog.record_instance(
                header,
                relative_path=row["path"],
                size=final.stat().st_size,
                content_hash=digest,
                source_ae=row["source_ae"],
                calling_ip=row["calling_ip"],
                received_at=row["created_at"],
                audit_event="healed",
                audit_detail="indexed at startup after an interrupted store",
            )
            healed += 1
        if healed:
            LOGGER.warning("Indexed %d instance(s) whose store was interrupted", healed)
        return healed


def _part10_prefix(source: Path) -> bytes:
    """Preamble and File Meta for a raw dataset file (one written without a DICM header)."""
    try:
        ds = dcmread(source, force=True, stop_before_pixels=True)
    except Exception as exc:
        raise DicomReadError(str(source), f"not a DICOM file ({exc})") from exc
    if "SOPClassUID" not in ds or "SOPInstanceUID" not in ds:
        raise DicomReadError(str(source), "not a DICOM file (no DICM preamble and no SOP UIDs)")
    implicit, little = ds.original_encoding
    if implicit:
        syntax = ImplicitVRLittleEndian
    else:
        syntax = ExplicitVRLittleEndian if little else ExplicitVRBigEndian
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = syntax
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    buffer = io.BytesIO()
    buffer.write(b"\x00" * 128 + b"DICM")
    write_file_meta_info(buffer, meta, enforce_standard=True)
    return buffer.getvalue()
