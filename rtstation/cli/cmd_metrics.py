"""``rtstation metrics``: plan, dose and per-ROI DVH figures, as a table, CSV or JSON.

rtstation metrics --path FILE_OR_DIR ...   files on disk, no station needed (like ``show``)
rtstation metrics --plan UID               a stored plan
rtstation metrics --patient ID             every stored plan of a patient
rtstation metrics --all                    every stored plan

Stored plans come from the metrics the station keeps in its catalog (computed in the
background as plans arrive); what is missing or out of date is computed here and stored.

``--filter 'label contains ADP and dmax_gy > 60'`` keeps the plans (with ``--rois``: the
ROIs) whose row matches; ``--vx 20`` adds V20Gy in % of each ROI's volume.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
from collections.abc import Iterable
from typing import Any

from rtstation.cli.common import Progress, print_json, write_lines
from rtstation.cli.context import open_station
from rtstation.dicom.dvh import DvhOptions
from rtstation.dicom.metrics import (
    PLAN_COLUMNS,
    PlanReport,
    plan_report,
    plan_row,
    plans_json,
    roi_columns,
    roi_rows,
)
from rtstation.dicom.metrics_filter import FilterError, Predicate, compile_filter
from rtstation.dicom.rt_tree import PlanBundle, build_tree
from rtstation.dicom.scan import scan
from rtstation.errors import RtStationError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--plan", metavar="UID", help="a stored plan's SOP Instance UID")
    what.add_argument("--patient", metavar="ID", help="every stored plan of this patient")
    what.add_argument("--all", action="store_true", help="every stored plan")
    what.add_argument(
        "--path",
        dest="paths",
        action="append",
        metavar="FILE_OR_DIR",
        help="plans in files or folders on disk, without a station (repeatable)",
    )
    parser.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="output (default table)"
    )
    parser.add_argument(
        "--filter",
        metavar="EXPR",
        help='keep matching rows, e.g. "label contains ADP and dmax_gy > 60"',
    )
    parser.add_argument(
        "--rois",
        action="store_true",
        help="one row per ROI for csv and --filter (ROI doses instead of the grid's)",
    )
    parser.add_argument(
        "--vx",
        metavar="GY",
        type=_dose_gy,
        action="append",
        default=[],
        help="also report Vx: %% of each ROI receiving at least GY (repeatable, e.g. --vx 20)",
    )


def _dose_gy(text: str) -> float:
    """A dose for ``--vx``: a finite number of Gy, not below 0 (a V-5Gy means nothing)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of Gy") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be a dose of 0 Gy or more")
    return value


def run(args: argparse.Namespace) -> int:
    vx = tuple(args.vx)
    columns = roi_columns(vx) if args.rois else PLAN_COLUMNS
    try:
        keep = compile_filter(args.filter, columns) if args.filter else None
    except FilterError as exc:
        print(f"rtstation metrics: {exc}", file=sys.stderr)
        return 2
    if args.paths:
        reports = _reports(_bundles_on_disk(args.paths), DvhOptions(vx_gy=vx))
    else:
        reports = _stored_reports(args, vx)
    if args.format == "json":
        print_json(plans_json(reports, keep, by_roi=args.rois, vx_gy=vx))
    elif args.format == "csv":
        rows = _rows(reports, keep, args.rois, vx)
        _write_csv(rows, columns)
    else:
        write_lines(_table(reports, keep, args.rois, vx))
    return 0


def _bundles_on_disk(paths: list[str]) -> list[PlanBundle]:
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise RtStationError(f"Path '{missing[0]}' does not exist: check --path")
    progress = Progress("Reading")
    result = scan(paths, progress=lambda n, _p: progress.update(n))
    progress.close()
    plans = list(build_tree(result.headers).plans)
    if not plans:
        raise RtStationError(f"No RT plan found in {', '.join(paths)}")
    return plans


def _stored_reports(args: argparse.Namespace, vx: tuple[float, ...]) -> list[PlanReport]:
    """The station's stored metrics; missing or out-of-date ones computed and stored."""
    station = open_station(args, console_logging=False)
    progress = Progress("Computing")
    try:
        reports = station.plan_metrics(
            plan_uid=args.plan,
            patient_id=args.patient,
            vx_gy=vx,
            progress=lambda done, total, label: progress.update(done, total=total, detail=label),
        )
    finally:
        progress.close()
        station.stop()
    if not reports:
        where = f"for patient '{args.patient}'" if args.patient else "in the station"
        raise RtStationError(f"No RT plan {where}")
    return reports


def _reports(bundles: list[PlanBundle], options: DvhOptions) -> list[PlanReport]:
    progress = Progress("Computing", total=len(bundles))
    reports = []
    for done, bundle in enumerate(bundles, start=1):
        reports.append(plan_report(bundle, options))
        progress.update(done, detail=bundle.plan.plan_label)
    progress.close()
    return reports


def _matching_rois(report: PlanReport, keep: Predicate | None, vx: tuple[float, ...]) -> list[int]:
    return [i for i, row in enumerate(roi_rows(report, vx)) if keep is None or keep(row)]


def _rows(
    reports: list[PlanReport], keep: Predicate | None, by_roi: bool, vx: tuple[float, ...]
) -> list[dict[str, Any]]:
    rows = (
        [r for report in reports for r in roi_rows(report, vx)]
        if by_roi
        else [plan_row(report) for report in reports]
    )
    return [r for r in rows if keep is None or keep(r)]


def _write_csv(rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> None:
    writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _table(
    reports: list[PlanReport], keep: Predicate | None, by_roi: bool, vx: tuple[float, ...]
) -> list[str]:
    lines: list[str] = []
    shown = 0
    for report in reports:
        if not by_roi and keep is not None and not keep(plan_row(report)):
            continue
        chosen = _matching_rois(report, keep if by_roi else None, vx)
        if by_roi and keep is not None and not chosen:
            continue
        shown += 1
        lines.extend(_plan_block(report, chosen, vx))
    lines.append(f"{shown} plan(s)" + (f" of {len(reports)} match the filter" if keep else ""))
    return lines


def _plan_block(report: PlanReport, chosen: list[int], vx: tuple[float, ...]) -> list[str]:
    plan, dose = report.plan, report.dose
    fx = f"{plan.fractions} fx" if plan.fractions is not None else "fractions -"
    lines = [
        f"Plan {plan.label or '(no label)'}  patient {plan.patient_id or '-'}  "
        f"{plan.approval or '-'}  {', '.join(plan.machines) or 'no machine'}  {fx}  "
        f"Rx {_number(plan.prescription_gy)} Gy  MU {_number(plan.total_mu, 1)}",
        f"  uid {plan.plan_uid}",
    ]
    for beam in plan.beams:
        lines.append(
            f"  beam {beam.name or beam.number or '-'}  {beam.delivery_type or '-'}  "
            f"{beam.energy or '-'}  MU {_number(beam.mu, 1)}"
        )
    if dose is not None:
        lines.append(
            f"  dose {dose.grid} ({', '.join(f'{s:g}' for s in dose.spacing_mm)} mm)  "
            f"{dose.units} {dose.dose_type} {dose.summation_type}  min {_number(dose.min_gy)}  "
            f"mean {_number(dose.mean_gy)}  max {_number(dose.max_gy)}"
        )
    if chosen:
        vx_head = "".join(f" {f'V{d:g}Gy%':>8}" for d in vx)
        lines.append(
            f"  {'ROI':<20} {'type':<10} {'cc':>9} {'Dmin':>7} {'Dmean':>7} {'Dmax':>7} "
            f"{'D95':>7} {'D50':>7} {'D2':>7}{vx_head}"
        )
        for index in chosen:
            roi = report.rois[index]
            vx_cells = "".join(f" {_number(roi.vx_percent.get(d), 1):>8}" for d in vx)
            lines.append(
                f"  {roi.name[:20]:<20} {roi.interpreted_type[:10]:<10} "
                f"{_number(roi.volume_cc):>9} {_number(roi.dmin_gy):>7} {_number(roi.dmean_gy):>7} "
                f"{_number(roi.dmax_gy):>7} {_number(roi.d95_gy):>7} {_number(roi.d50_gy):>7} "
                f"{_number(roi.d2_gy):>7}{vx_cells}"
            )
    lines.extend(f"  note: {note}" for note in report.notes)
    return lines
