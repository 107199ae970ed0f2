"""Treatment-machine mapping, as DicomTools' ``--machineMapping`` and ``--defaultMachines``.

``A=B C=D`` (spaces or commas between pairs). A mapping renames TreatmentMachineName A to B
before a plan goes to a system that knows the machine by another name; default machines
name the machine of a plan whose TreatmentMachineName was taken away, by machine model.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydicom.dataset import Dataset

from rtstation.errors import ConfigError


class MappingError(ConfigError):
    """A mapping text that is not a list of ``A=B`` pairs."""


def parse_mapping(text: str | Iterable[str]) -> dict[str, str]:
    """``"RDS=HALCYON 23EX=D"`` -> ``{"RDS": "HALCYON", "23EX": "D"}``."""
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    mapping: dict[str, str] = {}
    for item in items:
        for pair in str(item).replace(",", " ").split():
            source, sep, target = pair.partition("=")
            if not sep or not source.strip() or not target.strip():
                raise MappingError(f"Machine mapping '{pair}' is not of the form A=B")
            mapping[source.strip()] = target.strip()
    return mapping


_BEAM_SEQUENCES = ("BeamSequence", "IonBeamSequence")


def map_machines(ds: Dataset, mapping: dict[str, str]) -> list[tuple[str, str]]:
    """Rename TreatmentMachineName in every beam of a plan; returns the renames made.

    Names compare exactly after trimming (they are what the treatment system knows).
    """
    renamed: list[tuple[str, str]] = []
    for keyword in _BEAM_SEQUENCES:
        for beam in ds.get(keyword) or []:
            old = str(beam.get("TreatmentMachineName", "")).strip()
            new = mapping.get(old)
            if old and new and new != old:
                beam.TreatmentMachineName = new
                renamed.append((old, new))
    return renamed


def apply_default_machines(ds: Dataset, defaults: dict[str, str]) -> list[tuple[str, str]]:
    """Name the machine of every beam that has none, from its ManufacturerModelName.

    DicomTools' ``--defaultMachines "RDS=HALCYON"``: some exports take TreatmentMachineName
    away; the machine model stays and says which machine the plan was made for. Returns
    ``(model, machine)`` per beam named.
    """
    named: list[tuple[str, str]] = []
    for keyword in _BEAM_SEQUENCES:
        for beam in ds.get(keyword) or []:
            if str(beam.get("TreatmentMachineName", "")).strip():
                continue
            model = str(beam.get("ManufacturerModelName", "")).strip()
            machine = defaults.get(model)
            if model and machine:
                beam.TreatmentMachineName = machine
                named.append((model, machine))
    return named
