"""Run ``rtstation serve`` as a real subprocess on a free loopback port.

The station under test is started exactly as a user starts it (the console entry point's
module, ``--config DIR``), so SIGKILL and SIGTERM tests exercise the real process.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from rtstation.routing.send_queue import ACTIVE_STATES
from tests.peers.peers import (
    HOST,
    free_port,
    is_listening,
    register_child,
    storescu,
    storescu_acknowledged,
)
from tests.waiting import wait_for

#: The settle time of a test station, in seconds: short, since the tests wait on the
#: station's "settled" log line (``wait_settled``) instead of sleeping through it.
SETTLE_SECONDS = 1


def write_settings(
    config_dir: Path,
    *,
    port: int,
    ae_title: str = "RTSTATION",
    extra: str = "",
    settle_seconds: float = SETTLE_SECONDS,
) -> None:
    """A settings.ini for a test station: storage and data inside ``config_dir``."""
    config_dir.mkdir(parents=True, exist_ok=True)
    text = textwrap.dedent(
        f"""\
        [General]
        watch_folder = storage
        import_folder = import

        [Receiver]
        ae_title = {ae_title}
        port = {port}
        min_free_space_mb = 0
        settle_seconds = {settle_seconds:g}
        """
    )
    (config_dir / "settings.ini").write_text(text + textwrap.dedent(extra), encoding="utf-8")


class StationProcess:
    """``python -m rtstation --config DIR serve --bind 127.0.0.1`` with its log captured."""

    def __init__(
        self,
        config_dir: Path,
        port: int | None = None,
        *,
        bind: str = HOST,
        launcher: Callable[[list[str]], list[str]] | None = None,
    ) -> None:
        """``bind`` "": no ``--bind``, so settings.ini's ``bind_address`` applies.

        ``launcher`` turns the command line into the one started (a private mount namespace
        with a small tmpfs as the storage folder, say); it must ``exec`` the command so the
        process started is the station.
        """
        self.launcher = launcher
        self.config_dir = Path(config_dir)
        self.port = port or free_port()
        self.bind = bind
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.config_dir / "serve-console.log"

    @property
    def storage(self) -> Path:
        return self.config_dir / "storage"

    @property
    def catalog(self) -> Path:
        return self.config_dir / "data" / "catalog.sqlite"

    def start(self, timeout: float = 30.0) -> StationProcess:
        if self.running:
            raise RuntimeError("this StationProcess is already running; stop it first")
        argv = [sys.executable, "-m", "rtstation", "--config", str(self.config_dir), "serve"]
        argv += ["--bind", self.bind] if self.bind else []
        argv += ["--port", str(self.port)]
        if self.launcher is not None:
            argv = self.launcher(argv)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                argv,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        # A test that fails before its stop() leaves no station running: the autouse
        # fixture in conftest.py stops every registered process after each test.
        register_child(self.proc)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rtstation serve exited early:\n{self.log()}")
            if is_listening(self.port):
                return self
            time.sleep(0.05)
        raise RuntimeError(f"rtstation serve did not listen on {self.port}:\n{self.log()}")

    def log(self) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        file_log = self.config_dir / "logs" / "rtstation.log"
        if file_log.exists():
            text += "\n--- rtstation.log ---\n" + file_log.read_text(errors="replace")
        return text

    def kill(self) -> None:
        """SIGKILL: the crash a power cut or an OOM killer causes."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait: the clean stop a service manager asks for."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> StationProcess:
        # ``with StationProcess(...).start() as station`` must not start a second one.
        return self if self.running else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def node_section(
    index: int, name: str, port: int, *, ae_title: str | None = None, enabled: bool = True
) -> str:
    """A ``[NodeN]`` section of settings.ini for a peer on 127.0.0.1."""
    return (
        f"\n[Node{index}]\nname = {name}\nenabled = {enabled}\nae_title = {ae_title or name}\n"
        f"ip = 127.0.0.1\nport = {port}\n"
    )


def rules_ini(text: str) -> str:
    """rules.ini with the rules switched on and ``text`` (the [RuleN] sections)."""
    return "[General]\nrules_enabled = True\n" + text


def wait_until(
    predicate: Callable[[], bool], timeout: float, what: str, station: StationProcess | None = None
) -> None:
    """Poll ``predicate``; on time-out fail with the station's log for the reader."""
    wait_for(
        predicate,
        what,
        timeout=timeout,
        interval=0.05,
        detail=lambda: station.log()[-4000:] if station else "",
    )


def file_log(station: StationProcess) -> str:
    """The station's own log file (serve and the CLI commands next to it write there)."""
    path = station.config_dir / "logs" / "rtstation.log"
    return path.read_text(errors="replace") if path.exists() else ""


#: What the station logs when an association that stored something has ended.
ASSOCIATION_ENDED = "instance(s) stored"


def associations_ended(station: StationProcess) -> int:
    """How many associations that stored something have ended, by the station's log."""
    return file_log(station).count(ASSOCIATION_ENDED)


def store_to(station: StationProcess, paths: Iterable[Path], calling_ae: str) -> int:
    """One storescu association to the station; every file must be acknowledged.

    Returns the association's number in the station's log (1 for the first), once the
    station has logged its end: the next association a test opens gets the next number.
    """
    paths = list(paths)
    before = associations_ended(station)
    result = storescu(paths, station.port, calling_ae=calling_ae, called_ae="RTSTATION")
    assert len(storescu_acknowledged(result)) == len(paths), result.stderr
    wait_until(
        lambda: associations_ended(station) > before,
        30,
        f"the end of association {before + 1} from {calling_ae}",
        station,
    )
    return before + 1


def settled_after(station: StationProcess, patient_id: str, association: int) -> bool:
    """True once the station took its settle-time decision for ``patient_id`` after the
    ``association``-th association (in log order; 0: any) ended.

    The station logs "Patient X settled" after it decided the patient's plans at the end
    of a quiet period, also when the decision was to send nothing; a test waits on that
    line instead of sleeping through the settle time and hoping nothing followed.
    """
    lines = file_log(station).splitlines()
    ended = [n for n, line in enumerate(lines) if ASSOCIATION_ENDED in line]
    if len(ended) < association:
        return False
    start = ended[association - 1] + 1 if association else 0
    marker = f"Patient {patient_id} settled ("
    return any(marker in line for line in lines[start:])


def active_jobs(station: StationProcess) -> int:
    """Jobs not yet in a terminal state (queued, retrying, in flight)."""
    marks = ", ".join("?" * len(ACTIVE_STATES))
    rows = query(station, f"SELECT COUNT(*) AS n FROM jobs WHERE state IN ({marks})", ACTIVE_STATES)
    return int(rows[0]["n"])


def wait_settled(
    station: StationProcess, patient_id: str, association: int, timeout: float = 30.0
) -> None:
    """Wait until the patient's settle-time decision after ``association`` was taken and
    every job it (or anything earlier) queued has ended: whatever would follow has followed."""
    wait_until(
        lambda: settled_after(station, patient_id, association),
        timeout,
        f"patient {patient_id} to settle after association {association}",
        station,
    )
    wait_until(lambda: active_jobs(station) == 0, timeout, "the queue to drain", station)


def query(station: StationProcess, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    """Read the station's catalog database (another process writes it: WAL allows that)."""
    conn = sqlite3.connect(station.catalog)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
