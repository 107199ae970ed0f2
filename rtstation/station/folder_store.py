"""Store a folder into a treatment system, as DicomTools' ``store`` does.

The files are read, sorted in ARIA order (images, RTSTRUCT, RTPLAN, RTDOSE, the rest;
slices by instance number) and sent over one association. A plan whose machine names the
mapping renames (``--machineMapping``), or whose beams lost their machine name
(``--defaultMachines``, by machine model), is sent as a rewritten copy: the file in the
folder is never changed. The first instance the peer refuses stops the store, with the
peer's reason, unless ``continue_on_error``; with a status file every stored file is
appended to it at once, so a rerun after fixing the mapping sends only the rest.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pydicom

from rtstation.dicom import sop
from rtstation.dicom.headers import InstanceHeader
from rtstation.dicom.machine_map import apply_default_machines, map_machines
from rtstation.dicom.rt_tree import aria_order_key
from rtstation.dicom.scan import ScanProblem, scan
from rtstation.dicom.status import Outcome
from rtstation.net.peer import Peer
from rtstation.net.sender import ItemResult, SendItem, send_items

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class MachineChange:
    path: str
    plan_label: str
    old: str  # old machine name, or "(none, model X)" for a default machine
    new: str


@dataclass(frozen=True)
class StoreEntry:
    """One file to store, and the copy to send instead when the mapping rewrites it."""

    header: InstanceHeader
    changes: tuple[MachineChange, ...] = ()


@dataclass
class StorePlan:
    """What a store will do: the files in order, skipped ones, machine changes."""

    entries: list[StoreEntry] = field(default_factory=list)
    already_stored: list[str] = field(default_factory=list)
    problems: list[ScanProblem] = field(default_factory=list)

    @property
    def changes(self) -> list[MachineChange]:
        return [c for e in self.entries for c in e.changes]

    @property
    def machines(self) -> list[str]:
        """Every machine name (or model, when the name is missing) the plans use."""
        names: dict[str, None] = {}
        for entry in self.entries:
            for beam in entry.header.beams:
                names[beam.machine or f"(model {beam.machine_model or '?'})"] = None
        return list(names)


@dataclass
class StoreReport:
    stored: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    not_sent: int = 0
    association_error: str = ""
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.refused and not self.association_error and not self.not_sent


def read_status_file(path: Path | None) -> set[str]:
    if path is None or not path.exists():
        return set()
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def _append_status(path: Path, line: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _changes_for(
    header: InstanceHeader, mapping: dict[str, str], defaults: dict[str, str]
) -> tuple[MachineChange, ...]:
    if not header.is_plan:
        return ()
    changes: dict[tuple[str, str], MachineChange] = {}
    for beam in header.beams:
        if beam.machine and mapping.get(beam.machine, beam.machine) != beam.machine:
            key = (beam.machine, mapping[beam.machine])
        elif not beam.machine and beam.machine_model in defaults:
            key = (f"(none, model {beam.machine_model})", defaults[beam.machine_model])
        else:
            continue
        changes[key] = MachineChange(header.path, header.plan_label, *key)
    return tuple(changes.values())


def plan_store(
    folder: Path,
    pattern: str = "*",
    *,
    mapping: dict[str, str] | None = None,
    defaults: dict[str, str] | None = None,
    status_file: Path | None = None,
) -> StorePlan:
    """Read the folder and decide what to send, in which order, with which changes."""
    result = scan([folder], pattern)
    done = read_status_file(status_file)
    plan = StorePlan(problems=list(result.problems))
    headers = sorted(result.headers, key=aria_order_key)
    for header in headers:
        if _status_key(header.path) in done:
            plan.already_stored.append(header.path)
            continue
        plan.entries.append(StoreEntry(header, _changes_for(header, mapping or {}, defaults or {})))
    return plan


def _status_key(path: str) -> str:
    return str(Path(path).resolve())


def _item(header: InstanceHeader, path: str | None = None) -> SendItem:
    target = path or header.path
    return SendItem(
        sop_instance_uid=header.sop_instance_uid,
        sop_class_uid=header.sop_class_uid,
        transfer_syntax_uid=header.transfer_syntax_uid,
        path=target,
        size=os.path.getsize(target),
    )


def _mapped_copy(
    entry: StoreEntry, mapping: dict[str, str], defaults: dict[str, str], folder: Path
) -> str:
    """Write the rewritten plan to ``folder`` and return its path (original untouched)."""
    ds = pydicom.dcmread(entry.header.path)
    map_machines(ds, mapping)
    apply_default_machines(ds, defaults)
    safe = "".join(ch for ch in entry.header.sop_instance_uid if ch.isdigit() or ch == ".")
    target = folder / f"RP.{safe or 'plan'}.dcm"
    ds.save_as(target, enforce_file_format=False)
    return str(target)


def store_folder(
    peer: Peer,
    plan: StorePlan,
    *,
    mapping: dict[str, str] | None = None,
    defaults: dict[str, str] | None = None,
    status_file: Path | None = None,
    continue_on_error: bool = False,
    on_item: Callable[[int, int, str, str], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> StoreReport:
    """Send the plan's entries in order; ``on_item(done, total, path, outcome)``."""
    report = StoreReport()
    with tempfile.TemporaryDirectory(prefix="rtstation-store-") as scratch:
        items: list[SendItem] = []
        originals: dict[str, str] = {}
        for entry in plan.entries:
            path = entry.header.path
            # The mapping given here decides, not the one the plan was read with (a dialog
            # reads the folder first and fills the mapping in afterwards).
            changes = _changes_for(entry.header, mapping or {}, defaults or {})
            if changes and sop.is_plan(entry.header.sop_class_uid, entry.header.modality):
                path = _mapped_copy(entry, mapping or {}, defaults or {}, Path(scratch))
            items.append(_item(entry.header, path))
            originals[entry.header.sop_instance_uid] = entry.header.path
        stop = [False]
        total = len(items)

        def on_result(result: ItemResult) -> None:
            original = originals.get(result.sop_instance_uid, result.sop_instance_uid)
            if result.classified.outcome is Outcome.SUCCESS:
                report.stored.append(original)
                if status_file is not None:
                    _append_status(status_file, _status_key(original))
                outcome = "stored"
            else:
                report.refused.append((original, result.classified.reason))
                outcome = f"refused: {result.classified.reason}"
                if not continue_on_error:
                    stop[0] = True
            if on_item is not None:
                on_item(len(report.stored) + len(report.refused), total, original, outcome)

        def cancel() -> bool:
            if should_cancel is not None and should_cancel():
                report.cancelled = True
                return True
            return stop[0]

        try:
            sent = send_items(peer, items, on_result=on_result, should_cancel=cancel)
        except OSError as exc:
            # The status file could not be written: stop rather than store what a rerun
            # would not know was stored.
            report.association_error = (
                f"Cannot write the status file '{status_file}': {exc.strerror or exc}"
            )
            report.not_sent = len(items) - len(report.stored) - len(report.refused)
            return report
    if sent.association_error is not None:
        report.association_error = sent.association_error.reason
    report.not_sent = len(sent.not_attempted)
    return report
