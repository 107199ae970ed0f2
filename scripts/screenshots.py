#!/usr/bin/env python3
"""Make the README screenshots from generated data, without a display:

    python scripts/screenshots.py [--out docs/screenshots] [--language en|de]

The README shows both languages: ``--language en`` into docs/screenshots and
``--language de --out docs/screenshots/de``.

It builds a throw-away station (config dir, storage, catalog, send queue) in a temporary
folder, with two destination nodes that are small pynetdicom storage SCPs on 127.0.0.1.
A synthetic RT study from ``tests/data/generator.py`` (no patient data, ever) with an
adaptive plan "ADP_Pelvis" and a scheduled plan "Pelvis_sched" arrives the way an Ethos
sends it: over DICOM from the AE title FOLLOW, to the station's receiver on 127.0.0.1. The
"Ethos ADP Plans" rule forwards the adaptive plan to both nodes, for real, over loopback.
(If that path fails, the study is imported from a folder instead, and the script says so.)
Then it opens the main window, selects the adaptive plan and grabs:

* ``main-window.png``: the main window with "ADP_Pelvis" selected and its send jobs;
* ``settings.png``: the Settings dialog's Nodes tab with the two nodes, both tested;
* ``rules.png``: the Rules dialog with the "Ethos ADP Plans" rule, tested on that plan;
* ``metrics.png``: the Metrics view with the adaptive plan's DVH.

Why generated data and a script: screenshots go stale with every UI change, and real plans
must never appear in a repository. Re-run this after UI changes and look at the PNGs.
Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import os
import socket
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tests.data.generator and a source checkout of rtstation

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from rtstation.config import (  # noqa: E402
    IMPORT_FOLDER_AE,
    Node,
    Rule,
    RulesConfig,
    Settings,
    default_paths,
    save_rules,
    save_settings,
)
from rtstation.gui.dialogs.rules_dialog import RulesDialog  # noqa: E402
from rtstation.gui.dialogs.settings_dialog import SettingsDialog  # noqa: E402
from rtstation.gui.i18n import install_translator  # noqa: E402
from rtstation.routing.rules import PlanFacts, evaluate  # noqa: E402
from tests.data.generator import PlanSpec, StudySpec, write_study  # noqa: E402

ADAPTIVE_LABEL = "ADP_Pelvis"
LOOPBACK = "127.0.0.1"


@dataclasses.dataclass(frozen=True)
class DemoEcho:
    """Stand-in for ``rtstation.net.echo.EchoResult`` when there is no station to ask."""

    ok: bool
    round_trip_ms: float | None
    reason: str


def demo_echo(node: Node) -> DemoEcho:
    return DemoEcho(True, 3.0, "the peer answered with status 0x0000 (success)")


def free_port(preferred: int = 0) -> int:
    """``preferred`` when it is free on 127.0.0.1 (stable numbers in the PNGs), else any."""
    for port in (preferred, 0) if preferred else (0,):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((LOOPBACK, port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise OSError("no free TCP port on 127.0.0.1")


class LoopbackPeer:
    """A destination node for the demo: a pynetdicom storage SCP on 127.0.0.1 that
    accepts every instance and keeps nothing."""

    def __init__(self, ae_title: str, preferred_port: int) -> None:
        from pynetdicom import AE, AllStoragePresentationContexts, evt
        from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]

        self.ae_title = ae_title
        self.port = free_port(preferred_port)
        self.received = 0
        ae = AE(ae_title=ae_title)
        ae.supported_contexts = AllStoragePresentationContexts
        ae.add_supported_context(Verification)
        self._server = ae.start_server(
            (LOOPBACK, self.port),
            block=False,
            evt_handlers=[(evt.EVT_C_STORE, self._on_store)],
        )

    def _on_store(self, event: Any) -> int:
        self.received += 1
        return 0x0000

    def stop(self) -> None:
        self._server.shutdown()


def demo_settings(root: Path, organo: LoopbackPeer, archive: LoopbackPeer) -> Settings:
    return Settings(
        storage_folder=str(root / "received_plans"),
        import_folder=str(root / "import"),
        clear_import_folder_after_import=True,
        ae_title="RTSTATION",
        port=free_port(11112),
        settle_seconds=1.0,
        auto_start_receiver=False,
        nodes=(
            Node("ORGANO", organo.ae_title, LOOPBACK, organo.port),
            Node("ARCHIVE", archive.ae_title, LOOPBACK, archive.port, max_associations=2),
        ),
    )


def demo_rules() -> RulesConfig:
    return RulesConfig(
        rules=(
            Rule(
                name="Ethos ADP Plans",
                source_aes=("FOLLOW",),
                plan_label_match="ADP",
                required_modalities=("RTDOSE",),
                target_nodes=("ORGANO", "ARCHIVE"),
            ),
            Rule(
                name="Import Folder Rule",
                source_aes=(IMPORT_FOLDER_AE,),
                target_nodes=("ARCHIVE",),
            ),
        )
    )


def settle(app: QCoreApplication, ms: int = 300) -> None:
    """Let queued signals, layouts and worker results arrive before a grab."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    app.processEvents()


def save_grab(widget: QWidget, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise RuntimeError(f"Could not write '{path}'")
    print(f"screenshots: wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")


# -- the station -------------------------------------------------------------------------


def write_demo_study(root: Path) -> Any:
    return write_study(
        root / "export",
        StudySpec(
            patient_id="DEMO001",
            patient_name="Demo^Pelvis",
            slices=12,
            plans=(
                PlanSpec(label=ADAPTIVE_LABEL, machine="Ethos1", approval="APPROVED"),
                PlanSpec(label="Pelvis_sched", machine="Ethos1", approval="UNAPPROVED"),
            ),
        ),
        uid_seed="rtstation-screenshots",
    )


def build_station(root: Path, settings: Settings, rules: RulesConfig) -> Any:
    """A started station (send workers, receiver on 127.0.0.1); None when not buildable."""
    paths = default_paths(root / "config")
    for folder in (paths.config_dir, paths.data_dir, paths.log_dir):
        os.makedirs(folder, exist_ok=True)
    save_settings(settings, paths.settings_file, data_dir=paths.data_dir)
    save_rules(rules, paths.rules_file, settings=settings)
    try:
        from rtstation.station import Station

        station = Station(paths, settings, rules, bind_address=LOOPBACK)
        station.start(receiver=True)
    except Exception:
        print("screenshots: TODO: could not start a Station; only the dialogs are shot:")
        traceback.print_exc()
        return None
    return station


def send_as_follow(station: Any, files: Sequence[Path]) -> int:
    """C-STORE ``files`` to the station's receiver as the Ethos (calling AE FOLLOW)."""
    from pydicom import dcmread
    from pynetdicom import AE

    ae = AE(ae_title="FOLLOW")
    for sop_class in sorted({str(dcmread(f, stop_before_pixels=True).SOPClassUID) for f in files}):
        ae.add_requested_context(sop_class)
    settings = station.settings
    assoc = ae.associate(LOOPBACK, settings.port, ae_title=settings.ae_title)
    if not assoc.is_established:
        raise RuntimeError(f"the station's receiver on port {settings.port} did not accept")
    stored = 0
    try:
        for path in files:
            status = assoc.send_c_store(dcmread(path))
            stored += int(getattr(status, "Status", 0xFFFF) == 0x0000)
    finally:
        assoc.release()
    return stored


def receive_demo_study(app: QCoreApplication, station: Any, root: Path) -> None:
    """The study arrives from FOLLOW and the rules forward it; an import if that fails."""
    study = write_demo_study(root)
    try:
        stored = send_as_follow(station, study.all_paths)
        print(f"screenshots: FOLLOW sent the generated study: {stored} instance(s) stored")
        if not wait_for(app, lambda: forwarding_finished(station, expected=2), 60.0):
            print("screenshots: note: the forwarding jobs did not all finish within 60 s")
    except Exception:
        print("screenshots: note: receiving from FOLLOW failed; importing the study instead:")
        traceback.print_exc()
        report = station.import_paths([str(study.root)])
        print(f"screenshots: imported the generated study: {report.summary()}")


def forwarding_finished(station: Any, expected: int) -> bool:
    jobs = station.jobs()
    return len(jobs) >= expected and all(job.state in ("done", "failed") for job in jobs)


def wait_for(app: QCoreApplication, condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        settle(app, 200)
    return condition()


def plan_facts(station: Any) -> PlanFacts | str:
    """Facts of the adaptive plan as the station knows them (source: the import)."""
    if station is None:
        return PlanFacts(
            plan_uid="1.2.3",
            patient_id="DEMO001",
            source_ae=IMPORT_FOLDER_AE,
            plan_label=ADAPTIVE_LABEL,
            modalities=frozenset({"RTPLAN", "RTSTRUCT", "RTDOSE", "CT"}),
        )
    for bundle in station.tree().plans:
        if bundle.plan.plan_label == ADAPTIVE_LABEL:
            source = getattr(station, "plan_source", lambda uid: IMPORT_FOLDER_AE)(bundle.uid)
            return PlanFacts.from_bundle(bundle, source)
    return "Select a plan in the main window first"


# -- the main window ---------------------------------------------------------------------


def adaptive_plan_uid(station: Any) -> str | None:
    for bundle in station.tree().plans:
        if bundle.plan.plan_label == ADAPTIVE_LABEL:
            return str(bundle.uid)
    return None


def open_main_window(app: QApplication, station: Any, root: Path) -> Any:
    """The main window over ``station`` with the adaptive plan selected, or None (TODO)."""
    if station is None:
        print("screenshots: TODO: main-window.png skipped (no station)")
        return None
    try:
        from rtstation.gui.main_window import MainWindow
    except ImportError as exc:
        print(f"screenshots: TODO: main-window.png skipped: MainWindow is not ready ({exc})")
        return None
    try:
        kwargs: dict[str, Any] = {}
        if "ui_settings" in inspect.signature(MainWindow).parameters:
            # window geometry and splitters go to the temporary folder, not the user's
            kwargs["ui_settings"] = QSettings(str(root / "ui.ini"), QSettings.Format.IniFormat)
        window = MainWindow(station, **kwargs)
    except Exception:
        print("screenshots: TODO: main-window.png skipped: MainWindow could not be built:")
        traceback.print_exc()
        return None
    window.show()  # at its default size: what a user sees on the first start
    settle(app, 1500)  # the tree loads on a worker
    uid = adaptive_plan_uid(station)
    if uid is not None and hasattr(window, "select_plan"):
        if hasattr(window, "expand_all_plans"):
            window.expand_all_plans()
        window.select_plan(uid)
    else:
        print(f"screenshots: note: could not select '{ADAPTIVE_LABEL}' in the main window")
    settle(app, 1000)
    return window


def shoot_main_window(app: QApplication, window: Any, out: Path) -> None:
    if window is None:
        return
    save_grab(window, out / "main-window.png")


def shoot_metrics(app: QApplication, window: Any, out: Path) -> None:
    launcher = getattr(window, "metrics", None)
    if launcher is None:
        print("screenshots: TODO: metrics.png skipped (no Metrics view)")
        return
    metrics = launcher.open()
    if not wait_for(app, lambda: not metrics.busy and metrics.proxy.rowCount() > 0, 60):
        print("screenshots: TODO: metrics.png skipped: the metrics were not computed in time")
        return
    metrics.filter_edit.setText(f"label contains {ADAPTIVE_LABEL}")
    metrics.select_row(0)
    settle(app, 300)
    save_grab(metrics, out / "metrics.png")
    metrics.close()


# -- dialogs -----------------------------------------------------------------------------


def shoot_settings(
    app: QApplication, settings: Settings, echo: Callable[[Node], Any], window: Any, out: Path
) -> None:
    dialog = SettingsDialog(settings, echo, window)
    dialog.resize(900, 430)  # wide enough for the Test column, no empty table below
    dialog.show()
    dialog.tabs.setCurrentIndex(2)  # Nodes
    for row in range(len(settings.nodes)):
        dialog.test_node(row)
    wait_for(app, lambda: not dialog._tests_running, 15.0)
    dialog.nodes_view.selectRow(0)
    settle(app)
    save_grab(dialog, out / "settings.png")
    dialog.close()


def shoot_rules(
    app: QApplication,
    settings: Settings,
    rules: RulesConfig,
    station: Any,
    window: Any,
    out: Path,
) -> None:
    """The Rules dialog, tested against the plan selected in the main window (if any)."""
    test = getattr(window, "test_rules", None)
    if test is None:
        facts = plan_facts(station)

        def test(edited: RulesConfig) -> object:
            return facts if isinstance(facts, str) else evaluate(edited, facts)

    dialog = RulesDialog(rules, settings, test, window)
    dialog.resize(1000, 900)  # every field of the rule visible, no scrolling
    dialog.show()
    dialog.select_rule(0)
    dialog.test_button.click()
    settle(app)
    save_grab(dialog, out / "rules.png")
    dialog.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    parser.add_argument("--language", default="en", choices=("en", "de"))
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    install_translator(app, args.language)

    with tempfile.TemporaryDirectory(prefix="rtstation-screenshots-") as tmp:
        root = Path(tmp)
        peers = [LoopbackPeer("ORGANO", 11104), LoopbackPeer("PACS_ARCHIVE", 11105)]
        settings = demo_settings(root, *peers)
        rules = demo_rules()
        station = None
        window = None
        try:
            station = build_station(root, settings, rules)
            if station is not None:
                receive_demo_study(app, station, root)
            window = open_main_window(app, station, root)
            shoot_main_window(app, window, out)
            echo = station.echo if station is not None else demo_echo
            shoot_settings(app, settings, echo, window, out)
            shoot_rules(app, settings, rules, station, window, out)
            shoot_metrics(app, window, out)
        finally:
            if window is not None:
                getattr(window, "shutdown", lambda: None)()
                window.hide()
                window.deleteLater()
            if station is not None:
                station.stop()
            for peer in peers:
                peer.stop()
            settle(app, 300)
    return 0


if __name__ == "__main__":
    sys.exit(main())
