"""Send a list of DICOM files to one peer over one association, streamed from disk.

Why it is built this way:

* **One association for the whole list**, items in the order given. An ARIA import needs
  the images before the structure set, the plan and then the dose (Varian's DICOM
  scripting notes); opening an association per file would also cost a round trip each.
  :func:`aria_order` sorts a bundle that way for callers that have not.
* **Streamed, not decoded.** pynetdicom sends a file in PDU-sized chunks straight from disk
  when ``_config.STORE_SEND_CHUNKED_DATASET`` is on (FACTS.md: about twice the throughput
  of decoding first, and flat memory for a 1 GB dose grid). The bytes after the file meta
  reach the peer exactly as stored, which is what a physicist expects of a forward.
* **One presentation context per transfer syntax.** A chunked send needs a context whose
  transfer syntax is *exactly* the file's, so each stored syntax gets its own context
  (a peer offered several syntaxes in one context may pick another). Each SOP class also
  gets an uncompressed fallback context, used only when the peer turns the stored syntax
  down: the file is then decoded with pydicom and re-encoded (explicit <-> implicit VR is
  lossless; a compressed file must first be decompressed, which needs a pixel handler).
* **At most 128 contexts per association** (the ID is an odd byte). A list that needs more
  is split, in order, into several associations opened one after the other.
* Results are reported per item as they happen (``on_result``) so the send queue can make
  each delivery durable before the next one starts; a crash then loses nothing.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import _config
from pynetdicom.association import Association
from pynetdicom.presentation import PresentationContext, build_context

from rtstation.dicom import sop
from rtstation.dicom.status import Classified, Outcome, classify
from rtstation.net.peer import Peer, close_association, make_ae, open_association

LOGGER = logging.getLogger(__name__)

# Process-wide, set once here. It is safe because pynetdicom consults the flag only when
# send_c_store() is given a *path*: every caller that passes a decoded Dataset (the
# fallback below, a C-GET/C-MOVE SCP sending from memory) behaves exactly as before. Any
# other rtstation code that sends by path gets streaming too, and must then propose one
# context per transfer syntax as this module does.
_config.STORE_SEND_CHUNKED_DATASET = True

#: Presentation context IDs are odd numbers 1..255: at most 128 per association.
MAX_CONTEXTS = 128
UNCOMPRESSED = (ExplicitVRLittleEndian, ImplicitVRLittleEndian)


class Sendable(Protocol):
    """What the sender needs to know about an item; :class:`SendItem` and the send
    queue's items both fit, so the queue's rows can be sent without copying."""

    @property
    def sop_instance_uid(self) -> str: ...

    @property
    def sop_class_uid(self) -> str: ...

    @property
    def transfer_syntax_uid(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def size(self) -> int: ...


@dataclass(frozen=True)
class SendItem:
    """One file to send; ``transfer_syntax_uid`` is the one it is stored in."""

    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    path: str
    size: int = 0
    modality: str = ""

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> SendItem:
        """Read the few header fields a send needs (for the CLI and for tests)."""
        ds = pydicom.dcmread(
            os.fspath(path),
            stop_before_pixels=True,
            force=True,
            specific_tags=["SOPClassUID", "SOPInstanceUID", "Modality"],
        )
        meta = getattr(ds, "file_meta", Dataset())
        transfer_syntax = str(meta.get("TransferSyntaxUID", ""))
        return cls(
            sop_instance_uid=str(
                ds.get("SOPInstanceUID", meta.get("MediaStorageSOPInstanceUID", ""))
            ),
            sop_class_uid=str(ds.get("SOPClassUID", meta.get("MediaStorageSOPClassUID", ""))),
            transfer_syntax_uid=transfer_syntax,
            path=os.fspath(path),
            size=os.path.getsize(path),
            modality=str(ds.get("Modality", "")),
        )


@dataclass(frozen=True)
class ItemResult:
    """How one item ended; ``status`` is the peer's C-STORE status when it answered."""

    sop_instance_uid: str
    status: int | None
    classified: Classified
    converted: bool = False


@dataclass(frozen=True)
class SendReport:
    """What one :func:`send_items` call did.

    ``association_error`` is set when an association could not be opened or dropped: the
    items in ``not_attempted`` were never sent and its outcome says whether to retry.
    """

    peer: str
    results: tuple[ItemResult, ...] = ()
    association_error: Classified | None = None
    not_attempted: tuple[str, ...] = ()
    cancelled: bool = False
    associations: int = 0
    bytes_sent: int = 0
    seconds: float = 0.0

    @property
    def sent(self) -> int:
        """Items the peer took (success or warning)."""
        return sum(1 for r in self.results if r.classified.outcome is Outcome.SUCCESS)

    @property
    def failed(self) -> int:
        """Items that ended FAIL or RETRY."""
        return len(self.results) - self.sent

    @property
    def ok(self) -> bool:
        """Everything was delivered."""
        return (
            self.association_error is None
            and not self.cancelled
            and not self.not_attempted
            and self.failed == 0
        )

    @property
    def megabytes_per_second(self) -> float:
        """Throughput of what was delivered (MB = 10**6 bytes)."""
        return self.bytes_sent / 1e6 / self.seconds if self.seconds > 0 else 0.0


def _modality(item: Sendable) -> str:
    return str(getattr(item, "modality", "") or sop.modality_for(item.sop_class_uid))


def aria_order(items: Sequence[Sendable]) -> list[Sendable]:
    """Images, then RTSTRUCT, RTPLAN, RTDOSE, then the rest; stable within each group."""
    return sorted(items, key=lambda item: sop.send_rank(_modality(item), item.sop_class_uid))


def _class_contexts(sop_class_uid: str, stored: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """One context per stored syntax, plus one uncompressed fallback not proposed already."""
    contexts = [(sop_class_uid, (syntax,)) for syntax in sorted(stored)]
    fallback = tuple(syntax for syntax in UNCOMPRESSED if syntax not in stored)
    if fallback:
        contexts.append((sop_class_uid, fallback))
    return contexts


def _context_count(stored_by_class: dict[str, set[str]]) -> int:
    return sum(len(_class_contexts(c, s)) for c, s in stored_by_class.items())


def _stored_syntax(item: Sendable) -> str:
    """The item's stored syntax; an item without one is treated as Explicit VR LE."""
    return str(item.transfer_syntax_uid or ExplicitVRLittleEndian)


def plan_batches(items: Sequence[Sendable]) -> list[list[Sendable]]:
    """Split ``items`` in order into runs whose contexts fit in one association."""
    batches: list[list[Sendable]] = []
    current: list[Sendable] = []
    stored: dict[str, set[str]] = {}
    for item in items:
        trial = {k: set(v) for k, v in stored.items()}
        trial.setdefault(item.sop_class_uid, set()).add(_stored_syntax(item))
        if current and _context_count(trial) > MAX_CONTEXTS:
            batches.append(current)
            current = []
            trial = {item.sop_class_uid: {_stored_syntax(item)}}
        current.append(item)
        stored = trial
    if current:
        batches.append(current)
    return batches


def build_contexts(items: Sequence[Sendable]) -> list[PresentationContext]:
    """The presentation contexts to propose for one batch (see the module docstring)."""
    stored: dict[str, set[str]] = {}
    for item in items:
        stored.setdefault(item.sop_class_uid, set()).add(_stored_syntax(item))
    contexts: list[PresentationContext] = []
    for sop_class_uid in stored:  # insertion order: the order classes are sent in
        for abstract, syntaxes in _class_contexts(sop_class_uid, stored[sop_class_uid]):
            contexts.append(build_context(abstract, list(syntaxes)))
    return contexts


class _AssociationLost(Exception):
    """The association ended under us; the rest of the batch cannot be sent."""

    def __init__(self, classified: Classified) -> None:
        super().__init__(classified.reason)
        self.classified = classified


def _fail(uid: str, reason: str) -> ItemResult:
    return ItemResult(uid, None, Classified(Outcome.FAIL, False, reason))


def _status_of(rsp: Dataset) -> int | None:
    return int(rsp.Status) if "Status" in rsp else None


def _accepted_syntaxes(assoc: Association) -> dict[str, list[str]]:
    accepted: dict[str, list[str]] = {}
    for cx in assoc.accepted_contexts:
        if cx.as_scu is False:
            continue
        accepted.setdefault(str(cx.abstract_syntax), []).append(str(cx.transfer_syntax[0]))
    return accepted


def _decoded_for_fallback(item: Sendable, offered: list[str]) -> Dataset | str:
    """Decode ``item`` into a dataset the peer's uncompressed context can carry.

    Returns the dataset, or the reason it cannot be converted.
    """
    ds = pydicom.dcmread(item.path, force=True)
    meta = ds.file_meta
    if "TransferSyntaxUID" not in meta:
        # A file without file meta (an old export): its encoding tells the syntax.
        implicit = ds.original_encoding[0]
        meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    syntax = UID(meta.TransferSyntaxUID)
    if syntax.is_compressed:
        try:
            ds.decompress()
        except Exception as exc:
            LOGGER.debug("Cannot decompress %s", item.sop_instance_uid, exc_info=True)
            return (
                f"the receiver does not accept {syntax.name} and the file cannot be "
                f"converted ({type(exc).__name__}: {exc})"
            )
    elif not syntax.is_little_endian:
        offered_names = " or ".join(UID(s).name for s in offered)
        return (
            f"the receiver accepts only {offered_names} and a {syntax.name} file "
            "cannot be converted"
        )
    return ds


def _send_one(
    assoc: Association, item: Sendable, accepted: dict[str, list[str]], peer: Peer
) -> ItemResult:
    """Send one item on an established association; raise _AssociationLost if it drops."""
    uid = item.sop_instance_uid
    if not assoc.is_established:
        raise _AssociationLost(classify(None, association_failure="aborted", address=peer.address))
    offered = accepted.get(item.sop_class_uid, [])
    if not offered:
        return ItemResult(
            uid,
            None,
            classify(None, association_failure="no-context", sop_class_uid=item.sop_class_uid),
        )
    if not os.path.isfile(item.path):
        return _fail(uid, f"the file '{item.path}' is missing")

    converted = False
    rsp: Dataset | None = None
    if _stored_syntax(item) in offered:
        try:
            rsp = assoc.send_c_store(item.path)
        except (AttributeError, ValueError) as exc:
            # No file meta, or the file's own syntax differs from the catalog's: decode.
            LOGGER.debug("Streaming %s not possible (%s); decoding instead", uid, exc)
        except RuntimeError as exc:
            raise _AssociationLost(
                classify(None, association_failure="aborted", address=peer.address)
            ) from exc
        except OSError as exc:
            return _fail(uid, f"the file '{item.path}' cannot be read: {exc.strerror or exc}")
    if rsp is None:
        uncompressed = [s for s in offered if s in UNCOMPRESSED]
        if not uncompressed and _stored_syntax(item) not in offered:
            stored_name = UID(_stored_syntax(item)).name
            return _fail(
                uid,
                f"the receiver does not accept {sop.class_name(item.sop_class_uid)} "
                f"in {stored_name} or uncompressed",
            )
        try:
            decoded = _decoded_for_fallback(item, uncompressed or offered)
        except Exception as exc:
            return _fail(uid, f"the file '{item.path}' cannot be read: {exc}")
        if isinstance(decoded, str):
            return _fail(uid, decoded)
        converted = True
        try:
            rsp = assoc.send_c_store(decoded)
        except RuntimeError as exc:
            raise _AssociationLost(
                classify(None, association_failure="aborted", address=peer.address)
            ) from exc
        except (AttributeError, ValueError) as exc:
            return _fail(uid, f"the file cannot be converted for the receiver: {exc}")

    status = _status_of(rsp)
    if status is None:
        # No answer: pynetdicom aborts after the DIMSE timeout, or the peer dropped us.
        # The item's fate is unknown, so it counts as not attempted and is sent again.
        if not assoc.is_established:
            raise _AssociationLost(
                classify(None, association_failure="aborted", address=peer.address)
            )
        return ItemResult(uid, None, classify(None), converted)
    classified = classify(status)
    if converted and classified.outcome is Outcome.SUCCESS:
        classified = Classified(
            classified.outcome, classified.warning, f"{classified.reason} (converted)"
        )
    return ItemResult(uid, status, classified, converted)


@dataclass
class _Progress:
    results: list[ItemResult] = field(default_factory=list)
    bytes_sent: int = 0
    associations: int = 0


def _send_batch(
    peer: Peer,
    batch: Sequence[Sendable],
    progress: _Progress,
    on_result: Callable[[ItemResult], None] | None,
    should_cancel: Callable[[], bool] | None,
) -> tuple[int, Classified | None, bool]:
    """Send one batch; return (items attempted, association error, cancelled)."""
    ae = make_ae(peer)
    assoc, failure = open_association(ae, peer, build_contexts(batch))
    if failure is not None or assoc is None:
        classified = failure.classified() if failure else classify(None)
        if failure is not None and failure.kind == "no-context":
            # Nothing at all accepted: every item fails for its class, the rest goes on.
            for item in batch:
                result = ItemResult(
                    item.sop_instance_uid,
                    None,
                    classify(
                        None, association_failure="no-context", sop_class_uid=item.sop_class_uid
                    ),
                )
                progress.results.append(result)
                if on_result is not None:
                    on_result(result)
            return len(batch), None, False
        return 0, classified, False

    progress.associations += 1
    attempted = 0
    aborted = True
    try:
        accepted = _accepted_syntaxes(assoc)
        for item in batch:
            if should_cancel is not None and should_cancel():
                aborted = False
                return attempted, None, True
            try:
                result = _send_one(assoc, item, accepted, peer)
            except _AssociationLost as lost:
                return attempted, lost.classified, False
            attempted += 1
            progress.results.append(result)
            if result.classified.outcome is Outcome.SUCCESS:
                progress.bytes_sent += item.size or _size(item.path)
                LOGGER.debug("Sent %s to %s", item.sop_instance_uid, peer.describe())
            else:
                LOGGER.warning(
                    "Could not send %s to %s: %s",
                    item.sop_instance_uid,
                    peer.describe(),
                    result.classified.reason,
                )
            if on_result is not None:
                on_result(result)
        aborted = False
        return attempted, None, False
    finally:
        close_association(assoc, abort=aborted)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def send_items(
    peer: Peer,
    items: Sequence[Sendable],
    *,
    on_result: Callable[[ItemResult], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> SendReport:
    """Send ``items`` to ``peer`` in the order given and report what happened.

    ``on_result`` is called on this thread after each item, before the next one is sent;
    an exception from it stops the send (the association is aborted) and propagates, so a
    caller that cannot record a delivery never sends more than it can account for.
    ``should_cancel`` is asked before each item; when it says yes the association is
    released after the item in progress and the rest is reported as not attempted.
    """
    started = time.monotonic()
    progress = _Progress()
    association_error: Classified | None = None
    cancelled = False
    not_attempted: list[str] = []
    for batch in plan_batches(items):
        if association_error is not None or cancelled:
            not_attempted.extend(item.sop_instance_uid for item in batch)
            continue
        attempted, association_error, cancelled = _send_batch(
            peer, batch, progress, on_result, should_cancel
        )
        not_attempted.extend(item.sop_instance_uid for item in batch[attempted:])
    seconds = time.monotonic() - started
    report = SendReport(
        peer=peer.describe(),
        results=tuple(progress.results),
        association_error=association_error,
        not_attempted=tuple(not_attempted),
        cancelled=cancelled,
        associations=progress.associations,
        bytes_sent=progress.bytes_sent,
        seconds=seconds,
    )
    if association_error is not None:
        LOGGER.info(
            "Send to %s stopped after %d of %d items: %s",
            peer.describe(),
            len(progress.results),
            len(items),
            association_error.reason,
        )
    else:
        LOGGER.info(
            "Sent %d of %d items to %s in %.1f s (%.1f MB/s)%s",
            report.sent,
            len(items),
            peer.describe(),
            seconds,
            report.megabytes_per_second,
            ", cancelled" if cancelled else "",
        )
    return report
