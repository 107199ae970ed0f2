"""The station layer: the application service the GUI and the CLI share."""

from rtstation.station.core import ReceiverState, Station

__all__ = ["ReceiverState", "Station"]
