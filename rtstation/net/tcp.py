"""Socket tuning pynetdicom leaves to us.

pynetdicom does not set TCP_NODELAY. A C-STORE is a small command PDU followed by data
PDUs; with Nagle's algorithm on, the second small write waits for the peer's delayed ACK
(40 ms on Linux) and a study of small files crawls (measured here: 50 ms per instance
instead of 3). Every association rtstation opens or accepts gets TCP_NODELAY, and the
short polling delays of :mod:`rtstation.net.pynetdicom_tuning` (applied here, once, for
the first association that passes through :func:`set_nodelay`).
"""

from __future__ import annotations

import contextlib
import socket

from pynetdicom import evt

from rtstation.net import pynetdicom_tuning


def set_nodelay(event: evt.Event) -> None:
    """EVT_CONN_OPEN handler: switch off Nagle on the association's socket."""
    sock = getattr(getattr(event.assoc.dul, "socket", None), "socket", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pynetdicom_tuning.tune_association(event)


NODELAY_HANDLER = (evt.EVT_CONN_OPEN, set_nodelay)
