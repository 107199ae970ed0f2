"""The association of a test that speaks DICOM to a peer itself, through pynetdicom.

pynetdicom 3.0's pause around ``send_c_*`` is racy: now and then its reactor takes the
peer's response off the queue and drops it ("Received unexpected C-STORE service message"),
and the request then waits the whole DIMSE timeout (30 s). On a busy machine that hit a test
about one run in five. rtstation's own requestors repair it (``rtstation.net.peer.
keep_responses``); so does every association opened here. TCP_NODELAY as rtstation sets it.
"""

from __future__ import annotations

from pynetdicom import AE
from pynetdicom.association import Association

from rtstation.net.peer import keep_responses
from rtstation.net.tcp import NODELAY_HANDLER
from tests.peers.peers import HOST


def associate(ae: AE, port: int, ae_title: str, *, host: str = HOST) -> Association:
    """``ae.associate`` with the response repair applied once the association is up."""
    assoc = ae.associate(host, port, ae_title=ae_title, evt_handlers=[NODELAY_HANDLER])
    if assoc.is_established:
        keep_responses(assoc)
    return assoc
