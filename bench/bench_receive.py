"""Benchmark: receive throughput of ``rtstation serve`` against DCMTK ``storescp``, and the
station's memory while it receives one very large object.

Not a test: run it by hand and copy the figures into the README.

    python bench/bench_receive.py                      # 500 CT slices x 3, then a 1 GB dose
    python bench/bench_receive.py --files 200 --repeat 5 --big-mb 0

What is compared, in one run, on one disk (everything lives in one temporary folder):

* the same N generated CT slices (512x512, about 0.5 MB each, ``write_ct_series``);
* the same sender: DCMTK ``storescu`` with ``TCP_NODELAY=1``, one association, the files
  given as a sorted list;
* receiver A: ``rtstation serve`` as a subprocess (``python -m rtstation --config DIR serve
  --bind 127.0.0.1``), a fresh configuration and storage folder for every run. A C-STORE is
  answered after the file is fsynced, renamed into place and indexed in the catalog;
* receiver B: DCMTK ``storescp +B`` (bit-preserving) with ``TCP_NODELAY=1``, a fresh output
  folder for every run. storescp writes the file and answers; it does not fsync.

Each run times the whole storescu process (the receiver is already listening). The two
receivers alternate within every repeat; the median of ``--repeat`` runs is printed, in MB/s
(10**6 bytes) of file bytes sent, with the ratio rtstation/storescp.

Then (unless ``--big-mb 0``) one RT Dose of about ``--big-mb`` MiB (``write_multiframe``) is
sent to a fresh ``rtstation serve``, whose VmRSS is sampled from /proc every 50 ms; VmHWM is
read before the station stops. The object must then be in the catalog, on disk with the same
dataset bytes (SHA-256 compared with the source's). The peak is checked against
``--rss-limit-mb`` (300).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from bench._common import (
    MB,
    MIB,
    BenchError,
    RssSampler,
    catalog_rows,
    count_files,
    exit_cleanly_on_sigterm,
    load_line,
    machine_line,
    mbps,
    median,
    need_binary,
    print_table,
    start_storescp,
    storescu_send,
    temp_root,
    tree_bytes,
)
from rtstation.dicom.integrity import dataset_offset
from rtstation.storage.archive import content_hash
from tests.data.generator import write_ct_series, write_multiframe
from tests.peers.peers import free_port
from tests.peers.station_proc import StationProcess, write_settings

STATION_AE = "RTSTATION"


def _start_station(config_dir: Path) -> StationProcess:
    port = free_port()
    write_settings(config_dir, port=port, ae_title=STATION_AE)
    return StationProcess(config_dir, port=port).start()


def run_station(files: list[Path], config_dir: Path) -> float:
    """One timed storescu run into a fresh ``rtstation serve``; checks all N are stored."""
    station = _start_station(config_dir)
    try:
        seconds = storescu_send(files, station.port, STATION_AE)
        rows = catalog_rows(station.catalog)
        if len(rows) != len(files):
            raise BenchError(
                f"rtstation acknowledged {len(files)} files but its catalog has {len(rows)}"
            )
    finally:
        code = station.stop()
        if code not in (0, None):
            print(f"  (rtstation serve exited {code}; log in {station.log_path})")
    shutil.rmtree(config_dir, ignore_errors=True)
    return seconds


def run_storescp(files: list[Path], out_dir: Path, work_dir: Path) -> float:
    """One timed storescu run into a fresh DCMTK storescp; checks all N are written."""
    scp = start_storescp(out_dir, work_dir)
    try:
        seconds = storescu_send(files, scp.port, scp.ae_title)
        written = count_files(out_dir)
        if written != len(files):
            raise BenchError(f"storescp acknowledged {len(files)} files but wrote {written}")
    finally:
        scp.stop()
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.rmtree(work_dir, ignore_errors=True)
    return seconds


def bench_throughput(root: Path, n_files: int, repeat: int) -> tuple[float, float]:
    print(f"Generating {n_files} CT slices 512x512 ...", flush=True)
    files = sorted(write_ct_series(root / "source", n_files, patient_id="BENCHRX"))
    total = tree_bytes(files)
    print(f"  {len(files)} files, {total / MB:.1f} MB\n", flush=True)

    times: dict[str, list[float]] = {"rtstation serve": [], "storescp +B": []}
    for i in range(1, repeat + 1):
        order = ["rtstation serve", "storescp +B"]
        if i % 2 == 0:
            order.reverse()
        for name in order:
            if name == "rtstation serve":
                seconds = run_station(files, root / f"station-{i}")
            else:
                seconds = run_storescp(files, root / f"storescp-out-{i}", root / f"storescp-{i}")
            times[name].append(seconds)
            print(
                f"  run {i}/{repeat} {name:<16} {seconds:7.2f} s  {mbps(total, seconds):7.1f} MB/s",
                flush=True,
            )

    print()
    rows = []
    for name, values in times.items():
        med = median(values)
        rows.append(
            [
                name,
                len(files),
                round(total / MB, 1),
                round(med, 2),
                round(mbps(total, med), 1),
                " ".join(f"{v:.2f}" for v in values),
            ]
        )
    print_table(["receiver", "files", "MB", "median s", "MB/s", "runs (s)"], rows)
    station_mbps = mbps(total, median(times["rtstation serve"]))
    scp_mbps = mbps(total, median(times["storescp +B"]))
    return station_mbps, scp_mbps


def bench_big_object(root: Path, big_mb: int, rss_limit_mb: float) -> tuple[float, bool]:
    print(f"\nGenerating one RT Dose of about {big_mb} MiB ...", flush=True)
    source = write_multiframe(root / "big" / "RD.big.dcm", target_bytes=big_mb * MIB)
    size = source.stat().st_size
    with open(source, "rb") as f:
        source_dataset = size - dataset_offset(f)
    source_hash = content_hash(source)
    print(f"  {size / MIB:.1f} MiB ({size / MB:.1f} MB)", flush=True)

    station = _start_station(root / "station-big")
    try:
        assert station.proc is not None
        pid = station.proc.pid
        sampler = RssSampler(pid, interval=0.05)
        idle_kb = sampler.status_kb("VmRSS") or 0
        with sampler:
            seconds = storescu_send([source], station.port, STATION_AE)
            time.sleep(0.2)  # a few samples after the acknowledgement
        hwm_kb = sampler.status_kb("VmHWM") or 0
        rows = catalog_rows(station.catalog)
    finally:
        station.stop()

    if len(rows) != 1:
        raise BenchError(f"the catalog holds {len(rows)} instances after the big send, not 1")
    row = rows[0]
    stored = station.storage / row["path"]
    if not stored.is_file():
        raise BenchError(f"the catalog row points at {stored}, which does not exist")
    stored_size = stored.stat().st_size
    with open(stored, "rb") as f:
        stored_dataset = stored_size - dataset_offset(f)
    stored_hash = content_hash(stored)
    same = stored_dataset == source_dataset and stored_hash == source_hash
    if row["content_hash"] != stored_hash:
        raise BenchError("the catalog's content hash differs from the stored file's")
    if not same:
        raise BenchError(
            f"the stored dataset differs from the source: {stored_dataset} vs "
            f"{source_dataset} bytes, sha256 {stored_hash[:12]} vs {source_hash[:12]}"
        )

    peak = max(sampler.peak_mib, hwm_kb / 1024)
    under = peak < rss_limit_mb
    print()
    print_table(
        ["big object", "value"],
        [
            ["file sent", f"{size / MIB:.1f} MiB"],
            ["stored (catalog row, file)", f"{stored_size / MIB:.1f} MiB, dataset sha256 equal"],
            ["send time / throughput", f"{seconds:.2f} s, {mbps(size, seconds):.1f} MB/s"],
            ["RSS idle before the send", f"{idle_kb / 1024:.1f} MiB"],
            [
                "peak VmRSS (50 ms samples)",
                f"{sampler.peak_mib:.1f} MiB ({len(sampler.samples)} samples)",
            ],
            ["VmHWM at the end", f"{hwm_kb / 1024:.1f} MiB"],
            [f"under {rss_limit_mb:.0f} MiB", "yes" if under else "NO"],
        ],
    )
    return peak, under


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=500, help="CT slices (default 500)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per receiver (median)")
    parser.add_argument(
        "--big-mb", type=int, default=1024, help="size of the big RT Dose in MiB (0: skip)"
    )
    parser.add_argument("--rss-limit-mb", type=float, default=300.0, help="RSS budget in MiB")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if args.files < 1 or args.repeat < 1:
        parser.error("--files and --repeat must be at least 1")

    exit_cleanly_on_sigterm()
    need_binary("storescp")
    need_binary("storescu")
    print(f"bench_receive: {machine_line()}")
    print("sender: DCMTK storescu, TCP_NODELAY=1, one association; MB = 10**6 bytes")
    print(
        "max PDU: rtstation offers 262144 (storescu sends at most 131072), "
        "storescp 16384 (each receiver's default)\n"
    )
    with temp_root("rtstation-bench-receive-", keep=args.keep) as root:
        station_mbps, scp_mbps = bench_throughput(root, args.files, args.repeat)
        ratio = station_mbps / scp_mbps if scp_mbps else 0.0
        summary = (
            f"SUMMARY receive: rtstation {station_mbps:.1f} MB/s, storescp {scp_mbps:.1f} MB/s, "
            f"ratio {ratio:.2f} ({args.files} CT files, median of {args.repeat})"
        )
        if args.big_mb > 0:
            shutil.rmtree(root / "source", ignore_errors=True)
            peak, under = bench_big_object(root, args.big_mb, args.rss_limit_mb)
            summary += (
                f"; {args.big_mb} MiB RT Dose peak RSS {peak:.0f} MiB "
                f"({'under' if under else 'OVER'} {args.rss_limit_mb:.0f})"
            )
        print(f"\nat the end: {load_line()}")
        print(summary)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench_receive: {exc}", file=sys.stderr)
        sys.exit(1)
