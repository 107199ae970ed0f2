"""Run a prepared batch: worker threads, throttle, schedule, pause, stop, resume by journal.

``threads`` workers take requests from one queue. After each request a worker waits
``throttle_time`` before its next one (pydicom-batch's rule, so the archive sees at most
``threads`` requests and a pause between each worker's requests). Before each request the
schedule is asked; outside the window the worker waits until it opens. A request counts
as finished only when its result is durable: C-FIND rows appended and fsynced, C-MOVE /
C-GET instances filed; then its line goes into the state journal. :meth:`stop` (the first
Ctrl-C) lets requests on the wire finish and starts no new one; :meth:`cancel` (the
second) sends C-CANCEL and leaves those requests unrecorded, so a rerun sends them again.
Moved instances arrive through :class:`RetrieveSink`: our own listener on the receiver
port, or the running station's receiver by claim; each move has a lane of its own.
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rtstation.config import Settings
from rtstation.dicom.anonymize import UidMap
from rtstation.net.query import QueryError, find, text
from rtstation.net.retrieve import RetrieveResult, explain_nothing_arrived, get, move
from rtstation.station.batch.filing import OutputFiler
from rtstation.station.batch.library import LibraryFile
from rtstation.station.batch.plan import BatchPlan, BatchRequest
from rtstation.station.batch.schedule import Clock, SystemClock, describe_window, seconds_until_open
from rtstation.station.batch.state import DONE, FAILED, RequestRecord, StateJournal
from rtstation.station.retrieve_sink import RetrieveSink

LOGGER = logging.getLogger(__name__)

#: How long to wait for instances the archive reported sent but that have not arrived.
ARRIVAL_GRACE_SECONDS = 10.0
STARTED, DONE_EVENT, FAILED_EVENT, SKIPPED, WAITING, INTERRUPTED, PAUSED = (
    "started",
    "done",
    "failed",
    "skipped",
    "waiting",
    "interrupted",
    "paused",
)


@dataclass(frozen=True)
class BatchEvent:
    """What happened to one request (``index`` 1-based; 0 for the batch itself)."""

    kind: str
    index: int
    worker: int = 0
    at: float = 0.0  # time.monotonic()
    instances: int = 0
    bytes: int = 0
    reason: str = ""
    wait_seconds: float = 0.0


@dataclass
class BatchSummary:
    total: int
    skipped: int = 0  # done by an earlier run
    ok: int = 0
    failed: list[tuple[int, str, str]] = field(default_factory=list)  # index, request, reason
    instances: int = 0
    bytes: int = 0
    elapsed: float = 0.0
    interrupted: bool = False
    not_started: int = 0

    @property
    def complete(self) -> bool:
        return not self.failed and not self.interrupted and not self.not_started


@dataclass
class _Outcome:
    ok: bool
    instances: int = 0
    bytes: int = 0
    reason: str = ""
    interrupted: bool = False


EventCallback = Callable[[BatchEvent], None]


class BatchRunner:
    """One run of a batch; :meth:`run` blocks until it ends (call it on a worker)."""

    def __init__(
        self,
        plan: BatchPlan,
        settings: Settings,
        data_dir: Path | str,
        *,
        clock: Clock | None = None,
        on_event: EventCallback | None = None,
        bind_address: str = "",
    ) -> None:
        self.plan = plan
        self.settings = settings
        self.data_dir = Path(data_dir)
        self.clock = clock or SystemClock()
        self._on_event = on_event
        self.bind_address = bind_address
        self._stop = threading.Event()
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._lock = threading.Lock()
        self._message_ids = itertools.count(random.randint(2, 30000))
        self._sink: RetrieveSink | None = None

    # -- control, from any thread --

    def stop(self) -> None:
        """Start no new request; those on the wire finish and are recorded."""
        self._stop.set()
        self._running.set()

    def cancel(self) -> None:
        """Stop now: requests on the wire are cancelled and sent again by a rerun."""
        self._cancel.set()
        self.stop()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    # -- the run --

    def run(self) -> BatchSummary:
        plan = self.plan
        config = plan.config
        started = time.monotonic()
        summary = BatchSummary(total=len(plan.requests))
        journal = StateJournal.open(config.state_file)
        uid_map = self._uid_map()
        try:
            pending: deque[BatchRequest] = deque()
            for request in plan.requests:
                if journal.is_done(request.key):
                    summary.skipped += 1
                    self._emit(BatchEvent(SKIPPED, request.index, at=time.monotonic()))
                else:
                    pending.append(request)
            library = self._library()
            if pending and config.kind in ("c-move", "c-get"):
                self._sink = RetrieveSink.open(
                    self.settings,
                    self.data_dir,
                    use_get=config.kind == "c-get",
                    originator_ae=plan.peer.calling_ae,
                    receive_ae=plan.destination,
                    receive_port=plan.receive_port,
                    bind_address=self.bind_address,
                )
            workers = [
                threading.Thread(
                    target=self._work,
                    args=(number, pending, journal, library, uid_map, summary),
                    name=f"batch-{number}",
                )
                for number in range(1, min(config.threads, len(pending)) + 1)
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                while worker.is_alive():
                    worker.join(0.2)  # a signal handler in the main thread stays responsive
            summary.not_started = len(pending)
            summary.interrupted = self._stop.is_set() and bool(pending or summary.interrupted)
        finally:
            if self._sink is not None:
                self._sink.close()
                self._sink = None
            journal.close()
            if plan.anonymize_options is not None and plan.anonymize_options.uid_map_file:
                uid_map.save(plan.anonymize_options.uid_map_file)
        summary.elapsed = time.monotonic() - started
        return summary

    def _uid_map(self) -> UidMap:
        options = self.plan.anonymize_options
        if options is not None and options.uid_map_file and Path(options.uid_map_file).exists():
            return UidMap.load(options.uid_map_file)
        return UidMap()

    def _library(self) -> LibraryFile | None:
        config = self.plan.config
        if config.library_file is None:
            return None
        columns = self.plan.columns
        if config.kind != "c-find":
            columns = (*columns, "Status", "Instances", "Bytes")
        return LibraryFile(config.library_file, columns)

    def _emit(self, event: BatchEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:
            LOGGER.exception("A batch progress listener failed")

    def _wait_until_allowed(self, worker: int) -> bool:
        """Paused or outside the window: wait. False when the batch was stopped."""
        schedule = self.plan.config.schedule
        announced = False
        paused = False
        while not self._stop.is_set():
            if not self._running.is_set():
                if not paused:
                    paused = True  # said once per pause, so a listener sees it took effect
                    self._emit(BatchEvent(PAUSED, 0, worker, time.monotonic()))
                self._running.wait(0.2)
                continue
            paused = False
            wait = seconds_until_open(schedule, self.clock.now())
            if wait <= 0:
                return True
            if not announced:
                announced = True
                LOGGER.info(
                    "Batch worker %d waits %.0f s for the window %s",
                    worker,
                    wait,
                    describe_window(schedule),
                )
                self._emit(BatchEvent(WAITING, 0, worker, time.monotonic(), wait_seconds=wait))
            if self.clock.wait(min(wait, 30.0), self._stop):
                return False
        return False

    def _work(
        self,
        worker: int,
        pending: deque[BatchRequest],
        journal: StateJournal,
        library: LibraryFile | None,
        uid_map: UidMap,
        summary: BatchSummary,
    ) -> None:
        config = self.plan.config
        filer = OutputFiler(
            config.directory,
            config.directory_structure,
            config.filename,
            decompress=config.decompress,
            anonymizer=self.plan.anonymizer(uid_map),
        )
        first = True
        while not self._stop.is_set():
            if not first and config.throttle_time > 0:
                with self._lock:
                    more = bool(pending)
                if not more or self.clock.wait(config.throttle_time, self._stop):
                    return
            if not self._wait_until_allowed(worker):
                return
            with self._lock:
                if not pending:
                    return
                request = pending.popleft()
            first = False
            self._emit(BatchEvent(STARTED, request.index, worker, time.monotonic()))
            try:
                outcome = self._one(request, library, filer)
            except Exception as exc:  # a defect must not hang the batch; it is logged
                LOGGER.exception("Batch request %d failed unexpectedly", request.index)
                outcome = _Outcome(False, reason=f"unexpected error: {exc}")
            self._finish(request, outcome, worker, journal, library, summary, pending)

    def _finish(
        self,
        request: BatchRequest,
        outcome: _Outcome,
        worker: int,
        journal: StateJournal,
        library: LibraryFile | None,
        summary: BatchSummary,
        pending: deque[BatchRequest],
    ) -> None:
        if outcome.interrupted:
            with self._lock:
                summary.interrupted = True
            self._emit(BatchEvent(INTERRUPTED, request.index, worker, time.monotonic()))
            return
        if library is not None and self.plan.config.kind != "c-find":
            row = {e.keyword: e.value or "" for e in request.elements}
            row.update(
                Status="ok" if outcome.ok else outcome.reason,
                Instances=str(outcome.instances),
                Bytes=str(outcome.bytes),
            )
            library.append([row])
        state = DONE if outcome.ok else FAILED
        with self._lock:
            journal.record(
                RequestRecord(request.key, state, outcome.instances, outcome.bytes, outcome.reason)
            )
            summary.instances += outcome.instances
            summary.bytes += outcome.bytes
            if outcome.ok:
                summary.ok += 1
            else:
                summary.failed.append((request.index, request.describe(), outcome.reason))
        kind = DONE_EVENT if outcome.ok else FAILED_EVENT
        self._emit(
            BatchEvent(
                kind,
                request.index,
                worker,
                time.monotonic(),
                outcome.instances,
                outcome.bytes,
                outcome.reason,
            )
        )

    # -- one request --

    def _one(
        self, request: BatchRequest, library: LibraryFile | None, filer: OutputFiler
    ) -> _Outcome:
        if self.plan.config.kind == "c-find":
            return self._find(request, library)
        return self._retrieve(request, filer)

    def _find(self, request: BatchRequest, library: LibraryFile | None) -> _Outcome:
        plan = self.plan
        try:
            answer = find(
                plan.peer,
                plan.config.level,
                request.keys(with_returns=True),
                model=plan.config.model,
                should_cancel=self._cancel.is_set,
            )
        except QueryError as exc:
            return _Outcome(False, reason=str(exc))
        if answer.cancelled and self._cancel.is_set():
            return _Outcome(False, interrupted=True)
        asked = {e.keyword: e.value or "" for e in request.elements}
        rows = [
            {column: text(match, column) or asked.get(column, "") for column in plan.columns}
            for match in answer.matches
        ]
        if library is not None:
            library.append(rows)
        return _Outcome(True, instances=len(rows))

    def _retrieve(self, request: BatchRequest, filer: OutputFiler) -> _Outcome:
        plan = self.plan
        sink = self._sink
        assert sink is not None
        with self._lock:
            message_id = next(self._message_ids) % 65000 + 2
        lane = sink.open_lane(message_id)
        try:
            keys = request.keys(with_returns=False)
            if plan.config.kind == "c-get":
                result = get(
                    plan.peer,
                    plan.config.level,
                    keys,
                    sink.keep_in(lane),
                    model=plan.config.model,
                    should_cancel=self._cancel.is_set,
                )
            else:
                result = move(
                    plan.peer,
                    plan.destination,
                    plan.config.level,
                    keys,
                    model=plan.config.model,
                    msg_id=message_id,
                    should_cancel=self._cancel.is_set,
                    receive_port=sink.receive_port,
                )
            if result.cancelled and self._cancel.is_set():
                return _Outcome(False, interrupted=True)
            staged = self._arrived(lane, result, sink)
            filed = filer.file_all(staged)
            return self._judge(request, result, len(staged), filed.bytes, filed.problems)
        finally:
            sink.close_lane(message_id)

    def _arrived(self, lane: Path, result: RetrieveResult, sink: RetrieveSink) -> list[Path]:
        """The lane's files once the archive's count arrived (or the grace ran out), plus
        instances of archives that leave the Move Originator out (in the shared folder)."""
        expected = result.completed + result.warning
        deadline = time.monotonic() + ARRIVAL_GRACE_SECONDS

        def files() -> list[Path]:
            return sorted(p for p in lane.glob("*.dcm"))

        while len(files()) < expected and time.monotonic() < deadline and not self._cancel.is_set():
            self._adopt_unattributed(lane, sink)
            if len(files()) < expected:
                time.sleep(0.05)
        self._adopt_unattributed(lane, sink)
        return files()

    def _adopt_unattributed(self, lane: Path, sink: RetrieveSink) -> None:
        for path in sink.staging_dir.glob("*.dcm"):
            try:
                path.replace(lane / path.name)
            except FileNotFoundError:
                continue  # another worker took it

    def _judge(
        self,
        request: BatchRequest,
        result: RetrieveResult,
        arrived: int,
        size: int,
        problems: list[str],
    ) -> _Outcome:
        plan = self.plan
        filed = arrived - len(problems)
        if result.status is None or result.status not in (0x0000, 0xB000):
            return _Outcome(False, filed, size, result.reason or "the archive gave no answer")
        if result.failed:
            return _Outcome(False, filed, size, result.reason)
        if problems:
            return _Outcome(False, filed, size, "; ".join(problems[:3]))
        if result.completed and not arrived:
            reason = explain_nothing_arrived(
                plan.peer, plan.destination, result.completed, 0, plan.receive_port
            )
            return _Outcome(False, 0, 0, reason)
        if not arrived:
            return _Outcome(
                False,
                reason=f"The archive {plan.peer.describe()} has nothing matching "
                f"{request.describe()} at level {plan.config.level}",
            )
        if arrived < result.completed:
            return _Outcome(
                False,
                filed,
                size,
                f"{arrived} of {result.completed} instance(s) the archive reports sent arrived "
                f"within {ARRIVAL_GRACE_SECONDS:.0f} s",
            )
        return _Outcome(True, filed, size)
