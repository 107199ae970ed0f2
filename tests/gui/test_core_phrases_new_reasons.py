"""The core's newer refusal and rejection sentences reach the German window in German.

Each sentence is made by the core function that says it where that can be called alone
(the deflate limit, the UID collision, the dataset without its own UIDs, the linked
folder, the backtracking rule regex), else built with the same f-string as the core (the
unreadable folder, the receiver's conformance refusals). It goes through
``core_text.render`` with the German translator installed, and no English word of the
sentence may remain: only its values (UIDs, patient IDs, paths, numbers) and the DICOM
terms the German text keeps (SOP Instance UID, File Meta, Pixel Data, ...).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from PySide6.QtWidgets import QApplication

from rtstation.config.model import Rule, RulesConfig
from rtstation.dicom import deflate, headers, sop
from rtstation.errors import DicomReadError, InstanceConflict
from rtstation.gui.core_text import render
from rtstation.gui.i18n import install_translator
from rtstation.gui.rule_reasons import reason_text
from rtstation.routing.rule_regex import REGEX_SECONDS
from rtstation.routing.rules import PlanFacts, evaluate
from rtstation.storage import importer, ingest

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"

# terms the German text keeps as they are (longest first: "SOP Instance UID" before "UID")
KEPT = (
    "Affected SOP Instance UID",
    "SOP Instance UID",
    "SOP Class UID",
    "File Meta",
    "Pixel Data",
    "Bits Allocated",
    "Presentation Context",
    "Rows",
    "Columns",
    "min_free_space_mb",
    "SOP",
    "VR",
    "MB",
)

# German words spelt like English ones
GERMAN_TOO = frozenset({"in"})


@pytest.fixture
def german(qapp: QApplication) -> Iterator[QApplication]:
    """German installed for one test, English again afterwards (translators are global)."""
    assert install_translator(qapp, "de") == "de"
    yield qapp
    install_translator(qapp, "en")


def _words(text: str, values: tuple[str, ...]) -> set[str]:
    for part in (*values, *KEPT):
        text = text.replace(part, " ")
    return set(re.findall(r"[A-Za-z]{2,}", text))


def _assert_german(english: str, *values: str) -> str:
    """``english`` rendered, with none of its English words left (values and kept terms
    aside; case counts: "element" is English, "Element" German)."""
    shown = render(english)
    left = (_words(english, values) & _words(shown, values)) - GERMAN_TOO
    assert shown != english and not left, f"English left {sorted(left)} in {shown!r}"
    return shown


def _refusal(stored_modality: str, arriving_modality: str) -> str:
    stored = SimpleNamespace(
        header=SimpleNamespace(sop_class_uid=CT_IMAGE, modality=stored_modality, patient_id="P1")
    )
    arriving = SimpleNamespace(
        sop_class_uid=sop.RT_PLAN,
        modality=arriving_modality,
        sop_instance_uid="1.2.826.0.1.42",
        patient_id="P2",
    )
    with pytest.raises(InstanceConflict) as caught:
        ingest._refuse_collision(stored, arriving, "plan.dcm")  # type: ignore[arg-type]
    return caught.value.reason


def test_a_uid_collision_is_refused_in_german(german: QApplication) -> None:
    shown = _assert_german(
        _refusal("CT", "RTPLAN"), "1.2.826.0.1.42", "'P1'", "'P2'", "CT", "RTPLAN"
    )
    assert shown.startswith("ihre SOP Instance UID 1.2.826.0.1.42 gehört zu einem anderen Objekt")
    assert "ein CT von Patient 'P1'" in shown and "ein RTPLAN von Patient 'P2'" in shown
    # without modalities the core says "instance" and "another kind"
    shown = _assert_german(_refusal("", ""), "1.2.826.0.1.42", "'P1'", "'P2'")
    assert "ein Objekt von Patient 'P1'" in shown and "Objekt anderer Art" in shown


def test_a_deflate_bomb_is_refused_in_german(german: QApplication) -> None:
    small = deflate._reason(408312, 16 * 1024 * 1024)
    shown = _assert_german(small, "408,312")
    assert "von 408.312 Byte" in shown  # German digit grouping
    assert "mehr als 16 MB" in shown and f"das {deflate.MAX_RATIO}-Fache" in shown
    big = deflate._reason(1_234_567_890, deflate.MAX_INFLATED_BYTES)
    assert "von 1.234.567.890 Byte" in _assert_german(big, "1,234,567,890")
    # the ingest path words it as a read error with the reason as its detail
    assert "408.312 Byte" in _assert_german(f"the data cannot be read: {small}", "408,312")


def test_a_dataset_without_its_own_uids_is_rejected_in_german(german: QApplication) -> None:
    for keep, tag in (("SOPClassUID", "(0008,0018)"), ("SOPInstanceUID", "(0008,0016)")):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = sop.RT_PLAN
        ds.file_meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.43"
        setattr(ds, keep, sop.RT_PLAN if keep == "SOPClassUID" else "1.2.826.0.1.43")
        with pytest.raises(DicomReadError) as caught:
            headers._require_own_uids(ds, "plan.dcm")
        reason = caught.value.reason
        assert tag in reason
        assert render(reason).startswith("der Datensatz hat keine SOP")
        _assert_german(reason, tag)
        _assert_german(f"the data cannot be read: {reason}", tag)


def test_folders_the_import_does_not_enter_are_named_in_german(
    german: QApplication, tmp_path: Path
) -> None:
    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    linked = importer._linked_folder(link)
    shown = _assert_german(linked, os.path.realpath(link))
    assert shown.startswith(f"ist ein Link auf einen Ordner ({os.path.realpath(link)})")
    error = PermissionError(13, "Permission denied", str(target))
    unreadable = f"cannot be read ({error.strerror or error}); nothing in it was imported"
    shown = _assert_german(unreadable, "Permission denied")
    assert shown == "kann nicht gelesen werden (Permission denied); nichts darin wurde importiert"


def test_a_backtracking_rule_regex_is_explained_in_german(german: QApplication) -> None:
    rule = Rule(name="ReDoS", target_nodes=("TPS",), plan_name_regex="^(a|a)+$")
    facts = PlanFacts(
        plan_uid="1.2.3", patient_id="P", source_ae="TPS", plan_label="L", plan_name="a" * 34 + "!"
    )
    lines = evaluate(RulesConfig(rules=(rule,)), facts).explanation()
    [line] = [line for line in lines if "backtracks" in line]
    assert f"it took longer than {REGEX_SECONDS:g} s" in line
    shown = _assert_german(line, "ReDoS", "'^(a|a)+$'", "plan_name_regex")
    assert "länger als 0,1 s" in shown  # German decimal comma
    # the details panel, its tooltip and the history show the verdict's reasons one by
    # one (rule_reasons.reason_text): the error inside was English there before
    [verdict] = evaluate(RulesConfig(rules=(rule,)), facts).verdicts
    [detail] = [reason_text(r) for r in verdict.codes if r.code == "regex_failed"]
    assert "backtracks" not in detail and "länger als 0,1 s" in detail, detail


@pytest.mark.parametrize(
    ("english", "values"),
    [
        ("the dataset cannot be read (bad tag)", ("bad tag",)),
        (
            f"the dataset begins with the File Meta element ({0x0002:04X},{0x0010:04X}): "
            "group 0002 belongs in the File Meta, not in a C-STORE's dataset (a reader would "
            "take it for the file's own and misread the rest)",
            ("(0002,0010)", "group 0002", "C-STORE"),
        ),
        ("the dataset has no SOP Instance UID (0008,0018)", ("(0008,0018)",)),
        ("the dataset has no SOP Class UID (0008,0016)", ("(0008,0016)",)),
        (
            f"element ({0x0010:04X},{0x0010:04X}) has an invalid VR; the dataset cannot be "
            "read beyond it",
            ("(0010,0010)",),
        ),
        (
            "the dataset's SOP Instance UID '1.2.3' is not the request's Affected SOP Instance "
            "UID '1.2.4'",
            ("'1.2.3'", "'1.2.4'"),
        ),
        (
            f"the dataset is of SOP class '{sop.RT_PLAN}' but was sent on a presentation "
            f"context for '{CT_IMAGE}'",
            (sop.RT_PLAN, CT_IMAGE),
        ),
        (
            f"the dataset is of SOP class '{sop.RT_PLAN}' but the request names '{CT_IMAGE}'",
            (sop.RT_PLAN, CT_IMAGE),
        ),
        ("the dataset has Pixel Data but no usable Rows, Columns or Bits Allocated", ()),
        (
            "its Pixel Data holds 100 bytes, but 512 rows x 512 columns x 1 sample(s) x "
            "1 frame(s) x 16 bits need 524288",
            (),
        ),
        (
            "writing it would take the storage folder's free space below the configured "
            "floor (min_free_space_mb); 12 MB are left above it",
            (),
        ),
        ("the storage folder accepted no more bytes", ()),
        ("the storage folder is full (No space left on device)", ("No space left on device",)),
        (
            "the station's database or disk failed (database is locked); the sender may retry",
            ("database is locked",),
        ),
        ("unexpected error: ValueError('x')", ("ValueError('x')",)),
    ],
)
def test_the_receivers_refusals_are_shown_in_german(
    german: QApplication, english: str, values: tuple[str, ...]
) -> None:
    _assert_german(english, *values)


def test_english_stays_english(qapp: QApplication) -> None:
    """Without the German translator the sentences are shown as the core says them."""
    install_translator(qapp, "en")
    for english in (deflate._reason(408312, 16 * 1024 * 1024), _refusal("", "")):
        assert render(english) == english


@pytest.mark.parametrize("address", ["http://pacs:104/", "pacs..local", "pacs/x", "10.0.0.300"])
def test_the_settings_dialogs_host_reasons_are_german(german: QApplication, address: str) -> None:
    """The node ip checks added this session answer in the dialogs' words (ConfigReason)."""
    from rtstation.config.node_checks import host_problem
    from rtstation.gui.dialogs._checks import translate_reason

    reason = host_problem(address)
    assert reason, address
    assert translate_reason(reason) != reason, reason
