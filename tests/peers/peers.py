"""Real DICOM peers for integration tests: DCMTK storescp/storescu/echoscu and Orthanc.

Every peer is a subprocess on a free 127.0.0.1 port, in its own session (process group), with
``TCP_NODELAY=1`` in its environment (without it DCMTK and Orthanc receive about 50x slower on
loopback), stdout and stderr written to log files in its work directory, and stopped by the
fixtures in ``tests/peers/conftest.py`` even when the test fails. A missing binary fails the
test and names the Debian package: peer tests never skip, so a run that passes has really
talked to every peer.

What the peers do, measured with DCMTK 3.6.7 and Orthanc 1.10.1:

* ``StoreSCP`` runs ``storescp +B`` (bit-preserving): the data set after the file meta group is
  byte-equal to what the sender's file held (``dataset_bytes``); the meta group is rewritten.
  Files are named ``<modality prefix>.<SOP Instance UID>`` (``CT.1.2...``, ``RD.1.2...``).
  Reception order comes from ``--exec-on-reception`` run with ``--exec-sync``: storescp appends
  each file name to ``order.txt`` after writing the file and before it answers the C-STORE, so
  the order is exactly the order of stored instances.
* ``StoreSCP(reject_rtdose=True)`` does not accept the RT Dose presentation context: storescu
  logs ``No presentation context for: (RD) ...``; a pynetdicom SCU finds no accepted context.
* ``Orthanc(reject_rtdose=True)`` refuses RT Dose in a Lua ``ReceivedInstanceFilter`` that raises
  an error: the sender gets ``0xA700`` (Refused: Out of Resources) and nothing is stored.
  ``Orthanc(drop_rtdose=True)`` returns false from the filter instead: the sender gets
  ``0x0000`` (Success) and Orthanc silently discards the instance. Orthanc 1.10.1 has no way to
  answer another status: its ``ReceivedCStoreInstanceFilter`` never sends the returned code
  (measured: returning 0 discards the instance, any other number stores it, both answer 0x0000),
  and ``AcceptedSopClasses`` does not exist yet.
  Both filters apply to C-STORE only: ``Orthanc.upload`` (REST) stores anything.
* ``storescu`` exits 0 with ``-nh`` even when some stores failed: read the outcome per file with
  ``storescu_responses``/``storescu_acknowledged`` on its stderr (the ``-v`` log).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import re
import shlex
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.peers.listening import is_listening

LOGGER = logging.getLogger(__name__)

HOST = "127.0.0.1"
VERIFICATION_SOP_CLASS = "1.2.840.10008.1.1"
RT_DOSE_STORAGE = "1.2.840.10008.5.1.4.1.1.481.2"

PathLike = str | os.PathLike[str]

_PACKAGE_OF = {
    "storescp": "dcmtk",
    "storescu": "dcmtk",
    "echoscu": "dcmtk",
    "findscu": "dcmtk",
    "movescu": "dcmtk",
    "Orthanc": "orthanc",
}


class PeerError(RuntimeError):
    """A peer process could not be started, or a request to it failed."""


# --- binaries, ports, processes ---------------------------------------------------------------


def _is_native_executable(path: Path) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(4) == b"\x7fELF"
    except OSError:
        return False


def find_binary(name: str) -> str:
    """Return the path of a peer binary, or fail the test naming the package that provides it.

    Only native executables count: pynetdicom installs Python console scripts with the same
    names (storescp, storescu, echoscu, findscu, movescu) into the virtual environment.
    """
    directories = os.environ.get("PATH", "").split(os.pathsep)
    # Debian installs Orthanc in /usr/sbin, which is not on every user's PATH.
    directories += ["/usr/sbin", "/usr/bin", "/usr/local/bin"]
    for directory in directories:
        if not directory:
            continue
        candidate = Path(directory) / name
        if (
            candidate.is_file()
            and os.access(candidate, os.X_OK)
            and _is_native_executable(candidate)
        ):
            return str(candidate)
    package = _PACKAGE_OF.get(name, "?")
    pytest.fail(
        f"Peer binary '{name}' (a native executable, not pynetdicom's script of the same name) "
        f"was not found on PATH or in /usr/sbin: install the Debian package '{package}' "
        "(bash scripts/install.sh --test does).",
        pytrace=False,
    )


_ports_lock = threading.Lock()
_ports_handed_out: set[int] = set()


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 and was not handed out before in this process.

    Another process can still take the port before the peer binds it; the peer classes retry
    with a new port when they chose it themselves and the bind fails.
    """
    with _ports_lock:
        for _ in range(100):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind((HOST, 0))
                port = sock.getsockname()[1]
            if port not in _ports_handed_out:
                _ports_handed_out.add(port)
                return port
    raise PeerError("No free TCP port on 127.0.0.1 after 100 attempts")


_children_lock = threading.Lock()
_children: list[subprocess.Popen[Any]] = []


def register_child(proc: subprocess.Popen[Any]) -> None:
    with _children_lock:
        _children.append(proc)


def _kill_group(proc: subprocess.Popen[Any], sig: int) -> None:
    # Each child leads its own session, so its process group id is its pid. Signalling the
    # group also reaches what it started (storescp's --exec-on-reception shells). Only while
    # the leader is not reaped: until then its pid (and group id) cannot be reused.
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def terminate(
    proc: subprocess.Popen[Any], timeout: float = 10.0, *, graceful: bool = True
) -> int | None:
    """SIGTERM the process group, wait up to ``timeout`` seconds, then SIGKILL it.

    ``graceful=False`` sends SIGKILL at once (a test's throw-away peer, or a crash).
    """
    if graceful and proc.poll() is None:
        _kill_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            LOGGER.warning("pid %s ignored SIGTERM for %.0f s: killing it", proc.pid, timeout)
    if proc.poll() is None:
        _kill_group(proc, signal.SIGKILL)
        proc.wait(10)
    with _children_lock:
        if proc in _children:
            _children.remove(proc)
    return proc.returncode


def kill_all_children(timeout: float = 5.0) -> list[int]:
    """Stop every process this module started that is still running; return their pids."""
    with _children_lock:
        procs = list(_children)
    running = [proc.pid for proc in procs if proc.poll() is None]
    for proc in procs:
        terminate(proc, timeout)
    return running


atexit.register(kill_all_children, 2.0)


def _peer_env() -> dict[str, str]:
    env = dict(os.environ)
    env["TCP_NODELAY"] = "1"
    return env


def _tail(path: Path, limit: int = 6000) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    text = data[-limit:].decode("utf-8", "replace")
    return ("...\n" if len(data) > limit else "") + text


def _looks_like_bind_failure(log: str) -> bool:
    needles = ("already in use", "Address in use", "cannot listen", "privileged or already")
    return any(needle.lower() in log.lower() for needle in needles)


_P = TypeVar("_P", bound="_PeerProcess")


class _PeerProcess:
    """Common lifecycle of a long-running peer: start, wait until ready, logs, stop."""

    name = "peer"
    # Whether the fixtures' teardown stops it with SIGTERM (else SIGKILL: its data is thrown
    # away with the test's tmp_path anyway).
    teardown_graceful = True

    def __init__(self, work_dir: PathLike | None, startup_timeout: float) -> None:
        if work_dir is None:
            work_dir = tempfile.mkdtemp(prefix=f"rtstation-{self.name.lower()}-")
        self.work_dir = Path(work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.stdout_path = self.work_dir / "stdout.log"
        self.stderr_path = self.work_dir / "stderr.log"
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[bytes] | None = None

    # subclasses provide these
    def _argv(self) -> list[str]:
        raise NotImplementedError

    def _is_ready(self) -> bool:
        raise NotImplementedError

    def _choose_ports(self) -> None:
        raise NotImplementedError

    def _prepare(self) -> None:
        """Write configuration files for the chosen ports."""

    @property
    def _ports_were_chosen(self) -> bool:
        raise NotImplementedError

    def start(self: _P) -> _P:
        """Start the peer and wait until it accepts connections on its port(s)."""
        return self._start(may_change_ports=self._ports_were_chosen)

    def restart(self: _P) -> _P:
        """Stop the peer if it runs, then start it again on the same port(s) and files
        (after ``kill()``, for "peer comes back" tests)."""
        self.stop()
        return self._start(may_change_ports=False)

    def _start(self: _P, *, may_change_ports: bool) -> _P:
        if self.running:
            raise PeerError(f"{self.name} on port {self.port} is already running")
        attempts = 3 if may_change_ports else 1
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                self._choose_ports()
            self._prepare()
            self._spawn()
            try:
                self._wait_ready()
                return self
            except PeerError:
                log = self.logs()
                self.stop()
                if attempt < attempts and _looks_like_bind_failure(log):
                    LOGGER.warning("%s could not bind its port, retrying on another", self.name)
                    continue
                raise
        raise AssertionError("unreachable")

    def _spawn(self) -> None:
        argv = self._argv()
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            stamp = f"\n--- {time.strftime('%H:%M:%S')} {shlex.join(argv)}\n".encode()
            err.write(stamp)
            err.flush()
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=self.work_dir,
                env=_peer_env(),
                start_new_session=True,
            )
        register_child(self.proc)

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.proc.poll() is not None:
                raise PeerError(
                    f"{self.name} exited with status {self.proc.returncode} while starting; "
                    f"its log:\n{self.logs()}"
                )
            if self._is_ready():
                return
            if time.monotonic() > deadline:
                raise PeerError(
                    f"{self.name} was not ready after {self.startup_timeout:.0f} s; "
                    f"its log:\n{self.logs()}"
                )
            time.sleep(0.05)

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def logs(self) -> str:
        """The tail of this peer's stdout and stderr, for failure messages."""
        parts = []
        for path in (self.stderr_path, self.stdout_path):
            text = _tail(path)
            if text.strip():
                parts.append(f"[{path.name}]\n{text}")
        return "\n".join(parts) or "(empty)"

    def stop(self, timeout: float = 10.0, *, graceful: bool = True) -> int | None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL; ``graceful=False`` kills at
        once. Safe to call twice."""
        if self.proc is None:
            return None
        return terminate(self.proc, timeout, graceful=graceful)

    def kill(self) -> None:
        """SIGKILL the peer at once (a crash, for recovery tests)."""
        self.stop(graceful=False)

    def __enter__(self: _P) -> _P:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# --- DCMTK storescp ---------------------------------------------------------------------------

# Preference order when a presentation context proposes several transfer syntaxes.
_STORESCP_TRANSFER_SYNTAXES = (
    "LocalEndianExplicit",
    "LittleEndianImplicit",
    "OppositeEndianExplicit",
    "DeflatedLittleEndianExplicit",
    "JPEGBaseline",
    "JPEGExtended:Process2+4",
    "JPEGLossless:Non-hierarchical-1stOrderPrediction",
    "JPEGLSLossless",
    "JPEGLSLossy",
    "JPEG2000LosslessOnly",
    "JPEG2000",
    "RLELossless",
)


def default_storage_sop_classes() -> list[str]:
    """The storage SOP classes a ``StoreSCP`` accepts by default (pynetdicom's 120 common ones,
    which include all RT classes up to RT Ion and RT Beams Delivery Instruction)."""
    from pynetdicom import StoragePresentationContexts

    return [str(cx.abstract_syntax) for cx in StoragePresentationContexts]


class StoreSCP(_PeerProcess):
    """DCMTK ``storescp`` on 127.0.0.1.

    ``with StoreSCP(tmp_path / "in") as scp: ...`` then send to ``scp.port`` / ``scp.ae_title``.

    * ``reject_rtdose`` / ``reject_sop_classes``: these SOP classes get no presentation context.
    * ``sop_classes``: replace the accepted storage SOP classes (at most 127, a DCMTK limit).
    * ``bit_preserving``: ``+B``, the data set is written exactly as received.
    * ``record_order``: keep ``order.txt`` (one synchronous shell per stored file: turn it off
      for throughput measurements).
    """

    name = "storescp"

    def __init__(
        self,
        out_dir: PathLike | None = None,
        *,
        ae_title: str = "STORESCP",
        port: int | None = None,
        reject_rtdose: bool = False,
        reject_sop_classes: Iterable[str] = (),
        sop_classes: Iterable[str] | None = None,
        bit_preserving: bool = True,
        record_order: bool = True,
        extra_args: Sequence[str] = (),
        work_dir: PathLike | None = None,
        startup_timeout: float = 10.0,
    ) -> None:
        super().__init__(work_dir, startup_timeout)
        self.binary = find_binary("storescp")
        self.ae_title = ae_title
        self._fixed_port = port is not None
        self.port = port if port is not None else free_port()
        self.out_dir = Path(out_dir) if out_dir is not None else self.work_dir / "received"
        self.out_dir.mkdir(parents=True, exist_ok=True)
        rejected = set(reject_sop_classes)
        if reject_rtdose:
            rejected.add(RT_DOSE_STORAGE)
        self.rejected_sop_classes = frozenset(rejected)
        accepted = list(sop_classes) if sop_classes is not None else default_storage_sop_classes()
        self.accepted_sop_classes = tuple(
            uid for uid in dict.fromkeys(accepted) if uid not in rejected
        )
        if len(self.accepted_sop_classes) > 127:
            raise ValueError(
                f"storescp accepts at most 127 storage SOP classes, not "
                f"'{len(self.accepted_sop_classes)}'"
            )
        self.bit_preserving = bit_preserving
        self.record_order = record_order
        self.extra_args = tuple(extra_args)
        self.order_path = self.work_dir / "order.txt"
        self.config_path = self.work_dir / "storescp.cfg"

    @property
    def _ports_were_chosen(self) -> bool:
        return not self._fixed_port

    def _choose_ports(self) -> None:
        self.port = free_port()

    def _prepare(self) -> None:
        lines = ["[[TransferSyntaxes]]", "[Harness]"]
        lines += [
            f"TransferSyntax{i} = {ts}" for i, ts in enumerate(_STORESCP_TRANSFER_SYNTAXES, 1)
        ]
        lines += ["", "[[PresentationContexts]]", "[Harness]"]
        uids = [VERIFICATION_SOP_CLASS, *self.accepted_sop_classes]
        lines += [f"PresentationContext{i} = {uid}\\Harness" for i, uid in enumerate(uids, 1)]
        lines += ["", "[[Profiles]]", "[Harness]", "PresentationContexts = Harness", ""]
        self.config_path.write_text("\n".join(lines))

    def _argv(self) -> list[str]:
        argv = [self.binary, "-v", "-aet", self.ae_title, "-od", str(self.out_dir)]
        argv += ["-xf", str(self.config_path), "Harness"]
        if self.bit_preserving:
            argv.append("+B")
        if self.record_order:
            # '#f' is the stored file's name (no directory). --exec-sync runs the command
            # before the C-STORE response is sent, so order.txt is in reception order.
            order = shlex.quote(str(self.order_path))
            argv += ["-xcr", f"echo '#f' >> {order}", "-xs"]
        argv += [*self.extra_args, str(self.port)]
        return argv

    def _is_ready(self) -> bool:
        return is_listening(self.port, self.pid)

    # -- what arrived --

    def received_names(self) -> list[str]:
        """File names in ``out_dir`` in reception order (a name repeats if stored twice)."""
        if not self.record_order:
            raise PeerError("received order is not recorded: start StoreSCP(record_order=True)")
        try:
            text = self.order_path.read_text()
        except FileNotFoundError:
            return []
        return [line.strip() for line in text.splitlines() if line.strip()]

    def received_order(self) -> list[str]:
        """SOP Instance UIDs in the order storescp stored them."""
        uids = []
        for name in self.received_names():
            prefix, _, rest = name.partition(".")
            if rest and prefix.isalpha() and rest[0].isdigit():
                uids.append(rest)
            else:  # not a default file name (+uf, -tn): read the header
                uids.append(read_sop_instance_uid(self.out_dir / name))
        return uids

    def received_files(self) -> list[Path]:
        """Files storescp wrote, in reception order when it is recorded, else sorted by name."""
        present = {p.name: p for p in self.out_dir.iterdir() if p.is_file()}
        if not self.record_order:
            return [present[name] for name in sorted(present)]
        ordered = [
            present[name] for name in dict.fromkeys(self.received_names()) if name in present
        ]
        seen = {p.name for p in ordered}
        return ordered + [present[name] for name in sorted(present) if name not in seen]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[str]:
        """Wait until at least ``count`` instances were stored; return ``received_order()``."""
        deadline = time.monotonic() + timeout
        while True:
            order = self.received_order()
            if len(order) >= count:
                return order
            if time.monotonic() > deadline:
                raise PeerError(
                    f"storescp stored {len(order)} of {count} expected instances within "
                    f"{timeout:.0f} s; its log:\n{self.logs()}"
                )
            time.sleep(0.05)


# --- Orthanc ----------------------------------------------------------------------------------

_ORTHANC_LUA = """\
-- Written by the rtstation test harness.
local refused = { %(refused)s }
local dropped = { %(dropped)s }

function ReceivedInstanceFilter(dicom, origin, info)
  if origin['RequestOrigin'] ~= 'DicomProtocol' then
    return true
  end
  local sop_class = dicom['SOPClassUID']
  if sop_class ~= nil and refused[sop_class] then
    -- An error here makes Orthanc 1.10 answer the C-STORE with 0xA700.
    error('rtstation test harness refuses SOP class ' .. sop_class)
  end
  if sop_class ~= nil and dropped[sop_class] then
    return false  -- discarded, yet the C-STORE is answered 0x0000
  end
  return true
end
"""


def _lua_set(uids: Iterable[str]) -> str:
    return ", ".join(f"['{uid}'] = true" for uid in sorted(set(uids)))


class Orthanc(_PeerProcess):
    """An Orthanc server on 127.0.0.1 (DICOM ``port`` and REST ``http_port``), empty at start.

    ``modalities`` maps a name to ``(ae_title, host, port)`` of a peer Orthanc may query, move
    to and accept Q/R from (all of echo/find/move/get/store allowed); ``add_modality`` does the
    same while running. ``reject_rtdose``/``refuse_sop_classes``: C-STORE answered 0xA700, not
    stored. ``drop_rtdose``/``drop_sop_classes``: answered 0x0000, silently not stored.
    ``extra_config`` is merged into the generated configuration last.
    """

    name = "Orthanc"
    # Orthanc needs about 3.5 s to stop after SIGTERM (HTTP 2 s, DICOM 1 s).
    teardown_graceful = False

    def __init__(
        self,
        *,
        ae_title: str = "ORTHANC",
        port: int | None = None,
        http_port: int | None = None,
        modalities: Mapping[str, tuple[str, str, int]] | None = None,
        reject_rtdose: bool = False,
        drop_rtdose: bool = False,
        refuse_sop_classes: Iterable[str] = (),
        drop_sop_classes: Iterable[str] = (),
        extra_config: Mapping[str, Any] | None = None,
        work_dir: PathLike | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        super().__init__(work_dir, startup_timeout)
        self.binary = find_binary("Orthanc")
        self.ae_title = ae_title
        self._fixed_ports = port is not None or http_port is not None
        self.port = port if port is not None else free_port()
        self.http_port = http_port if http_port is not None else free_port()
        self.modalities = dict(modalities or {})
        refused = set(refuse_sop_classes)
        dropped = set(drop_sop_classes)
        if reject_rtdose:
            refused.add(RT_DOSE_STORAGE)
        if drop_rtdose:
            dropped.add(RT_DOSE_STORAGE)
        if refused & dropped:
            raise ValueError(
                f"SOP classes '{sorted(refused & dropped)}' are both refused and dropped: "
                "choose one"
            )
        self.refused_sop_classes = frozenset(refused)
        self.dropped_sop_classes = frozenset(dropped)
        self.extra_config = dict(extra_config or {})
        self.storage_dir = self.work_dir / "storage"
        self.config_path = self.work_dir / "orthanc.json"
        self.lua_path = self.work_dir / "filter.lua"

    @property
    def _ports_were_chosen(self) -> bool:
        return not self._fixed_ports

    def _choose_ports(self) -> None:
        self.port = free_port()
        self.http_port = free_port()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    @staticmethod
    def _modality_entry(ae_title: str, host: str, port: int) -> dict[str, Any]:
        return {
            "AET": ae_title,
            "Host": host,
            "Port": port,
            "AllowEcho": True,
            "AllowFind": True,
            "AllowMove": True,
            "AllowGet": True,
            "AllowStore": True,
        }

    def config(self) -> dict[str, Any]:
        """The configuration Orthanc is started with."""
        config: dict[str, Any] = {
            "Name": "rtstation-test",
            "DicomAet": self.ae_title,
            "DicomPort": self.port,
            "HttpPort": self.http_port,
            "StorageDirectory": str(self.storage_dir),
            "IndexDirectory": str(self.storage_dir),
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "DicomCheckCalledAet": False,
            "DicomAlwaysAllowEcho": True,
            "DicomAlwaysAllowStore": True,
            "DicomCheckModalityHost": False,
            "SynchronousCMove": True,
            # Close Orthanc's outgoing associations (C-MOVE sub-operations, C-STORE SCU) at
            # once, instead of holding them open 5 s on the receiver.
            "DicomAssociationCloseDelay": 0,
            "SaveJobs": False,
            "StorageCompression": False,
            "Plugins": [],
            "LuaScripts": [str(self.lua_path)],
            "DicomModalities": {
                name: self._modality_entry(*entry) for name, entry in self.modalities.items()
            },
        }
        extra = dict(self.extra_config)
        if "LuaScripts" in extra:
            config["LuaScripts"] += list(extra.pop("LuaScripts"))
        config.update(extra)
        return config

    def _prepare(self) -> None:
        self.storage_dir.mkdir(parents=True, exist_ok=True)
        self.lua_path.write_text(
            _ORTHANC_LUA
            % {
                "refused": _lua_set(self.refused_sop_classes),
                "dropped": _lua_set(self.dropped_sop_classes),
            }
        )
        self.config_path.write_text(json.dumps(self.config(), indent=2))

    def _argv(self) -> list[str]:
        return [self.binary, str(self.config_path)]

    def _is_ready(self) -> bool:
        if not (is_listening(self.port, self.pid) and is_listening(self.http_port, self.pid)):
            return False
        try:
            self.get("/system", timeout=1.0)
        except (OSError, PeerError):
            return False
        return True

    # -- REST, 127.0.0.1 only --

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        content_type: str = "application/json",
        timeout: float = 60.0,
    ) -> bytes:
        """Send one REST request to this Orthanc and return the response body."""
        request = urllib.request.Request(self.url + path, data=body, method=method)
        if body is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            raise PeerError(
                f"Orthanc answered {exc.code} to {method} '{path}': {detail.strip()}"
            ) from exc

    def get(self, path: str, *, timeout: float = 60.0) -> Any:
        return json.loads(self.request("GET", path, timeout=timeout))

    def post(self, path: str, payload: Any) -> Any:
        answer = self.request("POST", path, json.dumps(payload).encode())
        return json.loads(answer) if answer.strip() else None

    def instances(self) -> list[str]:
        """Orthanc identifiers of every stored instance."""
        return list(self.get("/instances"))

    def sop_instance_uids(self) -> set[str]:
        """SOP Instance UIDs of every stored instance."""
        expanded = self.get("/instances?expand")
        return {item["MainDicomTags"]["SOPInstanceUID"] for item in expanded}

    def instance_id(self, sop_instance_uid: str) -> str | None:
        """The Orthanc identifier of the instance with this SOP Instance UID, if stored."""
        answer = self.request(
            "POST", "/tools/lookup", sop_instance_uid.encode(), content_type="text/plain"
        )
        for item in json.loads(answer):  # [{"ID", "Path", "Type"}]
            if item.get("Type") == "Instance":
                return str(item["ID"])
        return None

    def instance_file(self, orthanc_id: str) -> bytes:
        """The stored DICOM file, as Orthanc wrote it."""
        return self.request("GET", f"/instances/{orthanc_id}/file")

    def instance_tags(self, orthanc_id: str) -> dict[str, Any]:
        """Simplified tags (keyword -> value) of one instance."""
        return dict(self.get(f"/instances/{orthanc_id}/simplified-tags"))

    def upload(self, path: PathLike) -> list[str]:
        """Store a file, or every file under a directory, through REST; return Orthanc ids.

        REST uploads bypass the C-STORE filters, so Q/R tests can load any data.
        """
        path = Path(path)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        ids = []
        for file in files:
            answer = json.loads(
                self.request(
                    "POST", "/instances", file.read_bytes(), content_type="application/dicom"
                )
            )
            status = answer.get("Status")
            if status not in ("Success", "AlreadyStored"):
                raise PeerError(f"Orthanc did not store '{file}': status '{status}'")
            ids.append(str(answer["ID"]))
        return ids

    def delete_all(self) -> None:
        """Delete every stored instance."""
        for orthanc_id in self.instances():
            self.request("DELETE", f"/instances/{orthanc_id}")

    def add_modality(self, name: str, ae_title: str, host: str, port: int) -> None:
        """Add or replace a known modality while running (e.g. the station, once it listens)."""
        entry = self._modality_entry(ae_title, host, port)
        self.request("PUT", f"/modalities/{name}", json.dumps(entry).encode())
        self.modalities[name] = (ae_title, host, port)

    def stop(self, timeout: float = 15.0, *, graceful: bool = True) -> int | None:
        return super().stop(timeout, graceful=graceful)


# --- DCMTK SCUs -------------------------------------------------------------------------------


def _as_paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    if isinstance(paths, (str, os.PathLike)):
        return [Path(paths)]
    return [Path(p) for p in paths]


def storescu_argv(
    paths: PathLike | Iterable[PathLike],
    port: int,
    *,
    calling_ae: str = "STORESCU",
    called_ae: str = "ANY-SCP",
    host: str = HOST,
    extra: Sequence[str] = (),
    no_halt: bool = True,
) -> list[str]:
    """The storescu command line; directories are scanned recursively (``+sd +r``)."""
    files = _as_paths(paths)
    if not files:
        raise ValueError("storescu needs at least one file or directory to send")
    argv = [find_binary("storescu"), "-v", "-aet", calling_ae, "-aec", called_ae]
    if no_halt:
        argv.append("-nh")
    if any(p.is_dir() for p in files):
        argv += ["+sd", "+r"]
    argv += [*extra, host, str(port), *(str(p) for p in files)]
    return argv


def storescu(
    paths: PathLike | Iterable[PathLike],
    port: int,
    *,
    calling_ae: str = "STORESCU",
    called_ae: str = "ANY-SCP",
    host: str = HOST,
    extra: Sequence[str] = (),
    no_halt: bool = True,
    check: bool = True,
    timeout: float = 120.0,
) -> subprocess.CompletedProcess[str]:
    """Send files with DCMTK storescu and wait for it.

    Files go in the order given; a directory is sent in the order the file system lists it
    (not sorted): pass a sorted list of files when the order matters. ``result.stderr`` is
    the ``-v`` log for ``storescu_responses``/``storescu_acknowledged``. With ``no_halt``
    storescu goes on after a failed store and still exits 0; ``check`` only raises when it
    exits non-zero (association refused, peer gone, bad file).
    """
    argv = storescu_argv(
        paths,
        port,
        calling_ae=calling_ae,
        called_ae=called_ae,
        host=host,
        extra=extra,
        no_halt=no_halt,
    )
    result = subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        env=_peer_env(),
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise PeerError(
            f"storescu exited with status {result.returncode}: {shlex.join(argv)}\n"
            f"{result.stderr[-6000:]}"
        )
    return result


class StoreSCUProcess(subprocess.Popen[bytes]):
    """A storescu running in the background; ``log()`` is its ``-v`` log so far."""

    log_dir: Path

    def log(self) -> str:
        return (self.log_dir / "stderr.log").read_text(errors="replace")

    def responses(self) -> list[tuple[str, str]]:
        return storescu_responses(self.log())

    def acknowledged(self) -> list[str]:
        return storescu_acknowledged(self.log())

    def stop(self, timeout: float = 5.0) -> int | None:
        return terminate(self, timeout)


def start_storescu(
    paths: PathLike | Iterable[PathLike],
    port: int,
    *,
    calling_ae: str = "STORESCU",
    called_ae: str = "ANY-SCP",
    host: str = HOST,
    extra: Sequence[str] = (),
    no_halt: bool = True,
    log_dir: PathLike | None = None,
) -> StoreSCUProcess:
    """Start storescu in the background (concurrent sends, kill-mid-transfer tests).

    The process is stopped by the peer fixtures' teardown if the test does not wait for it.
    """
    argv = storescu_argv(
        paths,
        port,
        calling_ae=calling_ae,
        called_ae=called_ae,
        host=host,
        extra=extra,
        no_halt=no_halt,
    )
    directory = (
        Path(log_dir)
        if log_dir is not None
        else Path(tempfile.mkdtemp(prefix="rtstation-storescu-"))
    )
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "stdout.log", "wb") as out, open(directory / "stderr.log", "wb") as err:
        proc = StoreSCUProcess(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=_peer_env(),
            start_new_session=True,
        )
    proc.log_dir = directory
    register_child(proc)
    return proc


_SENDING = re.compile(r"Sending file: (.+?)\s*$")
_RESPONSE = re.compile(r"Received Store Response \((.*)\)\s*$")
_STORE_FAILED = re.compile(r"Store Failed, file: (.+?):?\s*$")
_NO_CONTEXT = re.compile(r"No presentation context for: (.*?)\s*$")


def storescu_responses(output: str | subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    """Parse a ``storescu -v`` log into ``(file, outcome)`` pairs in sending order.

    ``outcome`` is the response text storescu prints (``"Success"``, ``"Warning: ..."``,
    ``"Refused: OutOfResources"``, ...), ``"No presentation context"`` when the peer accepted
    none for the file's SOP class, or ``"Store Failed"`` when the association broke before a
    response (the peer died or aborted). A file sent while the process was killed has no pair.
    """
    text = output.stderr if isinstance(output, subprocess.CompletedProcess) else output
    pairs: list[tuple[str, str]] = []
    current: str | None = None
    for line in text.splitlines():
        if match := _SENDING.search(line):
            current = match.group(1)
        elif match := _RESPONSE.search(line):
            if current is not None:
                pairs.append((current, match.group(1)))
                current = None
        elif match := _STORE_FAILED.search(line):
            pairs.append((match.group(1), "Store Failed"))
            current = None
        elif _NO_CONTEXT.search(line) and current is not None:
            pairs.append((current, "No presentation context"))
            current = None
    return pairs


def storescu_acknowledged(output: str | subprocess.CompletedProcess[str]) -> list[str]:
    """Files (as storescu printed their paths) whose C-STORE got a Success or Warning response,
    that is, files the peer said it stored."""
    return [
        file
        for file, outcome in storescu_responses(output)
        if outcome == "Success" or outcome.startswith("Warning")
    ]


def echoscu(
    port: int,
    called_ae: str = "ANY-SCP",
    *,
    calling_ae: str = "ECHOSCU",
    host: str = HOST,
    timeout: float = 30.0,
) -> bool:
    """C-ECHO with DCMTK echoscu; True when the peer answered success."""
    argv = [find_binary("echoscu"), "-aet", calling_ae, "-aec", called_ae, host, str(port)]
    result = subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_peer_env(),
        check=False,
    )
    if result.returncode != 0:
        LOGGER.info("echoscu to %s:%s failed: %s", host, port, result.stderr.strip())
    return result.returncode == 0


# --- files ------------------------------------------------------------------------------------


def dataset_bytes(data: bytes | PathLike) -> bytes:
    """The encoded data set of a DICOM Part 10 file: what follows the file meta group.

    ``StoreSCP`` (bit-preserving) keeps these bytes exactly; the meta group it rewrites.
    """
    if not isinstance(data, bytes):
        data = Path(data).read_bytes()
    if data[128:132] != b"DICM":
        raise ValueError("not a DICOM Part 10 file: no 'DICM' prefix at offset 128")
    if data[132:136] != b"\x02\x00\x00\x00" or data[136:138] != b"UL":
        raise ValueError("file meta group does not start with (0002,0000) Group Length")
    (group_length,) = struct.unpack("<I", data[140:144])
    return data[144 + group_length :]


def read_sop_instance_uid(path: PathLike) -> str:
    """SOP Instance UID of a DICOM file, reading the header only."""
    from pydicom import dcmread

    ds = dcmread(path, stop_before_pixels=True, specific_tags=["SOPInstanceUID"], force=True)
    return str(ds.SOPInstanceUID)
