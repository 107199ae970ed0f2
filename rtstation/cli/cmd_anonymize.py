"""``rtstation anonymize``: anonymized copies of a patient's files, references intact.

DicomTools' option names (``--path``, ``--newPatientId``, ``--newPatientName``) are kept.
The profile and options come from settings.ini ``[Anonymization]`` unless ``--profile`` /
``--option`` say otherwise. Files that cannot be anonymized are named with the reason and
the rest is processed; the exit code is 1 when any file was refused.
"""

from __future__ import annotations

import argparse
import os
import sys

from rtstation.cli.common import Progress, add_option, print_json, write_lines
from rtstation.config import default_paths, load_settings
from rtstation.config.paths import check_config_dir
from rtstation.dicom.anonymize import PROFILE_NAMES, REPORT_NAME, AnonymizeOptions, anonymize_paths
from rtstation.station.anonymized import anonymize_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_option(
        parser,
        "--path",
        dest="paths",
        action="append",
        required=True,
        metavar="PATH",
        help="folder or file to anonymize, recursively (repeat for more)",
    )
    add_option(parser, "--out", dest="out", required=True, metavar="DIR", help="output folder")
    add_option(
        parser,
        "--new-patient-id",
        dest="new_patient_id",
        metavar="ID",
        help="patient ID of every anonymized object (default: ANON + 10 hex digits, derived)",
    )
    add_option(
        parser,
        "--new-patient-name",
        dest="new_patient_name",
        metavar="NAME",
        help="patient name of every anonymized object (default: the new patient ID)",
    )
    add_option(
        parser,
        "--profile",
        dest="profile",
        choices=PROFILE_NAMES,
        help="aria (keeps what an ARIA import needs; default) or basic (PS3.15 Basic Profile)",
    )
    add_option(
        parser,
        "--option",
        dest="options",
        action="append",
        metavar="OPTION",
        help="PS3.15 option, e.g. CleanDesc, RetainDeviceIdent, RetainPatientChars, "
        "RetainLongModifDatesAndTimes, RetainUIDs, RetainSafePrivate (repeat; 'none' for none)",
    )
    add_option(
        parser,
        "--uid-map",
        dest="uid_map",
        metavar="FILE",
        help="persisted UID map: loaded if it exists, written at the end (IDENTIFYING: keep "
        "it apart from the output)",
    )
    add_option(
        parser,
        "--burned-in",
        dest="burned_in",
        choices=("refuse", "warn"),
        help="files with Burned In Annotation YES: refuse them (default) or warn",
    )
    add_option(
        parser,
        "--search-pattern",
        dest="search_pattern",
        default="*",
        metavar="PATTERN",
        help="file name pattern, for example *.dcm (default: every file)",
    )
    add_option(
        parser,
        "--report",
        dest="report",
        default="",
        metavar="FILE",
        help=f"where the run's report goes (no identifying values; default: OUT/{REPORT_NAME})",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable report")


def options_from(args: argparse.Namespace) -> AnonymizeOptions:
    """settings.ini [Anonymization], overridden by what the command line says.

    A bad option name (in settings.ini or on the command line) fails before any file.
    """
    paths = default_paths(args.config)
    check_config_dir(paths.config_dir)  # a file as --config must not pass for "no settings"
    settings = load_settings(paths.settings_file, data_dir=paths.data_dir)
    return anonymize_options(
        settings,
        patient_id=args.new_patient_id,
        patient_name=args.new_patient_name,
        profile=args.profile,
        options=tuple(args.options) if args.options else None,
        uid_map_file=args.uid_map,
        burned_in=args.burned_in,
    )


def out_problem(out: str, inputs: list[str]) -> str:
    """Why ``out`` cannot take the copies of ``inputs``, or "" when it can.

    An empty ``--out`` (an unset shell variable) would be the current directory. An output
    folder that is an input, or contains one, would hold the copies among the originals:
    the run skips its own output folder, so it would anonymize nothing, and the next run
    over the parent would read the copies as input.
    """
    if not out:
        return "--out is empty: give the output folder"
    for path in inputs:
        if _same(out, path):
            return f"--out '{out}' is the input folder: choose another one"
        if _inside(path, out):
            return f"--out '{out}' contains the input '{path}': choose a folder outside it"
    return ""


def _spellings(path: str) -> tuple[str, str]:
    """``path`` as written and with symbolic links resolved, both absolute (and on
    Windows in one case), so neither a link nor ``..`` hides that two paths meet."""
    return (
        os.path.normcase(os.path.abspath(path)),
        os.path.normcase(os.path.realpath(path)),
    )


def _same(first: str, second: str) -> bool:
    return any(a == b for a, b in zip(_spellings(first), _spellings(second), strict=True))


def _inside(path: str, folder: str) -> bool:
    """True when ``path`` lies under ``folder``, as written or through symbolic links."""
    return any(
        inner.startswith(outer.rstrip(os.sep) + os.sep)
        for inner, outer in zip(_spellings(path), _spellings(folder), strict=True)
    )


def run(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        print(
            f"rtstation anonymize: path '{missing[0]}' does not exist: check --path",
            file=sys.stderr,
        )
        return 2
    problem = out_problem(args.out, args.paths)
    if problem:
        print(f"rtstation anonymize: {problem}", file=sys.stderr)
        return 2
    out = os.path.abspath(args.out)
    options = options_from(args)
    progress = Progress("Anonymizing")
    report = anonymize_paths(
        args.paths,
        out,
        options,
        pattern=args.search_pattern,
        progress=lambda n, p: progress.update(n),
        report_file=args.report,
    )
    progress.close()
    if args.json:
        print_json(report.to_json(sources=True))
    else:
        write_lines(report.lines())
        report_file = args.report or os.path.join(out, REPORT_NAME)
        write_lines([f"  report (no identifying values): {report_file}"])
    return 0 if report.ok else 1
