"""What the plan-metrics child process runs: kept out of :mod:`rtstation.station`.

``spawn`` starts the child as a new interpreter that imports the module of every function
it is handed. Those functions lived in ``rtstation.station.metrics_worker``, whose package
imports the whole station (pynetdicom, the receiver, the queue): 0.17 s of CPU and about
20 MB for a child that only ever reads a plan, a structure set and a dose. Here the child
imports only what a report needs (pydicom, numpy and the ``rtstation.dicom`` modules).
"""

from __future__ import annotations

import logging
import os
import threading

from rtstation.dicom.dvh import DvhOptions
from rtstation.dicom.metrics import plan_report
from rtstation.dicom.metrics_codec import EncodedReport, encode_report
from rtstation.dicom.rt_tree import PlanBundle

LOGGER = logging.getLogger(__name__)

#: How much lower than the receiver a computing thread runs (``nice`` steps).
NICE_INCREMENT = 10


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
