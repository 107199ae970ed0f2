"""A batch extraction file (YAML or TOML) as a frozen value, checked key by key.

The format is pydicom-batch's: the sections ``pacs``, ``local``, ``request``, ``schedule``,
``anonymization`` and ``output`` with its key names, so its files load unchanged; a few
keys of ours are added (``pacs.node`` for a node of settings.ini, ``pacs.calling_aet``,
``pacs.timeout``, ``anonymization.profile``/``options``/``uid_map``, ``output.library_file``).
Every problem is reported as ``FILE SECTION.KEY 'VALUE': expected ...`` and all problems
of a file are reported at once. Only the text is checked here; the files it names (batch
CSV, anonymizer script, lookup table) are read when the batch is prepared, so a file
written for another computer still loads and names what is missing there.

Relative paths are taken from the folder of the extraction file; ``library_file`` and
``database_file`` from ``output.directory`` (as pydicom-batch joins them).
"""

from __future__ import annotations

import datetime as dt
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rtstation.config import batch_values as v
from rtstation.config.batch_elements import Element, ElementError, keyword_of
from rtstation.errors import ConfigError

REQUEST_TYPES = ("c-find", "c-move", "c-get")
MODELS = ("patient", "study")
MAX_THREADS = 32
STATE_FILE = "batch-state.jsonl"

_SECTIONS: dict[str, tuple[str, ...]] = {
    "pacs": ("hostname", "host", "port", "aet", "node", "calling_aet", "timeout"),
    "local": ("aet", "port"),
    "request": (
        "type",
        "model",
        "threads",
        "throttle_time",
        "elements_batch_file",
        "elements",
    ),
    "schedule": ("enabled", "start_time", "end_time", "timezone"),
    "anonymization": ("enabled", "script", "lookup_table", "profile", "options", "uid_map"),
    "output": (
        "directory",
        "library_file",
        "database_file",
        "directory_structure",
        "filename",
        "decompress",
        # pydicom-batch's C-FIND sample names the anonymizer here; it is read there too.
        "anonymization_script",
        "anonymization_lookup_table",
    ),
}


@dataclass(frozen=True)
class ArchiveSpec:
    """The archive: a node of settings.ini (``node``) or host, port and AE title."""

    node: str = ""
    host: str = ""
    port: int = 0
    ae_title: str = ""
    calling_ae: str = ""  # "": local.aet, else the station's AE title
    timeout: float = 0.0  # 0: the network default


@dataclass(frozen=True)
class LocalSpec:
    """Our receiver for C-MOVE: "" / 0 mean the station's own AE title / port."""

    ae_title: str = ""
    port: int = 0


@dataclass(frozen=True)
class ScheduleSpec:
    """Requests are sent only between ``start`` and ``end`` (time of day in ``timezone``;
    ``start`` later than ``end`` is a window across midnight)."""

    enabled: bool = False
    start: dt.time = dt.time(0, 0)
    end: dt.time = dt.time(0, 0)
    timezone: str = ""  # "": the computer's local time

    def zone(self) -> dt.tzinfo | None:
        return zoneinfo.ZoneInfo(self.timezone) if self.timezone else None


@dataclass(frozen=True)
class AnonymizationSpec:
    enabled: bool = False
    script: Path | None = None  # an RSNA CTP DicomAnonymizer script
    lookup_table: Path | None = None
    profile: str = "aria"
    options: tuple[str, ...] | None = None
    uid_map: Path | None = None


@dataclass(frozen=True)
class BatchConfig:
    """One extraction file, checked; ``source`` is the file it came from."""

    source: Path
    archive: ArchiveSpec
    local: LocalSpec
    kind: str
    model: str
    elements: tuple[Element, ...]
    batch_file: Path | None = None
    threads: int = 1
    throttle_time: float = 0.0
    schedule: ScheduleSpec = ScheduleSpec()
    anonymization: AnonymizationSpec = AnonymizationSpec()
    directory: Path = Path(".")
    library_file: Path | None = None
    directory_structure: tuple[str, ...] = ("PatientID", "StudyInstanceUID")
    filename: str = "SOPInstanceUID"
    decompress: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def state_file(self) -> Path:
        """Where progress is kept (next to the output), so a rerun resumes."""
        return self.directory / STATE_FILE

    @property
    def level(self) -> str:
        for element in self.elements:
            if element.keyword == "QueryRetrieveLevel" and element.value:
                return element.value.upper()
        return "PATIENT" if self.model == "patient" else "STUDY"


class _Checker:
    """Collects every problem of one file, each as one sentence."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.problems: list[tuple[str, str, str]] = []  # (key, value, sentence)

    def fail(self, key: str, value: object, expected: str) -> None:
        shown = "" if value is None else str(value)
        self.problems.append((key, shown, f"{self.source.name} {key} '{shown}': {expected}"))

    def section(self, data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
        value = data.get(name)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(name, value, "expected a section of keys")
            return {}
        for key in value:
            if key not in _SECTIONS[name]:
                self.fail(
                    f"{name}.{key}",
                    value[key],
                    f"unknown key '{key}' in section '{name}' (known: "
                    f"{', '.join(_SECTIONS[name])})",
                )
        return value

    def get(
        self,
        section: Mapping[str, Any],
        name: str,
        key: str,
        convert: Callable[[Any], Any],
        default: Any,
        expected: str,
    ) -> Any:
        if key not in section or section[key] is None:
            return default
        try:
            return convert(section[key])
        except (ValueError, TypeError, ElementError) as exc:
            detail = str(exc) if isinstance(exc, ElementError) else expected
            self.fail(f"{name}.{key}", section[key], detail)
            return default


def read_document(path: Path) -> Mapping[str, Any]:
    """The raw mapping of a YAML (``.yml``/``.yaml``) or TOML (``.toml``) file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ConfigError(f"Batch file '{path}' does not exist", file=str(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Batch file '{path}' cannot be read ({exc})", file=str(path)) from exc
    try:
        if path.suffix.lower() == ".toml":
            data: Any = tomllib.loads(text)
        else:
            data = yaml.safe_load(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"{path.name} is not valid {'TOML' if path.suffix.lower() == '.toml' else 'YAML'}: "
            f"{' '.join(str(exc).split())}",
            file=str(path),
        ) from exc
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{path.name}: expected sections pacs, local, request, output (found '{data}')",
            file=str(path),
        )
    return data


def load_batch_config(path: Path | str) -> BatchConfig:
    """Read and check an extraction file; :class:`ConfigError` lists every problem."""
    path = Path(path).absolute()
    return parse_batch_config(read_document(path), path)


def parse_batch_config(data: Mapping[str, Any], source: Path) -> BatchConfig:
    check = _Checker(source)
    base = source.parent
    for name in data:
        if name not in _SECTIONS:
            check.fail(name, "", f"unknown section '{name}' (known: {', '.join(_SECTIONS)})")

    def resolve(value: Any, relative_to: Path) -> Path:
        return relative_to / Path(v.as_text(value)).expanduser()

    pacs = check.section(data, "pacs")
    node = check.get(
        pacs, "pacs", "node", v.as_text, "", "expected the name of a node of settings.ini"
    )
    archive = ArchiveSpec(
        node=node,
        host=check.get(pacs, "pacs", "hostname", v.host, "", "expected a host name or address")
        or check.get(pacs, "pacs", "host", v.host, "", "expected a host name or address"),
        port=check.get(pacs, "pacs", "port", v.int_range(1, 65535), 0, "expected a port 1-65535"),
        ae_title=check.get(
            pacs, "pacs", "aet", v.ae, "", "expected an AE title of 1-16 characters"
        ),
        calling_ae=check.get(
            pacs, "pacs", "calling_aet", v.ae, "", "expected an AE title of 1-16 characters"
        ),
        timeout=check.get(
            pacs, "pacs", "timeout", v.seconds, 0.0, "expected seconds, a number from 1 to 86400"
        ),
    )
    if not node:
        for key, value in (
            ("hostname", archive.host),
            ("port", archive.port),
            ("aet", archive.ae_title),
        ):
            if not value and f"pacs.{key}" not in {p[0] for p in check.problems}:
                check.fail(
                    f"pacs.{key}",
                    "",
                    "missing: give pacs.hostname, pacs.port and pacs.aet, or pacs.node",
                )
    local = check.section(data, "local")
    local_spec = LocalSpec(
        ae_title=check.get(
            local, "local", "aet", v.ae, "", "expected an AE title of 1-16 characters"
        ),
        port=check.get(local, "local", "port", v.int_range(1, 65535), 0, "expected a port 1-65535"),
    )
    request = check.section(data, "request")
    kind = check.get(
        request, "request", "type", v.choice(REQUEST_TYPES), "", "expected c-find, c-move or c-get"
    )
    if "type" not in request:
        check.fail("request.type", "", "missing: expected c-find, c-move or c-get")
    model = check.get(
        request, "request", "model", v.choice(MODELS), "study", "expected patient or study"
    )
    elements = check.get(
        request, "request", "elements", v.elements, (), "expected a list of elements"
    )
    batch_file = check.get(
        request,
        "request",
        "elements_batch_file",
        lambda raw: resolve(raw, base),
        None,
        "expected a path",
    )
    threads = check.get(
        request,
        "request",
        "threads",
        v.int_range(1, MAX_THREADS),
        1,
        f"expected a whole number from 1 to {MAX_THREADS}",
    )
    throttle = check.get(
        request, "request", "throttle_time", v.seconds, 0.0, "expected seconds, 0 or more"
    )
    schedule = check.section(data, "schedule")
    schedule_spec = ScheduleSpec(
        enabled=check.get(
            schedule, "schedule", "enabled", v.boolean, bool(schedule), "expected true or false"
        ),
        start=check.get(
            schedule,
            "schedule",
            "start_time",
            v.time_of_day,
            dt.time(0, 0),
            "expected a time of day HH:MM",
        ),
        end=check.get(
            schedule,
            "schedule",
            "end_time",
            v.time_of_day,
            dt.time(0, 0),
            "expected a time of day HH:MM",
        ),
        timezone=check.get(
            schedule,
            "schedule",
            "timezone",
            v.zone,
            "",
            "expected a time zone name such as 'Europe/Berlin'",
        ),
    )
    if schedule_spec.enabled and schedule_spec.start == schedule_spec.end:
        check.fail(
            "schedule.end_time",
            schedule_spec.end.strftime("%H:%M"),
            "must differ from schedule.start_time (the window would be empty)",
        )
    output = check.section(data, "output")
    directory = check.get(
        output, "output", "directory", lambda raw: resolve(raw, base), base, "expected a path"
    )
    anonymization = check.section(data, "anonymization")

    def path_in(section: Mapping[str, Any], name: str, key: str, relative_to: Path) -> Path | None:
        return check.get(
            section, name, key, lambda raw: resolve(raw, relative_to), None, "expected a path"
        )

    anonymization_spec = AnonymizationSpec(
        enabled=check.get(
            anonymization,
            "anonymization",
            "enabled",
            v.boolean,
            bool(anonymization),
            "expected true or false",
        ),
        script=path_in(anonymization, "anonymization", "script", base)
        or path_in(output, "output", "anonymization_script", base),
        lookup_table=path_in(anonymization, "anonymization", "lookup_table", base)
        or path_in(output, "output", "anonymization_lookup_table", base),
        profile=check.get(
            anonymization,
            "anonymization",
            "profile",
            v.choice(("aria", "basic")),
            "aria",
            "expected aria or basic",
        ),
        options=check.get(
            anonymization,
            "anonymization",
            "options",
            v.options,
            None,
            "expected a list of option names",
        ),
        uid_map=path_in(anonymization, "anonymization", "uid_map", base),
    )
    library = path_in(output, "output", "library_file", directory) or path_in(
        output, "output", "database_file", directory
    )
    if kind == "c-find" and library is None:
        check.fail("output.library_file", "", "missing: a C-FIND batch writes its matches there")
    structure = check.get(
        output,
        "output",
        "directory_structure",
        v.keywords,
        ("PatientID", "StudyInstanceUID"),
        "expected keywords separated by '/'",
    )
    filename = check.get(
        output, "output", "filename", keyword_of, "SOPInstanceUID", "expected a keyword"
    )
    decompress = check.get(
        output, "output", "decompress", v.boolean, False, "expected true or false"
    )
    warnings = []
    if kind == "c-find" and anonymization_spec.enabled:
        warnings.append(
            f"{source.name}: anonymization applies to retrieved files; a C-FIND library is "
            "written as the archive answers"
        )
    if check.problems:
        key, value, _sentence = check.problems[0]
        raise ConfigError(
            "\n".join(p[2] for p in check.problems), file=str(source), key=key, value=value
        )
    return BatchConfig(
        source=source,
        archive=archive,
        local=local_spec,
        kind=kind,
        model=model,
        elements=elements,
        batch_file=batch_file,
        threads=threads,
        throttle_time=throttle,
        schedule=schedule_spec,
        anonymization=anonymization_spec,
        directory=directory,
        library_file=library,
        directory_structure=structure,
        filename=filename,
        decompress=decompress,
        warnings=tuple(warnings),
    )
