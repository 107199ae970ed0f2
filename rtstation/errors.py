"""The exceptions rtstation raises on purpose.

Every message is one sentence that names what failed, quotes the offending value in
single quotes, says what was expected and, where there is one, the remedy. The CLI and
the GUI show these messages to physicists as they are, so they must read well alone.
"""

from __future__ import annotations


class RtStationError(Exception):
    """Base of every error rtstation raises deliberately."""


class ConfigError(RtStationError):
    """settings.ini or rules.ini holds a value that cannot be used.

    ``file``, ``section``, ``key`` and ``value`` are kept so a dialog can point at the field.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str = "",
        section: str = "",
        key: str = "",
        value: str = "",
    ) -> None:
        super().__init__(message)
        self.file = file
        self.section = section
        self.key = key
        self.value = value


class RuleError(ConfigError):
    """A forwarding rule is inconsistent (for example it names an unknown node)."""


class DicomReadError(RtStationError):
    """A file is not DICOM, is truncated, or lacks what rtstation needs (such as a UID)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class InstanceConflict(DicomReadError):
    """An instance reuses the SOP Instance UID of a stored object of another SOP class.

    A sender that corrects an object (its plan label, its patient ID) re-sends it with the
    same UID and the same SOP class, and the new copy replaces the old one. A CT with a
    stored plan's UID is a collision (a broken or hostile UID generator): replacing would
    destroy the plan, so it is refused and the stored copy kept.
    """


class StorageError(RtStationError):
    """An instance could not be stored durably (disk full, permission, bad data)."""

    def __init__(self, message: str, *, disk_full: bool = False) -> None:
        super().__init__(message)
        self.disk_full = disk_full


class DatabaseError(StorageError):
    """The station database could not be used (locked, disk I/O error, disk full, damaged).

    As a :class:`StorageError` it makes the receiver answer 0xA700 (out of resources), so
    the sender tries again instead of giving up. ``transient`` is True when the same
    operation may succeed later without anyone repairing the file (a lock, a full disk),
    False when the file itself is unusable (damaged, or written by a newer rtstation).
    """

    def __init__(self, message: str, *, transient: bool, disk_full: bool = False) -> None:
        super().__init__(message, disk_full=disk_full)
        self.transient = transient


class NetworkError(RtStationError):
    """A DICOM network operation (echo, find, move, get, listen) failed."""
