"""Tag expressions as DicomTools ``search`` takes them: parse, match, collect values.

Why it matters: batch files written for DicomTools must keep working, and a search that
quietly matches nothing because an expression was misread looks exactly like "no such
patient".
"""

from __future__ import annotations

from collections import Counter

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.tag import Tag

from rtstation.dicom.tag_search import (
    SearchHit,
    SearchStatistics,
    TagExpressionError,
    match_dataset,
    parse_expression,
    values_at,
)

# --- parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("(0010,0020)=Phantom-1", (0x00100020,), "Phantom-1"),
        ("(0010, 0020)=X", (0x00100020,), "X"),
        ("0010,0020=X", (0x00100020,), "X"),
        ("00100020=X", (0x00100020,), "X"),
        ("(300a,00b0)=?", (0x300A00B0,), "?"),
        ("PatientID=X", (0x00100020,), "X"),
        ("(300A,00B0)/(300A,00B2)=?", (0x300A00B0, 0x300A00B2), "?"),
        ("BeamSequence/TreatmentMachineName=TB*", (0x300A00B0, 0x300A00B2), "TB*"),
        ("(0008,0060)= CT ", (0x00080060,), "CT"),
        ("(0008,0060)= ?", (0x00080060,), "?"),
        ("PatientID=a=b", (0x00100020,), "a=b"),
        ("PatientID=", (0x00100020,), ""),
    ],
)
def test_parse(text: str, path: tuple[int, ...], value: str):
    expression = parse_expression(text)
    assert expression.path == tuple(Tag(t) for t in path)
    assert expression.value == value
    assert expression.show_only == (value == "?")
    assert expression.text == text


def test_label_names_tags_and_keyword():
    assert parse_expression("(300A,00B0)/(300A,00B2)=?").label == (
        "(300A,00B0)/(300A,00B2) TreatmentMachineName"
    )
    assert parse_expression("(0011,0010)=?").label == "(0011,0010)"  # private: no keyword


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "(0010,0020)",
            r"^Tag expression '\(0010,0020\)' has no '=': write it as \(gggg,eeee\)=value, "
            r"or \(gggg,eeee\)=\? to show the value$",
        ),
        ("=X", r"^Tag expression '=X' names no tag before '='$"),
        (" / =X", r"^Tag expression ' / =X' names no tag before '='$"),
        (
            "PatientId=X",
            r"^Tag expression 'PatientId=X': 'PatientId' is neither a tag like \(0010,0020\) "
            r"nor a DICOM keyword like PatientID$",
        ),
        (
            "(ZZZZ,0010)=X",
            r"^Tag expression '\(ZZZZ,0010\)=X': '\(ZZZZ,0010\)' is neither a tag",
        ),
        ("(300A,00B0)/Nonsense=?", r"'Nonsense' is neither a tag like"),
    ],
)
def test_invalid_expressions(text: str, message: str):
    with pytest.raises(TagExpressionError, match=message):
        parse_expression(text)


def test_expression_error_is_a_value_error():
    assert issubclass(TagExpressionError, ValueError)


# --- matching ----------------------------------------------------------------------------


@pytest.fixture
def plan() -> Dataset:
    ds = Dataset()
    ds.PatientID = "Phantom-1"
    ds.Modality = "RTPLAN"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.RTPlanLabel = "Breast L"
    beams = []
    for name in ("TrueBeam1", "TrueBeam1", "Halcyon2"):
        beam = Dataset()
        beam.TreatmentMachineName = name
        cp = Dataset()
        cp.NominalBeamEnergy = "6"
        beam.ControlPointSequence = Sequence([cp])
        beams.append(beam)
    ds.BeamSequence = Sequence(beams)
    ds.PixelData = b"\x00" * 8
    ds["PixelData"].VR = "OB"
    return ds


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("(0010,0020)=Phantom-1", True),
        ("(0010,0020)=phantom-1", True),  # case-insensitive
        ("(0010,0020)=Phantom", False),
        ("(0010,0020)=Phan*", True),
        ("(0010,0020)=*-1", True),
        ("(0010,0020)=*tom*", True),
        ("(0010,0020)=X*", False),
        ("RTPlanLabel=breast l", True),
        ("(0008,0008)=PRIMARY", True),  # any value of a multi-valued element
        ("(300A,00B0)/(300A,00B2)=halcyon2", True),  # any sequence item
        ("(300A,00B0)/(300A,00B2)=Tomo*", False),
        ("(300A,00B0)/(300A,0111)/(300A,0114)=6", True),  # two sequences deep
        ("(0010,0010)=?", True),  # ? shows, matches even when absent
        ("(0010,0010)=", False),  # empty matches only a present, empty value
    ],
)
def test_matches(plan: Dataset, text: str, matches: bool):
    expression = parse_expression(text)
    assert expression.matches(values_at(plan, expression.path)) is matches


def test_values_at(plan: Dataset):
    assert values_at(plan, parse_expression("(300A,00B0)/(300A,00B2)=?").path) == [
        "TrueBeam1",
        "TrueBeam1",
        "Halcyon2",
    ]
    assert values_at(plan, (Tag("BeamSequence"),)) == ["<sequence of 3 item(s)>"]
    assert values_at(plan, (Tag("PixelData"),)) == ["<8 bytes>"]
    assert values_at(plan, (Tag("PatientName"),)) == []
    # a path through an element that is not a sequence finds nothing
    assert values_at(plan, (Tag("PatientID"), Tag("PatientID"))) == []


def test_match_dataset_requires_every_value_expression(plan: Dataset):
    expressions = [parse_expression("PatientID=Phantom-1"), parse_expression("Modality=?")]
    hit = match_dataset(plan, expressions, "RP.dcm")
    assert hit == SearchHit(
        path="RP.dcm",
        values=(("(0010,0020) PatientID", ("Phantom-1",)), ("(0008,0060) Modality", ("RTPLAN",))),
    )
    expressions.append(parse_expression("Modality=CT"))
    assert match_dataset(plan, expressions, "RP.dcm") is None


def test_statistics_count_files_per_value(plan: Dataset):
    stats = SearchStatistics()
    expression = parse_expression("(300A,00B0)/(300A,00B2)=?")
    for _ in range(2):
        hit = match_dataset(plan, [expression], "RP.dcm")
        assert hit is not None
        stats.add(hit)
    empty = match_dataset(Dataset(), [expression], "CT.dcm")
    assert empty is not None
    stats.add(empty)
    assert stats.files_matched == 3
    # TrueBeam1 twice in one plan counts once per file
    assert stats.value_counts[expression.label] == Counter(
        {"TrueBeam1": 2, "Halcyon2": 2, "<absent>": 1}
    )
