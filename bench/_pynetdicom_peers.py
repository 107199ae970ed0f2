"""pynetdicom's own ceiling: a do-nothing SCP and a do-nothing SCU (128 KB PDUs).

Run by the benchmarks as subprocesses, not a benchmark itself:

    python bench/_pynetdicom_peers.py scp PORT [--tuned]
    python bench/_pynetdicom_peers.py scu PORT CALLED_AE LISTFILE [--tuned]

* ``scp``: chunked receive to a temporary file (``STORE_RECV_CHUNKED_DATASET``, as the
  station does); the C-STORE handler deletes the file and answers 0x0000 at once. Prints
  ``ready`` when listening; SIGTERM stops it.
* ``scu``: one association, every file of LISTFILE (one path a line) sent from disk in
  chunks (``STORE_SEND_CHUNKED_DATASET``, one presentation context per transfer syntax),
  no decode. Prints ``sent N`` and exits 0 only when every file got 0x0000.

``--tuned`` keeps :mod:`rtstation.net.pynetdicom_tuning` (the polling delays) on; without
it ``RTSTATION_PYNETDICOM_TUNING=off`` leaves pynetdicom at its defaults, so the bench shows
what the tuning is worth on its own. The SCU opens its association through
``rtstation.net.peer.open_association``, which repairs pynetdicom 3.0's racy pause around
``send_c_store`` (a dropped response otherwise stalls a run now and then).
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from pydicom.filereader import read_file_meta_info
from pynetdicom import AE, _config, build_context, evt
from pynetdicom.presentation import AllStoragePresentationContexts

from rtstation.net import pynetdicom_tuning
from rtstation.net.peer import Peer, close_association, make_ae, open_association
from rtstation.net.receiver import TRANSFER_SYNTAXES
from rtstation.net.tcp import NODELAY_HANDLER

MAX_PDU = 131072


def run_scp(port: int) -> int:
    _config.STORE_RECV_CHUNKED_DATASET = True
    tempfile.tempdir = tempfile.mkdtemp(prefix="null-scp-")

    def on_store(event: evt.Event) -> int:
        os.unlink(event.dataset_path)
        return 0x0000

    ae = AE(ae_title="NULLSCP")
    ae.maximum_pdu_size = MAX_PDU
    for cx in AllStoragePresentationContexts:
        ae.add_supported_context(cx.abstract_syntax, TRANSFER_SYNTAXES)
    handlers = [(evt.EVT_C_STORE, on_store), NODELAY_HANDLER]
    server = ae.start_server(("127.0.0.1", port), block=False, evt_handlers=handlers)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    server.shutdown()
    return 0


def run_scu(port: int, called_ae: str, list_file: Path) -> int:
    _config.STORE_SEND_CHUNKED_DATASET = True
    files = [line for line in list_file.read_text().splitlines() if line]
    contexts: dict[tuple[str, str], None] = {}
    for path in files:
        meta = read_file_meta_info(path)
        contexts[(str(meta.MediaStorageSOPClassUID), str(meta.TransferSyntaxUID))] = None
    peer = Peer(called_ae, "127.0.0.1", port, calling_ae="NULLSCU", max_pdu=MAX_PDU)
    assoc, failure = open_association(
        make_ae(peer), peer, [build_context(cls, syntax) for cls, syntax in contexts]
    )
    if assoc is None:
        print(f"association failed: {failure}", file=sys.stderr)
        return 1
    sent = 0
    try:
        for path in files:
            rsp = assoc.send_c_store(path)
            if getattr(rsp, "Status", None) != 0:
                print(f"{path}: status {getattr(rsp, 'Status', None)}", file=sys.stderr)
                return 1
            sent += 1
    finally:
        close_association(assoc)
    print(f"sent {sent}")
    return 0


def main(argv: list[str]) -> int:
    tuned = "--tuned" in argv
    args = [a for a in argv if a != "--tuned"]
    if not tuned:
        os.environ[pynetdicom_tuning.SWITCH] = "off"
    if args[:1] == ["scp"] and len(args) == 2:
        return run_scp(int(args[1]))
    if args[:1] == ["scu"] and len(args) == 4:
        return run_scu(int(args[1]), args[2], Path(args[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
