"""The one path by which anything enters the station: network receive, folder import, ZIP.

``Ingestor.ingest`` returns only once the instance is durably on disk under its final name
and committed to the catalog; the receiver acknowledges a C-STORE only after that. Bad data
and full disks raise :class:`DicomReadError` and :class:`StorageError`, which the receiver
turns into 0xC210 and 0xA700; nothing half-written remains either way.

Duplicates: the same SOP Instance UID with the same dataset bytes is a no-op; with other
bytes it replaces the stored file, and the replacement is logged and audited.

One store, in order (docs/architecture.md "What is on disk when" says why it is enough):
the staged file's fsync starts; its header is read and checked; the catalog row and a
pending write naming the staged file are committed together (one durable commit, while
the file's fsync runs); the file is renamed into place once its fsync is done, and its
folder fsynced; the pending write is cleared (a commit that does not wait for the disk).
The row is hidden from readers until then. A crash at any point leaves either a staged
file (never acknowledged: dropped at startup) or a pending write that :meth:`recover`
resolves by content hash: the rename is finished, or the previous state put back.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import write_file_meta_info
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from rtstation.dicom import sop
from rtstation.dicom.headers import InstanceHeader, read_header
from rtstation.dicom.integrity import dataset_offset
from rtstation.errors import DicomReadError, InstanceConflict
from rtstation.events import EventBus, InstanceStored
from rtstation.fsync import fsync_dir, make_dirs_durably
from rtstation.storage.archive import DurableStore, Staged, content_hash, process_alive
from rtstation.storage.catalog import Catalog, CatalogInstance, InstanceRecord
from rtstation.storage.layout import INCOMING_DIR, instance_path

LOGGER = logging.getLogger(__name__)

IMPORT_SOURCE = "IMPORT_FOLDER"


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # "stored", "duplicate" or "replaced"
    header: InstanceHeader  # path is the final absolute path
    relative_path: str
    content_hash: str
    #: The patient a replaced copy was stored under, when the new copy names another one
    #: (a corrected patient ID): that patient's plans changed too.
    moved_from: str = ""


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
        # Serialises "check duplicate, commit, rename" per SOP Instance UID: two arrivals
        # of one instance must not interleave, different instances (and their fsyncs) go
        # in parallel across associations.
        self._locks = _KeyedLocks()

    def ingest(
        self,
        source: Path,
        *,
        source_ae: str,
        calling_ip: str = "",
        move: bool = False,
        content_hash_hint: str | None = None,
        dataset_hint: Dataset | None = None,
    ) -> IngestResult:
        """Store one file. ``move`` takes ownership of ``source`` (a receiver temp file);
        ``content_hash_hint`` is its dataset hash when the writer computed it already;
        ``dataset_hint`` its dataset when the caller parsed it already (used only while
        the file stays where it was parsed: its deferred values are read from there)."""
        source = Path(source)
        staged = self._stage(source, move=move, content_hash_hint=content_hash_hint)
        parsed = dataset_hint if staged.path == source else None
        try:
            header = read_header(staged.path, dataset=parsed, own_uids=True)
        except DicomReadError as exc:
            self.store.discard(staged)
            raise DicomReadError(str(source), exc.reason) from exc
        if header.sop_class_uid == sop.MEDIA_DIRECTORY_STORAGE:
            self.store.discard(staged)
            raise DicomReadError(str(source), "a DICOMDIR (media index), not an instance")
        return self._commit(
            staged, header, source_ae=source_ae, calling_ip=calling_ip, name=str(source)
        )

    def _stage(self, source: Path, *, move: bool, content_hash_hint: str | None = None) -> Staged:
        try:
            with open(source, "rb") as f:
                is_raw = dataset_offset(f) == 0
                empty = f.seek(0, io.SEEK_END) == 0
        except OSError as exc:
            raise DicomReadError(str(source), f"cannot be read ({exc.strerror or exc})") from exc
        if empty:  # the same words read_header uses, not "no SOP UIDs"
            raise DicomReadError(str(source), "empty file (0 bytes)")
        if move and not is_raw:
            return self.store.stage_move(source, content_hash_hint=content_hash_hint)
        # A raw dataset (a ZIP member, an old export) gets a File Meta, so it is copied even
        # when it is ours to move: every stored file is a proper Part 10 file.
        prefix = _part10_prefix(source) if is_raw else b""
        staged = self.store.stage_copy(source, prefix=prefix)
        if move:
            with contextlib.suppress(OSError):
                source.unlink()
        return staged

    def _commit(
        self,
        staged: Staged,
        header: InstanceHeader,
        *,
        source_ae: str,
        calling_ip: str,
        name: str,
    ) -> IngestResult:
        relative = instance_path(header).as_posix()
        uid = header.sop_instance_uid
        with self._locks.hold(uid):
            try:
                existing = self.catalog.get(uid, include_in_flight=True)
                current = existing if existing is not None and existing.removed_at is None else None
                if (
                    current is not None
                    and current.content_hash == staged.content_hash
                    and Path(current.header.path).exists()
                    # not an arrival still in flight (another process's, or one whose
                    # clearing failed): its file may not be the one the row means yet
                    and self.catalog.get(uid) is not None
                ):
                    self.store.discard(staged)
                    return self._duplicate(current, staged.content_hash, source_ae)
                detail = ""
                same_bytes = current is not None and current.content_hash == staged.content_hash
                if current is not None:
                    _refuse_collision(current, header, name)
                    how = "the same bytes, still being stored" if same_bytes else "other bytes"
                    detail = (
                        f"replaced the copy received {current.received_at} from "
                        f"{current.source_ae or 'unknown'} ({how})"
                    )
                record = InstanceRecord(
                    header,
                    relative_path=relative,
                    size=staged.size,
                    content_hash=staged.content_hash,
                    source_ae=source_ae,
                    calling_ip=calling_ip,
                    audit_event="stored" if current is None else "replaced",
                    audit_detail=detail,
                )
                staged_name = staged.path.relative_to(self.store.root).as_posix()
                self.catalog.record_arrival(record, staged=staged_name)
            except BaseException:
                # Nothing is acknowledged (a database error, say): the staged copy goes now
                # rather than at the next start.
                self.store.discard(staged)
                raise
            try:
                final = self.store.commit(staged, relative)
            except BaseException:
                self._undo(record, current)
                raise
            self.catalog.finish_arrival(relative)
            moved_from = ""
            if current is not None and same_bytes:
                # another import or receive of the same file, not yet finished: stored here too
                LOGGER.info("Instance %s from %s stored again (same bytes)", uid, source_ae)
            elif current is not None:
                LOGGER.warning(
                    "Instance %s received again from %s with other bytes: replaced", uid, source_ae
                )
                if current.relative_path != relative:
                    old_file = Path(current.header.path)
                    with contextlib.suppress(OSError):
                        old_file.unlink()
                    self.store.remove_empty_folders(old_file.parent)
                if current.header.patient_id != header.patient_id:
                    moved_from = current.header.patient_id
                    self._moved(uid, moved_from, header.patient_id)
        result = IngestResult(
            "stored" if current is None else "replaced",
            replace(header, path=str(final)),
            relative,
            staged.content_hash,
            moved_from,
        )
        if self.verbose:
            LOGGER.info("Stored %s %s from %s", header.modality, uid, source_ae)
        self._publish(result, source_ae)
        return result

    def _moved(self, uid: str, old_patient: str, new_patient: str) -> None:
        """A replacement moved ``uid`` to another patient: the old patient's plans rows
        no longer hold it (they would show a plan, or a bundle, that is not there)."""
        LOGGER.warning(
            "Instance %s now belongs to patient %r, no longer to %r (a corrected patient ID)",
            uid,
            new_patient,
            old_patient,
        )
        try:
            self.catalog.refresh_plans(old_patient)
        except Exception:
            # stored and committed already: the next change of that patient refreshes it
            LOGGER.exception("Could not refresh the plans of patient %r", old_patient)

    def _undo(self, record: InstanceRecord, previous: CatalogInstance | None) -> None:
        """The rename failed after the row was committed: put the previous row back."""
        restore = None
        if previous is not None:
            restore = InstanceRecord(
                replace(previous.header, path=previous.relative_path),
                relative_path=previous.relative_path,
                size=previous.size,
                content_hash=previous.content_hash,
                source_ae=previous.source_ae,
                calling_ip=previous.calling_ip,
                received_at=previous.received_at,
                audit_event="restored",
                audit_detail="the replacing copy could not be stored",
            )
        try:
            self.catalog.undo_arrival(record.relative_path, record.header.sop_instance_uid, restore)
        except Exception:
            LOGGER.exception(
                "Could not undo the catalog row of %s; it is resolved at the next start",
                record.header.sop_instance_uid,
            )

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

        Pending writes are resolved first (an arrival's staged file may still be needed to
        finish its rename), then files still in the incoming folder, never acknowledged,
        are dropped.
        """
        healed = 0
        for row in self.catalog.pending_writes():
            staged = row["staged"]
            if staged:
                healed += self._resolve_arrival(row, staged)
            else:
                healed += self._heal_rename(row)
        dropped = self.store.clean_incoming()
        if dropped:
            LOGGER.info("Removed %d unfinished file(s) left by an interrupted receive", dropped)
        if healed:
            LOGGER.warning("Indexed %d instance(s) whose store was interrupted", healed)
        return healed

    def _resolve_arrival(self, row: sqlite3.Row, staged_name: str) -> int:
        """An arrival committed before its rename: finish it, or put the disk's state back.

        The row says which bytes were meant (its content hash). The staged file with those
        bytes is renamed into place; a file already under the final name with those bytes
        means the rename was done; a file there with other bytes is the previous copy,
        indexed again; with neither, the row goes (nothing was acknowledged).
        """
        path = row["path"]
        parts = Path(staged_name).parts
        owner = parts[1] if len(parts) > 2 and parts[0] == INCOMING_DIR else ""
        if owner != str(os.getpid()) and process_alive(owner):
            return 0  # another running process is storing it right now
        uid = row["sop_instance_uid"]
        final = self.store.root / path
        staged = self.store.root / staged_name
        instance = self.catalog.get(uid, include_in_flight=True)
        meant = instance.content_hash if instance and instance.relative_path == path else None
        if meant and staged.is_file() and content_hash(staged) == meant:
            make_dirs_durably(final.parent)
            os.replace(staged, final)
            fsync_dir(final.parent)
            self.catalog.clear_pending(path)
            self.catalog.audit(
                "healed",
                sop_instance_uid=uid,
                source=row["source_ae"],
                detail="finished at startup: the store was interrupted before its rename",
            )
            return 1
        if final.is_file():
            digest = content_hash(final)
            if digest == meant:
                self.catalog.clear_pending(path)  # renamed; only the clearing was lost
                return 0
            try:
                header = read_header(final)
            except DicomReadError as exc:
                LOGGER.error("Cannot heal %s: %s", final, exc.reason)
                self.catalog.undo_arrival(path, uid, None)
                return 0
            self.catalog.record_instance(
                header,
                relative_path=path,
                size=final.stat().st_size,
                content_hash=digest,
                source_ae=row["source_ae"],
                calling_ip=row["calling_ip"],
                received_at=row["created_at"],
                audit_event="healed",
                audit_detail="an interrupted replacement was dropped; the stored copy is kept",
            )
            return 1
        self.catalog.undo_arrival(path, uid, None)
        return 0

    def _heal_rename(self, row: sqlite3.Row) -> int:
        """A pending write of the earlier protocol (pending write, rename, then the row)."""
        final = self.store.root / row["path"]
        if not final.exists():
            self.catalog.clear_pending(row["path"])
            return 0
        try:
            header = read_header(final)
        except DicomReadError as exc:
            LOGGER.error("Cannot heal %s: %s", final, exc.reason)
            self.catalog.clear_pending(row["path"])
            return 0
        digest = content_hash(final)
        existing = self.catalog.get(header.sop_instance_uid, include_in_flight=True)
        if (
            existing is not None
            and existing.removed_at is None
            and existing.relative_path == row["path"]
            and existing.content_hash == digest
        ):
            # The crash came before the rename: the file is the copy already indexed.
            self.catalog.clear_pending(row["path"])
            return 0
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
        return 1


class _KeyedLocks:
    """One lock per key, created on demand and dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)


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


def _refuse_collision(stored: CatalogInstance, arriving: InstanceHeader, name: str) -> None:
    """Raise :class:`InstanceConflict` unless ``arriving`` may replace ``stored``: an
    object of the same SOP class (a corrected re-send; a corrected patient ID moves it)."""
    if stored.header.sop_class_uid == arriving.sop_class_uid:
        return
    was, now = stored.header.modality or "instance", arriving.modality or "another kind"
    raise InstanceConflict(
        name,
        f"its SOP Instance UID {arriving.sop_instance_uid} belongs to another object (a "
        f"stored {was} of patient {stored.header.patient_id!r}, this one a {now} of "
        f"patient {arriving.patient_id!r}): refused, the stored copy is kept",
    )
