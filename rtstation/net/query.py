"""C-FIND: ask an archive what it holds, patient root or study root, any level.

A physicist's archive (Varian DB Service, a PACS, Orthanc) answers a query with one
pending response per match. Two things go wrong in practice and both must come back in
words, not as an empty list: the archive refuses us (it does not know our calling AE and
aborts, or answers a failure status), or it does not answer at all. :func:`find` raises
:class:`QueryError` with the sentence to show; an empty list really means "no match".

Levels follow the Q/R hierarchy: PATIENT -> STUDY -> SERIES -> IMAGE. The study root
model has no PATIENT level, and at IMAGE level both models need the study and series UID
(the hierarchical query rules of PS3.4 C.4.1.3).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydicom.dataset import Dataset
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    PatientRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelFind,
)

from rtstation.errors import NetworkError
from rtstation.net.peer import Peer, close_association, make_ae, open_association

LOGGER = logging.getLogger(__name__)

LEVELS = ("PATIENT", "STUDY", "SERIES", "IMAGE")
PATIENT_ROOT = "patient"
STUDY_ROOT = "study"

FIND_MODELS = {
    PATIENT_ROOT: PatientRootQueryRetrieveInformationModelFind,
    STUDY_ROOT: StudyRootQueryRetrieveInformationModelFind,
}

# What we ask back at each level (empty values = "return this attribute").
RETURN_KEYS: dict[str, tuple[str, ...]] = {
    "PATIENT": ("PatientID", "PatientName", "PatientBirthDate", "PatientSex"),
    "STUDY": (
        "PatientID",
        "PatientName",
        "StudyInstanceUID",
        "StudyDate",
        "StudyTime",
        "StudyDescription",
        "StudyID",
        "AccessionNumber",
        "ModalitiesInStudy",
    ),
    "SERIES": (
        "PatientID",
        "StudyInstanceUID",
        "SeriesInstanceUID",
        "Modality",
        "SeriesNumber",
        "SeriesDescription",
        "SeriesDate",
        "NumberOfSeriesRelatedInstances",
    ),
    "IMAGE": (
        "PatientID",
        "StudyInstanceUID",
        "SeriesInstanceUID",
        "SOPInstanceUID",
        "SOPClassUID",
        "InstanceNumber",
        "RTPlanLabel",
        "RTPlanName",
        "ApprovalStatus",
    ),
}


class QueryError(NetworkError):
    """A query, move or get that the archive refused or left unanswered, in words."""


class QueryNotSupported(QueryError):
    """The peer accepts no C-FIND at all: it is a storage SCP, not a Q/R archive."""


def not_answered_reason(peer: Peer, what: str) -> str:
    """The sentence for a request the archive accepted the association for, then dropped.

    Orthanc (and the Varian DB Service) do this when our calling AE is not among the
    nodes they trust: the association is accepted, the request is answered with nothing.
    """
    return (
        f"The archive {peer.describe()} gave no answer to the {what} and dropped the "
        f"connection: check that the archive knows this station's calling AE "
        f"'{peer.calling_ae}' (with this computer's address) and allows it to query and "
        "retrieve"
    )


def failure_status_reason(peer: Peer, what: str, status: int, comment: str = "") -> str:
    extra = f" ('{comment}')" if comment else ""
    return (
        f"The archive {peer.describe()} answered the {what} with failure status "
        f"0x{status:04X}{extra}: check the query values and that the archive allows "
        f"'{peer.calling_ae}' to query"
    )


def association_reason(peer: Peer, failure_reason: str) -> str:
    return f"Cannot reach the archive {peer.describe()}: {failure_reason}"


def build_identifier(level: str, keys: Mapping[str, str]) -> Dataset:
    """The query identifier: the level's return keys, overridden by ``keys`` (matching)."""
    if level not in LEVELS:
        raise ValueError(f"Query level '{level}' is not one of {', '.join(LEVELS)}")
    ds = Dataset()
    ds.QueryRetrieveLevel = level
    for keyword in RETURN_KEYS[level]:
        setattr(ds, keyword, "")
    for keyword, value in keys.items():
        setattr(ds, keyword, value)
    return ds


@dataclass(frozen=True)
class FindAnswer:
    """The matches of one C-FIND; ``cancelled`` when we stopped it early."""

    matches: tuple[Dataset, ...]
    cancelled: bool = False


def find(
    peer: Peer,
    level: str,
    keys: Mapping[str, str] | None = None,
    *,
    model: str = STUDY_ROOT,
    limit: int = 0,
    should_cancel: Callable[[], bool] | None = None,
) -> FindAnswer:
    """Send one C-FIND and collect the matches; raise :class:`QueryError` in words.

    ``limit`` > 0 sends a C-CANCEL once that many matches arrived (a connectivity check
    needs one instance, not the archive's catalogue).
    """
    if model == STUDY_ROOT and level == "PATIENT":
        model = PATIENT_ROOT
    identifier = build_identifier(level, keys or {})
    sop_class = FIND_MODELS[model]
    ae = make_ae(peer)
    ae.add_requested_context(sop_class)
    assoc, failure = open_association(ae, peer)
    if failure is not None and failure.kind == "no-context":
        raise QueryNotSupported(
            f"{peer.describe()} accepts no {model}-root C-FIND: it is not a Query/Retrieve "
            "archive (or offers only the other query model)"
        )
    if failure is not None or assoc is None:
        reason = failure.classified().reason if failure else "no association"
        raise QueryError(association_reason(peer, reason))
    matches: list[Dataset] = []
    cancelled = False
    aborted = True
    what = f"{level} query"
    try:
        started = time.monotonic()
        responses = assoc.send_c_find(identifier, sop_class, msg_id=1)
        for status, match in responses:
            code = int(status.Status) if status is not None and "Status" in status else None
            if code is None:
                raise QueryError(silence_reason(peer, what, time.monotonic() - started))
            if code in (0xFF00, 0xFF01):
                if match is not None:
                    matches.append(match)
                stop = (limit and len(matches) >= limit) or (
                    should_cancel is not None and should_cancel()
                )
                if stop and not cancelled:
                    cancelled = True
                    assoc.send_c_cancel(1, query_model=sop_class)
                continue
            if code == 0xFE00:
                cancelled = True
                break
            if code != 0x0000:
                comment = str(status.get("ErrorComment", ""))
                raise QueryError(failure_status_reason(peer, what, code, comment))
        aborted = False
    finally:
        close_association(assoc, abort=aborted)
    LOGGER.info("%s on %s: %d match(es)", what, peer.describe(), len(matches))
    return FindAnswer(tuple(matches), cancelled)


def silence_reason(peer: Peer, what: str, elapsed: float) -> str:
    """No final response: a timeout when we waited the DIMSE timeout out, else the archive
    dropped the request (pynetdicom reports both as an empty status)."""
    if elapsed >= peer.dimse_timeout * 0.9:
        return (
            f"The archive {peer.describe()} did not answer the {what} within "
            f"{peer.dimse_timeout:.0f} s: it may be overloaded or still working; check its "
            "log, or try again with a longer --timeout"
        )
    return not_answered_reason(peer, what)


def text(ds: Dataset, keyword: str) -> str:
    """An attribute of a match as plain text ("" when absent or empty)."""
    value = ds.get(keyword, "")
    if value is None:
        return ""
    if isinstance(value, list | tuple) or type(value).__name__ == "MultiValue":
        return "\\".join(str(v) for v in value)
    return str(value).strip()
