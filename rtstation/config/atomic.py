"""Atomic file replacement: readers see the old file or the new one, never half of it."""

from __future__ import annotations

import contextlib
import os
import time
import uuid

from rtstation.errors import ConfigError
from rtstation.fsync import fsync_dir


def write_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``text`` so that readers see the old file or the new, never half.

    The temporary file is created next to the target (so ``os.replace`` is a rename on one
    file system), flushed and fsynced before the rename, and removed if anything fails. It
    is created with ``os.open(..., 0o666)`` rather than ``mkstemp`` so the umask applies and
    a saved settings.ini does not silently become private (0600); an existing file's mode
    is kept. A missing folder is created (a new ``--config`` directory).
    """
    path = os.fspath(path)
    name = os.path.basename(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    temp = os.path.join(directory, f".{name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        os.makedirs(directory, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(temp, flags, 0o666)
        try:
            with contextlib.suppress(OSError):
                os.chmod(temp, os.stat(path).st_mode & 0o7777)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        _replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise ConfigError(
            f"{name} could not be saved ({exc.strerror or exc}); check that the folder "
            "is writable and the disk is not full",
            file=name,
        ) from None
    fsync_dir(directory)


def _replace(temp: str, path: str) -> None:
    """``os.replace``, retried briefly on Windows where a reader or a virus scanner may
    hold the target open for a moment."""
    attempts = 5 if os.name == "nt" else 1
    for attempt in range(attempts):
        try:
            os.replace(temp, path)
            return
        except PermissionError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.1)
