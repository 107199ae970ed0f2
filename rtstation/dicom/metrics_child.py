"""What the plan-metrics child process runs: kept out of :mod:`rtstation.station`.

``spawn`` starts the child as a new interpreter that imports the module of every function
it is handed. Those functions lived in ``rtstation.station.metrics_worker``, whose package
imports the whole station (pynetdicom, the receiver, the queue): 0.17 s of CPU and about
20 MB for a child that only ever reads a plan, a structure set and a dose. Here the child
imports only what a report needs (pydicom, numpy and the ``rtstation.dicom`` modules).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Iterator
from multiprocessing import resource_tracker

from rtstation.dicom.dvh import DvhOptions
from rtstation.dicom.metrics import plan_report
from rtstation.dicom.metrics_codec import EncodedReport, encode_report
from rtstation.dicom.rt_tree import PlanBundle

LOGGER = logging.getLogger(__name__)

#: How much lower than the receiver a computing thread runs (``nice`` steps).
NICE_INCREMENT = 10


@contextlib.contextmanager
def sigint_blocked() -> Iterator[None]:
    """Block SIGINT in the calling thread while it starts the child process.

    A child inherits the signal mask of the thread that starts it, so a Ctrl-C that
    reaches the child while it is still importing waits (pending) until
    :func:`start_child` ignores it, instead of becoming a KeyboardInterrupt traceback
    during its start-up. SIGINT still reaches this process: the kernel hands it to a
    thread that does not block it (the main thread, whose handler stops the station).

    multiprocessing's resource tracker is made sure of first: starting it *unblocks*
    SIGINT in the calling thread (it blocks SIGINT around its own start the same way),
    and ``spawn`` starts it on first use, which would undo the block before the child
    is started. Once it runs, later checks leave the mask alone. A no-op where there are
    no signal masks (Windows).
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def start_child() -> None:
    """The child process's initializer: ignore Ctrl-C, then run below the receiver.

    A terminal's Ctrl-C is a SIGINT to the whole foreground process group, the child
    included. The parent stops the child itself (the executor's shutdown, once the plan in
    progress is done), so the child ignores SIGINT: otherwise it dies with a
    KeyboardInterrupt traceback under the parent's clean "stopping" line. SIGTERM keeps
    its default, so the child can still be ended on its own. Setting SIG_IGN discards a
    SIGINT left pending by :func:`sigint_blocked`; the mask is then restored, so nothing
    this process starts inherits a blocked SIGINT.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    lower_priority()


def encoded_report(bundle: PlanBundle, options: DvhOptions) -> EncodedReport:
    """In the child process: the report, encoded there (small to send back, no numpy here)."""
    return encode_report(plan_report(bundle, options))


def lower_priority() -> None:
    """Run the calling thread (the child process's only one) below the receiver's priority."""
    if not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return
    try:
        tid = threading.get_native_id()  # on Linux a thread has a nice value of its own
        current = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, current + NICE_INCREMENT)
    except OSError as exc:
        LOGGER.debug("Plan metrics keep their priority: %s", exc)
