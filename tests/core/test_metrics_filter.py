"""Filter expressions of the metrics table: what physicists type, and what they mistype."""

from __future__ import annotations

import pytest

from rtstation.dicom.metrics_filter import FilterError, compile_filter

FIELDS = ("label", "dmax_gy", "fractions", "machines", "approval", "prescription_gy")
ROWS = [
    {
        "label": "ADP_Prostate",
        "dmax_gy": 62.5,
        "fractions": 20,
        "machines": "Ethos1",
        "approval": "APPROVED",
        "prescription_gy": 60.0,
    },
    {
        "label": "adp_boost",
        "dmax_gy": 58.0,
        "fractions": 5,
        "machines": "TrueBeam1",
        "approval": "UNAPPROVED",
        "prescription_gy": None,
    },
    {
        "label": "Lung",
        "dmax_gy": None,
        "fractions": 30,
        "machines": "TrueBeam1, Ethos1",
        "approval": "APPROVED",
        "prescription_gy": 60.0,
    },
]


def labels(expression: str) -> list[str]:
    keep = compile_filter(expression, FIELDS)
    return [row["label"] for row in ROWS if keep(row)]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("label contains ADP and dmax_gy > 60", ["ADP_Prostate"]),
        ("label contains adp", ["ADP_Prostate", "adp_boost"]),
        ("dmax_gy >= 58", ["ADP_Prostate", "adp_boost"]),
        ("dmax_gy < 60 or fractions = 30", ["adp_boost", "Lung"]),
        ("not label contains adp", ["Lung"]),
        ("not (label contains adp and fractions < 10)", ["ADP_Prostate", "Lung"]),
        ("label contains adp or label = lung and fractions > 100", ["ADP_Prostate", "adp_boost"]),
        ("(label contains adp or label = lung) and fractions > 10", ["ADP_Prostate", "Lung"]),
        ("approval = approved", ["ADP_Prostate", "Lung"]),
        ("approval != 'APPROVED'", ["adp_boost"]),
        ('machines contains "ethos"', ["ADP_Prostate", "Lung"]),
        ("dmax_gy is null", ["Lung"]),
        ("prescription_gy is not null and dmax_gy > 0", ["ADP_Prostate"]),
        ("LABEL CONTAINS adp AND DMAX_GY > 60", ["ADP_Prostate"]),
        ("fractions == 5", ["adp_boost"]),
        ("dmax_gy > 6.2e1", ["ADP_Prostate"]),
        ("dmax_gy != 62.5", ["adp_boost"]),  # null is no value: not "different"
    ],
)
def test_expressions(expression: str, expected: list[str]) -> None:
    assert labels(expression) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("lable contains ADP", "unknown field 'lable' (known: approval, dmax_gy"),
        ("label contains", "expected a value after 'contains', found the end"),
        ("label ADP", "expected an operator"),
        ("(label = a", "'(' is not closed at character 1"),
        ("label = a b", "unexpected 'b' at character 11"),
        ("", "the filter is empty"),
        ("and label = a", "expected a field name, found 'and'"),
        ("dmax_gy is 5", "expected 'null' after 'is'"),
        ("label = 'unclosed", "cannot read ''unclosed' at character 9"),
    ],
)
def test_mistakes_are_one_sentence_naming_the_place(expression: str, message: str) -> None:
    with pytest.raises(FilterError) as error:
        compile_filter(expression, FIELDS)
    assert message in str(error.value)
    assert f"filter '{expression}'" in str(error.value)
