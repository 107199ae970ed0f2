"""Benchmark: forwarding throughput from the station to DCMTK ``storescp``, against DCMTK
``storescu`` sending the same files to the same ``storescp``.

Not a test: run it by hand and copy the figures into the README.

    python bench/bench_forward.py                  # 500 CT slices, 3 runs each
    python bench/bench_forward.py --files 200 --repeat 5

Setup, once: N generated CT slices (512x512, about 0.5 MB each, ``write_ct_series``) are
imported into a fresh station configuration (``rtstation --config DIR import FOLDER``, timed
for information), whose settings.ini has a ``[Node1]`` for a DCMTK ``storescp +B`` with
``TCP_NODELAY=1`` on a fixed loopback port. Everything lives in one temporary folder, on one
disk.

Each repeat then times, in alternating order, with storescp restarted on an empty output
folder before each run:

* ``rtstation --config DIR send --node BENCHSCP --patient ID --force``: the whole CLI run
  (interpreter start, queueing, the send over one association, waiting for the job to be
  done). The files are already stored, so only the network part is measured; ``--force``
  sends again what the node got in the previous repeat. The station's own figure, the line
  "Sent N of N items to ... in X s (Y MB/s)" that the send writes to DIR/logs/rtstation.log,
  is reported too: it excludes the CLI's start-up and the queueing;
* DCMTK ``storescu`` (``TCP_NODELAY=1``, one association) of the generated files.

Every run must leave N files in storescp's folder. Medians of ``--repeat`` runs are printed
in MB/s (10**6 bytes of file data), with the ratios rtstation/storescu.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from bench._common import (
    MB,
    PDU,
    BenchError,
    catalog_rows,
    count_files,
    exit_cleanly_on_sigterm,
    load_line,
    machine_line,
    mbps,
    median,
    need_binary,
    null_scu_send,
    print_table,
    python_cli,
    run_checked,
    start_storescp,
    storescu_send,
    temp_root,
    tree_bytes,
)
from tests.data.generator import write_ct_series
from tests.peers import peers
from tests.peers.station_proc import StationProcess, write_settings

NODE = "BENCHSCP"
SENDERS = {
    "rtstation send": "the whole CLI run: start, queue, send, wait",
    "serve job": "send --no-wait to a running serve, until storescp has all",
    "storescu": "DCMTK storescu, the whole run",
    "pynetdicom null SCU": "do-nothing pynetdicom SCU, default delays",
    "pynetdicom null SCU tuned": "do-nothing pynetdicom SCU, rtstation's tuning",
}
PATIENT = "BENCHFWD"
SENT_LINE = re.compile(
    r"Sent (\d+) of (\d+) items to (.+?) in ([\d.]+) s \(([\d.]+) MB/s\)(, cancelled)?"
)


def _fresh_storescp(scp: peers.StoreSCP) -> None:
    """(Re)start storescp on its fixed port with an empty output folder."""
    scp.stop()
    shutil.rmtree(scp.out_dir, ignore_errors=True)
    scp.out_dir.mkdir(parents=True)
    scp.restart()


def _log_path(config_dir: Path) -> Path:
    candidates = sorted(config_dir.rglob("rtstation.log"))
    if not candidates:
        raise BenchError(f"no rtstation.log under the station's configuration {config_dir}")
    return candidates[0]


def _sent_lines(log: Path, start: int) -> list[re.Match[str]]:
    with open(log, encoding="utf-8", errors="replace") as f:
        f.seek(start)
        return [m for line in f if (m := SENT_LINE.search(line))]


def run_station_send(
    config_dir: Path, scp: peers.StoreSCP, n_files: int, stored_bytes: int
) -> tuple[float, float]:
    """Time one ``rtstation send``; return (CLI wall seconds, the job's own seconds)."""
    _fresh_storescp(scp)
    log = _log_path(config_dir)
    log_start = log.stat().st_size
    argv = python_cli(config_dir, "send", "--node", NODE, "--patient", PATIENT, "--force")
    start = time.perf_counter()
    result = run_checked(argv)
    seconds = time.perf_counter() - start
    written = count_files(scp.out_dir)
    if written != n_files:
        raise BenchError(
            f"rtstation send: storescp holds {written} of {n_files} files\n{result.stdout[-2000:]}"
        )
    lines = _sent_lines(log, log_start)
    sent = sum(int(m.group(1)) for m in lines)
    if not lines or sent != n_files:
        raise BenchError(
            f"rtstation send: the log has {len(lines)} 'Sent ...' line(s) for {sent} items, "
            f"expected {n_files} items\n{result.stdout[-2000:]}"
        )
    if len(lines) == 1:
        # The logged MB/s has more precision than the logged seconds (one decimal).
        job_seconds = float(lines[0].group(4))
        logged_mbps = float(lines[0].group(5))
        if logged_mbps > 0:
            job_seconds = stored_bytes / MB / logged_mbps
    else:
        job_seconds = sum(float(m.group(4)) for m in lines)
    return seconds, job_seconds


def run_serve_job(
    config_dir: Path, station: StationProcess, scp: peers.StoreSCP, n_files: int, stored_bytes: int
) -> tuple[float, float]:
    """The same job taken by a running ``serve``: ``send --no-wait`` queues it, the serve's
    worker sends it. Returns (seconds from the CLI's start until storescp holds all N,
    the job's own seconds from the serve's log line)."""
    _fresh_storescp(scp)
    log = _log_path(config_dir)
    log_start = log.stat().st_size
    argv = python_cli(
        config_dir, "send", "--node", NODE, "--patient", PATIENT, "--force", "--no-wait"
    )
    start = time.perf_counter()
    run_checked(argv)
    deadline = time.monotonic() + 600
    while True:
        lines = _sent_lines(log, log_start)
        if sum(int(m.group(1)) for m in lines) >= n_files:
            break
        if time.monotonic() > deadline or not station.proc or station.proc.poll() is not None:
            raise BenchError(f"the running serve did not send the job\n{station.log()[-3000:]}")
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    written = count_files(scp.out_dir)
    if written != n_files:
        raise BenchError(f"serve job: storescp holds {written} of {n_files} files")
    logged = float(lines[-1].group(5))
    return seconds, (stored_bytes / MB / logged if logged > 0 else seconds)


def run_null_scu(files: list[Path], scp: peers.StoreSCP, tuned: bool) -> float:
    _fresh_storescp(scp)
    seconds = null_scu_send(files, scp.port, scp.ae_title, tuned)
    written = count_files(scp.out_dir)
    if written != len(files):
        raise BenchError(f"pynetdicom SCU: storescp holds {written} of {len(files)} files")
    return seconds


def run_storescu(files: list[Path], scp: peers.StoreSCP) -> float:
    _fresh_storescp(scp)
    seconds = storescu_send(files, scp.port, scp.ae_title)
    written = count_files(scp.out_dir)
    if written != len(files):
        raise BenchError(f"storescu: storescp holds {written} of {len(files)} files")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=500, help="CT slices (default 500)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per sender (median)")
    parser.add_argument(
        "--scp-max-pdu",
        type=int,
        default=PDU,
        metavar="BYTES",
        help=f"storescp's maximum receive PDU, 4096..131072 (default {PDU}; 0: its own 16384)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if args.files < 1 or args.repeat < 1:
        parser.error("--files and --repeat must be at least 1")

    exit_cleanly_on_sigterm()
    need_binary("storescp")
    need_binary("storescu")
    print(f"bench_forward: {machine_line()}")
    pdu = f"--max-pdu {args.scp_max_pdu}" if args.scp_max_pdu else "default max PDU 16384"
    print(
        f"receiver: DCMTK storescp +B {pdu}, TCP_NODELAY=1; senders: rtstation (asks 131072), "
        f"storescu --max-send-pdu {PDU}, pynetdicom's do-nothing SCU (131072); "
        "MB = 10**6 bytes\n"
    )
    scp: peers.StoreSCP | None = None
    with temp_root("rtstation-bench-forward-", keep=args.keep) as root:
        try:
            print(f"Generating {args.files} CT slices 512x512 ...", flush=True)
            files = sorted(write_ct_series(root / "source", args.files, patient_id=PATIENT))
            total = tree_bytes(files)
            print(f"  {len(files)} files, {total / MB:.1f} MB", flush=True)

            scp = start_storescp(
                root / "storescp-out",
                root / "storescp",
                port=peers.free_port(),
                max_pdu=args.scp_max_pdu,
            )
            config_dir = root / "station"
            station_port = peers.free_port()
            write_settings(
                config_dir,
                port=station_port,
                extra=textwrap.dedent(
                    f"""
                    [Node1]
                    name = {NODE}
                    ae_title = {scp.ae_title}
                    ip = {peers.HOST}
                    port = {scp.port}
                    enabled = True
                    """
                ),
            )
            start = time.perf_counter()
            run_checked(python_cli(config_dir, "import", str(root / "source")))
            import_seconds = time.perf_counter() - start
            stored = [r for r in catalog_rows(config_dir / "data" / "catalog.sqlite")]
            if len(stored) != len(files):
                raise BenchError(f"import stored {len(stored)} of {len(files)} files")
            stored_bytes = sum(int(r["size"]) for r in stored)
            print(
                f"  imported into the station in {import_seconds:.2f} s "
                f"({mbps(total, import_seconds):.1f} MB/s, CLI wall time)\n",
                flush=True,
            )

            times: dict[str, list[float]] = {name: [] for name in SENDERS}
            job: dict[str, list[float]] = {"rtstation send": [], "serve job": []}
            for i in range(1, args.repeat + 1):
                order = (
                    list(SENDERS)[(i - 1) % len(SENDERS) :]
                    + list(SENDERS)[: (i - 1) % len(SENDERS)]
                )
                for name in order:
                    if name == "rtstation send":
                        seconds, job_seconds = run_station_send(
                            config_dir, scp, len(files), stored_bytes
                        )
                        job[name].append(job_seconds)
                        size = stored_bytes
                    elif name == "serve job":
                        station = StationProcess(config_dir, port=station_port).start()
                        try:
                            seconds, job_seconds = run_serve_job(
                                config_dir, station, scp, len(files), stored_bytes
                            )
                        finally:
                            station.stop()
                        job[name].append(job_seconds)
                        size = stored_bytes
                    elif name == "storescu":
                        seconds = run_storescu(files, scp)
                        size = total
                    else:
                        seconds = run_null_scu(files, scp, tuned=name.endswith("tuned"))
                        size = total
                    times[name].append(seconds)
                    extra = ""
                    if name in job:
                        extra = (
                            f"   (job's own: {job[name][-1]:.2f} s, "
                            f"{mbps(stored_bytes, job[name][-1]):.1f} MB/s)"
                        )
                    print(
                        f"  run {i}/{args.repeat} {name:<26} {seconds:7.2f} s "
                        f"{mbps(size, seconds):7.1f} MB/s{extra}",
                        flush=True,
                    )
        finally:
            if scp is not None:
                scp.stop()

        figures = {
            name: mbps(stored_bytes if name in job else total, median(values))
            for name, values in times.items()
        }
        job_figures = {name: mbps(stored_bytes, median(values)) for name, values in job.items()}
        scu = figures["storescu"]
        rows = []
        for name, value in figures.items():
            rows.append([name, round(value, 1), round(value / scu, 2), SENDERS[name]])
            if name in job:
                rows.append(
                    [
                        f"  {name}, job's own figure",
                        round(job_figures[name], 1),
                        round(job_figures[name] / scu, 2),
                        "its log line: the association only",
                    ]
                )
        print()
        print_table(["sender -> storescp", "median MB/s", "x storescu", "what is timed"], rows)
        print(f"\nat the end: {load_line()}")
        print(
            "SUMMARY forward: "
            + ", ".join(
                f"{name} {value:.1f} MB/s ({value / scu:.2f}x)" for name, value in figures.items()
            )
            + "; job's own: "
            + ", ".join(
                f"{name} {value:.1f} ({value / scu:.2f}x)" for name, value in job_figures.items()
            )
            + f" ({len(files)} CT files, median of {args.repeat}, x = ratio to storescu)"
        )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench_forward: {exc}", file=sys.stderr)
        sys.exit(1)
