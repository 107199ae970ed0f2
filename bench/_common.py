"""Helpers shared by bench_receive.py and bench_forward.py (not a benchmark itself).

Throughput is in MB/s with MB = 10**6 bytes (as the station's own "Sent ... (X MB/s)" log
line); memory is in MiB (2**20 bytes, as /proc reports kB).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # run from a checkout: tests.* and rtstation

import pytest  # noqa: E402  (the harness reports a missing binary through pytest.fail)

from tests.peers import peers  # noqa: E402

HOST = peers.HOST
MB = 1_000_000
MIB = 1 << 20
#: The PDU size of every benchmark transfer (storescp's maximum; 128 KB both ways).
PDU = 131072
STORESCU_PDU_ARGS = ("--max-send-pdu", str(PDU))


def exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so every ``finally`` stops its processes and folders."""

    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


class BenchError(RuntimeError):
    """A benchmark could not run or its result is not trustworthy (something was not stored)."""


def need_binary(name: str) -> str:
    """The native DCMTK binary ``name`` (not pynetdicom's script of the same name)."""
    try:
        return peers.find_binary(name)
    except pytest.fail.Exception as exc:  # the harness fails a test; a script exits
        raise BenchError(str(exc)) from None


@contextlib.contextmanager
def temp_root(prefix: str, keep: bool = False) -> Iterator[Path]:
    """A temporary folder (the system temp dir, so every party uses the same disk)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield root
    finally:
        if keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def tree_bytes(paths: Sequence[Path]) -> int:
    return sum(p.stat().st_size for p in paths)


def count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def mbps(nbytes: int, seconds: float) -> float:
    return nbytes / MB / seconds if seconds > 0 else 0.0


def storescu_send(
    files: Sequence[Path], port: int, called_ae: str, timeout: float = 1800.0
) -> float:
    """Send ``files`` over one association with DCMTK storescu (TCP_NODELAY=1 in its
    environment); return the wall time of the storescu run. Fails unless every file was
    acknowledged."""
    need_binary("storescu")
    start = time.perf_counter()
    result = peers.storescu(
        [str(f) for f in files],
        port,
        called_ae=called_ae,
        timeout=timeout,
        check=True,
        extra=STORESCU_PDU_ARGS,
    )
    elapsed = time.perf_counter() - start
    acknowledged = peers.storescu_acknowledged(result)
    if len(acknowledged) != len(files):
        responses = peers.storescu_responses(result)
        bad = [pair for pair in responses if pair[1] != "Success"][:5]
        raise BenchError(
            f"storescu: {len(acknowledged)} of {len(files)} files acknowledged; e.g. {bad}\n"
            f"{result.stderr[-3000:]}"
        )
    return elapsed


def storescu_send_concurrently(
    groups: Sequence[Sequence[Path]], port: int, called_ae: str, log_root: Path
) -> float:
    """One storescu (one association) per group, all started at once; the wall time until
    the last one ends. Fails unless every file of every group was acknowledged."""
    need_binary("storescu")
    start = time.perf_counter()
    senders = [
        peers.start_storescu(
            [str(f) for f in group],
            port,
            calling_ae=f"BENCH{i}",
            called_ae=called_ae,
            extra=STORESCU_PDU_ARGS,
            log_dir=log_root / f"storescu-{i}",
        )
        for i, group in enumerate(groups, 1)
    ]
    for sender in senders:
        sender.wait(1800)
    elapsed = time.perf_counter() - start
    for sender, group in zip(senders, groups, strict=True):
        acknowledged = sender.acknowledged()
        if sender.returncode != 0 or len(acknowledged) != len(group):
            raise BenchError(
                f"storescu: {len(acknowledged)} of {len(group)} files acknowledged "
                f"(exit {sender.returncode})\n{sender.log()[-3000:]}"
            )
    return elapsed


def start_orthanc(work_dir: Path) -> peers.Orthanc:
    """Orthanc (TCP_NODELAY=1 by the harness) offering 128 KB PDUs; it fsyncs its storage
    (``SyncStorageArea``, on by default)."""
    need_binary("Orthanc")
    return peers.Orthanc(
        work_dir=work_dir, extra_config={"MaximumPduLength": PDU, "SyncStorageArea": True}
    ).start()


def orthanc_count(orthanc: peers.Orthanc) -> int:
    return int(orthanc.get("/statistics")["CountInstances"])


class NullPeer:
    """bench/_pynetdicom_peers.py scp: pynetdicom's do-nothing SCP in a subprocess."""

    def __init__(self, tuned: bool) -> None:
        self.tuned = tuned
        self.port = peers.free_port()
        self.ae_title = "NULLSCP"
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> NullPeer:
        argv = [sys.executable, str(REPO / "bench" / "_pynetdicom_peers.py"), "scp"]
        argv += [str(self.port)] + (["--tuned"] if self.tuned else [])
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=REPO)
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise BenchError("the do-nothing pynetdicom SCP did not start")
        deadline = time.monotonic() + 10
        while not peers.is_listening(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def null_scu_send(files: Sequence[Path], port: int, called_ae: str, tuned: bool) -> float:
    """bench/_pynetdicom_peers.py scu: pynetdicom's do-nothing SCU, one association,
    128 KB PDUs, files streamed from disk; returns its wall time (interpreter start
    included, as for storescu)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(str(p) for p in files))
        list_file = f.name
    argv = [sys.executable, str(REPO / "bench" / "_pynetdicom_peers.py"), "scu", str(port)]
    argv += [called_ae, list_file] + (["--tuned"] if tuned else [])
    try:
        start = time.perf_counter()
        result = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=1800)
        elapsed = time.perf_counter() - start
    finally:
        os.unlink(list_file)
    if result.returncode != 0 or f"sent {len(files)}" not in result.stdout:
        raise BenchError(f"do-nothing pynetdicom SCU failed: {result.stderr[-2000:]}")
    return elapsed


def start_storescp(
    out_dir: Path, work_dir: Path, port: int | None = None, max_pdu: int = PDU
) -> peers.StoreSCP:
    """DCMTK storescp +B (bit-preserving), TCP_NODELAY=1, no per-file exec hook;
    ``max_pdu`` sets its maximum receive PDU (``--max-pdu``, 4096..131072; 0: its default,
    16 KB)."""
    need_binary("storescp")
    scp = peers.StoreSCP(
        out_dir,
        port=port,
        record_order=False,
        bit_preserving=True,
        work_dir=work_dir,
        extra_args=["--max-pdu", str(max_pdu)] if max_pdu else [],
    )
    return scp.start()


def catalog_rows(catalog: Path) -> list[sqlite3.Row]:
    """Every row of a station catalog's ``instances`` table (read-only)."""
    con = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=30)
    try:
        con.row_factory = sqlite3.Row
        return list(con.execute("SELECT * FROM instances"))
    finally:
        con.close()


def python_cli(config_dir: Path, *args: str) -> list[str]:
    """``python -m rtstation --config DIR ...`` with this interpreter."""
    return [sys.executable, "-m", "rtstation", "--config", str(config_dir), *args]


def run_checked(argv: list[str], timeout: float = 3600.0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        cwd=REPO,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(
            f"exit {result.returncode}: {' '.join(argv[2:])}\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


class RssSampler:
    """Samples VmRSS of a process every ``interval`` seconds on a thread."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.samples: list[int] = []  # kB
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def status_kb(self, field: str) -> int | None:
        try:
            with open(f"/proc/{self.pid}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except (OSError, ValueError):
            return None
        return None

    def _run(self) -> None:
        while not self._stop.is_set():
            value = self.status_kb("VmRSS")
            if value is not None:
                self.samples.append(value)
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    @property
    def peak_mib(self) -> float:
        return max(self.samples, default=0) / 1024


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A small left/right-aligned text table (text columns left, numbers right)."""
    cells = [[str(h) for h in header]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    numeric = [
        all(isinstance(row[i], (int, float)) for row in rows) if rows else False
        for i in range(len(header))
    ]

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(row, widths, numeric, strict=True)
        ).rstrip()

    print(fmt(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(fmt(row))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def machine_line() -> str:
    """CPU count and DCMTK version, printed at the top of every run."""
    version = "?"
    with contextlib.suppress(Exception):
        out = subprocess.run(
            [need_binary("storescp"), "--version"], capture_output=True, text=True, timeout=10
        ).stdout
        for line in out.splitlines():
            if "dcmtk" in line.lower() or "OFFIS" in line:
                version = line.strip()
                break
    return f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {version}; {load_line()}"


def load_line() -> str:
    """The load average: other work on a shared machine skews every figure."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"
