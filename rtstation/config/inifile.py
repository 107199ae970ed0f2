"""Reading ini files with configparser.

Loading goes through configparser (``interpolation=None``, ``#``/``;`` inline comments, no
DEFAULT section magic), so the files mean exactly what Python's ini reader says. Its
exceptions are turned into one ConfigError sentence naming the file and line, never a
traceback. Editing for saves is ini_document.py; atomic writes are atomic.py.
"""

from __future__ import annotations

import configparser
import logging
import os
from dataclasses import dataclass, field

from rtstation.config.ini_document import COMMENT_PREFIXES, scan_lines
from rtstation.errors import ConfigError

LOGGER = logging.getLogger(__name__)

_NO_DEFAULT_SECTION = "\0no-default-section"


def value_message(file: str, section: str, key: str, value: str, reason: str) -> str:
    """``settings.ini [Node2] ae_title 'X': must not exceed 16 characters``."""
    return f"{file} [{section}] {key} '{value}': {reason}"


def value_error(
    file: str,
    section: str,
    key: str,
    value: str,
    reason: str,
    error: type[ConfigError] = ConfigError,
) -> ConfigError:
    return error(
        value_message(file, section, key, value, reason),
        file=file,
        section=section,
        key=key,
        value=value,
    )


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


def _decode(data: bytes) -> tuple[str, str]:
    """Decode as UTF-8 (with or without BOM), else as Windows-1252.

    The original station ran on Windows, where Notepad may save ANSI; node names such as
    "Gerät" must not make the file unreadable.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"


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
    text, encoding = _decode(data)
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
