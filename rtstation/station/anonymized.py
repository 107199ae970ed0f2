"""Anonymized copies of files: the ``anonymize`` rule action (a copy of a stored bundle for
its nodes) and ``import --anonymize`` (the copy is what gets imported).

A rule with ``anonymize = True`` sends its nodes a copy of the plan bundle made by
:mod:`rtstation.dicom.anonymize` with the profile and options of settings.ini
``[Anonymization]``. The stored originals are never changed: the copies are written
(fsynced, then renamed; the folder fsynced) into ``<data folder>/anonymized/<pid>-<id>/``,
queued from there, and removed once every job that sends them is done. A failed or
cancelled job keeps its copies, so a person can retry it; copies no job needs any more
(a crash between writing and queueing, a job that ended while the station was down) are
removed when the primary station starts.

One UID map per station, ``<data folder>/anonymized/uid-map.json`` (IDENTIFYING: the
original UIDs and patient IDs; owner-only), so a re-send or a late dose maps to the same
new UIDs as the first send and its references still point at what the node already has.
New UIDs are derived from the map's secret and the original UID, so two processes that
share the map (a CLI import beside a running serve) give the same UIDs; each takes in what
the other saved before it saves.

The new identity is the rule's ``anonymize_patient_id`` / ``anonymize_patient_name``, or,
when the rule leaves the ID empty, derived: ``ANON`` + 10 hex digits of SHA-256 of the
map's secret and the original patient ID, the name being that ID unless one is given.
Derived identities are the same on every send of the patient (the map keeps the secret).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pydicom

from rtstation.config import Settings
from rtstation.dicom.anonymize import (
    REPORT_NAME,
    AnonymizationReport,
    AnonymizeOptions,
    Anonymizer,
    UidMap,
    anonymize_paths,
    build_profile,
)
from rtstation.dicom.headers import iter_files, read_header
from rtstation.dicom.machine_map import map_machines
from rtstation.dicom.sop import PLAN_CLASSES
from rtstation.errors import RtStationError
from rtstation.fsync import fsync_dir, make_dirs_durably
from rtstation.routing.send_queue import QueueItem
from rtstation.station.retrieval import patient_folder_name
from rtstation.storage.archive import content_hash

LOGGER = logging.getLogger(__name__)

FOLDER_NAME = "anonymized"
MAP_NAME = "uid-map.json"


@dataclass(frozen=True)
class NewPatient:
    """The identity a rule gives the anonymized copies; empty ID = derived."""

    patient_id: str = ""
    patient_name: str = ""

    def describe(self) -> str:
        if not self.patient_id:
            return "a derived patient ID"
        name = self.patient_name or self.patient_id
        return f"patient ID '{self.patient_id}', name '{name}'"


def anonymize_options(
    settings: Settings,
    *,
    patient_id: str | None = None,
    patient_name: str | None = None,
    profile: str | None = None,
    options: tuple[str, ...] | None = None,
    uid_map_file: str | None = None,
    burned_in: str | None = None,
) -> AnonymizeOptions:
    """settings.ini [Anonymization] with what the caller gives instead.

    Raises ConfigError naming the setting (or ``--option``) when an option name is not
    one of PS3.15's, before any file is touched.
    """
    chosen_profile = profile or settings.anonymization_profile
    chosen_options = options if options is not None else settings.anonymization_options
    source = "--option" if options is not None else "settings.ini [Anonymization] options"
    build_profile(chosen_profile, chosen_options, source=source)
    return AnonymizeOptions(
        profile=chosen_profile,
        options=chosen_options,
        patient_id=patient_id or None,
        patient_name=patient_name or None,
        uid_map_file=uid_map_file
        if uid_map_file is not None
        else (settings.anonymization_uid_map_file or None),
        burned_in=burned_in or settings.anonymization_burned_in,
    )


def load_shared_map(path: Path) -> UidMap:
    """The station's map; the first process to need one creates it (never two secrets).

    A new map is written to a temporary file and linked to ``path`` only if no other
    process got there first; then whatever is at ``path`` is the map.
    """
    if not path.exists():
        make_dirs_durably(path.parent)
        temporary = path.parent / f".new-map-{os.getpid()}-{uuid.uuid4().hex}"
        UidMap().save(temporary)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink()
        fsync_dir(path.parent)
    return UidMap.load(path)


@dataclass(frozen=True)
class CopySet:
    """Anonymized copies of one bundle in one folder, ready to queue."""

    folder: Path
    items: tuple[QueueItem, ...]
    patient_id: str
    refused: tuple[str, ...]
    """One line per stored file that could not be anonymized (it is not sent)."""
    mapped: tuple[str, ...] = ()
    """One line per plan whose treatment machines were renamed in the copy."""


@dataclass
class AnonymizedFiles:
    """Files anonymized into ``folder``, and those refused with their reasons."""

    folder: Path
    written: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False


class AnonymizedCopies:
    """Makes, and later removes, the anonymized copies the station sends or imports."""

    def __init__(self, data_dir: str | os.PathLike[str], settings: Callable[[], Settings]) -> None:
        self.root = Path(data_dir) / FOLDER_NAME
        self._settings = settings
        self._lock = threading.Lock()
        self._map: UidMap | None = None

    @property
    def map_file(self) -> Path:
        return self.root / MAP_NAME

    def uid_map(self) -> UidMap:
        with self._lock:
            if self._map is None:
                self._map = load_shared_map(self.map_file)
            return self._map

    def options(self, patient: NewPatient) -> AnonymizeOptions:
        return anonymize_options(
            self._settings(),
            patient_id=patient.patient_id,
            patient_name=patient.patient_name,
            uid_map_file="",  # the station's map, saved by :meth:`_save_map`
        )

    def new_folder(self) -> Path:
        folder = self.root / f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        make_dirs_durably(folder)
        return folder

    def identity(self, patient: NewPatient, paths: Sequence[str]) -> NewPatient:
        """The rule's identity, or the derived one of the files' patient.

        Derived identities are made explicit here: left to the map, a patient would get
        whatever identity the map last remembered for it (perhaps another rule's).
        """
        if patient.patient_id:
            return patient
        uid_map = self.uid_map()
        for path in paths:
            with contextlib.suppress(Exception):
                derived = uid_map.derived_identity(read_header(path).patient_id)
                return NewPatient(derived.patient_id, patient.patient_name or derived.patient_name)
        return patient

    def copy(
        self,
        paths: Sequence[str],
        patient: NewPatient,
        machine_mapping: dict[str, str] | None = None,
    ) -> CopySet:
        """Anonymize ``paths`` (one patient's files, in send order) into a new folder,
        renaming treatment machines in the copied plans where ``machine_mapping`` says.

        Raises RtStationError when no file could be anonymized; the folder is then gone.
        """
        patient = self.identity(patient, paths)
        anonymizer = Anonymizer(self.options(patient), uid_map=self.uid_map())
        folder = self.new_folder()
        items: list[QueueItem] = []
        mapped: list[str] = []
        try:
            for path in paths:
                target = anonymizer.anonymize_file(path, str(folder))
                if target is None:
                    continue
                item = _queue_item(target)
                if machine_mapping and item.sop_class_uid in PLAN_CLASSES:
                    renamed = _map_machines_in_place(target, machine_mapping)
                    if renamed:
                        item = _queue_item(target)
                        pairs = ", ".join(f"{old} -> {new}" for old, new in sorted(set(renamed)))
                        mapped.append(f"plan {item.sop_instance_uid}: treatment machine {pairs}")
                items.append(item)
            fsync_dir(folder)
            report = anonymizer.finish()
            self._save_map()
        except BaseException:
            self.remove(folder)
            raise
        refused = tuple(f"{p.source}: {p.reason}" for p in report.refused)
        if not items:
            self.remove(folder)
            reason = refused[0] if refused else "there was nothing to anonymize"
            raise RtStationError(f"No anonymized copy could be made: {reason}")
        return CopySet(folder, tuple(items), patient.patient_id, refused, tuple(mapped))

    def anonymize_files(
        self,
        paths: Iterable[str | os.PathLike[str]],
        patient: NewPatient,
        *,
        progress: Callable[[int, int, str], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> AnonymizedFiles:
        """Anonymize every file under ``paths`` into a new folder (import, retrieve).

        With a new patient ID, files of a second patient are refused (one patient per
        run, as ``rtstation anonymize``); without one each patient gets its derived
        identity. ZIP files are refused with the reason: unpack them first. The caller
        removes the folder (:meth:`remove`) when it is done with the files.
        """
        unreadable: list[tuple[str, str]] = []
        files = [Path(p) for p in iter_files(paths, on_unreadable=lambda *f: unreadable.append(f))]
        folder = self.new_folder()
        by_patient: dict[str, Anonymizer] = {}
        result = AnonymizedFiles(folder)
        result.refused.extend(unreadable)
        try:
            for done, path in enumerate(files, start=1):
                if should_cancel is not None and should_cancel():
                    result.cancelled = True
                    break
                if zipfile.is_zipfile(path):
                    result.refused.append(
                        (str(path), "is a ZIP file, which is not anonymized: unpack it first")
                    )
                else:
                    anonymizer = self._anonymizer_for(path, patient, by_patient)
                    if anonymizer.anonymize_file(path, str(folder)) is None:
                        problem = anonymizer.report.refused[-1]
                        result.refused.append((problem.source, problem.reason))
                    else:
                        result.written += 1
                if progress is not None:
                    progress(done, len(files), path.name)
            for anonymizer in by_patient.values():
                anonymizer.finish()
            self._save_map()
            fsync_dir(folder)
        except BaseException:
            self.remove(folder)
            raise
        return result

    def _anonymizer_for(
        self, path: Path, patient: NewPatient, by_patient: dict[str, Anonymizer]
    ) -> Anonymizer:
        """One anonymizer per run with a given ID, else one per original patient."""
        key = ""
        if not patient.patient_id:
            with contextlib.suppress(Exception):  # unreadable: the anonymizer says why
                key = read_header(path).patient_id
        anonymizer = by_patient.get(key)
        if anonymizer is None:
            identity = patient
            if not patient.patient_id:
                derived = self.uid_map().derived_identity(key)
                identity = NewPatient(
                    derived.patient_id, patient.patient_name or derived.patient_name
                )
            anonymizer = Anonymizer(self.options(identity), uid_map=self.uid_map())
            by_patient[key] = anonymizer
        return anonymizer

    def _save_map(self) -> None:
        """Save the map, first taking in what another process saved since we loaded it."""
        with self._lock:
            if self._map is None:
                return
            on_disk = UidMap.load(self.map_file)
            if on_disk.salt == self._map.salt:
                self._map.merge(on_disk)
            self._map.save(self.map_file)

    # -- cleaning up -------------------------------------------------------------------------

    def owns(self, path: str) -> bool:
        try:
            Path(path).resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        return True

    def folders_of(self, paths: Iterable[str]) -> set[Path]:
        """The copy folders the given item paths are in."""
        return {Path(p).parent for p in paths if self.owns(p)}

    def remove(self, folder: Path) -> None:
        if folder.parent != self.root:
            return  # never anything outside our own folders
        shutil.rmtree(folder, ignore_errors=True)
        fsync_dir(self.root)

    def remove_unneeded(self, folders: Iterable[Path], needed: Callable[[Path], bool]) -> None:
        """Remove each folder no unfinished job needs (``needed(folder)`` says whether)."""
        for folder in folders:
            if folder.is_dir() and not needed(folder):
                LOGGER.debug("Removing anonymized copies in %s", folder)
                self.remove(folder)

    def sweep(self, needed: Callable[[Path], bool]) -> None:
        """At start of the primary: remove copy folders of dead processes no job needs."""
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if not folder.is_dir():
                continue
            pid = folder.name.split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
                continue
            if not needed(folder):
                self.remove(folder)


def _map_machines_in_place(path: str, mapping: dict[str, str]) -> list[tuple[str, str]]:
    """Rename the machines of the anonymized plan at ``path`` (a copy: ours to change)."""
    ds = pydicom.dcmread(path)
    renamed = map_machines(ds, mapping)
    if renamed:
        handle, temporary = tempfile.mkstemp(
            prefix=".map-", suffix=".dcm", dir=os.path.dirname(path)
        )
        try:
            with os.fdopen(handle, "wb") as stream:
                ds.save_as(stream, enforce_file_format=True)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    return renamed


def _queue_item(path: str) -> QueueItem:
    header = read_header(path)
    return QueueItem(
        sop_instance_uid=header.sop_instance_uid,
        sop_class_uid=header.sop_class_uid,
        transfer_syntax_uid=header.transfer_syntax_uid,
        path=path,
        size=os.path.getsize(path),
        content_hash=content_hash(Path(path)),
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def anonymize_folder(
    folder: Path, patient: NewPatient, settings: Settings
) -> tuple[Path, AnonymizationReport]:
    """``retrieve --anonymize``: ``OUT/<PatientID>/`` becomes ``OUT/<new ID>/`` anonymized.

    The anonymized files are written into a hidden folder beside it first; only then is
    the retrieved folder (the originals) removed and the new one put in its place, so OUT
    never ends up without either. Profile, options and UID map are settings.ini
    [Anonymization]'s, as for ``rtstation anonymize``. The report (no identifying values)
    goes beside the folder as ``<new ID>-anonymization-report.json``; files that could not
    be anonymized are in its refusals and are not kept.
    """
    options = anonymize_options(
        settings, patient_id=patient.patient_id, patient_name=patient.patient_name
    )
    parent = folder.parent
    temporary = parent / f".anonymizing-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    try:
        report = anonymize_paths([folder], temporary, options, report_file=None)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    target = parent / patient_folder_name(patient.patient_id or "ANONYMIZED")
    shutil.rmtree(folder)
    if target.exists():
        for path in temporary.iterdir():
            os.replace(path, target / path.name)
        temporary.rmdir()
    else:
        os.replace(temporary, target)
    fsync_dir(parent)
    report.out_dir = str(target)
    report.write(str(parent / f"{target.name}-{REPORT_NAME}"))
    return target, report
