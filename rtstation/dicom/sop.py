"""SOP classes rtstation treats specially, and what kind of object each is.

Varian writes some plans with its private class 1.2.246.352.70.1.70 (Modality RTPLAN);
they are plans for every purpose here, just as RT Ion Plans are.
"""

from __future__ import annotations

import functools

from pydicom.uid import UID

RT_PLAN = "1.2.840.10008.5.1.4.1.1.481.5"
RT_ION_PLAN = "1.2.840.10008.5.1.4.1.1.481.8"
VARIAN_PRIVATE_PLAN = "1.2.246.352.70.1.70"
RT_STRUCTURE_SET = "1.2.840.10008.5.1.4.1.1.481.3"
RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
#: A DICOMDIR (media index): a File Meta names it, but it is no instance to store.
MEDIA_DIRECTORY_STORAGE = "1.2.840.10008.1.3.10"
RT_IMAGE = "1.2.840.10008.5.1.4.1.1.481.1"
RT_BEAMS_TREATMENT_RECORD = "1.2.840.10008.5.1.4.1.1.481.4"
RT_ION_BEAMS_TREATMENT_RECORD = "1.2.840.10008.5.1.4.1.1.481.9"
RT_TREATMENT_SUMMARY_RECORD = "1.2.840.10008.5.1.4.1.1.481.7"
SPATIAL_REGISTRATION = "1.2.840.10008.5.1.4.1.1.66.1"
DEFORMABLE_REGISTRATION = "1.2.840.10008.5.1.4.1.1.66.3"

PLAN_CLASSES = frozenset({RT_PLAN, RT_ION_PLAN, VARIAN_PRIVATE_PLAN})

# Image storage classes whose instances make up the planning image series.
VOLUME_IMAGE_CLASSES = frozenset(
    {
        "1.2.840.10008.5.1.4.1.1.2",  # CT
        "1.2.840.10008.5.1.4.1.1.2.1",  # Enhanced CT
        "1.2.840.10008.5.1.4.1.1.4",  # MR
        "1.2.840.10008.5.1.4.1.1.4.1",  # Enhanced MR
        "1.2.840.10008.5.1.4.1.1.128",  # PET
        "1.2.840.10008.5.1.4.1.1.130",  # Enhanced PET
        "1.2.840.10008.5.1.4.1.1.20",  # NM
    }
)
VOLUME_IMAGE_MODALITIES = frozenset({"CT", "MR", "PT", "NM"})

_MODALITY_BY_CLASS = {
    RT_PLAN: "RTPLAN",
    RT_ION_PLAN: "RTPLAN",
    VARIAN_PRIVATE_PLAN: "RTPLAN",
    RT_STRUCTURE_SET: "RTSTRUCT",
    RT_DOSE: "RTDOSE",
    RT_IMAGE: "RTIMAGE",
    RT_BEAMS_TREATMENT_RECORD: "RTRECORD",
    RT_ION_BEAMS_TREATMENT_RECORD: "RTRECORD",
    RT_TREATMENT_SUMMARY_RECORD: "RTRECORD",
    SPATIAL_REGISTRATION: "REG",
    DEFORMABLE_REGISTRATION: "REG",
    "1.2.840.10008.5.1.4.1.1.2": "CT",
    "1.2.840.10008.5.1.4.1.1.2.1": "CT",
    "1.2.840.10008.5.1.4.1.1.4": "MR",
    "1.2.840.10008.5.1.4.1.1.4.1": "MR",
    "1.2.840.10008.5.1.4.1.1.128": "PT",
}


def is_plan(sop_class_uid: str, modality: str = "") -> bool:
    """A plan is an RT (Ion) Plan, Varian's private plan, or anything with Modality RTPLAN."""
    return sop_class_uid in PLAN_CLASSES or modality.upper() == "RTPLAN"


def is_volume_image(sop_class_uid: str, modality: str = "") -> bool:
    """CT, MR, PET or NM slices: the images a structure set is drawn on."""
    return sop_class_uid in VOLUME_IMAGE_CLASSES or modality.upper() in VOLUME_IMAGE_MODALITIES


def modality_for(sop_class_uid: str) -> str:
    """The modality to assume when a file has none (0008,0060 is Type 1 but not always there)."""
    return _MODALITY_BY_CLASS.get(sop_class_uid, "OT")


@functools.lru_cache(maxsize=1024)
def class_name(sop_class_uid: str) -> str:
    """A human name for a SOP class ('RT Plan Storage'), falling back to the UID itself.

    Cached: the plan tree asks it for every file, and pydicom validates each UID it makes.
    """
    if sop_class_uid == VARIAN_PRIVATE_PLAN:
        return "Varian RT Plan (private)"
    name = UID(sop_class_uid).name
    return name if name and name != sop_class_uid else sop_class_uid


# The order an ARIA import needs (Varian DICOM scripting notes): images first, then the
# structure set, the plan, the dose, and everything else last.
_SEND_RANK = {"RTSTRUCT": 1, "RTPLAN": 2, "RTDOSE": 3}


def send_rank(modality: str, sop_class_uid: str) -> int:
    """Sort key placing images before RTSTRUCT before RTPLAN before RTDOSE before the rest."""
    if is_volume_image(sop_class_uid, modality):
        return 0
    if is_plan(sop_class_uid, modality):
        return _SEND_RANK["RTPLAN"]
    return _SEND_RANK.get(modality.upper(), 4)
