"""``rtstation cleanup``: apply the retention settings now (settings.ini [Retention]).

rtstation cleanup --dry-run    list the plans that would go, and why
rtstation cleanup              remove them (audited, like the station's hourly run)
"""

from __future__ import annotations

import argparse

from rtstation.cli.common import print_json
from rtstation.cli.context import open_station


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="list, remove nothing")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    station = open_station(args, console_logging=False)
    try:
        if not station.retention.enabled:
            print(
                "Retention is off: set [Retention] max_age_days or max_storage_gb in "
                f"'{station.paths.settings_file}'"
            )
            return 0
        report = station.cleanup(dry_run=args.dry_run)
    finally:
        station.stop()
    if args.json:
        print_json(
            {
                "dry_run": args.dry_run,
                "plans": [c.__dict__ for c in report.candidates],
                "files": len(report.selection.instance_uids) if report.selection else 0,
                "bytes": report.selection.size if report.selection else 0,
                "removed": report.removed,
                "refused": [{"plan": p, "reason": r} for p, r in report.refused],
            }
        )
        return 1 if report.refused else 0
    verb = "Would remove" if args.dry_run else "Removed"
    for candidate in report.candidates:
        if args.dry_run or candidate.plan_uid in report.removed:
            print(
                f"{verb} {candidate.plan_label} (patient {candidate.patient_id}, received "
                f"{candidate.received_at[:19].replace('T', ' ')} UTC): {candidate.why}"
            )
    for plan_uid, reason in report.refused:
        print(f"Kept {plan_uid}: {reason}")
    print(report.summary())
    return 1 if report.refused else 0
