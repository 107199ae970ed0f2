"""Everything a station reads at start: its folders, settings.ini and rules.ini."""

from __future__ import annotations

import os

from rtstation.config.model import RulesConfig, Settings
from rtstation.config.paths import ConfigPaths, default_paths, ensure_default_files
from rtstation.config.rules_io import load_rules
from rtstation.config.settings_io import load_settings


def load_station_config(
    config_dir: str | os.PathLike[str] | None = None,
) -> tuple[ConfigPaths, Settings, RulesConfig]:
    """Paths, settings and rules of ``config_dir`` (None: the user's folders).

    On first run the commented default files are written, as the original station did.
    Raises ConfigError with the exact problem when a file cannot be used.
    """
    paths = default_paths(config_dir)
    ensure_default_files(paths)
    settings = load_settings(paths.settings_file, data_dir=paths.data_dir)
    return paths, settings, load_rules(paths.rules_file, settings)
