"""A source file that vanishes during an import is one rejected file, not a crashed import.

Why it matters: two ``import --clear`` of one folder at once, or anyone deleting files
while an import runs, removes a file between the moment the import opens it and the moment
the store copies it. That used to escape as a FileNotFoundError traceback from
``DurableStore.stage_copy`` and abort the whole import; the file must instead be rejected
with the reader's words ("cannot be read (No such file or directory)") and every other
file stored. The deletion is made deterministic here: it happens inside the store, right
before the copy, where the race put it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rtstation.errors import DicomReadError
from rtstation.storage.archive import DurableStore, Staged
from rtstation.storage.importer import import_paths
from rtstation.storage.ingest import Ingestor
from tests.data.generator import StudySpec, write_study

SMALL = {"slices": 3, "rows": 8, "columns": 8}
GONE = "cannot be read (No such file or directory)"


def test_a_file_deleted_before_its_copy_is_rejected_and_the_rest_imported(
    ingestor: Ingestor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    study = write_study(tmp_path / "drop", StudySpec(**SMALL))  # type: ignore[arg-type]
    victim = study.image_paths[1]
    real_stage_copy = DurableStore.stage_copy

    def deleted_first(self: DurableStore, source: Path, *, prefix: bytes = b"") -> Staged:
        # The ingestor has opened and examined the file; now it goes, before the copy.
        if source == victim:
            source.unlink()
        return real_stage_copy(self, source, prefix=prefix)

    monkeypatch.setattr(DurableStore, "stage_copy", deleted_first)

    report = import_paths([study.root], ingestor, clear=True)

    assert report.rejected == [(victim.name, GONE)]
    others = [p for p in study.all_paths if p != victim]
    assert report.stored == len(others)
    stored_uids = {i.sop_instance_uid for i in ingestor.catalog.instances()}
    assert len(stored_uids) == len(others)
    assert report.cleared == len(others)  # the others were stored, so --clear removed them
    assert not any(ingestor.store.incoming.iterdir())  # no half-staged copy left behind


def test_stage_copy_of_a_missing_file_is_a_read_error(tmp_path: Path):
    store = DurableStore(tmp_path / "storage")
    missing = tmp_path / "gone.dcm"
    with pytest.raises(DicomReadError) as caught:
        store.stage_copy(missing)
    assert caught.value.path == str(missing)
    assert caught.value.reason == GONE
    assert not any(store.incoming.iterdir())


def test_stage_move_of_a_missing_file_is_a_read_error(tmp_path: Path):
    store = DurableStore(tmp_path / "storage")
    missing = tmp_path / "gone.dcm"
    with pytest.raises(DicomReadError) as caught:
        store.stage_move(missing)
    assert caught.value.reason == GONE
