"""The desktop station's composition root: QApplication, translation, window, event loop.

``rtstation gui`` (and ``rtstation`` alone) ends up here through ``cli/cmd_gui.py``, which
loads the configuration without Qt and passes a function that opens the Station. Opening
it here, after the QApplication exists, means a broken settings.ini is reported in a
message box (a physicist who double-clicked an icon never sees a terminal).

Order at exit: the window stops listening and cancels its tasks, the worker pool drains,
then the station stops (associations finish, workers finish their current item).
"""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from rtstation import __version__
from rtstation.errors import RtStationError
from rtstation.gui import log_handler as gui_log
from rtstation.gui import workers
from rtstation.gui.icons import icon
from rtstation.gui.messages import describe
from rtstation.net import pynetdicom_tuning

LOGGER = logging.getLogger(__name__)

ORGANIZATION = "rtstation"
APPLICATION = "rtstation"
UI_SETTINGS_FILE = "gui.ini"


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication (existing one reused), named so QSettings lands under "rtstation"."""
    existing = QApplication.instance()
    app = (
        existing
        if isinstance(existing, QApplication)
        else QApplication(list(argv) if argv is not None else sys.argv[:1])
    )
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(icon("app"))
    return app


def install_translation(app: QApplication, language: str) -> str:
    """German or English per settings.ini [General] language ("" = the system's)."""
    try:
        from rtstation.gui.i18n import install_translator
    except ImportError:
        return "en"
    try:
        return install_translator(app, language)
    except Exception as exc:  # a broken .qm must not keep the station from opening
        LOGGER.warning("Could not load the translation for '%s': %s", language, exc)
        return "en"


def keep_gc_pauses_short(window: Any) -> None:
    """Move what startup loaded out of the cyclic garbage collector's way.

    A full (generation 2) collection walks every object alive and holds the GIL while it
    does, whatever thread triggered it: with a thousand patients' headers and snapshots in
    memory that measured 140 ms, a visible freeze while a CT series streamed in.
    ``gc.freeze()`` moves the objects alive now into a permanent generation that later
    collections skip (they are still freed by reference counting when dropped). Called
    once now, once when the tree's outline is in, and after each batch of patients whose
    files the tree fills in after it: 100,000 instances' snapshots otherwise made full
    collections of up to 200 ms on the fetching worker, the GUI thread waiting for the GIL.
    """
    gc.freeze()
    controller = window.tree_controller
    filling = [True]  # the tree is reading its patients' files after the outline

    def on_loading(loading: bool) -> None:
        filling[0] = True
        if not loading:
            gc.freeze()

    def on_refreshed(_patient_ids: list[str]) -> None:
        if filling[0]:
            gc.freeze()
            filling[0] = not controller.detailed

    controller.loadingChanged.connect(on_loading)
    controller.refreshed.connect(on_refreshed)


def stop_on_signals(app: QApplication) -> QTimer:
    """Ctrl-C in the terminal and SIGTERM (a logout, systemd) quit like File > Quit, so
    the station stops cleanly. Python runs signal handlers only between bytecodes, so a
    short idle timer hands control back to Python while Qt's loop waits."""

    def request_quit(_signum: int, _frame: object) -> None:
        LOGGER.info("Signal received: quitting")
        app.quit()

    signal.signal(signal.SIGINT, request_quit)
    signal.signal(signal.SIGTERM, request_quit)
    wake = QTimer(app)
    wake.setInterval(250)
    wake.timeout.connect(lambda: None)
    wake.start()
    return wake


def ui_settings_for(station: Any) -> QSettings:
    """The window's own state (geometry, column widths, tray choice) in ``gui.ini`` of the
    station's configuration folder: beside settings.ini, so a second station with another
    ``--config`` keeps its own layout, and nothing lands in the Windows registry."""
    folder = Path(station.paths.config_dir)
    return QSettings(str(folder / UI_SETTINGS_FILE), QSettings.Format.IniFormat)


@dataclass
class OpenedStation:
    """What ``open_window`` made: the shown window over its station, and the log handler
    that feeds the window's Log pane (removed again by ``close_window``)."""

    window: Any
    station: Any
    handler: gui_log.QtLogHandler


def open_window(app: QApplication, open_station: Callable[[], Any]) -> OpenedStation | None:
    """Open the station and its window (shown, services starting); None when the station
    could not be opened (the reason was shown in a message box).

    The Qt log handler is attached only after ``open_station`` returned: opening sets up
    logging (``setup_logging`` replaces every handler of the ``rtstation`` logger), and a
    handler attached before it was removed there, which left the Log pane empty.
    """
    from rtstation.gui.main_window import MainWindow

    try:
        station = open_station()
    except (RtStationError, OSError) as exc:
        sentence, details = describe(exc)
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            QCoreApplication.translate("App", "rtstation"),
            QCoreApplication.translate("App", "The station could not be opened.")
            + "\n\n"
            + sentence,
            QMessageBox.StandardButton.Close,
        )
        box.setDetailedText(details)
        box.exec()
        return None
    handler = gui_log.install()
    install_translation(app, getattr(station.settings, "language", ""))
    window = MainWindow(station, ui_settings=ui_settings_for(station), log_handler=handler)
    keep_gc_pauses_short(window)
    app.setQuitOnLastWindowClosed(not window.tray.available)
    window.quitRequested.connect(app.quit, Qt.ConnectionType.QueuedConnection)
    window.show()
    # The receiver shares this process's interpreter lock with the window: it polls at
    # pynetdicom's own pace here, not at the short delays `serve` uses.
    pynetdicom_tuning.keep_default_polling()
    window.start_station()
    LOGGER.info("rtstation %s window open; storage %s", __version__, station.storage_root)
    return OpenedStation(window, station, handler)


def close_window(opened: OpenedStation) -> None:
    """Window first, then the background tasks, then the station, then the log handler."""
    opened.window.shutdown()
    workers.cancel_all()
    if not workers.wait_for_all(15_000):
        LOGGER.warning("Background tasks still running at exit")
    opened.station.stop()
    gui_log.uninstall(opened.handler)


def run_gui(args: argparse.Namespace, open_station: Callable[[], Any]) -> int:
    """Open the station, show the window, run until quit; returns the exit status."""
    app = create_application()
    opened = open_window(app, open_station)
    if opened is None:
        return 2
    stop_on_signals(app)
    try:
        code = int(app.exec())
    finally:
        close_window(opened)
    return code
