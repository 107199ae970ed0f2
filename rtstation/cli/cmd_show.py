"""``rtstation show``: plans and what belongs to them, from the files in a folder.

Options follow DicomTools ``show`` (``--path``, ``--searchPattern``, ``--format tree|flat``,
``--defaultMachines``), so existing batch files keep working.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from rtstation.cli.common import Progress, add_option, print_json, write_lines
from rtstation.dicom.headers import InstanceHeader
from rtstation.dicom.machine_map import parse_mapping
from rtstation.dicom.rt_tree import PlanBundle, RtTree, build_tree
from rtstation.dicom.scan import ScanResult, scan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_option(
        parser,
        "--path",
        dest="paths",
        action="append",
        required=True,
        metavar="PATH",
        help="folder or file to read, recursively (repeat for more)",
    )
    add_option(
        parser,
        "--search-pattern",
        dest="search_pattern",
        default="*",
        metavar="PATTERN",
        help="file name pattern, for example *.dcm or RP*.dcm (default: every file)",
    )
    add_option(
        parser,
        "--format",
        dest="format",
        choices=("tree", "flat"),
        default="tree",
        help="a tree of plans (default) or a flat list, one line per file",
    )
    add_option(
        parser,
        "--default-machines",
        dest="default_machines",
        default="",
        metavar="MAP",
        help="machine for plans without TreatmentMachineName, by model: 'RDS=HALCYON 23EX=D'",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    defaults = parse_mapping(args.default_machines) if args.default_machines else {}
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:  # a mistyped path must not look like an empty folder in a batch file
        print(f"rtstation show: path '{missing[0]}' does not exist: check --path", file=sys.stderr)
        return 2
    progress = Progress("Reading")
    result = scan(args.paths, args.search_pattern, progress=lambda n, p: progress.update(n))
    progress.close()
    tree = build_tree(result.headers)
    if args.json:
        print_json(tree_to_json(tree, result, defaults))
    elif args.format == "flat":
        write_lines(flat_lines(tree, result))
    else:
        write_lines(tree_lines(tree, result, defaults))
    return 0 if result.headers or not result.problems else 1


def plan_machines(plan: InstanceHeader, defaults: dict[str, str]) -> str:
    """Machine names; for a plan stripped of them, the default for its machine model."""
    if plan.machines:
        return ", ".join(plan.machines)
    guessed = [f"{defaults[m]} (default for {m})" for m in plan.machine_models if m in defaults]
    return ", ".join(guessed) if guessed else "no machine"


def _plan_title(bundle: PlanBundle, defaults: dict[str, str]) -> str:
    plan = bundle.plan
    name = f' "{plan.plan_name}"' if plan.plan_name and plan.plan_name != plan.plan_label else ""
    state = "complete" if bundle.completeness.complete else "INCOMPLETE"
    return (
        f"RTPLAN {plan.plan_label or '(no label)'}{name}  {plan.approval_status or '-'}  "
        f"{plan_machines(plan, defaults)}  {len(plan.beams)} beam(s)  "
        f"[{bundle.completeness.summary()}] {state}"
    )


def tree_lines(tree: RtTree, result: ScanResult, defaults: dict[str, str]) -> list[str]:
    lines: list[str] = []
    for patient in tree.patients:
        lines.append(
            f"Patient {patient.patient_id or '(no ID)'}  {patient.patient_name}  "
            f"({len(patient.plans)} plan(s), {len(patient.unconnected)} unconnected)"
        )
        for bundle in patient.plans:
            lines.append("  " + _plan_title(bundle, defaults))
            lines.append(f"    uid {bundle.uid}  {bundle.plan.path}")
            lines.extend("    " + line for line in _bundle_members(bundle))
        if patient.unconnected:
            lines.append("  Unconnected")
            lines.extend(
                f"    {h.modality:<8} {h.sop_instance_uid}  {h.path}" for h in patient.unconnected
            )
    lines.extend(_footer(tree, result))
    return lines


def _bundle_members(bundle: PlanBundle) -> list[str]:
    lines: list[str] = []
    c = bundle.completeness
    if bundle.structure_set is not None:
        rs = bundle.structure_set
        via = (
            " (by frame of reference)" if bundle.structure_set_link == "frame of reference" else ""
        )
        lines.append(
            f"RTSTRUCT {rs.structure_set_label or '(no label)'}  {len(rs.roi_names)} ROI(s){via}  "
            f"{rs.path}"
        )
    elif c.structure_set == "missing":
        lines.append(f"RTSTRUCT MISSING (referenced {bundle.structure_set_uid})")
    series: dict[str, list[InstanceHeader]] = {}
    for image in bundle.images:
        series.setdefault(image.series_instance_uid, []).append(image)
    for series_uid, images in series.items():
        lines.append(f"  {images[0].modality} series {series_uid}: {len(images)} image(s)")
    if c.missing_images:
        lines.append(f"  {c.missing_images} referenced image(s) MISSING of {c.images_expected}")
    lines.extend(f"RTDOSE {d.dose_summation_type or '-'}  {d.path}" for d in bundle.doses)
    lines.extend(f"RTIMAGE {h.path}" for h in bundle.rt_images)
    lines.extend(f"{h.modality} {h.path}" for h in bundle.records)
    lines.extend(f"references plan {uid}" for uid in bundle.referenced_plan_uids)
    lines.extend(f"referenced by plan {uid}" for uid in bundle.referencing_plan_uids)
    return lines


def _footer(tree: RtTree, result: ScanResult) -> list[str]:
    lines = [
        f"{len(result.headers)} DICOM file(s), {len(tree.plans)} plan(s), "
        f"{len(tree.unconnected)} unconnected, {len(result.problems)} skipped"
    ]
    if tree.duplicates:
        lines.append(f"Duplicates (same SOP Instance UID, first one used): {len(tree.duplicates)}")
        lines.extend(f"  {h.sop_instance_uid}  {h.path}" for h in tree.duplicates)
    if result.problems:
        lines.append("Skipped files:")
        lines.extend(f"  {p.path}: {p.reason}" for p in result.problems)
    return lines


def flat_lines(tree: RtTree, result: ScanResult) -> list[str]:
    lines: list[str] = []
    for patient in tree.patients:
        for bundle in patient.plans:
            label = bundle.plan.plan_label or "(no label)"
            for h in bundle.instances():
                lines.append(
                    f"{patient.patient_id}\t{label}\t{h.modality}\t{h.sop_instance_uid}\t{h.path}"
                )
        for h in patient.unconnected:
            lines.append(
                f"{patient.patient_id}\t(unconnected)\t{h.modality}\t{h.sop_instance_uid}\t{h.path}"
            )
    lines.extend(_footer(tree, result))
    return lines


def _header_json(h: InstanceHeader) -> dict[str, Any]:
    return {
        "sop_instance_uid": h.sop_instance_uid,
        "sop_class_uid": h.sop_class_uid,
        "modality": h.modality,
        "path": h.path,
    }


def bundle_to_json(bundle: PlanBundle, defaults: dict[str, str]) -> dict[str, Any]:
    plan, c = bundle.plan, bundle.completeness
    return {
        "uid": bundle.uid,
        "label": plan.plan_label,
        "name": plan.plan_name,
        "date": plan.plan_date,
        "approval": plan.approval_status,
        "intent": plan.plan_intent,
        "machines": plan_machines(plan, defaults),
        "beams": [
            {"name": b.name, "machine": b.machine, "energy": b.energy, "meterset": b.meterset}
            for b in plan.beams
        ],
        "fractions": plan.fractions_planned,
        "path": plan.path,
        "complete": c.complete,
        "summary": c.summary(),
        "structure_set": {
            "uid": bundle.structure_set_uid,
            "state": c.structure_set,
            "path": bundle.structure_set.path if bundle.structure_set else None,
            "linked_by": bundle.structure_set_link,
        },
        "images": {
            "present": c.images_present,
            "expected": c.images_expected,
            "missing": c.missing_images,
        },
        "doses": [_header_json(d) for d in bundle.doses],
        "rt_images": [_header_json(h) for h in bundle.rt_images],
        "records": [_header_json(h) for h in bundle.records],
        "referenced_plans": list(bundle.referenced_plan_uids),
        "referencing_plans": list(bundle.referencing_plan_uids),
        "instances": len(bundle.instances()),
    }


def tree_to_json(tree: RtTree, result: ScanResult, defaults: dict[str, str]) -> dict[str, Any]:
    return {
        "patients": [
            {
                "patient_id": p.patient_id,
                "patient_name": p.patient_name,
                "plans": [bundle_to_json(b, defaults) for b in p.plans],
                "unconnected": [_header_json(h) for h in p.unconnected],
            }
            for p in tree.patients
        ],
        "files": len(result.headers),
        "duplicates": [_header_json(h) for h in tree.duplicates],
        "problems": [{"path": p.path, "reason": p.reason} for p in result.problems],
    }
