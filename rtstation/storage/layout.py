"""Where an instance lives in the storage folder, derived only from its IDs.

    <storage>/<patient>/<study UID>/<modality>_<series UID>/<SOP instance UID>.dcm

Patient IDs come from other systems and can hold anything: ``../../x``, ``C:\\x``, ``CON``,
``aux.txt``, NUL bytes, 200 characters, umlauts. Each path component is therefore reduced
to ``[A-Za-z0-9._-]``, stripped of leading dots, kept short, kept clear of Windows' reserved
device names, and, whenever it had to be changed, suffixed with a hash of the original so
two different IDs never share a folder. The same hash goes on a name with lower-case letters
(Windows and macOS ignore case, so ``ab`` and ``AB`` would share a folder there) and on one
that already ends like a hash suffix (so no ID can pose as another's cleaned name). The
result can never leave the storage folder.
A path depends only on the instance's own IDs, so a file is never moved once written.

An instance without a patient ID (missing, empty, blank or only NULs: the header reader
makes all of these empty) goes to ``NO_PATIENT_ID_<hash of its Study Instance UID>``, so
unidentified studies from different sources never share a folder.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

from rtstation.dicom.headers import InstanceHeader

INCOMING_DIR = ".incoming"
# Copies changed for one destination (machine mapping); never indexed as instances.
DERIVED_DIR = ".derived"
MAX_COMPONENT = 64

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")
_HASH_SUFFIX = re.compile(r"_[0-9a-fA-F]{10}$")
_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CONIN$",
    "CONOUT$",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def safe_component(text: str, fallback: str) -> str:
    """A folder or file name made from untrusted ``text``; never empty, never a path."""
    cleaned = _UNSAFE.sub("_", text).strip("._ ")
    cleaned = cleaned[:MAX_COMPONENT]
    if cleaned.split(".")[0].upper() in _WINDOWS_RESERVED:
        cleaned = f"_{cleaned}"
    if not cleaned:
        cleaned = fallback
    if cleaned != text or cleaned != cleaned.upper() or _HASH_SUFFIX.search(cleaned):
        cleaned = f"{cleaned}_{_digest(text)}"
    return cleaned


def safe_uid(uid: str, fallback: str) -> str:
    """A UID as a name: valid UIDs stay as they are, anything else is made safe."""
    uid = uid.strip()
    if _UID.match(uid) and len(uid) <= 64:
        return uid
    return safe_component(uid, fallback)


def patient_folder(header: InstanceHeader) -> str:
    """The patient's folder; without a patient ID, one per study (see the module text)."""
    if header.patient_id:
        return safe_component(header.patient_id, "NO_PATIENT_ID")
    return f"NO_PATIENT_ID_{_digest('study:' + header.study_instance_uid)}"


def instance_path(header: InstanceHeader) -> PurePosixPath:
    """The path of an instance relative to the storage folder."""
    modality = safe_component(header.modality or "OT", "OT")
    return PurePosixPath(
        patient_folder(header),
        safe_uid(header.study_instance_uid, "NO_STUDY_UID"),
        f"{modality}_{safe_uid(header.series_instance_uid, 'NO_SERIES_UID')}",
        f"{safe_uid(header.sop_instance_uid, 'NO_SOP_UID')}.dcm",
    )
