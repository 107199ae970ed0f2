"""Everything a physicist checks before a plan goes out, for one plan bundle.

:func:`plan_report` reads the bundle's dose (plane by plane) and structure set and returns
a :class:`PlanReport`: the plan's own figures always, the dose's and every ROI's when they
can be computed, and otherwise None with the reason in words (no dose, a dose on another
frame of reference, a damaged file...). It never raises for bad data, so one broken export
does not stop the metrics of a whole patient list. :func:`report_json` is the JSON of
``rtstation metrics`` and of the Metrics view's export.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rtstation.dicom.dose_grid import DoseGrid, DoseMetrics, SummedDose
from rtstation.dicom.dvh import DvhOptions, RoiDvh, compute_dvhs
from rtstation.dicom.headers import InstanceHeader
from rtstation.dicom.plan_metrics import PlanMetrics, plan_metrics
from rtstation.dicom.rt_tree import PlanBundle
from rtstation.dicom.structures import StructureSet, read_structure_set
from rtstation.errors import DicomReadError

LOGGER = logging.getLogger(__name__)

# A plan's dose, best first: the whole plan, then what else describes it whole.
DOSE_PREFERENCE = ("PLAN", "MULTI_PLAN", "BRACHY", "FRACTION")


@dataclass(frozen=True)
class RoiSummary:
    """A ROI as the structure set lists it (with or without a dose)."""

    name: str
    interpreted_type: str
    contour_count: int


@dataclass(frozen=True)
class PlanReport:
    plan: PlanMetrics
    dose: DoseMetrics | None
    structures: tuple[RoiSummary, ...]
    rois: tuple[RoiDvh, ...]
    notes: tuple[str, ...] = field(default=())  # why something is None, and caveats
    dose_path: str = ""
    structure_set_path: str = ""


def plan_report(bundle: PlanBundle, options: DvhOptions | None = None) -> PlanReport:
    """The metrics of one plan; what cannot be computed is None and explained in ``notes``."""
    notes: list[str] = []
    metrics = plan_metrics(bundle.plan)
    dose_grid, dose_path = _open_dose(bundle.doses, notes)
    dose: DoseMetrics | None = None
    if dose_grid is not None:
        try:
            dose = dose_grid.metrics()
        except DicomReadError as exc:
            notes.append(f"Dose '{exc.path}' cannot be read: {exc.reason}")
            dose_grid = None
        except (ValueError, IndexError, OSError) as exc:
            notes.append(f"Dose '{dose_path}' cannot be read: {exc}")
            dose_grid = None
        else:
            if dose.units and dose.units != "GY":
                notes.append(
                    f"Dose units are '{dose.units}', not GY: the *_gy values are in those units"
                )
    structure_set, rs_path = _open_structure_set(bundle, notes)
    structures = (
        tuple(RoiSummary(r.name, r.interpreted_type, r.contour_count) for r in structure_set.rois)
        if structure_set is not None
        else ()
    )
    rois: tuple[RoiDvh, ...] = ()
    if structure_set is not None:
        if (
            dose_grid is not None
            and dose is not None
            and _same_frame(structure_set, dose_grid, notes)
        ):
            try:
                rois = tuple(compute_dvhs(structure_set, dose_grid, dose.max_gy, options))
            except DicomReadError as exc:
                notes.append(f"Dose '{exc.path}' cannot be read: {exc.reason}")
            except (ValueError, IndexError, OSError) as exc:
                # Data no exporter should write (NaN contours, a file cut while reading):
                # one plan's DVH is lost, not the metrics of the whole list.
                LOGGER.warning("DVH of plan %s failed", metrics.plan_uid, exc_info=True)
                notes.append(
                    f"The DVH cannot be computed from '{rs_path}' and '{dose_path}': {exc}"
                )
        if not rois:
            rois = tuple(
                RoiDvh(
                    r.name, r.interpreted_type, r.contour_count, volume_cc=None, reason="no dose"
                )
                for r in structure_set.rois
            )
        notes.extend(
            f"ROI '{r.name}': {r.reason}" for r in rois if r.reason and r.reason != "no dose"
        )
    return PlanReport(
        plan=metrics,
        dose=dose,
        structures=structures,
        rois=rois,
        notes=tuple(notes),
        dose_path=dose_path,
        structure_set_path=rs_path,
    )


def _open_dose(doses: tuple[InstanceHeader, ...], notes: list[str]) -> tuple[DoseGrid | None, str]:
    if not doses:
        notes.append("No RTDOSE for this plan: dose and DVH figures cannot be computed")
        return None, ""
    by_type: dict[str, list[InstanceHeader]] = {}
    for d in doses:
        by_type.setdefault(d.dose_summation_type.upper(), []).append(d)
    chosen = next((by_type[t] for t in DOSE_PREFERENCE if t in by_type), None)
    try:
        if chosen is not None:
            if len(doses) > 1:
                notes.append(
                    f"{len(doses)} doses: using the {chosen[0].dose_summation_type} dose "
                    f"'{chosen[0].path}'"
                )
            if chosen[0].dose_summation_type.upper() == "FRACTION":
                notes.append("The dose is one fraction's, not the whole plan's")
            return DoseGrid(chosen[0].path), chosen[0].path
        beams = by_type.get("BEAM")
        if beams and len(beams) > 1:
            notes.append(f"No plan dose: the sum of {len(beams)} beam doses is used")
            return SummedDose([d.path for d in beams]), beams[0].path
        first = doses[0]
        return DoseGrid(first.path), first.path
    except DicomReadError as exc:
        notes.append(f"Dose '{exc.path}' cannot be used: {exc.reason}")
        return None, ""


def _open_structure_set(bundle: PlanBundle, notes: list[str]) -> tuple[StructureSet | None, str]:
    header = bundle.structure_set
    if header is None:
        if bundle.structure_set_uid:
            notes.append(
                f"Structure set '{bundle.structure_set_uid}' is referenced but not here: "
                "no ROI figures"
            )
        else:
            notes.append("No RTSTRUCT for this plan: ROI and DVH figures cannot be computed")
        return None, ""
    try:
        return read_structure_set(header.path), header.path
    except DicomReadError as exc:
        notes.append(f"Structure set '{exc.path}' cannot be used: {exc.reason}")
        return None, ""


def _same_frame(structure_set: StructureSet, dose: DoseGrid, notes: list[str]) -> bool:
    a, b = structure_set.frame_of_reference_uid, dose.frame_of_reference_uid
    if a and b and a != b:
        notes.append(f"The structure set is on frame of reference '{a}', the dose on '{b}': no DVH")
        return False
    return True


# -- JSON ---------------------------------------------------------------------------------


def report_json(report: PlanReport, *, vx_gy: tuple[float, ...] = ()) -> dict[str, Any]:
    """One plan as ``rtstation metrics --format json`` prints it (values numbers or null)."""
    plan, dose = report.plan, report.dose
    return {
        "plan_uid": plan.plan_uid,
        "label": plan.label,
        "fractions": plan.fractions,
        "prescription_gy": plan.prescription_gy,
        "total_mu": _round(plan.total_mu),
        "beams": [
            {"name": b.name, "machine": b.machine, "energy": b.energy, "mu": _round(b.mu)}
            for b in plan.beams
        ],
        "dose": {
            "min_gy": _round(dose.min_gy) if dose else None,
            "mean_gy": _round(dose.mean_gy) if dose else None,
            "max_gy": _round(dose.max_gy) if dose else None,
            "grid": dose.grid if dose else None,
        },
        "rois": [_roi_json(r, vx_gy) for r in report.rois],
        "notes": list(report.notes),
    }


def plans_json(
    reports: list[PlanReport],
    keep: Callable[[Mapping[str, Any]], bool] | None = None,
    *,
    by_roi: bool = False,
    vx_gy: tuple[float, ...] = (),
) -> dict[str, Any]:
    """``{"plans": [...]}`` of ``rtstation metrics --format json`` (and the HTTP API).

    ``keep`` filters the plans by their :func:`plan_row`, or with ``by_roi`` the ROIs by
    their :func:`roi_rows` (a plan with no matching ROI is left out).
    """
    plans = []
    for report in reports:
        data = report_json(report, vx_gy=vx_gy)
        if by_roi:
            rows = roi_rows(report, vx_gy)
            chosen = [i for i, row in enumerate(rows) if keep is None or keep(row)]
            if keep is not None and not chosen:
                continue
            data["rois"] = [data["rois"][i] for i in chosen]
        elif keep is not None and not keep(plan_row(report)):
            continue
        plans.append(data)
    return {"plans": plans}


def _roi_json(roi: RoiDvh, vx_gy: tuple[float, ...]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": roi.name,
        "type": roi.interpreted_type,
        "volume_cc": _round(roi.volume_cc),
        "dmin_gy": _round(roi.dmin_gy),
        "dmean_gy": _round(roi.dmean_gy),
        "dmax_gy": _round(roi.dmax_gy),
        "d95_gy": _round(roi.d95_gy),
        "d50_gy": _round(roi.d50_gy),
        "d2_gy": _round(roi.d2_gy),
    }
    for dose in vx_gy:
        data[vx_key(dose)] = _round(roi.vx_percent.get(dose))
    return data


def vx_key(dose_gy: float) -> str:
    """``v20gy_pct`` for 20 Gy, ``v2.5gy_pct`` for 2.5 Gy."""
    return f"v{dose_gy:g}gy_pct"


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


# -- flat rows (the metrics table, CSV, filters) -------------------------------------------

PLAN_COLUMNS: tuple[str, ...] = (
    "patient_id",
    "label",
    "name",
    "intent",
    "approval",
    "machines",
    "fractions",
    "prescription_gy",
    "beams",
    "total_mu",
    "grid",
    "units",
    "summation_type",
    "dmin_gy",
    "dmean_gy",
    "dmax_gy",
    "rois",
    "plan_uid",
    "notes",
)
ROI_COLUMNS: tuple[str, ...] = (
    "patient_id",
    "label",
    "prescription_gy",
    "roi",
    "type",
    "contours",
    "volume_cc",
    "dmin_gy",
    "dmean_gy",
    "dmax_gy",
    "d95_gy",
    "d50_gy",
    "d2_gy",
    "plan_uid",
    "notes",
)


def plan_row(report: PlanReport) -> dict[str, Any]:
    """One plan as a flat row: plan figures, and the dose grid's min / mean / max."""
    plan, dose = report.plan, report.dose
    return {
        "patient_id": plan.patient_id,
        "label": plan.label,
        "name": plan.name,
        "intent": plan.intent,
        "approval": plan.approval,
        "machines": ", ".join(plan.machines),
        "fractions": plan.fractions,
        "prescription_gy": plan.prescription_gy,
        "beams": len(plan.beams),
        "total_mu": _round(plan.total_mu, 2),
        "grid": dose.grid if dose else None,
        "units": dose.units if dose else None,
        "summation_type": dose.summation_type if dose else None,
        "dmin_gy": _round(dose.min_gy, 3) if dose else None,
        "dmean_gy": _round(dose.mean_gy, 3) if dose else None,
        "dmax_gy": _round(dose.max_gy, 3) if dose else None,
        "rois": len(report.structures),
        "plan_uid": plan.plan_uid,
        "notes": "; ".join(report.notes),
    }


def roi_rows(report: PlanReport, vx_gy: tuple[float, ...] = ()) -> list[dict[str, Any]]:
    """One row per ROI, with the plan's identity in front (the ROI's doses, not the grid's)."""
    plan = report.plan
    rows = []
    for roi in report.rois:
        row: dict[str, Any] = {
            "patient_id": plan.patient_id,
            "label": plan.label,
            "prescription_gy": plan.prescription_gy,
            "roi": roi.name,
            "type": roi.interpreted_type,
            "contours": roi.contour_count,
            "volume_cc": _round(roi.volume_cc, 3),
            "dmin_gy": _round(roi.dmin_gy, 3),
            "dmean_gy": _round(roi.dmean_gy, 3),
            "dmax_gy": _round(roi.dmax_gy, 3),
            "d95_gy": _round(roi.d95_gy, 3),
            "d50_gy": _round(roi.d50_gy, 3),
            "d2_gy": _round(roi.d2_gy, 3),
        }
        for dose in vx_gy:
            row[vx_key(dose)] = _round(roi.vx_percent.get(dose), 2)
        row["plan_uid"] = plan.plan_uid
        row["notes"] = roi.reason
        rows.append(row)
    return rows


def roi_columns(vx_gy: tuple[float, ...] = ()) -> tuple[str, ...]:
    head = ROI_COLUMNS[: ROI_COLUMNS.index("plan_uid")]
    return (*head, *(vx_key(d) for d in vx_gy), "plan_uid", "notes")
