"""Apply a resolved profile to one dataset, in place, and count what was done.

Every attribute is looked up in the profile (Table E.1-1 plus options). What the table
does not list is kept, with two safety nets the table cannot express for RT:

- UID catch-all: any other UI value that is not a UID registered by the standard (SOP
  classes, transfer syntaxes, coding schemes...) and not a ``...ClassUID`` is replaced
  through the UID map, unless RetainUIDs. Vendors put instance UIDs in places the table
  never heard of; a missed one would both leak and break a reference.
- Scrubbing: text the profile keeps (``C`` and unlisted text) loses every identifying
  value of the patient seen so far in the run (patient ID and names, birth date, other IDs,
  and the institution unless RetainInstitutionIdent): each is replaced by the new ID.

Patient ID and Patient's Name are set to the new identity in every object. Sequences are
walked item by item with the same rules, so a ReferencedSOPInstanceUID is mapped wherever
it sits (ContourImageSequence, ReferencedRTPlanSequence, ReferencedDoseSequence, ...) and
a reference keeps pointing at its (new) target. Pixel data is never touched.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable

from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import UID

from rtstation.dicom.anonymize.profiles import (
    CLEAN,
    DUMMY,
    EMPTY,
    KEEP,
    REMOVE,
    REPLACE_UID,
    Profile,
)
from rtstation.dicom.anonymize.uid_map import NewIdentity, UidMap

PATIENT_ID = 0x00100020
PATIENT_NAME = 0x00100010
# Pixel Data, Float Pixel Data, Double Float Pixel Data
PIXEL_TAGS = frozenset({0x7FE00010, 0x7FE00008, 0x7FE00009})
_TEXT_VRS = frozenset({"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UT"})
# Coded strings and AE titles hold defined terms (RTPlanGeometry 'PATIENT'), never free text.
_SCRUBBED_VRS = frozenset({"LO", "LT", "PN", "SH", "ST", "UC", "UT"})
# A replacement may be longer than what it replaces; a value must still fit its VR.
_MAX_LENGTH = {"SH": 16, "LO": 64, "PN": 64, "ST": 1024, "LT": 10240}
_BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})
_DUMMY_TEXT = "ANONYMIZED"
_DUMMY_BY_VR = {"DA": "20000101", "TM": "000000", "DT": "20000101000000", "AS": "000Y"}
_KEPT_UID_KEYWORDS = frozenset(
    {"TransferSyntaxUID", "CodingSchemeUID", "PrivateInformationCreatorUID"}
)
_MIN_SCRUB_LENGTH = 3
# Values whose every occurrence in kept text is replaced (see module docstring).
_IDENTIFYING = (
    "PatientID",
    "PatientName",
    "PatientBirthDate",
    "OtherPatientIDs",
    "OtherPatientNames",
    "PatientBirthName",
    "PatientMotherBirthName",
    "PatientAddress",
    "MedicalRecordLocator",
)
_INSTITUTION = ("InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName")
_FILE_META_REMOVED = (
    "SourceApplicationEntityTitle",
    "SendingApplicationEntityTitle",
    "ReceivingApplicationEntityTitle",
    "PrivateInformationCreatorUID",
    "PrivateInformation",
)
_OPTION_CODES = {
    "CleanGraph": ("113103", "Clean Graphics Option"),
    "CleanStructdCont": ("113104", "Clean Structured Content Option"),
    "CleanDesc": ("113105", "Clean Descriptors Option"),
    "RetainLongFullDatesAndTimes": (
        "113106",
        "Retain Longitudinal Temporal Information Full Dates Option",
    ),
    "RetainLongModifDatesAndTimes": (
        "113107",
        "Retain Longitudinal Temporal Information Modified Dates Option",
    ),
    "RetainPatientChars": ("113108", "Retain Patient Characteristics Option"),
    "RetainDeviceIdent": ("113109", "Retain Device Identity Option"),
    "RetainUIDs": ("113110", "Retain UIDs Option"),
    "RetainSafePrivate": ("113111", "Retain Safe Private Option"),
    "RetainInstitutionIdent": ("113112", "Retain Institution Identity Option"),
}


class Scrubber:
    """The identifying values seen in a run, and their removal from text."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    def learn(self, ds: Dataset, replacement: str, *, institution: bool) -> None:
        """Remember the identifying values of ``ds`` (before it is anonymized)."""
        keywords = _IDENTIFYING + (_INSTITUTION if institution else ())
        for keyword in keywords:
            element = ds.data_element(keyword) if keyword in ds else None
            if element is None:
                continue
            for value in _strings(element):
                self._add(value, replacement)
                if keyword.endswith("Name"):  # "Doe^John" also appears as "John Doe"
                    for part in re.split(r"[\^= ]+", value):
                        self._add(part, replacement)

    def _add(self, value: str, replacement: str) -> None:
        value = value.strip()
        if len(value) >= _MIN_SCRUB_LENGTH and value.casefold() not in self._values:
            self._values[value.casefold()] = replacement
            ordered = sorted(self._values, key=len, reverse=True)
            alternatives = "|".join(re.escape(v) for v in ordered)
            # whole words only: the name 'Test^Ann' must not eat the 'test' in 'Contest'
            self._pattern = re.compile(
                rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])", re.IGNORECASE
            )

    def scrub(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda m: self._values[m.group(0).casefold()], text)


def _strings(element: DataElement) -> list[str]:
    if element.VR == "SQ" or element.value is None:
        return []
    values = element.value if element.VM > 1 else [element.value]
    return [str(v) for v in values if str(v)]


class DatasetAnonymizer:
    """One run's rules, map and identity applied to datasets; ``counts`` is for the report.

    ``counts`` keys are ``(action word, "Keyword (gggg,eeee)")``.
    """

    def __init__(
        self,
        profile: Profile,
        uid_map: UidMap,
        scrubber: Scrubber,
        safe_private: frozenset[tuple[str, int, int]] = frozenset(),
    ) -> None:
        self.profile = profile
        self.uid_map = uid_map
        self.scrubber = scrubber
        self.safe_private = safe_private if profile.has("RetainSafePrivate") else frozenset()
        self.date_offset = dt.timedelta(days=uid_map.date_offset_days())
        self.counts: Counter[tuple[str, str]] = Counter()
        self._identity = NewIdentity("", "")  # of the dataset being anonymized

    # -- entry point -------------------------------------------------------------------------

    def anonymize(self, ds: Dataset, identity: NewIdentity) -> None:
        """Anonymize ``ds`` in place (and its File Meta, if it has one)."""
        self._identity = identity
        self._dataset(ds)
        ds.PatientID = identity.patient_id
        ds.PatientName = identity.patient_name
        self._mark(ds)
        meta = getattr(ds, "file_meta", None)
        if meta is not None:
            self._file_meta(ds, meta)

    # -- walking ---------------------------------------------------------------------------

    def _dataset(self, ds: Dataset) -> None:
        for tag in list(ds.keys()):
            tag_int = int(tag)
            if tag_int in PIXEL_TAGS:
                continue  # never touched, not even read (it may still be on disk)
            element = ds[tag]
            if tag_int == PATIENT_ID:  # wherever it is: the same new identity
                element.value = self._identity.patient_id
                self._count("replaced", tag_int)
            elif tag_int == PATIENT_NAME:
                element.value = self._identity.patient_name
                self._count("replaced", tag_int)
            elif element.tag.is_private:
                self._private(ds, element)
            elif element.tag.element == 0:
                del ds[tag]  # group lengths would be wrong after the changes
            else:
                rule = self.profile.rule_for(tag_int)
                if rule is None:
                    self._unlisted(element)
                else:
                    self._apply(ds, element, rule.action)
        self._drop_orphaned_overlays(ds)

    def _drop_orphaned_overlays(self, ds: Dataset) -> None:
        """An overlay whose Overlay Data was removed loses its whole group (60xx): rows,
        columns and origin of an overlay without data would make the object invalid."""
        groups = {tag.group for tag in list(ds.keys()) if 0x6000 <= tag.group <= 0x601E}
        for group in groups:
            if group % 2 == 0 and (group << 16 | 0x3000) not in ds:
                for tag in [t for t in list(ds.keys()) if t.group == group]:
                    del ds[tag]
                self.counts[("removed", f"overlay group ({group:04X},xxxx)")] += 1

    def _items(self, element: DataElement) -> None:
        for item in element.value or []:
            self._dataset(item)

    def _apply(self, ds: Dataset, element: DataElement, action: str) -> None:
        tag = int(element.tag)
        if action == REMOVE:
            del ds[element.tag]
            self._count("removed", tag)
        elif element.VR == "SQ":
            if action == EMPTY:
                element.value = Sequence()
                self._count("emptied", tag)
            else:  # K, C, D, U on a sequence: keep it, apply the rules to its items
                self._items(element)
        elif action == EMPTY:
            element.value = None
            self._count("emptied", tag)
        elif action == REPLACE_UID or (action == DUMMY and element.VR == "UI"):
            self._replace_uids(element)
        elif action == DUMMY:
            element.value = _dummy(element.VR)
            self._count("replaced", tag)
        elif action == CLEAN:
            self._clean(element)
        elif action == KEEP:
            self._count("kept", tag)

    def _unlisted(self, element: DataElement) -> None:
        if element.VR == "SQ":
            self._items(element)
        elif element.VR == "UI" and not self.profile.has("RetainUIDs"):
            if _is_instance_uid_element(element):
                self._replace_uids(element)
        elif element.VR in _SCRUBBED_VRS and element.value is not None:
            self._scrub(element)

    def _private(self, ds: Dataset, element: DataElement) -> None:
        tag = element.tag
        if 0x0010 <= tag.element <= 0x00FF:  # a private creator: kept while its block is
            if not any(
                (str(element.value).strip(), tag.group, offset) in self.safe_private
                for offset in range(0x100)
            ):
                del ds[tag]
                self.counts[("removed", "private creator")] += 1
            return
        creator_tag = (tag.group << 16) | (tag.element >> 8)
        creator = str(ds[creator_tag].value).strip() if creator_tag in ds else ""
        if (creator, tag.group, tag.element & 0xFF) in self.safe_private:
            if element.VR == "SQ":
                self._items(element)
            where = f"({tag.group:04X},xx{tag.element & 0xFF:02X})"
            self.counts[("kept", f"private {creator} {where}")] += 1
            return
        del ds[tag]
        self.counts[("removed", "private attributes")] += 1

    # -- actions on values -------------------------------------------------------------------

    def _replace_uids(self, element: DataElement) -> None:
        if element.value in (None, ""):
            return
        if element.VM > 1:
            element.value = [self.uid_map.uid(str(v)) for v in element.value]
        else:
            element.value = self.uid_map.uid(str(element.value))
        self._count("replaced", int(element.tag))

    def _clean(self, element: DataElement) -> None:
        tag = int(element.tag)
        if element.value in (None, ""):
            return
        if element.VR in ("DA", "DT"):
            if self.profile.has("RetainLongModifDatesAndTimes"):
                element.value = self._shift(element)
                self._count("shifted", tag)
            else:
                self._count("kept", tag)
        elif element.VR in _SCRUBBED_VRS:
            self._scrub(element, count_as="cleaned")
        else:
            self._count("kept", tag)

    def _scrub(self, element: DataElement, count_as: str = "") -> None:
        limit = _MAX_LENGTH.get(element.VR)

        def scrub(text: str) -> str:
            cleaned = self.scrubber.scrub(text)
            return cleaned[:limit] if limit and cleaned != text else cleaned

        if element.VM > 1:
            old = [str(v) for v in element.value]
            new = [scrub(v) for v in old]
            changed = new != old
        else:
            old_text = str(element.value)
            new_text = scrub(old_text)
            changed, new = new_text != old_text, new_text
        if changed:
            element.value = new
            self._count("cleaned", int(element.tag))
        elif count_as:
            self._count("kept", int(element.tag))

    def _shift(self, element: DataElement) -> str | list[str]:
        values = [str(v) for v in element.value] if element.VM > 1 else [str(element.value)]
        shifted = [_shift_date(v, self.date_offset) for v in values]
        return shifted if element.VM > 1 else shifted[0]

    # -- marks and meta ----------------------------------------------------------------------

    def _mark(self, ds: Dataset) -> None:
        """PatientIdentityRemoved, the method in words and codes, what happened to dates."""
        ds.PatientIdentityRemoved = "YES"
        ds.DeidentificationMethod = f"rtstation PS3.15 E.1-1 {self.profile.description}"[:64]
        codes = Sequence()
        if self.profile.name == "basic":
            codes.append(_code("113100", "Basic Application Confidentiality Profile"))
        for option in self.profile.options:
            codes.append(_code(*_OPTION_CODES[option]))
        ds.DeidentificationMethodCodeSequence = codes
        if self.profile.has("RetainLongFullDatesAndTimes"):
            ds.LongitudinalTemporalInformationModified = "UNMODIFIED"
        elif self.profile.has("RetainLongModifDatesAndTimes"):
            ds.LongitudinalTemporalInformationModified = "MODIFIED"
        else:
            ds.LongitudinalTemporalInformationModified = "REMOVED"

    def _file_meta(self, ds: Dataset, meta: FileMetaDataset) -> None:
        for keyword in _FILE_META_REMOVED:
            if keyword in meta:
                delattr(meta, keyword)
                self.counts[("removed", f"{keyword} (file meta)")] += 1
        if "SOPInstanceUID" in ds:
            meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            self.counts[("replaced", "MediaStorageSOPInstanceUID (0002,0003)")] += 1

    def _count(self, what: str, tag: int) -> None:
        keyword = keyword_for_tag(tag) or "unknown"
        self.counts[(what, f"{keyword} ({tag >> 16:04X},{tag & 0xFFFF:04X})")] += 1


def _is_instance_uid_element(element: DataElement) -> bool:
    keyword = keyword_for_tag(int(element.tag)) or ""
    if keyword.endswith("ClassUID") or keyword in _KEPT_UID_KEYWORDS:
        return False
    values: Iterable[object] = element.value if element.VM > 1 else [element.value]
    return any(str(v) and UID(str(v)).name == str(v) for v in values)


def _dummy(vr: str) -> object:
    if vr in _DUMMY_BY_VR:
        return _DUMMY_BY_VR[vr]
    if vr in _TEXT_VRS:
        return _DUMMY_TEXT
    if vr in ("IS", "DS"):
        return "0"
    if vr in _BINARY_VRS:
        return b""
    return 0


def _shift_date(value: str, offset: dt.timedelta) -> str:
    """``20240131`` moved by ``offset``; a DT keeps its time part; unreadable -> empty."""
    text = value.strip()
    try:
        moved = dt.datetime.strptime(text[:8], "%Y%m%d") + offset
    except ValueError:
        return ""
    return moved.strftime("%Y%m%d") + text[8:]


def _code(value: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = "DCM"
    item.CodeMeaning = meaning
    return item
