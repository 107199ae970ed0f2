"""Saving: the model written back into settings.ini and rules.ini by editing their lines.

The files belong to the physicist as much as to the program: they hold comments, old key
names the original station still reads, and sections of other tools. Saving therefore
edits the file's lines (:class:`rtstation.config.ini.IniDocument`) instead of
regenerating it:

* a value that still means the same is not touched (``yes`` stays ``yes``, a relative
  folder stays relative);
* a changed value is replaced where it is, under every spelling the file uses;
* a missing key is added to its section only when its value differs from the default;
* nodes and rules keep their sections; new ones get the next number, removed ones
  disappear with the comment block directly above them; when the user reordered them,
  the sections are renumbered in the new order;
* a file that does not exist yet starts from the commented default template.

Every write is atomic (:func:`rtstation.config.atomic.write_atomic`). Loading the saved
file gives back the objects that were saved; the functions return them with their
``section`` fields set.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rtstation.config import values
from rtstation.config.atomic import write_atomic
from rtstation.config.fields import (
    CANONICAL,
    NODE_AE_TITLE,
    NODE_FIELDS,
    NODE_PREFIXES,
    OLD_CODE,
    REQUIRED_WHEN_ENABLED,
    RULE_FIELDS,
    RULE_PREFIXES,
    RULES_ENABLED,
    SETTINGS_FIELDS,
    Context,
    FieldSpec,
    Found,
    ItemSection,
    Key,
    choose,
    default_node_name,
    default_rule_name,
    found_in_file,
    found_in_section,
    item_sections,
    key_for_new,
    node_dialect,
    value_error,
)
from rtstation.config.ini import IniDocument, IniSource, parse_ini_text, read_ini
from rtstation.config.load import check_targets, rules_context, settings_context
from rtstation.config.model import Node, Rule, RulesConfig, Settings
from rtstation.config.templates import rules_template, settings_template
from rtstation.config.validation import check_settings

_UNSET = object()


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


def _check_node(node: Node, ctx: Context, section: str) -> None:
    """The cross-field checks of loading, for a node about to be saved."""
    if not node.enabled:
        return
    if not node.ae_title:
        key = key_for_new(NODE_AE_TITLE, node_dialect(section)).name
        raise value_error(ctx.file, section, key, "", "must not be empty for an enabled node")
    if not node.host:
        raise value_error(ctx.file, section, "ip", "", "must not be empty for an enabled node")


def save_settings(
    settings: Settings, path: str | os.PathLike[str], *, data_dir: str | None = None
) -> Settings:
    """Write ``settings`` to ``path`` (see the module docstring); returns what was saved.

    ``data_dir`` must be the one the file was loaded with, so default folders are
    recognised as defaults. Raises ConfigError for a value the file cannot hold.
    """
    ctx = settings_context(path, data_dir)
    check_settings(settings, ctx.file)
    source, doc = _open(path, settings_template(), ctx.file)
    dialect = _settings_dialect(source)
    sections = list(source.sections)
    for spec in SETTINGS_FIELDS:
        add = key_for_new(spec, dialect, sections)
        section = doc.find_section(add.section) or add.section
        value = getattr(settings, spec.attr)
        save_value(doc, spec, found_in_file(source, spec), value, ctx, add, section)
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
        check=_check_node,
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
    save_value(
        doc,
        RULES_ENABLED,
        found_in_file(source, RULES_ENABLED),
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
            found = found_in_section(final, keys, spec)
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


# -- one value -------------------------------------------------------------------------


def format_checked(
    spec: FieldSpec, value: Any, hint: str | None, ctx: Context, section: str, key: str
) -> str:
    """Format ``value`` for the file, refusing text that would not load back the same."""
    text = spec.format(value, hint)
    ok, reason = values.validate_ini_text(text)
    if not ok:
        raise value_error(ctx.file, section, key, text, reason, ctx.error)
    try:
        spec.parse(text, ctx)
    except values.Invalid as exc:
        raise value_error(ctx.file, section, key, text, exc.reason, ctx.error) from None
    return text


def save_value(
    doc: IniDocument,
    spec: FieldSpec,
    found: Sequence[Found],
    value: Any,
    ctx: Context,
    add: Key,
    add_section: str,
    *,
    required: bool = False,
) -> None:
    """Write ``value`` unless the file already means it; see the module docstring.

    ``required``: the key must be written out even when its absence means the same
    (an enabled node's port may not be left to the placeholder default).
    """
    chosen = choose(found)
    try:
        old = spec.parse(chosen.raw, ctx) if chosen is not None else spec.default(ctx)
    except values.Invalid:
        old = _UNSET
    written = chosen is not None and bool(chosen.raw.strip())
    if old == value and (written or not required):
        return
    where = chosen or Found(add_section, add.name, "")
    text = format_checked(
        spec, value, chosen.raw if chosen else None, ctx, where.section, where.key
    )
    if found:
        for item in found:
            doc.set(item.section, item.key, text)
    else:
        doc.set(add_section, add.name, text)


# -- repeated sections ----------------------------------------------------------------


@dataclass(frozen=True)
class SectionPlan:
    """Where each item goes on save: ``final`` names, and which sections to rename/remove."""

    final: tuple[str, ...]
    existing: tuple[str | None, ...]
    renames: dict[str, str]
    removed: tuple[str, ...]


def plan_sections(
    existing: Sequence[ItemSection], wanted: Sequence[str], prefix: str
) -> SectionPlan:
    """Decide the section of each item in ``wanted`` (the items' remembered sections).

    An item keeps its section when it still exists (first claim wins, so a copied item
    gets a new one); new items get ``prefix`` + the next free number. If the resulting
    load order would differ from the items' order, all sections are renumbered
    ``prefix1..N`` (keeping their contents), which is what the user reordered them for.
    """
    by_name = {item.section.casefold(): item for item in existing}
    claimed: set[str] = set()
    kept: list[ItemSection | None] = []
    for section in wanted:
        item = by_name.get(section.casefold()) if section else None
        if item is not None and item.section.casefold() not in claimed:
            claimed.add(item.section.casefold())
            kept.append(item)
        else:
            kept.append(None)
    removed = tuple(item.section for item in existing if item.section.casefold() not in claimed)
    numbers = [item.number for item in kept if item is not None and item.number is not None]
    next_number = max(numbers, default=0) + 1
    final: list[str] = []
    keys: list[tuple[float, int]] = []
    appended = len(existing)
    for item in kept:
        if item is not None:
            final.append(item.section)
            keys.append(item.sort_key)
        else:
            final.append(f"{prefix}{next_number}")
            keys.append((next_number, appended))
            next_number += 1
            appended += 1
    renames: dict[str, str] = {}
    if any(later <= earlier for earlier, later in itertools.pairwise(keys)):
        final = [f"{prefix}{index}" for index in range(1, len(kept) + 1)]
        for item, name in zip(kept, final, strict=True):
            if item is not None and item.section != name:
                renames[item.section] = name
    return SectionPlan(
        final=tuple(final),
        existing=tuple(item.section if item is not None else None for item in kept),
        renames=renames,
        removed=removed,
    )
