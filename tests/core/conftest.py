"""Fixtures shared by the core tests: the CLI in-process and a bare ingestor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pydicom
import pytest

from rtstation.cli.main import main
from rtstation.storage.archive import DurableStore
from rtstation.storage.catalog import Catalog
from rtstation.storage.ingest import Ingestor


@pytest.fixture
def main_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[list[str]], tuple[int, str, str]]:
    """``main([...])`` -> (exit status, stdout, stderr); pydicom's global validation mode
    is restored afterwards (main() sets it for the process)."""
    monkeypatch.setattr(
        pydicom.config.settings,
        "reading_validation_mode",
        pydicom.config.settings.reading_validation_mode,
    )

    def _main(argv: list[str]) -> tuple[int, str, str]:
        rc = main(argv)
        out, err = capsys.readouterr()
        return rc, out, err

    return _main


@pytest.fixture
def ingestor(tmp_path: Path) -> Iterator[Ingestor]:
    """An Ingestor over a fresh storage folder and catalog (no Station around it)."""
    store = DurableStore(tmp_path / "storage")
    catalog = Catalog(tmp_path / "catalog.sqlite", store.root)
    yield Ingestor(store, catalog)
    catalog.close()
