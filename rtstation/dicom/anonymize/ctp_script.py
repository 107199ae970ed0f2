"""RSNA CTP DicomAnonymizer scripts and lookup tables, as pydicom-batch points at them.

A script is XML: ``<p t="DATEINC">-137</p>`` parameters, ``<e en="T" t="00100020"
n="PatientID">@lookup(PatientID,ptid)</e>`` element rules, ``<k en="T" t="0018">`` groups
to keep and ``<r en="T" t="privategroups">`` removals. Only enabled (``en="T"``) entries
count. The functions honoured are the ones research extractions use; a script that needs
any other is refused here, with the function's name and line, before a request is sent,
because an anonymizer that silently skips a rule leaks what the rule was written for.

The lookup table is a Java properties file of ``KeyType/OriginalValue = Replacement``
lines (``ptid/02004950 = 0``), read by ``@lookup(Element,KeyType)``.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path

from pydicom.datadict import keyword_for_tag, tag_for_keyword

SUPPORTED = (
    "remove",
    "empty",
    "keep",
    "require",
    "always",
    "hashuid",
    "hash",
    "lookup",
    "incrementdate",
    "param",
)
REMOVALS = ("privategroups", "curves", "overlays", "unspecifiedelements")
_CALL = re.compile(r"^@([A-Za-z]+)\(([^()]*)\)")


class ScriptError(ValueError):
    """A script or lookup table that cannot be honoured; the message names file and line."""


@dataclass(frozen=True)
class Call:
    """One function of an element rule: ``@lookup(PatientID,ptid)`` -> name, args."""

    name: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class ElementRule:
    """What the script does with one element; ``literal`` is plain replacement text."""

    tag: int
    keyword: str
    line: int
    call: Call | None = None
    literal: str = ""
    always: bool = False  # @always(): create the element when it is absent


@dataclass(frozen=True)
class CtpScript:
    source: Path
    params: dict[str, str] = field(default_factory=dict)
    rules: tuple[ElementRule, ...] = ()
    keep_groups: frozenset[int] = frozenset()
    removals: frozenset[str] = frozenset()

    def param(self, name: str) -> str:
        return self.params.get(name.lstrip("@"), "")


def _parse_call(text: str, where: str) -> tuple[Call | None, str, bool]:
    """``@always()YES`` -> (None, 'YES', True); ``@hash(this,16)`` -> (Call, '', False)."""
    always = False
    text = text.strip()
    while True:
        if not text.startswith("@"):
            return None, text, always
        match = _CALL.match(text)
        name = re.match(r"@([A-Za-z]*)", text)
        function = name.group(1) if name else ""
        if function not in SUPPORTED:
            raise ScriptError(
                f"{where}: the function '@{function}' is not supported (rtstation honours "
                f"{', '.join('@' + s for s in SUPPORTED)}); change the rule or disable it "
                '(en="F")'
            )
        if match is None:
            raise ScriptError(f"{where}: '{text}' is not a function call such as @keep()")
        rest = text[match.end() :]
        args = tuple(a.strip() for a in match.group(2).split(",")) if match.group(2) else ()
        if function == "always":
            always = True
            text = rest.strip()
            continue
        if rest.strip():
            raise ScriptError(
                f"{where}: '{text}' has text after '@{function}(...)', which rtstation does not "
                "combine; write one function per element"
            )
        return Call(function, args), "", always


def _tag(text: str, where: str) -> int:
    text = text.strip()
    if re.fullmatch(r"[0-9A-Fa-f]{8}", text):
        return int(text, 16)
    tag = tag_for_keyword(text)
    if tag is None:
        raise ScriptError(f"{where}: '{text}' is neither a tag (ggggeeee) nor a keyword")
    return int(tag)


def parse_script(path: Path) -> CtpScript:
    """Read a DicomAnonymizer script; :class:`ScriptError` names file, line and cause."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ScriptError(f"anonymization.script '{path}': the file does not exist") from exc
    except OSError as exc:
        raise ScriptError(f"anonymization.script '{path}': cannot be read ({exc})") from exc
    parser = xml.parsers.expat.ParserCreate()
    stack: list[tuple[str, dict[str, str], int, list[str]]] = []
    entries: list[tuple[str, dict[str, str], int, str]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        stack.append((name, attrs, parser.CurrentLineNumber, []))

    def end(_name: str) -> None:
        name, attrs, line, text = stack.pop()
        entries.append((name, attrs, line, "".join(text)))

    def chars(text: str) -> None:
        if stack:
            stack[-1][3].append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise ScriptError(f"{path.name} line {exc.lineno}: not a valid script ({exc})") from exc
    params: dict[str, str] = {}
    rules: list[ElementRule] = []
    keep: set[int] = set()
    removals: set[str] = set()
    for name, attrs, line, text in entries:
        where = f"{path.name} line {line}"
        enabled = attrs.get("en", "T").upper() == "T"
        if name == "p":
            params[attrs.get("t", "")] = text.strip()
        elif name == "e" and enabled:
            tag = _tag(attrs.get("t", ""), where)
            call, literal, always = _parse_call(text, where)
            keyword = keyword_for_tag(tag) or attrs.get("n", "")
            rules.append(ElementRule(tag, keyword, line, call, literal, always))
        elif name == "k" and enabled:
            group = attrs.get("t", "")
            if not re.fullmatch(r"[0-9A-Fa-f]{4}", group):
                raise ScriptError(f"{where}: keep group '{group}' is not a group number (gggg)")
            keep.add(int(group, 16))
        elif name == "r" and enabled:
            what = attrs.get("t", "")
            if what not in REMOVALS:
                raise ScriptError(
                    f"{where}: removal '{what}' is not supported (expected one of "
                    f"{', '.join(REMOVALS)})"
                )
            removals.add(what)
        elif name not in ("script", "p", "e", "k", "r"):
            raise ScriptError(f"{where}: unknown entry <{name}> (expected p, e, k or r)")
    return CtpScript(path, params, tuple(rules), frozenset(keep), frozenset(removals))


def parse_lookup_table(path: Path) -> dict[str, str]:
    """``KeyType/Value = Replacement`` lines of a properties file -> {"KeyType/Value": ...}."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ScriptError(f"anonymization.lookup_table '{path}': the file does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"anonymization.lookup_table '{path}': cannot be read ({exc})") from exc
    table: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        match = re.match(r"^(.*?)\s*[=:]\s*(.*)$", line)
        if match is None or "/" not in match.group(1):
            raise ScriptError(
                f"{path.name} line {number}: '{line}' is not 'KeyType/Value = Replacement'"
            )
        table[match.group(1).strip()] = match.group(2).strip()
    return table


def check_references(script: CtpScript, table: dict[str, str] | None) -> None:
    """What the rules need must be there: parameters they name, a table for @lookup."""
    for rule in script.rules:
        if rule.call is None:
            continue
        where = f"{script.source.name} line {rule.line}"
        for arg in rule.call.args:
            if arg.startswith("@") and arg[1:] not in script.params:
                raise ScriptError(f"{where}: parameter '{arg}' is not defined by a <p> entry")
        if rule.call.name == "lookup":
            if table is None:
                raise ScriptError(
                    f"{where}: @lookup needs anonymization.lookup_table, which is not given"
                )
            if len(rule.call.args) != 2:
                raise ScriptError(f"{where}: @lookup takes (Element,KeyType)")
        if rule.call.name == "incrementdate" and len(rule.call.args) != 2:
            raise ScriptError(f"{where}: @incrementdate takes (Element,Days)")
