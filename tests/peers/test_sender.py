"""net.sender against real receivers: DCMTK storescp (bit-preserving) and Orthanc."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import (
    JPEG2000,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    RLELossless,
)

from rtstation.dicom.status import Outcome
from rtstation.net.contexts import MAX_CONTEXTS, build_contexts, plan_batches
from rtstation.net.peer import Peer
from rtstation.net.sender import ItemResult, SendItem, send_items
from tests.data.generator import PlanSpec, StudySpec, write_study
from tests.data.pydicom_files import pydicom_rt_files
from tests.peers import peers
from tests.peers.peers import HOST, Orthanc, StoreSCP, dataset_bytes, free_port
from tests.peers.send_files import aria_order, header_of, send_item

RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
CT = "1.2.840.10008.5.1.4.1.1.2"


def peer_for(scp: StoreSCP | Orthanc, **kwargs: object) -> Peer:
    return Peer(scp.ae_title, HOST, scp.port, calling_ae="RTSTATION", **kwargs)  # type: ignore[arg-type]


def bundle(root: Path, **spec: object) -> tuple[list[SendItem], dict[str, Path]]:
    study = write_study(root, StudySpec(**spec))  # type: ignore[arg-type]
    items = [send_item(p) for p in study.all_paths]
    return items, {item.sop_instance_uid: Path(item.path) for item in items}


def test_bundle_arrives_in_aria_order_with_identical_data(
    storescp: Callable[..., StoreSCP], tmp_path: Path
) -> None:
    items, paths = bundle(tmp_path / "study", slices=8, plans=(PlanSpec(doses=2),))
    shuffled = items[:]
    random.Random(3).shuffle(shuffled)
    ordered = aria_order(shuffled)
    modalities = [header_of(item).modality for item in ordered]
    assert modalities == ["CT"] * 8 + ["RTSTRUCT", "RTPLAN", "RTDOSE", "RTDOSE"]

    scp = storescp()
    seen: list[ItemResult] = []
    report = send_items(peer_for(scp), ordered, on_result=seen.append)

    assert report.ok, report
    assert report.associations == 1 and report.sent == 12 and report.bytes_sent > 0
    assert [r.sop_instance_uid for r in seen] == [i.sop_instance_uid for i in ordered]
    assert all(r.status == 0 and r.classified.reason == "stored" for r in seen)
    assert scp.received_order() == [item.sop_instance_uid for item in ordered]
    for received in scp.received_files():
        uid = received.name.partition(".")[2]
        assert dataset_bytes(received) == dataset_bytes(paths[uid]), received.name


def test_implicit_vr_files_are_streamed_unchanged(
    storescp: Callable[..., StoreSCP], tmp_path: Path
) -> None:
    items, paths = bundle(tmp_path / "study", slices=3, implicit_vr=True)
    assert {item.transfer_syntax_uid for item in items} == {ImplicitVRLittleEndian}
    scp = storescp()
    report = send_items(peer_for(scp), aria_order(items))
    assert report.ok
    for received in scp.received_files():
        assert dataset_bytes(received) == dataset_bytes(paths[received.name.partition(".")[2]])


def test_rtdose_refused_fails_alone_and_the_rest_is_delivered(
    storescp: Callable[..., StoreSCP], tmp_path: Path
) -> None:
    items, _ = bundle(tmp_path / "study", slices=4, plans=(PlanSpec(doses=2),))
    scp = storescp(reject_rtdose=True)
    report = send_items(peer_for(scp), aria_order(items))

    assert report.association_error is None and not report.not_attempted
    by_uid = {r.sop_instance_uid: r for r in report.results}
    doses = [i.sop_instance_uid for i in items if i.sop_class_uid == RT_DOSE]
    others = [i.sop_instance_uid for i in aria_order(items) if i.sop_class_uid != RT_DOSE]
    for uid in doses:
        assert by_uid[uid].classified.outcome is Outcome.FAIL
        assert by_uid[uid].classified.reason == "the receiver does not accept RT Dose Storage"
        assert by_uid[uid].status is None
    assert all(by_uid[uid].classified.outcome is Outcome.SUCCESS for uid in others)
    assert scp.received_order() == others
    assert report.sent == len(others) and report.failed == 2 and not report.ok


def test_orthanc_receives_the_same_bundle(orthanc: Callable[..., Orthanc], tmp_path: Path) -> None:
    items, _ = bundle(tmp_path / "study", slices=5, plans=(PlanSpec(doses=1),))
    pacs = orthanc()
    report = send_items(peer_for(pacs), aria_order(items))
    assert report.ok, report
    assert pacs.sop_instance_uids() == {item.sop_instance_uid for item in items}


def test_orthanc_out_of_resources_is_retryable(
    orthanc: Callable[..., Orthanc], tmp_path: Path
) -> None:
    items, _ = bundle(tmp_path / "study", slices=2, plans=(PlanSpec(doses=1),))
    pacs = orthanc(reject_rtdose=True)
    report = send_items(peer_for(pacs), aria_order(items))
    dose = next(r for r in report.results if r.status == 0xA700)
    assert dose.classified.outcome is Outcome.RETRY
    assert dose.classified.reason == "the receiver is out of resources (0xA700)"
    assert report.sent == len(items) - 1


def test_peer_down_is_a_retryable_association_error(tmp_path: Path) -> None:
    items, _ = bundle(tmp_path / "study", slices=2)
    port = free_port()
    report = send_items(Peer("NOBODY", HOST, port), items)
    assert report.association_error is not None
    assert report.association_error.outcome is Outcome.RETRY
    assert report.association_error.reason == (
        f"connection refused (nothing listening on 127.0.0.1:{port})"
    )
    assert report.results == () and report.associations == 0
    assert report.not_attempted == tuple(i.sop_instance_uid for i in items)


def test_association_dropped_midway_leaves_the_rest_unattempted(
    storescp: Callable[..., StoreSCP], tmp_path: Path
) -> None:
    items, _ = bundle(tmp_path / "study", slices=40)
    scp = storescp(record_order=False)

    def kill_after_five(result: ItemResult) -> None:
        if len(seen) == 5:
            scp.kill()
        seen.append(result)

    seen: list[ItemResult] = []
    report = send_items(
        peer_for(scp, network_timeout=5.0, dimse_timeout=5.0),
        aria_order(items),
        on_result=kill_after_five,
    )
    assert report.association_error is not None
    assert report.association_error.outcome is Outcome.RETRY
    assert "association aborted" in report.association_error.reason
    assert len(report.results) >= 5 and report.not_attempted
    assert len(report.results) + len(report.not_attempted) == len(items)
    assert all(r.classified.outcome is Outcome.SUCCESS for r in report.results)


def test_cancel_releases_after_the_current_item(
    storescp: Callable[..., StoreSCP], tmp_path: Path
) -> None:
    items, _ = bundle(tmp_path / "study", slices=10)
    scp = storescp()
    seen: list[ItemResult] = []
    report = send_items(
        peer_for(scp),
        aria_order(items),
        on_result=seen.append,
        should_cancel=lambda: len(seen) >= 3,
    )
    assert report.cancelled and report.association_error is None
    assert len(report.results) == 3 and len(report.not_attempted) == len(items) - 3
    assert len(scp.received_order()) == 3


def test_uncompressed_only_peer_gets_implicit_by_conversion(
    storescp: Callable[..., StoreSCP], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(peers, "_STORESCP_TRANSFER_SYNTAXES", ("LittleEndianImplicit",))
    items, paths = bundle(tmp_path / "study", slices=2)
    assert {item.transfer_syntax_uid for item in items} == {ExplicitVRLittleEndian}
    scp = storescp()
    report = send_items(peer_for(scp), aria_order(items))
    assert report.ok, report
    assert all(
        r.converted and r.classified.reason == "stored (converted to Implicit VR Little Endian)"
        for r in report.results
    )
    for received in scp.received_files():
        got = pydicom.dcmread(received)
        sent = pydicom.dcmread(paths[got.SOPInstanceUID])
        assert got.file_meta.TransferSyntaxUID == ImplicitVRLittleEndian
        if "PixelData" in sent:
            assert got.PixelData == sent.PixelData


def test_compressed_file_without_decoder_fails_with_reason(
    storescp: Callable[..., StoreSCP], monkeypatch: pytest.MonkeyPatch
) -> None:
    """JPEG 2000 needs a codec plugin that is not installed (RLE decodes with numpy)."""
    monkeypatch.setattr(
        peers, "_STORESCP_TRANSFER_SYNTAXES", ("LocalEndianExplicit", "LittleEndianImplicit")
    )
    jpeg2000 = send_item(Path(get_testdata_file("JPEG2000.dcm", download=False)))
    assert jpeg2000.transfer_syntax_uid == JPEG2000
    scp = storescp()
    report = send_items(peer_for(scp), [jpeg2000])
    (result,) = report.results
    assert result.classified.outcome is Outcome.FAIL
    assert result.classified.reason.startswith(
        "the receiver does not accept JPEG 2000 Image Compression and the file cannot be converted"
    )
    assert scp.received_order() == []


def test_files_written_by_other_software(storescp: Callable[..., StoreSCP]) -> None:
    """pydicom's RT files: RLE goes in its own context byte for byte; a structure set with
    no file meta and a plan whose file meta names another UID cannot be streamed (the peer
    would be told the wrong UID) and are decoded and re-encoded instead."""
    files = pydicom_rt_files()
    items = {
        name: send_item(files[name])
        for name in ("CT_small.dcm", "rtstruct.dcm", "rtplan.dcm", "rtdose_rle.dcm")
    }
    scp = storescp()
    report = send_items(peer_for(scp), aria_order(list(items.values())))
    assert report.ok, report
    reasons = {r.sop_instance_uid: r.classified.reason for r in report.results}
    assert reasons == {
        items["CT_small.dcm"].sop_instance_uid: "stored",
        items["rtstruct.dcm"].sop_instance_uid: "stored (re-encoded)",
        items["rtplan.dcm"].sop_instance_uid: "stored (re-encoded)",
        items["rtdose_rle.dcm"].sop_instance_uid: "stored",
    }
    assert scp.received_order() == [i.sop_instance_uid for i in aria_order(list(items.values()))]
    received = {p.name.partition(".")[2]: p for p in scp.received_files()}
    for name in ("CT_small.dcm", "rtdose_rle.dcm"):
        item = items[name]
        assert dataset_bytes(received[item.sop_instance_uid]) == dataset_bytes(Path(item.path))
    for name in ("rtstruct.dcm", "rtplan.dcm"):
        item = items[name]
        got = pydicom.dcmread(received[item.sop_instance_uid])
        assert got == pydicom.dcmread(item.path, force=True)


def test_big_endian_file_goes_in_its_own_context(storescp: Callable[..., StoreSCP]) -> None:
    item = send_item(pydicom_rt_files()["rtdose_expb.dcm"])
    assert item.transfer_syntax_uid == ExplicitVRBigEndian
    scp = storescp()
    report = send_items(peer_for(scp), [item])
    assert report.ok, report
    (received,) = scp.received_files()
    assert received.name == f"RD.{item.sop_instance_uid}"
    got = pydicom.dcmread(received)
    assert got.file_meta.TransferSyntaxUID == ExplicitVRBigEndian
    assert got.PixelData == pydicom.dcmread(item.path).PixelData


def test_more_than_128_contexts_are_split_in_order(tmp_path: Path) -> None:
    # 70 SOP classes x (stored syntax + fallback) = 140 contexts: two associations.
    items = [
        SendItem(f"1.2.3.{n}", f"1.2.840.10008.5.1.4.1.1.{1000 + n}", ExplicitVRLittleEndian, "x")
        for n in range(70)
    ]
    batches = plan_batches(items)
    assert [len(b) for b in batches] == [64, 6]
    assert [i for b in batches for i in b] == items
    assert all(len(build_contexts(b)) <= MAX_CONTEXTS for b in batches)
    assert len(build_contexts(batches[0])) == 128
    contexts = build_contexts(items[:1])
    assert [cx.transfer_syntax for cx in contexts] == [
        [ExplicitVRLittleEndian],
        [ImplicitVRLittleEndian],
    ]
    rle = SendItem("9", CT, RLELossless, "y")
    assert [cx.transfer_syntax for cx in build_contexts([rle])] == [
        [RLELossless],
        [ExplicitVRLittleEndian, ImplicitVRLittleEndian],
    ]


def test_split_send_uses_several_associations(
    storescp: Callable[..., StoreSCP], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rtstation.net.contexts as contexts

    monkeypatch.setattr(contexts, "MAX_CONTEXTS", 4)  # CT, RTSTRUCT | RTPLAN, RTDOSE
    items, _ = bundle(tmp_path / "study", slices=3, plans=(PlanSpec(doses=1),))
    scp = storescp()
    report = send_items(peer_for(scp), aria_order(items))
    assert report.ok and report.associations == 2
    assert scp.received_order() == [i.sop_instance_uid for i in aria_order(items)]


def test_streaming_is_switched_back_on_if_someone_turned_it_off(
    storescp: Callable[..., StoreSCP], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pynetdicom import _config

    monkeypatch.setattr(_config, "STORE_SEND_CHUNKED_DATASET", False)
    items, paths = bundle(tmp_path / "study", slices=2)
    scp = storescp()
    report = send_items(peer_for(scp), aria_order(items))
    assert report.ok and _config.STORE_SEND_CHUNKED_DATASET is True
    assert all(r.classified.reason == "stored" for r in report.results)
    for received in scp.received_files():
        assert dataset_bytes(received) == dataset_bytes(paths[received.name.partition(".")[2]])
