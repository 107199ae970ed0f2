"""``rtstation metrics`` on files (no station) and on a station's catalog.

The JSON shape is the one issue 16 fixes for other programs to read: the keys below, values
as numbers, null where a figure cannot be computed.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pydicom.config
import pytest

from rtstation.cli.main import main
from tests.data.generator import GeneratedStudy, PlanSpec, StudySpec, write_study

PLAN_KEYS = {
    "plan_uid",
    "label",
    "fractions",
    "prescription_gy",
    "total_mu",
    "beams",
    "dose",
    "rois",
    "notes",
}
ROI_KEYS = {
    "name",
    "type",
    "volume_cc",
    "dmin_gy",
    "dmean_gy",
    "dmax_gy",
    "d95_gy",
    "d50_gy",
    "d2_gy",
}


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setattr(
        pydicom.config.settings,
        "reading_validation_mode",
        pydicom.config.settings.reading_validation_mode,
    )

    def _main(*argv: str) -> tuple[int, str, str]:
        rc = main(list(argv))
        out, err = capsys.readouterr()
        return rc, out, err

    return _main


@pytest.fixture
def study(tmp_path: Path) -> GeneratedStudy:
    spec = StudySpec(
        slices=6,
        plans=(PlanSpec(label="ADP_1", beams=3), PlanSpec(label="Boost", doses=0, ion=True)),
    )
    return write_study(tmp_path / "export", spec)


def test_path_json_has_the_issue_shape_with_numbers_and_nulls(cli, study: GeneratedStudy) -> None:
    rc, out, _err = cli("metrics", "--path", str(study.root), "--format", "json")
    assert rc == 0
    plans = {p["label"]: p for p in json.loads(out)["plans"]}
    assert set(plans) == {"ADP_1", "Boost"}
    for plan in plans.values():
        assert set(plan) == PLAN_KEYS
        assert all(set(b) == {"name", "machine", "energy", "mu"} for b in plan["beams"])
        assert set(plan["dose"]) == {"min_gy", "mean_gy", "max_gy", "grid"}
        assert all(set(r) == ROI_KEYS for r in plan["rois"])
    adp = plans["ADP_1"]
    assert adp["fractions"] == 25 and adp["prescription_gy"] == 50.0
    assert len(adp["beams"]) == 3 and isinstance(adp["total_mu"], float)
    assert adp["total_mu"] == pytest.approx(sum(b["mu"] for b in adp["beams"]))
    assert 0 < adp["dose"]["min_gy"] <= adp["dose"]["mean_gy"] <= adp["dose"]["max_gy"]
    ptv = next(r for r in adp["rois"] if r["type"] == "PTV")
    assert ptv["volume_cc"] > 0
    assert ptv["dmin_gy"] <= ptv["d95_gy"] <= ptv["d50_gy"] <= ptv["d2_gy"] <= ptv["dmax_gy"]
    boost = plans["Boost"]
    assert boost["dose"] == {"min_gy": None, "mean_gy": None, "max_gy": None, "grid": None}
    assert boost["rois"] and all(r["dmean_gy"] is None for r in boost["rois"])
    assert any("No RTDOSE" in note for note in boost["notes"])


def test_filter_and_roi_csv(cli, study: GeneratedStudy) -> None:
    rc, out, _ = cli(
        "metrics",
        "--path",
        str(study.root),
        "--format",
        "csv",
        "--filter",
        "label contains adp and dmax_gy > 0",
    )
    assert rc == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["label"] for r in rows] == ["ADP_1"]
    rc, out, _ = cli(
        "metrics",
        "--path",
        str(study.root),
        "--format",
        "csv",
        "--rois",
        "--vx",
        "20",
        "--filter",
        "type = PTV",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["label"], r["roi"]) for r in rows] == [("ADP_1", "PTV"), ("Boost", "PTV")]
    assert float(rows[0]["v20gy_pct"]) >= 0 and rows[1]["v20gy_pct"] == ""


def test_table_names_plans_rois_and_reasons(cli, study: GeneratedStudy) -> None:
    rc, out, _ = cli("metrics", "--path", str(study.root))
    assert rc == 0
    assert "Plan ADP_1" in out and "Plan Boost" in out and "PTV" in out
    assert "note: No RTDOSE for this plan" in out
    assert out.rstrip().endswith("2 plan(s)")


def test_a_bad_filter_or_path_is_one_sentence(cli, study: GeneratedStudy, tmp_path: Path) -> None:
    rc, _out, err = cli("metrics", "--path", str(study.root), "--filter", "dmax > 3")
    assert rc == 2 and "unknown field 'dmax'" in err
    rc, _out, err = cli("metrics", "--path", str(tmp_path / "nope"))
    assert rc == 1 and "does not exist" in err
    (tmp_path / "empty").mkdir()
    rc, _out, err = cli("metrics", "--path", str(tmp_path / "empty"))
    assert rc == 1 and "No RT plan found" in err


def test_plan_patient_and_all_read_the_station(cli, study: GeneratedStudy, tmp_path: Path) -> None:
    config = str(tmp_path / "config")
    rc, _out, err = cli("--config", config, "import", str(study.root))
    assert rc == 0, err
    rc, out, err = cli("--config", config, "metrics", "--all", "--format", "json")
    assert rc == 0, err
    plans = json.loads(out)["plans"]
    assert sorted(p["label"] for p in plans) == ["ADP_1", "Boost"]
    adp = next(p for p in plans if p["label"] == "ADP_1")
    assert adp["dose"]["max_gy"] > 0 and adp["rois"][0]["volume_cc"] > 0
    rc, out, _ = cli("--config", config, "metrics", "--plan", adp["plan_uid"], "--format", "json")
    assert [p["label"] for p in json.loads(out)["plans"]] == ["ADP_1"]
    rc, out, _ = cli(
        "--config", config, "metrics", "--patient", study.patient_id, "--format", "csv"
    )
    assert len(list(csv.DictReader(io.StringIO(out)))) == 2
    rc, _out, err = cli("--config", config, "metrics", "--plan", "1.2.3.4")
    assert rc == 1 and "No plan '1.2.3.4' in the station" in err
    rc, _out, err = cli("--config", config, "metrics", "--patient", "NOBODY")
    assert rc == 1 and "No RT plan for patient 'NOBODY'" in err


def test_all_stores_what_it_computed_and_rules_test_uses_the_metrics(
    cli, study: GeneratedStudy, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    rc, _out, err = cli("--config", str(config), "import", str(study.root))
    assert rc == 0, err
    rc, _out, err = cli("--config", str(config), "metrics", "--all", "--format", "json")
    assert rc == 0, err
    with sqlite3.connect(config / "data" / "catalog.sqlite") as conn:
        stored = {row[0] for row in conn.execute("SELECT plan_label FROM plan_metrics")}
    assert stored == {"ADP_1", "Boost"}  # the next read comes from the table
    (config / "rules.ini").write_text(
        "[General]\nrules_enabled = True\n[Rule1]\nname = Cold\nsource_ae = *\n"
        "target_nodes =\nmetrics_condition = dmax_gy > 2 * prescription_gy\n",
        encoding="utf-8",
    )
    for where in (["--path", str(study.root)], ["--plan", study.plan_uids[0]]):
        rc, out, err = cli("--config", str(config), "rules", "test", *where)
        assert rc == 0, err
        assert "is at most 200% of the prescription 50 Gy" in out, out
