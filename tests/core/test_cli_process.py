"""What the ``rtstation`` command sets up for its own process before any work starts."""

from __future__ import annotations

import os

import pytest

from rtstation.cli.main import main


def _run_version() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0


def test_openblas_is_asked_for_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each OpenBLAS thread spins while it starts: a third of a short command's CPU."""
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    _run_version()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"


@pytest.mark.parametrize("variable", ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"])
def test_a_thread_count_the_user_set_is_kept(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv(variable, "3")
    _run_version()
    assert os.environ[variable] == "3"
    other = {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"} - {variable}
    assert not other & set(os.environ)
