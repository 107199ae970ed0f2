"""Checks on a whole configuration: folders, the allow-list, receiver limits, encodings.

Each test names the hardening item it proves. The CLI tests run ``rtstation`` in-process
(its ``main``), so they see exactly what a user sees: the exit code and one sentence.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rtstation.cli.main import main as cli_main
from rtstation.config import (
    DEFAULT_BIND_ADDRESS,
    Settings,
    check_folders,
    check_settings,
    default_paths,
    default_settings,
    load_rules,
    load_settings,
    load_station_config,
    save_settings,
)
from rtstation.config.fields import SETTINGS_FIELDS
from rtstation.errors import ConfigError
from rtstation.station import Station
from rtstation.station.receiving import receiver_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def settings_file(config: Path, general: str = "", receiver: str = "") -> Path:
    return write(
        config / "settings.ini",
        "[General]\n" + textwrap.dedent(general) + "\n[Receiver]\n" + textwrap.dedent(receiver),
    )


def run_config(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = cli_main(["--config", str(config), "config"])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_sentence_refusal(rc: int, out: str, err: str) -> str:
    assert rc == 2
    assert "configuration is valid" not in out
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


# -- item 2: the import folder and the storage folder are separate -------------------------


def test_import_folder_holding_the_storage_folder_is_refused(tmp_path, capsys):
    config = tmp_path / "station"
    settings_file(
        config,
        f"""\
        watch_folder = {tmp_path}/imp/received
        import_folder = {tmp_path}/imp
        clear_import_folder_after_import = True
        """,
    )
    line = assert_one_sentence_refusal(*run_config(config, capsys))
    assert line == (
        f"rtstation: settings.ini [General] import_folder '{tmp_path}/imp': contains "
        f"[General] watch_folder '{tmp_path}/imp/received'; the import folder and the storage "
        "folder must be separate folders, neither inside the other, so that an import never "
        "reads or clears stored files"
    )


@pytest.mark.parametrize(
    ("storage", "imports", "relation"),
    [
        ("data", "data", "is the same folder as"),
        ("data/", "./data", "is the same folder as"),
        ("store", "store/incoming", "is inside"),
        ("imp/received", "imp", "contains"),
    ],
)
def test_overlapping_folders_are_refused_at_load(tmp_path, storage, imports, relation):
    path = settings_file(tmp_path, f"watch_folder = {storage}\nimport_folder = {imports}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, data_dir=str(tmp_path / "data-dir"))
    message = str(caught.value)
    assert (
        f"import_folder '{os.path.normpath(tmp_path / imports)}': {relation} [General] " in message
    )
    assert f"watch_folder '{os.path.normpath(tmp_path / storage)}'" in message


def test_a_symlink_to_the_storage_folder_counts_as_the_storage_folder(tmp_path):
    (tmp_path / "real" / "received").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    path = settings_file(
        tmp_path, f"watch_folder = {tmp_path}/real/received\nimport_folder = {tmp_path}/link\n"
    )
    with pytest.raises(ConfigError, match=r"import_folder '.*link': contains .*watch_folder"):
        load_settings(path, data_dir=str(tmp_path))


def test_old_code_spelling_is_named_as_written(tmp_path):
    path = settings_file(
        tmp_path, "receivedplansfolder = d:\\imp\\received\nimportfolder = D:\\IMP\n"
    )
    message = (
        "settings.ini [General] importfolder 'D:\\IMP': contains [General] receivedplansfolder"
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(path, data_dir=str(tmp_path))


def test_sibling_folders_with_a_common_prefix_are_separate(tmp_path):
    path = settings_file(tmp_path, "watch_folder = imp2\nimport_folder = imp\n")
    settings = load_settings(path, data_dir=str(tmp_path))
    assert settings.storage_folder == str(tmp_path / "imp2")


def test_settings_dialog_check_refuses_overlapping_folders(tmp_path):
    """check_settings is what the Settings dialog and every save call."""
    settings = Settings(
        storage_folder=str(tmp_path / "imp" / "received"), import_folder=str(tmp_path / "imp")
    )
    with pytest.raises(ConfigError, match=r"import_folder .*: contains .*watch_folder"):
        check_settings(settings)
    with pytest.raises(ConfigError, match="contains"):
        save_settings(settings, tmp_path / "settings.ini", data_dir=str(tmp_path))
    assert not (tmp_path / "settings.ini").exists()


def test_import_folder_may_not_hold_the_configuration_or_the_catalog(tmp_path, capsys):
    outer = tmp_path / "outer"
    config = outer / "station"
    settings_file(config, f"watch_folder = {tmp_path}/storage\nimport_folder = {outer}\n")
    line = assert_one_sentence_refusal(*run_config(config, capsys))
    assert f"import_folder '{outer}': contains the configuration folder '{config}'" in line
    settings_file(config, f"watch_folder = {tmp_path}/storage\nimport_folder = {config}/data\n")
    line = assert_one_sentence_refusal(*run_config(config, capsys))
    assert "is the same folder as the data folder (it holds the catalog)" in line


# -- item 8: folders the station can create and write ---------------------------------------


@pytest.mark.parametrize("command", ["config", "serve", "import", "reindex"])
def test_storage_folder_that_is_a_file_is_one_sentence(tmp_path, capsys, command):
    config = tmp_path / "station"
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    settings_file(config, f"watch_folder = {tmp_path}/a-file\n")
    rc = cli_main(["--config", str(config), command])
    out, err = capsys.readouterr()
    line = assert_one_sentence_refusal(rc, out, err)
    assert line == (
        f"rtstation: settings.ini [General] watch_folder '{tmp_path}/a-file': is a file, "
        "not a folder"
    )


def test_folder_below_a_file_cannot_be_created(tmp_path, capsys):
    config = tmp_path / "station"
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    settings_file(config, f"import_folder = {tmp_path}/a-file/import\n")
    line = assert_one_sentence_refusal(*run_config(config, capsys))
    assert line.endswith(
        f"import_folder '{tmp_path}/a-file/import': cannot be created: '{tmp_path}/a-file' "
        "is a file, not a folder"
    )


def test_storage_folder_under_proc_is_refused(tmp_path, capsys):
    config = tmp_path / "station"
    settings_file(config, "watch_folder = /proc/self\n")
    line = assert_one_sentence_refusal(*run_config(config, capsys))
    assert "watch_folder '/proc/self': is under /proc, a virtual file system" in line


def test_windows_path_cannot_be_used_on_this_computer(tmp_path):
    """It loads as written (the file may be shared), but a station cannot start with it."""
    config = tmp_path / "station"
    settings_file(config, "watch_folder = d:\\received_plans\n")
    settings = load_settings(config / "settings.ini", data_dir=str(tmp_path))
    assert settings.storage_folder == "d:\\received_plans"
    if os.name == "nt":
        pytest.skip("a Windows path is a path of this computer")
    with pytest.raises(ConfigError, match=r"watch_folder 'd:.received_plans': is a Windows path"):
        check_folders(settings, default_paths(config))


def test_missing_folders_in_a_writable_place_pass(tmp_path):
    paths, settings, _ = load_station_config(tmp_path / "fresh")
    assert not os.path.exists(settings.storage_folder)  # checking creates nothing
    check_folders(settings, paths)


def _unshare_argv() -> list[str]:
    """Run a command in a private mount namespace (as root, or in a user namespace)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail("util-linux 'unshare' is needed for the read-only file system test")
    for argv in ([unshare, "--mount", "--propagation", "private"], [unshare, "-rm"]):
        if subprocess.run([*argv, "true"], capture_output=True).returncode == 0:
            return argv
    pytest.skip("this machine permits no private mount namespace to mount a read-only tmpfs")


@pytest.mark.skipif(sys.platform != "linux", reason="mount namespaces are Linux")
@pytest.mark.parametrize("command", ["config", "import"])
def test_folder_on_a_read_only_file_system_is_one_sentence(tmp_path, command):
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    config = tmp_path / "station"
    settings_file(config, f"watch_folder = {readonly}/received\n")
    script = (
        f"mount -t tmpfs -o ro tmpfs {readonly} && "
        f"exec {sys.executable} -m rtstation --config {config} {command}"
    )
    result = subprocess.run(
        [*_unshare_argv(), "sh", "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"rtstation: settings.ini [General] watch_folder '{readonly}/received': is on a "
        f"read-only file system ('{readonly}')"
    )


# -- item 9: the allow-list ------------------------------------------------------------------


def test_allow_list_switched_on_and_empty_is_an_error(tmp_path, capsys):
    """An error, not a warning: such a station runs and receives from nobody."""
    config = tmp_path / "station"
    settings_file(config, receiver="allow_list_enabled = True\nallowed_calling_aes =\n")
    line = assert_one_sentence_refusal(*run_config(config, capsys))
    assert line == (
        "rtstation: settings.ini [Receiver] allowed_calling_aes '': must name at least one "
        "calling AE title while allow_list_enabled is True (an empty allow-list refuses every "
        "sender); add the senders' AE titles or set allow_list_enabled = False"
    )
    settings = dataclasses.replace(default_settings(str(tmp_path)), allow_list_enabled=True)
    with pytest.raises(ConfigError, match="must name at least one calling AE title"):
        check_settings(settings)


def test_require_called_ae_title_setting(tmp_path):
    assert default_settings(str(tmp_path)).require_called_ae_title is False
    path = settings_file(tmp_path, receiver="require_called_ae_title = yes\n")
    settings = load_settings(path, data_dir=str(tmp_path))
    assert settings.require_called_ae_title is True
    assert receiver_config(settings).require_called_ae_title is True
    path = settings_file(tmp_path, receiver="require_called_ae_title = sometimes\n")
    with pytest.raises(ConfigError, match=r"\[Receiver\] require_called_ae_title 'sometimes'"):
        load_settings(path, data_dir=str(tmp_path))


# -- item 11: the listening address ---------------------------------------------------------


def test_bind_address_default_is_every_ipv4_interface_and_written_out(tmp_path):
    paths, settings, _ = load_station_config(tmp_path / "fresh")
    assert settings.bind_address == DEFAULT_BIND_ADDRESS == "0.0.0.0"
    text = Path(paths.settings_file).read_text(encoding="utf-8")
    assert "\nbind_address = 0.0.0.0\n" in text  # the exposure is visible in the file


@pytest.mark.parametrize("value", ["127.0.0.1", "::1", "localhost", "192.168.1.10"])
def test_bind_address_loads_and_reaches_the_receiver(tmp_path, value):
    path = settings_file(tmp_path, receiver=f"bind_address = {value}\n")
    settings = load_settings(path, data_dir=str(tmp_path))
    assert settings.bind_address == value
    assert receiver_config(settings).bind_address == value
    assert receiver_config(settings, "127.0.0.1").bind_address == "127.0.0.1"  # serve --bind


@pytest.mark.parametrize("value", ["every", "10.0.0.300", "my host"])
def test_bind_address_must_be_an_address(tmp_path, value):
    path = settings_file(tmp_path, receiver=f"bind_address = {value}\n")
    message = (
        f"settings.ini [Receiver] bind_address '{value}': must be an IP address of this "
        "computer, such as 0.0.0.0 (every network interface) or 127.0.0.1 (this computer only)"
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(path, data_dir=str(tmp_path))


def test_bind_address_round_trips_through_save(tmp_path):
    path = settings_file(tmp_path, receiver="port = 11112\n")
    settings = load_settings(path, data_dir=str(tmp_path))
    saved = save_settings(
        dataclasses.replace(settings, bind_address="127.0.0.1"), path, data_dir=str(tmp_path)
    )
    assert "bind_address = 127.0.0.1" in path.read_text(encoding="utf-8")
    assert load_settings(path, data_dir=str(tmp_path)) == saved


# -- item 3: receiver slots and the association request timeout -----------------------------


def test_receiver_limits_default_and_load(tmp_path):
    defaults = default_settings(str(tmp_path))
    assert (defaults.receiver_max_associations, defaults.association_request_timeout) == (16, 5.0)
    path = settings_file(
        tmp_path, receiver="max_associations = 40\nassociation_request_timeout = 2.5\n"
    )
    settings = load_settings(path, data_dir=str(tmp_path))
    assert (settings.receiver_max_associations, settings.association_request_timeout) == (40, 2.5)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "max_associations = 0",
            "[Receiver] max_associations '0': must be a whole number from 1 to 1000",
        ),
        (
            "association_request_timeout = 0",
            "[Receiver] association_request_timeout '0': must be a number from 0.5 to 600",
        ),
    ],
)
def test_receiver_limits_are_checked(tmp_path, line, message):
    path = settings_file(tmp_path, receiver=line + "\n")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(path, data_dir=str(tmp_path))


def test_every_settings_default_in_the_table_equals_the_model():
    """A missing key and a missing file must mean the same value."""
    model = {field.name: field.default for field in dataclasses.fields(Settings)}
    for spec in SETTINGS_FIELDS:
        if not spec.data_folder:
            assert spec.fallback == model[spec.attr], spec.attr


# -- item 12: encodings ----------------------------------------------------------------------


SIMPLE = "[Receiver]\nae_title = GERÄT\nport = 104\n"


@pytest.mark.parametrize(
    ("encoding", "named"),
    [
        ("utf-16", "UTF-16 (little-endian, with a byte order mark)"),
        ("utf-16-be", "UTF-16 (big-endian, without a byte order mark)"),
        ("utf-16-le", "UTF-16 (little-endian, without a byte order mark)"),
        ("utf-32", "UTF-32 (little-endian, with a byte order mark)"),
    ],
)
def test_wide_encodings_are_named(tmp_path, capsys, encoding, named):
    config = tmp_path / "station"
    config.mkdir()
    (config / "settings.ini").write_bytes(SIMPLE.replace("GERÄT", "RT").encode(encoding))
    line = assert_one_sentence_refusal(*run_config(config, capsys))
    assert line == (
        f"rtstation: settings.ini is saved as {named}, which rtstation does not read; save it "
        "again as UTF-8 (in Notepad: File > Save as, Encoding: UTF-8)"
    )


def test_rules_ini_in_utf16_is_named_too(tmp_path):
    path = tmp_path / "rules.ini"
    path.write_bytes("[General]\nrules_enabled = True\n".encode("utf-16"))
    with pytest.raises(ConfigError, match=r"^rules.ini is saved as UTF-16 \(little-endian"):
        load_rules(path, default_settings(str(tmp_path)))


def test_nul_bytes_are_not_a_text_file(tmp_path):
    path = tmp_path / "settings.ini"
    path.write_bytes(b"[General]\nwatch_folder = x\x00\x00\x00y\n" + b"\x00\x01\x02" * 3)
    with pytest.raises(ConfigError, match=r"settings\.ini contains NUL bytes, so it is not a text"):
        load_settings(path, data_dir=str(tmp_path))


def test_utf8_with_bom_loads_and_saves_back_with_bom(tmp_path):
    path = tmp_path / "settings.ini"
    path.write_bytes(b"\xef\xbb\xbf" + SIMPLE.replace("GERÄT", "RT").encode("utf-8"))
    settings = load_settings(path, data_dir=str(tmp_path))
    assert (settings.ae_title, settings.port) == ("RT", 104)
    save_settings(dataclasses.replace(settings, port=105), path, data_dir=str(tmp_path))
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf[Receiver]\nae_title = RT\nport = 105\n")


def test_station_apply_settings_refuses_an_unusable_folder(tmp_path):
    """The Settings dialog applies through Station.apply_settings: same sentence, no save."""
    station = Station.open(str(tmp_path / "station"))
    try:
        (tmp_path / "a-file").write_text("x", encoding="utf-8")
        before = Path(station.paths.settings_file).read_bytes()
        bad = dataclasses.replace(station.settings, import_folder=str(tmp_path / "a-file"))
        with pytest.raises(ConfigError, match=r"import_folder '.*a-file': is a file, not a folder"):
            station.apply_settings(bad)
        assert Path(station.paths.settings_file).read_bytes() == before
    finally:
        station.stop()


def test_rtstation_config_shows_where_the_receiver_listens(tmp_path, capsys):
    config = tmp_path / "station"
    settings_file(config, receiver="bind_address = 127.0.0.1\nrequire_called_ae_title = True\n")
    rc, out, _ = run_config(config, capsys)
    assert rc == 0
    assert (
        "receiver:       AE RTSTATION, port 11112, listening on 127.0.0.1, called AE title "
        "required\n"
    ) in out
    assert out.endswith("configuration is valid\n")


def test_config_names_a_bad_anonymization_option(tmp_path: Path, capsys) -> None:
    """Option names are the anonymizer's: ``rtstation config`` still reports them first."""
    config = tmp_path / "c"
    write(
        config / "settings.ini",
        "[General]\nwatch_folder = storage\nimport_folder = import\n\n"
        "[Anonymization]\noptions = CleanDesc, RetainUID\n",
    )
    rc, out, err = run_config(config, capsys)
    message = assert_one_sentence_refusal(rc, out, err)
    assert "settings.ini [Anonymization] options 'RetainUID': not an anonymization option" in (
        message
    )
    write(config / "settings.ini", "[General]\nwatch_folder = storage\nimport_folder = import\n")
    rc, out, _ = run_config(config, capsys)
    assert rc == 0
    assert (
        "anonymization:  profile aria, options of the profile, burned-in annotation: refuse" in out
    )
