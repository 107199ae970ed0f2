"""Saving Settings and RulesConfig by editing the existing files.

The files belong to the physicist as much as to the program: they hold comments, old key
names the original station still reads, and sections of other tools. Saving therefore
edits the file's lines (inifile.IniDocument) instead of regenerating it:

* a value that still means the same is not touched (``yes`` stays ``yes``, a relative
  folder stays relative);
* a changed value is replaced where it is, under every spelling the file uses;
* a missing key is added to its section only when its value differs from the default;
* nodes and rules keep their sections; new ones get the next number, removed ones
  disappear with the comment block directly above them;
* a file that does not exist yet starts from the commented default template.

Every write is atomic (inifile.write_atomic). Loading the saved file gives back the
objects that were saved; the functions return them with their ``section`` fields set.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from typing import Any

from rtstation.config.atomic import write_atomic
from rtstation.config.fields import (
    CANONICAL,
    OLD_CODE,
    Context,
    FieldSpec,
    Found,
    format_checked,
    key_for_new,
    save_value,
)
from rtstation.config.ini_document import IniDocument
from rtstation.config.inifile import IniSource, parse_ini_text, read_ini
from rtstation.config.model import Node, Rule, RulesConfig, Settings
from rtstation.config.nodes_io import (
    NODE_FIELDS,
    NODE_PREFIXES,
    REQUIRED_WHEN_ENABLED,
    check_node,
    default_node_name,
    node_dialect,
)
from rtstation.config.rules_io import (
    RULE_FIELDS,
    RULE_PREFIXES,
    RULES_ENABLED,
    check_targets,
    default_rule_name,
    rules_context,
)
from rtstation.config.sections import item_sections, plan_sections
from rtstation.config.settings_io import (
    SETTINGS_FIELDS,
    check_settings,
    find_keys,
    make_context,
)
from rtstation.config.templates import rules_template, settings_template


def _open(path: str | os.PathLike[str], template: str, name: str) -> tuple[IniSource, IniDocument]:
    source = read_ini(path) if os.path.exists(path) else parse_ini_text(template, name)
    return source, IniDocument(source.text, source.newline)


def _settings_dialect(source: IniSource) -> str:
    """Old-code spelling when the file already uses it ([LocalNode], [DicomNodeN], ...)."""
    general = source.find("General")
    if source.find("LocalNode") is not None:
        return OLD_CODE
    if general is not None and "receivedplansfolder" in source.sections[general]:
        return OLD_CODE
    nodes = item_sections(source.sections, NODE_PREFIXES)
    if any(node_dialect(item.section) == OLD_CODE for item in nodes):
        return OLD_CODE
    return CANONICAL


def save_settings(
    settings: Settings, path: str | os.PathLike[str], *, data_dir: str | None = None
) -> Settings:
    """Write ``settings`` to ``path`` (see the module docstring); returns what was saved.

    ``data_dir`` must be the one the file was loaded with, so default folders are
    recognised as defaults. Raises ConfigError for a value the file cannot hold.
    """
    ctx = make_context(path, data_dir)
    check_settings(settings, ctx.file)
    source, doc = _open(path, settings_template(), ctx.file)
    dialect = _settings_dialect(source)
    sections = list(source.sections)
    for spec in SETTINGS_FIELDS:
        add = key_for_new(spec, dialect, sections)
        section = doc.find_section(add.section) or add.section
        value = getattr(settings, spec.attr)
        save_value(doc, spec, find_keys(source, spec), value, ctx, add, section)
    existing = item_sections(source.sections, NODE_PREFIXES)
    uses_old = any(node_dialect(item.section) == OLD_CODE for item in existing)
    prefix = "DicomNode" if uses_old or (not existing and dialect == OLD_CODE) else "Node"
    finals = _save_items(
        doc,
        source,
        settings.nodes,
        NODE_FIELDS,
        NODE_PREFIXES,
        prefix,
        node_dialect,
        ctx,
        derived_name=lambda node, section: default_node_name(None, node.ae_title, section),
        check=check_node,
        required=lambda node, spec: node.enabled and spec in REQUIRED_WHEN_ENABLED,
    )
    write_atomic(path, doc.text(), source.encoding)
    nodes = tuple(
        dataclasses.replace(node, section=final)
        for node, final in zip(settings.nodes, finals, strict=True)
    )
    return dataclasses.replace(settings, nodes=nodes)


def save_rules(
    rules_config: RulesConfig,
    path: str | os.PathLike[str],
    *,
    settings: Settings | None = None,
) -> RulesConfig:
    """Write ``rules_config`` to ``path``; returns it with rule sections set.

    With ``settings``, an enabled rule naming an unknown node raises RuleError first, so
    nothing is saved that would not load. ``warnings`` are not saved.
    """
    ctx = rules_context(path)
    source, doc = _open(path, rules_template(), ctx.file)
    general = source.find("General")
    found = []
    if general is not None and "rules_enabled" in source.sections[general]:
        found = [Found(general, "rules_enabled", source.sections[general]["rules_enabled"])]
    save_value(
        doc,
        RULES_ENABLED,
        found,
        rules_config.rules_enabled,
        ctx,
        RULES_ENABLED.keys[0],
        general or "General",
    )

    def check(rule: Rule, ctx: Context, section: str) -> None:
        if settings is not None:
            check_targets(dataclasses.replace(rule, section=section), settings, ctx)

    finals = _save_items(
        doc,
        source,
        rules_config.rules,
        RULE_FIELDS,
        RULE_PREFIXES,
        "Rule",
        lambda section: CANONICAL,
        ctx,
        derived_name=lambda rule, section: default_rule_name(section),
        check=check,
    )
    write_atomic(path, doc.text(), source.encoding)
    rules = tuple(
        dataclasses.replace(rule, section=final)
        for rule, final in zip(rules_config.rules, finals, strict=True)
    )
    return dataclasses.replace(rules_config, rules=rules)


def _save_items(
    doc: IniDocument,
    source: IniSource,
    items: Sequence[Node] | Sequence[Rule],
    specs: Sequence[FieldSpec],
    prefixes: Sequence[str],
    prefix: str,
    dialect_of: Callable[[str], str],
    ctx: Context,
    *,
    derived_name: Callable[[Any, str], str],
    check: Callable[[Any, Context, str], None],
    required: Callable[[Any, FieldSpec], bool] = lambda item, spec: False,
) -> tuple[str, ...]:
    """Save repeated sections (nodes or rules); returns each item's final section."""
    plan = plan_sections(
        item_sections(source.sections, prefixes), [item.section for item in items], prefix
    )
    for item, final in zip(items, plan.final, strict=True):
        check(item, ctx, final)
    for section in plan.removed:
        doc.remove_section(section)
    doc.rename_sections(plan.renames)
    for item, final, old in zip(items, plan.final, plan.existing, strict=True):
        dialect = dialect_of(final)
        if old is None:
            doc.add_section(final)
            keys: dict[str, str] = {}
        else:
            keys = source.sections[old]
        for spec in specs:
            value = getattr(item, spec.attr)
            found = [Found(final, k.name, keys[k.name]) for k in spec.keys if k.name in keys]
            add = key_for_new(spec, dialect)
            if spec.attr == "name" and not any(f.raw.strip() for f in found):
                # no name written: loading derives it, so write one only if that differs
                if old is None or derived_name(item, final) != value:
                    key = found[0].key if found else add.name
                    doc.set(final, key, format_checked(spec, value, None, ctx, final, key))
                continue
            if old is None:
                if dialect in spec.core_in or value != spec.default(ctx):
                    text = format_checked(spec, value, None, ctx, final, add.name)
                    doc.set(final, add.name, text)
                continue
            save_value(doc, spec, found, value, ctx, add, final, required=required(item, spec))
    return plan.final
