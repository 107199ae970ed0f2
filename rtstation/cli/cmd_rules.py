"""``rtstation rules test``: which rules would forward a plan, and why not, without sending.

rtstation rules test --plan UID               a stored plan, with the AE that sent it
rtstation rules test --path FILE_OR_DIR ...   plans in files, as if sent by --source-ae
rtstation rules why --plan UID                what the rules decided when the plan came,
                                              where it went and when, what it waits for

A rule with a ``metrics_condition`` gets the plan's metrics (computed where needed).
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, replace

from rtstation.cli.common import add_option, print_json, refuse_empty_path
from rtstation.cli.context import load_config, open_station
from rtstation.dicom.metrics import plan_report, plan_row
from rtstation.dicom.rt_tree import build_tree
from rtstation.dicom.scan import scan
from rtstation.errors import RtStationError
from rtstation.routing.rules import evaluate
from rtstation.station.forwarding import plan_facts


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("test", "why"))
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--plan", metavar="UID", help="a stored plan's SOP Instance UID")
    what.add_argument(
        "--path",
        dest="paths",
        action="append",
        metavar="PATH",
        help="files or folders with plans (repeatable)",
    )
    add_option(
        parser,
        "--source-ae",
        dest="source_ae",
        default="IMPORT_FOLDER",
        help="sending AE to assume for --path (default IMPORT_FOLDER)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _why(args: argparse.Namespace) -> int:
    if not args.plan:
        raise RtStationError("'rules why' needs --plan UID of a stored plan")
    station = open_station(args, console_logging=False)
    try:
        explanation = station.plan_explanation(args.plan)
        if not explanation.decision and station.plan_bundle(args.plan) is None:
            raise RtStationError(f"No plan with SOP Instance UID '{args.plan}' is stored")
    finally:
        station.stop()
    if args.json:
        print_json(asdict(explanation))
    else:
        print(f"Plan {args.plan}")
        for line in explanation.lines():
            print(line)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.action == "why":
        return _why(args)
    if refuse_empty_path("rules", "--path", args.paths):  # "" would test the plans in '.'
        return 2
    results = []
    if args.plan:
        station = open_station(args, console_logging=False)
        try:
            decision = station.evaluate_rules(args.plan)
            bundle = station.plan_bundle(args.plan)
            label = bundle.plan.plan_label if bundle else args.plan
            results.append((label, station.plan_source(args.plan), decision))
        finally:
            station.stop()
    else:
        _paths, _settings, rules = load_config(args)
        tree = build_tree(scan(args.paths).headers)
        if not tree.plans:
            raise RtStationError(f"No RT plan found in {', '.join(args.paths)}")
        wants_metrics = any(rule.metrics_condition.strip() for rule in rules.rules)
        for bundle in tree.plans:
            facts = plan_facts(bundle, args.source_ae)
            if wants_metrics:
                facts = replace(facts, metrics=plan_row(plan_report(bundle)))
            decision = evaluate(rules, facts)
            results.append((bundle.plan.plan_label, args.source_ae, decision))
    if args.json:
        print_json(
            [
                {
                    "plan": d.plan_uid,
                    "label": label,
                    "source_ae": source,
                    "nodes": list(d.nodes),
                    "explanation": d.explanation(),
                }
                for label, source, d in results
            ]
        )
        return 0
    for label, source, decision in results:
        target = ", ".join(decision.nodes) if decision.nodes else "nowhere"
        print(f"Plan {label or decision.plan_uid} from {source}: would go to {target}")
        for line in decision.explanation():
            print(f"  {line}")
    return 0
