"""Batch extractions: C-FIND libraries and resumable C-MOVE / C-GET batches.

``prepare(load_batch_config(path), settings) -> BatchPlan`` checks everything that can be
checked before a request is sent; ``BatchRunner(plan, settings, data_dir).run()`` sends
the requests (blocking; call it on a worker) and returns a :class:`BatchSummary`.
"""

from rtstation.station.batch.plan import BatchPlan, BatchRequest, prepare
from rtstation.station.batch.runner import BatchEvent, BatchRunner, BatchSummary
from rtstation.station.batch.schedule import Clock, OffsetClock, SystemClock
from rtstation.station.batch.state import BatchBusyError, read_records

__all__ = [
    "BatchBusyError",
    "BatchEvent",
    "BatchPlan",
    "BatchRequest",
    "BatchRunner",
    "BatchSummary",
    "Clock",
    "OffsetClock",
    "SystemClock",
    "prepare",
    "read_records",
]
