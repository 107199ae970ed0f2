"""The ini file as a document: reading it, and editing its lines for a save.

Reading goes through configparser (``interpolation=None``, ``#``/``;`` inline comments, no
DEFAULT section magic), so the files mean exactly what Python's ini reader says. Its
exceptions become one ConfigError sentence naming the file and line, never a traceback.

Saving must not throw away what a physicist wrote by hand: comments, alignment, key
spellings of the older station, sections rtstation does not know. So instead of
regenerating the file, :class:`IniDocument` edits its lines: a changed value is replaced in
place (its inline comment kept), a missing key is appended to its section, and whole
sections are added, renamed or removed. Its line classification (:func:`scan_lines`)
mirrors configparser's reader, so the editor and the loader agree on which line holds
which key.
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from dataclasses import dataclass, field

from rtstation.errors import ConfigError

COMMENT_PREFIXES = ("#", ";")
_HEADER = re.compile(r"\[(?P<header>.+)\]")
_OPTION = re.compile(r"^(?P<option>.*?)\s*(?P<vi>=)\s*(?P<value>.*)$")


@dataclass(frozen=True)
class LineInfo:
    """What one line of an ini file is, as configparser would read it.

    ``kind``: ``blank`` (empty or comment-only), ``header``, ``option``, ``continuation``
    or ``invalid``. ``section`` is the section the line belongs to (the header's own name
    for a header). For options, ``key`` is lower-cased, ``equals`` is the index of ``=``
    and ``comment`` the index where an inline comment starts (or -1).
    """

    number: int
    kind: str
    section: str | None = None
    key: str = ""
    equals: int = -1
    comment: int = -1
    indent: int = 0


def _comment_start(line: str) -> int:
    """Index of a comment: a full-line ``#``/``;``, or one preceded by whitespace."""
    if line.strip().startswith(COMMENT_PREFIXES):
        return 0
    best = -1
    for prefix in COMMENT_PREFIXES:
        index = line.find(prefix)
        while index != -1:
            if index == 0 or line[index - 1].isspace():
                best = index if best == -1 else min(best, index)
                break
            index = line.find(prefix, index + 1)
    return best


def scan_lines(lines: list[str]) -> list[LineInfo]:
    """Classify ``lines`` the way ``configparser`` (empty_lines_in_values=False) reads them."""
    infos: list[LineInfo] = []
    section: str | None = None
    key = ""
    indent_level = sys.maxsize
    for number, line in enumerate(lines, start=1):
        comment = _comment_start(line)
        value = (line[:comment] if comment >= 0 else line).strip()
        if not value:
            indent_level = sys.maxsize
            infos.append(LineInfo(number, "blank", section, comment=comment))
            continue
        indent = len(line) - len(line.lstrip())
        if section is not None and key and indent > indent_level:
            infos.append(LineInfo(number, "continuation", section, key=key, indent=indent))
            continue
        indent_level = indent
        header = _HEADER.match(value)
        if header:
            section = header.group("header")
            key = ""
            infos.append(LineInfo(number, "header", section, comment=comment, indent=indent))
            continue
        option = _OPTION.match(value)
        if option and option.group("option") and section is not None:
            key = option.group("option").rstrip().lower()
            infos.append(
                LineInfo(
                    number,
                    "option",
                    section,
                    key=key,
                    equals=line.index("="),
                    comment=comment,
                    indent=indent,
                )
            )
            continue
        infos.append(LineInfo(number, "invalid", section, comment=comment))
    return infos


# -- editing ----------------------------------------------------------------------------


class IniDocument:
    """An ini file as editable lines; see the module docstring for why.

    Section names match case-insensitively. The classification is recomputed whenever
    the lines differ from the ones it was made for, so it never goes stale; a save of
    the commented settings template asks for it about 150 times with a handful of edits
    in between, and scanning the 300 lines each time made one save take 50 ms.
    """

    def __init__(self, text: str, newline: str = "\n") -> None:
        self.newline = newline
        self.trailing_newline = text.endswith("\n") or text == ""
        body = text[:-1] if text.endswith("\n") else text
        self.lines: list[str] = body.split("\n") if body else []
        self._scanned: tuple[tuple[str, ...], list[LineInfo]] | None = None

    def text(self) -> str:
        """The document with its original line ends."""
        text = self.newline.join(self.lines)
        if self.lines and self.trailing_newline:
            text += self.newline
        return text

    # queries

    def _scan(self) -> list[LineInfo]:
        # A tuple of the lines is the cache key: building and comparing it costs a few
        # microseconds (the strings compare by identity), a scan a few hundred.
        lines = tuple(self.lines)
        if self._scanned is None or self._scanned[0] != lines:
            self._scanned = (lines, scan_lines(self.lines))
        return self._scanned[1]

    def section_names(self) -> list[str]:
        return [info.section for info in self._scan() if info.kind == "header" and info.section]

    def find_section(self, name: str) -> str | None:
        names = self.section_names()
        if name in names:
            return name
        for candidate in names:
            if candidate.casefold() == name.casefold():
                return candidate
        return None

    def _same_section(self, info: LineInfo, section: str) -> bool:
        return info.section is not None and info.section.casefold() == section.casefold()

    def _find_option(self, section: str, key: str) -> int | None:
        for index, info in enumerate(self._scan()):
            if (
                info.kind == "option"
                and info.key == key.lower()
                and self._same_section(info, section)
            ):
                return index
        return None

    def _section_span(self, section: str) -> tuple[int, int, int] | None:
        """(first line of its leading comment block, header index, end index)."""
        infos = self._scan()
        header = None
        for index, info in enumerate(infos):
            if info.kind == "header" and self._same_section(info, section):
                header = index
                break
        if header is None:
            return None
        end = len(infos)
        for index in range(header + 1, len(infos)):
            if infos[index].kind == "header":
                end = self._comment_block_start(index)
                break
        start = self._comment_block_start(header)
        return start, header, end

    def _comment_block_start(self, header: int) -> int:
        """A comment block directly above a header (no blank line between) belongs to it,
        unless it opens the file: that is the file's own header comment."""
        start = header
        while start > 0 and self.lines[start - 1].strip().startswith(COMMENT_PREFIXES):
            start -= 1
        return header if start == 0 else start

    # edits

    def set(self, section: str, key: str, value: str) -> None:
        """Give ``key`` in ``section`` the text ``value``, in place where it exists.

        An existing line keeps its key spelling, spacing and inline comment (realigned to
        its old column where possible); continuation lines of the old value are dropped.
        A new key goes after the section's last key; a missing section is appended.
        """
        index = self._find_option(section, key)
        if index is not None:
            info = self._scan()[index]
            self.lines[index] = _replace_value(self.lines[index], info, value)
            following = index + 1
            while following < len(self.lines) and self._scan()[following].kind == "continuation":
                del self.lines[following]
            return
        if self.find_section(section) is None:
            self.add_section(section)
        self._append_key(section, key, value)

    def _append_key(self, section: str, key: str, value: str) -> None:
        infos = self._scan()
        span = self._section_span(section)
        assert span is not None
        _, header, end = span
        insert_at = header + 1
        indent = ""
        for index in range(header + 1, end):
            if infos[index].kind in ("option", "continuation"):
                insert_at = index + 1
                if infos[index].kind == "option":
                    indent = self.lines[index][: infos[index].indent]
        line = f"{indent}{key} = {value}" if value else f"{indent}{key} ="
        self.lines.insert(insert_at, line)

    def add_section(self, section: str) -> None:
        """Append ``[section]`` at the end, separated from what precedes by a blank line."""
        while self.lines and not self.lines[-1].strip():
            self.lines.pop()
        if self.lines:
            self.lines.append("")
        self.lines.append(f"[{section}]")

    def remove_section(self, section: str) -> None:
        """Remove a section with its keys and the comment block directly above it."""
        span = self._section_span(section)
        if span is None:
            return
        start, _, end = span
        del self.lines[start:end]
        # do not leave two blank lines where the section was
        while (
            start < len(self.lines)
            and start > 0
            and not self.lines[start].strip()
            and not self.lines[start - 1].strip()
        ):
            del self.lines[start]
        while self.lines and not self.lines[-1].strip():
            self.lines.pop()

    def rename_sections(self, renames: dict[str, str]) -> None:
        """Rename several sections at once (so ``A->B`` and ``B->A`` do not collide)."""
        folded = {old.casefold(): new for old, new in renames.items()}
        for index, info in enumerate(self._scan()):
            if info.kind == "header" and info.section and info.section.casefold() in folded:
                line = self.lines[index]
                old = f"[{info.section}]"
                at = line.index(old)
                new = f"[{folded[info.section.casefold()]}]"
                self.lines[index] = line[:at] + new + line[at + len(old) :]


def _replace_value(line: str, info: LineInfo, value: str) -> str:
    head = line[: info.equals + 1]
    rest = line[info.equals + 1 :]
    if info.comment >= 0:
        rest = line[info.equals + 1 : info.comment]
    spacing = rest[: len(rest) - len(rest.lstrip())] if rest.strip() else " "
    body = head + (spacing + value if value else "")
    if info.comment < 0:
        return body
    comment = line[info.comment :]
    pad = max(1, info.comment - len(body))
    return body + " " * pad + comment


_NO_DEFAULT_SECTION = "\0no-default-section"


# -- reading ----------------------------------------------------------------------------


@dataclass
class IniSource:
    """A parsed ini file: its text as read, and its sections as configparser saw them.

    Section lookup is case-insensitive (``[general]`` works like ``[General]``); keys are
    lower-cased by configparser. ``text`` has ``\\n`` line ends; ``newline`` and
    ``encoding`` remember what the file used so a save writes it back the same way.
    """

    name: str
    text: str
    sections: dict[str, dict[str, str]] = field(default_factory=dict)
    encoding: str = "utf-8"
    newline: str = "\n"
    header_lines: dict[str, int] = field(default_factory=dict)

    def find(self, section: str) -> str | None:
        """The section's name as written in the file, matched case-insensitively."""
        if section in self.sections:
            return section
        wanted = section.casefold()
        for name in self.sections:
            if name.casefold() == wanted:
                return name
        return None

    def get(self, section: str, key: str) -> str | None:
        actual = self.find(section)
        if actual is None:
            return None
        return self.sections[actual].get(key.lower())


_BYTE_ORDER_MARKS = (
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian, with a byte order mark)"),
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian, with a byte order mark)"),
    (b"\xfe\xff", "UTF-16 (big-endian, with a byte order mark)"),
    (b"\xff\xfe", "UTF-16 (little-endian, with a byte order mark)"),
)

_BINARY = "binary"


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode as UTF-8 (with or without BOM), else as Windows-1252.

    The original station ran on Windows, where Notepad may save ANSI; node names such as
    "Gerät" must not make the file unreadable. Notepad can also save "Unicode" (UTF-16):
    read as Windows-1252 that is a NUL between every letter, which configparser reports as
    a line before any section. Such a file is refused with its encoding named instead.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    encoding = _wide_encoding(data)
    if encoding == _BINARY:
        raise ConfigError(
            f"{name} contains NUL bytes, so it is not a text file; replace it with a text "
            "file saved as UTF-8",
            file=name,
        )
    if encoding:
        raise ConfigError(
            f"{name} is saved as {encoding}, which rtstation does not read; save it again "
            "as UTF-8 (in Notepad: File > Save as, Encoding: UTF-8)",
            file=name,
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"


def _wide_encoding(data: bytes) -> str:
    """The name of a UTF-16/32 encoding ``data`` is in, or "" for a byte-wide text."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return encoding
    if b"\x00" not in data:
        return ""
    sample = data[:4096]
    odd_nuls = sample[1::2].count(0)
    even_nuls = sample[0::2].count(0)
    quarter = len(sample) // 4  # ASCII text in UTF-16 has a NUL in every second byte
    if odd_nuls > quarter and even_nuls < odd_nuls // 4:
        return "UTF-16 (little-endian, without a byte order mark)"
    if even_nuls > quarter and odd_nuls < even_nuls // 4:
        return "UTF-16 (big-endian, without a byte order mark)"
    return _BINARY


def parse_ini_text(text: str, name: str) -> IniSource:
    """Parse ini ``text``; ``name`` (the file's base name) is used in error messages."""
    parser = configparser.ConfigParser(
        interpolation=None,
        inline_comment_prefixes=COMMENT_PREFIXES,
        comment_prefixes=COMMENT_PREFIXES,
        delimiters=("=",),
        empty_lines_in_values=False,
        default_section=_NO_DEFAULT_SECTION,
        strict=True,
    )
    try:
        parser.read_string(text, source=name)
    except configparser.Error as exc:
        raise _syntax_error(exc, name, text.split("\n")) from None
    sections: dict[str, dict[str, str]] = {}
    seen: dict[str, str] = {}
    headers = _header_lines(text)
    for section in parser.sections():
        other = seen.get(section.casefold())
        if other is not None:
            line = headers.get(section, 0)
            raise ConfigError(
                f"{name} line {line}: section [{section}] repeats [{other}] (section names "
                "ignore case); merge the two sections or rename one",
                file=name,
                section=section,
            )
        seen[section.casefold()] = section
        sections[section] = {key: value or "" for key, value in parser.items(section)}
    return IniSource(name=name, text=text, sections=sections, header_lines=headers)


def read_ini(path: str | os.PathLike[str]) -> IniSource:
    """Read and parse the ini file at ``path``; a syntax problem raises ConfigError."""
    name = os.path.basename(os.fspath(path))
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ConfigError(
            f"{name} could not be read ({exc.strerror or exc}); check that the file exists "
            "and is readable",
            file=name,
        ) from None
    text, encoding = _decode(data, name)
    newline = "\r\n" if "\r\n" in text else "\n"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    source = parse_ini_text(text, name)
    source.encoding = encoding
    source.newline = newline
    return source


def _header_lines(text: str) -> dict[str, int]:
    lines = {}
    for info in scan_lines(text.split("\n")):
        if info.kind == "header" and info.section not in lines:
            lines[info.section] = info.number
    return lines


def _syntax_error(exc: configparser.Error, name: str, lines: list[str]) -> ConfigError:
    """Turn a configparser exception into one sentence naming file and line."""

    def line_text(lineno: int) -> str:
        return lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""

    if isinstance(exc, configparser.MissingSectionHeaderError):
        line = line_text(exc.lineno)
        return ConfigError(
            f"{name} line {exc.lineno}: '{line}' comes before any [section] header; put it "
            "below the section it belongs to, such as [General]",
            file=name,
            value=line,
        )
    if isinstance(exc, configparser.DuplicateSectionError):
        return ConfigError(
            f"{name} line {exc.lineno}: section [{exc.section}] appears twice; merge the two "
            "sections or rename one",
            file=name,
            section=exc.section,
        )
    if isinstance(exc, configparser.DuplicateOptionError):
        return ConfigError(
            f"{name} line {exc.lineno}: [{exc.section}] has the key '{exc.option}' twice; "
            "keep only one",
            file=name,
            section=exc.section,
            key=exc.option,
        )
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        lineno = exc.errors[0][0]
        line = line_text(lineno)
        return ConfigError(
            f"{name} line {lineno}: '{line}' is not a 'key = value' line, a [section] "
            "header or a comment; add '=' or start the line with '#'",
            file=name,
            value=line,
        )
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ConfigError(f"{name} is not a valid ini file ({message})", file=name)
