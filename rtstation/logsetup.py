"""Logging for the entry points: a rotating file in the log folder, and the console.

Only the CLI and the GUI call this (the library itself adds nothing but a NullHandler).
Patient names are never logged at INFO; identifiers (UIDs, AE titles, hosts, job ids) are.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
LOG_FILE = "rtstation.log"
BACKUP_COUNT = 10


class AgedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Rotates at a size, keeps ``backupCount`` files, and deletes rotated files older
    than ``keep_days`` (at start and at each rotation), so a quiet station does not keep
    a year of logs with patient IDs in them because the size limit was never reached."""

    def __init__(self, filename: Path, *, max_bytes: int, keep_days: int) -> None:
        super().__init__(filename, maxBytes=max_bytes, backupCount=BACKUP_COUNT, encoding="utf-8")
        self.keep_days = keep_days
        self.prune()

    def doRollover(self) -> None:
        super().doRollover()
        self.prune()

    def prune(self, now: float | None = None) -> list[Path]:
        """Delete rotated files (``rtstation.log.N``) older than ``keep_days``."""
        if self.keep_days <= 0:
            return []
        limit = (time.time() if now is None else now) - self.keep_days * 86_400
        base = Path(self.baseFilename)
        removed = []
        for rotated in base.parent.glob(base.name + ".*"):
            try:
                if rotated.stat().st_mtime < limit:
                    rotated.unlink()
                    removed.append(rotated)
            except OSError:
                continue  # another process rotated or removed it meanwhile
        return removed


def setup_logging(
    log_dir: Path | None,
    *,
    level: str | int = "INFO",
    console: bool = True,
    console_level: str | int | None = None,
    max_mb: int = 10,
    keep_days: int = 30,
) -> Path | None:
    """Configure the ``rtstation`` logger; returns the log file path (None without one)."""
    logger = logging.getLogger("rtstation")
    logger.setLevel(logging.DEBUG)
    for handler in list(logger.handlers):
        if not isinstance(handler, logging.NullHandler):
            logger.removeHandler(handler)
            handler.close()
    formatter = logging.Formatter(LOG_FORMAT)
    log_file = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log_file = log_dir / LOG_FILE
        file_handler = AgedRotatingFileHandler(
            log_file, max_bytes=max_mb * 1024 * 1024, keep_days=keep_days
        )
        file_handler.setFormatter(formatter)
        file_handler.setLevel(level)
        logger.addHandler(file_handler)
    if console:
        stream_handler = logging.StreamHandler(sys.stderr)
        stream_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        stream_handler.setLevel(console_level if console_level is not None else level)
        logger.addHandler(stream_handler)
    # pynetdicom logs every PDU at DEBUG; its warnings and errors are worth keeping.
    logging.getLogger("pynetdicom").setLevel(logging.WARNING)
    logging.getLogger("pynetdicom").addHandler(logging.NullHandler())
    return log_file
