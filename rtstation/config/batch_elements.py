"""The elements of a batch extraction: ``PatientID``, ``(0020,000D)``, ``QueryRetrieveLevel=X``.

pydicom-batch's files name elements by keyword or by tag in ``(gggg,eeee)`` form, with
``=value`` to match on a value; an element without a value is a return key of a C-FIND
(a column of the library file). Its batch CSV files name elements the same way in their
header row, and every row is one request whose values replace (or add to) the common
elements. Tags are turned into keywords here, once, so everything downstream speaks
keywords and a typo fails before the first request is sent.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword

_TAG = re.compile(r"^\(?\s*([0-9A-Fa-f]{4})\s*,\s*([0-9A-Fa-f]{4})\s*\)?$")


class ElementError(ValueError):
    """An element text that names no DICOM element; the message is the reason."""


@dataclass(frozen=True)
class Element:
    """One element of a request: ``value`` None is a return key (asked, not matched)."""

    keyword: str
    value: str | None = None

    def text(self) -> str:
        return self.keyword if self.value is None else f"{self.keyword}={self.value}"


def keyword_of(name: str) -> str:
    """``PatientID`` or ``(0010,0020)`` -> ``PatientID``; raise ElementError otherwise."""
    name = name.strip()
    match = _TAG.match(name)
    if match:
        tag = int(match.group(1) + match.group(2), 16)
        keyword = keyword_for_tag(tag)
        if not keyword:
            raise ElementError(
                f"'{name}' is not an element of the DICOM dictionary (private and unknown "
                "tags cannot be asked for)"
            )
        return keyword
    if tag_for_keyword(name) is None:
        raise ElementError(
            f"'{name}' is not a DICOM keyword (expected a keyword such as 'PatientID' or a "
            "tag such as '(0010,0020)')"
        )
    return name


def parse_element(text: str) -> Element:
    """``keyword[=value]`` or ``(gggg,eeee)[=value]`` -> :class:`Element`."""
    name, sep, value = text.partition("=")
    keyword = keyword_of(name)
    if dictionary_VR(keyword) == "SQ":
        raise ElementError(f"'{name.strip()}' is a sequence, which a batch request cannot hold")
    return Element(keyword, value.strip() if sep else None)


def merge(common: tuple[Element, ...], row: dict[str, str]) -> tuple[Element, ...]:
    """The common elements with a CSV row's values put in (pydicom-batch's rule: a value for
    an element already listed replaces it, any other is added)."""
    merged = list(common)
    for keyword, value in row.items():
        for index, element in enumerate(merged):
            if element.keyword == keyword:
                merged[index] = Element(keyword, value)
                break
        else:
            merged.append(Element(keyword, value))
    return tuple(merged)


def request_key(kind: str, elements: tuple[Element, ...]) -> str:
    """A stable identity of one request (its type and its elements, order ignored): what
    the state file records as done, so a rerun skips it."""
    pairs = sorted((e.keyword, e.value if e.value is not None else "") for e in elements)
    payload = json.dumps([kind, pairs], separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class BatchRows:
    """The rows of a batch CSV file: its columns as keywords and one dict per request."""

    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]


def _join_split_tags(cells: list[str]) -> list[str]:
    """``(0010,0020)`` unquoted in a CSV header is two cells, ``(0010`` and ``0020)``."""
    joined: list[str] = []
    for cell in cells:
        if (
            joined
            and re.fullmatch(r"\s*\(\s*[0-9A-Fa-f]{4}\s*", joined[-1])
            and re.fullmatch(r"\s*[0-9A-Fa-f]{4}\s*\)\s*", cell)
        ):
            joined[-1] = f"{joined[-1].strip()},{cell.strip()}"
        else:
            joined.append(cell)
    return joined


def read_batch_csv(path: Path, *, key: str = "request.elements_batch_file") -> BatchRows:
    """Read a batch CSV file; any problem raises ElementError naming file, line and cause."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            lines = list(csv.reader(handle))
    except FileNotFoundError as exc:
        raise ElementError(f"{key} '{path}': the file does not exist") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ElementError(f"{key} '{path}': cannot be read ({exc})") from exc
    numbered = [(n, line) for n, line in enumerate(lines, 1) if any(c.strip() for c in line)]
    if not numbered:
        raise ElementError(
            f"{key} '{path}': the file is empty; expected a header row naming the elements"
        )
    header_line, header = numbered[0][0], _join_split_tags(numbered[0][1])
    columns = []
    for name in header:
        try:
            columns.append(keyword_of(name))
        except ElementError as exc:
            raise ElementError(f"{path} line {header_line}: column {exc}") from exc
    if len(set(columns)) != len(columns):
        raise ElementError(
            f"{path} line {header_line}: a column is named twice ('{','.join(header)}')"
        )
    rows = []
    for number, line in numbered[1:]:
        if len(line) != len(columns):
            raise ElementError(
                f"{path} line {number}: {len(line)} value(s) for {len(columns)} column(s) "
                f"('{','.join(line)}')"
            )
        rows.append({column: cell.strip() for column, cell in zip(columns, line, strict=True)})
    return BatchRows(tuple(columns), tuple(rows))
