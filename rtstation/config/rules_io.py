"""rules.ini <-> :class:`RulesConfig`.

A rule is checked against the nodes of settings.ini: an enabled rule naming an unknown
node is a RuleError (it would silently forward nothing), while a disabled one only earns
a warning, because the DICOM RT Station ships a disabled example rule naming
"Knoten1,Knoten2". Every other problem that loading tolerates (unknown keys, an unknown
plan intent) also ends up in ``RulesConfig.warnings`` for the window and ``config check``.
"""

from __future__ import annotations

import logging
import os

from rtstation.config import validate, values
from rtstation.config.fields import (
    ALIAS,
    CANONICAL,
    OURS,
    Context,
    FieldSpec,
    Found,
    Key,
    load_value,
)
from rtstation.config.inifile import IniSource, read_ini, value_error, value_message
from rtstation.config.model import Rule, RulesConfig, Settings
from rtstation.config.sections import ItemSection, classify, item_sections
from rtstation.errors import RuleError

LOGGER = logging.getLogger(__name__)

RULE_PREFIXES = ("Rule",)
_CORE = (CANONICAL,)


def _spec(attr, key, parse, format_, default, core=False, aliases=()):
    keys = (Key(key, CANONICAL if core else OURS), *(Key(alias, ALIAS) for alias in aliases))
    return FieldSpec(
        attr, keys, lambda raw, ctx: parse(raw), format_, lambda ctx: default, _CORE if core else ()
    )


def _parse_name(raw: str) -> str:
    return values.parse_text(raw)


RULES_ENABLED = FieldSpec(
    "rules_enabled",
    (Key("rules_enabled", CANONICAL, "General"),),
    lambda raw, ctx: values.parse_bool(raw),
    values.format_bool,
    lambda ctx: True,
)

RULE_FIELDS: tuple[FieldSpec, ...] = (
    _spec("name", "name", _parse_name, values.format_text, "", core=True),
    _spec("enabled", "enabled", values.parse_bool, values.format_bool, True, core=True),
    _spec(
        "source_aes",
        "source_ae",
        values.parse_ae_list,
        values.format_list,
        (),
        core=True,
        aliases=("source_aes",),
    ),
    _spec(
        "target_nodes",
        "target_nodes",
        values.parse_list,
        values.format_list,
        (),
        core=True,
        aliases=("target_node",),
    ),
    _spec(
        "plan_label_match", "plan_label_match", values.parse_text, values.format_text, "", core=True
    ),
    _spec("plan_label_exclude", "plan_label_exclude", values.parse_text, values.format_text, ""),
    _spec("plan_label_regex", "plan_label_regex", values.parse_regex, values.format_text, ""),
    _spec("plan_name_regex", "plan_name_regex", values.parse_regex, values.format_text, ""),
    _spec("approved_only", "approved_only", values.parse_bool, values.format_bool, False),
    _spec("treatment_machines", "treatment_machines", values.parse_list, values.format_list, ()),
    _spec("plan_intents", "plan_intents", values.parse_code_list, values.format_list, ()),
    _spec(
        "required_modalities",
        "required_modalities",
        values.parse_code_list,
        values.format_list,
        (),
    ),
    _spec(
        "machine_mapping",
        "machine_mapping",
        values.parse_machine_mapping,
        values.format_machine_mapping,
        (),
    ),
    _spec("anonymize", "anonymize", values.parse_bool, values.format_bool, False),
)

_KNOWN_KEYS = {key.name for spec in RULE_FIELDS for key in spec.keys}


def rules_context(path: str | os.PathLike[str]) -> Context:
    path = os.path.abspath(os.fspath(path))
    return Context(
        file=os.path.basename(path),
        config_dir=os.path.dirname(path),
        data_dir="",
        error=RuleError,
    )


def default_rule_name(section: str) -> str:
    """Name of a rule without ``name``: ``[Rule:X]`` -> X, else the section name."""
    item = classify(section, RULE_PREFIXES)
    return item.label if item is not None and item.label else section


def load_rules(path: str | os.PathLike[str], settings: Settings) -> RulesConfig:
    """Read rules.ini at ``path``, checking target nodes against ``settings``.

    A missing file means no rules (with the master switch on, so rules added later in
    the window apply at once).
    """
    if not os.path.exists(path):
        LOGGER.info("%s not found; no forwarding rules", os.fspath(path))
        return RulesConfig()
    return rules_from_source(read_ini(path), settings, rules_context(path))


def rules_from_source(source: IniSource, settings: Settings | None, ctx: Context) -> RulesConfig:
    """Build RulesConfig from a parsed file; ``settings`` None skips the node checks."""
    warnings: list[str] = []
    general = source.find("General")
    found = []
    if general is not None and "rules_enabled" in source.sections[general]:
        found = [Found(general, "rules_enabled", source.sections[general]["rules_enabled"])]
    rules_enabled = load_value(RULES_ENABLED, found, ctx)
    rules = []
    seen: dict[str, str] = {}
    for item in item_sections(source.sections, RULE_PREFIXES):
        rule = _load_rule(item, source.sections[item.section], ctx, warnings)
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


def _found(section: str, keys: dict[str, str], spec: FieldSpec) -> list[Found]:
    return [Found(section, key.name, keys[key.name]) for key in spec.keys if key.name in keys]


def _load_rule(item: ItemSection, keys: dict[str, str], ctx: Context, warnings: list[str]) -> Rule:
    section = item.section
    loaded = {spec.attr: load_value(spec, _found(section, keys, spec), ctx) for spec in RULE_FIELDS}
    if not loaded["name"]:
        loaded["name"] = default_rule_name(section)
    for intent in loaded["plan_intents"]:
        if intent not in validate.PLAN_INTENTS:
            warnings.append(
                f"{ctx.file} [{section}] plan_intents '{keys.get('plan_intents', '')}': "
                f"'{intent}' is not a defined RT Plan Intent "
                f"({', '.join(validate.PLAN_INTENTS)}), so no plan will match it"
            )
    for key in keys:
        if key not in _KNOWN_KEYS:
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
