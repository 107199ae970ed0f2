"""The main flows with the German UI show no English text.

Receive a plan over DICOM from storescu, look at the tree and the details, test the rules
in the Rules dialog, test a node in Settings, let a send fail, import a folder with a file
that is refused: after each step every visible widget's text, tooltip, header and item is
read and checked against a list of English words. Proper nouns, AE titles, UIDs, DICOM
values and file names are allowed by an explicit short list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from rtstation.config import Rule, RulesConfig
from rtstation.gui.dialogs.rules_dialog import RulesDialog
from rtstation.gui.dialogs.settings_dialog import SettingsDialog
from rtstation.gui.i18n import install_translator
from tests.data.generator import PlanSpec, StudySpec, write_study
from tests.peers.peers import free_port, start_storescu

TIMEOUT_MS = 30_000

_ENGLISH_WORDS = """
    the is are of and to not no yes for with from by could cannot can be this that which
    when has have been will would should did does stopped listening received matched rule
    rules contains contain failed waiting queued sending done cancelled none missing
    refused rejected accepted requires require listed any all at or on as it its into
    than only one patients plan(s) patient(s) stop send sent again what where
    because while after before unknown error errors file files folder imported duplicate
    duplicates stored store settings node nodes tested reason reasons source approval
    machine machines state progress next retry empty connection association timeout
    timed out peer called calling answered answer success successful
"""
ENGLISH = frozenset(_ENGLISH_WORDS.split())
"""Words that are English and not German (German "an", "in", "was", "die" are absent)."""

_ALLOWED_WORDS = """
    rtstation dicom rtplan rtstruct rtdose ct rs rd mr approved unapproved curative
    follow import_folder rtstation ae ok tps_a dead_node sh lo
"""
ALLOWED = frozenset(_ALLOWED_WORDS.split())
"""Proper nouns, DICOM values and AE titles of this test that look like English words."""

WORD = re.compile(r"[A-Za-zÄÖÜäöüß()_]+")
SLASH_PLURAL = re.compile(r"\w\((?:s|es|e|en|n)\)|\w/-?\w")
"""Plurals written as "plan(s)", "Patient(en)", "Plan/Pläne" instead of Qt's %n forms."""
NAMES = re.compile(r"\S*(?:[/\\]|\.\w)\S*")
"""Paths, file names and UIDs ("rules.ini", "1.2.826...") are names, not words."""


@pytest.fixture
def german(qapp: QApplication) -> Iterator[QApplication]:
    assert install_translator(qapp, "de") == "de"
    yield qapp
    install_translator(qapp, "en")


def _columns(model: QAbstractItemModel, parent: QModelIndex) -> int:
    if isinstance(model, QAbstractListModel):  # its columnCount is private in PySide
        return 1 if not parent.isValid() else 0
    return model.columnCount(parent)


_ROOT = QModelIndex()


def _model_texts(model: QAbstractItemModel, parent: QModelIndex = _ROOT) -> Iterator[str]:
    columns = _columns(model, parent)
    for column in range(columns):
        if not parent.isValid():
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                yield str(model.headerData(column, Qt.Orientation.Horizontal, role) or "")
    for row in range(model.rowCount(parent)):
        for column in range(columns):
            index = model.index(row, column, parent)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                yield str(model.data(index, role) or "")
        child = model.index(row, 0, parent)
        if not isinstance(model, QAbstractListModel) and model.rowCount(child) > 0:
            yield from _model_texts(model, child)


def _widget_texts(widget: QWidget) -> Iterator[str]:
    yield widget.toolTip()
    if widget.isWindow():
        yield widget.windowTitle()
    if isinstance(widget, (QLabel, QAbstractButton, QLineEdit)):
        yield widget.text()
    if isinstance(widget, QLineEdit):
        yield widget.placeholderText()
    if isinstance(widget, QMessageBox):
        yield widget.informativeText()
        yield widget.detailedText()
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        yield widget.toPlainText()
    if isinstance(widget, QGroupBox):
        yield widget.title()
    if isinstance(widget, QTabWidget):
        yield from (widget.tabText(i) for i in range(widget.count()))
        yield from (widget.tabToolTip(i) for i in range(widget.count()))
    if isinstance(widget, QComboBox):
        yield from (widget.itemText(i) for i in range(widget.count()))
    if isinstance(widget, QAbstractItemView) and widget.model() is not None:
        yield from _model_texts(widget.model())
    if isinstance(widget, QMainWindow):
        for action in widget.menuBar().actions():
            yield action.text()
            menu = action.menu()
            if menu is not None:
                yield from (a.text() for a in menu.actions() if a.isVisible())


def english_shown(roots: Iterable[QWidget]) -> list[str]:
    """Every visible text under ``roots`` that contains an English word."""
    found: list[str] = []
    for root in roots:
        for widget in [root, *root.findChildren(QWidget)]:
            if not widget.isVisible():
                continue
            for text in _widget_texts(widget):
                plain = NAMES.sub(" ", text.replace("&", ""))
                words = {w.casefold().strip("()") for w in WORD.findall(plain)}
                english = {w for w in words if w in ENGLISH and w not in ALLOWED}
                if english or SLASH_PLURAL.search(plain):
                    found.append(f"{type(widget).__name__} {widget.objectName()!r}: {text!r}")
    return sorted(set(found))


def _receive(qtbot: Any, window: Any, folder: Path) -> None:
    proc = start_storescu(
        folder,
        window.station.settings.port,
        calling_ae="FOLLOW",
        called_ae="RTSTATION",
        log_dir=folder.parent / "storescu-log",
    )
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=TIMEOUT_MS)
    assert proc.returncode == 0, proc.log()


def test_german_walk_shows_no_english(
    qtbot: Any,
    german: QApplication,
    make_station: Any,
    make_window: Any,
    storescp: Any,
    tmp_path: Path,
) -> None:
    scp = storescp(tmp_path / "tps_in", ae_title="TPS_A")
    station = make_station(
        nodes=[
            {"name": "TPS_A", "ae_title": "TPS_A", "port": scp.port},
            {"name": "DEAD_NODE", "ae_title": "DEAD_NODE", "port": free_port()},
        ]
    )
    window = make_window(station)
    window.resize(1280, 820)
    problems: dict[str, list[str]] = {}

    def check(step: str, *roots: QWidget) -> None:
        shown = english_shown([window, *roots])
        if shown:
            problems[step] = shown

    check("empty window")
    window.receiver_control.button.click()
    qtbot.waitUntil(lambda: window.receiver_control.state == "listening", timeout=10_000)
    study = write_study(
        tmp_path / "export",
        StudySpec(
            patient_id="RT001",
            patient_name="Muster^Erika",
            slices=3,
            plans=(PlanSpec(label="Pelvis_sched", approval="UNAPPROVED"),),
        ),
    )
    _receive(qtbot, window, tmp_path / "export")
    plan_uid = study.plan_uids[0]
    qtbot.waitUntil(
        lambda: window.tree_model.index_for_plan(plan_uid).isValid(), timeout=TIMEOUT_MS
    )
    window.expand_all_plans()
    window.select_plan(plan_uid)
    qtbot.waitUntil(lambda: window.details.field_text("label") == "Pelvis_sched")
    for tab in range(window.details.count()):
        window.details.setCurrentIndex(tab)
        qtbot.wait(50)
        check(f"details tab {tab}")
    window.details.setCurrentIndex(0)

    # Rules dialog, tested against the selected plan
    rules = RulesConfig(
        rules=(
            Rule(
                name="ADP",
                target_nodes=("TPS_A",),
                source_aes=("ECLIPSE",),
                plan_label_match="ADP",
                approved_only=True,
                required_modalities=("RTDOSE", "MR"),
                treatment_machines=("Halcyon",),
            ),
        )
    )
    dialog = RulesDialog(rules, station.settings, window.test_rules, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.select_rule(0)
    dialog.test_button.click()
    qtbot.wait(50)
    check("rules dialog", dialog)
    dialog.close()

    # Settings, node test of a live and a dead node
    settings_dialog = SettingsDialog(station.settings, station.echo, window)
    qtbot.addWidget(settings_dialog)
    settings_dialog.show()
    settings_dialog.tabs.setCurrentIndex(2)
    for row in range(2):
        settings_dialog.test_node(row)
    qtbot.waitUntil(lambda: not settings_dialog._tests_running, timeout=TIMEOUT_MS)
    for tab in range(settings_dialog.tabs.count()):
        settings_dialog.tabs.setCurrentIndex(tab)
        qtbot.wait(20)
        check(f"settings tab {tab}", settings_dialog)
    settings_dialog.close()

    # a send that fails (nobody listens on DEAD_NODE's port)
    station.send_plans([plan_uid], ["DEAD_NODE"], force=True)
    qtbot.waitUntil(
        lambda: window.job_model.rowCount() > 0 and window.job_model.job(0).state == "failed",
        timeout=TIMEOUT_MS,
    )
    window.bottom_tabs.setCurrentWidget(window.jobs_panel)
    check("queue with a failed job")

    # import with a refused file
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "notes.txt").write_text("not DICOM", encoding="utf-8")
    write_study(drop / "second", StudySpec(patient_id="RT002", slices=2))
    with qtbot.waitSignal(window.import_controller.importFinished, timeout=TIMEOUT_MS):
        window.import_controller.import_paths([str(drop)])
    summary = window.import_controller.summary
    assert summary is not None and summary.isVisible()
    check("import summary", summary)
    summary.close()
    window.bottom_tabs.setCurrentWidget(window.log_panel)
    check("status bar and log tab")

    assert not problems, "English text in the German UI:\n" + "\n".join(
        f"[{step}] {line}" for step, lines in problems.items() for line in lines
    )
