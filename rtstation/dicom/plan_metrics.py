"""The figures of an RT plan itself: label, approval, machines, fractions, beams and MU.

Built from the plan's :class:`InstanceHeader`, which already carries them (the MU are each
beam's ``BeamMeterset`` from FractionGroupSequence > ReferencedBeamSequence), so a plan's
metrics need no second read of the file. Photon (BeamSequence) and ion (IonBeamSequence)
plans are read the same way. MU are per fraction, as planning systems show them; setup
beams carry no treatment MU and are left out of the total.
"""

from __future__ import annotations

from dataclasses import dataclass

from rtstation.dicom.headers import InstanceHeader

SETUP = "SETUP"


@dataclass(frozen=True)
class BeamMetrics:
    number: int | None
    name: str
    machine: str
    radiation_type: str  # PHOTON, ELECTRON, PROTON, ION ...
    delivery_type: str  # TREATMENT, SETUP, ...
    energy: str  # "6 MV", "150 MEV" as the plan writes it
    mu: float | None


@dataclass(frozen=True)
class PlanMetrics:
    plan_uid: str
    patient_id: str
    label: str
    name: str
    intent: str
    approval: str
    machines: tuple[str, ...]
    fractions: int | None
    prescription_gy: float | None
    beams: tuple[BeamMetrics, ...]

    @property
    def total_mu(self) -> float | None:
        """MU per fraction of the treatment beams; None when no beam states its MU."""
        values = [b.mu for b in self.beams if b.mu is not None and b.delivery_type != SETUP]
        return float(sum(values)) if values else None


def plan_metrics(plan: InstanceHeader) -> PlanMetrics:
    return PlanMetrics(
        plan_uid=plan.sop_instance_uid,
        patient_id=plan.patient_id,
        label=plan.plan_label,
        name=plan.plan_name,
        intent=plan.plan_intent,
        approval=plan.approval_status,
        machines=plan.machines,
        fractions=plan.fractions_planned,
        prescription_gy=plan.prescription_gy,
        beams=tuple(
            BeamMetrics(
                number=b.number,
                name=b.name,
                machine=b.machine,
                radiation_type=b.radiation_type,
                delivery_type=b.treatment_delivery_type.upper(),
                energy=_energy(b.energy),
                mu=b.meterset,
            )
            for b in plan.beams
        ),
    )


def _energy(text: str) -> str:
    """``6.00000000000000`` -> ``6``, ``150.5 MEV`` kept but tidied; not a number: as is."""
    number, _, unit = text.partition(" ")
    try:
        value = float(number)
    except ValueError:
        return text
    return f"{value:g} {unit}".strip()
