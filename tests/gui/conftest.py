"""Fixtures for the GUI tests: a real Station in tmp_path, the real window over it, QSettings
in a temp folder, and a guard that fails a test leaving background work running.

The window is driven offscreen (QT_QPA_PLATFORM=offscreen, set by tests/conftest.py) over
a real Station whose receiver listens on 127.0.0.1 only; DCMTK peers come from
tests/peers/peers.py.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QThread

from rtstation.config import default_paths, ensure_default_files, load_rules, load_settings
from rtstation.gui import workers
from rtstation.station import Station
from tests.peers.conftest import storescp  # noqa: F401  (the DCMTK StoreSCP factory)
from tests.peers.peers import free_port, kill_all_children


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def _qsettings_in_tmp(tmp_path: Path) -> Iterator[None]:
    """Nothing a test does may land in the user's real QSettings (~/.config/rtstation)."""
    folder = tmp_path / "qsettings"
    folder.mkdir()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    yield


def _running_qthreads() -> list[QThread]:
    main = QCoreApplication.instance()
    main_thread = main.thread() if main is not None else None
    found = []
    for obj in gc.get_objects():
        try:
            if isinstance(obj, QThread) and obj is not main_thread and obj.isRunning():
                found.append(obj)
        except RuntimeError:  # wrapper of a deleted C++ object
            continue
    return found


@pytest.fixture(autouse=True)
def _no_dangling_qt_work(qapp: Any) -> Iterator[None]:
    """Fail a test that leaves worker tasks or QThreads running (after NAP's
    ``_dangling_qthreads``): a task still running after its window is gone would call back
    into deleted widgets, and in the app it would delay the station's shutdown."""
    yield
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if (
            not workers.active_tasks()
            and workers.pool_active_threads() == 0
            and not _running_qthreads()
        ):
            return
        time.sleep(0.02)
    tasks = [task.name for task in workers.active_tasks()]
    threads = [repr(t) for t in _running_qthreads()]
    workers.cancel_all()
    workers.wait_for_all(10_000)
    pytest.fail(
        f"Test left Qt background work running: tasks {tasks}, "
        f"{workers.pool_active_threads()} busy pool thread(s), QThreads {threads}; "
        "cancel and wait for them before the test ends.",
        pytrace=False,
    )


@pytest.fixture(autouse=True)
def _no_stray_peer_processes() -> Iterator[None]:
    """Stop any DCMTK process a test started and left running (a background storescu)."""
    yield
    kill_all_children()


@pytest.fixture
def ui_settings(tmp_path: Path) -> QSettings:
    """The window's own QSettings file (geometry, splitters, tray choice)."""
    return QSettings(str(tmp_path / "ui" / "rtstation.ini"), QSettings.Format.IniFormat)


def write_settings(
    config_dir: Path, *, port: int, nodes: list[dict[str, Any]] | None = None
) -> None:
    """settings.ini with storage inside ``config_dir`` and the given nodes."""
    lines = [
        "[General]",
        "watch_folder = data/received_plans",
        "import_folder = data/import",
        "[Receiver]",
        "ae_title = RTSTATION",
        f"port = {port}",
        "settle_seconds = 0.5",
        "[Send]",
        "max_attempts = 2",
        "retry_base_seconds = 1",
        "retry_max_seconds = 2",
    ]
    for number, node in enumerate(nodes or [], 1):
        lines += [
            f"[Node{number}]",
            f"name = {node['name']}",
            "enabled = True",
            f"ae_title = {node['ae_title']}",
            "ip = 127.0.0.1",
            f"port = {node['port']}",
        ]
    (config_dir / "settings.ini").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def make_station(config_dir: Path) -> Iterator[Callable[..., Station]]:
    """Factory: ``station = make_station(nodes=[...])``; stopped after the test."""
    stations: list[Station] = []

    def make(*, nodes: list[dict[str, Any]] | None = None, port: int | None = None) -> Station:
        write_settings(config_dir, port=port or free_port(), nodes=nodes)
        paths = default_paths(config_dir)
        ensure_default_files(paths)
        settings = load_settings(paths.settings_file, data_dir=paths.data_dir)
        rules = load_rules(paths.rules_file, settings)
        station = Station(paths, settings, rules, bind_address="127.0.0.1")
        stations.append(station)
        return station

    yield make
    for station in stations:
        station.stop()


@pytest.fixture
def make_window(qtbot: Any, ui_settings: QSettings) -> Iterator[Callable[..., Any]]:
    """Factory: the real MainWindow over a station, shown; shut down after the test
    (window first, then its background tasks; the station fixture stops the station)."""
    from rtstation.gui.main_window import MainWindow

    windows: list[MainWindow] = []

    def make(station: Station, *, start: bool = True, loaded: bool = True) -> MainWindow:
        """``loaded=False`` returns at once, so a test sees the tree's first load happen."""
        window = MainWindow(station, ui_settings=ui_settings)
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        if start:
            with qtbot.waitSignal(_finished(window.start_station()), timeout=10_000):
                pass
        if loaded:
            qtbot.waitUntil(lambda: not window.tree_controller.busy, timeout=10_000)
        return window

    yield make
    for window in windows:
        window.shutdown()
        window.close()
    workers.cancel_all()
    workers.wait_for_all(10_000)
    QCoreApplication.processEvents()


def _finished(handle: workers.TaskHandle[Any]) -> Any:
    return handle.finished
