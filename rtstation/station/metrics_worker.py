"""Plan metrics computed in the background and kept in the catalog, never on the receive path.

One daemon thread takes work from a queue: "look for plans whose metrics are out of date"
(every ``poll_seconds``, and at once when :meth:`MetricsWorker.wake` is called) and
"compute these plans". The DVH itself is computed in one child process at ``nice`` +10
(:class:`ChildComputer`): numpy's rasterisation holds Python's global interpreter lock
for long stretches, and a thread of this process doing that would take the interpreter
away from the C-STORE handlers for as long; in a child process the receiver only meets it
in the OS scheduler, which favours the receiver. While an association is storing, the
thread also pauses between plans (``BUSY_PAUSE_SECONDS``). The receive path does not
call in at all: the catalog rewrites a patient's ``plans`` rows whenever data for that
patient arrives (association end, settle, import, reindex), and
:meth:`MetricsStore.stale` finds those rows with one query, so an
association thread never waits for a DVH and the receiver needs no hook.

A plan is computed as soon as its plan is stored (its own figures are there at once; the
dose and ROI figures are null with the reason until the dose and structure set come), and
again whenever the UIDs or content hashes of its plan, structure set or doses change
(:attr:`MetricsSource.key`). Image slices are not needed and not read.

:meth:`MetricsWorker.reports` is the on-demand path (``rtstation metrics``, the Metrics
view, the HTTP API): stored metrics where they are current, computed (and stored) on the
caller's thread where they are missing or out of date. :meth:`MetricsWorker.current_row`
gives the rules a plan's flat metrics row only when it describes the bundle as it is now.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from rtstation.dicom.dvh import DvhOptions
from rtstation.dicom.metrics import PlanReport, plan_report, plan_row
from rtstation.dicom.metrics_child import (
    encoded_report,
    lower_priority,
    sigint_blocked,
    start_child,
)
from rtstation.dicom.metrics_codec import EncodedReport, with_vx
from rtstation.dicom.rt_tree import PlanBundle, build_tree
from rtstation.storage.catalog import Catalog
from rtstation.storage.metrics_store import MetricsSource, MetricsStore

LOGGER = logging.getLogger(__name__)

POLL_SECONDS = 2.0
#: Pause between two plans while the station is receiving: the metrics thread's own share
#: (reading the result, writing the row) gives the receiver's threads the interpreter.
BUSY_PAUSE_SECONDS = 0.25

#: A plan whose computation ended its child this often (out of memory, say) is passed over
#: until its data changes, so one plan cannot keep the metrics thread starting children.
CHILD_LOSSES_PER_PLAN = 2

_SCAN = "scan"


def metrics_source(bundle: PlanBundle, content_hash: Callable[[str], str]) -> MetricsSource:
    """What ``bundle``'s metrics depend on: the plan, its structure set and its doses."""
    doses = tuple(sorted(d.sop_instance_uid for d in bundle.doses))
    rs = bundle.structure_set
    return MetricsSource(
        plan_uid=bundle.uid,
        patient_id=bundle.patient_id,
        plan_label=bundle.plan.plan_label,
        plan_hash=content_hash(bundle.uid),
        structure_set_uid=rs.sop_instance_uid if rs is not None else "",
        structure_set_hash=content_hash(rs.sop_instance_uid) if rs is not None else "",
        dose_uids=doses,
        dose_hashes=tuple(content_hash(uid) for uid in doses),
    )


class ChildComputer:
    """``plan_report`` in one low-priority child process, started when first needed.

    ``spawn``, not ``fork``: this process has receiver and worker threads whose locks a
    forked child would inherit held. A child that dies (killed, out of memory) is
    replaced at the next plan, and the plan it was computing is tried again (see
    :data:`CHILD_LOSSES_PER_PLAN`).
    """

    def __init__(self, options: DvhOptions) -> None:
        self.options = options
        self._executor: ProcessPoolExecutor | None = None

    def _start_child(self) -> None:
        """Start the child (it imports numpy and pydicom) if it is not running.

        The child ignores SIGINT (:func:`start_child`): a Ctrl-C in a terminal reaches the
        whole process group, and this process stops the child through :meth:`close`. The
        first submit starts the process, so it runs with SIGINT blocked in this thread;
        the child inherits the mask and cannot be interrupted before its initializer.
        """
        if self._executor is None:
            with sigint_blocked():
                self._executor = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=start_child,
                )
                self._executor.submit(
                    os.getpid
                )  # starts the process now (its initializer lowers it)

    def __call__(self, bundle: PlanBundle) -> EncodedReport:
        self._start_child()
        assert self._executor is not None
        try:
            return self._executor.submit(encoded_report, bundle, self.options).result()
        except BrokenProcessPool:
            self._executor = None
            raise

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


class MetricsWorker:
    """The metrics thread and the on-demand reads; every method is safe from any thread."""

    def __init__(
        self,
        catalog: Catalog,
        store: MetricsStore,
        *,
        on_computed: Callable[[str, str], None] | None = None,
        poll_seconds: float = POLL_SECONDS,
        options: DvhOptions | None = None,
        in_child_process: bool = True,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.on_computed = on_computed
        self.poll_seconds = poll_seconds
        self.options = options or DvhOptions()
        # The thread computes in a child process; on-demand reads on the caller's thread.
        self._background: Callable[[PlanBundle], PlanReport | EncodedReport] = (
            ChildComputer(self.options) if in_child_process else self._in_process
        )
        self._busy = busy
        self._queue: queue.Queue[str | tuple[str, ...] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._computed = 0
        # plan -> the plans.updated_at it was passed over at (no bundle, or its computation
        # failed): looked at again only when its plans row changes.
        self._passed: dict[str, str] = {}
        self._child_losses: dict[str, int] = {}  # plan -> children lost computing it

    # -- the thread -----------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="rtstation-metrics", daemon=True)
        self._thread.start()
        self.wake()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the plan in progress, then end the thread."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._queue.put(None)
        thread.join(timeout)
        if thread.is_alive():
            LOGGER.warning("The metrics thread did not end within %g s", timeout)
        elif isinstance(self._background, ChildComputer):
            self._background.close()

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def computed_count(self) -> int:
        """Plans computed by the thread since it started (for the bench and the log)."""
        return self._computed

    def wake(self) -> None:
        """Look for out-of-date plans now instead of at the next poll."""
        self._idle.clear()
        self._queue.put(_SCAN)

    def request(self, plan_uids: Iterable[str]) -> None:
        """Compute these plans in the background, even when their stored rows look current."""
        self._idle.clear()
        self._queue.put(tuple(plan_uids))

    def wait_idle(self, timeout: float) -> bool:
        """True once the thread has nothing left to do (tests and the bench wait on this)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        # The child process starts with the first plan to compute, not here: a station that
        # only forwards, or a CLI run that never sees a plan, pays for no second interpreter.
        lower_priority()
        while True:
            try:
                item = self._queue.get(timeout=self.poll_seconds)
            except queue.Empty:
                item = _SCAN
            if item is None:
                return
            try:
                if item == _SCAN:
                    self._catch_up()
                else:
                    self._compute_uids(item, force=True)
            except Exception:
                LOGGER.exception("Computing plan metrics failed; trying again at the next poll")
            if self._queue.empty():
                self._idle.set()

    def _catch_up(self) -> None:
        """Bring every plan with a changed ``plans`` row up to date, oldest change first."""
        while self._thread is not None:
            stale = [
                p for p in self.store.stale() if self._passed.get(p.plan_uid) != p.plans_updated_at
            ]
            if not stale:
                return
            by_patient: dict[str, list[tuple[str, str]]] = {}
            for plan in stale:
                by_patient.setdefault(plan.patient_id, []).append(
                    (plan.plan_uid, plan.plans_updated_at)
                )
            for patient_id, plans in by_patient.items():
                self._update_patient(patient_id, dict(plans))
                if not self._queue.empty():
                    return  # a stop or an on-demand request goes first

    def _update_patient(self, patient_id: str, seen_at: dict[str, str]) -> None:
        instances = self.catalog.instances(patient_id)
        hashes = {i.sop_instance_uid: i.content_hash for i in instances}
        tree = build_tree(i.header for i in instances)
        for plan_uid, updated_at in seen_at.items():
            bundle = tree.plan(plan_uid)
            if bundle is None:
                # The plans row is older than the instances (a delete): nothing to compute
                # until the row changes.
                self._passed[plan_uid] = updated_at
                continue
            source = metrics_source(bundle, lambda uid: hashes.get(uid, ""))
            if self.store.source_key(plan_uid) == source.key:
                self.store.mark_checked(plan_uid, updated_at)
                continue
            if self._busy():
                time.sleep(BUSY_PAUSE_SECONDS)  # the receiver first
            try:
                self._compute(bundle, source, updated_at, self._background)
            except BrokenProcessPool:
                # The child died (killed, out of memory, the station stopping): not the
                # plan's fault, so the next scan tries it once more in a new child.
                if self._child_lost(plan_uid):
                    self._passed[plan_uid] = updated_at
            except Exception:
                # Tried again when the plan's data changes (or on demand), not every poll.
                LOGGER.exception("The metrics of plan %s cannot be computed", plan_uid)
                self._passed[plan_uid] = updated_at
            else:
                self._child_losses.pop(plan_uid, None)

    def _child_lost(self, plan_uid: str) -> bool:
        """Count a child lost while computing ``plan_uid``; True (pass the plan over until
        its data changes) once that happened :data:`CHILD_LOSSES_PER_PLAN` times."""
        losses = self._child_losses.get(plan_uid, 0) + 1
        self._child_losses[plan_uid] = losses
        if losses < CHILD_LOSSES_PER_PLAN:
            LOGGER.warning(
                "The metrics child process ended while computing plan %s (killed, or out of "
                "memory); a new one tries the plan again",
                plan_uid,
            )
            return False
        LOGGER.error(
            "The metrics child process ended %d times while computing plan %s (out of "
            "memory?); the plan is tried again when its data changes",
            losses,
            plan_uid,
        )
        return True

    def _compute_uids(self, plan_uids: Sequence[str], *, force: bool) -> None:
        for uid in plan_uids:
            updated_at = self.store.plans_updated_at(uid)  # before the bundle is read
            bundle = self.catalog.plan_bundle(uid)
            if bundle is None:
                continue
            source = metrics_source(bundle, self._hash)
            if force or self.store.source_key(uid) != source.key:
                self._compute(bundle, source, updated_at, self._background)

    def _in_process(self, bundle: PlanBundle) -> PlanReport:
        return plan_report(bundle, self.options)

    def _compute(
        self,
        bundle: PlanBundle,
        source: MetricsSource,
        updated_at: str,
        compute: Callable[[PlanBundle], PlanReport | EncodedReport] | None = None,
    ) -> PlanReport | EncodedReport:
        report = (compute or self._in_process)(bundle)
        self.store.save(source, report, updated_at)
        self._computed += 1
        LOGGER.debug("Plan metrics of %s (%s) stored", bundle.uid, bundle.plan.plan_label)
        if self.on_computed is not None:
            try:
                self.on_computed(bundle.uid, bundle.patient_id)
            except Exception:
                LOGGER.exception("Acting on the new metrics of plan %s failed", bundle.uid)
        return report

    def _hash(self, sop_instance_uid: str) -> str:
        instance = self.catalog.get(sop_instance_uid)
        return instance.content_hash if instance is not None else ""

    # -- reads (any thread) -----------------------------------------------------------------

    def reports(
        self,
        bundles: Sequence[PlanBundle],
        *,
        recompute: bool = False,
        vx_gy: tuple[float, ...] = (),
        progress: Callable[[int, int, str], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> list[PlanReport]:
        """The metrics of ``bundles``: stored where current, computed and stored otherwise.

        Runs on the caller's thread (a CLI command, a GUI worker, an HTTP request);
        ``recompute`` computes every one again. Vx values the stored rows lack are read
        off their stored curves.
        """
        stored = {} if recompute else self.store.load(b.uid for b in bundles)
        reports = []
        for done, bundle in enumerate(bundles, start=1):
            if should_cancel is not None and should_cancel():
                break
            source = metrics_source(bundle, self._hash)
            found = stored.get(bundle.uid)
            if found is not None and found.source_key == source.key:
                report = found.report
            else:
                # Checked against no plans row: the thread confirms it later (cheaply).
                computed = self._compute(bundle, source, "")
                assert isinstance(computed, PlanReport)
                report = computed
            reports.append(with_vx(report, vx_gy) if vx_gy else report)
            if progress is not None:
                progress(done, len(bundles), bundle.plan.plan_label)
        return reports

    def rebuild(self, progress: Callable[[int, int, str], None] | None = None) -> None:
        """Forget every stored row and compute them all again (after ``reindex``).

        With the thread running it does the work; otherwise it is done here.
        """
        self.store.clear()
        if self.running:
            self.wake()
        else:
            self.stored_reports(progress=progress)

    def stored_reports(
        self,
        patient_id: str | None = None,
        *,
        recompute: bool = False,
        vx_gy: tuple[float, ...] = (),
        progress: Callable[[int, int, str], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> list[PlanReport]:
        """Every stored plan's metrics (or a patient's), fast on a big station.

        Plans whose metrics were checked against their current ``plans`` row come straight
        from the table; only the others have their patient's tree built and are checked
        (and computed where needed) by :meth:`reports`.
        """
        plans = self.store.stored_plans(patient_id)
        fresh = {uid for uid, _patient, ok in plans if ok and not recompute}
        stored = self.store.load(patient_id=patient_id) if fresh else {}
        by_uid: dict[str, PlanReport] = {uid: stored[uid].report for uid in fresh if uid in stored}
        rest: dict[str, list[str]] = {}
        for uid, patient, _ok in plans:
            if uid not in by_uid:
                rest.setdefault(patient, []).append(uid)
        total, done = len(plans), len(by_uid)
        for patient, uids in rest.items():
            tree = self.catalog.tree(patient)
            bundles = [b for b in (tree.plan(uid) for uid in uids) if b is not None]

            def step(_n: int, _total: int, label: str, base: int = done) -> None:
                if progress is not None:
                    progress(base + _n, total, label)

            computed = self.reports(
                bundles, recompute=recompute, progress=step, should_cancel=should_cancel
            )
            by_uid.update((r.plan.plan_uid, r) for r in computed)
            done += len(bundles)
            if should_cancel is not None and should_cancel():
                break
        reports = [by_uid[uid] for uid, _patient, _ok in plans if uid in by_uid]
        return [with_vx(r, vx_gy) for r in reports] if vx_gy else reports

    def current_row(self, bundle: PlanBundle) -> dict[str, Any] | None:
        """The plan's flat metrics row if its stored metrics describe ``bundle`` as it is now.

        None while they are missing or computed from another dose or structure set (the
        rules then wait, and the thread is asked to catch up).
        """
        found = self.store.load([bundle.uid]).get(bundle.uid)
        if found is None or found.source_key != metrics_source(bundle, self._hash).key:
            if self.running:
                self.wake()
            return None
        return plan_row(found.report)
