"""``rtstation config``: where the configuration is, what it says, and whether it is valid."""

from __future__ import annotations

import argparse

from rtstation.cli.context import load_config
from rtstation.station.anonymized import anonymize_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    paths, settings, rules = load_config(args)  # raises ConfigError with the exact problem
    anonymize_options(settings)  # option names are known to the anonymizer only
    print(f"settings.ini:   {paths.settings_file}")
    print(f"rules.ini:      {paths.rules_file}")
    print(f"storage folder: {settings.storage_folder}")
    print(f"import folder:  {settings.import_folder}")
    print(f"data folder:    {paths.data_dir}")
    print(f"log folder:     {paths.log_dir}")
    print(
        f"receiver:       AE {settings.ae_title}, port {settings.port}, listening on "
        f"{settings.bind_address}"
        + (", allow-list on" if settings.allow_list_enabled else "")
        + (", called AE title required" if settings.require_called_ae_title else "")
    )
    options = settings.anonymization_options
    print(
        f"anonymization:  profile {settings.anonymization_profile}, options "
        + ("of the profile" if options is None else (", ".join(options) or "none"))
        + f", burned-in annotation: {settings.anonymization_burned_in}"
    )
    print(f"nodes ({len(settings.nodes)}):")
    for node in settings.nodes:
        state = "enabled" if node.enabled else "disabled"
        print(f"  {node.name}: {node.ae_title} at {node.host}:{node.port} ({state})")
    switch = "" if rules.rules_enabled else " - all switched off by rules_enabled"
    print(f"rules ({len(rules.rules)}){switch}:")
    for rule in rules.rules:
        sources = ", ".join(rule.source_aes) or "any source"
        label = (
            f"label contains '{rule.plan_label_match}'" if rule.plan_label_match else "any label"
        )
        state = "enabled" if rule.enabled else "disabled"
        print(f"  {rule.name}: {sources}, {label} -> {', '.join(rule.target_nodes)} ({state})")
    for warning in rules.warnings:
        print(f"warning: {warning}")
    print("configuration is valid")
    return 0
