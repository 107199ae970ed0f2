"""The DVH against analytic phantoms, and the plan report on real and generated files.

Tolerances are the ones the README promises: volume and Dmean within 1 %, D95 within 2 %
of the closed-form values, on contours 2-3 mm apart and a dose grid whose planes and
points lie between the contour planes and points.
"""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.uid import generate_uid

from rtstation.dicom.dose_grid import DoseGrid
from rtstation.dicom.dvh import DvhOptions, RoiDvh, compute_dvhs
from rtstation.dicom.headers import read_header
from rtstation.dicom.metrics import plan_report, report_json
from rtstation.dicom.rt_tree import PlanBundle, build_tree
from rtstation.dicom.scan import scan
from rtstation.dicom.structures import read_structure_set
from tests.data.dvh_phantoms import (
    LinearDose,
    PhantomRoi,
    circle,
    planes,
    rectangle,
    sphere_d_at_fraction,
    sphere_roi,
    write_dose,
    write_structure_set,
)
from tests.data.generator import PlanSpec, StudySpec, write_study
from tests.data.pydicom_files import pydicom_rt_files

DOSE = LinearDose(40.0, (0.15, 0.05, 0.25))  # Gy, Gy/mm: oblique, so z interpolation matters
# Dose grid: 2.5 mm in plane, 3 mm between planes, origin off every contour point and plane.
GRID = {"origin": (-80.3, -70.7, -61.3), "spacing": (2.5, 2.5, 3.0), "shape": (66, 58, 42)}


def _dvhs(tmp_path: Path, rois: list[PhantomRoi], **grid: object) -> dict[str, RoiDvh]:
    frame = generate_uid()
    geometry = {**GRID, **grid}
    dose_path = write_dose(tmp_path / "RD.dcm", DOSE, frame_uid=frame, **geometry)  # type: ignore[arg-type]
    rs_path = write_structure_set(tmp_path / "RS.dcm", rois, frame_uid=frame)
    dose = DoseGrid(dose_path)
    results = compute_dvhs(
        read_structure_set(rs_path), dose, dose.metrics().max_gy, DvhOptions(vx_gy=(40.0,))
    )
    return {r.name: r for r in results}


def _within(actual: float | None, expected: float, tolerance: float) -> bool:
    assert actual is not None
    return abs(actual - expected) <= tolerance * abs(expected)


def test_sphere_in_a_linear_gradient_meets_the_tolerances(tmp_path: Path) -> None:
    centre, radius = (3.3, -4.1, 1.7), 25.0
    dvh = _dvhs(tmp_path, [sphere_roi("PTV", centre, radius, planes(-40, 40, 2.5))])["PTV"]
    assert _within(dvh.volume_cc, 4 / 3 * math.pi * radius**3 / 1000, 0.01)
    assert _within(dvh.dmean_gy, DOSE.at(centre), 0.01)
    assert _within(dvh.d95_gy, sphere_d_at_fraction(DOSE, centre, radius, 0.95), 0.02)
    assert _within(dvh.d50_gy, DOSE.at(centre), 0.01)
    assert _within(dvh.d2_gy, sphere_d_at_fraction(DOSE, centre, radius, 0.02), 0.02)
    # V40Gy: the cap above the plane where the gradient reaches 40 Gy.
    assert dvh.vx_percent[40.0] == pytest.approx(
        100 * _cap_share((DOSE.at(centre) - 40.0) / np.linalg.norm(DOSE.gradient), radius), abs=1.0
    )
    assert dvh.dmin_gy is not None and dvh.dmax_gy is not None
    assert dvh.dmin_gy < dvh.d95_gy < dvh.d50_gy < dvh.d2_gy < dvh.dmax_gy  # type: ignore[operator]
    assert dvh.reason == ""


def _cap_share(t: float, radius: float) -> float:
    """Share of a sphere's volume above the plane ``t`` below its centre (cap height R + t)."""
    h = radius + t
    return h * h * (3 * radius - h) / (4 * radius**3)


def test_a_flipped_grid_with_planes_stored_top_down_gives_the_same_dvh(tmp_path: Path) -> None:
    """Prone / feet-first grids run along -x and -y; some systems store planes downwards."""
    centre, radius = (3.3, -4.1, 1.7), 25.0
    top = GRID["origin"][2] + 3.0 * (GRID["shape"][2] - 1)  # type: ignore[index,operator]
    far_corner = (
        GRID["origin"][0] + 2.5 * (GRID["shape"][0] - 1),  # type: ignore[index,operator]
        GRID["origin"][1] + 2.5 * (GRID["shape"][1] - 1),  # type: ignore[index,operator]
        top,
    )
    dvh = _dvhs(
        tmp_path,
        [sphere_roi("PTV", centre, radius, planes(-40, 40, 2.5))],
        origin=far_corner,
        flipped=True,
        descending=True,
    )["PTV"]
    assert _within(dvh.volume_cc, 4 / 3 * math.pi * radius**3 / 1000, 0.01)
    assert _within(dvh.dmean_gy, DOSE.at(centre), 0.01)
    assert _within(dvh.d95_gy, sphere_d_at_fraction(DOSE, centre, radius, 0.95), 0.02)


def test_box_on_2mm_slices_with_absolute_frame_offsets(tmp_path: Path) -> None:
    z_planes = planes(-20, 20, 2.0)
    length = len(z_planes) * 2.0  # each plane stands for a 2 mm slab
    box = PhantomRoi("Box", "ORGAN", {z: [rectangle(-20, 30, -15, 15)] for z in z_planes})
    dvh = _dvhs(tmp_path, [box], absolute_offsets=True)["Box"]
    assert _within(dvh.volume_cc, 50 * 30 * length / 1000, 0.01)
    assert _within(dvh.dmean_gy, DOSE.at((5, 0, 0)), 0.01)
    # D = sum of three uniform ranges (x, y, z); the 5 % quantile from the bottom, numerically
    rng = np.random.default_rng(7)
    n = 2_000_000
    samples = DOSE(
        rng.uniform(-20, 30, n), rng.uniform(-15, 15, n), rng.uniform(-length / 2, length / 2, n)
    )
    assert _within(dvh.d95_gy, float(np.quantile(samples, 0.05)), 0.02)
    assert _within(dvh.d2_gy, float(np.quantile(samples, 0.98)), 0.02)


def test_a_contour_inside_a_contour_is_a_hole_and_an_island_in_it_is_filled(
    tmp_path: Path,
) -> None:
    z_planes = planes(-10, 10, 2.5)
    length = len(z_planes) * 2.5
    ring = PhantomRoi(
        "Ring",
        "ORGAN",
        {z: [rectangle(-30, 30, -30, 30), rectangle(0, 20, -10, 10)] for z in z_planes},
    )
    island = PhantomRoi(
        "Island",
        "ORGAN",
        {z: [rectangle(-30, 30, -30, 30), circle(0, 0, 20), circle(0, 0, 10)] for z in z_planes},
    )
    result = _dvhs(tmp_path, [ring, island])
    assert _within(result["Ring"].volume_cc, (3600 - 400) * length / 1000, 0.01)
    # Centroid of the ring in x: (3600 * 0 - 400 * 10) / 3200
    assert _within(result["Ring"].dmean_gy, DOSE.at((-1.25, 0, 0)), 0.01)
    island_area = 3600 - math.pi * 400 + math.pi * 100
    assert _within(result["Island"].volume_cc, island_area * length / 1000, 0.01)


def test_a_small_roi_on_a_coarse_dose_grid_is_supersampled(tmp_path: Path) -> None:
    centre, radius = (10.2, 5.1, 3.3), 8.0
    small = sphere_roi("Met", centre, radius, planes(-40, 40, 2.0))
    dvh = _dvhs(
        tmp_path,
        [small],
        spacing=(5.0, 5.0, 5.0),
        shape=(33, 29, 25),
    )["Met"]
    assert _within(dvh.volume_cc, 4 / 3 * math.pi * radius**3 / 1000, 0.01)
    assert _within(dvh.dmean_gy, DOSE.at(centre), 0.01)
    assert _within(dvh.d95_gy, sphere_d_at_fraction(DOSE, centre, radius, 0.95), 0.02)


def test_two_parts_of_a_roi_do_not_count_the_gap_between_them(tmp_path: Path) -> None:
    z_planes = [*planes(-30, -20, 2.5), *planes(10, 20, 2.5)]
    parts = PhantomRoi("Nodes", "ORGAN", {z: [rectangle(-10, 10, -10, 10)] for z in z_planes})
    dvh = _dvhs(tmp_path, [parts])["Nodes"]
    assert _within(dvh.volume_cc, 400 * len(z_planes) * 2.5 / 1000, 0.01)


def test_a_degenerate_contour_is_no_volume_not_outside_the_grid(tmp_path: Path) -> None:
    line = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]])  # drawn as a line: no area
    flat = PhantomRoi("Line", "ORGAN", {z: [line] for z in planes(-5, 5, 2.5)})
    dvh = _dvhs(tmp_path, [flat])["Line"]
    assert dvh.volume_cc == 0.0 and dvh.dmean_gy is None
    assert dvh.reason == "the contours enclose no area: no dose figures"


def test_a_roi_partly_or_wholly_outside_the_dose_grid_says_so(tmp_path: Path) -> None:
    z_planes = planes(-20, 20, 2.5)
    half_out = PhantomRoi("Half", "ORGAN", {z: [rectangle(70, 110, -10, 10)] for z in z_planes})
    outside = PhantomRoi("Far", "ORGAN", {z: [rectangle(300, 320, -10, 10)] for z in z_planes})
    result = _dvhs(tmp_path, [half_out, outside])
    half = result["Half"]
    assert _within(half.volume_cc, 40 * 20 * len(z_planes) * 2.5 / 1000, 0.01)
    assert "outside the dose grid" in half.reason and half.dmean_gy is not None
    far = result["Far"]
    assert far.dmean_gy is None and far.d95_gy is None
    assert far.reason == "the ROI lies outside the dose grid"


def test_a_large_dose_is_read_one_plane_at_a_time(tmp_path: Path) -> None:
    """A 40 MB dose: computing its metrics must not hold anything near 40 MB at once."""
    frame = generate_uid()
    path = write_dose(
        tmp_path / "big.dcm",
        DOSE,
        origin=(-250.0, -250.0, -125.0),
        spacing=(2.5, 2.5, 2.5),
        shape=(200, 200, 250),
        frame_uid=frame,
    )
    assert path.stat().st_size > 40_000_000
    tracemalloc.start()
    try:
        dose = DoseGrid(path)
        metrics = dose.metrics()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, f"peak {peak} bytes while reading a 40 MB dose"
    assert metrics.max_gy == pytest.approx(DOSE.at((247.5, 247.5, 497.5)), abs=1e-3)
    assert metrics.grid == "200x200x250"


@pytest.mark.parametrize(
    "name", ["rtdose.dcm", "rtdose_expb.dcm", "rtdose_rle.dcm", "rtdose_1frame.dcm"]
)
def test_dose_planes_match_pydicom_for_every_encoding(name: str) -> None:
    path = pydicom_rt_files()[name]
    ds = pydicom.dcmread(path)
    expected = ds.pixel_array.reshape(-1, ds.Rows, ds.Columns) * float(ds.DoseGridScaling)
    dose = DoseGrid(path)
    for index in range(dose.frames):
        np.testing.assert_allclose(dose.frame(index), expected[index])
    assert dose.metrics().max_gy == pytest.approx(float(expected.max()))


def test_pydicom_rt_files_compute_without_error() -> None:
    files = pydicom_rt_files()
    dose = DoseGrid(files["rtdose.dcm"])
    metrics = dose.metrics()
    assert metrics.units == "RELATIVE" and metrics.grid == "10x10x15"
    structures = read_structure_set(files["rtstruct.dcm"])
    assert [r.interpreted_type for r in structures.rois] == ["EXTERNAL", "ISOCENTER", "ISOCENTER"]
    results = compute_dvhs(structures, dose, metrics.max_gy)
    assert [r.name for r in results] == ["patient", "Isocenter 1", "Isocenter 2"]
    # the contours lie 500 mm away from this (unrelated) dose; the isocentres are points
    assert results[0].volume_cc and results[0].dmean_gy is None
    assert results[1].volume_cc is None and "no closed contours" in results[1].reason
    tree = build_tree(read_header(files[n]) for n in ("rtplan.dcm", "rtdose.dcm", "rtstruct.dcm"))
    (bundle,) = tree.plans
    report = report_json(plan_report(bundle))
    assert report["label"] == "Plan1" and report["beams"][0]["name"] == "Field 1"
    assert report["beams"][0]["energy"] == "6"  # written as '6.00000000000000'
    assert report["beams"][0]["mu"] == pytest.approx(116.0037) and report["fractions"] == 30


def test_a_plan_without_dose_or_structure_set_gets_its_metrics_and_reasons(tmp_path: Path) -> None:
    study = write_study(
        tmp_path,
        StudySpec(structure_set=False, plans=(PlanSpec(label="ADP1", beams=3, doses=0),)),
    )
    (bundle,) = build_tree(scan([study.root]).headers).plans
    data = report_json(plan_report(bundle))
    assert data["label"] == "ADP1" and data["fractions"] == 25
    assert data["prescription_gy"] == pytest.approx(50.0)
    assert len(data["beams"]) == 3 and data["total_mu"] is not None
    assert data["total_mu"] == pytest.approx(sum(b["mu"] for b in data["beams"]))
    assert data["dose"] == {"min_gy": None, "mean_gy": None, "max_gy": None, "grid": None}
    assert data["rois"] == []
    assert any("No RTDOSE" in n for n in data["notes"])
    assert any("No RTSTRUCT" in n for n in data["notes"])


def test_a_generated_plan_with_dose_and_structures_and_an_ion_plan(tmp_path: Path) -> None:
    study = write_study(tmp_path, StudySpec(plans=(PlanSpec(label="P", ion=True),)))
    (bundle,) = build_tree(scan([study.root]).headers).plans
    report = plan_report(bundle)
    data = report_json(report)
    assert report.plan.beams and all(b.mu is not None for b in report.plan.beams)
    assert data["dose"]["grid"] and data["dose"]["max_gy"] > 0
    assert [r["name"] for r in data["rois"]] == [r.name for r in report.structures]
    assert all(isinstance(r["volume_cc"], float) for r in data["rois"])
    # The PTV reaches the grid's maximum; its cumulative DVH still ends at no volume.
    ptv = next(r for r in report.rois if r.interpreted_type == "PTV")
    assert ptv.dmax_gy == pytest.approx(report.dose.max_gy, rel=1e-6)  # type: ignore[union-attr]
    for roi in report.rois:
        assert roi.volume_at_least_cc[0] == pytest.approx(roi.volume_cc - roi.outside_grid_cc)
        assert roi.volume_at_least_cc[-1] == 0.0


def _study_with_doses(tmp_path: Path, doses: list[dict[str, object]]) -> PlanBundle:
    """A generated plan whose own dose is replaced by phantom doses (given frame, type)."""
    study = write_study(tmp_path / "study", StudySpec(slices=6))
    for path in study.dose_paths:
        path.unlink()
    for number, spec in enumerate(doses):
        write_dose(
            tmp_path / "study" / f"RD.phantom{number}.dcm",
            DOSE,
            plan_uid=study.plan_uids[0],
            **{**GRID, "frame_uid": study.frame_of_reference_uid, **spec},  # type: ignore[arg-type]
        )
    (bundle,) = build_tree(scan([tmp_path / "study"]).headers).plans
    return bundle


def test_beam_doses_on_one_grid_are_summed(tmp_path: Path) -> None:
    bundle = _study_with_doses(tmp_path, [{"summation_type": "BEAM"}, {"summation_type": "BEAM"}])
    report = plan_report(bundle)
    single = DoseGrid(bundle.doses[0].path).metrics()
    assert report.dose is not None
    assert report.dose.max_gy == pytest.approx(2 * single.max_gy)
    assert report.dose.summation_type == "BEAM (sum of 2)"
    assert any("sum of 2 beam doses" in note for note in report.notes)


def test_a_dose_on_another_frame_of_reference_gives_no_dvh_and_says_why(tmp_path: Path) -> None:
    bundle = _study_with_doses(tmp_path, [{"frame_uid": generate_uid()}])
    report = plan_report(bundle)
    assert report.dose is not None and report.dose.max_gy > 0
    assert report.rois and all(r.dmean_gy is None for r in report.rois)
    assert any("frame of reference" in note and "no DVH" in note for note in report.notes)


def test_a_structure_set_with_nan_coordinates_is_named_not_raised(tmp_path: Path) -> None:
    bundle = _study_with_doses(tmp_path, [{}])
    assert bundle.structure_set is not None
    broken = np.array([[0.0, 0.0], [10.0, float("nan")], [10.0, 10.0]])
    write_structure_set(
        Path(bundle.structure_set.path),
        [PhantomRoi("Rectum", "ORGAN", {0.0: [broken]})],
        frame_uid=bundle.plan.frame_of_reference_uid,
    )
    report = plan_report(bundle)
    assert report.dose is not None and report.rois == ()
    assert any(
        "ROI 'Rectum' has a contour with coordinates that are not finite numbers" in note
        for note in report.notes
    )
