"""The main window's menus and toolbar (built here so main_window.py stays layout and wiring)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar

from rtstation.gui.dialogs.archive_actions import add_archive_actions
from rtstation.gui.dialogs.batch_dialog import add_batch_action
from rtstation.gui.dialogs.metrics_window import MetricsLauncher
from rtstation.gui.housekeeping_actions import add_housekeeping_actions
from rtstation.gui.icons import icon

if TYPE_CHECKING:
    from rtstation.gui.main_window import MainWindow


def build_menus_and_toolbar(window: MainWindow) -> None:
    """The window's actions, its menus (File, Station, View, Help) and the toolbar.

    Settings is under File as well as Station: the DICOM RT Station has it under File,
    where its users look first.
    """
    window.import_action = QAction(
        icon("import"),
        QCoreApplication.translate("MainWindow", "&Import files or folders..."),
        window,
    )
    window.import_action.setShortcut(QKeySequence.StandardKey.Open)
    window.import_action.triggered.connect(window._on_import_triggered)
    window.import_folder_action = QAction(
        QCoreApplication.translate("MainWindow", "Process the import &folder"), window
    )
    window.import_folder_action.triggered.connect(window._on_import_folder_triggered)
    window.settings_action = QAction(
        icon("settings"), QCoreApplication.translate("MainWindow", "&Settings..."), window
    )
    window.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
    window.settings_action.triggered.connect(window.config_controller.open_settings)
    window.rules_action = QAction(
        icon("rules"), QCoreApplication.translate("MainWindow", "Forwarding &rules..."), window
    )
    window.rules_action.triggered.connect(window.config_controller.open_rules)
    window.reload_action = QAction(
        QCoreApplication.translate("MainWindow", "&Reload the plan list"), window
    )
    window.reload_action.setShortcut(QKeySequence.StandardKey.Refresh)
    window.reload_action.triggered.connect(window.tree_controller.load_all)
    window.receiver_action = QAction(
        QCoreApplication.translate("MainWindow", "Start or stop the &receiver"), window
    )
    window.receiver_action.triggered.connect(window.receiver_control.button.click)
    window.quit_action = QAction(QCoreApplication.translate("MainWindow", "&Quit"), window)
    window.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
    window.quit_action.triggered.connect(window.quit)
    window.keep_running_action = QAction(
        QCoreApplication.translate("MainWindow", "Keep running in the &tray"), window
    )
    window.keep_running_action.setCheckable(True)
    # without a system tray there is nothing to choose: the close question says so
    window.keep_running_action.setVisible(window.tray.available)
    window.keep_running_action.setChecked(bool(window.tray.remembered_choice()))
    window.keep_running_action.toggled.connect(window.tray.set_keep_running)
    window.about_action = QAction(
        QCoreApplication.translate("MainWindow", "&About rtstation"), window
    )
    window.about_action.triggered.connect(window._on_about_triggered)

    file_menu = window.menuBar().addMenu(QCoreApplication.translate("MainWindow", "&File"))
    file_menu.addAction(window.import_action)
    file_menu.addAction(window.import_folder_action)
    add_archive_actions(window, file_menu, window.station)  # retrieve, store, check connections
    add_batch_action(window, file_menu, window.station)
    file_menu.addSeparator()
    file_menu.addAction(window.settings_action)  # where the DICOM RT Station has it
    file_menu.addSeparator()
    file_menu.addAction(window.quit_action)
    station_menu = window.menuBar().addMenu(QCoreApplication.translate("MainWindow", "&Station"))
    station_menu.addAction(window.receiver_action)
    station_menu.addAction(window.settings_action)
    station_menu.addAction(window.rules_action)
    view_menu = window.menuBar().addMenu(QCoreApplication.translate("MainWindow", "&View"))
    view_menu.addAction(window.reload_action)
    view_menu.addAction(window.keep_running_action)
    window.metrics = MetricsLauncher(window.station, view_menu, window)
    add_housekeeping_actions(window, file_menu, view_menu)  # delete, send history
    window.scheme_actions = window.theme.add_menu_actions(
        view_menu.addMenu(QCoreApplication.translate("MainWindow", "&Colour scheme"))
    )
    help_menu = window.menuBar().addMenu(QCoreApplication.translate("MainWindow", "&Help"))
    help_menu.addAction(window.about_action)

    toolbar = QToolBar(QCoreApplication.translate("MainWindow", "Station"), window)
    toolbar.setObjectName("stationToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addWidget(window.receiver_control)
    toolbar.addSeparator()
    toolbar.addAction(window.import_action)
    toolbar.addAction(window.settings_action)
    toolbar.addAction(window.rules_action)
    window.addToolBar(toolbar)
    window.toolbar = toolbar
