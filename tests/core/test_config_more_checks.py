"""``rtstation config`` refuses, or warns about, five mistakes it used to accept silently.

Each test proves one item of the review, through ``rtstation config`` (in-process ``main``,
so exactly what a user sees: exit code 2 and one sentence naming file, section, key and
value) or through the loader and checks that every entry point shares:

1. a node's ``ip`` must be a host name or an IP address: not a URL, not ``host:port``,
   no spaces, no empty label between dots;
2. with ``tls = True`` a node's TLS files (CA, certificate, key) must exist and be files;
   with TLS off a missing file is no error;
3. ``required_modalities`` values the station does not know are warned about, like
   unknown plan intents, with the list of modalities the station knows;
4. the HTTP API cannot listen on the receiver's port on an overlapping address;
5. ``[Anonymization] uid_map_file`` that is a folder is refused.
"""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from rtstation.config import (
    Node,
    check_folders,
    check_settings,
    default_paths,
    default_settings,
    load_settings,
    load_station_config,
    validation,
    values,
)
from rtstation.dicom import sop
from rtstation.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def station_config(tmp_path: Path, extra: str = "", rules: str = "") -> Path:
    """A configuration folder whose folders are usable, plus ``extra`` settings lines."""
    config = tmp_path / "station"
    write(
        config / "settings.ini",
        f"[General]\nwatch_folder = {tmp_path}/storage\nimport_folder = {tmp_path}/import\n"
        + textwrap.dedent(extra),
    )
    if rules:
        write(config / "rules.ini", rules)
    return config


def node(lines: str) -> str:
    return "\n[Node1]\nname = PACS\nenabled = True\nae_title = PACS\nport = 104\n" + lines


def refusal(main_cli, config: Path) -> str:
    rc, out, err = main_cli(["--config", str(config), "config"])
    assert rc == 2, out + err
    assert "configuration is valid" not in out
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def valid(main_cli, config: Path) -> str:
    rc, out, err = main_cli(["--config", str(config), "config"])
    assert rc == 0, err
    assert out.endswith("configuration is valid\n")
    return out


# -- 1. a node's ip is a host name or an IP address ------------------------------------------


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        (
            "http://x:1/",
            "must be a host name or an IP address, not a URL; write only the host "
            "(such as pacs.example.org) and put the port in the port key",
        ),
        ("10.0.0.1:104", "must not include a port (':104'); write the port in the port key"),
        ("pacs .local", "must not contain spaces"),
        ("pacs..local", "must not have an empty part between two dots"),
        (".pacs", "must not have an empty part between two dots"),
        ("pacs/dicom", "must be a host name (letters, digits, '-', '_' and dots) or an IP address"),
        ("[::1]", "must be a host name (letters, digits, '-', '_' and dots) or an IP address"),
        ("10.0.0.300", "is not a valid IPv4 address"),
        ("a" * 64 + ".org", "must not have a part longer than 63 characters between two dots"),
    ],
)
def test_node_ip_must_be_a_host_name_or_address(tmp_path, main_cli, host, reason):
    config = station_config(tmp_path, node(f"ip = {host}\n"))
    assert refusal(main_cli, config) == (f"rtstation: settings.ini [Node1] ip '{host}': {reason}")
    assert values.validate_host(host) == (False, reason)


@pytest.mark.parametrize(
    "host",
    [
        "192.168.1.100",
        "pacs.example.org",
        "pacs.example.org.",
        "PACS_01",
        "fe80::1",
        "::1",
        "münchen.example",
        "localhost",
    ],
)
def test_node_ip_that_is_a_host_name_or_address_loads(tmp_path, host):
    path = station_config(tmp_path, node(f"ip = {host}\n")) / "settings.ini"
    assert load_settings(path, data_dir=str(tmp_path)).nodes[0].host == host


def test_allowed_caller_host_gets_the_same_check(tmp_path):
    path = station_config(tmp_path, "[Receiver]\nallowed_calling_aes = TPS@http://tps/\n")
    with pytest.raises(ConfigError, match=r"host of 'TPS@http://tps/' must be a host name"):
        load_settings(path / "settings.ini", data_dir=str(tmp_path))


# -- 2. TLS files exist when TLS is on -------------------------------------------------------


@pytest.mark.parametrize("key", ["tls_ca_file", "tls_cert_file", "tls_key_file"])
def test_missing_tls_file_is_an_error_when_tls_is_on(tmp_path, main_cli, key):
    config = station_config(tmp_path, node(f"ip = 10.0.0.1\ntls = True\n{key} = /nonexist.pem\n"))
    assert refusal(main_cli, config) == (
        f"rtstation: settings.ini [Node1] {key} '/nonexist.pem': does not exist; the node "
        "has tls = True, so sending to it would fail"
    )


def test_tls_file_that_is_a_folder_is_an_error(tmp_path, main_cli):
    config = station_config(tmp_path, node(f"ip = 10.0.0.1\ntls = yes\ntls_ca_file = {tmp_path}\n"))
    assert refusal(main_cli, config) == (
        f"rtstation: settings.ini [Node1] tls_ca_file '{tmp_path}': is a folder, not a file; "
        "the node has tls = True, so sending to it would fail"
    )


def test_tls_files_only_matter_with_tls_on(tmp_path, main_cli):
    config = station_config(tmp_path, node("ip = 10.0.0.1\ntls = False\ntls_ca_file = x.pem\n"))
    valid(main_cli, config)
    (config / "ca.pem").write_text("PEM", encoding="utf-8")
    config = station_config(tmp_path, node("ip = 10.0.0.1\ntls = True\ntls_ca_file = ca.pem\n"))
    valid(main_cli, config)


def test_settings_dialog_check_refuses_a_missing_tls_file(tmp_path):
    """Station.apply_settings (the Settings dialog) runs check_folders before it saves."""
    missing = str(tmp_path / "ca.pem")
    settings = dataclasses.replace(
        default_settings(str(tmp_path)),
        nodes=(
            Node(
                name="PACS", ae_title="PACS", host="pacs", port=104, tls=True, tls_ca_file=missing
            ),
        ),
    )
    with pytest.raises(ConfigError, match=r"\[Node1\] tls_ca_file '.*ca.pem': does not exist"):
        check_folders(settings, default_paths(str(tmp_path / "station")))


# -- 3. unknown required modalities are warned about -----------------------------------------

RULES = """\
[Rule1]
name = Dose
enabled = True
source_ae = *
target_nodes = PACS
required_modalities = {modalities}
"""


def test_unknown_required_modality_is_a_warning_naming_the_known_ones():
    warnings = validation.modality_warnings("rules.ini", "Rule1", "RTDOSE, XYZ", ("RTDOSE", "XYZ"))
    assert warnings == [
        "rules.ini [Rule1] required_modalities 'RTDOSE, XYZ': 'XYZ' is not a modality the "
        f"station knows ({', '.join(values.MODALITIES)}), so a plan waits for it until a file "
        "of that Modality arrives"
    ]
    assert validation.modality_warnings("rules.ini", "Rule1", "RTDOSE", ("RTDOSE",)) == []


def test_config_knows_every_modality_the_dicom_layer_names():
    """config may not import rtstation.dicom, so it keeps its own list: it must not lag."""
    named = set(sop._MODALITY_BY_CLASS.values()) | sop.VOLUME_IMAGE_MODALITIES
    assert named <= set(values.MODALITIES)


def test_rtstation_config_prints_the_unknown_modality_warning(tmp_path, main_cli):
    config = station_config(
        tmp_path, node("ip = 10.0.0.1\n"), RULES.format(modalities="RTDOSE, XYZ")
    )
    out = valid(main_cli, config)
    assert "warning: rules.ini [Rule1] required_modalities 'RTDOSE, XYZ': 'XYZ' is not" in out


# -- 4. the HTTP API and the receiver do not share a port ------------------------------------


def test_http_api_on_the_receiver_port_is_an_error(tmp_path, main_cli):
    config = station_config(
        tmp_path, "[Receiver]\nport = 11180\n[Metrics]\nhttp_api_enabled = True\n"
    )
    assert refusal(main_cli, config) == (
        "rtstation: settings.ini [Metrics] http_api_port '11180': is also [Receiver] port, and "
        "[Metrics] http_api_bind '127.0.0.1' overlaps [Receiver] bind_address '0.0.0.0', so "
        "they cannot both listen; choose another http_api_port"
    )
    settings = dataclasses.replace(
        default_settings(str(tmp_path)), http_api_enabled=True, http_api_port=11112
    )
    with pytest.raises(ConfigError, match=r"http_api_port '11112': is also \[Receiver\] port"):
        check_settings(settings)


@pytest.mark.parametrize(
    "lines",
    [
        "[Metrics]\nhttp_api_enabled = False\nhttp_api_port = 11112\n",
        "[Receiver]\nbind_address = 127.0.0.1\n[Metrics]\nhttp_api_enabled = True\n"
        "http_api_bind = 127.0.0.2\nhttp_api_port = 11112\n",
    ],
)
def test_http_api_port_is_free_when_off_or_on_another_address(tmp_path, main_cli, lines):
    valid(main_cli, station_config(tmp_path, lines))


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        ("0.0.0.0", "127.0.0.1", True),
        ("localhost", "127.0.0.1", True),
        ("::", "127.0.0.1", True),
        ("::", "::1", True),
        ("127.0.0.1", "127.0.0.2", False),
        ("0.0.0.0", "::1", False),
    ],
)
def test_which_addresses_overlap(first, second, overlap):
    assert validation.addresses_overlap(first, second) is overlap
    assert validation.addresses_overlap(second, first) is overlap


# -- 5. uid_map_file is a file ---------------------------------------------------------------


def test_uid_map_file_that_is_a_folder_is_an_error(tmp_path, main_cli):
    config = station_config(tmp_path, "[Anonymization]\nuid_map_file = /\n")
    assert refusal(main_cli, config) == (
        "rtstation: settings.ini [Anonymization] uid_map_file '/': is a folder, not a file; "
        "name the file the UID map is kept in, such as /uid-map.json"
    )
    write(
        config / "settings.ini",
        f"[General]\nwatch_folder = {tmp_path}/storage\nimport_folder = {tmp_path}/import\n"
        f"[Anonymization]\nuid_map_file = {tmp_path}/uid-map.json\n",
    )
    valid(main_cli, config)


def test_load_station_config_refuses_it_too(tmp_path):
    config = station_config(tmp_path, f"[Anonymization]\nuid_map_file = {tmp_path}\n")
    with pytest.raises(ConfigError, match=r"\[Anonymization\] uid_map_file '.*': is a folder"):
        load_station_config(config)
