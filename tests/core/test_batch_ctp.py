"""A CTP DicomAnonymizer script on top of the station's profile, on a generated RT study:
each honoured function does what CTP does, RT references stay intact, an unsupported
function is refused with its name and line, a lookup miss refuses the file in words."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pydicom
import pytest

from rtstation.dicom.anonymize import AnonymizeOptions, UidMap
from rtstation.dicom.anonymize.ctp_apply import ScriptedAnonymizer, ctp_hash
from rtstation.dicom.anonymize.ctp_script import (
    ScriptError,
    check_references,
    parse_lookup_table,
    parse_script,
)
from tests.data.generator import PlanSpec, StudySpec, write_study

SCRIPT = """\
<script>
 <p t="DATEINC">-10</p>
 <p t="UIDROOT">9</p>
 <e en="T" t="00100010" n="PatientName">@lookup(PatientID,ptid)</e>
 <e en="T" t="00100020" n="PatientID">@lookup(PatientID,ptid)</e>
 <e en="T" t="00080020" n="StudyDate">@incrementdate(this,@DATEINC)</e>
 <e en="T" t="0020000D" n="StudyInstanceUID">@hashuid(@UIDROOT,this)</e>
 <e en="T" t="00080090" n="ReferringPhysicianName">@empty()</e>
 <e en="T" t="0008103E" n="SeriesDescription">@keep()</e>
 <e en="T" t="00081030" n="StudyDescription">@remove()</e>
 <e en="T" t="00120062" n="PatientIdentityRemoved">@always()YES</e>
 <e en="T" t="00200011" n="SeriesNumber">@hash(this,4)</e>
 <e en="F" t="00100030" n="PatientBirthDate">@hashdate(this,PatientID)</e>
 <k en="T" t="0018">Keep group 0018</k>
</script>
"""


def _files(tmp_path: Path, script_text: str = SCRIPT, table: str = "ptid/P1 = 900\n"):
    script_path = tmp_path / "anon.script"
    script_path.write_text(script_text, encoding="utf-8")
    table_path = tmp_path / "lookup.properties"
    table_path.write_text(table, encoding="utf-8")
    return script_path, table_path


def test_script_functions_on_top_of_the_profile_keep_references(tmp_path: Path) -> None:
    study = write_study(
        tmp_path / "in",
        StudySpec(patient_id="P1", slices=2, rows=8, columns=8, plans=(PlanSpec(label="A"),)),
    )
    script_path, table_path = _files(tmp_path)
    script = parse_script(script_path)
    table = parse_lookup_table(table_path)
    check_references(script, table)
    anonymizer = ScriptedAnonymizer(AnonymizeOptions(), script, table, uid_map=UidMap())
    out = tmp_path / "out"
    out.mkdir()
    written = {}
    for path in study.all_paths:
        original = pydicom.dcmread(path, stop_before_pixels=True)
        target = anonymizer.anonymize_file(path, str(out))
        assert target is not None, anonymizer.report.refused
        written[str(original.SOPInstanceUID)] = (original, pydicom.dcmread(target))
    for original, new in written.values():
        assert (new.PatientID, str(new.PatientName)) == ("900", "900")  # @lookup of the original ID
        shifted = dt.datetime.strptime(original.StudyDate, "%Y%m%d") - dt.timedelta(days=10)
        assert new.StudyDate == shifted.strftime("%Y%m%d")  # @incrementdate(this,@DATEINC)
        assert new.StudyInstanceUID != original.StudyInstanceUID  # @hashuid
        assert new.ReferringPhysicianName == ""  # @empty
        assert new.SeriesDescription == original.SeriesDescription  # @keep over the profile
        assert "StudyDescription" not in new  # @remove
        assert new.PatientIdentityRemoved == "YES"  # @always()YES
        assert str(new.SeriesNumber) == ctp_hash(str(original.SeriesNumber), 4)
        if "SliceThickness" in original:
            assert new.SliceThickness == original.SliceThickness  # keep group 0018
    studies = {str(new.StudyInstanceUID) for _o, new in written.values()}
    assert len(studies) == 1  # one study stays one study
    plan = written[study.plan_uids[0]][1]
    structure_set = written[str(study.structure_set_uid)][1]
    referenced = plan.ReferencedStructureSetSequence[0].ReferencedSOPInstanceUID
    assert referenced == structure_set.SOPInstanceUID  # the plan still points at its RS


def test_a_lookup_miss_refuses_the_file_without_naming_the_value(tmp_path: Path) -> None:
    study = write_study(tmp_path / "in", StudySpec(patient_id="P2", slices=1, rows=4, columns=4))
    script_path, table_path = _files(tmp_path)
    anonymizer = ScriptedAnonymizer(
        AnonymizeOptions(), parse_script(script_path), parse_lookup_table(table_path)
    )
    out = tmp_path / "out"
    out.mkdir()
    assert anonymizer.anonymize_file(study.plan_paths[0], str(out)) is None
    reason = anonymizer.report.refused[0].reason
    assert "lookup table has no 'ptid/...' entry" in reason and "line 4 of anon.script" in reason
    assert "P2" not in reason
    assert not list(out.iterdir())


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("@if(this,isblank){@remove()}{x}", "the function '@if' is not supported"),
        ("@append(){CTP}", "the function '@append' is not supported"),
        ("@lookup(this,ptid)@keep()", "has text after '@lookup(...)'"),
        ("@incrementdate(this,@NOPE)", "parameter '@NOPE' is not defined"),
    ],
)
def test_rules_rtstation_does_not_honour_are_refused_with_their_line(
    tmp_path: Path, rule: str, message: str
) -> None:
    text = textwrap.dedent(
        f"""\
        <script>
         <p t="DATEINC">-3</p>
         <e en="T" t="00100020" n="PatientID">@keep()</e>
         <e en="T" t="00100010" n="PatientName">{rule}</e>
        </script>
        """
    )
    script_path, table_path = _files(tmp_path, text)
    with pytest.raises(ScriptError) as caught:
        check_references(parse_script(script_path), parse_lookup_table(table_path))
    assert str(caught.value).startswith("anon.script line 4: ")
    assert message in str(caught.value)


def test_a_lookup_table_line_that_is_not_a_property_is_named(tmp_path: Path) -> None:
    path = tmp_path / "lookup.properties"
    path.write_text("# comment\nptid/1 = 100\nnonsense\n", encoding="utf-8")
    with pytest.raises(ScriptError, match=r"lookup.properties line 3: 'nonsense' is not"):
        parse_lookup_table(path)
