"""Loading configuration and opening a Station for a subcommand."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from rtstation.config import ConfigPaths, RulesConfig, Settings, load_station_config
from rtstation.logsetup import setup_logging
from rtstation.routing.rules import condition_problem
from rtstation.station import Station


def load_config(args: argparse.Namespace) -> tuple[ConfigPaths, Settings, RulesConfig]:
    """settings.ini and rules.ini of ``--config DIR`` (created with defaults on first run).

    Their warnings are the caller's to show: ``config`` prints them, a Station logs them
    once logging is set up (logged here, before that, they went nowhere).
    """
    return load_station_config(getattr(args, "config", None), check_condition=condition_problem)


def log_level(args: argparse.Namespace, settings: Settings) -> str:
    verbose = getattr(args, "verbose", 0) or 0
    if verbose >= 2:
        return "DEBUG"
    if verbose == 1 or settings.verbose_info_logging:
        return "INFO"
    return settings.log_level


def open_station(
    args: argparse.Namespace, *, console_logging: bool = True, **overrides: object
) -> Station:
    """Load the configuration, set up logging and open the station (not started)."""
    paths, settings, rules = load_config(args)
    if overrides:
        settings = replace(settings, **overrides)
    setup_logging(
        Path(paths.log_dir),
        level=log_level(args, settings),
        console=console_logging,
        max_mb=settings.log_max_mb,
        keep_days=settings.log_keep_days,
    )
    return Station(paths, settings, rules, bind_address=getattr(args, "bind", "") or "")
