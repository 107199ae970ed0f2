"""C-ECHO: "can this station talk DICOM to that node?", answered in words.

Echo is the first thing a physicist tries when a transfer fails, so the answer must say
*which* step failed: nothing listens on that port, the peer did not answer, the peer
turned our AE titles down, or it accepted and answered the echo (with the round trip).
It never raises for a network problem; it returns an :class:`EchoResult` instead.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]

from rtstation.dicom.status import Outcome, classify
from rtstation.net.peer import Peer, close_association, make_ae, open_association

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class EchoResult:
    """``ok`` when the peer answered 0x0000; ``round_trip_ms`` times the C-ECHO alone."""

    ok: bool
    round_trip_ms: float | None
    reason: str
    status: int | None = None
    retryable: bool = False


def echo(peer: Peer) -> EchoResult:
    """Associate with ``peer``, send one C-ECHO and release; abort on any error.

    ``retryable`` tells a caller (or a GUI hint) whether the failure looks transient (peer
    down, busy, timed out) or needs a settings change (AE title rejected).
    """
    ae = make_ae(peer)
    ae.add_requested_context(Verification)
    assoc, failure = open_association(ae, peer)
    if failure is not None or assoc is None:
        classified = failure.classified() if failure else classify(None)
        LOGGER.info("Echo %s failed: %s", peer.describe(), classified.reason)
        return EchoResult(
            ok=False,
            round_trip_ms=None,
            reason=classified.reason,
            retryable=classified.outcome is Outcome.RETRY,
        )
    aborted = True
    try:
        started = time.perf_counter()
        rsp = assoc.send_c_echo()
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        status = int(rsp.Status) if "Status" in rsp else None
        if status is None:
            classified = classify(None)
            if not assoc.is_established:
                classified = classify(None, association_failure="aborted", address=peer.address)
            LOGGER.info("Echo %s: %s", peer.describe(), classified.reason)
            return EchoResult(False, None, classified.reason, None, True)
        aborted = False
        if status == 0x0000:
            reason = f"the peer answered with status 0x0000 (success) in {elapsed_ms:.1f} ms"
            LOGGER.info("Echo %s ok in %.1f ms", peer.describe(), elapsed_ms)
            return EchoResult(True, elapsed_ms, reason, status, False)
        reason = f"the peer answered the echo with status 0x{status:04X}"
        LOGGER.info("Echo %s: %s", peer.describe(), reason)
        return EchoResult(False, elapsed_ms, reason, status, False)
    except Exception as exc:
        LOGGER.error("Echo %s failed: %s", peer.describe(), exc)
        LOGGER.debug("Echo traceback", exc_info=True)
        return EchoResult(False, None, f"the echo failed: {exc}", None, True)
    finally:
        close_association(assoc, abort=aborted)
