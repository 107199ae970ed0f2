"""Profiles and options: Table E.1-1 as data, and what each option changes on a dataset.

Why it matters: a physicist picks a profile and options by their PS3.15/DicomTools names
and must get exactly the standard's behaviour for them; a mistyped option must be named,
not silently ignored (an export with "RetainUID" instead of "RetainUIDs" would break every
link to the archive).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

from rtstation.config import load_settings, save_settings
from rtstation.dicom.anonymize import (
    AnonymizationRefused,
    AnonymizeOptions,
    Anonymizer,
    UidMap,
    build_profile,
    parse_options,
)
from rtstation.dicom.anonymize.table import table_rows
from rtstation.errors import ConfigError


def _fresh_plan() -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.481.5"
    ds.SOPInstanceUID = "1.2.3.100"
    ds.StudyInstanceUID = "1.2.3.1"
    ds.SeriesInstanceUID = "1.2.3.2"
    ds.FrameOfReferenceUID = "1.2.3.3"
    ds.Modality = "RTPLAN"
    ds.PatientID = "PID123"
    ds.PatientName = "Muster^Max"
    ds.PatientBirthDate = "19600214"
    ds.PatientSex = "M"
    ds.PatientAge = "064Y"
    ds.StudyDate = "20240131"
    ds.StudyTime = "101500"
    ds.InstitutionName = "Klinik Sued"
    ds.StationName = "TPS01"
    ds.DeviceSerialNumber = "SN-42"
    ds.RTPlanLabel = "Muster PLAN"
    ds.RTPlanGeometry = "PATIENT"
    ds.Manufacturer = "Acme Test"
    ref = Dataset()
    ref.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.481.3"
    ref.ReferencedSOPInstanceUID = "1.2.3.200"
    ds.ReferencedStructureSetSequence = Sequence([ref])
    ds.add_new(0x00291010, "UI", "1.2.3.999")  # private: removed with its creator
    ds.add_new(0x00290010, "LO", "VENDOR X")
    ds.add_new(0x300A0741, "DT", "20240131101500")  # Interlock DateTime: D / C under dates
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.SourceApplicationEntityTitle = "ECLIPSE_HOSP"
    return ds


def _anonymize(options: tuple[str, ...] | None, profile: str = "aria", **kwargs) -> Dataset:
    anonymizer = Anonymizer(
        AnonymizeOptions(profile=profile, options=options, patient_id="NEW", **kwargs)
    )
    ds = _fresh_plan()
    anonymizer.anonymize_dataset(ds)
    return ds


def test_table_holds_table_e1_1_with_its_option_columns() -> None:
    rows = {row.tag: row for row in table_rows()}
    assert len(rows) > 600
    assert rows["(0010,0010)"].basic == "Z"
    assert rows["(0008,0018)"].options == {"RetainUIDs": "K"}
    assert rows["(0008,0020)"].options == {
        "RetainLongFullDatesAndTimes": "K",
        "RetainLongModifDatesAndTimes": "C",
    }
    assert rows["(300A,00B2)"].basic == "X/Z"
    assert rows["(300A,00B2)"].options == {"RetainDeviceIdent": "K"}
    assert rows["(GGGG,EEEE)"].options == {"RetainSafePrivate": "C"}


def test_compound_actions_resolve_to_the_conformant_variant_and_options_win() -> None:
    basic = build_profile("basic", ())
    assert basic.rule_for(0x00080080).action == "D"  # Institution Name X/Z/D
    assert basic.rule_for(0x300A00B2).action == "Z"  # Treatment Machine Name X/Z
    assert basic.rule_for(0x00081140).action == "U"  # Referenced Image Sequence X/Z/U*
    assert basic.rule_for(0x60003000).action == "X"  # Overlay Data (60XX,3000)
    assert basic.rule_for(0x60223000).action == "X"
    assert basic.rule_for(0x00080070) is None  # Manufacturer: not in the table, kept
    aria = build_profile("aria")
    assert aria.options == ("CleanDesc", "RetainDeviceIdent")
    assert aria.rule_for(0x30060026).action == "C"  # ROI Name: ARIA override
    assert aria.rule_for(0x300A00B2).action == "K"
    both = build_profile("basic", ["RetainUIDs", "RetainDeviceIdent"])
    assert both.rule_for(0x00181002).action == "K"  # Device UID: K in both columns


def test_option_names_as_dicomtools_and_pS315_write_them() -> None:
    assert parse_options(["CleanDesc,RetainDeviceIdent", "retainuidsoption"]) == (
        "CleanDesc",
        "RetainDeviceIdent",
        "RetainUIDs",
    )
    assert parse_options(["RetainLongModifDates"]) == ("RetainLongModifDatesAndTimes",)
    assert parse_options(["none"]) == ()
    with pytest.raises(ConfigError, match="'RetainUID': not an anonymization option"):
        parse_options(["RetainUID"], source="--option")
    with pytest.raises(ConfigError, match="exclude each other"):
        parse_options(["RetainLongFullDates", "RetainLongModifDatesAndTimes"])
    with pytest.raises(ConfigError, match="'dcie': not an anonymization profile"):
        build_profile("dcie")


def test_basic_profile_on_a_dataset() -> None:
    ds = _anonymize((), profile="basic")
    assert ds.PatientID == "NEW" and ds.PatientName == "NEW"
    assert not ds.PatientBirthDate and not ds.PatientSex  # Z: present, zero length
    assert "PatientAge" not in ds
    assert ds.InstitutionName == "ANONYMIZED"
    assert ds.StationName == "ANONYMIZED"
    assert ds.RTPlanLabel == "ANONYMIZED"
    assert ds.RTPlanGeometry == "PATIENT"  # a defined term is not a name
    assert not ds.StudyDate and "StudyDate" in ds
    assert ds.Manufacturer == "Acme Test"
    assert ds.SOPInstanceUID.startswith("2.25.")
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert "SourceApplicationEntityTitle" not in ds.file_meta
    assert ds.ReferencedStructureSetSequence[0].ReferencedSOPInstanceUID.startswith("2.25.")
    assert (
        ds.ReferencedStructureSetSequence[0].ReferencedSOPClassUID
        == "1.2.840.10008.5.1.4.1.1.481.3"
    )
    assert not [e for e in ds if e.tag.is_private]


def test_retain_options_keep_their_columns() -> None:
    ds = _anonymize(("RetainPatientChars", "RetainDeviceIdent", "RetainInstitutionIdent"))
    assert (ds.PatientSex, ds.PatientAge) == ("M", "064Y")
    assert (ds.StationName, ds.DeviceSerialNumber) == ("TPS01", "SN-42")
    assert ds.InstitutionName == "Klinik Sued"
    assert not ds.PatientBirthDate  # no option retains it
    kept = _anonymize(("RetainUIDs",))
    assert (kept.SOPInstanceUID, kept.FrameOfReferenceUID) == ("1.2.3.100", "1.2.3.3")
    full = _anonymize(("RetainLongFullDatesAndTimes",))
    assert (full.StudyDate, full.StudyTime) == ("20240131", "101500")
    assert full.LongitudinalTemporalInformationModified == "UNMODIFIED"


def test_modified_dates_move_every_date_by_the_maps_offset() -> None:
    uid_map = UidMap()
    anonymizer = Anonymizer(
        AnonymizeOptions(options=("RetainLongModifDatesAndTimes",), patient_id="NEW"),
        uid_map=uid_map,
    )
    ds = _fresh_plan()
    anonymizer.anonymize_dataset(ds)
    offset = dt.timedelta(days=uid_map.date_offset_days())
    assert -3650 <= offset.days <= -365
    assert ds.StudyDate == (dt.date(2024, 1, 31) + offset).strftime("%Y%m%d")
    assert ds.StudyTime == "101500"
    assert ds[0x300A0741].value == (dt.date(2024, 1, 31) + offset).strftime("%Y%m%d") + "101500"
    assert ds.LongitudinalTemporalInformationModified == "MODIFIED"
    assert UidMap.from_json(uid_map.to_json()).date_offset_days() == offset.days


def test_clean_descriptors_scrub_identifying_values_from_kept_text() -> None:
    ds = _anonymize(None)  # aria: CleanDesc
    assert ds.RTPlanLabel == "NEW PLAN"  # the patient's name replaced by the new ID
    derived = Anonymizer()  # derived ID ANON + 10 digits: longer than the name it replaces
    ds = _fresh_plan()
    derived.anonymize_dataset(ds)
    assert ds.RTPlanLabel == f"{ds.PatientID} PLAN"[:16]  # SH: at most 16 characters


def test_dataset_without_sop_instance_uid_is_refused() -> None:
    ds = _fresh_plan()
    del ds.SOPInstanceUID
    with pytest.raises(AnonymizationRefused, match="no SOP Instance UID"):
        Anonymizer().anonymize_dataset(ds)


def test_uid_map_keeps_its_file_record_and_merges_another_process_save(tmp_path) -> None:
    """A saved map loaded again keeps which input became which output (it used to drop
    it on load), and two processes sharing one map keep each other's entries."""
    path = tmp_path / "map.json"
    first = UidMap()
    first.uid("1.2.3")
    first.record_file("/in/a.dcm", "RP.x.dcm")
    first.save(path)
    loaded = UidMap.load(path)
    assert loaded.to_json()["files"] == {"/in/a.dcm": "RP.x.dcm"}
    other = UidMap.load(path)  # a second process
    other.uid("4.5.6")
    other.identity("P2", "NEW-2", "New^Two")
    other.save(path)
    loaded.uid("7.8.9")
    loaded.merge(UidMap.load(path))
    assert set(loaded.uids) == {"1.2.3", "4.5.6", "7.8.9"}
    assert loaded.uids["4.5.6"] == other.uids["4.5.6"]
    assert loaded.patients["P2"].patient_id == "NEW-2"
    with pytest.raises(ValueError, match="different secrets"):
        loaded.merge(UidMap())


def test_uid_map_file_that_is_not_a_map_is_named(tmp_path) -> None:
    path = tmp_path / "map.json"
    path.write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="format 'something else'"):
        UidMap.load(path)


def test_settings_anonymization_section(tmp_path) -> None:
    settings = tmp_path / "settings.ini"
    defaults = load_settings(settings, data_dir=str(tmp_path))
    assert defaults.anonymization_profile == "aria" and defaults.anonymization_options is None
    settings.write_text(
        "[General]\nwatch_folder = data\n\n[Anonymization]\nprofile = basic\n"
        "options = RetainUIDs, CleanDesc\nuid_map_file = maps/uid.json\nburned_in = warn\n",
        encoding="utf-8",
    )
    loaded = load_settings(settings, data_dir=str(tmp_path))
    assert loaded.anonymization_profile == "basic" and loaded.anonymization_burned_in == "warn"
    assert loaded.anonymization_options == ("RetainUIDs", "CleanDesc")
    assert loaded.anonymization_uid_map_file == str(tmp_path / "maps" / "uid.json")
    settings.write_text("[Anonymization]\noptions =\n", encoding="utf-8")
    assert load_settings(settings, data_dir=str(tmp_path)).anonymization_options == ()
    settings.write_text("[Anonymization]\noptions = default\n", encoding="utf-8")
    assert load_settings(settings, data_dir=str(tmp_path)).anonymization_options is None
    settings.write_text("[Anonymization]\nprofile = dcie\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"settings.ini \[Anonymization\] profile 'dcie'"):
        load_settings(settings, data_dir=str(tmp_path))
    settings.write_text("[Anonymization]\nburned_in = maybe\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"burned_in 'maybe': expected refuse or warn"):
        load_settings(settings, data_dir=str(tmp_path))


def test_anonymization_settings_save_keeps_comments(tmp_path) -> None:
    """The comment-keeping save writes [Anonymization] like every other section."""
    settings = tmp_path / "settings.ini"
    settings.write_text(
        "[General]\nwatch_folder = data\n\n[Anonymization]\n# research exports\n"
        "profile = aria   # for ARIA\n",
        encoding="utf-8",
    )
    loaded = load_settings(settings, data_dir=str(tmp_path))
    changed = dataclasses.replace(
        loaded,
        anonymization_profile="basic",
        anonymization_options=("RetainLongModifDatesAndTimes",),
        anonymization_burned_in="warn",
    )
    save_settings(changed, settings, data_dir=str(tmp_path))
    text = settings.read_text(encoding="utf-8")
    assert "# research exports" in text and "profile = basic  # for ARIA" in text
    assert "options = RetainLongModifDatesAndTimes" in text and "burned_in = warn" in text
    again = load_settings(settings, data_dir=str(tmp_path))
    assert again == changed
    back = dataclasses.replace(again, anonymization_options=None)
    save_settings(back, settings, data_dir=str(tmp_path))
    assert "options = default" in settings.read_text(encoding="utf-8")
    assert load_settings(settings, data_dir=str(tmp_path)).anonymization_options is None


def test_overlays_go_as_a_whole_group_unless_clean_graphics() -> None:
    def with_overlay() -> Dataset:
        ds = _fresh_plan()
        ds.add_new(0x60000010, "US", 8)  # Overlay Rows
        ds.add_new(0x60000011, "US", 8)  # Overlay Columns
        ds.add_new(0x60003000, "OW", b"\x01" * 8)  # Overlay Data
        return ds

    removed = with_overlay()
    Anonymizer(AnonymizeOptions(profile="basic", options=())).anonymize_dataset(removed)
    assert not [tag for tag in list(removed.keys()) if tag.group == 0x6000]
    kept = with_overlay()
    Anonymizer(AnonymizeOptions(options=("CleanGraph",))).anonymize_dataset(kept)
    assert kept[0x60003000].value == b"\x01" * 8 and kept[0x60000010].value == 8


def test_retain_safe_private_keeps_only_listed_private_attributes() -> None:
    def with_private() -> Dataset:
        ds = _fresh_plan()
        block = ds.private_block(0x0031, "SITE SAFE", create=True)
        block.add_new(0x05, "DS", "1.5")  # listed below: safe
        block.add_new(0x06, "LO", "Muster notes")  # not listed
        return ds

    safe = frozenset({("SITE SAFE", 0x0031, 0x05)})
    options = AnonymizeOptions(options=("RetainSafePrivate",))
    kept = with_private()
    Anonymizer(options, safe_private=safe).anonymize_dataset(kept)
    assert kept.private_block(0x0031, "SITE SAFE")[0x05].value == "1.5"
    assert (0x0031, 0x1006) not in kept and (0x0029, 0x1010) not in kept
    removed = with_private()
    Anonymizer(AnonymizeOptions(), safe_private=safe).anonymize_dataset(removed)
    assert not [e for e in removed if e.tag.is_private]  # without the option: all removed


def test_scrubbing_leaves_defined_terms_and_other_words_alone() -> None:
    """Found while building: the name 'Test^Patient' turned RTPlanGeometry 'PATIENT' (a
    defined term) and 'Contest' inside a manufacturer's name into the new ID."""
    ds = _fresh_plan()
    ds.PatientName = "Test^Patient"
    ds.Manufacturer = "Contest Systems"
    ds.StudyDescription = "Test Patient plan review"
    Anonymizer(AnonymizeOptions(patient_id="NEW")).anonymize_dataset(ds)
    assert ds.RTPlanGeometry == "PATIENT"
    assert ds.Manufacturer == "Contest Systems"
    assert ds.StudyDescription == "NEW NEW plan review"


def test_output_names_never_leave_the_output_folder() -> None:
    from rtstation.dicom.anonymize.run import _file_name

    assert _file_name("RTPLAN", "2.25.12") == "RP.2.25.12.dcm"
    assert _file_name("CT", "1.2.3") == "CT.1.2.3.dcm"
    hostile = _file_name("../../etc", "../../x")  # RetainUIDs keeps what the file says
    assert re.fullmatch(r"etc\.[0-9a-f]{32}\.dcm", hostile)
