"""Benchmark: receive throughput of ``rtstation serve`` against DCMTK ``storescp``, and the
station's memory while it receives one very large object.

Not a test: run it by hand and copy the figures into the README.

    python bench/bench_receive.py                      # 500 CT slices x 3, then a 1 GB dose
    python bench/bench_receive.py --files 200 --repeat 5 --big-mb 0

What is compared, in one run, on one disk (everything lives in one temporary folder):

* the same N generated CT slices (512x512, about 0.5 MB each, ``write_ct_series``);
* the same sender: DCMTK ``storescu --max-send-pdu 131072`` with ``TCP_NODELAY=1``, one
  association, the files given as a sorted list;
* the receivers, each fresh for every run, each offering 128 KB PDUs or more:
  ``rtstation serve`` as a subprocess (``python -m rtstation --config DIR serve --bind
  127.0.0.1``; a C-STORE is answered once the file, its folder entry and its catalog row
  are on disk); Orthanc (fsyncs its files, ``MaximumPduLength`` 131072, ``TCP_NODELAY=1``);
  DCMTK ``storescp +B --max-pdu 131072`` (writes the file, no fsync, ``TCP_NODELAY=1``);
  pynetdicom's do-nothing SCP (``bench/_pynetdicom_peers.py``) with its default polling
  delays and with rtstation's tuning: pynetdicom's own ceiling on this machine.

Each run times the whole storescu process (the receiver is already listening). The order of
the receivers rotates from repeat to repeat; the median of ``--repeat`` runs is printed, in
MB/s (10**6 bytes) of file bytes sent, with rtstation's ratio to every other receiver.

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
    PDU,
    BenchError,
    NullPeer,
    RssSampler,
    catalog_rows,
    count_files,
    exit_cleanly_on_sigterm,
    load_line,
    machine_line,
    mbps,
    median,
    need_binary,
    orthanc_count,
    print_table,
    start_orthanc,
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


def run_orthanc(files: list[Path], work_dir: Path) -> float:
    """One timed storescu run into a fresh Orthanc; checks all N are indexed."""
    orthanc = start_orthanc(work_dir)
    try:
        seconds = storescu_send(files, orthanc.port, orthanc.ae_title)
        stored = orthanc_count(orthanc)
        if stored != len(files):
            raise BenchError(f"Orthanc acknowledged {len(files)} files but holds {stored}")
    finally:
        orthanc.stop()
    shutil.rmtree(work_dir, ignore_errors=True)
    return seconds


def run_null_scp(files: list[Path], tuned: bool) -> float:
    """One timed storescu run into pynetdicom's do-nothing SCP (its ceiling here)."""
    peer = NullPeer(tuned).start()
    try:
        return storescu_send(files, peer.port, peer.ae_title)
    finally:
        peer.stop()


RECEIVERS = {
    "rtstation serve": "durable: file, folder and catalog on disk before the answer",
    "Orthanc": "fsyncs its files (SyncStorageArea), index in SQLite",
    "storescp +B": "writes the file, no fsync",
    "pynetdicom null SCP": "do-nothing SCP, pynetdicom's default delays",
    "pynetdicom null SCP tuned": "do-nothing SCP, rtstation's tuned delays",
}


def bench_throughput(
    root: Path, n_files: int, repeat: int, receivers: list[str]
) -> dict[str, float]:
    print(f"Generating {n_files} CT slices 512x512 ...", flush=True)
    files = sorted(write_ct_series(root / "source", n_files, patient_id="BENCHRX"))
    total = tree_bytes(files)
    print(f"  {len(files)} files, {total / MB:.1f} MB\n", flush=True)

    times: dict[str, list[float]] = {name: [] for name in receivers}
    for i in range(1, repeat + 1):
        # Rotate the order, so no receiver always runs first (or after the same neighbour).
        order = receivers[(i - 1) % len(receivers) :] + receivers[: (i - 1) % len(receivers)]
        for name in order:
            if name == "rtstation serve":
                seconds = run_station(files, root / f"station-{i}")
            elif name == "Orthanc":
                seconds = run_orthanc(files, root / f"orthanc-{i}")
            elif name == "storescp +B":
                seconds = run_storescp(files, root / f"storescp-out-{i}", root / f"storescp-{i}")
            else:
                seconds = run_null_scp(files, tuned=name.endswith("tuned"))
            times[name].append(seconds)
            print(
                f"  run {i}/{repeat} {name:<26} {seconds:7.2f} s {mbps(total, seconds):7.1f} MB/s",
                flush=True,
            )

    print()
    rows = []
    figures = {name: mbps(total, median(values)) for name, values in times.items()}
    for name, values in times.items():
        rows.append(
            [
                name,
                round(figures[name], 1),
                " ".join(f"{mbps(total, v):.0f}" for v in values),
                RECEIVERS[name],
            ]
        )
    print_table(["receiver (storescu sends)", "median MB/s", "runs MB/s", "what it does"], rows)
    return figures


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
    parser.add_argument("--files", type=int, default=300, help="CT slices (default 300)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per receiver (median)")
    parser.add_argument(
        "--big-mb", type=int, default=1024, help="size of the big RT Dose in MiB (0: skip)"
    )
    parser.add_argument("--rss-limit-mb", type=float, default=300.0, help="RSS budget in MiB")
    parser.add_argument(
        "--receivers",
        default=",".join(RECEIVERS),
        help="comma-separated subset of: " + ", ".join(RECEIVERS),
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if args.files < 1 or args.repeat < 1:
        parser.error("--files and --repeat must be at least 1")
    receivers = [r.strip() for r in args.receivers.split(",") if r.strip()]
    unknown = [r for r in receivers if r not in RECEIVERS]
    if unknown or "rtstation serve" not in receivers:
        parser.error(f"--receivers: unknown {unknown} or 'rtstation serve' missing")

    exit_cleanly_on_sigterm()
    need_binary("storescp")
    need_binary("storescu")
    print(f"bench_receive: {machine_line()}")
    print(
        f"sender: DCMTK storescu --max-send-pdu {PDU}, TCP_NODELAY=1, one association; "
        f"receivers offer {PDU} (storescp --max-pdu, Orthanc MaximumPduLength, pynetdicom) "
        "or more (rtstation 262144, so storescu sends 131072); MB = 10**6 bytes\n"
    )
    with temp_root("rtstation-bench-receive-", keep=args.keep) as root:
        figures = bench_throughput(root, args.files, args.repeat, receivers)
        station = figures["rtstation serve"]
        ratios = [
            f"{station / figures[name]:.2f}x {name}"
            for name in receivers
            if name != "rtstation serve" and figures[name]
        ]
        print(f"\nrtstation serve {station:.1f} MB/s = " + ", ".join(ratios))
        summary = (
            f"SUMMARY receive: rtstation {station:.1f} MB/s; "
            + ", ".join(f"{name} {figures[name]:.1f}" for name in receivers[1:])
            + f"; ratios {'; '.join(ratios)} ({args.files} CT files, median of {args.repeat})"
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
