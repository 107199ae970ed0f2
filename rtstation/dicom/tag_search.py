"""Tag search: find files by tag values and show values, as DicomTools ``search`` does.

An expression is ``PATH=VALUE``. ``PATH`` is a tag ``(gggg,eeee)`` or a keyword
(``PatientID``), or a chain of them through sequences separated by ``/``:
``(300A,00B0)/(300A,00B2)`` is TreatmentMachineName in any item of BeamSequence.
``VALUE`` ``?`` only shows the value; anything else must match, case-insensitively, with
``*`` standing for any run of characters. A file matches when every non-``?`` expression
matches one of the values found at its path (any sequence item, any value of a
multi-valued element).
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydicom.datadict import dictionary_description, dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag, Tag

SHOW = "?"

_TAG_PATTERNS = (
    re.compile(r"^\(?\s*([0-9a-fA-F]{4})\s*,\s*([0-9a-fA-F]{4})\s*\)?$"),
    re.compile(r"^([0-9a-fA-F]{4})([0-9a-fA-F]{4})$"),
)


class TagExpressionError(ValueError):
    """A ``--tag`` argument that cannot be understood."""


@dataclass(frozen=True)
class TagExpression:
    text: str
    path: tuple[BaseTag, ...]
    value: str  # SHOW, or a pattern to match

    @property
    def show_only(self) -> bool:
        return self.value == SHOW

    @property
    def label(self) -> str:
        """``(300A,00B0)/(300A,00B2) TreatmentMachineName`` for output headings."""
        tags = "/".join(f"({t.group:04X},{t.element:04X})" for t in self.path)
        keyword = keyword_for_tag(self.path[-1]) or _description(self.path[-1])
        return f"{tags} {keyword}".strip()

    def matches(self, values: Sequence[str]) -> bool:
        if self.show_only:
            return True
        pattern = self.value.strip().lower()
        if "*" in pattern:
            regex = re.compile(fnmatch.translate(pattern))
            return any(regex.match(v.strip().lower()) for v in values)
        return any(v.strip().lower() == pattern for v in values)


def _description(tag: BaseTag) -> str:
    try:
        return dictionary_description(tag)
    except KeyError:
        return ""


def parse_expression(text: str) -> TagExpression:
    """Parse ``(0010,0020)=RT001`` / ``PatientID=?`` / ``(300A,00B0)/(300A,00B2)=?``."""
    if "=" not in text:
        raise TagExpressionError(
            f"Tag expression '{text}' has no '=': write it as (gggg,eeee)=value, "
            "or (gggg,eeee)=? to show the value"
        )
    path_text, value = text.split("=", 1)
    parts = [p.strip() for p in path_text.split("/") if p.strip()]
    if not parts:
        raise TagExpressionError(f"Tag expression '{text}' names no tag before '='")
    # "(0008,0060)= ?" shows, as "(0008,0060)=?" does: DICOM values are space-padded anyway.
    path = tuple(_parse_tag(p, text) for p in parts)
    return TagExpression(text=text, path=path, value=value.strip())


def _parse_tag(part: str, whole: str) -> BaseTag:
    for pattern in _TAG_PATTERNS:
        if m := pattern.match(part):
            return Tag(int(m.group(1), 16), int(m.group(2), 16))
    tag = tag_for_keyword(part)
    if tag is None:
        raise TagExpressionError(
            f"Tag expression '{whole}': '{part}' is neither a tag like (0010,0020) "
            "nor a DICOM keyword like PatientID"
        )
    return Tag(tag)


def values_at(ds: Dataset, path: Sequence[BaseTag]) -> list[str]:
    """Every value at ``path``: all items of every sequence on the way, all multi-values.

    A group 0002 tag is looked up in the File Meta, which pydicom keeps apart from the
    dataset (``(0002,0010)=?`` asks for the transfer syntax).
    """
    if len(path) == 1 and path[0].group == 0x0002:
        meta = getattr(ds, "file_meta", None)
        return _collect_values([meta] if meta is not None and path[0] in meta else [], path[0])
    items: list[Dataset] = [ds]
    for tag in path[:-1]:
        items = [
            sub for item in items if tag in item and item[tag].VR == "SQ" for sub in item[tag].value
        ]
    return _collect_values([item for item in items if path[-1] in item], path[-1])


#: Values shown by their size: reading them (a CT's Pixel Data) is what the search avoids.
_BINARY_VRS = {"OB", "OD", "OF", "OL", "OV", "OW", "UN", "OB or OW", "US or OW"}
_UNDEFINED_LENGTH = 0xFFFFFFFF


def _dictionary_vr(tag: BaseTag) -> str:
    """The VR the standard gives ``tag`` (what an implicit VR file does not say)."""
    try:
        return dictionary_VR(tag)
    except KeyError:
        return ""


def _collect_values(items: Iterable[Dataset], tag: BaseTag) -> list[str]:
    values: list[str] = []
    for item in items:
        raw = item.get_item(tag)
        if isinstance(raw, RawDataElement) and (raw.VR or _dictionary_vr(tag)) in _BINARY_VRS:
            # still raw (a deferred value is not even in memory): its length is enough
            size = raw.length
            values.append("<encapsulated>" if size == _UNDEFINED_LENGTH else f"<{size} bytes>")
            continue
        element = item[tag]
        value = element.value
        if element.VR == "SQ":
            values.append(f"<sequence of {len(value)} item(s)>")
        elif isinstance(value, bytes):
            values.append(f"<{len(value)} bytes>")
        elif value is None:
            values.append("")
        elif isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
            values.extend(str(v) for v in value)
        else:
            values.append(str(value))
    return values


@dataclass(frozen=True)
class SearchHit:
    path: str
    values: tuple[tuple[str, tuple[str, ...]], ...]  # (expression label, values found)


@dataclass
class SearchStatistics:
    """Counts for ``--showStatistics``: files searched and matched, values per tag."""

    files_searched: int = 0
    files_matched: int = 0
    files_unreadable: int = 0
    value_counts: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, hit: SearchHit) -> None:
        self.files_matched += 1
        for label, values in hit.values:
            counter = self.value_counts.setdefault(label, Counter())
            for value in dict.fromkeys(values) or ("<absent>",):
                counter[value] += 1


def match_dataset(ds: Dataset, expressions: Sequence[TagExpression], path: str) -> SearchHit | None:
    """The hit for one dataset, or None when a value expression does not match."""
    shown: list[tuple[str, tuple[str, ...]]] = []
    for expression in expressions:
        values = values_at(ds, expression.path)
        if not expression.matches(values):
            return None
        shown.append((expression.label, tuple(values)))
    return SearchHit(path=path, values=tuple(shown))
