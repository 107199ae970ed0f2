"""``rtstation queue``: the send jobs with their state and reason; retry, cancel, pause.

rtstation queue                  list jobs (newest first)
rtstation queue show JOB         one job: its items and its history
rtstation queue retry JOB        a failed or cancelled job goes again
rtstation queue cancel JOB       stop a queued or retrying job
rtstation queue pause NODE       hold every job of a node; resume NODE to go on
rtstation queue clear            take finished jobs off the list (rtstation history keeps them)
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime

from rtstation.cli.common import print_json
from rtstation.cli.context import open_station
from rtstation.errors import RtStationError
from rtstation.routing.queue_records import JOB_STATES
from rtstation.routing.triggers import parse_trigger

ACTIONS = ("list", "show", "retry", "cancel", "pause", "resume", "clear")
# The largest number an SQLite INTEGER holds: no job id and no useful --limit is larger.
SQLITE_MAX_INTEGER = 2**63 - 1


def _limit(text: str) -> int:
    """``--limit N`` kept within what SQLite takes: a huge N means "all of them"."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    return max(-SQLITE_MAX_INTEGER, min(value, SQLITE_MAX_INTEGER))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", default="list", choices=ACTIONS)
    parser.add_argument("target", nargs="?", metavar="JOB|NODE", help="job id, or node name")
    parser.add_argument(
        "--state",
        action="append",
        choices=JOB_STATES,  # a typo must not read as "no such jobs"
        help="only jobs in this state (repeatable)",
    )
    parser.add_argument("--node", help="only jobs for this node")
    parser.add_argument("--limit", type=_limit, default=50)
    parser.add_argument("--all", action="store_true", help="also jobs cleared off the list")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _time(seconds: float | None) -> str:
    return datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S") if seconds else "-"


def run(args: argparse.Namespace) -> int:
    station = open_station(args, console_logging=False)
    try:
        return _run(station, args)
    finally:
        station.stop()


def _job_id(args: argparse.Namespace) -> int:
    """The job number of ``args.target``; one no job can have is an unknown job.

    A number beyond SQLite's INTEGER would make the query raise OverflowError, so it is
    answered here, with the same words as any other job that does not exist.
    """
    if not args.target or not re.fullmatch(r"[0-9]+", args.target):
        raise RtStationError(
            f"'queue {args.action}' needs a job number, e.g. 'queue {args.action} 12'"
        )
    digits = args.target.lstrip("0") or "0"
    if len(digits) > len(str(SQLITE_MAX_INTEGER)) or int(digits) > SQLITE_MAX_INTEGER:
        raise RtStationError(f"There is no job {digits}")
    return int(digits)


def _run(station, args: argparse.Namespace) -> int:
    if args.action == "clear":
        print(f"Cleared {station.clear_finished_jobs()} finished job(s) off the list")
        return 0
    if args.action in ("pause", "resume"):
        if not args.target or station.settings.node(args.target) is None:
            raise RtStationError(f"'queue {args.action}' needs a node name from settings.ini")
        (station.pause_node if args.action == "pause" else station.resume_node)(args.target)
        print(f"{args.target}: {'paused' if args.action == 'pause' else 'resumed'}")
        return 0
    if args.action in ("retry", "cancel"):
        job_id = _job_id(args)
        ok = (station.retry_job if args.action == "retry" else station.cancel_job)(job_id)
        job = station.queue.job(job_id)
        if job is None:
            raise RtStationError(f"There is no job {job_id}")
        print(
            f"Job {job_id}: {job.state}"
            if ok
            else f"Job {job_id} is {job.state}: nothing to {args.action}"
        )
        return 0 if ok else 1
    if args.action == "show":
        job_id = _job_id(args)
        job = station.queue.job(job_id)
        if job is None:
            raise RtStationError(f"There is no job {job_id}")
        items = station.queue.items(job_id)
        history = station.queue.history(job_id)
        if args.json:
            print_json(
                {
                    "job": job.__dict__,
                    "items": [i.__dict__ for i in items],
                    "history": [h.__dict__ for h in history],
                }
            )
            return 0
        print(f"Job {job.id} to {job.node}: {job.state}, {job.done}/{job.total}")
        print(f"  attempts {job.attempts} of {job.max_attempts}, source {job.source}")
        plan = f"{job.plan_label or '-'} ({job.plan_uid or 'no plan'})"
        print(f"  plan {plan}, patient {job.patient_id}")
        if job.last_error:
            print(f"  last error: {job.last_error}")
        print("  history:")
        for event in history:
            print(f"    {_time(event.at)}  {event.state:<10} {event.message}")
        print("  items:")
        for item in items:
            status = f"0x{item.status:04X}" if item.status is not None else "-"
            state = f"{item.seq:>4} {item.state:<8} {status:<7}"
            print(f"    {state} {item.sop_instance_uid} {item.reason}")
        return 0
    jobs = station.jobs(
        states=args.state, node=args.node, limit=args.limit, include_cleared=args.all
    )
    if args.json:
        print_json([j.__dict__ for j in jobs])
        return 0
    if not jobs:
        print("No send jobs.")
    for job in jobs:
        next_try = f", next try {_time(job.next_attempt_at)}" if job.state == "retrying" else ""
        reason = f" - {job.last_error}" if job.last_error and job.state != "done" else ""
        print(
            f"{job.id:>5} {_time(job.created_at)} {job.node:<12} {job.state:<10} "
            f"{job.done:>4}/{job.total:<4} {job.patient_id or '-':<12} "
            f"{job.plan_label or '-':<16} {parse_trigger(job.source).text()}{next_try}{reason}"
        )
    paused = station.queue.paused_nodes()
    if paused:
        print(f"paused nodes: {', '.join(sorted(paused))}")
    return 0
