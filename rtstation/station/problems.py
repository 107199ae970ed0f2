"""How the station tells people that something went wrong.

One place, so every problem is both in the log (for the physicist reading it later) and on
the bus as :class:`StationProblem` (the GUI's status bar and tray show it at once).
"""

from __future__ import annotations

import logging

from rtstation.events import EventBus, StationProblem

LOGGER = logging.getLogger(__name__)


def report_problem(bus: EventBus, message: str, detail: str = "") -> None:
    """Log ``message`` as an error and publish it for whoever shows problems."""
    LOGGER.error("%s", message)
    bus.publish(StationProblem(message, detail))
