"""What an archive holds, as the Retrieve dialog shows it: patient -> study -> series, and
the plans of RTPLAN series with their labels and approval.

One STUDY-level C-FIND with the form's keys (patient IDs, name, study date range,
modality), then SERIES for each study and IMAGE for each RTPLAN series, where the plan's
label and approval come back when the archive returns them (Orthanc and the Varian DB
Service do). Also reads the patient list ESAPIPatientBrowser exports (``patients`` or
``Patients``: each with ``PatientId`` and ``Plans`` whose ``PlanId`` is the RT Plan Label
and ``IsSelected`` marks the plans the user ticked).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rtstation.errors import ConfigError
from rtstation.net.peer import Peer
from rtstation.net.query import STUDY_ROOT, find, text


@dataclass(frozen=True)
class ArchivePlan:
    sop_instance_uid: str
    label: str
    approval: str


@dataclass(frozen=True)
class ArchiveSeries:
    series_uid: str
    modality: str
    description: str
    instances: int
    plans: tuple[ArchivePlan, ...] = ()


@dataclass(frozen=True)
class ArchiveStudy:
    study_uid: str
    date: str
    description: str
    series: tuple[ArchiveSeries, ...]


@dataclass
class ArchivePatient:
    patient_id: str
    name: str
    studies: list[ArchiveStudy] = field(default_factory=list)

    @property
    def plans(self) -> list[ArchivePlan]:
        return [p for st in self.studies for se in st.series for p in se.plans]


@dataclass(frozen=True)
class QueryForm:
    patient_ids: tuple[str, ...] = ()
    patient_name: str = ""
    date_from: str = ""  # YYYYMMDD
    date_to: str = ""
    modality: str = ""


def _date_range(form: QueryForm) -> str:
    if form.date_from or form.date_to:
        return f"{form.date_from}-{form.date_to}"
    return ""


def browse(
    peer: Peer,
    form: QueryForm,
    *,
    model: str = STUDY_ROOT,
    progress: Callable[[int, int, str], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> list[ArchivePatient]:
    """Query the archive per the form; raises QueryError (in words) when it refuses."""
    keys: dict[str, str] = {}
    if form.patient_name:
        keys["PatientName"] = form.patient_name
    if date := _date_range(form):
        keys["StudyDate"] = date
    if form.modality:
        keys["ModalitiesInStudy"] = form.modality
    studies = []
    for patient_id in form.patient_ids or ("",):
        query = {**keys, "PatientID": patient_id} if patient_id else dict(keys)
        studies.extend(find(peer, "STUDY", query, model=model).matches)
    patients: dict[str, ArchivePatient] = {}
    for index, study in enumerate(studies, start=1):
        if should_cancel is not None and should_cancel():
            break
        patient_id = text(study, "PatientID")
        study_uid = text(study, "StudyInstanceUID")
        if progress is not None:
            progress(index, len(studies), patient_id)
        patient = patients.setdefault(
            patient_id, ArchivePatient(patient_id, text(study, "PatientName"))
        )
        study_keys = {"PatientID": patient_id, "StudyInstanceUID": study_uid}
        series_list = []
        for series in find(peer, "SERIES", study_keys, model=model).matches:
            modality = text(series, "Modality")
            series_uid = text(series, "SeriesInstanceUID")
            plans: tuple[ArchivePlan, ...] = ()
            if modality == "RTPLAN":
                images = find(
                    peer, "IMAGE", {**study_keys, "SeriesInstanceUID": series_uid}, model=model
                ).matches
                plans = tuple(
                    ArchivePlan(
                        text(i, "SOPInstanceUID"), text(i, "RTPlanLabel"), text(i, "ApprovalStatus")
                    )
                    for i in images
                )
            count = text(series, "NumberOfSeriesRelatedInstances")
            series_list.append(
                ArchiveSeries(
                    series_uid,
                    modality,
                    text(series, "SeriesDescription"),
                    int(count) if count.isdigit() else len(plans),
                    plans,
                )
            )
        patient.studies.append(
            ArchiveStudy(
                study_uid,
                text(study, "StudyDate"),
                text(study, "StudyDescription"),
                tuple(series_list),
            )
        )
    return list(patients.values())


@dataclass(frozen=True)
class PatientListEntry:
    patient_id: str
    name: str
    selected_plans: tuple[str, ...]  # plan labels (PlanId) the user ticked


def read_patient_list(path: Path | str) -> list[PatientListEntry]:
    """ESAPIPatientBrowser's export: patients and the plans ticked in it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read the patient list '{path}': {exc}") from exc
    items = data.get("patients", data.get("Patients")) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ConfigError(
            f"The patient list '{path}' has no 'patients' array: expected an "
            "ESAPIPatientBrowser export"
        )
    entries = []
    for item in items:
        if not isinstance(item, dict) or not str(item.get("PatientId") or "").strip():
            continue
        plans: Sequence[dict[str, object]] = [
            p for p in item.get("Plans") or [] if isinstance(p, dict)
        ]
        selected = tuple(
            str(p.get("PlanId")) for p in plans if p.get("IsSelected") and p.get("PlanId")
        )
        entries.append(
            PatientListEntry(
                str(item["PatientId"]).strip(),
                str(item.get("FullName") or item.get("DisplayText") or ""),
                selected,
            )
        )
    return entries
