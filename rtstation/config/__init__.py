"""Configuration: settings.ini and rules.ini as frozen dataclasses.

Typical use by an entry point::

    paths = default_paths(args.config)          # None = the user's platform folders
    ensure_default_files(paths)
    settings = load_settings(paths.settings_file, data_dir=paths.data_dir)
    settings = apply_overrides(settings, port=args.port, ae_title=args.ae_title)
    rules = load_rules(paths.rules_file, settings)

Nothing here is global: the objects are passed down explicitly (STYLE.md §5), and nothing
imports Qt.
"""

from __future__ import annotations

from rtstation.config.ini_writer import save_rules, save_settings
from rtstation.config.model import (
    ANY_SOURCE,
    DEFAULT_AE_TITLE,
    DEFAULT_PORT,
    IMPORT_FOLDER_AE,
    AllowedCaller,
    Node,
    Rule,
    RulesConfig,
    Settings,
)
from rtstation.config.overrides import apply_overrides
from rtstation.config.paths import ConfigPaths, default_paths, ensure_default_files
from rtstation.config.rules_io import load_rules
from rtstation.config.settings_io import check_settings, default_settings, load_settings
from rtstation.config.station_config import load_station_config
from rtstation.config.validate import (
    validate_ae_title,
    validate_bool_text,
    validate_calling_ae,
    validate_code_string,
    validate_float_range,
    validate_host,
    validate_ini_text,
    validate_int_range,
    validate_language,
    validate_log_level,
    validate_node_name,
    validate_port,
    validate_regex,
)

__all__ = [
    "ANY_SOURCE",
    "DEFAULT_AE_TITLE",
    "DEFAULT_PORT",
    "IMPORT_FOLDER_AE",
    "AllowedCaller",
    "ConfigPaths",
    "Node",
    "Rule",
    "RulesConfig",
    "Settings",
    "apply_overrides",
    "check_settings",
    "default_paths",
    "default_settings",
    "ensure_default_files",
    "load_rules",
    "load_settings",
    "load_station_config",
    "save_rules",
    "save_settings",
    "validate_ae_title",
    "validate_bool_text",
    "validate_calling_ae",
    "validate_code_string",
    "validate_float_range",
    "validate_host",
    "validate_ini_text",
    "validate_int_range",
    "validate_language",
    "validate_log_level",
    "validate_node_name",
    "validate_port",
    "validate_regex",
]
