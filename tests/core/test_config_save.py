"""Saving edits the user's files in place: comments, old key names and unknown sections stay."""

from __future__ import annotations

import dataclasses
import os
import re
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rtstation.config import (
    AllowedCaller,
    Node,
    Rule,
    RulesConfig,
    default_settings,
    ini,
    load_rules,
    load_settings,
    save_rules,
    save_settings,
)
from rtstation.config.atomic import write_atomic
from rtstation.errors import ConfigError, RuleError
from tests.core.test_config_rules import OLD_CODE_RULES, SEED_RULES
from tests.core.test_config_settings import OLD_CODE_SETTINGS, SEED_SETTINGS

USER_SETTINGS = """# Station in bunker 3 - ask Anna before changing anything!
[General]
watch_folder = plans        ; relative to this file
import_folder = d:\\import
clear_import_folder_after_import = yes

[Receiver]
ae_title = DICOM-RT-STATION              # Your application's AE title
port = 11112                             # Port for receiving DICOM connections

[Plugins]
# not ours: must survive every save
dose_checker = c:\\tools\\check.exe --fast

[Logging]
log_level = 20
verbose_info_logging = True
theme = dark

# The planning system
[Node1]
name = ORGANO
enabled = True
ae_title = ORGANO
ip = 192.168.1.100
port = 104
called_ae_title = ORGANO
calling_ae_title = DICOM-RT-STATION

# QA system, retired 2024
[Node2]
name = QA
enabled = False
ae_title = QA_SCP
ip = 192.168.1.101
port = 104

[Node3]
name = ARCHIVE
ae_title = ARCHIVE
ip = archive.local
port = 11112
"""


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.fixture
def data_dir(tmp_path) -> str:
    return str(tmp_path / "data")


def test_unchanged_save_leaves_the_seed_file_byte_identical(tmp_path, data_dir):
    for text in (SEED_SETTINGS, OLD_CODE_SETTINGS, USER_SETTINGS):
        path = write(tmp_path / "settings.ini", text)
        settings = load_settings(path, data_dir=data_dir)
        assert save_settings(settings, path, data_dir=data_dir) == settings
        assert path.read_text(encoding="utf-8") == text


def test_unchanged_rules_save_is_byte_identical(tmp_path):
    nodes = tuple(
        Node(name, name, "h", 104, section=f"Node{i}") for i, name in enumerate(("ORGANO", "QA"), 1)
    )
    settings = dataclasses.replace(default_settings("data"), nodes=nodes)
    for text in (SEED_RULES, OLD_CODE_RULES):
        path = write(tmp_path / "rules.ini", text)
        config = load_rules(path, settings)
        assert save_rules(config, path) == config
        assert path.read_text(encoding="utf-8") == text


def test_changed_values_keep_comments_unknown_sections_and_spelling(tmp_path, data_dir):
    path = write(tmp_path / "settings.ini", USER_SETTINGS)
    settings = load_settings(path, data_dir=data_dir)
    changed = dataclasses.replace(
        settings,
        port=104,
        clear_import_folder_after_import=False,
        log_level="DEBUG",
        language="de",
        allowed_calling_aes=(AllowedCaller("FOLLOW"), AllowedCaller("ECLIPSE", "10.0.0.5")),
        nodes=(
            dataclasses.replace(settings.nodes[0], ae_title="ORGANO2", port=105),
            *settings.nodes[1:],
        ),
    )
    saved = save_settings(changed, path, data_dir=data_dir)

    assert saved == changed
    assert load_settings(path, data_dir=data_dir) == changed
    text = path.read_text(encoding="utf-8")
    assert "# Station in bunker 3 - ask Anna before changing anything!" in text
    assert "dose_checker = c:\\tools\\check.exe --fast" in text
    assert "theme = dark" in text
    assert "# QA system, retired 2024" in text
    # in place, inline comment kept at its column
    assert "port = 104                               # Port for receiving DICOM connections" in text
    assert (
        "watch_folder = plans        ; relative to this file" in text
    )  # unchanged: still relative
    assert "clear_import_folder_after_import = no\n" in text  # the file's yes/no style
    assert "log_level = 10\n" in text  # numeric stays numeric
    assert "[General]\nwatch_folder" in text
    assert "language = de" in text.split("[Receiver]")[0]  # added to its own section
    assert "allowed_calling_aes = FOLLOW, ECLIPSE@10.0.0.5" in text
    # both spellings of the peer's AE title follow the change
    node1 = text.split("[Node1]")[1].split("[Node2]")[0]
    assert "ae_title = ORGANO2" in node1 and "called_ae_title = ORGANO2" in node1
    assert "port = 105" in node1


def test_old_code_dialect_keeps_its_keys(tmp_path, data_dir):
    path = write(tmp_path / "settings.ini", OLD_CODE_SETTINGS)
    settings = load_settings(path, data_dir=data_dir)
    new_node = Node("PACS", "PACS_AE", "10.0.0.50", 104, calling_ae="STATION_B")
    changed = dataclasses.replace(
        settings,
        ae_title="NEW_STATION",
        port=11113,
        auto_start_receiver=False,
        log_level="WARNING",
        nodes=(*settings.nodes, new_node),
    )
    saved = save_settings(changed, path, data_dir=data_dir)

    assert saved.nodes[-1].section == "DicomNode4"
    assert load_settings(path, data_dir=data_dir) == saved
    text = path.read_text(encoding="utf-8")
    assert "[LocalNode]\naet = NEW_STATION\nreceiveport = 11113\n" in text
    assert "[Receiver]" not in text
    assert "[General]\nreceivedplansfolder = g:\\Data\\received_plans\n" in text
    assert "watch_folder" not in text
    assert "auto_start_receiver = False" in text.split("[LocalNode]")[0]
    assert "log_level = 30" in text
    assert text.endswith(
        "[DicomNode4]\nname = PACS\nenabled = True\naet = PACS_AE\nip = 10.0.0.50\nport = 104\n"
        "calling_ae_title = STATION_B\n"
    )


def test_new_node_in_readme_dialect(tmp_path, data_dir):
    path = write(tmp_path / "settings.ini", SEED_SETTINGS)
    settings = load_settings(path, data_dir=data_dir)
    qa = Node("QA", "QA_SCP", "qa.local", 11112, tls=True, max_associations=2)
    saved = save_settings(
        dataclasses.replace(settings, nodes=(*settings.nodes, qa)), path, data_dir=data_dir
    )
    assert saved.nodes[1].section == "Node2"
    assert load_settings(path, data_dir=data_dir) == saved
    assert path.read_text(encoding="utf-8").endswith(
        "\n\n[Node2]\nname = QA\nenabled = True\nae_title = QA_SCP\nip = qa.local\nport = 11112\n"
        "calling_ae_title =\nmax_associations = 2\ntls = True\n"
    )


def test_removed_node_takes_its_comment_block_along(tmp_path, data_dir):
    path = write(tmp_path / "settings.ini", USER_SETTINGS)
    settings = load_settings(path, data_dir=data_dir)
    without_qa = dataclasses.replace(settings, nodes=(settings.nodes[0], settings.nodes[2]))
    save_settings(without_qa, path, data_dir=data_dir)

    text = path.read_text(encoding="utf-8")
    assert "[Node2]" not in text and "retired 2024" not in text
    assert "# The planning system\n[Node1]" in text
    assert "\n\n\n" not in text
    assert load_settings(path, data_dir=data_dir) == without_qa


def test_reordered_nodes_are_renumbered(tmp_path, data_dir):
    path = write(tmp_path / "settings.ini", USER_SETTINGS)
    settings = load_settings(path, data_dir=data_dir)
    reordered = dataclasses.replace(settings, nodes=tuple(reversed(settings.nodes)))
    saved = save_settings(reordered, path, data_dir=data_dir)

    assert [node.section for node in saved.nodes] == ["Node1", "Node2", "Node3"]
    assert [node.name for node in saved.nodes] == ["ARCHIVE", "QA", "ORGANO"]
    assert load_settings(path, data_dir=data_dir) == saved
    assert "# The planning system" in path.read_text(encoding="utf-8")


def test_new_file_starts_from_the_commented_template(tmp_path, data_dir):
    path = tmp_path / "fresh" / "settings.ini"  # the folder does not exist yet either
    settings = dataclasses.replace(
        default_settings(data_dir),
        port=4242,
        nodes=(Node("ORGANO", "ORGANO", "10.0.0.1", 104),),
    )
    saved = save_settings(settings, path, data_dir=data_dir)
    assert load_settings(path, data_dir=data_dir) == saved
    text = path.read_text(encoding="utf-8")
    assert "# TCP port the DICOM receiver listens on" in text
    assert "port = 4242\n" in text
    assert "watch_folder =\n" in text  # default folder: left empty, so it follows data_dir
    assert "[Node1]\nname = ORGANO\n" in text


def test_a_save_classifies_the_lines_again_only_after_an_edit(tmp_path, data_dir, monkeypatch):
    """The commented template has about 240 lines and a save looks keys up about 150
    times; classifying every line again for each lookup made one save take 28-50 ms.
    The classification is now redone only when the lines changed since the last one."""
    path = tmp_path / "settings.ini"
    saved = save_settings(default_settings(data_dir), path, data_dir=data_dir)
    scans = []
    real_scan = ini.scan_lines
    monkeypatch.setattr(ini, "scan_lines", lambda lines: scans.append(1) or real_scan(lines))
    save_settings(saved, path, data_dir=data_dir)
    unchanged = len(scans)
    scans.clear()
    save_settings(dataclasses.replace(saved, port=4243), path, data_dir=data_dir)
    assert unchanged <= 2, unchanged  # 41 before the classification was kept
    assert len(scans) <= unchanged + 1, len(scans)  # one edit: one more classification
    assert "port = 4243\n" in path.read_text(encoding="utf-8")


def test_rules_round_trip_with_additions_and_removals(tmp_path):
    nodes = tuple(
        Node(n, n, "h", 104, section=f"Node{i}") for i, n in enumerate(("ORGANO", "QA"), 1)
    )
    settings = dataclasses.replace(default_settings("data"), nodes=nodes)
    path = write(tmp_path / "rules.ini", "# my rules\n" + SEED_RULES + "\n[Extra]\nkeep = me\n")
    config = load_rules(path, settings)
    curative = Rule(
        name="Curative",
        source_aes=("*",),
        target_nodes=("QA", "ORGANO"),
        plan_label_exclude="TEST",
        plan_label_regex=r"^ADP_\d+$",
        approved_only=True,
        plan_intents=("CURATIVE",),
        required_modalities=("RTDOSE",),
        machine_mapping=(("TrueBeam1", "TB1"), ("Halcyon 2", "HAL2")),
        anonymize=True,
    )
    changed = RulesConfig(
        rules_enabled=False,
        rules=(dataclasses.replace(config.rules[1], plan_label_match="HIST"), curative),
    )
    saved = save_rules(changed, path, settings=settings)

    reloaded = load_rules(path, settings)
    assert reloaded.rules == saved.rules
    assert reloaded.rules_enabled is False
    assert [rule.section for rule in saved.rules] == ["Rule2", "Rule3"]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# my rules\n")
    assert "[Extra]\nkeep = me" in text
    assert "Ethos ADP Plans" not in text
    assert "[General]\nrules_enabled = False" in text


def test_save_rules_refuses_an_enabled_rule_with_an_unknown_node(tmp_path):
    settings = default_settings("data")
    path = write(tmp_path / "rules.ini", "# keep\n")
    rules = RulesConfig(rules=(Rule(name="x", target_nodes=("GHOST",)),))
    with pytest.raises(RuleError, match=re.escape("no node named 'GHOST' in settings.ini")):
        save_rules(rules, path, settings=settings)
    assert path.read_text(encoding="utf-8") == "# keep\n"


def test_value_that_would_read_back_as_a_comment_is_refused(tmp_path):
    path = tmp_path / "rules.ini"
    rules = RulesConfig(rules=(Rule(name="x", plan_label_match="ADP #2"),))
    message = "rules.ini [Rule1] plan_label_match 'ADP #2': cannot be saved: '#' or ';'"
    with pytest.raises(RuleError, match=re.escape(message)):
        save_rules(rules, path)
    assert not path.exists()


def test_invalid_settings_are_not_written(tmp_path, data_dir):
    path = write(tmp_path / "settings.ini", SEED_SETTINGS)
    bad = dataclasses.replace(load_settings(path, data_dir=data_dir), port=70000)
    with pytest.raises(ConfigError, match="must be a whole number from 1 to 65535"):
        save_settings(bad, path, data_dir=data_dir)
    node = Node("TPS", "RADIOTHERAPY_PLANNING", "h", 104)
    with pytest.raises(ConfigError, match="ae_title 'RADIOTHERAPY_PLANNING': must not exceed"):
        save_settings(dataclasses.replace(bad, port=104, nodes=(node,)), path, data_dir=data_dir)
    twins = (Node("QA", "A", "h", 1), Node("qa", "B", "h", 2))
    with pytest.raises(ConfigError, match="another node is already called 'qa'"):
        save_settings(dataclasses.replace(bad, port=104, nodes=twins), path, data_dir=data_dir)
    assert path.read_text(encoding="utf-8") == SEED_SETTINGS


def test_atomic_write_leaves_no_temporary_file(tmp_path, data_dir):
    path = write(tmp_path / "settings.ini", SEED_SETTINGS)
    settings = load_settings(path, data_dir=data_dir)
    save_settings(dataclasses.replace(settings, port=4000), path, data_dir=data_dir)
    assert sorted(os.listdir(tmp_path)) == ["settings.ini"]


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = write(tmp_path / "settings.ini", SEED_SETTINGS)

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ConfigError, match=r"settings.ini could not be saved \(Permission denied\)"):
        write_atomic(path, "[General]\n")
    assert path.read_text(encoding="utf-8") == SEED_SETTINGS
    assert os.listdir(tmp_path) == ["settings.ini"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_save_keeps_the_file_mode(tmp_path, data_dir):
    path = write(tmp_path / "settings.ini", SEED_SETTINGS)
    path.chmod(0o640)
    save_settings(
        dataclasses.replace(load_settings(path, data_dir=data_dir), port=4000),
        path,
        data_dir=data_dir,
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_crlf_and_encoding_are_kept(tmp_path, data_dir):
    """A file saved by Windows Notepad as ANSI with CRLF stays ANSI with CRLF."""
    path = tmp_path / "settings.ini"
    text = SEED_SETTINGS.replace("name = ORGANO", "name = GERÄT").replace("\n", "\r\n")
    path.write_bytes(text.encode("cp1252"))
    settings = load_settings(path, data_dir=data_dir)
    assert settings.nodes[0].name == "GERÄT"
    save_settings(dataclasses.replace(settings, port=4000), path, data_dir=data_dir)
    data = path.read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert "name = GERÄT".encode("cp1252") in data
    assert load_settings(path, data_dir=data_dir).port == 4000


def test_continuation_lines_are_replaced_with_the_value(tmp_path, data_dir):
    text = "[Receiver]\nallowed_calling_aes = FOLLOW,\n    ECLIPSE\nport = 104\n"
    path = write(tmp_path / "settings.ini", text)
    settings = load_settings(path, data_dir=data_dir)
    assert settings.allowed_calling_aes == (AllowedCaller("FOLLOW"), AllowedCaller("ECLIPSE"))
    changed = dataclasses.replace(settings, allowed_calling_aes=(AllowedCaller("X"),))
    save_settings(changed, path, data_dir=data_dir)
    assert path.read_text(encoding="utf-8") == "[Receiver]\nallowed_calling_aes = X\nport = 104\n"


_AE = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=1, max_size=16)


@st.composite
def _nodes(draw):
    names = draw(
        st.lists(
            st.from_regex(r"[A-Za-z][A-Za-z0-9 _-]{0,10}[A-Za-z0-9]", fullmatch=True),
            max_size=8,
            unique_by=str.casefold,
        )
    )
    return tuple(
        Node(
            name=name,
            ae_title=draw(_AE),
            host=draw(st.sampled_from(["10.0.0.1", "pacs.local", "::1"])),
            port=draw(st.integers(1, 65535)),
            calling_ae=draw(st.one_of(st.just(""), _AE)),
            enabled=draw(st.booleans()),
            max_associations=draw(st.integers(1, 64)),
            tls=draw(st.booleans()),
        )
        for name in names
    )


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=_nodes(), second=_nodes(), port=st.integers(1, 65535))
def test_any_sequence_of_saves_round_trips(tmp_path, first, second, port):
    """Save one node list, then another over it: loading always gives what was saved."""
    path = write(tmp_path / "settings.ini", USER_SETTINGS)
    data_dir = str(tmp_path / "data")
    base = load_settings(path, data_dir=data_dir)
    for nodes in (first, second):
        saved = save_settings(
            dataclasses.replace(base, nodes=nodes, port=port), path, data_dir=data_dir
        )
        assert load_settings(path, data_dir=data_dir) == saved
        base = saved
    assert "dose_checker" in path.read_text(encoding="utf-8")
