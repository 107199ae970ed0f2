"""Fixtures starting real DICOM peers (DCMTK, Orthanc) on 127.0.0.1; see peers.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.peers.peers import Orthanc, StoreSCP, kill_all_children

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.peers)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"_peers_report_{report.when}", report)


def _test_failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"_peers_report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


def _stop_all(request: pytest.FixtureRequest, peers: list[Any]) -> None:
    failed = _test_failed(request)
    for peer in peers:
        peer.stop(graceful=peer.teardown_graceful)
        if failed:
            # Shown under "Captured stdout teardown" of the failing test.
            print(f"\n===== {peer.name} (port {peer.port}) log, {peer.work_dir} =====")
            print(peer.logs())


@pytest.fixture
def storescp(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., StoreSCP]]:
    """Factory: ``scp = storescp(reject_rtdose=True)`` starts a StoreSCP, stopped after the test."""
    started: list[StoreSCP] = []

    def start(out_dir: Path | None = None, **kwargs: Any) -> StoreSCP:
        kwargs.setdefault("work_dir", tmp_path / f"storescp-{len(started)}")
        peer = StoreSCP(out_dir, **kwargs)
        started.append(peer)
        return peer.start()

    yield start
    _stop_all(request, started)


@pytest.fixture
def orthanc(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Orthanc]]:
    """Factory: ``pacs = orthanc(modalities={...})`` starts an Orthanc, stopped after the test."""
    started: list[Orthanc] = []

    def start(**kwargs: Any) -> Orthanc:
        kwargs.setdefault("work_dir", tmp_path / f"orthanc-{len(started)}")
        peer = Orthanc(**kwargs)
        started.append(peer)
        return peer.start()

    yield start
    _stop_all(request, started)


@pytest.fixture(autouse=True)
def _no_stray_peer_processes() -> Iterator[None]:
    """Stop any process peers.py started (a background storescu) that a test left running."""
    yield
    kill_all_children()
