"""Mistakes in settings.ini and rules.ini that used to pass ``rtstation config`` in silence.

A misspelt section (``[Reciever]``) or key (``prot = 104``) in settings.ini was dropped
without a word, so the station ran with the defaults while the user believed their values
were in force. Now each is a warning naming the file, the line, the section and the key,
saying it is ignored and, for a near miss, what was probably meant; the warnings reach
``rtstation config`` (and the start of serve and the GUI) the way rules.ini's do. The
samples of both DICOM RT Station dialects still load without any warning.

A rules.ini ``metrics_condition`` that cannot be parsed used to load, and the rule then
never matched. rtstation.config may not import the condition parser (rtstation.dicom is
an independent sibling layer), so loading takes the parser as ``check_condition`` and
reports an unreadable condition as a RuleError naming file, rule section and key, like a
bad regex; the entry points (``rtstation config``, serve, the GUI, the rules watcher) pass
it in, and the end-to-end test runs ``rtstation config``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from rtstation.cli.main import main as cli_main
from rtstation.config import load_rules, load_settings, load_station_config
from rtstation.config.templates import rules_template, settings_template
from rtstation.errors import RuleError
from rtstation.routing.rules import condition_problem
from tests.core.test_config_rules import OLD_CODE_RULES, SEED_RULES
from tests.core.test_config_settings import OLD_CODE_SETTINGS, SEED_SETTINGS


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def settings_warnings(tmp_path: Path, text: str) -> tuple[str, ...]:
    path = write(tmp_path / "settings.ini", text)
    return load_settings(path, data_dir=str(tmp_path / "data")).warnings


def run_config(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = cli_main(["--config", str(config), "config"])
    out, err = capsys.readouterr()
    return rc, out, err


# -- settings.ini: unknown sections and keys ---------------------------------------------

MISSPELT_RECEIVER = """[General]
language = en

[Reciever]
ae_title = MYSTATION
port = 104
"""


def test_misspelt_section_names_file_line_and_the_section_meant(tmp_path):
    assert settings_warnings(tmp_path, MISSPELT_RECEIVER) == (
        "settings.ini line 4: section [Reciever] is not used by rtstation, so its keys "
        "(ae_title, port) are ignored; did you mean [Receiver]?",
    )


def test_misspelt_section_reaches_rtstation_config(tmp_path, capsys):
    config = tmp_path / "station"
    write(config / "settings.ini", MISSPELT_RECEIVER)
    rc, out, err = run_config(config, capsys)
    assert rc == 0, err
    assert (
        "warning: settings.ini line 4: section [Reciever] is not used by rtstation, so its "
        "keys (ae_title, port) are ignored; did you mean [Receiver]?"
    ) in out.splitlines()
    assert "AE RTSTATION, port 11112" in out  # the values really are ignored


def test_a_long_ignored_section_lists_its_first_keys(tmp_path):
    text = "[Sned]\n" + "".join(f"key{n} = {n}\n" for n in range(1, 8))
    assert settings_warnings(tmp_path, text) == (
        "settings.ini line 1: section [Sned] is not used by rtstation, so its keys (key1, "
        "key2, key3, key4, key5 and 2 more) are ignored; did you mean [Send]?",
    )


def test_section_differing_in_case_and_by_a_letter_gets_the_known_spelling(tmp_path):
    (warning,) = settings_warnings(tmp_path, "[loging]\nlog_level = DEBUG\n")
    assert warning.endswith("; did you mean [Logging]?")


def test_unknown_key_names_file_line_section_and_the_key_meant(tmp_path):
    text = "[Receiver]\nae_title = MYSTATION\nprot = 104\n"
    assert settings_warnings(tmp_path, text) == (
        "settings.ini line 3 [Receiver]: unknown key 'prot' is ignored; did you mean 'port'?",
    )


def test_unknown_key_reaches_rtstation_config(tmp_path, capsys):
    config = tmp_path / "station"
    write(config / "settings.ini", "[Receiver]\nae_title = MYSTATION\nprot = 104\n")
    rc, out, err = run_config(config, capsys)
    assert rc == 0, err
    assert (
        "warning: settings.ini line 3 [Receiver]: unknown key 'prot' is ignored; did you "
        "mean 'port'?"
    ) in out.splitlines()


def test_key_in_the_wrong_section_names_the_right_one(tmp_path):
    assert settings_warnings(tmp_path, "[General]\n\nsettle_seconds = 5\n") == (
        "settings.ini line 3 [General]: unknown key 'settle_seconds' is ignored; rtstation "
        "reads it from [Receiver]",
    )


def test_unknown_key_of_a_node_section_is_a_warning_with_its_line(tmp_path):
    text = "[Node:QA]\nae_title = QA\nip = qa.example.org\nport = 104\nenabeld = False\n"
    assert settings_warnings(tmp_path, text) == (
        "settings.ini line 5 [Node:QA]: unknown key 'enabeld' is ignored; did you mean 'enabled'?",
    )


def test_a_section_that_looks_like_a_node_says_how_nodes_are_written(tmp_path):
    (warning,) = settings_warnings(tmp_path, "[Node_1]\nae_title = QA\n")
    assert warning == (
        "settings.ini line 1: section [Node_1] is not used by rtstation, so its keys "
        "(ae_title) are ignored; a node section is written [Node1], [DicomNode1] or "
        "[Node:NAME]"
    )


def test_two_spellings_that_disagree_are_a_warning_too(tmp_path):
    text = "[General]\nwatch_folder = a\nreceivedplansfolder = b\n"
    (warning,) = settings_warnings(tmp_path, text)
    assert warning == (
        "settings.ini [General] receivedplansfolder 'b' is ignored: [General] watch_folder "
        "'a' is used instead"
    )


def test_warnings_are_logged_too(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="rtstation.config"):
        settings_warnings(tmp_path, "[Receiver]\nprot = 104\n")
    assert "unknown key 'prot' is ignored" in caplog.text


def test_warnings_do_not_change_what_settings_compare_equal_to(tmp_path):
    path = write(tmp_path / "a" / "settings.ini", "[Receiver]\nport = 104\n")
    noisy = write(tmp_path / "b" / "settings.ini", "[Receiver]\nport = 104\nprot = 1\n")
    a = load_settings(path, data_dir=str(tmp_path / "data"))
    b = load_settings(noisy, data_dir=str(tmp_path / "data"))
    assert b.warnings and not a.warnings
    assert a == b


@pytest.mark.parametrize(
    "text",
    [SEED_SETTINGS, OLD_CODE_SETTINGS, settings_template()],
    ids=["seed-readme", "old-code", "our-template"],
)
def test_both_dialects_and_our_template_load_without_warnings(tmp_path, caplog, text):
    with caplog.at_level(logging.WARNING, logger="rtstation.config"):
        assert settings_warnings(tmp_path, text) == ()
    assert caplog.text == ""


def test_old_code_fallback_file_loads_without_warnings(tmp_path):
    """The old station's code, when it found no file, wrote [General] ReceivePort (which
    it never read) and capitalised keys; that file must not earn warnings."""
    text = (
        "[General]\nReceivePort = 1334\n\n[LocalNode]\nAET = DICOM-RT-KAFFEE\n"
        "ReceivePort = 1334\n\n[DicomNode1]\nName = BL_IMPORT_ARC\nAET = BL_IMPORT_ARC\n"
        "IP = 10.23.112.2\nPort = 104\nEnabled = True\n"
    )
    assert settings_warnings(tmp_path, text) == ()


# -- rules.ini: metrics_condition --------------------------------------------------------


NODES = "[Node1]\nname = QA\nae_title = QA\nip = 127.0.0.1\nport = 104\n"


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        ("dmax > 3", "unknown field 'dmax'"),
        ("dmax_gy >", "expected a value after '>', found the end"),
        ("label contains", "expected a value after 'contains', found the end"),
    ],
)
def test_unreadable_metrics_condition_is_a_rule_error(tmp_path, condition, reason):
    settings = load_settings(write(tmp_path / "settings.ini", NODES), data_dir=str(tmp_path))
    rules = write(
        tmp_path / "rules.ini",
        f"[Rule1]\ntarget_nodes = QA\n\n[Rule:Boost]\ntarget_nodes = QA\n"
        f"metrics_condition = {condition}\n",
    )
    with pytest.raises(RuleError) as info:
        load_rules(rules, settings, check_condition=condition_problem)
    message = str(info.value)
    assert message.startswith(f"rules.ini [Rule:Boost] metrics_condition '{condition}': ")
    assert reason in message
    assert "filter '" not in message
    error = info.value
    assert (error.file, error.section, error.key, error.value) == (
        "rules.ini",
        "Rule:Boost",
        "metrics_condition",
        condition,
    )


def test_unreadable_metrics_condition_message_in_full(tmp_path):
    settings = load_settings(write(tmp_path / "settings.ini", NODES), data_dir=str(tmp_path))
    rules = write(
        tmp_path / "rules.ini", "[Rule1]\ntarget_nodes = QA\nmetrics_condition = dmax_gy >\n"
    )
    message = (
        "rules.ini [Rule1] metrics_condition 'dmax_gy >': expected a value after '>', found "
        "the end at character 10"
    )
    with pytest.raises(RuleError, match=f"^{re.escape(message)}$"):
        load_rules(rules, settings, check_condition=condition_problem)


def test_without_a_check_the_condition_is_left_to_the_caller(tmp_path):
    """``load_rules`` alone cannot parse conditions (layers): it must not refuse them."""
    settings = load_settings(write(tmp_path / "settings.ini", NODES), data_dir=str(tmp_path))
    rules = write(tmp_path / "rules.ini", "[Rule1]\ntarget_nodes = QA\nmetrics_condition = x >\n")
    assert load_rules(rules, settings).rules[0].metrics_condition == "x >"


def test_readable_metrics_condition_loads(tmp_path):
    settings = load_settings(write(tmp_path / "settings.ini", NODES), data_dir=str(tmp_path))
    rules = write(
        tmp_path / "rules.ini",
        "[Rule1]\ntarget_nodes = QA\nmetrics_condition = dmax_gy <= 1.1 * prescription_gy\n",
    )
    loaded = load_rules(rules, settings, check_condition=condition_problem)
    assert loaded.rules[0].metrics_condition == "dmax_gy <= 1.1 * prescription_gy"
    assert loaded.warnings == ()


def test_a_disabled_rule_with_an_unreadable_condition_is_still_an_error(tmp_path):
    """Unlike an unknown target node, a bad condition is a wrong value: enabling the rule
    later would make it silently match nothing, so it is refused either way."""
    settings = load_settings(write(tmp_path / "settings.ini", NODES), data_dir=str(tmp_path))
    rules = write(
        tmp_path / "rules.ini",
        "[Rule1]\nenabled = False\ntarget_nodes = QA\nmetrics_condition = dmax > 3\n",
    )
    with pytest.raises(RuleError, match=re.escape("rules.ini [Rule1] metrics_condition")):
        load_rules(rules, settings, check_condition=condition_problem)


def test_load_station_config_passes_the_check_on(tmp_path):
    config = tmp_path / "station"
    write(config / "settings.ini", NODES)
    write(config / "rules.ini", "[Rule1]\ntarget_nodes = QA\nmetrics_condition = dmax_gy >\n")
    with pytest.raises(RuleError, match=re.escape("rules.ini [Rule1] metrics_condition")):
        load_station_config(config, check_condition=condition_problem)


@pytest.mark.parametrize("text", [SEED_RULES, OLD_CODE_RULES, rules_template()])
def test_rule_samples_still_load_with_the_check(tmp_path, text):
    settings = load_settings(
        write(tmp_path / "settings.ini", NODES.replace("QA", "ORGANO")), data_dir=str(tmp_path)
    )
    load_rules(write(tmp_path / "rules.ini", text), settings, check_condition=condition_problem)


def test_unreadable_metrics_condition_fails_rtstation_config(tmp_path, capsys):
    config = tmp_path / "station"
    write(config / "settings.ini", NODES)
    write(config / "rules.ini", "[Rule1]\ntarget_nodes = QA\nmetrics_condition = dmax > 3\n")
    rc, out, err = run_config(config, capsys)
    assert rc == 2
    assert "configuration is valid" not in out
    assert err.startswith("rtstation: rules.ini [Rule1] metrics_condition 'dmax > 3': ")
