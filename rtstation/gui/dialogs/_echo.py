"""Run a node's C-ECHO on a pool thread and hand the answer back to the GUI thread.

Why not call ``echo`` from the Test button's slot: an echo to a host that does not answer
waits for the connect timeout (10 s), and a frozen Settings dialog is exactly what makes a
physicist kill the application (docs/conventions.md, "Threads", "GUI shape"). The runnable only
calls the callable it was given and emits one signal; Qt queues that signal to the GUI thread
because the receiver lives there (the connection says so explicitly).

The GUI's general-purpose worker lives in ``rtstation/gui/workers.py``; this one is kept
local so the dialogs do not depend on the main window's modules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QObject, QRunnable, Signal

from rtstation.config.model import Node

LOGGER = logging.getLogger(__name__)


class EchoResultLike(Protocol):
    """What the dialog reads from an echo answer (``rtstation.net.echo.EchoResult`` fits)."""

    @property
    def ok(self) -> bool: ...

    @property
    def round_trip_ms(self) -> float | None: ...

    @property
    def reason(self) -> str: ...


EchoCallable = Callable[[Node], EchoResultLike]


@dataclass(frozen=True)
class EchoCrashed:
    """Stands in for a result when the echo callable raised instead of answering."""

    reason: str
    ok: bool = False
    round_trip_ms: float | None = None


class EchoSignals(QObject):
    """The runnable's voice: QRunnable is not a QObject and cannot emit by itself."""

    finished = Signal(int, object)  # test id, EchoResultLike


class EchoTask(QRunnable):
    """One C-ECHO to one node; emits ``signals.finished(test_id, result)`` exactly once."""

    def __init__(self, test_id: int, node: Node, echo: EchoCallable) -> None:
        super().__init__()
        self.signals = EchoSignals()
        self._test_id = test_id
        self._node = node
        self._echo = echo

    def run(self) -> None:
        try:
            result: object = self._echo(self._node)
        except Exception as exc:  # the dialog must always get an answer
            LOGGER.error("Echo of node '%s' raised: %s", self._node.name, exc)
            LOGGER.debug("Echo traceback", exc_info=True)
            result = EchoCrashed(reason=str(exc) or type(exc).__name__)
        self.signals.finished.emit(self._test_id, result)
