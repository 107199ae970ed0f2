"""settings.ini <-> :class:`Settings`.

Both spellings of the DICOM RT Station load unchanged (see fields.py for the dialects);
our own keys are additive. A bad value raises one ConfigError sentence naming file,
section, key and value; unknown keys and sections are logged and left alone, and saving
keeps them (ini_writer.py).
"""

from __future__ import annotations

import logging
import os
from dataclasses import fields as dataclass_fields

from rtstation.config import values
from rtstation.config.fields import (
    ALIAS,
    CANONICAL,
    OLD_CODE,
    OURS,
    Context,
    FieldSpec,
    Found,
    Key,
    load_value,
)
from rtstation.config.inifile import IniSource, read_ini, value_error
from rtstation.config.model import DEFAULT_AE_TITLE, DEFAULT_PORT, Settings
from rtstation.config.nodes_io import is_node_section, load_nodes
from rtstation.config.paths import default_data_dir, default_folders

LOGGER = logging.getLogger(__name__)

_DEFAULTS = {f.name: f.default for f in dataclass_fields(Settings)}


def _default(attr: str):
    return lambda ctx: _DEFAULTS[attr]


def _path_field(attr: str, index: int, keys: tuple[Key, ...]) -> FieldSpec:
    def default(ctx: Context) -> str:
        return default_folders(ctx.data_dir)[index]

    def parse(raw: str, ctx: Context) -> str:
        return values.parse_path(raw, ctx.config_dir, default(ctx))

    return FieldSpec(attr, keys, parse, values.format_text, default)


def _bool(attr: str, *keys: Key) -> FieldSpec:
    return FieldSpec(
        attr, keys, lambda raw, ctx: values.parse_bool(raw), values.format_bool, _default(attr)
    )


def _int(attr: str, low: int, high: int, *keys: Key) -> FieldSpec:
    return FieldSpec(
        attr,
        keys,
        lambda raw, ctx: values.parse_int(raw, low, high),
        values.format_number,
        _default(attr),
    )


def _float(attr: str, low: float, high: float, *keys: Key) -> FieldSpec:
    return FieldSpec(
        attr,
        keys,
        lambda raw, ctx: values.parse_float(raw, low, high),
        values.format_number,
        _default(attr),
    )


SETTINGS_FIELDS: tuple[FieldSpec, ...] = (
    _path_field(
        "storage_folder",
        0,
        (
            Key("watch_folder", CANONICAL, "General"),
            Key("receivedplansfolder", OLD_CODE, "General"),
            Key("storage_folder", ALIAS, "General"),
        ),
    ),
    _path_field(
        "import_folder",
        1,
        (Key("import_folder", CANONICAL, "General"), Key("importfolder", OLD_CODE, "General")),
    ),
    _bool(
        "clear_import_folder_after_import",
        Key("clear_import_folder_after_import", CANONICAL, "General"),
    ),
    FieldSpec(
        "language",
        (Key("language", OURS, "General"),),
        lambda raw, ctx: values.parse_language(raw),
        values.format_text,
        _default("language"),
    ),
    FieldSpec(
        "ae_title",
        (Key("ae_title", CANONICAL, "Receiver"), Key("aet", OLD_CODE, "LocalNode")),
        lambda raw, ctx: values.parse_ae_title(raw),
        values.format_text,
        lambda ctx: DEFAULT_AE_TITLE,
    ),
    FieldSpec(
        "port",
        (Key("port", CANONICAL, "Receiver"), Key("receiveport", OLD_CODE, "LocalNode")),
        lambda raw, ctx: values.parse_int(raw, 1, 65535),
        values.format_number,
        lambda ctx: DEFAULT_PORT,
    ),
    _bool(
        "auto_start_receiver",
        Key("auto_start_receiver", CANONICAL, "Receiver"),
        Key("auto_start_receiver", OLD_CODE, "General"),
    ),
    _bool("allow_list_enabled", Key("allow_list_enabled", OURS, "Receiver")),
    FieldSpec(
        "allowed_calling_aes",
        (Key("allowed_calling_aes", OURS, "Receiver"),),
        lambda raw, ctx: values.parse_callers(raw),
        values.format_callers,
        _default("allowed_calling_aes"),
    ),
    _int("min_free_space_mb", 0, 10_000_000, Key("min_free_space_mb", OURS, "Receiver")),
    _float("settle_seconds", 0, 86_400, Key("settle_seconds", OURS, "Receiver")),
    _int("max_send_attempts", 1, 1000, Key("max_attempts", OURS, "Send")),
    _float("retry_base_seconds", 0.1, 86_400, Key("retry_base_seconds", OURS, "Send")),
    _float("retry_max_seconds", 0.1, 604_800, Key("retry_max_seconds", OURS, "Send")),
    _bool(
        "delete_after_send",
        Key("delete_after_send", OURS, "SendOptions"),
        Key("delete_after_send", ALIAS, "Send"),
    ),
    FieldSpec(
        "log_level",
        (Key("log_level", OURS, "Logging"),),
        lambda raw, ctx: values.parse_log_level(raw),
        values.format_log_level,
        _default("log_level"),
    ),
    _bool("verbose_info_logging", Key("verbose_info_logging", CANONICAL, "Logging")),
)

KNOWN_SECTIONS = ("General", "Receiver", "LocalNode", "Send", "SendOptions", "Logging")


def make_context(path: str | os.PathLike[str], data_dir: str | None) -> Context:
    path = os.path.abspath(os.fspath(path))
    return Context(
        file=os.path.basename(path),
        config_dir=os.path.dirname(path),
        data_dir=data_dir if data_dir is not None else default_data_dir(),
    )


def default_settings(data_dir: str | None = None) -> Settings:
    """Settings of a station without settings.ini: folders inside ``data_dir``."""
    storage, import_folder = default_folders(
        data_dir if data_dir is not None else default_data_dir()
    )
    return Settings(storage_folder=storage, import_folder=import_folder)


def find_keys(source: IniSource, spec: FieldSpec) -> list[Found]:
    """The spellings of a settings field present in ``source``, in precedence order."""
    found = []
    for key in spec.keys:
        section = source.find(key.section)
        if section is not None and key.name in source.sections[section]:
            found.append(Found(section, key.name, source.sections[section][key.name]))
    return found


def load_settings(path: str | os.PathLike[str], *, data_dir: str | None = None) -> Settings:
    """Read settings.ini at ``path``; a missing file gives the defaults.

    ``data_dir`` is where default folders go (``ConfigPaths.data_dir``); None means the
    platform's user data folder. Relative folders resolve against the file's folder.
    """
    if not os.path.exists(path):
        LOGGER.info("%s not found; using default settings", os.fspath(path))
        return default_settings(data_dir)
    ctx = make_context(path, data_dir)
    return settings_from_source(read_ini(path), ctx)


def settings_from_source(source: IniSource, ctx: Context) -> Settings:
    """Build Settings from an already parsed file (shared by load and save)."""
    loaded = {spec.attr: load_value(spec, find_keys(source, spec), ctx) for spec in SETTINGS_FIELDS}
    if loaded["retry_max_seconds"] < loaded["retry_base_seconds"]:
        spec = next(s for s in SETTINGS_FIELDS if s.attr == "retry_max_seconds")
        found = find_keys(source, spec)
        section, key, raw = (
            (found[0].section, found[0].key, found[0].raw)
            if found
            else ("Send", "retry_max_seconds", values.format_number(loaded["retry_max_seconds"]))
        )
        raise value_error(
            ctx.file,
            section,
            key,
            raw,
            "must not be less than retry_base_seconds "
            f"({values.format_number(loaded['retry_base_seconds'])})",
        )
    if loaded["allow_list_enabled"] and not loaded["allowed_calling_aes"]:
        LOGGER.warning(
            "%s: allow_list_enabled is on but allowed_calling_aes is empty, so every "
            "association will be rejected",
            ctx.file,
        )
    _warn_unknown(source, ctx)
    nodes = load_nodes(source, ctx)
    return Settings(**loaded, nodes=nodes)


def _warn_unknown(source: IniSource, ctx: Context) -> None:
    """Log keys and sections we do not know: usually a typo the user wants to hear about."""
    known: dict[str, set[str]] = {}
    for spec in SETTINGS_FIELDS:
        for key in spec.keys:
            known.setdefault(key.section.casefold(), set()).add(key.name)
    for section, keys in source.sections.items():
        if is_node_section(section):
            continue
        if section.casefold() not in known:
            LOGGER.warning("%s: section [%s] is not used by rtstation", ctx.file, section)
            continue
        for key in keys:
            if key not in known[section.casefold()]:
                LOGGER.warning("%s [%s]: unknown key '%s' is ignored", ctx.file, section, key)


def check_settings(settings: Settings, file: str = "settings.ini") -> None:
    """Raise ConfigError if ``settings`` holds a value its file could not hold.

    Used by :func:`apply_overrides` and before saving, so an invalid value from a dialog
    or a command line flag is caught with a message, not written to disk.
    """
    ctx = Context(file=file, config_dir="", data_dir="")
    for spec in SETTINGS_FIELDS:
        if spec.attr in ("storage_folder", "import_folder"):
            continue
        key = spec.keys[0]
        value = getattr(settings, spec.attr)
        text = spec.format(value, None)
        try:
            parsed = spec.parse(text, ctx)
        except (values.Invalid, TypeError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, values.Invalid) else str(exc)
            raise value_error(file, key.section, key.name, text, reason) from None
        if parsed != value:
            raise value_error(
                file, key.section, key.name, text, "cannot be written to the file unchanged"
            )
    first: dict[str, str] = {}
    for index, node in enumerate(settings.nodes, start=1):
        section = node.section or f"Node{index}"
        other = first.setdefault(node.name.casefold(), section)
        if other != section:
            raise value_error(
                file,
                section,
                "name",
                node.name,
                f"another node is already called '{node.name}' ([{other}]); node names "
                "must be unique",
            )
    if settings.retry_max_seconds < settings.retry_base_seconds:
        raise value_error(
            file,
            "Send",
            "retry_max_seconds",
            values.format_number(settings.retry_max_seconds),
            "must not be less than retry_base_seconds "
            f"({values.format_number(settings.retry_base_seconds)})",
        )
