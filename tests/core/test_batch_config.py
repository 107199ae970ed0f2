"""Batch extraction files: pydicom-batch's own files load unchanged; every problem is named
with file, key, value and what was expected; CSV batches; the schedule window; the state
journal."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from rtstation.config.batch_config import load_batch_config
from rtstation.config.batch_elements import Element, ElementError, read_batch_csv
from rtstation.config.load import default_settings
from rtstation.errors import ConfigError
from rtstation.station.batch import BatchBusyError, prepare
from rtstation.station.batch.schedule import seconds_until_open
from rtstation.station.batch.state import DONE, RequestRecord, StateJournal

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "pydicom_batch"


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_pydicom_batch_c_find_sample_loads_unchanged() -> None:
    config = load_batch_config(SAMPLES / "sample-c-find-config.yml")
    assert (config.archive.host, config.archive.port, config.archive.ae_title) == (
        "172.29.144.1",
        4242,
        "ORTHANC",
    )
    assert (config.local.ae_title, config.local.port) == ("SAMPLE_AE", 4000)
    assert (config.kind, config.model, config.level) == ("c-find", "patient", "STUDY")
    keywords = [e.keyword for e in config.elements]
    # Tags are turned into keywords; the order of the file is kept.
    assert keywords[-4:] == [
        "ModalitiesInStudy",
        "NumberOfStudyRelatedInstances",
        "NumberOfStudyRelatedSeries",
        "StudyDescription",
    ]
    assert Element("QueryRetrieveLevel", "STUDY") in config.elements
    assert config.library_file == Path("/home/pascal/pydicom-batch/data/database-c-find.csv")
    assert config.batch_file == Path("/home/pascal/pydicom-batch/config/sample-c-find-batch.csv")


def test_pydicom_batch_c_move_sample_loads_unchanged() -> None:
    config = load_batch_config(SAMPLES / "sample-c-move-config.yml")
    assert (config.kind, config.level, config.threads, config.throttle_time) == (
        "c-move",
        "SERIES",
        8,
        0.0,
    )
    schedule = config.schedule
    assert schedule.enabled and schedule.timezone == "America/New_York"
    assert (schedule.start, schedule.end) == (dt.time(17, 13), dt.time(17, 15))
    anonymization = config.anonymization
    assert anonymization.enabled
    assert anonymization.script == Path(
        "/home/therlaup/DICOM-batch-export/config/sample-dicom-anonymizer.script"
    )
    assert config.directory_structure == ("PatientID", "StudyInstanceUID")
    assert (config.filename, config.decompress) == ("InstanceNumber", True)
    assert config.state_file == Path("/home/therlaup/DICOM-batch-export/data/batch-state.jsonl")


def test_unknown_keys_and_bad_values_are_all_named(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "move.yml",
        """\
        pacs: {hostname: archive, port: abc, aet: ORTHANC}
        request:
          type: c-moove
          thread: 4
          elements: [PatientIdd, QueryRetrieveLevel=SERIES]
        schedule: {start_time: '25:00', end_time: '06:00', timezone: Mars/Olympus}
        ouput: {directory: out}
        """,
    )
    with pytest.raises(ConfigError) as caught:
        load_batch_config(path)
    lines = str(caught.value).splitlines()
    assert "move.yml ouput '': unknown section 'ouput' (known: pacs, local, request, " in lines[0]
    assert "move.yml pacs.port 'abc': expected a port 1-65535" in lines
    assert any(
        line.startswith("move.yml request.thread '4': unknown key 'thread'") for line in lines
    )
    assert "move.yml request.type 'c-moove': expected c-find, c-move or c-get" in lines
    assert any(
        "request.elements" in line and "'PatientIdd' is not a DICOM keyword" in line
        for line in lines
    )
    assert "move.yml schedule.start_time '25:00': expected a time of day HH:MM" in lines
    assert any(
        line.startswith("move.yml schedule.timezone 'Mars/Olympus': expected a time zone")
        for line in lines
    )
    assert caught.value.file == str(path)


def test_unquoted_times_and_toml(tmp_path: Path) -> None:
    # YAML 1.1 reads an unquoted 17:13 as the number 1033; it means 17:13.
    yaml_file = _write(
        tmp_path / "find.yml",
        """\
        pacs: {node: ARCHIVE}
        request: {type: c-find, elements: [PatientID=P1, PatientName]}
        schedule: {start_time: 17:13, end_time: 6:05}
        output: {library_file: lib.csv}
        """,
    )
    config = load_batch_config(yaml_file)
    assert (config.schedule.start, config.schedule.end) == (dt.time(17, 13), dt.time(6, 5))
    assert config.library_file == tmp_path / "lib.csv"
    toml_file = _write(
        tmp_path / "find.toml",
        """\
        [pacs]
        node = "ARCHIVE"
        [request]
        type = "c-find"
        elements = ["PatientID=P1", "PatientName"]
        [schedule]
        start_time = "17:13"
        end_time = "06:05"
        [output]
        library_file = "lib.csv"
        """,
    )
    assert load_batch_config(toml_file).elements == config.elements


def test_a_node_that_settings_ini_lacks_is_named(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "find.yml",
        """\
        pacs: {node: ARCHIVE}
        request: {type: c-find, elements: [PatientID=P1]}
        output: {library_file: lib.csv}
        """,
    )
    with pytest.raises(ConfigError, match=r"find.yml pacs.node 'ARCHIVE': no node of that name"):
        prepare(load_batch_config(path), default_settings(str(tmp_path)))


def test_batch_csv_rows_become_requests(tmp_path: Path) -> None:
    _write(tmp_path / "rows.csv", "(0010,0020),StudyInstanceUID\nP1,1.2.3\n\nP2,1.2.4\nP1,1.2.3\n")
    path = _write(
        tmp_path / "move.yml",
        """\
        pacs: {hostname: archive, port: 104, aet: PACS}
        request:
          type: c-move
          elements_batch_file: rows.csv
          elements: [PatientID=ignored, QueryRetrieveLevel=STUDY]
        """,
    )
    plan = prepare(load_batch_config(path), default_settings(str(tmp_path)))
    # The row's PatientID replaces the common one; the repeated row is one request.
    assert [r.describe() for r in plan.requests] == [
        "PatientID=P1, StudyInstanceUID=1.2.3",
        "PatientID=P2, StudyInstanceUID=1.2.4",
    ]
    assert plan.requests[0].keys(with_returns=False) == {
        "PatientID": "P1",
        "StudyInstanceUID": "1.2.3",
    }


def test_batch_csv_problems_name_file_and_line(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.csv", "PatientID,StudyUID\nP1,1.2\n")
    with pytest.raises(ElementError, match=r"bad.csv line 1: column 'StudyUID' is not a DICOM"):
        read_batch_csv(bad)
    short = _write(tmp_path / "short.csv", "PatientID,StudyInstanceUID\nP1,1.2\nP2\n")
    with pytest.raises(ElementError, match=r"short.csv line 3: 1 value\(s\) for 2 column\(s\)"):
        read_batch_csv(short)


def test_the_sample_anonymizer_script_is_refused_before_a_request(tmp_path: Path) -> None:
    """pydicom-batch's script uses @hashdate (line 128), which rtstation does not honour."""
    for name in ("sample-dicom-anonymizer.script", "sample-lookup-table.properties"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    path = _write(
        tmp_path / "move.yml",
        """\
        pacs: {hostname: archive, port: 104, aet: PACS}
        request: {type: c-move, elements: [StudyInstanceUID=1.2.3, QueryRetrieveLevel=STUDY]}
        anonymization:
          enabled: true
          script: sample-dicom-anonymizer.script
          lookup_table: sample-lookup-table.properties
        """,
    )
    with pytest.raises(ConfigError) as caught:
        prepare(load_batch_config(path), default_settings(str(tmp_path)))
    assert str(caught.value).startswith(
        "sample-dicom-anonymizer.script line 128: the function '@hashdate' is not supported"
    )


def _schedule(start: str, end: str) -> object:
    from rtstation.config.batch_config import ScheduleSpec

    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return ScheduleSpec(True, dt.time(h1, m1), dt.time(h2, m2), "Europe/Berlin")


@pytest.mark.parametrize(
    ("now", "start", "end", "expected"),
    [
        ("12:00:00", "08:00", "17:00", 0.0),
        ("07:59:30", "08:00", "17:00", 30.0),
        ("17:00:00", "08:00", "17:00", 15 * 3600.0),
        ("23:30:00", "22:00", "06:00", 0.0),  # across midnight
        ("05:59:59", "22:00", "06:00", 0.0),
        ("06:00:00", "22:00", "06:00", 16 * 3600.0),
    ],
)
def test_schedule_window(now: str, start: str, end: str, expected: float) -> None:
    schedule = _schedule(start, end)
    zone = schedule.zone()  # type: ignore[attr-defined]
    hour, minute, second = map(int, now.split(":"))
    moment = dt.datetime(2026, 6, 1, hour, minute, second, tzinfo=zone)
    assert seconds_until_open(schedule, moment) == pytest.approx(expected)  # type: ignore[arg-type]


def test_state_journal_survives_a_torn_line_and_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "batch-state.jsonl"
    journal = StateJournal.open(path)
    journal.record(RequestRecord("a", DONE, 3, 100))
    with pytest.raises(BatchBusyError, match="Another batch run is using"):
        StateJournal.open(path)
    journal.close()
    with open(path, "ab") as handle:
        handle.write(b'{"key": "b", "sta')  # a power cut while writing
    again = StateJournal.open(path)
    try:
        assert again.is_done("a") and not again.is_done("b")
    finally:
        again.close()


EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "batch"


@pytest.mark.parametrize("name", ["find-studies.yaml", "move-series.yaml", "find-patients.toml"])
def test_the_examples_load_and_prepare(name: str, tmp_path: Path) -> None:
    from dataclasses import replace

    from rtstation.config.model import Node

    settings = replace(
        default_settings(str(tmp_path)),
        nodes=(Node(name="ARCHIVE", ae_title="VMSDBD", host="archive", port=104),),
    )
    plan = prepare(load_batch_config(EXAMPLES / name), settings)
    assert plan.requests
    if name == "move-series.yaml":
        assert plan.script is not None and plan.lookup_table
        assert plan.config.schedule.enabled and len(plan.requests) == 3


def test_cli_check_lists_the_requests_and_a_bad_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rtstation.cli.main import main

    config_dir = tmp_path / "config"
    assert (
        main(["--config", str(config_dir), "batch", str(EXAMPLES / "find-studies.yaml"), "--check"])
        == 0
    )
    out = capsys.readouterr().out
    assert "1: c-find STUDY PatientID=RT001" in out and "3 request(s); nothing was sent" in out
    bad = _write(
        tmp_path / "bad.yml",
        "pacs: {hostname: h, port: 104, aet: A}\nrequest: {type: c-find, threads: 0}\n",
    )
    assert main(["--config", str(config_dir), "batch", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yml request.threads '0': expected a whole number from 1 to 32" in err
    assert "bad.yml output.library_file '': missing: a C-FIND batch writes its matches there" in err


def test_progress_bar_shows_rate_and_eta() -> None:
    import io

    from rtstation.cli.cmd_batch import BatchProgress
    from rtstation.station.batch import BatchEvent

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = BatchProgress(4, stream)
    progress.started -= 60.0  # one request done after a minute
    progress(BatchEvent("done", 1, instances=10, bytes=2048))
    line = stream.getvalue().strip()
    assert "1/4" in line and "1.0/min" in line
    assert re.search(r"ETA 3 min 0\d s", line), line  # 3 requests left at one a minute
    assert "10 instance(s), 2.0 KB" in line
