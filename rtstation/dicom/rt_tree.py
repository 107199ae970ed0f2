"""The RT reference tree: which images, structure set and doses belong to which plan.

Plans are the roots, as physicists think of them and as DicomTools shows them:

    RTPLAN  -> RTSTRUCT (ReferencedStructureSetSequence)
            -> image slices (the structure set's ContourImageSequence, else its series,
               else its frame of reference)
    RTDOSE, RTIMAGE, treatment records -> RTPLAN (ReferencedRTPlanSequence)
    RTPLAN  -> RTPLAN (ReferencedRTPlanSequence: Ethos adaptive and verification plans)

Where an exporter left a reference out, the frame of reference is the fallback. The tree
also knows what is *missing*: a structure set, slices or doses that are referenced but not
present make the plan incomplete, with counts, because forwarding half a plan to a
treatment system is worse than forwarding nothing. What links to no plan is unconnected.

Pure functions over :class:`InstanceHeader` records: no I/O, safe on any thread.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from rtstation.dicom import sop
from rtstation.dicom.headers import InstanceHeader

BY_REFERENCE = "reference"
BY_FRAME_OF_REFERENCE = "frame of reference"


@dataclass(frozen=True)
class Completeness:
    """What a plan bundle has against what it references."""

    structure_set: str  # "present", "missing" (referenced, not here) or "none"
    image_modality: str
    images_present: int
    # Slices the structure set references, plus the other slices of those series that are
    # here (so present never exceeds expected); 0 when the structure set lists none.
    images_expected: int
    doses: int
    missing_image_uids: tuple[str, ...] = ()

    @property
    def missing_images(self) -> int:
        return len(self.missing_image_uids)

    @property
    def complete(self) -> bool:
        """Everything the plan references is here (a dose is a rule's business, not ours)."""
        return self.structure_set != "missing" and not self.missing_image_uids

    def summary(self) -> str:
        """Short text such as ``CT 142/142, RS, RD`` or ``CT 139/142, RS missing, no dose``."""
        parts = []
        if self.images_expected:
            parts.append(f"{self.image_modality} {self.images_present}/{self.images_expected}")
        elif self.images_present:
            parts.append(f"{self.image_modality} {self.images_present}")
        else:
            parts.append(f"no {self.image_modality}")
        parts.append(
            {"present": "RS", "missing": "RS missing", "none": "no RS"}[self.structure_set]
        )
        parts.append(f"RD x{self.doses}" if self.doses > 1 else ("RD" if self.doses else "no dose"))
        return ", ".join(parts)


@dataclass(frozen=True)
class PlanBundle:
    """A plan and everything that belongs with it when it is shown or forwarded."""

    plan: InstanceHeader
    structure_set: InstanceHeader | None
    structure_set_uid: str  # referenced (or found) structure set UID, "" if none
    images: tuple[InstanceHeader, ...]
    doses: tuple[InstanceHeader, ...]
    rt_images: tuple[InstanceHeader, ...]
    records: tuple[InstanceHeader, ...]
    referenced_plan_uids: tuple[str, ...]  # plans this plan points at (adaptive / verified)
    referencing_plan_uids: tuple[str, ...]  # plans that point at this one
    structure_set_link: str  # BY_REFERENCE or BY_FRAME_OF_REFERENCE ("" without one)
    completeness: Completeness

    @property
    def uid(self) -> str:
        return self.plan.sop_instance_uid

    @property
    def patient_id(self) -> str:
        return self.plan.patient_id

    def instances(self) -> tuple[InstanceHeader, ...]:
        """Every instance of the bundle in the order an ARIA import needs.

        Image series, then RTSTRUCT, then RTPLAN, then RTDOSE, then the rest; within a
        series by instance number so a receiver sees the slices in order.
        """
        members: list[InstanceHeader] = [*self.images]
        if self.structure_set is not None:
            members.append(self.structure_set)
        members.append(self.plan)
        members.extend(self.doses)
        members.extend(self.rt_images)
        members.extend(self.records)
        return tuple(sorted(members, key=aria_order_key))


def aria_order_key(header: InstanceHeader) -> tuple[int, str, int, str]:
    """The one definition of the order an ARIA import needs (Varian's DICOM scripting notes).

    Image series first, then RTSTRUCT, RTPLAN, RTDOSE and the rest (:func:`sop.send_rank`);
    within a series by instance number, so a receiver sees the slices in order. A plan
    bundle, a manual send of a patient and the sender's tests all sort with this key.
    """
    return (
        sop.send_rank(header.modality, header.sop_class_uid),
        header.series_instance_uid,
        header.instance_number if header.instance_number is not None else 0,
        header.sop_instance_uid,
    )


@dataclass(frozen=True)
class PatientNode:
    patient_id: str
    patient_name: str
    plans: tuple[PlanBundle, ...]
    unconnected: tuple[InstanceHeader, ...]


@dataclass(frozen=True)
class RtTree:
    patients: tuple[PatientNode, ...]
    duplicates: tuple[InstanceHeader, ...]  # a SOP Instance UID seen again (first one kept)

    @property
    def plans(self) -> tuple[PlanBundle, ...]:
        return tuple(plan for patient in self.patients for plan in patient.plans)

    @property
    def unconnected(self) -> tuple[InstanceHeader, ...]:
        return tuple(h for patient in self.patients for h in patient.unconnected)

    def plan(self, plan_uid: str) -> PlanBundle | None:
        return next((p for p in self.plans if p.uid == plan_uid), None)


class _Index:
    """Lookups over one set of headers, built once per tree."""

    def __init__(self, headers: Iterable[InstanceHeader]) -> None:
        self.by_uid: dict[str, InstanceHeader] = {}
        self.duplicates: list[InstanceHeader] = []
        for header in headers:
            if header.sop_instance_uid in self.by_uid:
                self.duplicates.append(header)
            else:
                self.by_uid[header.sop_instance_uid] = header
        self.images_by_series: dict[str, list[InstanceHeader]] = defaultdict(list)
        self.images_by_for: dict[str, list[InstanceHeader]] = defaultdict(list)
        self.structure_sets: list[InstanceHeader] = []
        self.plans: list[InstanceHeader] = []
        self.by_referenced_plan: dict[str, list[InstanceHeader]] = defaultdict(list)
        self.unreferenced_doses_by_for: dict[str, list[InstanceHeader]] = defaultdict(list)
        for header in self.by_uid.values():
            if header.is_plan:
                self.plans.append(header)
            elif header.is_structure_set:
                self.structure_sets.append(header)
            elif header.is_image:
                self.images_by_series[header.series_instance_uid].append(header)
                if header.frame_of_reference_uid:
                    self.images_by_for[header.frame_of_reference_uid].append(header)
            if not header.is_plan and header.referenced_plan_uids:
                for plan_uid in header.referenced_plan_uids:
                    self.by_referenced_plan[plan_uid].append(header)
            elif header.is_dose and header.frame_of_reference_uid:
                self.unreferenced_doses_by_for[header.frame_of_reference_uid].append(header)
        self.plans.sort(key=lambda p: (p.patient_id, p.plan_label, p.sop_instance_uid))
        self.plans_by_for: dict[str, list[InstanceHeader]] = defaultdict(list)
        for plan in self.plans:
            if plan.frame_of_reference_uid:
                self.plans_by_for[plan.frame_of_reference_uid].append(plan)

    def structure_sets_on(self, frame_of_reference_uid: str) -> list[InstanceHeader]:
        return sorted(
            (
                rs
                for rs in self.structure_sets
                if frame_of_reference_uid
                and (
                    frame_of_reference_uid in rs.referenced_frame_of_reference_uids
                    or rs.frame_of_reference_uid == frame_of_reference_uid
                )
            ),
            key=lambda rs: rs.sop_instance_uid,
        )


def build_tree(headers: Iterable[InstanceHeader]) -> RtTree:
    """Link every header to its plan; what links to none ends up unconnected, per patient."""
    index = _Index(headers)
    bundles = [_bundle_for(plan, index) for plan in index.plans]
    _link_plans_to_plans(bundles)
    connected = {h.sop_instance_uid for bundle in bundles for h in bundle.instances()}

    names: dict[str, str] = {}
    plans_by_patient: dict[str, list[PlanBundle]] = defaultdict(list)
    unconnected_by_patient: dict[str, list[InstanceHeader]] = defaultdict(list)
    for header in index.by_uid.values():
        names.setdefault(header.patient_id, header.patient_name)
        if header.sop_instance_uid not in connected:
            unconnected_by_patient[header.patient_id].append(header)
    for bundle in bundles:
        plans_by_patient[bundle.patient_id].append(bundle)

    patients = tuple(
        PatientNode(
            patient_id=patient_id,
            patient_name=names.get(patient_id, ""),
            plans=tuple(plans_by_patient.get(patient_id, ())),
            unconnected=tuple(
                sorted(
                    unconnected_by_patient.get(patient_id, ()),
                    key=aria_order_key,
                )
            ),
        )
        for patient_id in sorted(names)
    )
    return RtTree(patients=patients, duplicates=tuple(index.duplicates))


def _bundle_for(plan: InstanceHeader, index: _Index) -> PlanBundle:
    structure_set, structure_set_uid, link = _structure_set_for(plan, index)
    images, expected = _images_for(plan, structure_set, index)
    missing = tuple(uid for uid in expected if uid not in index.by_uid)
    doses = [h for h in index.by_referenced_plan.get(plan.sop_instance_uid, ()) if h.is_dose]
    # A dose that names no plan belongs to the only plan on its frame of reference.
    if plan.frame_of_reference_uid and len(index.plans_by_for[plan.frame_of_reference_uid]) == 1:
        doses.extend(index.unreferenced_doses_by_for.get(plan.frame_of_reference_uid, ()))
    # Sorted, so a tree does not depend on the order the files were read in.
    others = sorted(index.by_referenced_plan.get(plan.sop_instance_uid, ()), key=aria_order_key)
    rt_images = tuple(h for h in others if h.modality == "RTIMAGE")
    records = tuple(h for h in others if not h.is_dose and h.modality != "RTIMAGE")
    image_modality = Counter(h.modality for h in images).most_common(1)
    if structure_set_uid and structure_set is None:
        structure_state = "missing"
    else:
        structure_state = "present" if structure_set is not None else "none"
    completeness = Completeness(
        structure_set=structure_state,
        image_modality=image_modality[0][0] if image_modality else "CT",
        images_present=len(images),
        images_expected=len(expected),
        doses=len(doses),
        missing_image_uids=missing,
    )
    return PlanBundle(
        plan=plan,
        structure_set=structure_set,
        structure_set_uid=structure_set_uid,
        images=tuple(sorted(images, key=aria_order_key)),
        doses=tuple(sorted(doses, key=lambda d: d.sop_instance_uid)),
        rt_images=rt_images,
        records=tuple(h for h in records if not h.is_plan),
        referenced_plan_uids=plan.referenced_plan_uids,
        referencing_plan_uids=(),
        structure_set_link=link,
        completeness=completeness,
    )


def _structure_set_for(
    plan: InstanceHeader, index: _Index
) -> tuple[InstanceHeader | None, str, str]:
    for uid in plan.referenced_structure_set_uids:
        found = index.by_uid.get(uid)
        if found is not None:
            return found, uid, BY_REFERENCE
    if plan.referenced_structure_set_uids:
        return None, plan.referenced_structure_set_uids[0], BY_REFERENCE
    candidates = index.structure_sets_on(plan.frame_of_reference_uid)
    if candidates:
        return candidates[0], candidates[0].sop_instance_uid, BY_FRAME_OF_REFERENCE
    return None, "", ""


def _images_for(
    plan: InstanceHeader, structure_set: InstanceHeader | None, index: _Index
) -> tuple[list[InstanceHeader], tuple[str, ...]]:
    """The plan's images and the slice UIDs it expects (empty when nothing lists them)."""
    if structure_set is not None and structure_set.referenced_image_uids:
        expected = structure_set.referenced_image_uids
        present = [index.by_uid[uid] for uid in expected if uid in index.by_uid]
        # Slices of the same series that no contour touches still belong to the series.
        expected_set = set(expected)
        series = {h.series_instance_uid for h in present} | set(
            structure_set.referenced_series_uids
        )
        extra = [
            h
            for s in sorted(series)
            for h in index.images_by_series.get(s, ())
            if h.sop_instance_uid not in expected_set
        ]
        # Count them as expected too, or a summary would read "CT 12/10".
        return present + extra, expected + tuple(h.sop_instance_uid for h in extra)
    if structure_set is not None and structure_set.referenced_series_uids:
        images = [
            h for s in structure_set.referenced_series_uids for h in index.images_by_series[s]
        ]
        if images:
            return images, ()
    frame = (
        structure_set.frame_of_reference_uid if structure_set is not None else ""
    ) or plan.frame_of_reference_uid
    return list(index.images_by_for.get(frame, ())), ()


def _link_plans_to_plans(bundles: list[PlanBundle]) -> None:
    """Fill ``referencing_plan_uids`` (plans are frozen, so rebuild the affected ones)."""
    referencing: dict[str, list[str]] = defaultdict(list)
    for bundle in bundles:
        for target in bundle.referenced_plan_uids:
            referencing[target].append(bundle.uid)
    for i, bundle in enumerate(bundles):
        if bundle.uid in referencing:
            bundles[i] = replace(bundle, referencing_plan_uids=tuple(referencing[bundle.uid]))
