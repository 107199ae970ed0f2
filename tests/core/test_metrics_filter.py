"""Filter expressions of the metrics table: what physicists type, and what they mistype."""

from __future__ import annotations

import pytest

from rtstation.dicom.metrics_filter import FilterError, compile_condition, compile_filter

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


# -- arithmetic and reasons in words (rules.ini metrics_condition) ----------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("dmax_gy <= 1.1 * prescription_gy", ["ADP_Prostate"]),  # 62.5 <= 66
        ("dmax_gy <= 1.02 * prescription_gy", []),  # 62.5 > 61.2; null on the others
        ("dmax_gy - prescription_gy > 2", ["ADP_Prostate"]),
        ("dmax_gy / prescription_gy >= 1.04", ["ADP_Prostate"]),
        ("dmax_gy > prescription_gy + -3", ["ADP_Prostate"]),
        ("prescription_gy * 0 = 0", ["ADP_Prostate", "Lung"]),  # null stays null
        ("dmax_gy / 0 is null and fractions = 5", ["adp_boost"]),  # division by 0: null
        ("fractions*2>=50", ["Lung"]),  # no spaces needed around * / +
        ("label = 'ADP_Prostate' and -dmax_gy < -60", ["ADP_Prostate"]),
    ],
)
def test_arithmetic_on_fields(expression: str, expected: list[str]) -> None:
    assert labels(expression) == expected


def test_arithmetic_needs_numbers() -> None:
    with pytest.raises(FilterError) as error:
        compile_filter("dmax_gy > 1 * 'a'", FIELDS)
    assert "'*' needs numbers or number fields on both sides at character 13" in str(error.value)


@pytest.mark.parametrize(
    ("expression", "row", "reason"),
    [
        (
            "dmax_gy <= 1.1 * prescription_gy",
            {"dmax_gy": 64.2, "prescription_gy": 55.0},
            "Dmax 64.2 Gy is above 110% of the prescription 55 Gy",
        ),
        (
            "dmax_gy <= 1.1 * prescription_gy",
            {"dmax_gy": 58.0, "prescription_gy": 55.0},
            "Dmax 58 Gy is at most 110% of the prescription 55 Gy",
        ),
        (
            "dmax_gy <= 1.1 * prescription_gy",
            {"dmax_gy": None, "prescription_gy": 55.0},
            "Dmax cannot be compared with 110% of the prescription 55 Gy",
        ),
        (
            "fractions >= 20 and label contains ADP",
            {"fractions": 5, "label": "ADP_boost"},
            "fractions 5 is below 20",  # a failed "and": only the parts that failed
        ),
        (
            "dmax_gy - prescription_gy < 2",
            {"dmax_gy": 62.5, "prescription_gy": 60.0},
            "(Dmax 62.5 Gy - the prescription 60 Gy = 2.5) is at least 2",
        ),
        ("dmax_gy is null", {"dmax_gy": 3.0}, "Dmax 3 Gy is known"),
    ],
)
def test_a_condition_says_why_in_words(expression: str, row: dict, reason: str) -> None:
    condition = compile_condition(expression, FIELDS)
    assert condition.explain(row) == reason
