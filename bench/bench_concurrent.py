"""Benchmark: four storescu senders at once against one association, per receiver.

Not a test: run it by hand and copy the figures into the README.

    python bench/bench_concurrent.py                 # 400 CT slices, 3 runs each
    python bench/bench_concurrent.py --files 200 --senders 4 --repeat 5

The same N generated CT slices (512x512, about 0.5 MB each) go to each receiver twice per
repeat: once over one association (one ``storescu --max-send-pdu 131072``), once split into
``--senders`` equal parts sent by that many storescu processes started together (each its
own association, ``TCP_NODELAY=1``). Receivers, fresh for every run: ``rtstation serve``
(durable), Orthanc (fsyncs its files, 128 KB PDUs) and pynetdicom's do-nothing SCP with
rtstation's tuning (``bench/_pynetdicom_peers.py``). Printed: the medians in MB/s and, per
receiver, total-with-N-senders / one-association (the issue asks at least 1.5 for
rtstation).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from bench._common import (
    MB,
    PDU,
    BenchError,
    NullPeer,
    catalog_rows,
    exit_cleanly_on_sigterm,
    load_line,
    machine_line,
    mbps,
    median,
    need_binary,
    orthanc_count,
    print_table,
    start_orthanc,
    storescu_send,
    storescu_send_concurrently,
    temp_root,
    tree_bytes,
)
from tests.data.generator import write_ct_series
from tests.peers.peers import free_port
from tests.peers.station_proc import StationProcess, write_settings

RECEIVERS = ("rtstation serve", "Orthanc", "pynetdicom null SCP tuned")


def _split(files: list[Path], parts: int) -> list[list[Path]]:
    return [files[i::parts] for i in range(parts)]


def run_once(name: str, files: list[Path], senders: int, work: Path) -> float:
    """One timed transfer into a fresh receiver ``name``; checks all N arrived."""
    groups = _split(files, senders)
    if name == "rtstation serve":
        port = free_port()
        write_settings(work, port=port, ae_title="RTSTATION")
        station = StationProcess(work, port=port).start()
        try:
            if senders == 1:
                seconds = storescu_send(files, port, "RTSTATION")
            else:
                seconds = storescu_send_concurrently(groups, port, "RTSTATION", work)
            stored = len(catalog_rows(station.catalog))
        finally:
            station.stop()
    elif name == "Orthanc":
        orthanc = start_orthanc(work)
        try:
            if senders == 1:
                seconds = storescu_send(files, orthanc.port, orthanc.ae_title)
            else:
                seconds = storescu_send_concurrently(groups, orthanc.port, orthanc.ae_title, work)
            stored = orthanc_count(orthanc)
        finally:
            orthanc.stop()
    else:
        peer = NullPeer(tuned=True).start()
        try:
            if senders == 1:
                seconds = storescu_send(files, peer.port, peer.ae_title)
            else:
                work.mkdir(parents=True, exist_ok=True)
                seconds = storescu_send_concurrently(groups, peer.port, peer.ae_title, work)
            stored = len(files)  # every file acknowledged is all it keeps
        finally:
            peer.stop()
    if stored != len(files):
        raise BenchError(f"{name}: {stored} of {len(files)} files stored")
    shutil.rmtree(work, ignore_errors=True)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=400, help="CT slices (default 400)")
    parser.add_argument("--senders", type=int, default=4, help="concurrent storescu (4)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (median)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if args.files < args.senders or args.repeat < 1 or args.senders < 2:
        parser.error("need --senders >= 2, --files >= --senders and --repeat >= 1")

    exit_cleanly_on_sigterm()
    need_binary("storescu")
    print(f"bench_concurrent: {machine_line()}")
    print(f"senders: DCMTK storescu --max-send-pdu {PDU}, TCP_NODELAY=1; MB = 10**6 bytes\n")
    with temp_root("rtstation-bench-concurrent-", keep=args.keep) as root:
        print(f"Generating {args.files} CT slices 512x512 ...", flush=True)
        files = sorted(write_ct_series(root / "source", args.files, patient_id="BENCHCC"))
        total = tree_bytes(files)
        print(f"  {len(files)} files, {total / MB:.1f} MB\n", flush=True)
        times: dict[tuple[str, int], list[float]] = {}
        for i in range(1, args.repeat + 1):
            for name in RECEIVERS:
                cases = [1, args.senders] if i % 2 else [args.senders, 1]
                for senders in cases:
                    work = root / f"{name.split()[0]}-{i}-{senders}"
                    seconds = run_once(name, files, senders, work)
                    times.setdefault((name, senders), []).append(seconds)
                    print(
                        f"  run {i}/{args.repeat} {name:<26} {senders} association(s) "
                        f"{seconds:7.2f} s {mbps(total, seconds):7.1f} MB/s",
                        flush=True,
                    )
        print()
        rows = []
        ratios = {}
        for name in RECEIVERS:
            one = mbps(total, median(times[(name, 1)]))
            many = mbps(total, median(times[(name, args.senders)]))
            ratios[name] = many / one if one else 0.0
            rows.append([name, round(one, 1), round(many, 1), round(ratios[name], 2)])
        print_table(
            ["receiver", "1 association MB/s", f"{args.senders} at once MB/s", "ratio"], rows
        )
        print(f"\nat the end: {load_line()}")
        print(
            f"SUMMARY concurrent: {args.senders} senders / one association: "
            + ", ".join(f"{name} {ratio:.2f}x" for name, ratio in ratios.items())
            + f" ({args.files} CT files, median of {args.repeat})"
        )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench_concurrent: {exc}", file=sys.stderr)
        sys.exit(1)
