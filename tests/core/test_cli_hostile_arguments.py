"""``rtstation`` given arguments a careless script or a hostile caller produces.

What this file proves: an empty path (an unset shell variable, ``import --clear "$DIR"``)
is refused by every command that takes one instead of meaning the current directory, so
nothing there is read, sent or deleted; a job number too large for SQLite is an unknown
job, not a traceback; a ``--config`` that is empty, a file, a device or under a file is
refused with one sentence naming it, before anything is written; and ``anonymize`` refuses
an output folder that contains its input instead of exiting 0 having anonymized nothing.
Each error is one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.data.generator import PlanSpec, StudySpec, write_study

HUGE = "99999999999999999999999"  # more than an SQLite INTEGER (2**63 - 1) holds


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    spec = StudySpec(
        patient_id="HOSTILE1",
        patient_name="Leer^Lea",
        slices=2,
        rows=8,
        columns=8,
        plans=(PlanSpec(label="HOSTILE"),),
    )
    return write_study(tmp_path / "export", spec).root


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes: what an unwanted run would change."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _one_line(err: str) -> str:
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    return err.strip()


# -- 1. an empty path is not the current directory ---------------------------------------


EMPTY_PATH_COMMANDS = {
    "import --clear": (["import", "--clear", ""], "rtstation import: path '' does not exist"),
    "send PATH": (["send", "--node", "ARCHIVE", ""], "rtstation send: path '' does not exist"),
    "store --path": (["store", "--path", "", "--dry-run"], "rtstation store: path ''"),
    "rules test --path": (["rules", "test", "--path", ""], "rtstation rules: path ''"),
    "batch": (["batch", ""], "rtstation batch: path '' does not exist"),
    "retrieve --path": (
        [
            "retrieve",
            "--path",
            "",
            "--patientId",
            "HOSTILE1",
            "--hostName",
            "127.0.0.1",
            "--hostPort",
            "1",
            "--callingAet",
            "US",
            "--calledAet",
            "THEM",
        ],
        "rtstation: --path is empty",
    ),
    "anonymize --out": (
        ["anonymize", "--path", ".", "--out", ""],
        "rtstation anonymize: --out is empty",
    ),
}


@pytest.mark.parametrize("name", list(EMPTY_PATH_COMMANDS))
def test_an_empty_path_is_refused_and_the_current_directory_left_alone(
    name: str,
    main_cli,
    study_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``cd export && rtstation import --clear "$UNSET"`` imported and deleted the export."""
    argv, message = EMPTY_PATH_COMMANDS[name]
    config = tmp_path / "cfg"
    monkeypatch.chdir(study_dir)
    before = _snapshot(study_dir)
    rc, _out, err = main_cli([*argv, "--config", str(config)])
    assert rc == 2
    assert _one_line(err).startswith(message)
    assert _snapshot(study_dir) == before  # nothing removed, nothing written beside it
    assert not config.exists()  # refused before the station was opened


# -- 2. a job number beyond SQLite is an unknown job -------------------------------------


@pytest.mark.parametrize("action", ["show", "retry", "cancel"])
def test_a_job_number_too_large_for_sqlite_is_an_unknown_job(
    action: str, main_cli, config_dir: Path
) -> None:
    rc_known, _, err_known = main_cli(["queue", action, "999", "--config", str(config_dir)])
    assert _one_line(err_known) == "rtstation: There is no job 999"
    rc, _out, err = main_cli(["queue", action, HUGE, "--config", str(config_dir)])
    assert _one_line(err) == f"rtstation: There is no job {HUGE}"
    assert rc == rc_known == 1


def test_a_limit_too_large_for_sqlite_lists_every_job(main_cli, config_dir: Path) -> None:
    rc, out, err = main_cli(["queue", "--limit", HUGE, "--config", str(config_dir)])
    assert (rc, out, err) == (0, "No send jobs.\n", "")


def test_an_unknown_job_state_is_a_usage_error_not_an_empty_list(main_cli, config_dir: Path):
    """Before: 'queue list --state bogus' printed "No send jobs." and exited 0."""
    with pytest.raises(SystemExit) as exited:
        main_cli(["queue", "list", "--state", "bogus", "--config", str(config_dir)])
    assert exited.value.code == 2


@pytest.mark.parametrize("dose", ["-5", "nan", "inf", "twenty"])
def test_a_vx_dose_that_is_no_dose_is_a_usage_error(main_cli, config_dir: Path, dose: str):
    """Before: --vx -5 and --vx nan were accepted and gave a column 'v-5gy_pct: 100.0'."""
    with pytest.raises(SystemExit) as exited:
        main_cli(["metrics", "--all", "--vx", dose, "--config", str(config_dir)])
    assert exited.value.code == 2


# -- 3. --config must be a folder or become one ------------------------------------------


def test_an_empty_config_is_refused_and_the_current_directory_left_empty(
    main_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--config ""`` wrote settings.ini, rules.ini, data/ and logs/ where it ran."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    for argv in (["queue"], ["config"], ["anonymize", "--path", ".", "--out", "../out"]):
        rc, _out, err = main_cli([*argv, "--config", ""])
        assert rc == 2, argv
        assert "The configuration folder '' is an empty name" in _one_line(err)
    assert list(here.iterdir()) == []
    assert not (tmp_path / "out").exists()


NOT_A_FOLDER = "is a file, not a folder: give the path of a folder"
UNDER_A_FILE = "cannot be created: '{base}/afile' is a file, not a folder"


@pytest.mark.parametrize(
    ("config", "cause"),
    [
        ("afile", NOT_A_FOLDER),
        ("afile/sub", UNDER_A_FILE),
        ("afile/sub/deeper", UNDER_A_FILE),
        ("/dev/null", NOT_A_FOLDER),
    ],
    ids=["file", "under-file", "deep-under-file", "dev-null"],
)
@pytest.mark.parametrize("command", ["queue", "config", "anonymize"])
def test_a_config_that_is_no_folder_is_named_with_the_cause(
    config: str, cause: str, command: str, main_cli, tmp_path: Path
) -> None:
    """These crashed in os.makedirs (FileExistsError, NotADirectoryError), and anonymize
    took a file as --config for a configuration without settings."""
    if config == "/dev/null" and not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null on this system")
    afile = tmp_path / "afile"
    afile.write_text("x\n", encoding="utf-8")
    argv = {
        "queue": ["queue"],
        "config": ["config"],
        "anonymize": ["anonymize", "--path", str(tmp_path), "--out", str(tmp_path / "o")],
    }[command]
    given = config if os.path.isabs(config) else str(tmp_path / config)
    rc, _out, err = main_cli([*argv, "--config", given])
    assert rc == 2
    expected = f"rtstation: The configuration folder '{given}' {cause.format(base=tmp_path)}"
    assert _one_line(err) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # nothing written
    assert afile.read_text(encoding="utf-8") == "x\n"


# -- 4. anonymize into a folder that contains the input ----------------------------------


@pytest.mark.parametrize("out", ["anp", "anp/in/..", "."])
def test_anonymize_refuses_an_output_folder_containing_the_input(
    out: str, main_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--path anp/in --out anp`` skipped every input as "output" and exited 0."""
    spec = StudySpec(patient_id="ANP1", slices=2, rows=8, columns=8, plans=(PlanSpec(),))
    write_study(tmp_path / "anp" / "in", spec)
    monkeypatch.chdir(tmp_path)
    before = _snapshot(tmp_path)
    rc, _stdout, err = main_cli(
        ["anonymize", "--config", "cfg", "--path", "anp/in", "--out", out, "--newPatientId", "X"]
    )
    assert rc == 2
    assert _one_line(err) == (
        f"rtstation anonymize: --out '{out}' contains the input 'anp/in': "
        "choose a folder outside it"
    )
    assert _snapshot(tmp_path) == before


def test_anonymize_refuses_an_output_link_to_a_folder_containing_the_input(
    main_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = StudySpec(patient_id="ANP2", slices=2, rows=8, columns=8, plans=(PlanSpec(),))
    write_study(tmp_path / "anp" / "in", spec)
    (tmp_path / "link").symlink_to(tmp_path / "anp", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    rc, _stdout, err = main_cli(["anonymize", "--path", "anp/in", "--out", "link"])
    assert rc == 2
    assert "--out 'link' contains the input 'anp/in'" in _one_line(err)


def test_anonymize_into_a_folder_inside_the_input_still_works(
    main_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refusal is for an output folder around the input, not one inside it."""
    spec = StudySpec(patient_id="ANP3", slices=2, rows=8, columns=8, plans=(PlanSpec(),))
    study = write_study(tmp_path / "in", spec)
    count = len(list(study.root.glob("*.dcm")))
    monkeypatch.chdir(tmp_path)
    rc, stdout, err = main_cli(
        ["anonymize", "--config", "cfg", "--path", "in", "--out", "in/anon", "--newPatientId", "X"]
    )
    assert rc == 0, err
    assert stdout.startswith(f"{count} file(s) anonymized")
