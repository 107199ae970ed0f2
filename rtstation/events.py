"""Plain event objects and the bus that carries them between layers.

The station publishes facts (an instance was stored, a job changed state) from whatever
thread did the work: a receiver association thread, a send worker, an import thread.
Subscribers are called synchronously on that thread, so they must be quick and must not
touch widgets; the GUI's bridge only re-emits them as Qt signals, which Qt queues to the
GUI thread. Events are frozen dataclasses so they can cross threads safely.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

LOGGER = logging.getLogger(__name__)

E = TypeVar("E")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class InstanceStored:
    """An instance is durably on disk and in the catalog (received or imported)."""

    sop_instance_uid: str
    patient_id: str
    modality: str
    source_ae: str
    path: str
    outcome: str  # "stored", "duplicate" (same bytes, no-op) or "replaced" (other bytes)
    at: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class InstanceRejected:
    """An instance could not be taken; ``source`` names the file or the calling AE."""

    source: str
    reason: str
    status: int | None = None  # the DICOM status returned to the sender, when received
    at: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class AssociationEnded:
    """A peer's association (accepted earlier) was released or aborted."""

    calling_ae: str
    calling_ip: str
    patient_ids: tuple[str, ...]
    instances: int
    at: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class PlanChanged:
    """Something belonging to a plan arrived, or its completeness or forwarding changed."""

    plan_uid: str
    patient_id: str
    at: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class ReceiverStateChanged:
    """The storage SCP started, stopped or failed; ``message`` is for people."""

    state: str  # "listening", "stopped" or "error"
    message: str
    at: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class JobChanged:
    """A send job moved (queued, sending n/m, retrying, done, failed, cancelled, paused)."""

    job_id: int
    node: str
    plan_uid: str
    state: str
    done: int
    total: int
    message: str = ""
    next_attempt_at: datetime | None = None
    at: datetime = field(default_factory=_now)
    patient_id: str = ""
    source: str = ""  # the trigger: "manual", "rule: A, B", "follow-up: A"
    created_at: float | None = None  # queued, started, finished: seconds since the epoch
    started_at: float | None = None
    finished_at: float | None = None


@dataclass(frozen=True)
class RuleDecision:
    """The rules were evaluated for a complete plan; ``explanation`` lists every rule."""

    plan_uid: str
    matched_nodes: tuple[str, ...]
    explanation: tuple[str, ...]
    at: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class StationProblem:
    """An error a person should see: ``message`` in plain words, ``detail`` for DICOM depth."""

    message: str
    detail: str = ""
    at: datetime = field(default_factory=_now)


class EventBus:
    """Type-keyed publish/subscribe, safe to use from any thread.

    A failing subscriber is logged and skipped: one broken listener must never stop the
    receiver from acknowledging an instance or a worker from sending. For the same reason
    nothing whose failure matters listens here: the station calls such work (the delivery
    audit, delete_after_send) directly and reports its errors as :class:`StationProblem`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[type, list[Callable[[Any], None]]] = {}

    def subscribe(self, event_type: type[E], callback: Callable[[E], None]) -> Callable[[], None]:
        """Call ``callback(event)`` for every published ``event_type``; returns an unsubscriber."""
        with self._lock:
            self._subscribers.setdefault(event_type, []).append(callback)

        def unsubscribe() -> None:
            with self._lock:
                callbacks = self._subscribers.get(event_type, [])
                if callback in callbacks:
                    callbacks.remove(callback)

        return unsubscribe

    def publish(self, event: object) -> None:
        """Deliver ``event`` to the subscribers of its exact type, on the calling thread."""
        with self._lock:
            callbacks = list(self._subscribers.get(type(event), ()))
        for callback in callbacks:
            try:
                callback(event)
            except Exception:
                LOGGER.exception("Event subscriber %r failed on %s", callback, type(event).__name__)
