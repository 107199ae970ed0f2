"""Field tables: which ini keys, in which sections, hold which field of the model.

One table per kind of section maps dataclass fields to ini keys; loading and saving share
it. A field may be spelled several ways: the DICOM RT Station README's names (dialect
"a", our canonical spelling), the older names its code writes (dialect "b"), our own
additive keys (""), and read-only aliases ("alias"). Loading takes the first key that is
present with a non-empty value. Saving changes nothing when the value is unchanged;
otherwise it rewrites every spelling present (so they cannot disagree) or, when none is,
adds the spelling of the file's dialect.

Repeated sections (``[Node1]..[NodeN]``, ``[DicomNode3]``, ``[Node:ORGANO]``, ``[Rule7]``)
are recognised here too: numbered ones come first, by number; named ones follow in file
order.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rtstation.config.field_kinds import (
    AE_LIST,
    AE_TITLE,
    ANONYMIZATION_OPTIONS,
    BIND_ADDRESS,
    BOOL,
    BURNED_IN,
    CALLERS,
    CODE_LIST,
    LANGUAGE,
    LIST,
    LOG_LEVEL,
    MACHINE_MAPPING,
    NODE_NAME,
    OPTIONAL_AE_TITLE,
    OPTIONAL_HOST,
    OPTIONAL_PORT,
    PATH,
    PATIENT_TEXT,
    PROFILE,
    REGEX,
    TEXT,
    Kind,
    decimal,
    whole,
)
from rtstation.config.ini import IniSource
from rtstation.config.model import (
    DEFAULT_AE_TITLE,
    DEFAULT_ASSOCIATION_REQUEST_TIMEOUT,
    DEFAULT_BIND_ADDRESS,
    DEFAULT_DICOM_PORT,
    DEFAULT_HTTP_API_BIND,
    DEFAULT_HTTP_API_PORT,
    DEFAULT_MAX_ASSOCIATIONS,
    DEFAULT_METRICS_WAIT_SECONDS,
    DEFAULT_PORT,
)
from rtstation.config.paths import IMPORT_FOLDER_NAME, STORAGE_FOLDER_NAME, parse_path
from rtstation.errors import ConfigError

CANONICAL = "a"
OLD_CODE = "b"
OURS = ""
ALIAS = "alias"


def value_message(file: str, section: str, key: str, value: str, reason: str) -> str:
    """``settings.ini [Node2] ae_title 'X': must not exceed 16 characters``."""
    return f"{file} [{section}] {key} '{value}': {reason}"


def value_error(
    file: str,
    section: str,
    key: str,
    value: str,
    reason: str,
    error: type[ConfigError] = ConfigError,
) -> ConfigError:
    return error(
        value_message(file, section, key, value, reason),
        file=file,
        section=section,
        key=key,
        value=value,
    )


@dataclass(frozen=True)
class Context:
    """What parsing needs besides the text: names for messages, folders for paths."""

    file: str
    config_dir: str
    data_dir: str
    error: type[ConfigError] = ConfigError


@dataclass(frozen=True)
class Key:
    """One spelling of a field: ``section`` is empty for keys of a node or rule section."""

    name: str
    dialect: str = OURS
    section: str = ""


@dataclass(frozen=True)
class Found:
    """A spelling of a field present in the file, with the text it holds."""

    section: str
    key: str
    raw: str


@dataclass(frozen=True)
class FieldSpec:
    """One field of the model and the ini keys that may hold it."""

    attr: str
    keys: tuple[Key, ...]
    kind: Kind
    fallback: Any
    core_in: tuple[str, ...] = ()
    """Dialects whose new sections always get this key, even with its default value."""
    data_folder: str = ""
    """For a folder whose default lies in the station's data folder: its name there."""

    def default(self, ctx: Context) -> Any:
        if self.data_folder:
            return os.path.join(ctx.data_dir, self.data_folder)
        return self.fallback

    def parse(self, raw: str, ctx: Context) -> Any:
        """The value of ``raw``; raises :class:`values.Invalid` with the reason."""
        if self.kind.path:
            return parse_path(raw, ctx.config_dir, self.default(ctx))
        return self.kind.read(raw)

    def format(self, value: Any, hint: str | None) -> str:
        return self.kind.write(value, hint)


def spec(
    attr: str,
    keys: Key | Iterable[Key],
    kind: Kind,
    default: Any = None,
    *,
    core_in: tuple[str, ...] = (),
    data_folder: str = "",
) -> FieldSpec:
    """The one way the tables below declare a field."""
    keys = (keys,) if isinstance(keys, Key) else tuple(keys)
    return FieldSpec(attr, keys, kind, default, core_in, data_folder)


def _general(name: str, dialect: str = CANONICAL) -> Key:
    return Key(name, dialect, "General")


def _receiver(name: str, dialect: str = OURS) -> Key:
    return Key(name, dialect, "Receiver")


def _anonymization(name: str) -> Key:
    return Key(name, OURS, "Anonymization")


# -- settings.ini: [General], [Receiver], [Send], [SendOptions], [Logging], [Anonymization]

SETTINGS_FIELDS: tuple[FieldSpec, ...] = (
    spec(
        "storage_folder",
        (
            _general("watch_folder"),
            _general("receivedplansfolder", OLD_CODE),
            _general("storage_folder", ALIAS),
        ),
        PATH,
        data_folder=STORAGE_FOLDER_NAME,
    ),
    spec(
        "import_folder",
        (_general("import_folder"), _general("importfolder", OLD_CODE)),
        PATH,
        data_folder=IMPORT_FOLDER_NAME,
    ),
    spec(
        "clear_import_folder_after_import",
        _general("clear_import_folder_after_import"),
        BOOL,
        False,
    ),
    spec("language", _general("language", OURS), LANGUAGE, ""),
    spec(
        "ae_title",
        (_receiver("ae_title", CANONICAL), Key("aet", OLD_CODE, "LocalNode")),
        AE_TITLE,
        DEFAULT_AE_TITLE,
    ),
    spec(
        "port",
        (_receiver("port", CANONICAL), Key("receiveport", OLD_CODE, "LocalNode")),
        whole(1, 65535),
        DEFAULT_PORT,
    ),
    spec("bind_address", _receiver("bind_address"), BIND_ADDRESS, DEFAULT_BIND_ADDRESS),
    spec(
        "auto_start_receiver",
        (_receiver("auto_start_receiver", CANONICAL), _general("auto_start_receiver", OLD_CODE)),
        BOOL,
        False,
    ),
    spec("allow_list_enabled", _receiver("allow_list_enabled"), BOOL, False),
    spec("allowed_calling_aes", _receiver("allowed_calling_aes"), CALLERS, ()),
    spec("require_called_ae_title", _receiver("require_called_ae_title"), BOOL, False),
    spec(
        "receiver_max_associations",
        _receiver("max_associations"),
        whole(1, 1000),
        DEFAULT_MAX_ASSOCIATIONS,
    ),
    spec(
        "association_request_timeout",
        _receiver("association_request_timeout"),
        decimal(0.5, 600),
        DEFAULT_ASSOCIATION_REQUEST_TIMEOUT,
    ),
    spec("min_free_space_mb", _receiver("min_free_space_mb"), whole(0, 10_000_000), 500),
    spec("settle_seconds", _receiver("settle_seconds"), decimal(0, 86_400), 30.0),
    spec("max_send_attempts", Key("max_attempts", OURS, "Send"), whole(1, 1000), 8),
    spec("retry_base_seconds", Key("retry_base_seconds", OURS, "Send"), decimal(0.1, 86_400), 10.0),
    spec("retry_max_seconds", Key("retry_max_seconds", OURS, "Send"), decimal(0.1, 604_800), 600.0),
    spec(
        "delete_after_send",
        (Key("delete_after_send", OURS, "SendOptions"), Key("delete_after_send", ALIAS, "Send")),
        BOOL,
        False,
    ),
    spec("log_level", Key("log_level", OURS, "Logging"), LOG_LEVEL, "INFO"),
    # housekeeping (model.py): one line each, [Retention], [General], [Logging]
    spec("retention_days", Key("max_age_days", OURS, "Retention"), whole(0, 36_500), 0),
    spec(
        "retention_max_storage_gb", Key("max_storage_gb", OURS, "Retention"), decimal(0, 1e6), 0.0
    ),
    spec("retention_only_delivered", Key("only_delivered", OURS, "Retention"), BOOL, True),
    spec(
        "retention_interval_minutes",
        Key("interval_minutes", OURS, "Retention"),
        whole(1, 10_080),
        60,
    ),
    spec("watch_import_folder", _general("watch_import_folder", OURS), BOOL, False),
    spec("import_quiet_seconds", _general("import_quiet_seconds", OURS), decimal(0.5, 3600), 5.0),
    spec("import_include", _general("import_include", OURS), LIST, ()),
    spec("import_exclude", _general("import_exclude", OURS), LIST, ()),
    spec("log_max_mb", Key("max_file_mb", OURS, "Logging"), whole(1, 10_000), 10),
    spec("log_keep_days", Key("keep_days", OURS, "Logging"), whole(0, 36_500), 30),
    spec("verbose_info_logging", Key("verbose_info_logging", CANONICAL, "Logging"), BOOL, False),
    spec("anonymization_profile", _anonymization("profile"), PROFILE, "aria"),
    spec("anonymization_options", _anonymization("options"), ANONYMIZATION_OPTIONS, None),
    spec("anonymization_uid_map_file", _anonymization("uid_map_file"), PATH, ""),
    spec("anonymization_burned_in", _anonymization("burned_in"), BURNED_IN, "refuse"),
    spec(
        "metrics_wait_seconds",
        Key("metrics_wait_seconds", OURS, "Metrics"),
        decimal(0, 86_400),
        DEFAULT_METRICS_WAIT_SECONDS,
    ),
    spec("http_api_enabled", Key("http_api_enabled", OURS, "Metrics"), BOOL, False),
    spec(
        "http_api_bind",
        Key("http_api_bind", OURS, "Metrics"),
        BIND_ADDRESS,
        DEFAULT_HTTP_API_BIND,
    ),
    spec(
        "http_api_port",
        Key("http_api_port", OURS, "Metrics"),
        whole(1, 65535),
        DEFAULT_HTTP_API_PORT,
    ),
)

FOLDER_FIELDS = ("storage_folder", "import_folder")

UNUSED_OLD_KEYS: dict[str, frozenset[str]] = {"General": frozenset({"receiveport"})}
"""Keys the DICOM RT Station's code writes but nothing reads, by section: loading ignores
them without a warning. Its fallback for a missing file put ``ReceivePort`` into
[General] as well as [LocalNode]; only the [LocalNode] one was ever read."""


def settings_spec(attr: str) -> FieldSpec:
    return next(item for item in SETTINGS_FIELDS if item.attr == attr)


# -- settings.ini node sections ----------------------------------------------------------

NODE_PREFIXES = ("DicomNode", "Node")
BOTH = (CANONICAL, OLD_CODE)

NODE_AE_TITLE = spec(
    "ae_title",
    (
        Key("called_ae_title", ALIAS),
        Key("ae_title", CANONICAL),
        Key("aet", OLD_CODE),
        Key("called_ae", ALIAS),
    ),
    OPTIONAL_AE_TITLE,
    "",
    core_in=BOTH,
)
NODE_HOST = spec("host", (Key("ip"), Key("host", ALIAS)), OPTIONAL_HOST, "", core_in=BOTH)
NODE_PORT = spec("port", Key("port"), OPTIONAL_PORT, DEFAULT_DICOM_PORT, core_in=BOTH)
REQUIRED_WHEN_ENABLED = (NODE_AE_TITLE, NODE_HOST, NODE_PORT)
"""An enabled node needs these; a disabled placeholder may leave them empty."""

NODE_FIELDS: tuple[FieldSpec, ...] = (
    spec("name", Key("name"), NODE_NAME, "", core_in=BOTH),
    spec("enabled", Key("enabled"), BOOL, True, core_in=BOTH),
    NODE_AE_TITLE,
    NODE_HOST,
    NODE_PORT,
    spec(
        "calling_ae",
        (Key("calling_ae_title"), Key("calling_ae", ALIAS)),
        OPTIONAL_AE_TITLE,
        "",
        core_in=(CANONICAL,),
    ),
    spec("max_associations", Key("max_associations"), whole(1, 64), 1),
    spec("tls", Key("tls"), BOOL, False),
    spec("tls_ca_file", Key("tls_ca_file"), PATH, ""),
    spec("tls_cert_file", Key("tls_cert_file"), PATH, ""),
    spec("tls_key_file", Key("tls_key_file"), PATH, ""),
)


def node_dialect(section: str) -> str:
    """``[DicomNodeN]`` sections use the old code's key names (``aet``)."""
    return OLD_CODE if section.strip().lower().startswith("dicomnode") else CANONICAL


# -- rules.ini ---------------------------------------------------------------------------

RULE_PREFIXES = ("Rule",)
_CORE = (CANONICAL,)

RULES_ENABLED = spec("rules_enabled", _general("rules_enabled"), BOOL, True)

RULE_FIELDS: tuple[FieldSpec, ...] = (
    spec("name", Key("name", CANONICAL), TEXT, "", core_in=_CORE),
    spec("enabled", Key("enabled", CANONICAL), BOOL, True, core_in=_CORE),
    spec(
        "source_aes",
        (Key("source_ae", CANONICAL), Key("source_aes", ALIAS)),
        AE_LIST,
        (),
        core_in=_CORE,
    ),
    spec(
        "target_nodes",
        (Key("target_nodes", CANONICAL), Key("target_node", ALIAS)),
        LIST,
        (),
        core_in=_CORE,
    ),
    spec("plan_label_match", Key("plan_label_match", CANONICAL), TEXT, "", core_in=_CORE),
    spec("plan_label_exclude", Key("plan_label_exclude"), TEXT, ""),
    spec("plan_label_regex", Key("plan_label_regex"), REGEX, ""),
    spec("plan_name_regex", Key("plan_name_regex"), REGEX, ""),
    spec("approved_only", Key("approved_only"), BOOL, False),
    spec("treatment_machines", Key("treatment_machines"), LIST, ()),
    spec("plan_intents", Key("plan_intents"), CODE_LIST, ()),
    spec("required_modalities", Key("required_modalities"), CODE_LIST, ()),
    spec("metrics_condition", Key("metrics_condition"), TEXT, ""),
    spec("machine_mapping", Key("machine_mapping"), MACHINE_MAPPING, ()),
    spec("anonymize", Key("anonymize"), BOOL, False),
    spec("anonymize_patient_id", Key("anonymize_patient_id"), PATIENT_TEXT, ""),
    spec("anonymize_patient_name", Key("anonymize_patient_name"), PATIENT_TEXT, ""),
)


# -- finding the spellings present in a file ---------------------------------------------


def choose(found: Sequence[Found]) -> Found | None:
    """The spelling that counts: the first one with a value, else the first present."""
    for item in found:
        if item.raw.strip():
            return item
    return found[0] if found else None


def found_in_file(source: IniSource, field: FieldSpec) -> list[Found]:
    """The spellings of a settings or [General] field present in ``source``, in order."""
    found = []
    for key in field.keys:
        section = source.find(key.section)
        if section is not None and key.name in source.sections[section]:
            found.append(Found(section, key.name, source.sections[section][key.name]))
    return found


def found_in_section(section: str, keys: dict[str, str], field: FieldSpec) -> list[Found]:
    """The spellings of a node or rule field present in one section's ``keys``."""
    return [Found(section, key.name, keys[key.name]) for key in field.keys if key.name in keys]


def key_for_new(field: FieldSpec, dialect: str, existing_sections: Sequence[str] = ()) -> Key:
    """The spelling to add when the file has none: the file's dialect, else canonical.

    For settings fields, a spelling whose section already exists is preferred, so an old
    file with [LocalNode] but no [Receiver] gets ``aet`` added there.
    """
    writable = [key for key in field.keys if key.dialect != ALIAS]
    folded = {section.casefold() for section in existing_sections}
    for key in writable:
        if key.dialect == dialect and (not key.section or key.section.casefold() in folded):
            return key
    for key in writable:
        if key.dialect in (dialect, OURS, CANONICAL) and key.section.casefold() in folded:
            return key
    for key in writable:
        if key.dialect in (dialect, OURS):
            return key
    return writable[0]


# -- repeated sections -------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSection:
    """One repeated section: its name in the file, its number, or the name it carries."""

    section: str
    number: int | None
    label: str
    position: int

    @property
    def sort_key(self) -> tuple[float, int]:
        return (self.number if self.number is not None else math.inf, self.position)


def _patterns(prefixes: Sequence[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    alternatives = "|".join(re.escape(prefix) for prefix in prefixes)
    numbered = re.compile(rf"^\s*(?:{alternatives})\s*(\d+)\s*$", re.IGNORECASE)
    named = re.compile(rf"^\s*(?:{alternatives})\s*[:\s]\s*(\S.*?)\s*$", re.IGNORECASE)
    return numbered, named


def classify(section: str, prefixes: Sequence[str], position: int = 0) -> ItemSection | None:
    """``ItemSection`` if ``section`` is one of the repeated sections, else None."""
    numbered, named = _patterns(prefixes)
    match = numbered.match(section)
    if match:
        return ItemSection(section, int(match.group(1)), "", position)
    match = named.match(section)
    if match:
        return ItemSection(section, None, match.group(1), position)
    return None


def item_sections(sections: Iterable[str], prefixes: Sequence[str]) -> list[ItemSection]:
    """The repeated sections among ``sections`` (file order), sorted into load order."""
    found = []
    for position, section in enumerate(sections):
        item = classify(section, prefixes, position)
        if item is not None:
            found.append(item)
    return sorted(found, key=lambda item: item.sort_key)


def default_node_name(item: ItemSection | None, ae_title: str, section: str) -> str:
    """Name of a node without ``name``: ``[Node:X]`` -> X, else its AE title, else the
    section name (an empty placeholder such as ``[DicomNode3]`` still gets a name)."""
    if item is None:
        item = classify(section, NODE_PREFIXES)
    if item is not None and item.label:
        return item.label
    return ae_title or section.strip()


def default_rule_name(section: str) -> str:
    """Name of a rule without ``name``: ``[Rule:X]`` -> X, else the section name."""
    item = classify(section, RULE_PREFIXES)
    return item.label if item is not None and item.label else section
