"""Logging for the entry points: a rotating file in the log folder, and the console.

Only the CLI and the GUI call this (the library itself adds nothing but a NullHandler).
Patient names are never logged at INFO; identifiers (UIDs, AE titles, hosts, job ids) are.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
LOG_FILE = "rtstation.log"


def setup_logging(
    log_dir: Path | None,
    *,
    level: str | int = "INFO",
    console: bool = True,
    console_level: str | int | None = None,
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
        file_handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=10 * 1024 * 1024, backupCount=10, encoding="utf-8"
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
