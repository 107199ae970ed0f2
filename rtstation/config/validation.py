"""Checks on a whole configuration: what no single value can tell.

values.py checks one value at a time. Here live the rules that relate values to each other
(a retry cap below its base, an allow-list switched on with nobody on it, an import folder
that holds the storage folder, an HTTP API on the receiver's port) and the checks that
need the disk (can the station create and write its folders, read a node's TLS files).
Loading, saving, the Settings dialog and the start of a station call these, so each
refusal reads the same everywhere: one sentence naming the file, the key, the value and
what was expected. Unknown required_modalities of a rule are only warned about
(:func:`modality_warnings`), like unknown plan intents.
"""

from __future__ import annotations

import ipaddress
import ntpath
import os
from collections.abc import Iterable
from dataclasses import dataclass

from rtstation.config import values
from rtstation.config.fields import (
    FOLDER_FIELDS,
    SETTINGS_FIELDS,
    Context,
    choose,
    found_in_file,
    settings_spec,
    value_error,
    value_message,
)
from rtstation.config.ini import IniSource, read_ini
from rtstation.config.model import Node, Settings
from rtstation.config.paths import ConfigPaths, is_absolute_path
from rtstation.errors import ConfigError

VIRTUAL_FILE_SYSTEMS = ("/proc", "/sys", "/dev")
"""Kernel file systems: a folder there is not on a disk, and writing there fails or worse."""


def check_settings(settings: Settings, file: str = "settings.ini") -> None:
    """Raise ConfigError if ``settings`` holds a value its file could not hold.

    Used before saving and by the Settings dialog, so an invalid value from a form is
    caught with the loader's message, not written to disk.
    """
    ctx = Context(file=file, config_dir="", data_dir="")
    for field in SETTINGS_FIELDS:
        if field.attr in FOLDER_FIELDS:
            continue
        key = field.keys[0]
        value = getattr(settings, field.attr)
        text = field.format(value, None)
        try:
            parsed = field.parse(text, ctx)
        except (values.Invalid, TypeError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, values.Invalid) else str(exc)
            raise value_error(file, key.section, key.name, text, reason) from None
        if parsed != value:
            raise value_error(
                file, key.section, key.name, text, "cannot be written to the file unchanged"
            )
    check_unique_node_names(settings.nodes, file)
    check_combinations(settings, file)


def check_unique_node_names(nodes: Iterable[Node], file: str) -> None:
    """Rules name their target nodes, so two nodes may not share a name (ignoring case)."""
    first: dict[str, str] = {}
    for index, node in enumerate(nodes, start=1):
        section = node.section or f"Node{index}"
        other = first.setdefault(node.name.casefold(), section)
        if other != section:
            raise value_error(
                file,
                section,
                "name",
                node.name,
                f"another node is already called '{node.name}' ([{other}]); node names "
                "must be unique",
            )


@dataclass(frozen=True)
class _Where:
    section: str
    key: str
    raw: str


def _where(attr: str, settings: Settings, source: IniSource | None) -> _Where:
    """The spelling and text of a setting as the file has it, else as it would be written."""
    field = settings_spec(attr)
    chosen = choose(found_in_file(source, field)) if source is not None else None
    if chosen is not None:
        return _Where(chosen.section, chosen.key, chosen.raw)
    key = field.keys[0]
    value = getattr(settings, attr)
    return _Where(key.section, key.name, field.format(value, None))


def check_combinations(
    settings: Settings, file: str = "settings.ini", source: IniSource | None = None
) -> None:
    """The rules between settings; ``source`` (the file as read) names keys as written."""
    if settings.retry_max_seconds < settings.retry_base_seconds:
        where = _where("retry_max_seconds", settings, source)
        raise value_error(
            file,
            where.section,
            where.key,
            where.raw,
            "must not be less than retry_base_seconds "
            f"({values.format_number(settings.retry_base_seconds)})",
        )
    if settings.allow_list_enabled and not settings.allowed_calling_aes:
        # An error, not a warning: a switched-on empty list refuses every sender, so the
        # station would run and receive nothing, which nobody sets up on purpose.
        where = _where("allowed_calling_aes", settings, source)
        raise value_error(
            file,
            where.section,
            where.key,
            where.raw,
            "must name at least one calling AE title while allow_list_enabled is True "
            "(an empty allow-list refuses every sender); add the senders' AE titles or "
            "set allow_list_enabled = False",
        )
    if (
        settings.http_api_enabled
        and settings.http_api_port == settings.port
        and addresses_overlap(settings.http_api_bind, settings.bind_address)
    ):
        api = _where("http_api_port", settings, source)
        port = _where("port", settings, source)
        api_bind = _where("http_api_bind", settings, source)
        bind = _where("bind_address", settings, source)
        raise value_error(
            file,
            api.section,
            api.key,
            api.raw,
            f"is also [{port.section}] {port.key}, and [{api_bind.section}] {api_bind.key} "
            f"'{settings.http_api_bind}' overlaps [{bind.section}] {bind.key} "
            f"'{settings.bind_address}', so they cannot both listen; choose another "
            f"{api.key}",
        )
    problem = folders_overlap(settings.import_folder, settings.storage_folder)
    if problem:
        imports = _where("import_folder", settings, source)
        storage = _where("storage_folder", settings, source)
        raise value_error(
            file,
            imports.section,
            imports.key,
            settings.import_folder,
            f"{problem} [{storage.section}] {storage.key} '{settings.storage_folder}'; the "
            "import folder and the storage folder must be separate folders, neither inside "
            "the other, so that an import never reads or clears stored files",
        )


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = "127.0.0.1" if address.strip().casefold() == "localhost" else address.strip()
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def addresses_overlap(first: str, second: str) -> bool:
    """Whether servers bound to ``first`` and ``second`` would take the same port.

    An address overlaps itself and a wildcard of its family (``0.0.0.0``: every IPv4
    address); ``::`` also takes IPv4, as a dual-stack socket does by default on Linux.
    """
    a, b = _ip(first), _ip(second)
    if a is None or b is None:
        return first.strip().casefold() == second.strip().casefold()
    for wildcard, other in ((a, b), (b, a)):
        if wildcard.is_unspecified and (wildcard.version == 6 or other.version == 4):
            return True
    return a == b


def modality_warnings(file: str, section: str, raw: str, modalities: Iterable[str]) -> list[str]:
    """Warnings for a rule's required_modalities the station does not know (a typo such
    as RTDSOE would hold every plan); ``raw`` is the value as the file has it."""
    return [
        value_message(
            file,
            section,
            "required_modalities",
            raw,
            f"'{modality}' is not a modality the station knows "
            f"({', '.join(values.MODALITIES)}), so a plan waits for it until a file of that "
            "Modality arrives",
        )
        for modality in modalities
        if modality not in values.MODALITIES
    ]


# -- folders and files ----------------------------------------------------------------------


def _windows_path(path: str) -> bool:
    """A path written for Windows (``d:\\x``, ``\\\\server\\x``) read on another system."""
    return os.name != "nt" and not os.path.isabs(path) and is_absolute_path(path)


def _normal(path: str) -> tuple[str, str]:
    """(comparable form, separator): symlinks resolved, case folded where the OS does."""
    if _windows_path(path):
        return ntpath.normcase(ntpath.normpath(path)).rstrip("\\"), "\\"
    return os.path.normcase(os.path.realpath(path)), os.sep


def _contains(outer: str, inner: str, sep: str) -> bool:
    return inner.startswith(outer.rstrip(sep) + sep)


def folders_overlap(first: str, second: str) -> str:
    """How ``first`` relates to ``second``: "is the same folder as", "contains", "is
    inside", or "" when they are separate. Symlinks count as what they point to."""
    a, sep = _normal(first)
    b, other_sep = _normal(second)
    if sep != other_sep:
        return ""
    if a == b:
        return "is the same folder as"
    if _contains(a, b, sep):
        return "contains"
    if _contains(b, a, sep):
        return "is inside"
    return ""


def folder_problem(path: str) -> str:
    """Why the station could not use ``path`` as a folder it writes to; "" when it can.

    The folder need not exist: then its nearest existing parent must be a writable
    folder, so the station can create it.
    """
    if _windows_path(path):
        return "is a Windows path, which this computer cannot use; write a path of this computer"
    resolved = os.path.realpath(path)
    for virtual in VIRTUAL_FILE_SYSTEMS:
        if resolved == virtual or resolved.startswith(virtual + os.sep):
            return (
                f"is under {virtual}, a virtual file system of the kernel; choose a folder "
                "on a disk"
            )
    existing = resolved
    while not os.path.exists(existing):
        parent = os.path.dirname(existing)
        if parent == existing:
            break
        existing = parent
    if not os.path.isdir(existing):
        if existing == resolved:
            return "is a file, not a folder"
        return f"cannot be created: '{existing}' is a file, not a folder"
    if _read_only(existing):
        return f"is on a read-only file system ('{existing}')"
    if not os.access(existing, os.W_OK | os.X_OK):
        if existing == resolved:
            return "is not writable for this user"
        return f"cannot be created: '{existing}' is not writable for this user"
    return ""


def file_problem(path: str) -> str:
    """Why the station could not read ``path`` as a file; "" when it can."""
    if _windows_path(path):
        return "is a Windows path, which this computer cannot use; write a path of this computer"
    if os.path.isdir(path):
        return "is a folder, not a file"
    if not os.path.exists(path):
        return "does not exist"
    if not os.access(path, os.R_OK):
        return "is not readable for this user"
    return ""


TLS_FILES = ("tls_ca_file", "tls_cert_file", "tls_key_file")


def check_files(
    settings: Settings, file: str = "settings.ini", source: IniSource | None = None
) -> None:
    """Raise ConfigError for a file setting the station could not use: a node's TLS file
    while its ``tls`` is on (with TLS off the files are not read), and a UID map file
    that is a folder (a missing one is created by the first run)."""
    for index, node in enumerate(settings.nodes, start=1):
        for attr in TLS_FILES if node.tls else ():
            path = getattr(node, attr)
            problem = file_problem(path) if path else ""
            if problem:
                raise value_error(
                    file,
                    node.section or f"Node{index}",
                    attr,
                    path,
                    f"{problem}; the node has tls = True, so sending to it would fail",
                )
    uid_map = settings.anonymization_uid_map_file
    if uid_map and os.path.isdir(uid_map):
        where = _where("anonymization_uid_map_file", settings, source)
        raise value_error(
            file,
            where.section,
            where.key,
            uid_map,
            "is a folder, not a file; name the file the UID map is kept in, such as "
            f"{os.path.join(uid_map, 'uid-map.json')}",
        )


def _read_only(path: str) -> bool:
    statvfs = getattr(os, "statvfs", None)
    if statvfs is None:  # Windows: os.access reports a read-only medium
        return False
    try:
        return bool(statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def check_folders(settings: Settings, paths: ConfigPaths | None = None) -> None:
    """Raise ConfigError unless the station can create and write its folders (and read
    the files it is given: :func:`check_files`).

    Called when a station starts (``load_station_config``), by ``rtstation config`` through
    it, and by the Settings dialog before it saves. With ``paths``, the import folder may
    also not hold the configuration or the data folder (the catalog), which clearing it
    after an import would delete.
    """
    file = os.path.basename(paths.settings_file) if paths else "settings.ini"
    source = _read_if_present(paths.settings_file) if paths else None
    for attr in FOLDER_FIELDS:
        folder = getattr(settings, attr)
        problem = folder_problem(folder)
        if problem:
            where = _where(attr, settings, source)
            raise value_error(file, where.section, where.key, folder, f"{problem}")
    check_files(settings, file, source)
    if paths is None:
        return
    for what, folder in (
        ("the configuration folder", paths.config_dir),
        ("the data folder (it holds the catalog)", paths.data_dir),
    ):
        relation = folders_overlap(settings.import_folder, folder)
        if relation in ("is the same folder as", "contains"):
            where = _where("import_folder", settings, source)
            raise value_error(
                file,
                where.section,
                where.key,
                settings.import_folder,
                f"{relation} {what} '{folder}'; choose an import folder of its own, "
                "because an import may clear it",
            )


def _read_if_present(path: str) -> IniSource | None:
    try:
        return read_ini(path) if os.path.exists(path) else None
    except ConfigError:
        return None
