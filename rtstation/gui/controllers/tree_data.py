"""Immutable snapshots of what the plan tree shows, built off the GUI thread.

A worker reads the catalog and builds these plain frozen records; the GUI thread only
swaps them into the model (docs/conventions.md, "Threads": only immutable summaries cross
threads). All the formatting that costs something (grouping 150 slices by modality, turning ISO
timestamps into local time) happens here, in the worker, so applying a refreshed patient on the
GUI thread is a few comparisons and a ``dataChanged``.

Qt-free on purpose: unit tests build snapshots without a display, and the fetch can be
timed on its own.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject

from rtstation.dicom import sop
from rtstation.dicom.headers import InstanceHeader
from rtstation.dicom.rt_tree import PlanBundle, build_tree
from rtstation.storage.catalog_views import PatientOutline

if TYPE_CHECKING:
    from rtstation.station import Station

LOGGER = logging.getLogger(__name__)

MODALITY_ORDER = ("CT", "MR", "PT", "NM", "RTSTRUCT", "RTPLAN", "RTDOSE", "RTIMAGE")


@dataclass(frozen=True)
class FileRow:
    """One stored instance as the tree and the files table show it."""

    sop_instance_uid: str
    modality: str
    sop_class_uid: str
    sop_class_name: str
    size: int
    source_ae: str
    received: str  # local time, "2024-01-16 09:30"
    received_iso: str  # for sorting
    instance_number: int | None
    series_description: str


@dataclass(frozen=True)
class GroupSnapshot:
    """The files of one modality under a plan (or under a patient's unconnected node)."""

    modality: str
    files: tuple[FileRow, ...]


@dataclass(frozen=True)
class PlanSnapshot:
    """One plan row: what the columns show, and the bundle for the details panel."""

    plan_uid: str
    patient_id: str
    patient_name: str
    label: str
    name: str
    approval: str
    source_ae: str
    received: str
    received_iso: str
    completeness: str
    complete: bool
    missing: str  # "3 CT slices, the structure set" for a tooltip; "" when complete
    groups: tuple[GroupSnapshot, ...]
    forwarded: tuple[tuple[str, str], ...]  # (node, job state) known when fetched
    waiting: str
    bundle: PlanBundle | None  # None in an outline: the files are not read yet
    decision: str = ""  # the rules' verdict: "pending", "forwarded", "not-forwarded" or ""
    rules: Any = None  # PlanExplanation: the stored verdicts as reason codes, the sends
    outline: bool = False  # from the plans table only: no groups, no bundle yet

    def files(self) -> tuple[FileRow, ...]:
        return tuple(f for g in self.groups for f in g.files)


@dataclass(frozen=True)
class UnconnectedSnapshot:
    """What belongs to no plan of the patient (a CT sent before its plan, a lone dose)."""

    patient_id: str
    groups: tuple[GroupSnapshot, ...]


@dataclass(frozen=True)
class PatientSnapshot:
    """A patient and everything under it; ``empty`` when nothing of it is stored any more."""

    patient_id: str
    patient_name: str
    plans: tuple[PlanSnapshot, ...]
    unconnected: UnconnectedSnapshot | None
    received: str
    received_iso: str
    source_aes: tuple[str, ...]
    outline: bool = False  # plans without their files; the full snapshot follows

    @property
    def empty(self) -> bool:
        return not self.plans and self.unconnected is None and not self.outline


_ISO_MINUTE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d)(?::\d\d(?:\.\d+)?)?([+-]\d\d:\d\d)?$")


def local_time(iso: str) -> str:
    """``2024-01-16T08:30:00.123+00:00`` in the machine's local time, to the minute.

    Seconds never change the minute shown, so the conversion is cached per minute: the
    tree formats one of these for each of 100,000 files when it opens.
    """
    if not iso:
        return ""
    match = _ISO_MINUTE.match(iso)
    if match:
        return _local_minute(match.group(1), match.group(2) or "")
    return _local_time(iso)


@functools.lru_cache(maxsize=4096)
def _local_minute(minute: str, offset: str) -> str:
    return _local_time(minute + offset)


def _local_time(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def _modality_key(modality: str) -> tuple[int, str]:
    try:
        return (MODALITY_ORDER.index(modality), modality)
    except ValueError:
        return (len(MODALITY_ORDER), modality)


def _file_row(header: InstanceHeader, info: Any | None) -> FileRow:
    received_iso = getattr(info, "received_at", "") or ""
    return FileRow(
        sop_instance_uid=header.sop_instance_uid,
        modality=header.modality,
        sop_class_uid=header.sop_class_uid,
        sop_class_name=sop.class_name(header.sop_class_uid),
        size=int(getattr(info, "size", 0) or header.size or 0),
        source_ae=getattr(info, "source_ae", "") or "",
        received=local_time(received_iso),
        received_iso=received_iso,
        instance_number=header.instance_number,
        series_description=header.series_description,
    )


def group_files(rows: Iterable[FileRow]) -> tuple[GroupSnapshot, ...]:
    """Group by modality in the order a physicist reads a plan: images, RS, RP, RD, rest."""
    by_modality: dict[str, list[FileRow]] = defaultdict(list)
    for row in rows:
        by_modality[row.modality or "OT"].append(row)
    return tuple(
        GroupSnapshot(
            modality,
            tuple(
                sorted(
                    by_modality[modality],
                    key=lambda r: (
                        r.instance_number if r.instance_number is not None else 0,
                        r.sop_instance_uid,
                    ),
                )
            ),
        )
        for modality in sorted(by_modality, key=_modality_key)
    )


class _MissingWords(QObject):
    """Plural forms for what a plan misses. A QObject only for ``tr(text, "", n)``: that
    is the one call pyside6-lupdate extracts as a plural (numerus) message, and the
    snapshot is built on a worker, where there is no widget to ask."""

    def slices(self, count: int, modality: str) -> str:
        return self.tr("%n %1 slice(s)", "", count).replace("%1", modality)


_WORDS = _MissingWords()


def _missing_text(bundle: PlanBundle) -> str:
    completeness = bundle.completeness
    parts = []
    if completeness.missing_images:
        parts.append(_WORDS.slices(completeness.missing_images, completeness.image_modality))
    if completeness.structure_set == "missing":
        parts.append(QCoreApplication.translate("PlanTreeModel", "the structure set"))
    return ", ".join(parts)


def _plan_status(
    station: Station | None, plan_uid: str
) -> tuple[tuple[tuple[str, str], ...], str, str]:
    """Forwarding state per node, what the rules wait for and their verdict.

    Without a station (a snapshot built from files alone) there is none of that.
    """
    if station is None:
        return (), "", ""
    status = station.plan_status(plan_uid)
    return tuple(sorted(status.forwarded.items())), status.waiting, status.decision


def build_patient(
    station: Station | None, patient_id: str, instances: Sequence[Any]
) -> PatientSnapshot:
    """Snapshot of one patient from its catalog instances (``CatalogInstance`` records)."""
    info_by_uid = {i.header.sop_instance_uid: i for i in instances}
    tree = build_tree(i.header for i in instances)
    node = next((p for p in tree.patients if p.patient_id == patient_id), None)
    if node is None:
        return PatientSnapshot(patient_id, "", (), None, "", "", ())
    plans = []
    for bundle in node.plans:
        plan_info = info_by_uid.get(bundle.uid)
        rows = [_file_row(h, info_by_uid.get(h.sop_instance_uid)) for h in bundle.instances()]
        forwarded, waiting, decision = _plan_status(station, bundle.uid)
        received_iso = getattr(plan_info, "received_at", "") or ""
        plans.append(
            PlanSnapshot(
                plan_uid=bundle.uid,
                patient_id=patient_id,
                patient_name=node.patient_name,
                label=bundle.plan.plan_label,
                name=bundle.plan.plan_name,
                approval=bundle.plan.approval_status,
                source_ae=getattr(plan_info, "source_ae", "") or "",
                received=local_time(received_iso),
                received_iso=received_iso,
                completeness=bundle.completeness.summary(),
                complete=bundle.completeness.complete,
                missing=_missing_text(bundle),
                groups=group_files(rows),
                forwarded=forwarded,
                waiting=waiting,
                bundle=bundle,
                decision=decision,
                rules=station.plan_explanation(bundle.uid, live=False) if station else None,
            )
        )
    unconnected = None
    if node.unconnected:
        rows = [_file_row(h, info_by_uid.get(h.sop_instance_uid)) for h in node.unconnected]
        unconnected = UnconnectedSnapshot(patient_id, group_files(rows))
    received_iso = max((getattr(i, "received_at", "") or "" for i in instances), default="")
    sources = tuple(sorted({getattr(i, "source_ae", "") or "" for i in instances} - {""}))
    return PatientSnapshot(
        patient_id=patient_id,
        patient_name=node.patient_name,
        plans=tuple(plans),
        unconnected=unconnected,
        received=local_time(received_iso),
        received_iso=received_iso,
        source_aes=sources,
    )


def fetch_patients(
    station: Any, patient_ids: Iterable[str] | None = None, should_cancel: Any = None
) -> list[PatientSnapshot]:
    """Snapshots of the given patients, or of every stored patient (blocking: a worker).

    One catalog query per patient when ids are given; one query for everything otherwise.
    A patient with nothing stored comes back ``empty`` so the model removes it.
    """
    catalog = station.catalog
    if patient_ids is None:
        grouped: dict[str, list[Any]] = defaultdict(list)
        for instance in catalog.instances():
            grouped[instance.header.patient_id].append(instance)
        ids = sorted(grouped)
    else:
        ids = sorted(set(patient_ids))
        grouped = {}
    snapshots = []
    for patient_id in ids:
        if should_cancel is not None and should_cancel():
            break
        instances = grouped[patient_id] if patient_ids is None else catalog.instances(patient_id)
        snapshots.append(build_patient(station, patient_id, instances))
    return snapshots


def outline_patient(station: Any, outline: PatientOutline) -> PatientSnapshot:
    """A patient as the tree shows it before its files are read: every plan row with its
    columns (from the plans table and the forwarding state), no groups, no bundle."""
    plans = []
    for plan in outline.plans:
        forwarded, waiting, decision = _plan_status(station, plan.plan_uid)
        plans.append(
            PlanSnapshot(
                plan_uid=plan.plan_uid,
                patient_id=outline.patient_id,
                patient_name=outline.patient_name,
                label=plan.plan_label,
                name=plan.plan_name,
                approval=plan.approval_status,
                source_ae=plan.source_ae,
                received=local_time(plan.received_at),
                received_iso=plan.received_at,
                completeness=plan.summary,
                complete=plan.complete,
                missing="",
                groups=(),
                forwarded=forwarded,
                waiting=waiting,
                bundle=None,
                decision=decision,
                rules=station.plan_explanation(plan.plan_uid, live=False) if station else None,
                outline=True,
            )
        )
    return PatientSnapshot(
        patient_id=outline.patient_id,
        patient_name=outline.patient_name,
        plans=tuple(plans),
        unconnected=None,
        received=local_time(outline.received_at),
        received_iso=outline.received_at,
        source_aes=outline.source_aes,
        outline=True,
    )


def fetch_outline(station: Any, should_cancel: Any = None) -> list[PatientSnapshot]:
    """Every stored patient as an outline (blocking: a worker): a few aggregate queries,
    no header decoded, so a station of 100,000 instances shows its tree at once."""
    snapshots = []
    for outline in station.catalog.patient_outlines():
        if should_cancel is not None and should_cancel():
            break
        snapshots.append(outline_patient(station, outline))
    return snapshots
