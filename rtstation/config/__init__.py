"""Configuration: settings.ini and rules.ini as frozen dataclasses.

An entry point loads everything at once::

    paths, settings, rules = load_station_config(args.config)   # None = the user's folders

which writes the commented default files on first run, loads both files, and checks that
the station can use its folders. Nothing here is global: the objects are passed down
explicitly, and nothing imports Qt.

The modules, by concern:

* ``model``      the dataclasses (Settings, Node, Rule, RulesConfig, AllowedCaller)
* ``values``     one value: validators, and text <-> value
* ``validation`` a whole configuration: rules between values, usable folders
* ``ini``        the ini file as a document: reading it, editing its lines
* ``fields``     the tables of which ini keys hold which field, in both dialects
* ``load``       files -> model;  ``save``: model -> files, keeping what the user wrote
* ``templates``  the commented default files;  ``paths``: where files and folders live;
  ``atomic``: replacing a file so readers never see half of it
"""

from __future__ import annotations

from rtstation.config.fields import (
    NODE_FIELDS,
    RULE_FIELDS,
    SETTINGS_FIELDS,
    Context,
    FieldSpec,
)
from rtstation.config.load import (
    check_targets,
    default_settings,
    load_rules,
    load_settings,
    load_station_config,
)
from rtstation.config.model import (
    ANY_SOURCE,
    DEFAULT_AE_TITLE,
    DEFAULT_BIND_ADDRESS,
    DEFAULT_DICOM_PORT,
    DEFAULT_PORT,
    IMPORT_FOLDER_AE,
    AllowedCaller,
    Node,
    Rule,
    RulesConfig,
    Settings,
)
from rtstation.config.paths import ConfigPaths, default_paths, ensure_default_files
from rtstation.config.save import save_rules, save_settings
from rtstation.config.validation import (
    check_folders,
    check_settings,
    folder_problem,
    folders_overlap,
)
from rtstation.config.values import (
    LOG_LEVELS,
    PLAN_INTENTS,
    Invalid,
    validate_ae_title,
    validate_bind_address,
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
    "DEFAULT_BIND_ADDRESS",
    "DEFAULT_DICOM_PORT",
    "DEFAULT_PORT",
    "IMPORT_FOLDER_AE",
    "LOG_LEVELS",
    "NODE_FIELDS",
    "PLAN_INTENTS",
    "RULE_FIELDS",
    "SETTINGS_FIELDS",
    "AllowedCaller",
    "ConfigPaths",
    "Context",
    "FieldSpec",
    "Invalid",
    "Node",
    "Rule",
    "RulesConfig",
    "Settings",
    "check_folders",
    "check_settings",
    "check_targets",
    "default_paths",
    "default_settings",
    "ensure_default_files",
    "folder_problem",
    "folders_overlap",
    "load_rules",
    "load_settings",
    "load_station_config",
    "save_rules",
    "save_settings",
    "validate_ae_title",
    "validate_bind_address",
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
