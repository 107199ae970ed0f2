"""Send a list of DICOM files to one peer over one association, streamed from disk.

Why it is built this way:

* **One association for the whole list**, items in the order given. An ARIA import needs
  the images before the structure set, the plan and then the dose (Varian's DICOM
  scripting notes; the order is :func:`rtstation.dicom.rt_tree.aria_order_key`, applied
  by the station when it queues a job); opening an association per file would also cost
  a round trip each.
* **Streamed, not decoded.** pynetdicom sends a file in PDU-sized chunks straight from disk
  when ``_config.STORE_SEND_CHUNKED_DATASET`` is on (measured on loopback: about twice
  the throughput of decoding first, and flat memory for a 1 GB dose grid; see "DICOM
  networking facts" in docs/architecture.md). The bytes after the file meta reach the
  peer exactly as stored, which is what a physicist expects of a forward.
* **One presentation context per transfer syntax** (:mod:`rtstation.net.contexts`). A
  chunked send needs a context whose transfer syntax is *exactly* the file's, so each
  stored syntax gets its own context (a peer offered several syntaxes in one context may
  pick another). Each SOP class also gets an uncompressed fallback context, used only
  when the peer turns the stored syntax down: the file is then decoded with pydicom and
  re-encoded (explicit <-> implicit VR is lossless; a compressed file must first be
  decompressed, which needs a pixel handler).
  A file whose file meta is missing or names other UIDs than its data set is decoded too,
  since streaming would tell the peer the file meta's UIDs.
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

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.filereader import read_file_meta_info
from pydicom.uid import (
    UID,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)
from pynetdicom import _config
from pynetdicom.association import Association

from rtstation.dicom import sop
from rtstation.dicom.status import Classified, Outcome, classify
from rtstation.net.contexts import UNCOMPRESSED, Sendable, build_contexts, plan_batches
from rtstation.net.peer import Peer, close_association, make_ae, open_association
from rtstation.net.prefetch import Prefetcher

LOGGER = logging.getLogger(__name__)

# Process-wide, set once here. It is safe because pynetdicom consults the flag only when
# send_c_store() is given a *path*: every caller that passes a decoded Dataset (the
# fallback below, a C-GET/C-MOVE SCP sending from memory) behaves exactly as before. Any
# other rtstation code that sends by path gets streaming too, and must then propose one
# context per transfer syntax as rtstation.net.contexts does.
_config.STORE_SEND_CHUNKED_DATASET = True


def _ensure_streaming() -> None:
    """Put the flag back if something turned it off since import (a test that toggles it
    and restores False): without it pynetdicom would decode every file before sending."""
    if not _config.STORE_SEND_CHUNKED_DATASET:
        LOGGER.warning("pynetdicom's chunked sending was switched off; switching it on again")
        _config.STORE_SEND_CHUNKED_DATASET = True


@dataclass(frozen=True)
class SendItem:
    """One file to send; ``transfer_syntax_uid`` is the one it is stored in."""

    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    path: str
    size: int = 0


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


def _association_gone(assoc: Association, settle: float = 1.0) -> bool:
    """After a C-STORE got no answer: did the association end under us?

    pynetdicom pauses the association's reactor during send_c_store, so a peer's abort or
    a closed connection is only noticed (``is_established`` turns False) just after it
    returns; look for a queued abort and give the reactor a moment to catch up.
    """
    deadline = time.monotonic() + settle
    while True:
        if not assoc.is_established:
            return True
        try:
            if assoc.acse.is_aborted():
                return True
        except Exception:  # pragma: no cover - a torn-down DUL
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


def _file_meta(path: str) -> Dataset | None:
    """The file meta of ``path``, None when it has none or cannot be read."""
    try:
        return read_file_meta_info(path)
    except (InvalidDicomError, OSError, ValueError, EOFError):
        return None


def _streamable_syntax(item: Sendable, prefetched: Prefetcher[Dataset | None]) -> str | None:
    """The file's own transfer syntax when it can be streamed as it is, else None.

    Streaming takes the C-STORE's SOP class and instance UIDs from the file meta; a file
    whose meta disagrees with its data set (seen in files other software wrote) or that
    has no meta at all must be decoded, so the peer is told the data set's own UIDs.
    """
    meta = prefetched.get(item.path)
    if meta is None:
        return None
    if (
        str(meta.get("MediaStorageSOPInstanceUID", "")) != item.sop_instance_uid
        or str(meta.get("MediaStorageSOPClassUID", "")) != item.sop_class_uid
        or "TransferSyntaxUID" not in meta
    ):
        return None
    return str(meta.TransferSyntaxUID)


def _decode_for(item: Sendable, offered: list[str]) -> tuple[Dataset, str] | str:
    """Decode ``item`` into a dataset one of the ``offered`` syntaxes can carry.

    Returns the dataset and the syntax it will travel in, or the reason it cannot go.
    pynetdicom re-encodes the dataset itself, converting between explicit and implicit VR
    little endian when needed; pixel data must be decompressed here first.
    """
    ds = pydicom.dcmread(item.path, force=True)
    meta = ds.file_meta
    if "TransferSyntaxUID" not in meta:
        # A file without file meta (an old export): its encoding tells the syntax.
        implicit, little = ds.original_encoding
        if little is False:
            meta.TransferSyntaxUID = ExplicitVRBigEndian
        else:
            meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    syntax = UID(meta.TransferSyntaxUID)
    if syntax in offered:
        return ds, str(syntax)
    uncompressed = [s for s in offered if s in UNCOMPRESSED]
    if not uncompressed:
        offered_names = " or ".join(UID(s).name for s in offered)
        return (
            f"the receiver accepts {sop.class_name(item.sop_class_uid)} only in "
            f"{offered_names}, and the file is {syntax.name}"
        )
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
        return (
            f"the receiver does not accept {syntax.name} and the file cannot be converted "
            "(big endian pixel data would need byte swapping)"
        )
    target = str(meta.TransferSyntaxUID)
    if target not in offered:
        target = uncompressed[0]
    return ds, target


def _send_one(
    assoc: Association,
    item: Sendable,
    accepted: dict[str, list[str]],
    peer: Peer,
    prefetched: Prefetcher[Dataset | None],
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

    note = ""
    try:
        stored = _streamable_syntax(item, prefetched)
        if stored in offered:
            # The exact syntax is accepted: pynetdicom streams the file from disk.
            rsp = assoc.send_c_store(item.path)
        else:
            decoded = _decode_for(item, offered)
            if isinstance(decoded, str):
                return _fail(uid, decoded)
            ds, target = decoded
            if target != str(ds.file_meta.TransferSyntaxUID) or (stored and stored != target):
                note = f" (converted to {UID(target).name})"
            else:
                note = " (re-encoded)"
            rsp = assoc.send_c_store(ds)
    except RuntimeError as exc:  # "association must be established": it dropped
        raise _AssociationLost(
            classify(None, association_failure="aborted", address=peer.address)
        ) from exc
    except OSError as exc:
        return _fail(uid, f"the file '{item.path}' cannot be read: {exc.strerror or exc}")
    except Exception as exc:
        # pynetdicom refuses before sending anything (no context, cannot encode).
        LOGGER.debug("Cannot send %s", uid, exc_info=True)
        return _fail(uid, f"the file '{item.path}' cannot be sent: {exc}")

    status = _status_of(rsp)
    if status is None:
        # No answer: pynetdicom aborts after the DIMSE timeout, or the peer dropped us.
        # The item's fate is unknown, so it counts as not attempted and is sent again.
        if _association_gone(assoc):
            raise _AssociationLost(
                classify(None, association_failure="aborted", address=peer.address)
            )
        return ItemResult(uid, None, classify(None), bool(note))
    classified = classify(status)
    if note and classified.outcome is Outcome.SUCCESS:
        classified = Classified(classified.outcome, classified.warning, classified.reason + note)
    return ItemResult(uid, status, classified, bool(note))


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
    _ensure_streaming()
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
        prefetched = Prefetcher(_file_meta)
        for index, item in enumerate(batch):
            if should_cancel is not None and should_cancel():
                aborted = False
                return attempted, None, True
            if index + 1 < len(batch):
                prefetched.start(batch[index + 1].path)  # read while this one is in flight
            try:
                result = _send_one(assoc, item, accepted, peer, prefetched)
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
