"""Helpers shared by the subcommands: option aliases, output, progress."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO


def add_option(parser: argparse.ArgumentParser, kebab: str, *aliases: str, **kwargs: Any) -> None:
    """Add ``--kebab-name`` with its DicomTools camelCase spelling accepted as an alias."""
    names = [kebab, *aliases]
    camel = _camel(kebab)
    if camel not in names:
        names.append(camel)
    parser.add_argument(*names, **kwargs)


def _camel(option: str) -> str:
    head, *rest = option.lstrip("-").split("-")
    return "--" + head + "".join(part[:1].upper() + part[1:] for part in rest)


def refuse_empty_path(command: str, option: str, paths: Iterable[str] | None) -> bool:
    """True, after saying so on stderr, when one of ``paths`` is an empty argument.

    An empty argument is what an unset shell variable gives (``import --clear "$DIR"``),
    and ``Path("")`` and ``os.walk("")`` take it for the current directory: the command
    would read, send or, with ``--clear``, delete whatever lies where it was started. The
    wording is that of any path that does not exist (``show --path ''``); the caller
    returns 2, as for every other usage error.
    """
    if any(path == "" for path in paths or ()):
        print(f"rtstation {command}: path '' does not exist: check {option}", file=sys.stderr)
        return True
    return False


def print_json(data: Any, stream: TextIO | None = None) -> None:
    json.dump(data, stream or sys.stdout, indent=2, ensure_ascii=False, default=str)
    (stream or sys.stdout).write("\n")


def write_lines(lines: Iterable[str], stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    for line in lines:
        out.write(line + "\n")


class Progress:
    """A one-line progress bar on stderr when it is a terminal, silent otherwise."""

    def __init__(self, label: str, total: int | None = None, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last = ""

    def update(self, done: int, total: int | None = None, detail: str = "") -> None:
        if not self.enabled:
            return
        total = total if total is not None else self.total
        if total:
            width = 30
            filled = int(width * min(done, total) / total)
            bar = "#" * filled + "-" * (width - filled)
            text = f"\r{self.label} [{bar}] {done}/{total} {detail[-40:]}"
        else:
            text = f"\r{self.label} {done} {detail[-50:]}"
        if text != self._last:
            self.stream.write(text.ljust(len(self._last)))
            self.stream.flush()
            self._last = text

    def close(self) -> None:
        if self.enabled and self._last:
            self.stream.write("\n")
            self.stream.flush()
