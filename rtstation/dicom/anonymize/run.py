"""Anonymize files one at a time into an output folder: the API the CLI, retrieve, import,
the Store dialog and the forwarding rule action call.

Streaming: one file is read, anonymized, written (temporary name, fsync, rename) and
dropped before the next, so a study of any size needs the memory of its largest file;
only UIDs and counts accumulate. A file that cannot be used (not DICOM, truncated, no SOP
Instance UID, burned-in text, another patient than the one named) is refused with its
reason and the run goes on. Output files are named ``<RP|RS|RD|CT|...>.<new SOP Instance
UID>.dcm``: input names often carry the original UIDs or patient IDs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from rtstation.dicom.anonymize.engine import DatasetAnonymizer, Scrubber
from rtstation.dicom.anonymize.profiles import Profile, build_profile, safe_private_attributes
from rtstation.dicom.anonymize.report import AnonymizationReport, FileProblem
from rtstation.dicom.anonymize.uid_map import NewIdentity, UidMap
from rtstation.dicom.anonymize.writer import write_dataset_atomic
from rtstation.dicom.headers import iter_files, read_header
from rtstation.errors import DicomReadError

LOGGER = logging.getLogger(__name__)
REPORT_NAME = "anonymization-report.json"
REFUSE, WARN = "refuse", "warn"
_BURNED_IN_CLASSES = frozenset(
    {
        "1.2.840.10008.5.1.4.1.1.481.1",  # RT Image
        "1.2.840.10008.5.1.4.1.1.7",  # Secondary Capture
        "1.2.840.10008.5.1.4.1.1.7.1",
        "1.2.840.10008.5.1.4.1.1.7.2",
        "1.2.840.10008.5.1.4.1.1.7.3",
        "1.2.840.10008.5.1.4.1.1.7.4",
    }
)
_DEFER_BYTES = 1 << 20
_PREFIX = {"RTPLAN": "RP", "RTSTRUCT": "RS", "RTDOSE": "RD", "RTIMAGE": "RI", "RTRECORD": "RT"}

Progress = Callable[[int, str], None]


class AnonymizationRefused(Exception):
    """One file is not anonymized; the message says why (it becomes the report's reason)."""


@dataclass(frozen=True)
class AnonymizeOptions:
    """Everything a caller chooses for a run (settings.ini [Anonymization] plus the call)."""

    profile: str = "aria"
    options: tuple[str, ...] | None = None  # None: the profile's default options
    patient_id: str | None = None  # None: derived (see UidMap.identity)
    patient_name: str | None = None
    uid_map_file: str | None = None  # persisted map: loaded first, written at the end
    burned_in: str = REFUSE  # RT Image / secondary capture with BurnedInAnnotation YES


class Anonymizer:
    """One run: a profile, one UID map, one new identity per original patient.

    Use :meth:`anonymize_file` per file (or :meth:`anonymize_dataset` for a dataset in
    memory, e.g. a copy about to be sent), then :meth:`finish` to write the map. One
    instance serves one thread; two runs in parallel use two instances (they may share a
    :class:`UidMap`, which is thread-safe). ``safe_private`` replaces the shipped list of
    private attributes kept by RetainSafePrivate: (creator, group, element offset).
    """

    def __init__(
        self,
        options: AnonymizeOptions = AnonymizeOptions(),
        *,
        profile: Profile | None = None,
        uid_map: UidMap | None = None,
        safe_private: frozenset[tuple[str, int, int]] | None = None,
    ) -> None:
        if options.burned_in not in (REFUSE, WARN):
            raise ValueError(f"burned_in '{options.burned_in}': expected refuse or warn")
        self.options = options
        self.profile = profile or build_profile(options.profile, options.options)
        if uid_map is None:
            uid_map = UidMap.load(options.uid_map_file) if options.uid_map_file else UidMap()
        self.uid_map = uid_map
        self.scrubber = Scrubber()
        if safe_private is None:
            safe_private = safe_private_attributes()
        self._engine = DatasetAnonymizer(self.profile, self.uid_map, self.scrubber, safe_private)
        self._bound_patient: str | None = None  # the original patient an explicit ID is for
        self._written: set[str] = set()
        self._pending_warnings: list[FileProblem] = []
        self.report = AnonymizationReport(profile=self.profile.description, out_dir="")

    # -- datasets ----------------------------------------------------------------------------

    def anonymize_dataset(self, ds: Dataset, *, source: str = "dataset") -> Dataset:
        """Anonymize ``ds`` in place and return it; raises AnonymizationRefused."""
        if "SOPInstanceUID" not in ds or not str(ds.SOPInstanceUID).strip():
            raise AnonymizationRefused(
                "has no SOP Instance UID (0008,0018): its anonymized copy could not be referenced"
            )
        self._check_burned_in(ds, source)
        identity = self._identity(_patient_id(ds))
        institution = not self.profile.has("RetainInstitutionIdent")
        self.scrubber.learn(ds, identity.patient_id, institution=institution)
        self._engine.anonymize(ds, identity)
        return ds

    def _identity(self, original_id: str) -> NewIdentity:
        explicit = self.options.patient_id
        if explicit is not None:
            if self._bound_patient is None:
                self._bound_patient = original_id
            elif original_id != self._bound_patient:
                # No patient IDs in the reason: it is written into the output's report.
                raise AnonymizationRefused(
                    f"belongs to another patient than the first file of this run, which "
                    f"gets the new ID '{explicit}': anonymize one patient per run, or let "
                    "the new IDs be derived"
                )
        return self.uid_map.identity(original_id, explicit, self.options.patient_name)

    def _check_burned_in(self, ds: Dataset, source: str) -> None:
        flag = str(ds.get("BurnedInAnnotation", "") or "").strip().upper()
        is_capture = str(ds.get("SOPClassUID", "")) in _BURNED_IN_CLASSES
        if flag == "YES":
            if self.options.burned_in == REFUSE:
                raise AnonymizationRefused(
                    "has Burned In Annotation 'YES': text in its pixels may identify the "
                    "patient and is not removed (allow it with burned_in = warn)"
                )
            self._warn(source, "Burned In Annotation 'YES': text in its pixels was left as it is")
        elif is_capture and flag != "NO":
            self._warn(
                source,
                "RT Image / secondary capture without Burned In Annotation 'NO': check its "
                "pixels for burned-in text",
            )

    def _warn(self, source: str, reason: str) -> None:
        self._pending_warnings.append(FileProblem(source, reason))

    # -- files -------------------------------------------------------------------------------

    def anonymize_file(self, source: str | os.PathLike[str], out_dir: str) -> str | None:
        """Anonymize one file into ``out_dir``; the output path, or None when refused.

        The reason of a refusal (and any warning) goes into :attr:`report`.
        """
        source = os.fspath(source)
        self._pending_warnings = []
        try:
            target = self._anonymize_file(source, out_dir)
        except (DicomReadError, AnonymizationRefused) as exc:
            reason = exc.reason if isinstance(exc, DicomReadError) else str(exc)
            self.report.refused.append(FileProblem(source, reason))
            LOGGER.warning("Not anonymized: %s: %s", source, reason)
            return None
        except OSError as exc:
            reason = f"could not be anonymized into '{out_dir}' ({exc.strerror or exc})"
            self.report.refused.append(FileProblem(source, reason))
            return None
        self.report.written.append((source, target))
        self.report.warnings.extend(
            FileProblem(w.source, w.reason, target) for w in self._pending_warnings
        )
        self.uid_map.record_file(source, os.path.basename(target))
        return target

    def _anonymize_file(self, source: str, out_dir: str) -> str:
        header = read_header(source)  # not DICOM, truncated: DicomReadError with the reason
        try:
            # Large values (pixel data) stay on disk; writer.py streams them to the output.
            ds = pydicom.dcmread(source, force=True, defer_size=_DEFER_BYTES)
        except Exception as exc:  # pydicom raises many types for damaged files
            raise DicomReadError(source, f"damaged DICOM file ({exc})") from exc
        if not header.sop_instance_uid:
            raise AnonymizationRefused("has no SOP Instance UID (0008,0018)")
        original_sop = header.sop_instance_uid
        if original_sop in self._written:
            raise AnonymizationRefused(
                "has the same SOP Instance UID as a file already anonymized in this run"
            )
        _ensure_file_meta(ds)
        self.anonymize_dataset(ds, source=source)
        target = os.path.join(out_dir, _file_name(header.modality, str(ds.SOPInstanceUID)))
        write_dataset_atomic(ds, source, target)
        self._written.add(original_sop)
        return target

    def finish(self) -> AnonymizationReport:
        """Write the persisted UID map (if one was asked for) and complete the report."""
        self.report.counts = self._engine.counts
        self.report.uids_mapped = len(self.uid_map.uids)
        self.report.patients = len(self.uid_map.patients)
        if self.options.uid_map_file:
            self.uid_map.save(self.options.uid_map_file)
            self.report.uid_map_file = os.path.abspath(self.options.uid_map_file)
        return self.report


def anonymize_paths(
    paths: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    options: AnonymizeOptions = AnonymizeOptions(),
    *,
    pattern: str = "*",
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
    report_file: str | os.PathLike[str] | None = "",
) -> AnonymizationReport:
    """Anonymize every file under ``paths`` into ``out_dir`` (created) and report.

    The report without input names goes to ``report_file``: by default ("")
    ``out_dir/anonymization-report.json``, None for no file.
    """
    out = os.path.abspath(os.fspath(out_dir))
    os.makedirs(out, exist_ok=True)
    anonymizer = Anonymizer(options)
    anonymizer.report.out_dir = out

    def unreadable(folder: str, reason: str) -> None:
        anonymizer.report.refused.append(FileProblem(folder, reason))

    for count, path in enumerate(iter_files(paths, pattern, on_unreadable=unreadable), start=1):
        if os.path.abspath(path).startswith(out + os.sep):
            continue  # an output folder inside the input is not input
        if should_cancel is not None and should_cancel():
            anonymizer.report.cancelled = True
            break
        anonymizer.anonymize_file(path, out)
        if progress is not None:
            progress(count, str(path))
    report = anonymizer.finish()
    if report_file is not None:
        report.write(os.fspath(report_file) or os.path.join(out, REPORT_NAME))
    return report


def _file_name(modality: str, sop_instance_uid: str) -> str:
    """``RP.<uid>.dcm``; values from the file (RetainUIDs keeps the original UID) are
    reduced to what is safe in a file name, so no value can reach outside ``out_dir``."""
    prefix = _PREFIX.get(modality) or re.sub(r"[^A-Za-z0-9]", "", modality)[:16] or "DICOM"
    uid = sop_instance_uid.strip()
    if not re.fullmatch(r"[0-9][0-9.]{0,63}", uid):
        uid = hashlib.sha256(uid.encode("utf-8", "replace")).hexdigest()[:32]
    return f"{prefix}.{uid}.dcm"


def _patient_id(ds: Dataset) -> str:
    """PatientID as written (a backslash makes pydicom read several values)."""
    value = ds.get("PatientID", "")
    if isinstance(value, MultiValue):
        return "\\".join(str(v) for v in value)
    return str(value or "")


def _ensure_file_meta(ds: Dataset) -> None:
    """A raw dataset (no File Meta) gets one naming the transfer syntax it was read in."""
    meta = getattr(ds, "file_meta", None)
    if meta is None:
        meta = FileMetaDataset()
        ds.file_meta = meta
    if "TransferSyntaxUID" not in meta:
        implicit, little = ds.original_encoding
        if implicit:
            meta.TransferSyntaxUID = ImplicitVRLittleEndian
        else:
            meta.TransferSyntaxUID = ExplicitVRLittleEndian if little else ExplicitVRBigEndian
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
