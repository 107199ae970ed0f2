"""``rtstation reindex``: rebuild the catalog from the files in the storage folder.

The plans' metrics are rebuilt too (they are kept in the catalog), after the files.
"""

from __future__ import annotations

import argparse

from rtstation.cli.common import Progress
from rtstation.cli.context import open_station


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options of its own


def run(args: argparse.Namespace) -> int:
    station = open_station(args, console_logging=False)
    try:
        progress = Progress("Indexing")
        metrics = Progress("Metrics")
        report = station.reindex(
            progress=lambda n, name: progress.update(n, None, name),
            metrics_progress=lambda n, total, label: metrics.update(n, total, label),
        )
        progress.close()
        metrics.close()
    finally:
        station.stop()
    print(f"Reindex of {station.storage_root}: {report.summary()}")
    for name, reason in report.problems:
        print(f"  unreadable {name}: {reason}")
    return 0
