"""Node sections of settings.ini: ``[Node1]``, ``[DicomNode1]``, ``[Node:ORGANO]``...

A disabled node may be an unfinished placeholder (the original station wrote three empty
node sections), so its AE title, host and port may be empty; an enabled node needs all
three. A value that is present but wrong is an error either way.
"""

from __future__ import annotations

import logging

from rtstation.config import validate, values
from rtstation.config.fields import (
    ALIAS,
    CANONICAL,
    OLD_CODE,
    OURS,
    Context,
    FieldSpec,
    Found,
    Key,
    choose,
    key_for_new,
    load_value,
)
from rtstation.config.inifile import IniSource, value_error
from rtstation.config.model import DEFAULT_DICOM_PORT, Node
from rtstation.config.sections import ItemSection, classify, item_sections

LOGGER = logging.getLogger(__name__)

NODE_PREFIXES = ("DicomNode", "Node")
BOTH = (CANONICAL, OLD_CODE)


def _parse_name(raw: str, ctx: Context) -> str:
    text = values.parse_text(raw)
    if not text:
        return ""  # the loader falls back to the section's label or the AE title
    ok, reason = validate.validate_node_name(text)
    if not ok:
        raise values.Invalid(reason)
    return text


def _parse_optional_ae(raw: str, ctx: Context) -> str:
    text = values.parse_text(raw)
    return values.parse_ae_title(text) if text else ""


def _parse_host(raw: str, ctx: Context) -> str:
    text = values.parse_text(raw)
    if text:
        ok, reason = validate.validate_host(text)
        if not ok:
            raise values.Invalid(reason)
    return text


def _parse_port(raw: str, ctx: Context) -> int:
    """Empty = 104, for disabled placeholders; the loader insists on a port when enabled."""
    text = values.parse_text(raw)
    return values.parse_int(text, 1, 65535) if text else DEFAULT_DICOM_PORT


def _parse_file(raw: str, ctx: Context) -> str:
    return values.parse_path(raw, ctx.config_dir, "")


def _bool_spec(attr: str, default: bool, core_in: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(
        attr,
        (Key(attr, OURS),),
        lambda raw, ctx: values.parse_bool(raw),
        values.format_bool,
        lambda ctx: default,
        core_in,
    )


def _file_spec(attr: str) -> FieldSpec:
    return FieldSpec(attr, (Key(attr, OURS),), _parse_file, values.format_text, lambda ctx: "")


NAME = FieldSpec(
    "name", (Key("name", OURS),), _parse_name, values.format_text, lambda ctx: "", BOTH
)
ENABLED = _bool_spec("enabled", True, BOTH)
AE_TITLE = FieldSpec(
    "ae_title",
    (
        Key("called_ae_title", ALIAS),
        Key("ae_title", CANONICAL),
        Key("aet", OLD_CODE),
        Key("called_ae", ALIAS),
    ),
    _parse_optional_ae,
    values.format_text,
    lambda ctx: "",
    BOTH,
)
HOST = FieldSpec(
    "host",
    (Key("ip", OURS), Key("host", ALIAS)),
    _parse_host,
    values.format_text,
    lambda ctx: "",
    BOTH,
)
PORT = FieldSpec(
    "port",
    (Key("port", OURS),),
    _parse_port,
    values.format_number,
    lambda ctx: DEFAULT_DICOM_PORT,
    BOTH,
)
REQUIRED_WHEN_ENABLED = (AE_TITLE, HOST, PORT)
CALLING_AE = FieldSpec(
    "calling_ae",
    (Key("calling_ae_title", OURS), Key("calling_ae", ALIAS)),
    _parse_optional_ae,
    values.format_text,
    lambda ctx: "",
    (CANONICAL,),
)
MAX_ASSOCIATIONS = FieldSpec(
    "max_associations",
    (Key("max_associations", OURS),),
    lambda raw, ctx: values.parse_int(raw, 1, 64),
    values.format_number,
    lambda ctx: 1,
)

NODE_FIELDS: tuple[FieldSpec, ...] = (
    NAME,
    ENABLED,
    AE_TITLE,
    HOST,
    PORT,
    CALLING_AE,
    MAX_ASSOCIATIONS,
    _bool_spec("tls", False),
    _file_spec("tls_ca_file"),
    _file_spec("tls_cert_file"),
    _file_spec("tls_key_file"),
)

_KNOWN_KEYS = {key.name for spec in NODE_FIELDS for key in spec.keys}


def is_node_section(section: str) -> bool:
    return classify(section, NODE_PREFIXES) is not None


def node_dialect(section: str) -> str:
    """``[DicomNodeN]`` sections use the old code's key names (``aet``)."""
    return OLD_CODE if section.strip().lower().startswith("dicomnode") else CANONICAL


def found_in(section: str, keys: dict[str, str], spec: FieldSpec) -> list[Found]:
    return [Found(section, key.name, keys[key.name]) for key in spec.keys if key.name in keys]


def default_node_name(item: ItemSection | None, ae_title: str, section: str) -> str:
    """Name of a node without ``name``: ``[Node:X]`` -> X, else its AE title, else the
    section name (an empty placeholder such as ``[DicomNode3]`` still gets a name)."""
    if item is None:
        item = classify(section, NODE_PREFIXES)
    if item is not None and item.label:
        return item.label
    return ae_title or section.strip()


def load_nodes(source: IniSource, ctx: Context) -> tuple[Node, ...]:
    """All node sections, in order (numbered by number, then named in file order)."""
    nodes: list[Node] = []
    first_section: dict[str, str] = {}
    for item in item_sections(source.sections, NODE_PREFIXES):
        node = _load_node(item, source.sections[item.section], ctx)
        other = first_section.get(node.name.casefold())
        if other is not None:
            raise value_error(
                ctx.file,
                item.section,
                "name",
                node.name,
                f"another node is already called '{node.name}' ([{other}]); node names "
                "must be unique",
            )
        first_section[node.name.casefold()] = item.section
        nodes.append(node)
    return tuple(nodes)


def _load_node(item: ItemSection, keys: dict[str, str], ctx: Context) -> Node:
    section = item.section
    loaded = {
        spec.attr: load_value(spec, found_in(section, keys, spec), ctx) for spec in NODE_FIELDS
    }
    enabled = loaded["enabled"]
    dialect = node_dialect(section)
    for spec, what in ((AE_TITLE, "the node's AE title"), (HOST, "its host name or IP address")):
        if enabled and not loaded[spec.attr]:
            chosen = choose(found_in(section, keys, spec))
            key = chosen.key if chosen else key_for_new(spec, dialect).name
            raise value_error(
                ctx.file,
                section,
                key,
                "",
                f"must not be empty for an enabled node (it is {what})",
            )
    if enabled and not keys.get("port", "").strip():
        raise value_error(ctx.file, section, "port", "", "must be a whole number from 1 to 65535")
    if not loaded["name"]:
        loaded["name"] = default_node_name(item, loaded["ae_title"], section)
        ok, reason = validate.validate_node_name(loaded["name"])
        if not ok:
            raise value_error(ctx.file, section, "name", loaded["name"], reason)
    for key in keys:
        if key not in _KNOWN_KEYS:
            LOGGER.warning("%s [%s]: unknown key '%s' is ignored", ctx.file, section, key)
    return Node(**loaded, section=section)


def check_node(node: Node, ctx: Context, section: str) -> None:
    """The cross-field checks of loading, for a node about to be saved."""
    if not node.enabled:
        return
    dialect = node_dialect(section)
    if not node.ae_title:
        key = key_for_new(AE_TITLE, dialect).name
        raise value_error(ctx.file, section, key, "", "must not be empty for an enabled node")
    if not node.host:
        raise value_error(ctx.file, section, "ip", "", "must not be empty for an enabled node")
