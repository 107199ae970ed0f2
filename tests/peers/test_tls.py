"""Forwarding over TLS to a DCMTK storescp with a certificate from a throw-away test CA."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.data.generator import StudySpec, write_study
from tests.peers.peers import read_sop_instance_uid
from tests.peers.station_proc import write_settings


def _openssl(*args: str, cwd: Path) -> None:
    binary = shutil.which("openssl")
    if binary is None:
        pytest.fail("openssl is missing: apt-get install openssl (scripts/install.sh --test does)")
    subprocess.run([binary, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated CA (made
    once for the module: three RSA keys cost a second, and no test changes them)."""
    d = tmp_path_factory.mktemp("pki")
    for ca in ("ca", "other-ca"):
        _openssl(
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            f"{ca}.key",
            "-out",
            f"{ca}.pem",
            "-days",
            "2",
            "-subj",
            f"/CN=rtstation {ca}",
            cwd=d,
        )
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
        cwd=d,
    )
    (d / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.cnf",
        cwd=d,
    )
    return {name: d / f"{name}.pem" for name in ("ca", "other-ca", "server")} | {
        "server-key": d / "server.key"
    }


def _tls_node(port: int, ca: Path) -> str:
    return (
        f"\n[Node1]\nname = SECURE\nenabled = True\nae_title = TLSSCP\nip = 127.0.0.1\n"
        f"port = {port}\ntls = True\ntls_ca_file = {ca}\n"
    )


def test_echo_and_send_over_tls(tmp_path: Path, storescp, certificates):
    scp = storescp(
        ae_title="TLSSCP",
        extra_args=("+tls", str(certificates["server-key"]), str(certificates["server"]), "-ic"),
    )
    config = tmp_path / "station"
    write_settings(config, port=1, extra=_tls_node(scp.port, certificates["ca"]))
    study = write_study(tmp_path / "s", StudySpec(patient_id="TLS", slices=4))
    cli = [sys.executable, "-m", "rtstation", "--config", str(config)]
    echo = subprocess.run([*cli, "echo", "SECURE"], capture_output=True, text=True, timeout=60)
    assert echo.returncode == 0, echo.stdout + echo.stderr
    sent = subprocess.run(
        [*cli, "send", "--node", "SECURE", str(study.root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert set(scp.received_order()) == {read_sop_instance_uid(p) for p in study.all_paths}


def test_untrusted_server_certificate_is_refused_in_words(tmp_path: Path, storescp, certificates):
    scp = storescp(
        ae_title="TLSSCP",
        extra_args=("+tls", str(certificates["server-key"]), str(certificates["server"]), "-ic"),
    )
    config = tmp_path / "station"
    write_settings(config, port=1, extra=_tls_node(scp.port, certificates["other-ca"]))
    cli = [sys.executable, "-m", "rtstation", "--config", str(config)]
    echo = subprocess.run([*cli, "echo", "SECURE"], capture_output=True, text=True, timeout=60)
    assert echo.returncode == 1
    assert "TLS handshake failed: check the certificates" in echo.stdout
    assert "Traceback" not in echo.stdout + echo.stderr
