"""Does the window stay responsive while a CT series streams in?

Opens the real main window offscreen over a real Station (receiver on 127.0.0.1), starts
the receiver, and has DCMTK storescu send a generated CT series (2,000 slices by default)
plus a small RT plan study. A QTimer on the GUI thread fires every 10 ms and records how
late each tick is; the lateness is what a user feels as a frozen window. Printed: the
worst tick and the 99th percentile (target: both under 100 ms), for the transfer itself
and for the tree refresh after it.

Run:  QT_QPA_PLATFORM=offscreen python bench/bench_gui_responsiveness.py [--instances N]
      [--rows 512] [--patients N] [--keep DIR]

``--patients N`` first imports N small RT patients, so the tree is big when the series
arrives. A script, not a timed test (numbers depend on the machine).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QElapsedTimer, QSettings, QTimer  # noqa: E402

from rtstation.config import (  # noqa: E402
    default_paths,
    ensure_default_files,
    load_rules,
    load_settings,
)
from rtstation.gui import workers  # noqa: E402
from rtstation.gui.app import create_application, keep_gc_pauses_short  # noqa: E402
from rtstation.gui.main_window import MainWindow  # noqa: E402
from rtstation.net import pynetdicom_tuning  # noqa: E402
from rtstation.station import Station  # noqa: E402
from tests.data.generator import (  # noqa: E402
    StudySpec,
    write_ct_series,
    write_many_patients,
    write_study,
)
from tests.peers.peers import free_port, start_storescu  # noqa: E402

TICK_MS = 10
#: Ticks later than this are listed with when they happened, to tell a stall at the start
#: of a transfer (the tree's first fill) from one in the middle of it.
STALL_MS = 50


class LatenessProbe:
    """A 10 ms timer on the GUI thread; records how late each tick is, by phase."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.clock.start()
        self.last = self.clock.nsecsElapsed()
        self.phase = "idle"
        self.phase_started = self.last
        self.samples: dict[str, list[float]] = {}
        #: (phase, seconds into it, lateness in ms) of every tick later than STALL_MS
        self.stalls: list[tuple[str, float, float]] = []
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._on_tick)

    def start(self) -> None:
        self.last = self.clock.nsecsElapsed()
        self.timer.start()

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self.phase_started = self.clock.nsecsElapsed()

    def _on_tick(self) -> None:
        now = self.clock.nsecsElapsed()
        late_ms = max(0.0, (now - self.last) / 1e6 - TICK_MS)
        self.samples.setdefault(self.phase, []).append(late_ms)
        if late_ms > STALL_MS:
            self.stalls.append((self.phase, (self.last - self.phase_started) / 1e9, late_ms))
        self.last = now


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def write_settings(config_dir: Path, port: int) -> None:
    (config_dir / "settings.ini").write_text(
        "[General]\nwatch_folder = data/received_plans\nimport_folder = data/import\n"
        f"[Receiver]\nae_title = RTSTATION\nport = {port}\n"
        "[Node1]\nname = TPS_A\nae_title = TPS_A\nip = 127.0.0.1\nport = 104\nenabled = False\n",
        encoding="utf-8",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=512, help="CT rows and columns")
    parser.add_argument("--patients", type=int, default=0, help="patients imported first")
    parser.add_argument("--keep", metavar="DIR", help="work here and keep the files")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="rtstation-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    config_dir = work / "config"
    if config_dir.exists():
        shutil.rmtree(config_dir)
    config_dir.mkdir()
    port = free_port()
    write_settings(config_dir, port)

    started = time.perf_counter()
    series_dir = work / "series"
    if not series_dir.exists():
        write_ct_series(
            series_dir,
            args.instances,
            rows=args.rows,
            columns=args.rows,
            patient_id="BENCH",
            uid_seed="bench",
        )
        write_study(series_dir / "plan", StudySpec(patient_id="BENCH2", slices=30))
    sent_files = sum(1 for p in series_dir.rglob("*") if p.is_file())
    print(f"generated {sent_files} files in {time.perf_counter() - started:.1f} s ({work})")

    paths = default_paths(config_dir)
    ensure_default_files(paths)
    settings = load_settings(paths.settings_file, data_dir=paths.data_dir)
    station = Station(
        paths, settings, load_rules(paths.rules_file, settings), bind_address="127.0.0.1"
    )
    if args.patients:
        many = work / "many"
        if not many.exists():
            write_many_patients(many, args.patients, StudySpec(slices=8))
        t0 = time.perf_counter()
        report = station.import_paths([many])
        del report.results[:]  # the app holds no import results either
        print(
            f"imported {args.patients} patients first: {report.summary()} "
            f"({time.perf_counter() - t0:.1f} s)"
        )

    app = create_application()
    window = MainWindow(
        station, ui_settings=QSettings(str(work / "ui.ini"), QSettings.Format.IniFormat)
    )
    keep_gc_pauses_short(window)  # as open_window does
    pynetdicom_tuning.keep_default_polling()  # as open_window does
    window.show()
    probe = LatenessProbe()
    result: dict[str, float] = {}
    storescu_holder: list[object] = []

    def begin() -> None:
        probe.start()  # after the window's first paint (fonts, style: a one-time cost)
        probe.set_phase("startup")
        window.receiver_controller.start()
        QTimer.singleShot(300, send)

    def send() -> None:
        if station.receiver_state.state != "listening":
            QTimer.singleShot(100, send)
            return
        probe.set_phase("transfer")
        result["t_send"] = time.perf_counter()
        storescu_holder.append(
            start_storescu(
                series_dir,
                port,
                calling_ae="BENCH",
                called_ae="RTSTATION",
                log_dir=work / "storescu",
            )
        )
        poll()

    def poll() -> None:
        proc = storescu_holder[0]
        if proc.poll() is None:  # type: ignore[attr-defined]
            QTimer.singleShot(50, poll)
            return
        result["t_done"] = time.perf_counter()
        result["rc"] = proc.returncode  # type: ignore[attr-defined]
        probe.set_phase("tree refresh")
        settle()

    def settle() -> None:
        waiting = window.tree_model.patient_snapshot("BENCH2") is None
        waiting = waiting or window.tree_controller.busy
        if waiting and time.perf_counter() - result["t_done"] < 120:
            QTimer.singleShot(50, settle)
            return
        result["t_tree"] = time.perf_counter()
        probe.set_phase("idle")
        QTimer.singleShot(500, app.quit)

    QTimer.singleShot(200, begin)
    app.exec()

    window.shutdown()
    window.close()
    workers.cancel_all()
    workers.wait_for_all()
    received = window.status.received
    station.stop()

    transfer_s = result.get("t_done", 0) - result.get("t_send", 0)
    print(
        f"storescu exit {int(result.get('rc', -1))}: {received} of {sent_files} instances "
        f"stored in {transfer_s:.1f} s ({received / transfer_s if transfer_s else 0:.0f}/s); "
        f"tree current {result.get('t_tree', 0) - result.get('t_done', 0):.2f} s later"
    )
    everything: list[float] = []
    for phase in ("startup", "transfer", "tree refresh", "idle"):
        values = probe.samples.get(phase, [])
        everything += values
        if values:
            print(
                f"  {phase:<13} ticks {len(values):>6}  lateness worst {max(values):7.1f} ms  "
                f"p99 {percentile(values, 0.99):6.1f} ms  median "
                f"{statistics.median(values):5.1f} ms"
            )
    if probe.stalls:
        print(
            f"  ticks over {STALL_MS} ms: "
            + ", ".join(f"{phase} +{at:.2f} s {late:.0f} ms" for phase, at, late in probe.stalls)
        )
    worst, p99 = max(everything), percentile(everything, 0.99)
    verdict = "OK" if worst < 100 and p99 < 100 else "OVER TARGET"
    print(
        f"GUI lateness overall: worst {worst:.1f} ms, p99 {p99:.1f} ms (target < 100 ms): {verdict}"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if received >= sent_files else 1


if __name__ == "__main__":
    sys.exit(main())
