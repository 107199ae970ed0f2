"""Benchmark: receive throughput of ``rtstation serve`` while its metrics thread computes the
metrics of 500 plans, against the same station with nothing left to compute.

Not a test: run it by hand and copy the figures into the README.

    python bench/bench_metrics.py                      # 500 plans, 2000 CT slices, 2 repeats
    python bench/bench_metrics.py --plans 100 --instances 500 --repeat 1

What is compared, in one run, on one disk (everything lives in one temporary folder):

* the same ``--plans`` generated plan bundles (one patient each: 2 CT slices, a structure
  set with 3 ROIs, the plan and its dose; ``write_study``), sent to a fresh ``rtstation
  serve`` by DCMTK ``storescu`` before anything is timed;
* then the same ``--instances`` CT slices (256x256, about 0.13 MB each, another patient)
  sent by ``storescu`` (``TCP_NODELAY=1``, one association), timed as the whole storescu
  run;
* in both modes the station first handles the plans' arrival (their plans rows, the
  rules' decisions (no rules: "not forwarded") and the settle of every patient), waited
  for until the plans rows have not changed for 4 s;
* "with metrics": the CT slices are sent at once, while the station's metrics thread
  (one thread, nice +10) is computing the plans' metrics: DVHs from the doses and
  structure sets it has just stored. The number of plans with stored metrics is read
  from the catalog when the send starts and ends (the overlap), and the time until all
  plans have metrics is printed;
* "without": the station first computes every plan's metrics (waited for), so nothing is
  left to compute when the CT slices are sent.

The two alternate within every repeat; the medians are printed in MB/s (10**6 bytes) with
the ratio with/without, and the ratio within each repeat (the goal: at least 0.90), and
the CPU time the station process (not its metrics child) used during each timed send:
the figure the neighbours on a shared machine move least. On a
shared machine the load of others moves every figure: the load average is printed at the
start and the end, and the ratios of runs next to each other are the figures to compare.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from bench._common import (
    BenchError,
    catalog_rows,
    exit_cleanly_on_sigterm,
    load_line,
    machine_line,
    mbps,
    median,
    need_binary,
    print_table,
    storescu_send,
    temp_root,
    tree_bytes,
)
from tests.data.generator import PlanSpec, StudySpec, write_ct_series, write_study
from tests.peers.peers import free_port
from tests.peers.station_proc import StationProcess, write_settings

STATION_AE = "RTSTATION"
WITH, WITHOUT = "with metrics", "without"


def _metrics_count(catalog: Path) -> int:
    con = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=30)
    try:
        return int(con.execute("SELECT COUNT(*) FROM plan_metrics").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (not its children) from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _decided(catalog: Path) -> int:
    con = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=30)
    try:
        sql = "SELECT COUNT(*) FROM plan_decisions WHERE state != 'pending'"
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def _wait_for_decisions(catalog: Path, count: int, timeout: float = 600) -> None:
    """The station has handled the plans' arrival (plans rows, rules): only metrics remain."""
    start = time.perf_counter()
    while _decided(catalog) < count:
        if time.perf_counter() - start > timeout:
            raise BenchError(f"only {_decided(catalog)} of {count} plans decided")
        time.sleep(0.2)


def _plans_state(catalog: Path) -> tuple[int, str]:
    con = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=30)
    try:
        count, newest = con.execute("SELECT COUNT(*), MAX(updated_at) FROM plans").fetchone()
        return int(count), str(newest)
    finally:
        con.close()


def _wait_for_settled(catalog: Path, quiet: float = 4.0, timeout: float = 600) -> None:
    """The settle timers have run: nothing rewrites the plans rows for ``quiet`` seconds.

    Each patient is decided again when it settles (its plans rows rewritten); that is the
    arrival's work, not the metrics', so neither mode times it.
    """
    start = time.perf_counter()
    last, since = _plans_state(catalog), time.perf_counter()
    while time.perf_counter() - since < quiet:
        if time.perf_counter() - start > timeout:
            raise BenchError("the plans rows kept changing")
        time.sleep(0.5)
        state = _plans_state(catalog)
        if state != last:
            last, since = state, time.perf_counter()


def _wait_for_metrics(catalog: Path, count: int, timeout: float) -> float:
    start = time.perf_counter()
    while _metrics_count(catalog) < count:
        if time.perf_counter() - start > timeout:
            raise BenchError(
                f"only {_metrics_count(catalog)} of {count} plans have metrics after {timeout:g} s"
            )
        time.sleep(0.5)
    return time.perf_counter() - start


def run(
    mode: str, plan_files: list[Path], ct_files: list[Path], n_plans: int, config: Path
) -> dict[str, float]:
    port = free_port()
    write_settings(config, port=port, ae_title=STATION_AE)
    station = StationProcess(config, port=port).start()
    try:
        plans_start = time.perf_counter()
        storescu_send(plan_files, station.port, STATION_AE)
        _wait_for_decisions(station.catalog, n_plans)
        _wait_for_settled(station.catalog)
        figures: dict[str, float] = {}
        if mode == WITHOUT:
            _wait_for_metrics(station.catalog, n_plans, timeout=3600)
        figures["before"] = _metrics_count(station.catalog)
        assert station.proc is not None
        cpu = _cpu_seconds(station.proc.pid)
        figures["seconds"] = storescu_send(ct_files, station.port, STATION_AE)
        figures["cpu"] = _cpu_seconds(station.proc.pid) - cpu
        figures["after"] = _metrics_count(station.catalog)
        stored = len(catalog_rows(station.catalog))
        if stored != len(plan_files) + len(ct_files):
            raise BenchError(
                f"the catalog has {stored} instances, {len(plan_files) + len(ct_files)} were sent"
            )
        _wait_for_metrics(station.catalog, n_plans, timeout=3600)
        figures["all_metrics"] = time.perf_counter() - plans_start
    finally:
        code = station.stop()
        if code not in (0, None):
            print(f"  (rtstation serve exited {code}; log in {station.log_path})")
    shutil.rmtree(config, ignore_errors=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=500, help="plan bundles (default 500)")
    parser.add_argument(
        "--instances", type=int, default=2000, help="CT slices received (default 2000)"
    )
    parser.add_argument("--repeat", type=int, default=2, help="runs per mode (median)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if min(args.plans, args.instances, args.repeat) < 1:
        parser.error("--plans, --instances and --repeat must be at least 1")

    exit_cleanly_on_sigterm()
    need_binary("storescu")
    print(f"bench_metrics: {machine_line()}")
    with temp_root("rtstation-bench-metrics-", keep=args.keep) as root:
        print(f"Generating {args.plans} plan bundles and {args.instances} CT slices ...")
        plan_files: list[Path] = []
        for index in range(args.plans):
            spec = StudySpec(
                patient_id=f"M{index:04d}", slices=2, plans=(PlanSpec(label=f"ADP_{index}"),)
            )
            study = write_study(root / "plans" / f"{index:04d}", spec, uid_seed=f"bench-{index}")
            plan_files.extend(sorted(study.all_paths))
        ct_files = sorted(
            write_ct_series(root / "ct", args.instances, rows=256, columns=256, patient_id="CTX")
        )
        nbytes = tree_bytes(ct_files)
        for path in [*plan_files, *ct_files]:  # the first run must not read them cold
            path.read_bytes()
        print(
            f"{len(plan_files)} files of plan bundles ({tree_bytes(plan_files) / 1e6:.1f} MB), "
            f"{len(ct_files)} CT slices ({nbytes / 1e6:.1f} MB) timed\n"
        )
        results: dict[str, list[dict[str, float]]] = {WITH: [], WITHOUT: []}
        rows = []
        for repeat in range(args.repeat):
            order = [WITH, WITHOUT] if repeat % 2 == 0 else [WITHOUT, WITH]
            for mode in order:
                figures = run(mode, plan_files, ct_files, args.plans, root / "station")
                results[mode].append(figures)
                rows.append(
                    [
                        repeat + 1,
                        mode,
                        mbps(nbytes, figures["seconds"]),
                        figures["seconds"],
                        figures["cpu"],
                        f"{figures['before']:.0f} -> {figures['after']:.0f}",
                        figures["all_metrics"],
                    ]
                )
                print(f"  run {repeat + 1} {mode}: {mbps(nbytes, figures['seconds']):.1f} MB/s")
        print()
        print_table(
            [
                "run",
                "mode",
                "MB/s",
                "s",
                "station CPU s",
                "plans with metrics during the send",
                "all metrics s",
            ],
            rows,
        )
        with_mbps = mbps(nbytes, median([f["seconds"] for f in results[WITH]]))
        without_mbps = mbps(nbytes, median([f["seconds"] for f in results[WITHOUT]]))
        ratio = with_mbps / without_mbps if without_mbps else 0.0
        # Runs next to each other meet the same neighbours on a shared machine: the ratio of
        # each repeat's pair is steadier than the ratio of the medians.
        pairs = [
            w["seconds"] and o["seconds"] / w["seconds"]
            for w, o in zip(results[WITH], results[WITHOUT], strict=True)
        ]
        print("ratio with/without per repeat: " + ", ".join(f"{p:.2f}" for p in pairs))
        cpu_with = median([f["cpu"] for f in results[WITH]])
        cpu_without = median([f["cpu"] for f in results[WITHOUT]])
        overlap = all(f["after"] < args.plans for f in results[WITH])
        during = "during the whole timed send" if overlap else "NOT during the whole send"
        all_metrics = median([f["all_metrics"] for f in results[WITH]])
        print(f"\nat the end: {load_line()}")
        print(
            f"SUMMARY metrics: receive with metrics computing {with_mbps:.1f} MB/s, without "
            f"{without_mbps:.1f} MB/s, ratio {ratio:.2f} (median per repeat "
            f"{median(pairs):.2f}; goal >= 0.90); metrics of "
            f"{args.plans} plans stored {all_metrics:.0f} s after their send began; "
            f"computing {during}; station process CPU during the send {cpu_with:.1f} s with, "
            f"{cpu_without:.1f} s without (the child process not counted)"
            f" ({args.instances} CT files, median of {args.repeat})"
        )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench_metrics: {exc}", file=sys.stderr)
        sys.exit(1)
