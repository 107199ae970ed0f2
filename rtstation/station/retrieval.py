"""Retrieve a patient's plans from an archive, as DicomTools' ``retrieve`` does.

For each patient: C-FIND the studies, series and instances; C-MOVE (or C-GET) every study
into a temporary staging folder; build the RT tree of what arrived; copy only the wanted
plan bundles (``--planId`` by label or UID, ``--onlyApprovedPlans``) to
``<path>/<PatientID>/``; delete the staging folder. Without a plan filter the whole
patient is copied. The IMAGE-level query tells how many instances to expect, so a move
that "succeeds" while nothing arrives is caught and explained instead of producing an
empty folder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rtstation.config import Settings
from rtstation.dicom.headers import InstanceHeader
from rtstation.dicom.rt_tree import PlanBundle, RtTree, build_tree
from rtstation.dicom.scan import scan
from rtstation.errors import RtStationError
from rtstation.net.peer import Peer
from rtstation.net.query import STUDY_ROOT, QueryError, find, text
from rtstation.net.retrieve import (
    RetrieveResult,
    explain_nothing_arrived,
    get,
    move,
)
from rtstation.station.retrieve_sink import RetrieveSink

LOGGER = logging.getLogger(__name__)

#: How long to wait for instances the archive reported sent but that have not arrived yet
#: (an asynchronous archive answers the C-MOVE before its last C-STORE lands).
ARRIVAL_GRACE_SECONDS = 10.0

_FILE_PREFIX = {"RTPLAN": "RP", "RTSTRUCT": "RS", "RTDOSE": "RD", "RTIMAGE": "RI"}


class RetrieveError(RtStationError):
    """A retrieve that could not be carried out; the message says what to check."""


@dataclass(frozen=True)
class RetrieveOptions:
    """What to retrieve and how; mirrors DicomTools' retrieve options."""

    peer: Peer
    output: Path
    plan_ids: tuple[str, ...] = ()
    only_approved: bool = False
    use_get: bool = False
    move_destination: str = ""  # our receiver's AE title as the archive knows it
    receive_port: int = 0  # 0: the configured receiver port
    model: str = STUDY_ROOT


@dataclass(frozen=True)
class RetrieveProgress:
    patient_id: str
    phase: str  # "query", "retrieve", "copy"
    done: int
    total: int
    detail: str = ""


@dataclass
class PatientReport:
    patient_id: str
    folder: Path | None = None
    files: list[Path] = field(default_factory=list)
    plans: list[PlanBundle] = field(default_factory=list)
    tree: RtTree | None = None
    expected: int = 0
    received: int = 0
    archive: list[RetrieveResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and not self.cancelled


ProgressCallback = Callable[[RetrieveProgress], None]


def split_patient_ids(values: Sequence[str]) -> list[str]:
    """``"P1;P2"`` (DicomTools) and repeated options -> ``["P1", "P2"]``, order kept."""
    ids: list[str] = []
    for value in values:
        for part in value.split(";"):
            if part.strip() and part.strip() not in ids:
                ids.append(part.strip())
    return ids


def select_plans(tree: RtTree, plan_ids: Sequence[str], only_approved: bool) -> list[PlanBundle]:
    """The bundles a retrieve keeps: by label or UID, and approved only when asked."""
    wanted = {p.strip() for p in plan_ids if p.strip()}
    chosen = []
    for bundle in tree.plans:
        plan = bundle.plan
        if wanted and plan.plan_label not in wanted and plan.sop_instance_uid not in wanted:
            continue
        if only_approved and plan.approval_status.upper() != "APPROVED":
            continue
        chosen.append(bundle)
    return chosen


def _file_name(header: InstanceHeader) -> str:
    prefix = _FILE_PREFIX.get(header.modality, header.modality or "OT")
    uid = "".join(ch for ch in header.sop_instance_uid if ch.isdigit() or ch == ".")
    return f"{prefix}.{uid}.dcm"


def _copy(headers: Sequence[InstanceHeader], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for header in headers:
        target = folder / _file_name(header)
        shutil.copyfile(header.path, target)
        written.append(target)
    return written


def _wait_for_arrivals(sink: RetrieveSink, count: int, should_cancel: Callable[[], bool]) -> int:
    deadline = time.monotonic() + ARRIVAL_GRACE_SECONDS
    while sink.received() < count and time.monotonic() < deadline and not should_cancel():
        time.sleep(0.1)
    return sink.received()


class PatientRetriever:
    """Retrieves patients one after another through one sink (listener or claim)."""

    def __init__(
        self,
        settings: Settings,
        data_dir: Path | str,
        options: RetrieveOptions,
        *,
        progress: ProgressCallback | None = None,
        should_cancel: Callable[[], bool] | None = None,
        bind_address: str = "",
    ) -> None:
        self.settings = settings
        self.data_dir = Path(data_dir)
        self.options = options
        self._progress = progress
        self._should_cancel = should_cancel or (lambda: False)
        self.destination = options.move_destination or options.peer.calling_ae
        self.bind_address = bind_address

    def _report(self, patient_id: str, phase: str, done: int, total: int, detail: str = "") -> None:
        if self._progress is not None:
            self._progress(RetrieveProgress(patient_id, phase, done, total, detail))

    def retrieve(self, patient_ids: Sequence[str]) -> list[PatientReport]:
        reports = []
        sink = RetrieveSink.open(
            self.settings,
            self.data_dir,
            use_get=self.options.use_get,
            originator_ae=self.options.peer.calling_ae,
            receive_ae=self.destination,
            receive_port=self.options.receive_port,
            bind_address=self.bind_address,
        )
        try:
            for patient_id in patient_ids:
                report = self._one(patient_id, sink)
                reports.append(report)
                if report.cancelled:
                    break
        finally:
            sink.close()
        return reports

    def _query(self, patient_id: str) -> tuple[list[str], set[str]]:
        """Study UIDs and every SOP Instance UID of the patient, by C-FIND."""
        peer, model = self.options.peer, self.options.model
        studies = find(peer, "STUDY", {"PatientID": patient_id}, model=model).matches
        study_uids = [text(s, "StudyInstanceUID") for s in studies if text(s, "StudyInstanceUID")]
        uids: set[str] = set()
        for index, study_uid in enumerate(study_uids, start=1):
            self._report(patient_id, "query", index, len(study_uids), study_uid)
            keys = {"PatientID": patient_id, "StudyInstanceUID": study_uid}
            for series in find(peer, "SERIES", keys, model=model).matches:
                series_uid = text(series, "SeriesInstanceUID")
                image_keys = {**keys, "SeriesInstanceUID": series_uid}
                for image in find(peer, "IMAGE", image_keys, model=model).matches:
                    if uid := text(image, "SOPInstanceUID"):
                        uids.add(uid)
        return study_uids, uids

    def _one(self, patient_id: str, sink: RetrieveSink) -> PatientReport:
        report = PatientReport(patient_id)
        before = sink.received()
        try:
            study_uids, expected = self._query(patient_id)
        except QueryError as exc:
            report.problems.append(str(exc))
            return report
        report.expected = len(expected)
        if not study_uids:
            report.problems.append(
                f"The archive {self.options.peer.describe()} has no study of patient "
                f"'{patient_id}': check the patient ID"
            )
            return report
        completed = 0
        for index, study_uid in enumerate(study_uids, start=1):
            if self._should_cancel():
                report.cancelled = True
                break
            result = self._fetch(patient_id, study_uid, sink, expected, index, len(study_uids))
            report.archive.append(result)
            completed += result.completed
            if result.cancelled:
                report.cancelled = True
                break
            if result.status is None or result.status not in (0x0000, 0xB000, 0xFE00):
                report.problems.append(result.reason)
                break
            if result.failed:
                report.problems.append(result.reason)
        received_total = _wait_for_arrivals(sink, before + completed, self._should_cancel)
        report.received = received_total - before
        if not report.problems and not report.cancelled and completed and not report.received:
            report.problems.append(
                explain_nothing_arrived(
                    self.options.peer, self.destination, completed, 0, sink.receive_port
                )
            )
        if report.cancelled or report.problems:
            return report
        # One staging folder for all patients of a run: the copy picks this patient's files.
        self._select_and_copy(patient_id, sink.staging_dir, report)
        return report

    def _fetch(
        self,
        patient_id: str,
        study_uid: str,
        sink: RetrieveSink,
        expected: set[str],
        index: int,
        total: int,
    ) -> RetrieveResult:
        peer = self.options.peer
        keys = {"PatientID": patient_id, "StudyInstanceUID": study_uid}

        def progress(completed: int, remaining: int, failed: int, warning: int) -> None:
            self._report(
                patient_id,
                "retrieve",
                completed + failed + warning,
                completed + failed + warning + remaining,
                f"study {index}/{total}",
            )

        if sink.mode == "get":
            return get(
                peer,
                "STUDY",
                keys,
                sink.keep,
                model=self.options.model,
                on_progress=progress,
                should_cancel=self._should_cancel,
            )
        message_id = random.randint(2, 65535)
        sink.expect(message_id=message_id, uids=expected)
        return move(
            peer,
            self.destination,
            "STUDY",
            keys,
            model=self.options.model,
            msg_id=message_id,
            on_progress=progress,
            should_cancel=self._should_cancel,
            receive_port=sink.receive_port,
        )

    def _select_and_copy(self, patient_id: str, staging: Path, report: PatientReport) -> None:
        scanned = scan([staging])
        headers = [h for h in scanned.headers if h.patient_id == patient_id]
        tree = build_tree(headers)
        report.tree = tree
        options = self.options
        if options.plan_ids or options.only_approved:
            report.plans = select_plans(tree, options.plan_ids, options.only_approved)
            chosen: dict[str, InstanceHeader] = {}
            for bundle in report.plans:
                for header in bundle.instances():
                    chosen.setdefault(header.sop_instance_uid, header)
            members = list(chosen.values())
            if not members:
                what = f"plan '{', '.join(options.plan_ids)}'" if options.plan_ids else "plan"
                approved = " approved" if options.only_approved else ""
                labels = ", ".join(f"'{b.plan.plan_label}'" for b in tree.plans) or "none"
                report.problems.append(
                    f"Patient '{patient_id}' has no{approved} {what} (plans found: {labels})"
                )
                return
        else:
            report.plans = list(tree.plans)
            members = list(headers)
        folder = options.output / patient_folder_name(patient_id)
        self._report(patient_id, "copy", 0, len(members))
        report.files = _copy(members, folder)
        report.folder = folder
        self._report(patient_id, "copy", len(members), len(members))
        # Instances of this patient leave the shared staging folder once copied.
        for header in headers:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(header.path)


def patient_folder_name(patient_id: str) -> str:
    """``<path>/<this>/`` of a patient: the ID without characters no file system takes."""
    cleaned = "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in patient_id)
    return cleaned.strip(" .") or "_"
