"""A logging.Handler that hands records to the GUI as a Qt signal.

Log records are produced on every thread the station has (association threads, send
workers, the import worker). The handler never touches a widget: it turns the record into
a small immutable :class:`LogEntry` on the logging thread and emits it; Qt queues the
signal to the log model on the GUI thread (docs/conventions.md, "Errors and logging", after
Picard's ``TailLogger``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, Signal

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogEntry:
    """One formatted log line, safe to pass between threads."""

    created: float
    level: int
    level_name: str
    logger: str
    message: str

    @property
    def time_text(self) -> str:
        return datetime.fromtimestamp(self.created).strftime("%H:%M:%S")

    def line(self) -> str:
        return f"{self.time_text} {self.level_name:<7} {self.message}"


class _Emitter(QObject):
    entryLogged = Signal(object)  # LogEntry


class QtLogHandler(logging.Handler):
    """Formats records into :class:`LogEntry` and emits ``emitter.entryLogged``.

    Created on the GUI thread, so its emitter lives there and receivers connected to it
    run there whichever thread logged.
    """

    def __init__(self, level: int = logging.DEBUG) -> None:
        super().__init__(level)
        self.emitter = _Emitter()
        self.entryLogged = self.emitter.entryLogged

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info and record.levelno >= logging.ERROR:
                # the one-line error is enough in the pane; the file log has the traceback
                exc = record.exc_info[1]
                if exc is not None and str(exc) not in message:
                    message = f"{message}: {exc}"
            entry = LogEntry(record.created, record.levelno, record.levelname, record.name, message)
            self.emitter.entryLogged.emit(entry)
        except RuntimeError:
            pass  # the GUI is gone (shutdown); the file log still has the record
        except Exception:
            self.handleError(record)


def install(logger_name: str = "rtstation", level: int = logging.DEBUG) -> QtLogHandler:
    """Attach a new handler to ``logger_name`` and return it (remove it with ``uninstall``)."""
    handler = QtLogHandler(level)
    logging.getLogger(logger_name).addHandler(handler)
    return handler


def uninstall(handler: QtLogHandler, logger_name: str = "rtstation") -> None:
    logging.getLogger(logger_name).removeHandler(handler)
