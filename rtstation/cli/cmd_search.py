"""``rtstation search``: find files by tag values, show values, count them.

Options follow DicomTools ``search``: ``--tag "(0010,0020)=Phantom-1"`` (repeat it), ``?`` to
show a value, nested paths like ``(300A,00B0)/(300A,00B2)=?``, ``--showStatistics`` and
``--showOnlyDirectories``. Keywords work as tags (``PatientID=RT001``).
"""

from __future__ import annotations

import argparse
import os
import sys

import pydicom

from rtstation.cli.common import Progress, add_option, print_json, write_lines
from rtstation.dicom.headers import iter_files
from rtstation.dicom.tag_search import (
    SearchHit,
    SearchStatistics,
    TagExpressionError,
    match_dataset,
    parse_expression,
)

#: Values larger than this stay in the file unread (Pixel Data, a dose grid).
_DEFER_BYTES = 4096


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_option(
        parser,
        "--tag",
        dest="tags",
        action="append",
        required=True,
        metavar="EXPR",
        help="'(gggg,eeee)=value' to match (* is a wildcard), '=?' to show; repeatable",
    )
    add_option(parser, "--path", dest="paths", action="append", required=True, metavar="PATH")
    add_option(parser, "--search-pattern", dest="search_pattern", default="*", metavar="PATTERN")
    add_option(
        parser,
        "--show-statistics",
        dest="show_statistics",
        action="store_true",
        help="count files and the values found per tag",
    )
    add_option(
        parser,
        "--show-only-directories",
        dest="show_only_directories",
        action="store_true",
        help="list the folders holding matches instead of the files",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    try:
        expressions = [parse_expression(text) for text in args.tags]
    except TagExpressionError as exc:
        print(f"rtstation search: {exc}", file=sys.stderr)
        return 2
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:  # a mistyped path must not look like a folder without matches
        print(
            f"rtstation search: path '{missing[0]}' does not exist: check --path", file=sys.stderr
        )
        return 2
    stats = SearchStatistics()
    hits: list[SearchHit] = []
    problems: list[tuple[str, str]] = []
    folders_unread: list[tuple[str, str]] = []  # said on stderr: a search is not complete
    progress = Progress("Searching")
    files = iter_files(
        args.paths,
        args.search_pattern,
        on_unreadable=lambda folder, reason: folders_unread.append((folder, reason)),
    )
    for path in files:
        stats.files_searched += 1
        progress.update(stats.files_searched)
        try:
            # Pixel Data is found (and shown by its size) but never read: deferred values
            # stay in the file
            ds = pydicom.dcmread(path, defer_size=_DEFER_BYTES, force=True)
            if "SOPClassUID" not in ds and "PatientID" not in ds:
                raise ValueError("not a DICOM file")
        except Exception as exc:
            stats.files_unreadable += 1
            problems.append((str(path), str(exc).splitlines()[0] if str(exc) else "unreadable"))
            continue
        hit = match_dataset(ds, expressions, str(path))
        if hit is not None:
            hits.append(hit)
            stats.add(hit)
    progress.close()
    for folder, reason in folders_unread:
        print(f"rtstation search: folder '{folder}' {reason}", file=sys.stderr)
    problems = folders_unread + problems
    directories = sorted({os.path.dirname(hit.path) for hit in hits})
    if args.json:
        print_json(
            {
                "matches": [
                    {"path": h.path, "values": {label: list(v) for label, v in h.values}}
                    for h in hits
                ],
                "directories": directories,
                "statistics": {
                    "files_searched": stats.files_searched,
                    "files_matched": stats.files_matched,
                    "files_unreadable": stats.files_unreadable,
                    "values": {k: dict(v) for k, v in stats.value_counts.items()},
                },
                "problems": [{"path": p, "reason": r} for p, r in problems],
            }
        )
        return 0 if hits else 1
    if args.show_only_directories:
        write_lines(directories)
    else:
        for hit in hits:
            shown = "  ".join(f"{label}={'|'.join(v) or '<absent>'}" for label, v in hit.values)
            print(f"{hit.path}  {shown}")
    if args.show_statistics:
        write_lines(_statistics_lines(stats))
    return 0 if hits else 1


def _statistics_lines(stats: SearchStatistics) -> list[str]:
    lines = [
        "",
        f"Files searched: {stats.files_searched}, matched: {stats.files_matched}, "
        f"not DICOM or unreadable: {stats.files_unreadable}",
    ]
    for label, counter in stats.value_counts.items():
        lines.append(f"{label}:")
        for value, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {value or '<empty>'}: {count}")
    return lines
