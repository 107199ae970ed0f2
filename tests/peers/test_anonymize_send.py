"""An anonymized bundle is accepted by a real DICOM receiver and arrives with its references.

Why it matters: the point of keeping references is that the export still imports as a
plan; DCMTK's storescp must accept every anonymized object (valid File Meta, UIDs, VRs),
and what it stored must show the same plan tree, still without the patient's identity.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rtstation.dicom.anonymize import AnonymizeOptions, anonymize_paths
from rtstation.dicom.rt_tree import build_tree
from rtstation.dicom.scan import scan
from tests.data.generator import StudySpec, write_study
from tests.peers.peers import StoreSCP, storescu, storescu_acknowledged


def test_anonymized_study_is_stored_by_storescp_with_its_tree(
    storescp: Callable[..., StoreSCP], tmp_path: Path
) -> None:
    spec = StudySpec(patient_id="SEND123", patient_name="Versand^Vera", slices=4, rows=8, columns=8)
    study = write_study(tmp_path / "in", spec)
    out = tmp_path / "out"
    report = anonymize_paths([study.root], out, AnonymizeOptions(patient_id="EXPORT-1"))
    assert report.ok, report.lines()
    files = sorted(out.glob("*.dcm"))

    scp = storescp()
    result = storescu(files, scp.port, called_ae=scp.ae_title)
    assert sorted(storescu_acknowledged(result)) == sorted(str(f) for f in files)
    scp.wait_for(len(files))

    sent, received = scan([out], "*.dcm"), scan([scp.out_dir])
    assert not received.problems
    (plan_sent,) = build_tree(sent.headers).plans
    (plan_received,) = build_tree(received.headers).plans
    assert plan_received.uid == plan_sent.uid
    assert plan_received.structure_set_uid == plan_sent.structure_set_uid
    assert plan_received.completeness.summary() == "CT 4/4, RS, RD"
    assert plan_received.patient_id == "EXPORT-1"
    data = b"".join(p.read_bytes() for p in scp.received_files())
    for value in (b"SEND123", b"Versand", study.plan_uids[0].encode(), study.study_uid.encode()):
        assert value not in data
