"""The storage layout: untrusted IDs never escape the storage folder or share a folder.

Why it matters: patient IDs come from other systems. ``../../x`` must not write outside the
storage folder, ``CON`` must not hang a Windows file server, and two patients must never
end up in one folder, on any file system, including Windows' and macOS' case-insensitive
ones.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rtstation.dicom.headers import InstanceHeader
from rtstation.storage.layout import (
    INCOMING_DIR,
    MAX_COMPONENT,
    instance_path,
    safe_component,
    safe_uid,
)

HOSTILE = [
    "../../x",
    "..\\..\\x",
    "/etc/passwd",
    "C:\\x",
    "C:",
    "CON",
    "con",
    "aux.txt",
    "con.txt",
    "NUL.tar.gz",
    "a\x00b",
    "L" * 200,
    "Müller^Jörg",
    "",
    " ",
    ".",
    "..",
    "...",
    ".hidden",
    "COM1",
    "com9.",
    "lpt9.log",
    "LPT1 ",
    "CONIN$",
    "conout$.txt",
    "x/../../y",
    'a:b*c?d"e<f>g|h',
    "\t\n\r",
    "~",
    "-rf",
    "x_0123456789",  # looks like a cleaned name's hash suffix
    "RT001",
    "rt001",
]
RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CONIN$",
    "CONOUT$",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}
SAFE = re.compile(r"^[A-Za-z0-9._-]+$")


def header(patient_id: str, **kwargs: str) -> InstanceHeader:
    values = {
        "path": "",
        "sop_class_uid": "1.2.840.10008.5.1.4.1.1.2",
        "sop_instance_uid": "1.2.3.4",
        "modality": "CT",
        "patient_id": patient_id,
        "study_instance_uid": "1.2.3",
        "series_instance_uid": "1.2.3.1",
    }
    values.update(kwargs)
    return InstanceHeader(**values)  # type: ignore[arg-type]


def assert_component_is_safe(component: str) -> None:
    assert component, "empty component"
    assert SAFE.match(component), component
    assert component not in (".", "..") and not component.startswith(".")
    assert len(component) <= MAX_COMPONENT + 11 + len(".dcm")
    assert not component.endswith((".", " "))  # Windows strips these
    # Windows refuses a reserved device name with any extension, in any case
    assert component.split(".")[0].upper().rstrip(" ") not in RESERVED, component


def assert_inside(root: Path, relative: PurePosixPath) -> None:
    target = (root / relative).resolve()
    assert target.is_relative_to(root.resolve()), relative
    assert target != root.resolve()
    assert INCOMING_DIR not in relative.parts


@pytest.mark.parametrize("patient_id", HOSTILE, ids=repr)
def test_hostile_patient_ids_stay_inside(tmp_path: Path, patient_id: str):
    relative = instance_path(header(patient_id))
    assert len(relative.parts) == 4
    assert not relative.is_absolute()
    assert "\\" not in str(relative) and ":" not in str(relative)
    for component in relative.parts:
        assert_component_is_safe(component)
    assert_inside(tmp_path, relative)
    # and the file can actually be created there
    target = tmp_path / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"x")
    assert target.read_bytes() == b"x"


def test_hostile_ids_get_distinct_folders():
    folders = [safe_component(pid, "NO_PATIENT_ID") for pid in HOSTILE]
    assert len(set(folders)) == len(HOSTILE)
    assert len({f.casefold() for f in folders}) == len(HOSTILE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RT001", "RT001"),  # nothing to change
        ("PHANTOM-1", "PHANTOM-1"),
        ("A.B_C-D", "A.B_C-D"),
    ],
)
def test_plain_ids_are_kept_as_they_are(text: str, expected: str):
    assert safe_component(text, "X") == expected


def test_changed_ids_keep_a_readable_prefix():
    assert safe_component("../../x", "X").startswith("x_")
    assert safe_component("Müller^Jörg", "X").startswith("M_ller_J_rg_")
    assert safe_component("CON", "X").startswith("_CON_")
    assert safe_component("", "NO_PATIENT_ID").startswith("NO_PATIENT_ID_")
    assert safe_component("rt001", "X").startswith("rt001_")


def test_ids_differing_only_in_case_get_different_folders():
    """Windows and macOS ignore case: 'ab' and 'AB' must not share a folder there."""
    assert safe_component("RT001", "X").casefold() != safe_component("rt001", "X").casefold()
    assert safe_component("Ab", "X").casefold() != safe_component("aB", "X").casefold()


def test_an_id_cannot_pose_as_another_ids_cleaned_name():
    cleaned = safe_component("../../x", "X")
    assert safe_component(cleaned, "X") != cleaned
    assert safe_component(cleaned.upper(), "X").casefold() != cleaned.casefold()


def test_uids():
    assert safe_uid("1.2.840.10008.5.1.4.1.1.2", "X") == "1.2.840.10008.5.1.4.1.1.2"
    assert safe_uid(" 1.2.3 ", "X") == "1.2.3"  # padding is not part of a UID
    for bad in ("", "../1.2", "1.2.3/..", "1." + "2" * 70, "CON"):
        component = safe_uid(bad, "NO_UID")
        assert_component_is_safe(component)
        assert component != bad
    assert safe_uid("1..2", "NO_UID") == "1..2"  # not a valid UID, but a harmless name


def test_instance_path_shape():
    relative = instance_path(header("RT001", modality="RTPLAN", sop_instance_uid="1.2.3.9"))
    assert relative == PurePosixPath("RT001", "1.2.3", "RTPLAN_1.2.3.1", "1.2.3.9.dcm")


def test_hostile_uids_and_modality(tmp_path: Path):
    relative = instance_path(
        header(
            "../x",
            modality="../..",
            study_instance_uid="../../..",
            series_instance_uid="C:\\",
            sop_instance_uid="..",
        )
    )
    for component in relative.parts:
        assert_component_is_safe(component)
    assert_inside(tmp_path, relative)


def test_stable():
    h = header("Müller^Jörg")
    assert instance_path(h) == instance_path(replace(h))
    assert instance_path(h) == instance_path(header("Müller^Jörg"))
    # pinned: a changed layout would strand every file already stored
    assert safe_component("../../x", "X") == "x_9cdf6a5010"


# --- properties --------------------------------------------------------------------------

_any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120) | st.sampled_from(
    HOSTILE
)


@settings(max_examples=400, deadline=None)
@given(patient_id=_any_text)
def test_any_id_is_safe_and_inside(patient_id: str):
    root = Path(os.sep) / "storage"
    relative = instance_path(header(patient_id))
    for component in relative.parts:
        assert_component_is_safe(component)
    assert os.path.normpath(root / relative).startswith(str(root) + os.sep)
    assert instance_path(header(patient_id)) == relative  # same input, same output


@settings(max_examples=1000, deadline=None)
@given(a=_any_text, b=_any_text)
def test_different_ids_give_different_folders(a: str, b: str):
    assume(a != b)
    fa, fb = safe_component(a, "NO_PATIENT_ID"), safe_component(b, "NO_PATIENT_ID")
    assert fa != fb
    assert fa.casefold() != fb.casefold()


@settings(max_examples=300, deadline=None)
@given(text=st.from_regex(r"[A-Z0-9][A-Z0-9._-]{0,20}[A-Z0-9]", fullmatch=True))
def test_clean_upper_case_ids_are_kept(text: str):
    assume(text.split(".")[0] not in RESERVED)
    assume(not re.search(r"_[0-9A-F]{10}$", text))
    assert safe_component(text, "X") == text
