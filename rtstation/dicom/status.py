"""What a DICOM send attempt means for the send queue: SUCCESS, RETRY or FAIL.

Every attempt to deliver an instance ends in one of three outcomes (CTP's ``Status``):
the peer has it, trying again later may help, or trying again cannot help until a person
changes something. The mapping from DICOM status codes and association failures to those
outcomes lives here, in the lowest layer, as one pure function, so the network sender and
the send queue agree on it without importing each other (docs/conventions.md, "The send queue").

The ``reason`` is written for a physicist reading the queue, not for a DICOM engineer: it
says what the receiver did in words and keeps the code in brackets for the support call.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from rtstation.dicom import sop

LOGGER = logging.getLogger(__name__)


class Outcome(enum.Enum):
    """The result of one attempt, as the send queue acts on it."""

    SUCCESS = "success"
    RETRY = "retry"
    FAIL = "fail"


@dataclass(frozen=True)
class Classified:
    """An outcome plus the words that explain it.

    ``warning`` is True for a success the peer qualified (0xB000 coercion of data elements,
    0xB007 data set does not match SOP class, ...): the instance was taken, but someone may
    want to look at why.
    """

    outcome: Outcome
    warning: bool
    reason: str


#: Association-level failures the sender can report, and whether they are transient.
ASSOCIATION_FAILURES: dict[str, Outcome] = {
    "refused": Outcome.RETRY,
    "unreachable": Outcome.RETRY,
    "timeout": Outcome.RETRY,
    "aborted": Outcome.RETRY,
    "rejected-transient": Outcome.RETRY,
    "rejected-permanent": Outcome.FAIL,
    "no-context": Outcome.FAIL,
    "invalid-settings": Outcome.FAIL,
}


def _association_reason(kind: str, address: str, detail: str) -> str:
    """Words for an association-level failure; ``address`` is "host:port" when known."""
    at = f" at {address}" if address else ""
    if kind == "refused":
        where = f"nothing listening on {address}" if address else "nothing is listening there"
        return _join(f"connection refused ({where})", detail)
    if kind == "unreachable":
        return _join(f"the receiver{at} cannot be reached on the network", detail)
    if kind == "timeout":
        return _join(f"timed out: the receiver{at} did not answer in time", detail)
    if kind == "aborted":
        return _join(f"association aborted by the receiver{at}", detail)
    if kind == "invalid-settings":
        return _join("the destination settings cannot be used", detail)
    if kind == "rejected-transient":
        return _join("association rejected by the peer for now", detail)
    return _join("association rejected by the peer", detail)


# Failure statuses of the general C-STORE service (Part 7 Annex C) with their words.
_GENERAL_FAILURES = {
    0x0110: "the receiver failed while processing the instance",
    0x0117: "the receiver says the instance is invalid",
    0x0122: "the receiver does not support this kind of object",
    0x0124: "the receiver says this station is not authorised to store there",
    0x0210: "the receiver saw a duplicate request",
    0x0211: "the receiver did not recognise the request",
    0x0212: "the receiver says an argument was mistyped",
}

# The one general failure that is about load, not about the data: worth a retry.
_RESOURCE_LIMITATION = 0x0213

_GENERAL_WARNINGS = {
    0x0001: "the receiver stored the instance with a warning",
    0x0107: "the receiver stored the instance but reported an attribute list error",
    0x0116: "the receiver stored the instance but reported a value out of range",
}

_STORAGE_WARNINGS = {
    0xB000: "the receiver stored the instance but changed some data elements",
    0xB006: "the receiver stored the instance but discarded some data elements",
    0xB007: "the receiver stored the instance but says it does not match its SOP class",
}


def _hex(status: int) -> str:
    return f"0x{status:04X}"


def _join(base: str, detail: str) -> str:
    return f"{base}: {detail}" if detail else base


def classify(
    status: int | None,
    *,
    association_failure: str | None = None,
    sop_class_uid: str = "",
    address: str = "",
    detail: str = "",
) -> Classified:
    """Turn a C-STORE status or an association failure into an outcome and a reason.

    ``association_failure`` wins over ``status``; it is one of :data:`ASSOCIATION_FAILURES`
    (an unknown word is a programming error and raises ``ValueError``). ``sop_class_uid``
    names the class for "no-context" ("the receiver does not accept RT Dose Storage");
    ``address`` ("host:port") names where a connection failed; ``detail`` is appended after
    a colon ("association rejected by the peer: called AE title not recognised").

    Why these outcomes: a peer that is down, busy or out of resources (0xA7xx) or that
    never answered may take the instance later, so RETRY; a peer that does not accept the
    class, rejects the association permanently, cannot understand the data (0xCxxx) or says
    it does not match its class (0xA9xx) will say the same next time, so FAIL. Any status
    we do not know is a FAIL: retrying an unexplained refusal forever helps nobody.
    """
    if association_failure is not None:
        try:
            outcome = ASSOCIATION_FAILURES[association_failure]
        except KeyError:
            raise ValueError(
                f"Unknown association failure '{association_failure}': expected one of "
                f"{', '.join(sorted(ASSOCIATION_FAILURES))}"
            ) from None
        if association_failure == "no-context":
            name = sop.class_name(sop_class_uid) if sop_class_uid else "this kind of object"
            return Classified(outcome, False, _join(f"the receiver does not accept {name}", detail))
        return Classified(outcome, False, _association_reason(association_failure, address, detail))

    if status is None:
        return Classified(
            Outcome.RETRY, False, _join("the receiver did not answer the request", detail)
        )
    if status == 0x0000:
        return Classified(Outcome.SUCCESS, False, _join("stored", detail))
    if status in _GENERAL_WARNINGS:
        words = _GENERAL_WARNINGS[status]
        return Classified(Outcome.SUCCESS, True, _join(f"{words} ({_hex(status)})", detail))
    if 0xB000 <= status <= 0xBFFF:
        words = _STORAGE_WARNINGS.get(status, "the receiver stored the instance with a warning")
        return Classified(Outcome.SUCCESS, True, _join(f"{words} ({_hex(status)})", detail))
    if 0xA700 <= status <= 0xA7FF:
        return Classified(
            Outcome.RETRY,
            False,
            _join(f"the receiver is out of resources ({_hex(status)})", detail),
        )
    if status == _RESOURCE_LIMITATION:
        return Classified(
            Outcome.RETRY,
            False,
            _join(f"the receiver is at its resource limit ({_hex(status)})", detail),
        )
    if 0xA900 <= status <= 0xA9FF:
        return Classified(
            Outcome.FAIL,
            False,
            _join(
                f"the receiver says the data does not match its SOP class ({_hex(status)})", detail
            ),
        )
    if 0xC000 <= status <= 0xCFFF:
        return Classified(
            Outcome.FAIL,
            False,
            _join(f"the receiver cannot understand the data ({_hex(status)})", detail),
        )
    if status in _GENERAL_FAILURES:
        return Classified(
            Outcome.FAIL, False, _join(f"{_GENERAL_FAILURES[status]} ({_hex(status)})", detail)
        )
    return Classified(
        Outcome.FAIL,
        False,
        _join(f"the receiver answered with an unknown status ({_hex(status)})", detail),
    )
