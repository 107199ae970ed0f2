"""Where configuration, data and logs live.

By default the platform's per-user folders (platformdirs). ``--config DIR`` moves
everything, data and logs included, under DIR, so tests and several stations on one
machine never touch the user's own files.
"""

from __future__ import annotations

import logging
import ntpath
import os
import re
from dataclasses import dataclass

import platformdirs

from rtstation.config import values
from rtstation.config.atomic import write_atomic
from rtstation.config.templates import rules_template, settings_template
from rtstation.errors import ConfigError

LOGGER = logging.getLogger(__name__)

APP_NAME = "rtstation"
SETTINGS_FILE = "settings.ini"
RULES_FILE = "rules.ini"
STORAGE_FOLDER_NAME = "received_plans"
IMPORT_FOLDER_NAME = "import"


@dataclass(frozen=True)
class ConfigPaths:
    """The station's folders and configuration files, all absolute."""

    config_dir: str
    settings_file: str
    rules_file: str
    data_dir: str
    log_dir: str


def default_data_dir() -> str:
    """The per-user data folder used when no ``--config`` directory is given."""
    return platformdirs.user_data_dir(APP_NAME, appauthor=False)


def default_paths(config_dir: str | os.PathLike[str] | None = None) -> ConfigPaths:
    """Paths for a station: the user's platform folders, or all under ``config_dir``."""
    if config_dir is None:
        directory = platformdirs.user_config_dir(APP_NAME, appauthor=False)
        data_dir = default_data_dir()
        log_dir = platformdirs.user_log_dir(APP_NAME, appauthor=False)
    else:
        directory = _config_dir(config_dir)
        data_dir = os.path.join(directory, "data")
        log_dir = os.path.join(directory, "logs")
    return ConfigPaths(
        config_dir=directory,
        settings_file=os.path.join(directory, SETTINGS_FILE),
        rules_file=os.path.join(directory, RULES_FILE),
        data_dir=data_dir,
        log_dir=log_dir,
    )


def _config_dir(config_dir: str | os.PathLike[str]) -> str:
    """``config_dir`` made absolute; an empty name is refused.

    An empty ``--config ""`` is what an unset shell variable gives, and made absolute it is
    the current directory: settings.ini, rules.ini, data and logs would be written wherever
    the command happened to start.
    """
    text = os.fspath(config_dir)
    if not text:
        raise ConfigError("The configuration folder '' is an empty name: give the path of a folder")
    return os.path.abspath(text)


def check_config_dir(directory: str) -> None:
    """Raise ConfigError when ``directory`` is not a folder and cannot become one.

    A file, a device (``/dev/null``) or a path under a file would otherwise fail deep in
    ``os.makedirs`` with a traceback; the message names the path and what is in the way,
    and nothing has been written yet.
    """
    if os.path.isdir(directory):
        return
    if os.path.lexists(directory):
        raise ConfigError(
            f"The configuration folder '{directory}' is a file, not a folder: give the path "
            "of a folder"
        )
    blocker = _first_existing_parent(directory)
    if blocker is not None and not os.path.isdir(blocker):
        raise ConfigError(
            f"The configuration folder '{directory}' cannot be created: '{blocker}' is a "
            "file, not a folder"
        )


def _first_existing_parent(path: str) -> str | None:
    """The nearest ancestor of ``path`` that exists (a file or a folder), if any."""
    parent = os.path.dirname(path)
    while parent and parent != path:
        if os.path.lexists(parent):
            return parent
        path, parent = parent, os.path.dirname(parent)
    return None


def default_folders(data_dir: str) -> tuple[str, str]:
    """Default storage and import folders inside ``data_dir``."""
    return os.path.join(data_dir, STORAGE_FOLDER_NAME), os.path.join(data_dir, IMPORT_FOLDER_NAME)


def ensure_default_files(paths: ConfigPaths) -> tuple[str, ...]:
    """Write commented default settings.ini and rules.ini where they are missing.

    The original station "creates default configuration files on first run"; the files
    document every key, so a physicist can edit them without the manual. Folders under the
    config directory are written relative to it, so a ``--config`` directory can be moved.
    Existing files are never touched. Returns the files that were created. A config
    directory that cannot be a folder raises ConfigError (:func:`check_config_dir`).
    """
    check_config_dir(paths.config_dir)
    try:
        os.makedirs(paths.config_dir, exist_ok=True)
    except OSError as exc:  # permissions, a race with a file appearing, a read-only disk
        raise ConfigError(
            f"The configuration folder '{paths.config_dir}' cannot be created "
            f"({exc.strerror or exc})"
        ) from exc
    created = []
    if not os.path.exists(paths.settings_file):
        storage, import_folder = default_folders(paths.data_dir)
        text = settings_template(
            storage_folder=_relative_if_inside(storage, paths.config_dir),
            import_folder=_relative_if_inside(import_folder, paths.config_dir),
        )
        write_atomic(paths.settings_file, text)
        created.append(paths.settings_file)
        LOGGER.info("Created default settings file %s", paths.settings_file)
    if not os.path.exists(paths.rules_file):
        write_atomic(paths.rules_file, rules_template())
        created.append(paths.rules_file)
        LOGGER.info("Created default rules file %s", paths.rules_file)
    return tuple(created)


def _relative_if_inside(path: str, directory: str) -> str:
    try:
        relative = os.path.relpath(path, directory)
    except ValueError:  # another drive on Windows
        return path
    if relative.startswith(os.pardir):
        return path
    return relative.replace(os.sep, "/")


# -- paths as settings.ini writes them -------------------------------------------------


def is_absolute_path(text: str) -> bool:
    """Absolute on this OS or written as a Windows path (``d:\\x``, ``\\\\server\\x``).

    A settings.ini written on Windows must keep its paths exactly, even when a test or a
    Linux station reads it.
    """
    return os.path.isabs(text) or ntpath.isabs(text) or bool(re.match(r"^[A-Za-z]:", text))


def parse_path(text: str, base_dir: str, default: str) -> str:
    """Empty = ``default``; relative paths are resolved against ``base_dir``."""
    text = values.single_line(text).strip()
    if not text:
        return default
    if "\0" in text:
        raise values.Invalid("must not contain a NUL character")
    expanded = os.path.expanduser(text) if text.startswith("~") else text
    if is_absolute_path(expanded):
        return expanded
    return os.path.normpath(os.path.join(base_dir, expanded))
