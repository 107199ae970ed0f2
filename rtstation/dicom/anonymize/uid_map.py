"""The UID map: original UID -> new UID, the same for every object of a run, and optionally
for every later run that loads the same map file.

A new UID is ``2.25.<int>`` derived from SHA-512 of the map's secret salt and the original
UID (pydicom's ``generate_uid`` with entropy sources), so the same original always gets
the same new UID within a map, every reference follows its target without a second pass,
and nobody without the salt can recompute the mapping. A fresh map has a fresh random
salt: two exports without a persisted map cannot be linked.

The map file is JSON and IDENTIFYING: it holds the original UIDs, the original patient IDs
with their new identities, and which input file became which output file. It is written
only where the caller says, never into the anonymized output, atomically (temporary file,
fsync, rename), so a crash never leaves half a map.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
import threading
from dataclasses import dataclass
from typing import Any

from pydicom.uid import generate_uid

from rtstation.errors import ConfigError

FORMAT = "rtstation-anonymization-map/1"
_NAME_PREFIX = "ANON"


@dataclass(frozen=True)
class NewIdentity:
    """The identity an original patient is given in the anonymized objects."""

    patient_id: str
    patient_name: str


class UidMap:
    """Original -> new UIDs and patient identities for one or more runs (thread-safe)."""

    def __init__(self, salt: str | None = None) -> None:
        self.salt = salt or secrets.token_hex(32)
        self._uids: dict[str, str] = {}
        self._patients: dict[str, NewIdentity] = {}
        self._files: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- UIDs ------------------------------------------------------------------------------

    def uid(self, original: str) -> str:
        """The new UID for ``original`` (created on first use, then always the same)."""
        key = original.strip().rstrip("\0")
        with self._lock:
            new = self._uids.get(key)
            if new is None:
                new = str(generate_uid(prefix=None, entropy_srcs=[self.salt, key]))
                self._uids[key] = new
            return new

    def known_new_uid(self, original: str) -> str | None:
        with self._lock:
            return self._uids.get(original)

    @property
    def uids(self) -> dict[str, str]:
        """A copy of original -> new UID."""
        with self._lock:
            return dict(self._uids)

    # -- patients --------------------------------------------------------------------------

    def identity(
        self, original_id: str, patient_id: str | None = None, patient_name: str | None = None
    ) -> NewIdentity:
        """The new identity of a patient: the one given, else the one the map remembers,
        else derived: ``ANON`` + 10 hex digits of SHA-256(salt, original ID), name = that ID.
        """
        with self._lock:
            known = self._patients.get(original_id)
            if patient_id is None and known is not None:
                identity = known
            else:
                new_id = patient_id or _derived_id(self.salt, original_id)
                name = (
                    patient_name
                    if patient_name is not None
                    else (known.patient_name if known and known.patient_id == new_id else new_id)
                )
                identity = NewIdentity(new_id, name)
            self._patients[original_id] = identity
            return identity

    def derived_identity(self, original_id: str) -> NewIdentity:
        """The identity :meth:`identity` derives for a patient given none: ``ANON`` + 10 hex
        digits of SHA-256(salt, original ID), name = that ID. Not remembered."""
        new_id = _derived_id(self.salt, original_id)
        return NewIdentity(new_id, new_id)

    @property
    def patients(self) -> dict[str, NewIdentity]:
        with self._lock:
            return dict(self._patients)

    def date_offset_days(self) -> int:
        """Days every date is moved by under RetainLongModifDatesAndTimes (-3650..-365).

        Derived from the salt, so a persisted map shifts a second export the same way.
        """
        digest = hashlib.sha256(f"{self.salt}:date-offset".encode()).digest()
        return -(365 + int.from_bytes(digest[:4], "big") % 3286)

    def record_file(self, source: str, target: str) -> None:
        with self._lock:
            self._files[source] = target

    def merge(self, other: UidMap) -> None:
        """Take in what ``other`` (the same map, saved by another process) knows and this
        one does not; entries this map has win. Maps with other secrets never mix."""
        if other.salt != self.salt:
            raise ValueError("UID maps with different secrets cannot be merged")
        with other._lock:
            uids, patients, files = dict(other._uids), dict(other._patients), dict(other._files)
        with self._lock:
            for key, value in uids.items():
                self._uids.setdefault(key, value)
            for key, identity in patients.items():
                self._patients.setdefault(key, identity)
            for key, target in files.items():
                self._files.setdefault(key, target)

    # -- persistence -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "format": FORMAT,
                "warning": "IDENTIFYING: original UIDs and patient IDs; keep apart from the data",
                "salt": self.salt,
                "patients": {
                    original: {"patient_id": i.patient_id, "patient_name": i.patient_name}
                    for original, i in sorted(self._patients.items())
                },
                "uids": dict(sorted(self._uids.items())),
                "files": dict(sorted(self._files.items())),
            }

    @classmethod
    def from_json(cls, data: Any, *, source: str = "UID map") -> UidMap:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise ConfigError(f"{source} format '{found}': expected '{FORMAT}'")
        salt = data.get("salt")
        if not isinstance(salt, str) or len(salt) < 16:
            raise ConfigError(f"{source} salt '{salt}': expected a hex string of 16+ digits")
        mapping = cls(salt)
        uids = data.get("uids") or {}
        patients = data.get("patients") or {}
        if not isinstance(uids, dict) or not isinstance(patients, dict):
            raise ConfigError(f"{source}: 'uids' and 'patients' must be JSON objects")
        mapping._uids = {str(k): str(v) for k, v in uids.items()}
        for original, entry in patients.items():
            if not isinstance(entry, dict) or "patient_id" not in entry:
                raise ConfigError(f"{source} patient '{original}': expected a patient_id")
            mapping._patients[str(original)] = NewIdentity(
                str(entry["patient_id"]), str(entry.get("patient_name", entry["patient_id"]))
            )
        files = data.get("files") or {}
        if not isinstance(files, dict):
            raise ConfigError(f"{source}: 'files' must be a JSON object")
        mapping._files = {str(k): str(v) for k, v in files.items()}
        return mapping

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> UidMap:
        """The map in ``path``; a missing file is a new map (it is written there later)."""
        path = os.fspath(path)
        if not os.path.exists(path):
            return cls()
        try:
            with open(path, encoding="utf-8") as stream:
                data = json.load(stream)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"UID map '{path}' cannot be read: {exc}") from exc
        return cls.from_json(data, source=f"UID map '{path}'")

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the map atomically (readable by the owner only where the OS allows it)."""
        path = os.path.abspath(os.fspath(path))
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".uidmap-", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(self.to_json(), stream, indent=1, ensure_ascii=False)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise


def _derived_id(salt: str, original_id: str) -> str:
    digest = hashlib.sha256(f"{salt}:patient:{original_id}".encode()).hexdigest()
    return f"{_NAME_PREFIX}{digest[:10].upper()}"
