"""C-MOVE and C-GET: have an archive send us (or a third node) what a query identifies.

C-MOVE tells the archive to open its *own* association to the destination AE and C-STORE
the matches there; the archive looks the destination's host and port up in its own
configuration. That is why a move fails in ways a physicist cannot see from here: the
archive does not know the destination AE (0xA801; Orthanc answers 0xC000), or knows it at
another host or port than the one this station listens on (the move then reports success
and nothing arrives, the classic port mismatch). :func:`move` reports the archive's
counts; the caller, who knows what arrived, turns a mismatch into words with
:func:`explain_nothing_arrived`.

C-GET sends the matches back on the association we opened, so no port of ours has to be
reachable from the archive; we must offer each storage class with the SCP role
(``build_role``) and store what arrives through a handler.

Both take ``on_progress(completed, remaining, failed, warning)`` from the archive's
pending responses and ``should_cancel``: on cancel a C-CANCEL goes out, and the
association is aborted if the archive does not stop within a few seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import evt
from pynetdicom.presentation import StoragePresentationContexts, build_role
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    PatientRootQueryRetrieveInformationModelGet,
    PatientRootQueryRetrieveInformationModelMove,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
)

from rtstation.dicom import sop
from rtstation.net.peer import Peer, close_association, make_ae, open_association
from rtstation.net.query import (
    LEVELS,
    PATIENT_ROOT,
    STUDY_ROOT,
    QueryError,
    association_reason,
    silence_reason,
)

LOGGER = logging.getLogger(__name__)

MOVE_MODELS = {
    PATIENT_ROOT: PatientRootQueryRetrieveInformationModelMove,
    STUDY_ROOT: StudyRootQueryRetrieveInformationModelMove,
}
GET_MODELS = {
    PATIENT_ROOT: PatientRootQueryRetrieveInformationModelGet,
    STUDY_ROOT: StudyRootQueryRetrieveInformationModelGet,
}

STATUS_MOVE_DESTINATION_UNKNOWN = 0xA801
STATUS_UNABLE_TO_PROCESS = 0xC000
CANCEL_GRACE_SECONDS = 5.0

ProgressCallback = Callable[[int, int, int, int], None]  # completed, remaining, failed, warning
# (received file, Affected SOP Instance UID) -> the C-STORE status to answer
StoreSink = Callable[[Path, str], int]

# C-GET: storage classes offered with the SCP role. At most 128 contexts in all, one taken
# by the GET model: the RT classes, the images they reference and the common rest.
_RT_AND_IMAGE_CLASSES = (
    sop.RT_PLAN,
    sop.RT_ION_PLAN,
    sop.RT_STRUCTURE_SET,
    sop.RT_DOSE,
    sop.VARIAN_PRIVATE_PLAN,
)


def _get_storage_classes() -> list[str]:
    classes = list(dict.fromkeys(c for c in _RT_AND_IMAGE_CLASSES if c))
    for context in StoragePresentationContexts:
        uid = str(context.abstract_syntax)
        if uid not in classes:
            classes.append(uid)
    return classes[:126]


@dataclass(frozen=True)
class RetrieveResult:
    """How a C-MOVE or C-GET ended, with the archive's sub-operation counts.

    ``status`` is the archive's final status (None when it never answered); ``reason``
    is the sentence to show when ``ok`` is False.
    """

    status: int | None
    completed: int = 0
    failed: int = 0
    warning: int = 0
    remaining: int = 0
    failed_uids: tuple[str, ...] = ()
    cancelled: bool = False
    reason: str = ""
    received: int = 0  # C-GET only: instances that reached our handler and were kept

    @property
    def ok(self) -> bool:
        return self.status in (0x0000, 0xB000) and not self.cancelled and not self.failed

    def counts(self) -> str:
        return f"{self.completed} completed, {self.failed} failed, {self.warning} warning"


def identifier_for(level: str, keys: Mapping[str, str | Sequence[str]]) -> Dataset:
    """A move/get identifier; a list value becomes a UID list (``UID\\UID``) match."""
    if level not in LEVELS:
        raise ValueError(f"Retrieve level '{level}' is not one of {', '.join(LEVELS)}")
    ds = Dataset()
    ds.QueryRetrieveLevel = level
    for keyword, value in keys.items():
        setattr(ds, keyword, list(value) if isinstance(value, list | tuple) else value)
    return ds


def move_status_reason(
    peer: Peer, destination: str, status: int, comment: str = "", port: int = 0
) -> str:
    """Words for a C-MOVE failure status, naming what to check (``port``: our receiver's)."""
    extra = f" ('{comment}')" if comment else ""
    where = f"this computer and port {port}" if port else "this computer and its receiver port"
    if not destination:  # a C-GET: the instances come back on our own association
        return (
            f"The archive {peer.describe()} could not carry out the C-GET "
            f"(0x{status:04X}){extra}: check that it allows '{peer.calling_ae}' to retrieve "
            "by C-GET and holds what was asked for"
        )
    if status == STATUS_MOVE_DESTINATION_UNKNOWN:
        return (
            f"The archive {peer.describe()} does not know the move destination "
            f"'{destination}' (0xA801){extra}: add '{destination}' with this computer's "
            "address and receiver port to the archive's DICOM nodes (on a Varian DB "
            "Service: Trusted Application Entities)"
        )
    if status == STATUS_UNABLE_TO_PROCESS:
        return (
            f"The archive {peer.describe()} could not carry out the move to "
            f"'{destination}' (0xC000){extra}: Orthanc answers this when it does not know "
            f"the destination AE or cannot connect to it: check that '{destination}' is "
            f"among the archive's DICOM nodes with {where}, and that no firewall blocks "
            "connections from the archive to this computer"
        )
    if 0xA700 <= status <= 0xA7FF:
        return f"The archive {peer.describe()} is out of resources (0x{status:04X}){extra}"
    if 0xA900 <= status <= 0xA9FF or 0xC000 < status <= 0xCFFF:
        return (
            f"The archive {peer.describe()} refused the retrieve (0x{status:04X}){extra}: "
            "the identifier does not match what it expects (level, UIDs)"
        )
    return f"The archive {peer.describe()} ended the retrieve with status 0x{status:04X}{extra}"


def explain_nothing_arrived(
    peer: Peer, destination: str, completed: int, arrived: int, port: int
) -> str:
    """The classic port mismatch: the archive says it sent, nothing reached our receiver."""
    return (
        f"The archive {peer.describe()} reports {completed} instance(s) sent to "
        f"'{destination}' but {arrived} arrived at this station's receiver on port {port}: "
        f"the archive has '{destination}' at another host or port; check the address and "
        f"port the archive has for '{destination}' (it must be this computer and port "
        f"{port}) and that no firewall blocks connections from the archive to this computer"
    )


class _CancelWatch:
    """Aborts an association whose archive ignores our C-CANCEL (a synchronous move gives
    no pending response to send one on), so a cancel always ends within seconds."""

    def __init__(self, assoc: object, should_cancel: Callable[[], bool] | None) -> None:
        self._assoc = assoc
        self._should_cancel = should_cancel
        self._done = threading.Event()
        self.fired = False
        self._thread: threading.Thread | None = None
        if should_cancel is not None:
            self._thread = threading.Thread(target=self._run, name="retrieve-cancel", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        assert self._should_cancel is not None
        while not self._done.wait(0.1):
            if self._should_cancel():
                self.fired = True
                if not self._done.wait(CANCEL_GRACE_SECONDS):
                    LOGGER.info("The archive did not stop after C-CANCEL; aborting")
                    self._assoc.abort()  # type: ignore[attr-defined]
                return

    def close(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()


@dataclass
class _Counts:
    completed: int = 0
    failed: int = 0
    warning: int = 0
    remaining: int = 0
    failed_uids: list[str] = field(default_factory=list)

    def update(self, status: Dataset) -> None:
        self.completed = int(status.get("NumberOfCompletedSuboperations", self.completed) or 0)
        self.failed = int(status.get("NumberOfFailedSuboperations", self.failed) or 0)
        self.warning = int(status.get("NumberOfWarningSuboperations", self.warning) or 0)
        self.remaining = int(status.get("NumberOfRemainingSuboperations", 0) or 0)


def _drive(
    peer: Peer,
    assoc: object,
    responses: object,
    sop_class: str,
    msg_id: int,
    what: str,
    destination: str,
    on_progress: ProgressCallback | None,
    should_cancel: Callable[[], bool] | None,
    port: int = 0,
) -> RetrieveResult:
    """Read the pending/final responses of a move or get and build the result."""
    counts = _Counts()
    started = time.monotonic()
    watch = _CancelWatch(assoc, should_cancel)
    cancel_sent = False
    final: int | None = None
    comment = ""
    try:
        for status, identifier in responses:  # type: ignore[attr-defined]
            if status is None or "Status" not in status:
                break
            code = int(status.Status)
            started = time.monotonic()  # the DIMSE timeout runs per response
            counts.update(status)
            if on_progress is not None:
                on_progress(counts.completed, counts.remaining, counts.failed, counts.warning)
            if code == 0xFF00:
                if watch.fired and not cancel_sent:
                    cancel_sent = True
                    assoc.send_c_cancel(msg_id, query_model=sop_class)  # type: ignore[attr-defined]
                continue
            final = code
            comment = str(status.get("ErrorComment", "") or "")
            if identifier is not None and "FailedSOPInstanceUIDList" in identifier:
                value = identifier.FailedSOPInstanceUIDList
                counts.failed_uids = [
                    str(v) for v in (value if isinstance(value, list) else [value])
                ]
            break
    finally:
        watch.close()
    cancelled = watch.fired or final == 0xFE00
    if final is None and not cancelled:
        reason = silence_reason(peer, what, time.monotonic() - started)
        return RetrieveResult(None, counts.completed, counts.failed, counts.warning, reason=reason)
    reason = ""
    if cancelled:
        reason = f"The {what} was cancelled"
    elif final is not None and final not in (0x0000, 0xB000):
        reason = move_status_reason(peer, destination, final, comment, port)
    elif counts.failed:
        target = f"'{destination}'" if destination else "us"
        reason = (
            f"The archive {peer.describe()} could not send {counts.failed} instance(s) to "
            f"{target}: the destination refused them or could not be reached"
        )
    return RetrieveResult(
        final,
        counts.completed,
        counts.failed,
        counts.warning,
        counts.remaining,
        tuple(counts.failed_uids),
        cancelled,
        reason,
    )


def move(
    peer: Peer,
    destination: str,
    level: str,
    keys: Mapping[str, str | Sequence[str]],
    *,
    model: str = STUDY_ROOT,
    msg_id: int = 1,
    on_progress: ProgressCallback | None = None,
    should_cancel: Callable[[], bool] | None = None,
    receive_port: int = 0,
) -> RetrieveResult:
    """C-MOVE the matches of ``keys`` at ``level`` to ``destination`` (an AE title the
    archive knows). Never raises for a network problem: ``reason`` says what happened.
    ``receive_port`` (our receiver's port, when the destination is us) goes into the
    explanations."""
    sop_class = MOVE_MODELS[PATIENT_ROOT if level == "PATIENT" else model]
    ae = make_ae(peer)
    ae.add_requested_context(sop_class)
    assoc, failure = open_association(ae, peer)
    if failure is not None or assoc is None:
        reason = failure.classified().reason if failure else "no association"
        return RetrieveResult(None, reason=association_reason(peer, reason))
    aborted = True
    what = f"move to '{destination}'"
    try:
        responses = assoc.send_c_move(
            identifier_for(level, keys), destination, sop_class, msg_id=msg_id
        )
        result = _drive(
            peer,
            assoc,
            responses,
            sop_class,
            msg_id,
            what,
            destination,
            on_progress,
            should_cancel,
            receive_port,
        )
        aborted = result.status is None
    finally:
        close_association(assoc, abort=aborted)
    LOGGER.info("C-MOVE %s to %s: %s (%s)", level, destination, result.counts(), result.reason)
    return result


def get(
    peer: Peer,
    level: str,
    keys: Mapping[str, str | Sequence[str]],
    sink: StoreSink,
    *,
    model: str = STUDY_ROOT,
    on_progress: ProgressCallback | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> RetrieveResult:
    """C-GET the matches; each arriving instance goes to ``sink`` on this association's
    thread and the status it returns is what the archive hears."""
    sop_class = GET_MODELS[PATIENT_ROOT if level == "PATIENT" else model]
    ae = make_ae(peer)
    ae.add_requested_context(sop_class)
    storage = _get_storage_classes()
    for uid in storage:
        ae.add_requested_context(uid, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
    roles = [build_role(uid, scp_role=True) for uid in storage]
    received = [0]

    def on_store(event: evt.Event) -> int:
        uid = str(getattr(event.request, "AffectedSOPInstanceUID", "") or "")
        try:
            status = sink(Path(event.dataset_path), uid)
        except Exception:
            LOGGER.exception("Could not keep instance %s of a C-GET", uid)
            return 0xC211
        if status == 0x0000:
            received[0] += 1
        return status

    # C-GET needs the roles negotiated on the association itself.
    assoc, failure = open_association(
        ae, peer, ext_neg=roles, handlers=[(evt.EVT_C_STORE, on_store)]
    )
    if failure is not None or assoc is None:
        reason = failure.classified().reason if failure else "no association"
        return RetrieveResult(None, reason=association_reason(peer, reason))
    aborted = True
    what = "C-GET"
    try:
        responses = assoc.send_c_get(identifier_for(level, keys), sop_class, msg_id=1)
        result = _drive(peer, assoc, responses, sop_class, 1, what, "", on_progress, should_cancel)
        aborted = result.status is None
    finally:
        close_association(assoc, abort=aborted)
    result = RetrieveResult(
        result.status,
        result.completed,
        result.failed,
        result.warning,
        result.remaining,
        result.failed_uids,
        result.cancelled,
        result.reason,
        received=received[0],
    )
    LOGGER.info("C-GET %s: %s, %d kept", level, result.counts(), received[0])
    return result


__all__ = [
    "QueryError",
    "RetrieveResult",
    "explain_nothing_arrived",
    "get",
    "identifier_for",
    "move",
    "move_status_reason",
]
