"""One table per file maps dataclass fields to ini keys; loading and saving share it.

A field may be spelled several ways: the DICOM RT Station README's names (dialect "a",
our canonical spelling), the older names its code writes (dialect "b"), our own additive
keys (""), and read-only aliases ("alias"). Loading takes the first key that is present
with a non-empty value. Saving changes nothing when the value is unchanged; otherwise it
rewrites every spelling present (so they cannot disagree) or, when none is, adds the
spelling of the file's dialect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rtstation.config import validate
from rtstation.config.ini_document import IniDocument
from rtstation.config.inifile import value_error
from rtstation.config.values import Invalid
from rtstation.errors import ConfigError

LOGGER = logging.getLogger(__name__)

CANONICAL = "a"
OLD_CODE = "b"
OURS = ""
ALIAS = "alias"

_UNSET = object()


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
class FieldSpec:
    attr: str
    keys: tuple[Key, ...]
    parse: Callable[[str, Context], Any]
    format: Callable[[Any, str | None], str]
    default: Callable[[Context], Any]
    core_in: tuple[str, ...] = ()
    """Dialects whose new sections always get this key, even with its default value."""


@dataclass(frozen=True)
class Found:
    section: str
    key: str
    raw: str


def choose(found: Sequence[Found]) -> Found | None:
    """The spelling that counts: the first one with a value, else the first present."""
    for item in found:
        if item.raw.strip():
            return item
    return found[0] if found else None


def load_value(spec: FieldSpec, found: Sequence[Found], ctx: Context) -> Any:
    """The field's value from the spellings ``found`` in the file, or its default."""
    chosen = choose(found)
    if chosen is None:
        return spec.default(ctx)
    try:
        value = spec.parse(chosen.raw, ctx)
    except Invalid as exc:
        raise value_error(
            ctx.file, chosen.section, chosen.key, chosen.raw, exc.reason, ctx.error
        ) from None
    for other in found:
        if other is not chosen and other.raw.strip() and other.raw.strip() != chosen.raw.strip():
            LOGGER.warning(
                "%s [%s] %s '%s' is ignored: [%s] %s '%s' is used instead",
                ctx.file,
                other.section,
                other.key,
                other.raw,
                chosen.section,
                chosen.key,
                chosen.raw,
            )
    return value


def format_checked(
    spec: FieldSpec, value: Any, hint: str | None, ctx: Context, section: str, key: str
) -> str:
    """Format ``value`` for the file, refusing text that would not load back the same."""
    text = spec.format(value, hint)
    ok, reason = validate.validate_ini_text(text)
    if not ok:
        raise value_error(ctx.file, section, key, text, reason, ctx.error)
    try:
        spec.parse(text, ctx)
    except Invalid as exc:
        raise value_error(ctx.file, section, key, text, exc.reason, ctx.error) from None
    return text


def key_for_new(spec: FieldSpec, dialect: str, existing_sections: Sequence[str] = ()) -> Key:
    """The spelling to add when the file has none: the file's dialect, else canonical.

    For settings fields, a spelling whose section already exists is preferred, so an old
    file with [LocalNode] but no [Receiver] gets ``aet`` added there.
    """
    writable = [key for key in spec.keys if key.dialect != ALIAS]
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
    except Invalid:
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
