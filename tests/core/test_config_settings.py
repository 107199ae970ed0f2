"""settings.ini loading: both DICOM RT Station dialects, our keys, errors, paths, serve flags."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import re
from pathlib import Path

import pytest

from rtstation.cli import cmd_serve
from rtstation.cli.main import build_parser
from rtstation.cli.main import main as cli_main
from rtstation.config import (
    AllowedCaller,
    ConfigPaths,
    Node,
    RulesConfig,
    Settings,
    default_paths,
    default_settings,
    ensure_default_files,
    load_rules,
    load_settings,
    validate_ae_title,
    validate_bool_text,
    validate_host,
    validate_log_level,
    validate_node_name,
    validate_port,
    validate_regex,
)
from rtstation.config.fields import NODE_FIELDS, SETTINGS_FIELDS
from rtstation.config.templates import settings_template
from rtstation.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]

# The DICOM RT Station README's examples, verbatim (inline comments, Windows paths).
SEED_SETTINGS = r"""[General]
watch_folder = d:\received_plans          # Where received plans are stored
import_folder = d:\import                  # Folder for manual import processing
clear_import_folder_after_import = True   # Auto-delete import folder after processing

[Receiver]
ae_title = DICOM-RT-STATION              # Your application's AE title
port = 11112                             # Port for receiving DICOM connections

[Logging]
verbose_info_logging = True              # Enable detailed status logging

[Node1]
name = ORGANO
enabled = True
ae_title = ORGANO
ip = 192.168.1.100
port = 104
called_ae_title = ORGANO
calling_ae_title = DICOM-RT-STATION
"""

# What the DICOM RT Station's own code writes (settings_manager.py spelling).
OLD_CODE_SETTINGS = r"""[General]
receivedplansfolder = g:\Data\received_plans
importfolder = g:\Data\import
auto_start_receiver = True
clear_import_folder_after_import = False

[LocalNode]
aet = DICOM-RT-STATION
receiveport = 11112

[DicomNode1]
name = ARIA
aet = VMSDBD
ip = 10.0.0.20
port = 105
enabled = True

[DicomNode2]
name = MOBIUS
aet = MOBIUS3D
ip = 10.0.0.31
port = 104
enabled = False

[DicomNode3]
name =
aet =
ip =
port =
enabled = False

[SendOptions]
delete_after_send = True

[Logging]
log_level = 20
verbose_info_logging = False
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def load_text(tmp_path: Path, text: str) -> Settings:
    return load_settings(write(tmp_path, "settings.ini", text), data_dir=str(tmp_path / "data"))


# -- the two dialects -------------------------------------------------------------------


def test_seed_readme_settings_load_unchanged(tmp_path):
    settings = load_text(tmp_path, SEED_SETTINGS)

    assert settings.storage_folder == "d:\\received_plans"
    assert settings.import_folder == "d:\\import"
    assert settings.clear_import_folder_after_import is True
    assert settings.ae_title == "DICOM-RT-STATION"
    assert settings.port == 11112
    assert settings.verbose_info_logging is True
    assert settings.nodes == (
        Node(
            name="ORGANO",
            ae_title="ORGANO",
            host="192.168.1.100",
            port=104,
            calling_ae="DICOM-RT-STATION",
            enabled=True,
            section="Node1",
        ),
    )
    # keys the README does not have take their defaults
    assert settings.log_level == "INFO"
    assert settings.max_send_attempts == 8
    assert settings.allowed_calling_aes == ()


def test_windows_paths_keep_their_backslashes(tmp_path):
    settings = load_text(
        tmp_path,
        "[General]\nwatch_folder = g:\\Data\\received_plans\nimport_folder = \\\\srv\\share\\in\n",
    )
    assert settings.storage_folder == r"g:\Data\received_plans"
    assert settings.import_folder == r"\\srv\share\in"


def test_old_code_dialect_loads_unchanged(tmp_path):
    settings = load_text(tmp_path, OLD_CODE_SETTINGS)

    assert settings.storage_folder == r"g:\Data\received_plans"
    assert settings.import_folder == r"g:\Data\import"
    assert settings.auto_start_receiver is True
    assert settings.ae_title == "DICOM-RT-STATION"
    assert settings.port == 11112
    assert settings.delete_after_send is True
    assert settings.log_level == "INFO"
    assert [node.name for node in settings.nodes] == ["ARIA", "MOBIUS", "DicomNode3"]
    aria = settings.node("aria")
    assert aria == Node(
        name="ARIA", ae_title="VMSDBD", host="10.0.0.20", port=105, section="DicomNode1"
    )
    placeholder = settings.nodes[2]
    assert (placeholder.enabled, placeholder.ae_title, placeholder.host) == (False, "", "")
    assert placeholder.port == 104
    assert settings.enabled_nodes == (aria,)


@pytest.mark.parametrize(
    ("number", "name"), [("10", "DEBUG"), ("20", "INFO"), ("30", "WARNING"), ("50", "CRITICAL")]
)
def test_numeric_log_level_maps_to_name(tmp_path, number, name):
    settings = load_text(tmp_path, f"[Logging]\nlog_level = {number}\n")
    assert settings.log_level == name


def test_log_level_names_ignore_case(tmp_path):
    assert load_text(tmp_path, "[Logging]\nlog_level = warning\n").log_level == "WARNING"


def test_our_additive_keys(tmp_path):
    settings = load_text(
        tmp_path,
        """[General]
language = de
[Receiver]
allow_list_enabled = yes
allowed_calling_aes = FOLLOW, ECLIPSE@127.0.0.1
min_free_space_mb = 2000
settle_seconds = 12.5
auto_start_receiver = on
[Send]
max_attempts = 3
retry_base_seconds = 2
retry_max_seconds = 60
""",
    )
    assert settings.language == "de"
    assert settings.allow_list_enabled is True
    assert settings.allowed_calling_aes == (
        AllowedCaller("FOLLOW"),
        AllowedCaller("ECLIPSE", "127.0.0.1"),
    )
    assert settings.min_free_space_mb == 2000
    assert settings.settle_seconds == 12.5
    assert settings.auto_start_receiver is True
    assert (settings.max_send_attempts, settings.retry_base_seconds) == (3, 2.0)
    assert settings.retry_max_seconds == 60.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("True", True),
        ("false", False),
        ("YES", True),
        ("no", False),
        ("1", True),
        ("0", False),
        ("On", True),
        ("off", False),
    ],
)
def test_booleans_in_any_spelling(tmp_path, text, expected):
    settings = load_text(tmp_path, f"[Logging]\nverbose_info_logging = {text}\n")
    assert settings.verbose_info_logging is expected


def test_missing_file_gives_defaults(tmp_path):
    data = str(tmp_path / "data")
    settings = load_settings(tmp_path / "nope.ini", data_dir=data)
    assert settings == default_settings(data)
    assert settings.storage_folder == os.path.join(data, "received_plans")
    assert settings.import_folder == os.path.join(data, "import")
    assert (settings.ae_title, settings.port, settings.nodes) == ("RTSTATION", 11112, ())


def test_relative_folders_resolve_against_the_config_dir(tmp_path):
    settings = load_text(tmp_path, "[General]\nwatch_folder = plans\nimport_folder = ../in\n")
    assert settings.storage_folder == str(tmp_path / "plans")
    assert settings.import_folder == str(tmp_path.parent / "in")


def test_empty_folder_means_default(tmp_path):
    settings = load_text(tmp_path, "[General]\nwatch_folder =\n")
    assert settings.storage_folder == str(tmp_path / "data" / "received_plans")


def test_section_and_key_names_ignore_case(tmp_path):
    settings = load_text(tmp_path, "[receiver]\nAE_Title = MYSTATION\nPORT = 4242\n")
    assert (settings.ae_title, settings.port) == ("MYSTATION", 4242)


def test_any_number_of_nodes_in_number_order(tmp_path):
    sections = []
    for number in (10, 2, 12, 1, 7, 3, 11, 4, 9, 5, 8, 6):  # file order is not load order
        sections.append(
            f"[Node{number}]\nname = N{number}\nae_title = AE{number}\n"
            f"ip = 10.0.0.{number}\nport = {1000 + number}\n"
        )
    settings = load_text(tmp_path, "\n".join(sections))
    assert [node.name for node in settings.nodes] == [f"N{n}" for n in range(1, 13)]
    assert settings.node("n12").port == 1012


def test_node_section_spellings(tmp_path):
    settings = load_text(
        tmp_path,
        """[Node:QA]
ae_title = QA_SCP
host = qa.example.org
port = 11112
calling_ae = QA_CALLER
max_associations = 4
tls = yes
tls_ca_file = certs/ca.pem

[DicomNode2]
aet = ARCHIVE
ip = 10.1.1.1
port = 104

[Node 1]
ae_title = ONE
called_ae_title = ONE_CALLED
ip = 10.1.1.2
port = 104
""",
    )
    one, archive, qa = settings.nodes
    assert (one.name, one.ae_title) == ("ONE_CALLED", "ONE_CALLED")  # called_ae_title wins
    assert (archive.name, archive.ae_title, archive.section) == ("ARCHIVE", "ARCHIVE", "DicomNode2")
    assert qa.name == "QA"
    assert (qa.host, qa.calling_ae, qa.max_associations, qa.tls) == (
        "qa.example.org",
        "QA_CALLER",
        4,
        True,
    )
    assert qa.tls_ca_file == str(tmp_path / "certs" / "ca.pem")


def test_unknown_keys_are_logged_not_fatal(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="rtstation.config"):
        load_text(tmp_path, "[Receiver]\nport = 104\ncolour = blue\n[Plugins]\nx = 1\n")
    assert "unknown key 'colour'" in caplog.text
    assert "section [Plugins] is not used" in caplog.text


def test_cp1252_file_from_windows_notepad_loads(tmp_path):
    path = tmp_path / "settings.ini"
    path.write_bytes("[Node1]\nname = Gerät\nae_title = G\nip = h\nport = 1\n".encode("cp1252"))
    assert load_settings(path, data_dir=str(tmp_path)).nodes[0].name == "Gerät"


def test_utf8_bom_is_ignored(tmp_path):
    path = tmp_path / "settings.ini"
    path.write_bytes(b"\xef\xbb\xbf[Receiver]\nport = 4000\n")
    assert load_settings(path, data_dir=str(tmp_path)).port == 4000


# -- errors: one sentence naming file, section, key, value ------------------------------


def test_ae_title_too_long(tmp_path):
    text = SEED_SETTINGS + (
        "\n[Node2]\nname = TPS\nae_title = RADIOTHERAPY_PLANNING\nip = 10.0.0.1\nport = 104\n"
    )
    with pytest.raises(ConfigError) as info:
        load_text(tmp_path, text)
    assert str(info.value) == (
        "settings.ini [Node2] ae_title 'RADIOTHERAPY_PLANNING': must not exceed 16 characters"
    )
    error = info.value
    assert (error.file, error.section, error.key, error.value) == (
        "settings.ini",
        "Node2",
        "ae_title",
        "RADIOTHERAPY_PLANNING",
    )


@pytest.mark.parametrize("port", ["70000", "0", "abc", "11112.5", "-4"])
def test_receiver_port_out_of_range_or_not_a_number(tmp_path, port):
    message = f"settings.ini [Receiver] port '{port}': must be a whole number from 1 to 65535"
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_text(tmp_path, f"[Receiver]\nport = {port}\n")


def test_old_code_port_error_names_the_old_key(tmp_path):
    message = "settings.ini [LocalNode] receiveport '99999': must be a whole number"
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_text(tmp_path, "[LocalNode]\nreceiveport = 99999\n")


def test_bad_boolean(tmp_path):
    message = (
        "settings.ini [General] clear_import_folder_after_import 'maybe': must be True or "
        "False (yes/no, on/off and 1/0 also work)"
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_text(tmp_path, "[General]\nclear_import_folder_after_import = maybe\n")


def test_line_without_equals_names_file_and_line(tmp_path):
    text = "[General]\nwatch_folder = x\n\nthis line has no equals sign\n"
    message = (
        "settings.ini line 4: 'this line has no equals sign' is not a 'key = value' line, "
        "a [section] header or a comment"
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_text(tmp_path, text)


def test_duplicate_section_names_file_and_line(tmp_path):
    text = "[Node1]\nname = A\n\n[Node1]\nname = B\n"
    message = "settings.ini line 4: section [Node1] appears twice"
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_text(tmp_path, text)


def test_duplicate_section_differing_in_case(tmp_path):
    with pytest.raises(ConfigError, match=re.escape("settings.ini line 3: section [general]")):
        load_text(tmp_path, "[General]\nlanguage = en\n[general]\nlanguage = de\n")


def test_duplicate_key(tmp_path):
    message = "settings.ini line 3: [Receiver] has the key 'port' twice"
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_text(tmp_path, "[Receiver]\nport = 1\nport = 2\n")


def test_key_before_any_section(tmp_path):
    message = "settings.ini line 1: 'port = 104' comes before any [section] header"
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_text(tmp_path, "port = 104\n[Receiver]\n")


def test_enabled_node_needs_a_host(tmp_path):
    message = "settings.ini [Node1] ip '': must not be empty for an enabled node"
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_text(tmp_path, "[Node1]\nname = X\nae_title = X\nip =\nport = 104\n")


def test_enabled_node_needs_a_port(tmp_path):
    message = "settings.ini [Node1] port '': must be a whole number from 1 to 65535"
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_text(tmp_path, "[Node1]\nname = X\nae_title = X\nip = h\n")


def test_two_nodes_with_the_same_name(tmp_path):
    text = (
        "[Node1]\nname = QA\nae_title = A\nip = h\nport = 1\n"
        "[Node2]\nname = qa\nae_title = B\nip = h\nport = 2\n"
    )
    message = (
        "settings.ini [Node2] name 'qa': another node is already called 'qa' ([Node1]); "
        "node names must be unique"
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_text(tmp_path, text)


def test_node_name_with_comma_is_rejected(tmp_path):
    with pytest.raises(
        ConfigError, match=re.escape("[Node1] name 'A,B': must not contain a comma")
    ):
        load_text(tmp_path, "[Node1]\nname = A,B\nae_title = A\nip = h\nport = 1\n")


def test_retry_max_below_base(tmp_path):
    message = (
        "settings.ini [Send] retry_max_seconds '5': must not be less than retry_base_seconds (10)"
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_text(tmp_path, "[Send]\nretry_max_seconds = 5\n")


def test_bad_allowed_caller(tmp_path):
    message = (
        "settings.ini [Receiver] allowed_calling_aes 'FOLLOW, A\\B': AE title 'A\\B' must "
        "not contain a backslash"
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_text(tmp_path, "[Receiver]\nallowed_calling_aes = FOLLOW, A\\B\n")


def test_unreadable_file_is_a_config_error(tmp_path):
    directory = tmp_path / "settings.ini"
    directory.mkdir()  # a folder where the file should be
    with pytest.raises(ConfigError, match=re.escape("settings.ini could not be read")):
        load_settings(directory, data_dir=str(tmp_path))


# -- paths and first run ----------------------------------------------------------------


def test_config_dir_keeps_everything_inside(tmp_path):
    paths = default_paths(tmp_path / "station")
    root = str(tmp_path / "station")
    assert paths == ConfigPaths(
        config_dir=root,
        settings_file=os.path.join(root, "settings.ini"),
        rules_file=os.path.join(root, "rules.ini"),
        data_dir=os.path.join(root, "data"),
        log_dir=os.path.join(root, "logs"),
    )


def test_relative_config_dir_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_paths("cfg").config_dir == str(tmp_path / "cfg")


def test_default_paths_use_the_platform_user_folders(monkeypatch, tmp_path):
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_config_dir", lambda *a, **k: str(tmp_path / "c"))
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(tmp_path / "d"))
    monkeypatch.setattr(platformdirs, "user_log_dir", lambda *a, **k: str(tmp_path / "l"))
    paths = default_paths(None)
    assert paths.settings_file == str(tmp_path / "c" / "settings.ini")
    assert (paths.data_dir, paths.log_dir) == (str(tmp_path / "d"), str(tmp_path / "l"))


def test_ensure_default_files_writes_loadable_defaults_once(tmp_path):
    paths = default_paths(tmp_path / "station")
    created = ensure_default_files(paths)
    assert created == (paths.settings_file, paths.rules_file)

    settings = load_settings(paths.settings_file, data_dir=paths.data_dir)
    assert settings == default_settings(paths.data_dir)
    assert settings.storage_folder == os.path.join(paths.data_dir, "received_plans")
    assert load_rules(paths.rules_file, settings) == RulesConfig()
    text = Path(paths.settings_file).read_text(encoding="utf-8")
    assert "watch_folder = data/received_plans" in text  # relative: the folder can move

    Path(paths.settings_file).write_text("[Receiver]\nport = 5\n", encoding="utf-8")
    assert ensure_default_files(paths) == ()
    assert load_settings(paths.settings_file, data_dir=paths.data_dir).port == 5


# -- command-line flags over file values -------------------------------------------------


def _serve_args(config_dir: Path, *flags: str) -> argparse.Namespace:
    return build_parser().parse_args(["--config", str(config_dir), "serve", *flags])


def test_serve_flags_replace_file_values(tmp_path):
    (tmp_path / "settings.ini").write_text(SEED_SETTINGS, encoding="utf-8")
    args = _serve_args(tmp_path, "--port", "104", "--ae-title", "OTHER", "--bind", "127.0.0.1")
    overrides = cmd_serve.flag_overrides(args)
    assert overrides == {"port": 104, "ae_title": "OTHER", "bind_address": "127.0.0.1"}
    assert cmd_serve.flag_overrides(_serve_args(tmp_path)) == {}


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--port", "70000"], "--port '70000': must be a whole number from 1 to 65535"),
        (
            ["--ae-title", "RADIOTHERAPY_PLANNING"],
            "--ae-title 'RADIOTHERAPY_PLANNING': must not exceed 16 characters",
        ),
        (["--bind", "every"], "--bind 'every': must be an IP address of this computer"),
    ],
)
def test_serve_refuses_bad_flags_in_one_sentence(tmp_path, capsys, flags, message):
    rc = cli_main(["--config", str(tmp_path), "serve", *flags])
    err = capsys.readouterr().err
    assert rc == 2
    assert f"rtstation: {message}" in err
    assert "Traceback" not in err


# -- validators -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("ORGANO", ""),
        ("DICOM-RT-STATION", ""),
        ("RADIOTHERAPY_PLANNING", "must not exceed 16 characters"),
        ("", "must not be empty"),
        ("    ", "must not be only spaces"),
        ("A\\B", "must not contain a backslash"),
        ("A\tB", "must not contain control characters"),
        ("GERÄT", "must only contain ASCII characters"),
    ],
)
def test_validate_ae_title(value, reason):
    assert validate_ae_title(value) == (reason == "", reason)


def test_other_validators():
    assert validate_port(104) == (True, "")
    assert validate_port("65536") == (False, "must be a whole number from 1 to 65535")
    assert validate_port(True)[0] is False
    assert validate_host("10.0.0.1") == (True, "")
    assert validate_host("my host") == (False, "must not contain spaces")
    assert validate_host("") == (False, "must not be empty")
    assert validate_regex("^ADP_\\d+$") == (True, "")
    ok, reason = validate_regex("(ADP")
    assert not ok and reason.startswith("is not a valid regular expression")
    assert validate_bool_text("Off") == (True, "")
    assert validate_bool_text("maybe")[0] is False
    assert validate_log_level("20") == (True, "")
    assert validate_node_name("A,B")[0] is False


# -- the example file -------------------------------------------------------------------


def test_settings_example_is_the_first_run_template():
    example = (REPO / "settings.ini.example").read_text(encoding="utf-8")
    assert example == settings_template("data/received_plans", "data/import")


def test_settings_example_documents_every_key():
    example = (REPO / "settings.ini.example").read_text(encoding="utf-8")
    for spec in (*SETTINGS_FIELDS, *NODE_FIELDS):
        for key in spec.keys:
            assert re.search(rf"\b{key.name}\b", example), key.name


def test_settings_example_loads_with_its_node_uncommented(tmp_path):
    example = (REPO / "settings.ini.example").read_text(encoding="utf-8")
    uncommented = re.sub(r"(?m)^# (\[Node1\]|[a-z_]+ = .*)$", r"\1", example)
    settings = load_text(tmp_path, uncommented)
    expected = dataclasses.replace(
        default_settings(str(tmp_path / "data")),
        storage_folder=str(tmp_path / "data" / "received_plans"),
        import_folder=str(tmp_path / "data" / "import"),
        nodes=(
            Node(
                name="ORGANO",
                ae_title="ORGANO",
                host="192.168.1.100",
                port=104,
                calling_ae="DICOM-RT-STATION",
                section="Node1",
            ),
        ),
    )
    assert settings == expected


def test_metrics_settings_load_and_are_checked(tmp_path):
    settings = load_text(
        tmp_path,
        "[Metrics]\nhttp_api_enabled = true\nhttp_api_bind = 127.0.0.2\nhttp_api_port = 8088\n"
        "metrics_wait_seconds = 12.5\n",
    )
    assert settings.http_api_enabled and settings.http_api_bind == "127.0.0.2"
    assert settings.http_api_port == 8088 and settings.metrics_wait_seconds == 12.5
    defaults = load_text(tmp_path, "[General]\n")
    assert not defaults.http_api_enabled and defaults.http_api_bind == "127.0.0.1"
    with pytest.raises(ConfigError) as error:
        load_text(tmp_path, "[Metrics]\nhttp_api_port = 70000\n")
    assert "[Metrics] http_api_port '70000'" in str(error.value)
