"""The read-only metrics HTTP API of a running ``rtstation serve``, asked by a real client.

A real DCMTK storescu sends a plan to the station, its metrics thread computes them, and
the stdlib HTTP client (urllib) reads them: the same JSON as ``rtstation metrics --format
json``, read-only, on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from rtstation.events import StationProblem
from rtstation.station import Station
from tests.data.generator import PlanSpec, StudySpec, write_study
from tests.peers.peers import free_port, storescu
from tests.peers.station_proc import StationProcess, wait_until, write_settings

pytestmark = pytest.mark.peers


def _get(url: str, method: str = "GET") -> tuple[int, dict[str, Any], dict[str, str]]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), dict(error.headers)


def test_serve_answers_plans_patients_and_filters_read_only(tmp_path: Path) -> None:
    config = tmp_path / "station"
    api_port = free_port()
    write_settings(
        config,
        port=free_port(),
        extra=f"\n[Metrics]\nhttp_api_enabled = True\nhttp_api_port = {api_port}\n",
    )
    spec = StudySpec(
        patient_id="P1",
        slices=4,
        plans=(PlanSpec(label="ADP_1", prescription_gy=50.0), PlanSpec(label="Boost", doses=0)),
    )
    study = write_study(tmp_path / "export", spec)
    base = f"http://127.0.0.1:{api_port}"
    with StationProcess(config) as station:
        assert f"metrics API {base}" in station.log()
        storescu(sorted(study.all_paths), station.port, calling_ae="TPS")

        def both_computed() -> bool:
            status, body, _ = _get(f"{base}/patients/P1")
            plans = {p["label"]: p for p in body.get("plans", [])} if status == 200 else {}
            return set(plans) == {"ADP_1", "Boost"} and plans["ADP_1"]["dose"]["max_gy"] is not None

        wait_until(both_computed, 60, "both plans' metrics over HTTP", station)

        adp_uid = study.plan_uids[0]
        status, body, headers = _get(f"{base}/plans/{adp_uid}")
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        (plan,) = body["plans"]
        assert plan["plan_uid"] == adp_uid and plan["prescription_gy"] == 50.0
        assert plan["rois"] and all(isinstance(r["d95_gy"], float) for r in plan["rois"])

        argv = [sys.executable, "-m", "rtstation", "--config", str(config), "metrics"]
        cli = subprocess.run(
            [*argv, "--plan", adp_uid, "--format", "json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert json.loads(cli.stdout) == body  # the same JSON as the CLI's

        query = urllib.parse.urlencode({"filter": "label contains adp and dmax_gy > 0"})
        status, body, _ = _get(f"{base}/plans?{query}")
        assert status == 200 and [p["label"] for p in body["plans"]] == ["ADP_1"]
        status, body, _ = _get(f"{base}/plans?filter=dmax_gy%20is%20null&vx=20")
        assert [p["label"] for p in body["plans"]] == ["Boost"]
        assert any("No RTDOSE" in n for n in body["plans"][0]["notes"])

        status, body, _ = _get(f"{base}/plans?filter=dmax%20%3E%203")
        assert status == 400 and "unknown field 'dmax'" in body["error"]
        status, body, _ = _get(f"{base}/plans/1.2.3.4")
        assert status == 404 and "No plan '1.2.3.4'" in body["error"]
        status, body, _ = _get(f"{base}/patients/NOBODY")
        assert status == 404
        status, body, _ = _get(f"{base}/admin")
        assert status == 404 and "/plans/<uid>" in body["error"]
        status, body, headers = _get(f"{base}/plans/{adp_uid}", method="DELETE")
        assert status == 405 and headers["Allow"] == "GET, HEAD" and "read-only" in body["error"]
        status, _body, _ = _get(f"{base}/plans", method="POST")
        assert status == 405
        _get(f"{base}/plans/{adp_uid}", method="PUT")
        assert _get(f"{base}/plans/{adp_uid}")[0] == 200  # nothing was changed, still served


def test_a_port_in_use_is_a_problem_in_words_and_the_station_runs_on(tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    config = tmp_path / "station"
    write_settings(
        config,
        port=free_port(),
        extra=f"\n[Metrics]\nhttp_api_enabled = True\nhttp_api_port = {port}\n",
    )
    station = Station.open(str(config))
    problems: list[str] = []
    station.subscribe(StationProblem, lambda event: problems.append(event.message))  # type: ignore[attr-defined]
    try:
        station.start(receiver=False, workers=False)
        assert station.http_api is None
        assert problems and f"cannot listen on '127.0.0.1:{port}'" in problems[0]
        assert "http_api_port" in problems[0]
    finally:
        station.stop()
        taken.close()
