"""``rtstation retrieve``: a patient's plans from an archive into a folder (DicomTools).

``--patientId "P1;P2" --path OUT --hostName H --hostPort N --callingAet A --calledAet B``
queries the archive, moves each patient's studies to this station's receiver (or fetches
them by C-GET with ``--get``) into a temporary folder, and copies what is wanted to
``OUT/<PatientID>/``: everything, or only the bundles of ``--planId`` (label or UID) and/or
``--onlyApprovedPlans``. When a station (GUI or ``serve``) runs on the same configuration
its receiver takes the moved instances for us; otherwise this command listens on the
configured receiver port for as long as it runs.

``--anonymize --newPatientId X --newPatientName Y`` replaces ``OUT/<PatientID>/`` by
``OUT/X/`` holding the anonymized bundles (settings.ini [Anonymization], references
intact), with ``OUT/X-anonymization-report.json`` beside it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from rtstation.cli.cmd_show import tree_lines
from rtstation.cli.common import Progress, add_option, print_json, write_lines
from rtstation.cli.context import load_config, log_level
from rtstation.cli.peer_options import add_peer_options, peer_from_args
from rtstation.config import Settings, values
from rtstation.dicom.rt_tree import build_tree
from rtstation.dicom.scan import scan
from rtstation.errors import ConfigError
from rtstation.logsetup import setup_logging
from rtstation.station.anonymized import NewPatient, anonymize_folder
from rtstation.station.retrieval import (
    PatientReport,
    PatientRetriever,
    RetrieveOptions,
    RetrieveProgress,
    split_patient_ids,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_option(
        parser,
        "--patient-id",
        dest="patient_ids",
        action="append",
        required=True,
        metavar="ID",
        help="patient ID; several separated by ';' (each into its own subfolder)",
    )
    add_option(
        parser,
        "--plan-id",
        dest="plan_ids",
        action="append",
        default=[],
        metavar="LABEL|UID",
        help="keep only this plan (RT Plan Label or SOP Instance UID) and what it references",
    )
    add_option(
        parser,
        "--only-approved-plans",
        dest="only_approved",
        action="store_true",
        help="keep only approved plans",
    )
    add_option(
        parser,
        "--anonymize",
        dest="anonymize",
        action="store_true",
        help="anonymize the saved data into <path>/<newPatientId>/ (settings.ini "
        "[Anonymization]; needs --newPatientId and --newPatientName)",
    )
    add_option(
        parser,
        "--new-patient-id",
        dest="new_patient_id",
        default="",
        help="new patient ID for the saved data",
    )
    add_option(
        parser,
        "--new-patient-name",
        dest="new_patient_name",
        default="",
        help="new patient name for the saved data",
    )
    add_option(
        parser,
        "--path",
        dest="path",
        required=True,
        metavar="DIR",
        help="where to write <PatientID>/ folders",
    )
    add_option(
        parser,
        "--show-tree",
        dest="show_tree",
        action="store_true",
        help="show what was saved as a plan tree",
    )
    parser.add_argument(
        "--get",
        dest="use_get",
        action="store_true",
        help="fetch by C-GET on our own association instead of C-MOVE to our receiver",
    )
    add_option(
        parser,
        "--move-destination",
        dest="move_destination",
        default="",
        metavar="AE",
        help="the AE title the archive knows our receiver by (default: --callingAet)",
    )
    add_option(
        parser,
        "--query-model",
        dest="query_model",
        choices=("study", "patient"),
        default="study",
        help="Q/R information model: study root (default) or patient root",
    )
    add_peer_options(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable result")


def check_anonymize(args: argparse.Namespace, patient_ids: list[str]) -> None:
    """DicomTools' rules: all three together, one patient, and values a Patient ID and
    Patient's Name can hold."""
    given = [args.anonymize, bool(args.new_patient_id), bool(args.new_patient_name)]
    if not any(given):
        return
    if not all(given):
        raise ConfigError("--anonymize, --newPatientId and --newPatientName must be given together")
    if len(patient_ids) > 1:
        raise ConfigError(
            "--anonymize gives one new patient ID: retrieve one --patientId at a time, not "
            f"'{';'.join(patient_ids)}'"
        )
    for option, value in (
        ("--newPatientId", args.new_patient_id),
        ("--newPatientName", args.new_patient_name),
    ):
        try:
            values.parse_patient_text(value)
        except values.Invalid as exc:
            raise ConfigError(f"{option} '{value}': {exc.reason}") from None


def _anonymize(reports: list[PatientReport], args: argparse.Namespace, settings: Settings) -> None:
    """Replace each retrieved patient folder by its anonymized copy; refusals are problems."""
    patient = NewPatient(args.new_patient_id, args.new_patient_name)
    for report in reports:
        if report.folder is None or not report.folder.exists():
            continue  # nothing saved; a folder saved by a partial retrieve is anonymized too
        report.folder, anonymized = anonymize_folder(report.folder, patient, settings)
        report.files = sorted(p for p in report.folder.rglob("*") if p.is_file())
        report.problems.extend(
            f"not anonymized, so not saved: {Path(p.source).name}: {p.reason}"
            for p in anonymized.refused
        )


def _printer(stream: Progress) -> Callable[[RetrieveProgress], None]:
    def show(progress: RetrieveProgress) -> None:
        stream.update(progress.done, progress.total, f"{progress.patient_id} {progress.phase}")

    return show


def run(args: argparse.Namespace) -> int:
    if not args.path:  # Path("") is the current directory, wherever the command started
        raise ConfigError("--path is empty: give the folder to write the patients' folders to")
    check_anonymize(args, split_patient_ids(args.patient_ids))
    paths, settings, _rules = load_config(args)
    setup_logging(Path(paths.log_dir), level=log_level(args, settings), console=False)
    peer = peer_from_args(args, settings)
    patient_ids = split_patient_ids(args.patient_ids)
    if not patient_ids:
        raise ConfigError("--patientId is empty: give at least one patient ID")
    output = Path(args.path)
    options = RetrieveOptions(
        peer=peer,
        output=output,
        plan_ids=tuple(args.plan_ids),
        only_approved=args.only_approved,
        use_get=args.use_get,
        move_destination=args.move_destination,
        model=args.query_model,
    )
    bar = Progress("Retrieving")
    retriever = PatientRetriever(settings, paths.data_dir, options, progress=_printer(bar))
    try:
        reports = retriever.retrieve(patient_ids)
    finally:
        bar.close()
    if args.anonymize:
        _anonymize(reports, args, settings)
    if args.json:
        print_json(
            [
                {
                    "patient_id": r.patient_id,
                    "ok": r.ok,
                    "folder": str(r.folder) if r.folder else None,
                    "files": len(r.files),
                    "plans": [b.plan.plan_label for b in r.plans],
                    "expected": r.expected,
                    "received": r.received,
                    "problems": r.problems,
                }
                for r in reports
            ]
        )
    else:
        for report in reports:
            if report.ok:
                labels = ", ".join(f"'{b.plan.plan_label}'" for b in report.plans) or "no plan"
                print(
                    f"{report.patient_id}: {len(report.files)} file(s) in {report.folder} "
                    f"({labels}; {report.received} of {report.expected} instance(s) retrieved)"
                )
                if args.show_tree and report.folder is not None:
                    result = scan([report.folder])
                    write_lines(tree_lines(build_tree(result.headers), result, {}))
            else:
                for problem in report.problems or ["cancelled"]:
                    print(f"{report.patient_id}: {problem}", file=sys.stderr)
    return 0 if reports and all(r.ok for r in reports) else 1
