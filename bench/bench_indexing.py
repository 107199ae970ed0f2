"""Benchmark: how fast rtstation reads the headers of a folder of CT slices, against DCMTK.

Not a test: run it by hand and copy the figures into the README.

    python bench/bench_indexing.py --files 10000
    python bench/bench_indexing.py --files 2000 --rows 256 --columns 256 --drop-caches

It writes N CT slices of one series with the test-data generator (512x512 by default, about
0.5 MB each) into a temporary folder, then times

* ``rtstation.dicom.scan.scan`` over the folder: header read (``stop_before_pixels``) plus
  the integrity walk of every file, which is what ``show``, import and reindex pay;
* ``dcmdump +sd +r -q -M +P 0008,0018 DIR``: DCMTK parses every file in one process,
  skipping long values (``-M``) as rtstation skips pixels, and prints the SOP Instance UID;
* the same without ``-M`` (DCMTK loads the pixel data too), for reference.

Why the page cache matters: the files were just written, so they are in memory and this
measures parsing, not the disk. ``--drop-caches`` (root only) syncs and writes 3 to
``/proc/sys/vm/drop_caches`` before each timed run to measure cold reads instead.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from rtstation.dicom.rt_tree import build_tree
from rtstation.dicom.scan import scan
from tests.data.generator import write_ct_series


def drop_caches() -> str:
    """Empty the page cache (root only); returns a note saying whether it happened."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w", encoding="ascii") as f:
            f.write("3\n")
    except OSError as exc:
        return f"page cache NOT dropped ({exc.strerror or exc}): warm run"
    return "page cache dropped: cold run"


def timed(label: str, func, *, cold: bool, note: str = "warm page cache"):  # type: ignore[no-untyped-def]
    note = drop_caches() if cold else note
    start = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - start
    print(f"  {label:<34} {elapsed:8.2f} s   ({note})", flush=True)
    return elapsed, result


def run_dcmdump(folder: Path, *extra: str) -> int:
    """Run dcmdump over the folder; returns how many SOP Instance UIDs it printed."""
    command = ["dcmdump", "+sd", "+r", "-q", *extra, "+P", "0008,0018", str(folder)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"dcmdump failed ({completed.returncode}): {completed.stderr[:500]}")
    return sum(1 for line in completed.stdout.splitlines() if line.startswith("(0008,0018)"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="CT slices to write")
    parser.add_argument("--rows", type=int, default=512)
    parser.add_argument("--columns", type=int, default=512)
    parser.add_argument("--dir", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument(
        "--drop-caches", action="store_true", help="drop the page cache before each run (root)"
    )
    parser.add_argument("--no-dcmtk", action="store_true", help="time rtstation only")
    args = parser.parse_args(argv)

    work = args.dir or Path(tempfile.mkdtemp(prefix="rtstation-bench-"))
    folder = work / "ct"
    try:
        print(
            f"Writing {args.files} CT slices of {args.rows}x{args.columns} into {folder} ...",
            flush=True,
        )
        start = time.perf_counter()
        paths = write_ct_series(
            folder, args.files, rows=args.rows, columns=args.columns, uid_seed="bench"
        )
        size_mb = sum(p.stat().st_size for p in paths) / 1e6
        print(f"  written in {time.perf_counter() - start:.1f} s, {size_mb:,.0f} MB\n")

        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)")
        elapsed, result = timed(
            "rtstation scan (headers+verify)", lambda: scan([folder]), cold=args.drop_caches
        )
        if len(result.headers) != args.files or result.problems:
            raise RuntimeError(f"scan read {len(result.headers)} files, {result.problems[:3]}")
        ours = args.files / elapsed
        tree_s, _tree = timed(
            "rtstation build_tree", lambda: build_tree(result.headers), cold=False, note="in memory"
        )

        figures = [("rtstation scan", ours)]
        if not args.no_dcmtk:
            if shutil.which("dcmdump") is None:
                raise RuntimeError("dcmdump not found: install dcmtk, or pass --no-dcmtk")
            version = subprocess.run(
                ["dcmdump", "--version"], capture_output=True, text=True, check=False
            ).stdout.splitlines()[0]
            print(f"  ({version.strip()})")
            for label, extra in (
                ("dcmdump -M (skip long values)", ("-M",)),
                ("dcmdump (load all)", ()),
            ):
                seconds, found = timed(
                    label, lambda extra=extra: run_dcmdump(folder, *extra), cold=args.drop_caches
                )
                if found != args.files:
                    raise RuntimeError(f"{label} printed {found} UIDs for {args.files} files")
                figures.append((label, args.files / seconds))

        print(f"\nResults for {args.files} files ({size_mb / args.files:.2f} MB each):")
        for label, rate in figures:
            print(f"  {label:<34} {rate:10,.0f} files/s")
        print(f"  {'build_tree':<34} {args.files / tree_s:10,.0f} headers/s")
        for label, rate in figures[1:]:
            print(f"  rtstation vs {label:<31} {ours / rate:9.2f}x")
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
        elif args.keep:
            print(f"\nFiles kept in {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
