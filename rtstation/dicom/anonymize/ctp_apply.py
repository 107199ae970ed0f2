"""A CTP DicomAnonymizer script applied on top of the station's profile.

The station's profile (aria or basic) runs first, so everything the script does not
mention is handled by PS3.15 Table E.1-1 and the RT references stay intact; then the
script's rules are applied to the top-level elements they name, from the values the file
had before anonymization (a ``@lookup`` of the original PatientID, an ``@incrementdate``
of the original StudyDate). Rules win over keep groups.

UIDs: ``@hashuid`` gives the UID map's replacement, the same one the profile writes into
every reference, so a plan still points at its structure set; the script's UID root is
not used for that reason. A keep group (``<k t="0020">``) restores its elements except
UIDs, which stay replaced; ``@keep()`` on a UID element does restore it.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from rtstation.dicom.anonymize.ctp_script import CtpScript, ElementRule
from rtstation.dicom.anonymize.run import AnonymizationRefused, AnonymizeOptions, Anonymizer
from rtstation.dicom.anonymize.uid_map import UidMap

_PIXEL_GROUP = 0x7FE0

# (dataset after the profile, the rule's tag) -> change it
Change = Callable[[Dataset, int], None]


def _text(element: DataElement | None) -> str:
    if element is None or element.value is None:
        return ""
    value = element.value
    if isinstance(value, MultiValue | list):
        return "\\".join(str(v) for v in value)
    return str(value).strip()


def _empty_value(vr: str) -> Any:
    return [] if vr == "SQ" else None


def _set(ds: Dataset, tag: int, value: Any, *, create: bool) -> None:
    if tag in ds:
        ds[tag].value = value
    elif create:
        vr = dictionary_VR(tag) if tag >> 16 & 1 == 0 else "LO"
        ds.add_new(tag, vr, value)


def ctp_hash(value: str, length: int) -> str:
    """CTP's @hash: the MD5 of the value as a decimal number, cut to ``length`` digits."""
    digits = str(int(hashlib.md5(value.encode("utf-8")).hexdigest(), 16))
    return digits[:length] if length > 0 else digits


def _shift_date(value: str, days: int) -> str:
    text = value.strip()[:8]
    try:
        date = dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError as exc:
        raise AnonymizationRefused(
            "has a date that @incrementdate cannot read (expected YYYYMMDD)"
        ) from exc
    return (date + dt.timedelta(days=days)).strftime("%Y%m%d")


class ScriptedAnonymizer(Anonymizer):
    """The station's :class:`Anonymizer` with a CTP script and lookup table on top."""

    def __init__(
        self,
        options: AnonymizeOptions,
        script: CtpScript,
        lookup_table: dict[str, str] | None = None,
        *,
        uid_map: UidMap | None = None,
    ) -> None:
        super().__init__(options, uid_map=uid_map)
        self.script = script
        self.table = lookup_table or {}
        self._ruled = {rule.tag for rule in script.rules}

    def anonymize_dataset(self, ds: Dataset, *, source: str = "dataset") -> Dataset:
        originals = self._originals(ds)
        changes = [(rule.tag, self._change(rule, ds)) for rule in self.script.rules]
        super().anonymize_dataset(ds, source=source)
        self._keep_groups(ds, originals)
        for tag, change in changes:
            change(ds, tag)
        self._removals(ds)
        return ds

    def _originals(self, ds: Dataset) -> dict[int, DataElement]:
        wanted = {r.tag for r in self.script.rules if r.call and r.call.name in ("keep", "require")}
        kept: dict[int, DataElement] = {}
        for element in ds:
            tag = int(element.tag)
            if tag >> 16 == _PIXEL_GROUP:
                continue
            if tag in wanted or (tag >> 16) in self.script.keep_groups:
                kept[tag] = copy.deepcopy(ds[tag])
        return kept

    def _keep_groups(self, ds: Dataset, originals: dict[int, DataElement]) -> None:
        for tag, element in originals.items():
            if tag in self._ruled or element.VR == "UI":
                continue
            ds[tag] = element
        for rule in self.script.rules:
            if rule.call and rule.call.name in ("keep", "require") and rule.tag in originals:
                ds[rule.tag] = originals[rule.tag]

    def _value_of(self, name: str, rule: ElementRule, ds: Dataset) -> str:
        if name == "this":
            return _text(ds.get(rule.tag))
        tag = tag_for_keyword(name)
        if tag is None and len(name) == 8:
            tag = int(name, 16)
        return _text(ds.get(tag)) if tag is not None else ""

    def _change(self, rule: ElementRule, ds: Dataset) -> Change:
        """What to do after the profile, computed from the original values now."""
        create = rule.always
        call = rule.call
        if call is None:
            literal = rule.literal
            return lambda out, tag: _set(out, tag, literal or None, create=create)
        name, args = call.name, call.args
        if name == "remove":
            return lambda out, tag: out.pop(tag, None) and None
        if name == "empty":
            vr = dictionary_VR(rule.tag) if rule.tag >> 16 & 1 == 0 else "LO"
            return lambda out, tag: _set(out, tag, _empty_value(vr), create=create)
        if name == "keep":
            return lambda out, tag: None  # restored with the originals
        if name == "require":
            vr = dictionary_VR(rule.tag) if rule.tag >> 16 & 1 == 0 else "LO"
            return lambda out, tag: (
                _set(out, tag, _empty_value(vr), create=True) if tag not in out else None
            )
        if name == "param":
            value = self.script.param(args[0]) if args else ""
            return lambda out, tag: _set(out, tag, value, create=create)
        if name == "hashuid":
            element = ds.get(rule.tag)
            if element is None or element.value in (None, ""):
                return lambda out, tag: None
            values = (
                element.value if isinstance(element.value, MultiValue | list) else [element.value]
            )
            mapped = [self.uid_map.uid(str(v)) for v in values]
            new: Any = mapped if len(mapped) > 1 else mapped[0]
            return lambda out, tag: _set(out, tag, new, create=create)
        if name == "hash":
            value = self._value_of(args[0] if args else "this", rule, ds)
            length = int(args[1]) if len(args) > 1 and args[1].strip().isdigit() else 0
            hashed = ctp_hash(value, length) if value else ""
            return lambda out, tag: _set(out, tag, hashed or None, create=create)
        if name == "lookup":
            original = self._value_of(args[0], rule, ds)
            key = f"{args[1]}/{original}"
            if key not in self.table:
                raise AnonymizationRefused(
                    f"has a {args[0] if args[0] != 'this' else rule.keyword} that the lookup "
                    f"table has no '{args[1]}/...' entry for (line {rule.line} of "
                    f"{self.script.source.name})"
                )
            replacement = self.table[key]
            return lambda out, tag: _set(out, tag, replacement, create=create)
        if name == "incrementdate":
            value = self._value_of(args[0], rule, ds)
            days_text = self.script.param(args[1]) if args[1].startswith("@") else args[1]
            try:
                days = int(float(days_text))
            except ValueError as exc:
                raise AnonymizationRefused(
                    f"cannot be shifted: @incrementdate days '{days_text}' is not a number "
                    f"(line {rule.line} of {self.script.source.name})"
                ) from exc
            shifted = _shift_date(value, days) if value else ""
            return lambda out, tag: _set(out, tag, shifted or None, create=create)
        raise AnonymizationRefused(f"needs the unsupported function '@{name}'")  # pragma: no cover

    def _removals(self, ds: Dataset) -> None:
        removals = self.script.removals
        if not removals:
            return
        for element in list(ds):
            tag = int(element.tag)
            group = tag >> 16
            if (
                ("privategroups" in removals and group & 1)
                or ("curves" in removals and 0x5000 <= group <= 0x50FF)
                or ("overlays" in removals and 0x6000 <= group <= 0x60FF)
                or (
                    "unspecifiedelements" in removals
                    and tag not in self._ruled
                    and group not in self.script.keep_groups
                    and group != _PIXEL_GROUP
                )
            ):
                del ds[tag]
