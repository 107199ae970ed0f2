"""Load the user interface translation: English source text, German from a .qm file.

The users of the station we replace work in German ("DICOM-Empfänger starten", "Senden"),
so German ships with the package: ``rtstation/resources/translations/rtstation_de.qm``,
compiled from ``resources/translations/rtstation_de.ts`` by
``scripts/update_translations.sh``. Qt's own German (standard buttons, "Show Details...")
comes from the ``qtbase_de.qm`` that PySide6 ships.

Only the GUI translates. Messages from the core (config errors, rule explanations, DICOM
reasons) stay English, as in the CLI and the log, except the config layer's constant
field reasons, which the dialogs look up in the ``ConfigReason`` context.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

LOGGER = logging.getLogger(__name__)

SUPPORTED = ("en", "de")
"""Languages with a translation; English is the source language and needs no file."""

_TRANSLATOR_NAME = "rtstation-translator"


def translations_dir() -> Path:
    """Where the compiled .qm files are, inside the installed package."""
    return Path(str(resources.files("rtstation") / "resources" / "translations"))


def resolve_language(language: str) -> str:
    """``""`` (system), ``"de"``, ``"de_AT"``, ``"en"``... -> a code in :data:`SUPPORTED`.

    Anything we have no translation for falls back to English, the source language.
    """
    code = language.strip() if language else ""
    if not code:
        code = QLocale.system().name()
    code = code.replace("-", "_").split("_")[0].lower()
    return code if code in SUPPORTED else "en"


def _remove_ours(app: QCoreApplication) -> None:
    for translator in app.findChildren(QTranslator, _TRANSLATOR_NAME):
        app.removeTranslator(translator)
        translator.setParent(None)
        translator.deleteLater()


def _load(app: QCoreApplication, name: str, directory: str) -> bool:
    translator = QTranslator(app)  # parented: lives as long as the application
    translator.setObjectName(_TRANSLATOR_NAME)
    if not translator.load(name, directory):
        translator.setParent(None)
        translator.deleteLater()
        return False
    app.installTranslator(translator)
    return True


def install_translator(app: QCoreApplication, language: str) -> str:
    """Install the translation for ``language`` (``""`` = the system's); return its code.

    Calling it again replaces what an earlier call installed. Returns ``"en"`` when no
    translation applies, or when the German file is missing (logged, never fatal: an
    English window is better than none).
    """
    wanted = resolve_language(language)
    _remove_ours(app)
    if wanted == "en":
        LOGGER.debug("User interface language: English")
        return "en"
    directory = translations_dir()
    if not _load(app, f"rtstation_{wanted}", str(directory)):
        LOGGER.warning("No translation 'rtstation_%s.qm' in %s; using English", wanted, directory)
        return "en"
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not _load(app, f"qtbase_{wanted}", qt_dir):
        LOGGER.info("Qt's own '%s' translation not found in %s", wanted, qt_dir)
    LOGGER.info("User interface language: %s", wanted)
    return wanted
