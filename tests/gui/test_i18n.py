"""German user interface: the translation loads, dialogs speak German, nothing is missing.

The users of the station rtstation replaces work in German, so a string added to the GUI
without a translation is a bug: ``test_every_gui_string_is_translated`` runs lupdate over
rtstation/gui exactly as scripts/update_translations.sh does and fails with the list of
untranslated strings, and checks that the shipped .qm was compiled from the .ts.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from rtstation.config import Node, RulesConfig, Settings
from rtstation.gui.dialogs.rules_dialog import RulesDialog
from rtstation.gui.dialogs.settings_dialog import SettingsDialog
from rtstation.gui.i18n import install_translator, resolve_language, translations_dir

REPO = Path(__file__).resolve().parents[2]
TS_FILE = REPO / "resources" / "translations" / "rtstation_de.ts"
QM_FILE = REPO / "rtstation" / "resources" / "translations" / "rtstation_de.qm"

GLOSSARY = {
    # the words the users of the original station know (its README)
    "Send": "Senden",
    "Start receiver": "DICOM-Empfänger starten",
    "Settings": "Einstellungen",
}


@pytest.fixture
def german(qapp: QApplication) -> Iterator[QApplication]:
    """German installed for one test, English again afterwards (translators are global)."""
    assert install_translator(qapp, "de") == "de"
    yield qapp
    install_translator(qapp, "en")


def _pyside_tool(name: str) -> str:
    """The PySide6 tool of the running interpreter's environment, else one on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"'{name}' not found: it ships with PySide6-Essentials", pytrace=False)
    return found


def _messages(ts: Path) -> list[tuple[str, str, ET.Element]]:
    root = ET.parse(ts).getroot()
    return [
        (context.findtext("name", ""), message.findtext("source", ""), message)
        for context in root.iter("context")
        for message in context.iter("message")
    ]


def _translated(message: ET.Element) -> bool:
    translation = message.find("translation")
    if translation is None or translation.get("type") in ("unfinished", "obsolete", "vanished"):
        return False
    if message.get("numerus") == "yes":
        forms = translation.findall("numerusform")
        return bool(forms) and all((form.text or "").strip() for form in forms)
    return bool((translation.text or "").strip())


def test_german_dialogs(qtbot: QtBot, german: QApplication, tmp_path: Path) -> None:
    settings = Settings(
        storage_folder=str(tmp_path),
        import_folder=str(tmp_path),
        nodes=(Node("ORGANO", "ORGANO", "10.0.0.5", 104),),
    )
    dialog = SettingsDialog(settings, lambda node: None)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Einstellungen"
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
        "Allgemein",
        "Empfänger",
        "Knoten",
        "Senden",
        "Anonymisierung",
        "Protokoll",
        "Aufräumen",
    ]
    # the config layer's reason, in German
    dialog.ae_title_edit.setText("RADIOTHERAPY_PLANNING")
    assert dialog.ae_title_row.message.text() == "darf höchstens 16 Zeichen lang sein"

    rules = RulesDialog(RulesConfig(), settings, None)
    qtbot.addWidget(rules)
    assert rules.windowTitle() == "Weiterleitungsregeln"
    assert rules.test_button.text() == "Mit ausgewähltem Plan testen"


def test_glossary_of_the_original_station(german: QApplication) -> None:
    by_source: dict[str, set[str]] = {}
    for context, source, message in _messages(TS_FILE):
        translation = message.findtext("translation", "")
        by_source.setdefault(source.replace("&", ""), set()).add(translation.replace("&", ""))
        if source in GLOSSARY:
            # and the compiled file says the same at run time
            assert QCoreApplication.translate(context, source) == GLOSSARY[source]
    for source, german_text in GLOSSARY.items():
        assert by_source.get(source) == {german_text}, source
    assert by_source["Process the import folder"] == {"Import-Ordner verarbeiten"}


def test_english_and_fallbacks(qapp: QApplication) -> None:
    assert install_translator(qapp, "de") == "de"
    assert install_translator(qapp, "en") == "en"  # replaces German, does not stack
    assert QCoreApplication.translate("SettingsDialog", "Settings") == "Settings"
    assert resolve_language("de_AT") == "de"
    assert resolve_language("de-CH") == "de"
    assert resolve_language("fr") == "en"  # no French: the source language
    assert (translations_dir() / "rtstation_de.qm").is_file()


def test_every_gui_string_is_translated(tmp_path: Path) -> None:
    """lupdate over rtstation/gui finds no string without a German translation."""
    fresh = tmp_path / "rtstation_de.ts"
    shutil.copy(TS_FILE, fresh)
    sources = sorted(str(p) for p in (REPO / "rtstation" / "gui").rglob("*.py"))
    subprocess.run(
        [_pyside_tool("pyside6-lupdate"), "-no-obsolete", *sources, "-ts", str(fresh)],
        check=True,
        capture_output=True,
    )
    missing = [
        f"{context}: {source!r}"
        for context, source, message in _messages(fresh)
        if not _translated(message)
    ]
    assert not missing, (
        f"{len(missing)} GUI string(s) have no German translation; run "
        "scripts/update_translations.sh and translate them in "
        "resources/translations/rtstation_de.ts:\n" + "\n".join(missing)
    )
    compiled = tmp_path / "rtstation_de.qm"
    subprocess.run(
        [_pyside_tool("pyside6-lrelease"), str(fresh), "-qm", str(compiled)],
        check=True,
        capture_output=True,
    )
    assert compiled.read_bytes() == QM_FILE.read_bytes(), (
        "rtstation/resources/translations/rtstation_de.qm is not compiled from the current "
        "strings and translations: run scripts/update_translations.sh"
    )


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def test_translated_text_is_visible_to_lupdate() -> None:
    """Every tr()/translate() passes its text as a literal, or its context has NOOP markers.

    lupdate reads the source, it does not run it: ``translate("Ctx", text)`` inside a helper
    such as ``def _tr(text)`` hides every string passed to the helper, and they stay English
    in the German window. A dynamic text is fine only when the strings it can take are
    listed with ``QT_TRANSLATE_NOOP("Ctx", "...")`` somewhere in rtstation/gui.
    """
    marked: set[str] = set()
    dynamic: list[tuple[str, int, str]] = []
    for path in sorted((REPO / "rtstation" / "gui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            if name == "QT_TRANSLATE_NOOP" and node.args:
                marked.add(_literal(node.args[0]) or "")
            elif name == "translate" and len(node.args) >= 2:
                if _literal(node.args[1]) is None:
                    dynamic.append((where, node.lineno, _literal(node.args[0]) or "?"))
            elif (
                name == "tr"
                and isinstance(func, ast.Attribute)
                and node.args
                and _literal(node.args[0]) is None
            ):
                dynamic.append((where, node.lineno, "?"))
    hidden = [
        f"{where} (context '{context}')" for where, _, context in dynamic if context not in marked
    ]
    assert not hidden, (
        "These translate()/tr() calls get their text from a variable, so lupdate never "
        "extracts the strings and the German window shows them in English. Call "
        "QCoreApplication.translate('Context', 'literal text') (or self.tr('literal')) at "
        "each place, or list the strings with QT_TRANSLATE_NOOP('Context', '...'):\n"
        + "\n".join(hidden)
    )


def test_core_sentences_are_rendered_in_german(german: QApplication) -> None:
    """The core's English reasons reach the German window translated, also when they
    are composed (a failure and its detail, a list of reasons)."""
    from rtstation.gui.core_text import render

    assert render("Listening as RTSTATION on port 104") == (
        "Empfangsbereit als RTSTATION auf Port 104"
    )
    assert (
        render("gave up after 3 attempts: connection refused (nothing listening on 10.0.0.5:104)")
        == "nach 3 Versuchen aufgegeben: Verbindung abgelehnt (auf 10.0.0.5:104 lauscht niemand)"
    )
    assert render(
        'Rule "ADP": not matched: source AE ECLIPSE is not FOLLOW; '
        "label 'Pelvis_sched' does not contain 'ADP'"
    ) == (
        "Regel „ADP“: trifft nicht zu: Quell-AE ECLIPSE ist nicht FOLLOW; "
        "Label 'Pelvis_sched' enthält 'ADP' nicht"
    )
    # one sentence with a semicolon stays one sentence
    assert render(
        "Permission denied to listen on port 104: ports below 1024 need administrator "
        "rights; use a port such as 11112"
    ).startswith("Keine Berechtigung, auf Port 104 zu lauschen")
    # a sentence nobody knows is shown as it is, never lost
    assert render("something new went wrong") == "something new went wrong"


def test_every_count_is_a_plural_form() -> None:
    """A "%n" text is looked up as a plural (numerus) message; lupdate records one only
    for ``tr(text, "", n)``, not for ``QCoreApplication.translate(ctx, text, "", n)``, and
    a text recorded without its plural forms is shown in English ("2 plan(s)")."""
    singular = [
        f"{context}: {source!r}"
        for context, source, message in _messages(TS_FILE)
        if "%n" in source and message.get("numerus") != "yes"
    ]
    assert not singular, "Counted texts without plural forms:\n" + "\n".join(singular)
