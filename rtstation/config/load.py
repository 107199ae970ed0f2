"""Loading: settings.ini and rules.ini into the model.

Both spellings of the DICOM RT Station load unchanged (see fields.py for the dialects);
our own keys are additive. A bad value raises one ConfigError sentence naming file,
section, key and value; unknown keys and sections of settings.ini are logged and left
alone, and saving keeps them.

A node that is disabled may be an unfinished placeholder (the original station wrote three
empty node sections), so its AE title, host and port may be empty; an enabled node needs
all three. A value that is present but wrong is an error either way.

Unknown keys and sections of settings.ini are kept in ``Settings.warnings`` (with their line
and, for a near miss, the spelling probably meant), and ``load_station_config`` hands them
on at the front of ``RulesConfig.warnings``: that is the list ``rtstation config`` prints
and serve and the GUI log, so a ``[Reciever]`` is heard about instead of silently running
the station on defaults.

A rule's ``metrics_condition`` is parsed by rtstation.dicom, which this layer may not
import; callers pass the parser's check in as ``check_condition`` and an unreadable
condition is then a RuleError like a bad regex (else the rule would never match).

A rule is checked against the nodes of settings.ini: an enabled rule naming an unknown
node is a RuleError (it would silently forward nothing), while a disabled one only earns
a warning, because the DICOM RT Station ships a disabled example rule naming
"Knoten1,Knoten2". Every other problem that loading tolerates (unknown keys, an unknown
plan intent) also ends up in ``RulesConfig.warnings`` for the window and ``rtstation
config``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

from rtstation.config import validation, values
from rtstation.config.fields import (
    NODE_FIELDS,
    NODE_PREFIXES,
    REQUIRED_WHEN_ENABLED,
    RULE_FIELDS,
    RULE_PREFIXES,
    RULES_ENABLED,
    SETTINGS_FIELDS,
    Context,
    FieldSpec,
    Found,
    ItemSection,
    choose,
    classify,
    default_node_name,
    default_rule_name,
    found_in_file,
    found_in_section,
    item_sections,
    key_for_new,
    node_dialect,
    value_error,
    value_message,
)
from rtstation.config.ini import IniSource, read_ini
from rtstation.config.model import Node, Rule, RulesConfig, Settings
from rtstation.config.paths import (
    ConfigPaths,
    default_data_dir,
    default_folders,
    default_paths,
    ensure_default_files,
)
from rtstation.config.unknown_keys import close_match, line_numbers, located, unknown_settings
from rtstation.errors import RuleError

LOGGER = logging.getLogger(__name__)

ConditionCheck = Callable[[str], str]
"""Why a metrics_condition text cannot be used ("" when it can): the parser lives in
rtstation.dicom (``compile_condition`` over ``PLAN_COLUMNS``), which config may not import,
so the layers above pass this in."""


def load_station_config(
    config_dir: str | os.PathLike[str] | None = None,
    *,
    check_condition: ConditionCheck | None = None,
) -> tuple[ConfigPaths, Settings, RulesConfig]:
    """Paths, settings and rules of ``config_dir`` (None: the user's folders).

    On first run the commented default files are written, as the original station did.
    Raises ConfigError with the exact problem when a file cannot be used, including
    folders the station could not work in (:func:`validation.check_folders`). The rules'
    ``warnings`` start with the settings' (the entry points show that one list).
    """
    paths = default_paths(config_dir)
    ensure_default_files(paths)
    settings = load_settings(paths.settings_file, data_dir=paths.data_dir)
    validation.check_folders(settings, paths)
    rules = load_rules(paths.rules_file, settings, check_condition=check_condition)
    if settings.warnings:
        rules = dataclasses.replace(rules, warnings=settings.warnings + rules.warnings)
    return paths, settings, rules


# -- settings.ini ------------------------------------------------------------------------


def settings_context(path: str | os.PathLike[str], data_dir: str | None) -> Context:
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


def load_settings(path: str | os.PathLike[str], *, data_dir: str | None = None) -> Settings:
    """Read settings.ini at ``path``; a missing file gives the defaults.

    ``data_dir`` is where default folders go (``ConfigPaths.data_dir``); None means the
    platform's user data folder. Relative folders resolve against the file's folder.
    Only the text is checked here; whether the folders are usable is
    :func:`validation.check_folders`, at start.
    """
    if not os.path.exists(path):
        LOGGER.info("%s not found; using default settings", os.fspath(path))
        return default_settings(data_dir)
    return settings_from_source(read_ini(path), settings_context(path, data_dir))


def load_value(
    field: FieldSpec,
    found: Sequence[Found],
    ctx: Context,
    warnings: list[str] | None = None,
) -> Any:
    """The field's value from the spellings ``found`` in the file, or its default.

    A second spelling with another value is ignored; that goes to ``warnings`` when
    given (so the user sees it), else only to the log.
    """
    chosen = choose(found)
    if chosen is None:
        return field.default(ctx)
    try:
        value = field.parse(chosen.raw, ctx)
    except values.Invalid as exc:
        raise value_error(
            ctx.file, chosen.section, chosen.key, chosen.raw, exc.reason, ctx.error
        ) from None
    for other in found:
        if other is not chosen and other.raw.strip() and other.raw.strip() != chosen.raw.strip():
            message = (
                f"{ctx.file} [{other.section}] {other.key} '{other.raw}' is ignored: "
                f"[{chosen.section}] {chosen.key} '{chosen.raw}' is used instead"
            )
            if warnings is None:
                LOGGER.warning("%s", message)
            else:
                warnings.append(message)
    return value


def settings_from_source(source: IniSource, ctx: Context) -> Settings:
    """Build Settings from an already parsed file; what it tolerated is in ``warnings``."""
    warnings: list[str] = []
    loaded = {
        field.attr: load_value(field, found_in_file(source, field), ctx, warnings)
        for field in SETTINGS_FIELDS
    }
    validation.check_combinations(Settings(**loaded), ctx.file, source)
    lines = line_numbers(source)
    warnings.extend(unknown_settings(source, ctx, lines))
    nodes = load_nodes(source, ctx, warnings, lines)
    for warning in warnings:
        LOGGER.warning("%s", warning)
    return Settings(**loaded, nodes=nodes, warnings=tuple(warnings))


# -- node sections -----------------------------------------------------------------------

_NODE_KEYS = {key.name for field in NODE_FIELDS for key in field.keys}


def load_nodes(
    source: IniSource,
    ctx: Context,
    warnings: list[str],
    lines: dict[tuple[str, str], int],
) -> tuple[Node, ...]:
    """All node sections, in order (numbered by number, then named in file order)."""
    nodes = tuple(
        _load_node(item, source.sections[item.section], ctx, warnings, lines)
        for item in item_sections(source.sections, NODE_PREFIXES)
    )
    validation.check_unique_node_names(nodes, ctx.file)
    return nodes


def _load_node(
    item: ItemSection,
    keys: dict[str, str],
    ctx: Context,
    warnings: list[str],
    lines: dict[tuple[str, str], int],
) -> Node:
    section = item.section
    loaded = {
        field.attr: load_value(field, found_in_section(section, keys, field), ctx, warnings)
        for field in NODE_FIELDS
    }
    enabled = loaded["enabled"]
    dialect = node_dialect(section)
    what = {"ae_title": "the node's AE title", "host": "its host name or IP address"}
    for field in REQUIRED_WHEN_ENABLED:
        if field.attr in what and enabled and not loaded[field.attr]:
            chosen = choose(found_in_section(section, keys, field))
            key = chosen.key if chosen else key_for_new(field, dialect).name
            raise value_error(
                ctx.file,
                section,
                key,
                "",
                f"must not be empty for an enabled node (it is {what[field.attr]})",
            )
    if enabled and not keys.get("port", "").strip():
        raise value_error(ctx.file, section, "port", "", "must be a whole number from 1 to 65535")
    if not loaded["name"]:
        loaded["name"] = default_node_name(item, loaded["ae_title"], section)
        ok, reason = values.validate_node_name(loaded["name"])
        if not ok:
            raise value_error(ctx.file, section, "name", loaded["name"], reason)
    for key in keys:
        if key not in _NODE_KEYS:
            meant = close_match(key, sorted(_NODE_KEYS))
            warnings.append(
                f"{located(ctx.file, lines, section, key)} [{section}]: unknown key '{key}' is "
                "ignored" + (f"; did you mean '{meant}'?" if meant else "")
            )
    return Node(**loaded, section=section)


# -- rules.ini ---------------------------------------------------------------------------

_RULE_KEYS = {key.name for field in RULE_FIELDS for key in field.keys}


def rules_context(path: str | os.PathLike[str]) -> Context:
    path = os.path.abspath(os.fspath(path))
    return Context(
        file=os.path.basename(path),
        config_dir=os.path.dirname(path),
        data_dir="",
        error=RuleError,
    )


def load_rules(
    path: str | os.PathLike[str],
    settings: Settings,
    *,
    check_condition: ConditionCheck | None = None,
) -> RulesConfig:
    """Read rules.ini at ``path``, checking target nodes against ``settings``.

    A missing file means no rules (with the master switch on, so rules added later in
    the window apply at once). With ``check_condition``, an unreadable metrics_condition
    is a RuleError (see :data:`ConditionCheck`).
    """
    if not os.path.exists(path):
        LOGGER.info("%s not found; no forwarding rules", os.fspath(path))
        return RulesConfig()
    return rules_from_source(
        read_ini(path), settings, rules_context(path), check_condition=check_condition
    )


def rules_from_source(
    source: IniSource,
    settings: Settings | None,
    ctx: Context,
    *,
    check_condition: ConditionCheck | None = None,
) -> RulesConfig:
    """Build RulesConfig from a parsed file; ``settings`` None skips the node checks."""
    warnings: list[str] = []
    general = source.find("General")
    rules_enabled = load_value(RULES_ENABLED, found_in_file(source, RULES_ENABLED), ctx, warnings)
    rules = []
    seen: dict[str, str] = {}
    for item in item_sections(source.sections, RULE_PREFIXES):
        rule = _load_rule(item, source.sections[item.section], ctx, warnings, check_condition)
        if settings is not None:
            warnings.extend(check_targets(rule, settings, ctx, source.sections[item.section]))
        other = seen.get(rule.name.casefold())
        if other is not None:
            warnings.append(
                f"{ctx.file} [{item.section}] name '{rule.name}': [{other}] has the same name, "
                "so the log cannot tell the two rules apart"
            )
        seen.setdefault(rule.name.casefold(), item.section)
        rules.append(rule)
    for section, keys in source.sections.items():
        if section == general:
            for key in keys:
                if key != "rules_enabled":
                    warnings.append(f"{ctx.file} [{section}]: unknown key '{key}' is ignored")
        elif classify(section, RULE_PREFIXES) is None:
            warnings.append(f"{ctx.file}: section [{section}] is not a rule and is ignored")
    for warning in warnings:
        LOGGER.warning("%s", warning)
    return RulesConfig(rules_enabled=rules_enabled, rules=tuple(rules), warnings=tuple(warnings))


def _load_rule(
    item: ItemSection,
    keys: dict[str, str],
    ctx: Context,
    warnings: list[str],
    check_condition: ConditionCheck | None = None,
) -> Rule:
    section = item.section
    loaded = {
        field.attr: load_value(field, found_in_section(section, keys, field), ctx, warnings)
        for field in RULE_FIELDS
    }
    condition = loaded["metrics_condition"].strip()
    problem = check_condition(condition) if condition and check_condition else ""
    if problem:
        # An error even for a disabled rule, like a bad regex: it is a wrong value, and
        # a rule enabled later would match nothing without a word.
        raise value_error(ctx.file, section, "metrics_condition", condition, problem, RuleError)
    if not loaded["name"]:
        loaded["name"] = default_rule_name(section)
    for intent in loaded["plan_intents"]:
        if intent not in values.PLAN_INTENTS:
            warnings.append(
                f"{ctx.file} [{section}] plan_intents '{keys.get('plan_intents', '')}': "
                f"'{intent}' is not a defined RT Plan Intent "
                f"({', '.join(values.PLAN_INTENTS)}), so no plan will match it"
            )
    warnings.extend(
        validation.modality_warnings(
            ctx.file, section, keys.get("required_modalities", ""), loaded["required_modalities"]
        )
    )
    for key in keys:
        if key not in _RULE_KEYS:
            warnings.append(f"{ctx.file} [{section}]: unknown key '{key}' is ignored")
    return Rule(**loaded, section=section)


def check_targets(
    rule: Rule, settings: Settings, ctx: Context, keys: dict[str, str] | None = None
) -> list[str]:
    """Check a rule's target nodes; return warnings, raise RuleError for an enabled rule.

    ``keys`` (the rule's section as read) supplies the value to quote; without it the
    targets are quoted as they would be written.
    """
    section = rule.section or rule.name
    raw = (keys or {}).get("target_nodes", values.format_list(rule.target_nodes))
    warnings: list[str] = []
    unknown = [name for name in rule.target_nodes if settings.node(name) is None]
    if unknown:
        known = ", ".join(node.name for node in settings.nodes) or "none"
        what = (
            f"no node named '{unknown[0]}'"
            if len(unknown) == 1
            else "no nodes named " + ", ".join(f"'{name}'" for name in unknown)
        )
        reason = f"{what} in settings.ini (known: {known})"
        if rule.enabled:
            raise value_error(ctx.file, section, "target_nodes", raw, reason, RuleError)
        warnings.append(
            value_message(ctx.file, section, "target_nodes", raw, reason)
            + "; the rule is disabled, so it is only a warning"
        )
    if rule.enabled:
        if not rule.target_nodes:
            warnings.append(
                value_message(
                    ctx.file,
                    section,
                    "target_nodes",
                    raw,
                    "names no node, so the rule sends nothing",
                )
            )
        for name in rule.target_nodes:
            node = settings.node(name)
            if node is not None and not node.enabled:
                warnings.append(
                    value_message(
                        ctx.file,
                        section,
                        "target_nodes",
                        raw,
                        f"node '{node.name}' is disabled in settings.ini, so nothing is sent "
                        "to it until it is enabled",
                    )
                )
    return warnings
