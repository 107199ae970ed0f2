"""The anonymized copies a rule sends: staged in the data folder, kept while a job needs
them, removed once it is done, and swept at start when nothing needs them.

Why it matters: the copies are what leaves for a research node; left behind they fill the
data folder, removed too early a queued or retryable job sends nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rtstation.config import default_settings
from rtstation.dicom.headers import read_header
from rtstation.routing.send_queue import SendQueue
from rtstation.station.anonymized import AnonymizedCopies, NewPatient
from tests.data.generator import StudySpec, write_study


@pytest.fixture
def copies(tmp_path: Path) -> AnonymizedCopies:
    settings = default_settings(str(tmp_path / "data"))
    return AnonymizedCopies(tmp_path / "data", lambda: settings)


def _paths(tmp_path: Path) -> list[str]:
    study = write_study(tmp_path / "in", StudySpec(patient_id="ORIG", slices=2, rows=8, columns=8))
    return [str(p) for p in study.all_paths]


def test_copies_stay_while_a_job_needs_them_and_go_when_it_is_done(
    copies: AnonymizedCopies, tmp_path: Path
) -> None:
    paths = _paths(tmp_path)
    copy = copies.copy(paths, NewPatient("NEW-1", "New^One"))
    assert len(copy.items) == len(paths) and copy.patient_id == "NEW-1"
    assert {read_header(i.path).patient_id for i in copy.items} == {"NEW-1"}
    with SendQueue(tmp_path / "q.sqlite") as queue:
        job_id = queue.enqueue("RESEARCH", list(copy.items), plan_uid="1.2.3")

        def needed(folder: Path) -> bool:
            return queue.needs_files_under(str(folder))

        copies.remove_unneeded([copy.folder], needed)
        assert copy.folder.is_dir(), "a queued job still sends them"
        job = queue.claim_next("RESEARCH", "me")
        assert job is not None and job.id == job_id
        for item in copy.items:
            queue.record_item(job_id, item.sop_instance_uid, "sent", 0)
        assert queue.complete(job_id, "me") == "done"
        copies.remove_unneeded(copies.folders_of(i.path for i in queue.items(job_id)), needed)
    assert not copy.folder.exists()
    assert copies.map_file.exists(), "the station's map stays"


def test_sweep_removes_what_a_dead_process_left_and_no_job_needs(
    copies: AnonymizedCopies, tmp_path: Path
) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    left = copies.root / f"{dead.stdout.strip()}-0123456789ab"
    left.mkdir(parents=True)
    (left / "RP.1.dcm").write_bytes(b"x")
    queued = copies.root / f"{dead.stdout.strip()}-ba9876543210"
    queued.mkdir()
    ours = copies.new_folder()
    copies.sweep(lambda folder: folder == queued)
    assert not left.exists() and queued.is_dir()
    assert not ours.exists(), "this process's own folders count as finished at start"


def test_derived_identity_is_the_same_every_time(copies: AnonymizedCopies, tmp_path: Path):
    paths = _paths(tmp_path)
    first = copies.copy(paths, NewPatient())
    second = copies.copy(paths, NewPatient(patient_name="Given^Name"))
    assert first.patient_id == second.patient_id and first.patient_id.startswith("ANON")
    assert {i.sop_instance_uid for i in first.items} == {i.sop_instance_uid for i in second.items}
    names = {str(read_header(i.path).patient_name) for i in second.items}
    assert names == {"Given^Name"}
