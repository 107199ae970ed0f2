"""The one table that decides SUCCESS / RETRY / FAIL for a send attempt, and its words."""

from __future__ import annotations

import pytest

from rtstation.dicom.status import ASSOCIATION_FAILURES, Classified, Outcome, classify

S, R, F = Outcome.SUCCESS, Outcome.RETRY, Outcome.FAIL

RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"

STATUS_TABLE = [
    # status, outcome, warning, words in the reason
    (0x0000, S, False, "stored"),
    (0x0001, S, True, "with a warning (0x0001)"),
    (0x0107, S, True, "attribute list error (0x0107)"),
    (0x0116, S, True, "value out of range (0x0116)"),
    (0xB000, S, True, "changed some data elements (0xB000)"),
    (0xB006, S, True, "discarded some data elements (0xB006)"),
    (0xB007, S, True, "does not match its SOP class (0xB007)"),
    (0xB0FF, S, True, "with a warning (0xB0FF)"),
    (None, R, False, "did not answer"),
    (0xA700, R, False, "the receiver is out of resources (0xA700)"),
    (0xA7FF, R, False, "out of resources (0xA7FF)"),
    (0x0213, R, False, "resource limit (0x0213)"),
    (0xA900, F, False, "does not match its SOP class (0xA900)"),
    (0xA9FF, F, False, "(0xA9FF)"),
    (0xC000, F, False, "the receiver cannot understand the data (0xC000)"),
    (0xC211, F, False, "cannot understand the data (0xC211)"),
    (0xCFFF, F, False, "(0xCFFF)"),
    (0x0122, F, False, "does not support this kind of object (0x0122)"),
    (0x0124, F, False, "is not authorised to store there (0x0124)"),
    (0x0110, F, False, "failed while processing the instance (0x0110)"),
    (0x0117, F, False, "instance is invalid (0x0117)"),
    (0x0210, F, False, "duplicate request (0x0210)"),
    (0xFE00, F, False, "unknown status (0xFE00)"),
    (0xA800, F, False, "unknown status (0xA800)"),
    (0x1234, F, False, "unknown status (0x1234)"),
]


@pytest.mark.parametrize(("status", "outcome", "warning", "words"), STATUS_TABLE)
def test_status_codes(status: int | None, outcome: Outcome, warning: bool, words: str) -> None:
    result = classify(status)
    assert result.outcome is outcome
    assert result.warning is warning
    assert words in result.reason


ASSOCIATION_TABLE = [
    # failure, extra kwargs, outcome, exact reason
    (
        "refused",
        {"address": "127.0.0.1:11112"},
        R,
        "connection refused (nothing listening on 127.0.0.1:11112)",
    ),
    ("refused", {}, R, "connection refused (nothing is listening there)"),
    (
        "timeout",
        {"address": "127.0.0.1:104"},
        R,
        "timed out: the receiver at 127.0.0.1:104 did not answer in time",
    ),
    ("aborted", {}, R, "association aborted by the receiver"),
    (
        "unreachable",
        {"detail": "no route to host"},
        R,
        "the receiver cannot be reached on the network: no route to host",
    ),
    (
        "rejected-transient",
        {"detail": "temporary congestion"},
        R,
        "association rejected by the peer for now: temporary congestion",
    ),
    (
        "rejected-permanent",
        {"detail": "called AE title not recognised"},
        F,
        "association rejected by the peer: called AE title not recognised",
    ),
    (
        "no-context",
        {"sop_class_uid": RT_DOSE},
        F,
        "the receiver does not accept RT Dose Storage",
    ),
    ("no-context", {}, F, "the receiver does not accept this kind of object"),
    (
        "no-context",
        {"sop_class_uid": "1.2.246.352.70.1.70"},
        F,
        "the receiver does not accept Varian RT Plan (private)",
    ),
    (
        "invalid-settings",
        {"detail": "bad AE"},
        F,
        "the destination settings cannot be used: bad AE",
    ),
]


@pytest.mark.parametrize(("failure", "kwargs", "outcome", "reason"), ASSOCIATION_TABLE)
def test_association_failures(
    failure: str, kwargs: dict[str, str], outcome: Outcome, reason: str
) -> None:
    assert classify(None, association_failure=failure, **kwargs) == Classified(
        outcome, False, reason
    )


def test_association_failure_wins_over_status() -> None:
    assert classify(0x0000, association_failure="aborted").outcome is Outcome.RETRY


def test_every_association_failure_has_words() -> None:
    for failure in ASSOCIATION_FAILURES:
        assert classify(None, association_failure=failure).reason


def test_unknown_association_failure_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="Unknown association failure 'exploded': expected"):
        classify(None, association_failure="exploded")


def test_detail_is_appended_to_status_reason() -> None:
    assert classify(0xA700, detail="disk full").reason == (
        "the receiver is out of resources (0xA700): disk full"
    )
