"""``rtstation history``: what went where, when, and why, with per-rule counts.

rtstation history                                  every job, as a table
rtstation history --since 2026-11-01 --until 2026-11-30 --format csv --out nov.csv
rtstation history --since "2026-11-30 08:00" --format json

Dates are local time, ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM[:SS]``; ``--since`` is
inclusive, ``--until`` a date includes that whole day (a time is exclusive). Jobs count
by the time they were queued; the per-rule counts (forwarded, failed, skipped plans) by
the jobs and the decisions in the range.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from pathlib import Path

from rtstation.cli.context import open_station
from rtstation.errors import RtStationError
from rtstation.station.history_report import HistoryReport

FORMATS = ("table", "csv", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", metavar="DATE", help="from this date or time (local)")
    parser.add_argument("--until", metavar="DATE", help="up to this date (whole day) or time")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of the screen")


def parse_moment(text: str | None, option: str, *, end: bool = False) -> datetime | None:
    """A local date or date-time; a bare date as ``--until`` means the end of that day."""
    if not text:
        return None
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise RtStationError(
            f"{option} '{text}' is not a date: expected YYYY-MM-DD or YYYY-MM-DD HH:MM"
        ) from None
    if end and len(value) <= 10:
        moment += timedelta(days=1)
    return moment.astimezone() if moment.tzinfo is None else moment


def table(report: HistoryReport) -> str:
    lines = []
    header = (
        f"{'job':>5} {'queued':<19} {'started':<19} {'finished':<19} {'patient':<12} "
        f"{'plan':<16} {'node':<12} {'trigger':<24} {'state':<9} {'sent':>9}"
    )
    lines.append(header)
    for row in report.rows():
        trigger = row["trigger"] + (f" {row['rules']}" if row["rules"] else "")
        lines.append(
            f"{row['job']:>5} {_short(row['queued']):<19} {_short(row['started']):<19} "
            f"{_short(row['finished']):<19} {row['patient_id'] or '-':<12} "
            f"{row['plan_label'] or '-':<16} {row['node']:<12} {trigger:<24} "
            f"{row['state']:<9} {row['sent'] + row['skipped']:>4}/{row['total']:<4}"
            + (f"  {row['reason']}" if row["reason"] and row["state"] != "done" else "")
        )
    if not report.entries:
        lines.append("No send jobs in this range.")
    lines.append("")
    lines.append(f"{'rule':<24} {'forwarded':>9} {'failed':>7} {'skipped':>8}")
    for counts in report.rules:
        c = counts.as_dict()
        lines.append(f"{c['rule']:<24} {c['forwarded']:>9} {c['failed']:>7} {c['skipped']:>8}")
    return "\n".join(lines) + "\n"


def _short(iso: str) -> str:
    return iso[:19].replace("T", " ") if iso else "-"


def run(args: argparse.Namespace) -> int:
    since = parse_moment(args.since, "--since")
    until = parse_moment(args.until, "--until", end=True)
    if since and until and until <= since:
        raise RtStationError(f"--until '{args.until}' is not after --since '{args.since}'")
    station = open_station(args, console_logging=False)
    try:
        report = station.history_report(since, until)
    finally:
        station.stop()
    text = {"table": table, "csv": HistoryReport.to_csv, "json": HistoryReport.to_json}[
        args.format
    ](report)
    if args.out:
        try:
            Path(args.out).write_text(text if text.endswith("\n") else text + "\n", "utf-8")
        except OSError as exc:
            raise RtStationError(f"Cannot write '{args.out}': {exc.strerror or exc}") from exc
        print(f"Wrote {len(report.entries)} job(s) to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
