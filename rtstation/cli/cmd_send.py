"""``rtstation send``: forward plans, a patient or files to nodes and wait for the result.

The job goes through the durable queue like every forward. This process sends it itself,
unless a running ``serve`` or GUI on the same configuration takes it first: jobs are
claimed with a lease, so one job is delivered once, never by two processes at a time.
Files given as PATH are first stored in the station (source LOCAL, no rule looks at
them), so the send survives a crash like any other.
"""

from __future__ import annotations

import argparse
import threading
import time

from rtstation.cli.common import Progress, add_option, print_json, refuse_empty_path
from rtstation.cli.context import open_station
from rtstation.errors import RtStationError
from rtstation.events import JobChanged
from rtstation.routing.send_queue import ACTIVE_STATES, Job
from rtstation.station import Station


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_option(
        parser,
        "--node",
        dest="nodes",
        action="append",
        required=True,
        metavar="NAME",
        help="node from settings.ini (repeat for several)",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--plan",
        dest="plans",
        action="append",
        metavar="UID",
        help="RTPLAN SOP Instance UID of a stored plan (repeatable)",
    )
    what.add_argument("--patient", metavar="ID", help="every stored instance of a patient")
    what.add_argument(
        "paths",
        nargs="*",
        default=[],
        metavar="PATH",
        help="files or folders to send (stored in the station first)",
    )
    parser.add_argument(
        "--force", action="store_true", help="send again what the node already received"
    )
    parser.add_argument("--no-wait", action="store_true", help="queue and return at once")
    parser.add_argument(
        "--timeout",
        type=float,
        default=0,
        metavar="SECONDS",
        help="stop waiting after this long (the job stays queued)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable result")


def _enqueue(station: Station, args: argparse.Namespace) -> list[int]:
    if args.plans:
        return station.send_plans(args.plans, args.nodes, force=args.force)
    if args.patient:
        uids = [i.sop_instance_uid for i in station.catalog.instances(args.patient)]
        if not uids:
            raise RtStationError(f"No instances of patient '{args.patient}' are stored")
        return station.send_instances(
            uids, args.nodes, label=f"patient {args.patient}", force=args.force
        )
    if not args.paths:
        raise RtStationError("Nothing to send: give --plan UID, --patient ID or PATH")
    report = station.store_paths(args.paths)
    for name, reason in report.rejected:
        print(f"  not sent {name}: {reason}")
    uids = [r.header.sop_instance_uid for r in report.results]
    if not uids:
        raise RtStationError("Nothing to send: none of the files is a usable DICOM instance")
    return station.send_instances(uids, args.nodes, label="files", force=args.force)


def _wait(station: Station, job_ids: list[int], timeout: float) -> list[Job]:
    """Until every job has ended (or ``timeout``); woken by the workers' job events, so
    the command ends when its job does, not at the next tick of a poll (the 0.2 s tick
    stays for progress and for a job another process finishes)."""
    progress = Progress("Sending")
    deadline = time.monotonic() + timeout if timeout > 0 else None
    watched = set(job_ids)
    changed = threading.Event()

    def on_job(event: JobChanged) -> None:
        if event.job_id in watched:
            changed.set()

    unsubscribe = station.bus.subscribe(JobChanged, on_job)
    try:
        return _wait_for(station, job_ids, deadline, progress, changed)
    finally:
        unsubscribe()


def _wait_for(
    station: Station,
    job_ids: list[int],
    deadline: float | None,
    progress: Progress,
    changed: threading.Event,
) -> list[Job]:
    while True:
        changed.clear()
        jobs = [j for jid in job_ids if (j := station.queue.job(jid)) is not None]
        done = sum(j.done for j in jobs)
        total = sum(j.total for j in jobs)
        retrying = [j for j in jobs if j.state == "retrying"]
        detail = f"retrying: {retrying[0].last_error}" if retrying else ""
        progress.update(done, total, detail)
        if all(j.state not in ACTIVE_STATES for j in jobs):
            progress.close()
            return jobs
        if deadline is not None and time.monotonic() > deadline:
            progress.close()
            return jobs
        changed.wait(0.2)


def run(args: argparse.Namespace) -> int:
    if refuse_empty_path("send", "PATH", args.paths):  # "" would store and send all of '.'
        return 2
    station = open_station(args, console_logging=False)
    try:
        job_ids = _enqueue(station, args)
        if not args.no_wait:
            station.workers.start(args.nodes)
        jobs = (
            [j for jid in job_ids if (j := station.queue.job(jid)) is not None]
            if args.no_wait
            else _wait(station, job_ids, args.timeout)
        )
    finally:
        station.stop()
    if args.json:
        print_json(
            [
                {
                    "job": j.id,
                    "node": j.node,
                    "state": j.state,
                    "sent": j.sent,
                    "skipped": j.skipped,
                    "failed": j.failed,
                    "total": j.total,
                    "reason": j.last_error,
                }
                for j in jobs
            ]
        )
    else:
        for job in jobs:
            line = f"Job {job.id} to {job.node}: {job.state}, {job.sent} sent"
            if job.skipped:
                line += f", {job.skipped} already there"
            if job.failed:
                line += f", {job.failed} failed"
            line += f" of {job.total}"
            if job.last_error and job.state != "done":
                line += f" ({job.last_error})"
            print(line)
    if args.no_wait:
        return 0 if jobs else 1
    return 0 if all(j.state == "done" and not j.failed for j in jobs) else 1
