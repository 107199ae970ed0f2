"""Editing an ini file line by line, so a save keeps what the user wrote.

Saving must not throw away what a physicist wrote by hand: comments, alignment, key
spellings of the older station, sections rtstation does not know. So instead of
regenerating the file, :class:`IniDocument` edits its lines: a changed value is replaced in
place (its inline comment kept), a missing key is appended to its section, and whole
sections are added, renamed or removed. Its line classification (:func:`scan_lines`)
mirrors configparser's reader, so the editor and the loader agree on which line holds
which key.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

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

    Section names match case-insensitively. Every edit re-scans the (small) file, so the
    classification never goes stale.
    """

    def __init__(self, text: str, newline: str = "\n") -> None:
        self.newline = newline
        self.trailing_newline = text.endswith("\n") or text == ""
        body = text[:-1] if text.endswith("\n") else text
        self.lines: list[str] = body.split("\n") if body else []

    def text(self) -> str:
        """The document with its original line ends."""
        text = self.newline.join(self.lines)
        if self.lines and self.trailing_newline:
            text += self.newline
        return text

    # queries

    def _scan(self) -> list[LineInfo]:
        return scan_lines(self.lines)

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

    def has_key(self, section: str, key: str) -> bool:
        return self._find_option(section, key) is not None

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
