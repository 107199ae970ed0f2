"""``rtstation batch CONFIG``: a C-FIND library or a resumable C-MOVE / C-GET extraction.

CONFIG is a YAML or TOML extraction file in pydicom-batch's format (see the README and
``examples/batch/``). Progress is kept in ``batch-state.jsonl`` in the output directory:
Ctrl-C stops after the requests on the wire (Ctrl-C again cancels them), and running the
same command again sends only what is not done yet. The exit code is 0 when every
request is done, 1 when some failed, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TextIO

from rtstation.cli.common import print_json, refuse_empty_path
from rtstation.cli.context import load_config, log_level
from rtstation.config.batch_config import load_batch_config
from rtstation.logsetup import setup_logging
from rtstation.station.batch import BatchEvent, BatchRunner, BatchSummary, prepare
from rtstation.station.batch.runner import DONE_EVENT, FAILED_EVENT, WAITING


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("batch_file", metavar="CONFIG", help="extraction file (.yml, .yaml, .toml)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="check the file, its batch CSV and anonymizer script; list the requests; send nothing",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def size_text(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GB"  # pragma: no cover


def duration_text(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


class BatchProgress:
    """A progress bar with rate and ETA on a terminal; schedule waits are always shown."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.finished = 0
        self.instances = 0
        self.bytes = 0
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._last = ""

    def __call__(self, event: BatchEvent) -> None:
        with self._lock:
            if event.kind == WAITING:
                self._line(
                    f"Outside the schedule window: waiting {duration_text(event.wait_seconds)} "
                    "(Ctrl-C stops)",
                    force=True,
                )
                return
            if event.kind in (DONE_EVENT, FAILED_EVENT):
                self.finished += 1
                self.instances += event.instances
                self.bytes += event.bytes
            self._draw()

    def _draw(self) -> None:
        if not self.enabled or not self.total:
            return
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.finished / elapsed
        eta = (self.total - self.finished) / rate if rate else 0.0
        width = 30
        filled = int(width * min(self.finished, self.total) / self.total)
        bar = "#" * filled + "-" * (width - filled)
        eta_text = duration_text(eta) if rate else "?"
        self._line(
            f"Requests [{bar}] {self.finished}/{self.total} {rate * 60:.1f}/min "
            f"ETA {eta_text}, {self.instances} instance(s), {size_text(self.bytes)}"
        )

    def _line(self, text: str, *, force: bool = False) -> None:
        if not self.enabled:
            if force:
                print(text, file=self.stream)
            return
        self.stream.write("\r" + text.ljust(len(self._last)))
        self.stream.flush()
        self._last = text
        if force:
            self.stream.write("\n")
            self._last = ""

    def close(self) -> None:
        if self.enabled and self._last:
            self.stream.write("\n")
            self.stream.flush()


def print_summary(summary: BatchSummary, state_file: Path) -> None:
    done_now = summary.ok
    print(
        f"Requests: {done_now} done, {len(summary.failed)} failed, {summary.skipped} done "
        f"before, {summary.not_started} not started, of {summary.total}; "
        f"{summary.instances} instance(s), {size_text(summary.bytes)} in "
        f"{duration_text(summary.elapsed)}"
    )
    for index, request, reason in summary.failed:
        print(f"  request {index} ({request}) failed: {reason}", file=sys.stderr)
    if summary.interrupted:
        print(
            f"Stopped; progress is kept in '{state_file}': run the same command again to "
            "send the rest",
            file=sys.stderr,
        )


def run(args: argparse.Namespace) -> int:
    if refuse_empty_path("batch", "the batch file", [args.batch_file]):  # "" would be '.'
        return 2
    paths, settings, _rules = load_config(args)
    setup_logging(Path(paths.log_dir), level=log_level(args, settings), console=False)
    config = load_batch_config(args.batch_file)
    for warning in config.warnings:
        print(f"rtstation: {warning}", file=sys.stderr)
    plan = prepare(config, settings)
    if args.check:
        for request in plan.requests:
            print(f"{request.index}: {config.kind} {config.level} {request.describe()}")
        print(f"{len(plan.requests)} request(s); nothing was sent")
        return 0
    progress = BatchProgress(len(plan.requests))
    runner = BatchRunner(plan, settings, paths.data_dir, on_event=progress)
    interrupts = [0]

    def on_sigint(_signum: int, _frame: FrameType | None) -> None:
        interrupts[0] += 1
        if interrupts[0] == 1:
            print(
                "\nStopping after the requests on the wire (Ctrl-C again cancels them)",
                file=sys.stderr,
            )
            runner.stop()
        else:
            runner.cancel()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        summary = runner.run()
    finally:
        signal.signal(signal.SIGINT, previous)
        progress.close()
    if args.json:
        print_json(
            {
                "total": summary.total,
                "done": summary.ok,
                "skipped": summary.skipped,
                "failed": [
                    {"index": i, "request": r, "reason": why} for i, r, why in summary.failed
                ],
                "not_started": summary.not_started,
                "instances": summary.instances,
                "bytes": summary.bytes,
                "interrupted": summary.interrupted,
            }
        )
    else:
        print_summary(summary, config.state_file)
    if summary.interrupted:
        return 130
    return 0 if summary.complete else 1
