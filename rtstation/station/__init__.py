"""The station layer: the application service the GUI and the CLI share."""

from rtstation.station.receiving import ReceiverState
from rtstation.station.station import Station

__all__ = ["ReceiverState", "Station"]
