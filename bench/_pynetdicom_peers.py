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

``--tuned`` applies :mod:`rtstation.net.pynetdicom_tuning` (the polling delays), so the
bench shows what the tuning is worth on its own.
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
from pynetdicom import AE, _config, evt
from pynetdicom.presentation import AllStoragePresentationContexts

from rtstation.net import pynetdicom_tuning
from rtstation.net.receiver import TRANSFER_SYNTAXES
from rtstation.net.tcp import NODELAY_HANDLER

MAX_PDU = 131072


def _handlers(tuned: bool) -> list:  # type: ignore[type-arg]
    handlers = [NODELAY_HANDLER]
    if tuned:
        pynetdicom_tuning.apply()
        handlers.append(pynetdicom_tuning.TUNING_HANDLER)
    return handlers


def run_scp(port: int, tuned: bool) -> int:
    _config.STORE_RECV_CHUNKED_DATASET = True
    tempfile.tempdir = tempfile.mkdtemp(prefix="null-scp-")

    def on_store(event: evt.Event) -> int:
        os.unlink(event.dataset_path)
        return 0x0000

    ae = AE(ae_title="NULLSCP")
    ae.maximum_pdu_size = MAX_PDU
    for cx in AllStoragePresentationContexts:
        ae.add_supported_context(cx.abstract_syntax, TRANSFER_SYNTAXES)
    handlers = [(evt.EVT_C_STORE, on_store), *_handlers(tuned)]
    server = ae.start_server(("127.0.0.1", port), block=False, evt_handlers=handlers)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    server.shutdown()
    return 0


def run_scu(port: int, called_ae: str, list_file: Path, tuned: bool) -> int:
    _config.STORE_SEND_CHUNKED_DATASET = True
    files = [line for line in list_file.read_text().splitlines() if line]
    ae = AE(ae_title="NULLSCU")
    contexts: dict[tuple[str, str], None] = {}
    for path in files:
        meta = read_file_meta_info(path)
        contexts[(str(meta.MediaStorageSOPClassUID), str(meta.TransferSyntaxUID))] = None
    for sop_class, syntax in contexts:
        ae.add_requested_context(sop_class, syntax)
    assoc = ae.associate(
        "127.0.0.1", port, ae_title=called_ae, max_pdu=MAX_PDU, evt_handlers=_handlers(tuned)
    )
    if not assoc.is_established:
        print("association failed", file=sys.stderr)
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
        assoc.release()
    print(f"sent {sent}")
    return 0


def main(argv: list[str]) -> int:
    tuned = "--tuned" in argv
    args = [a for a in argv if a != "--tuned"]
    if args[:1] == ["scp"] and len(args) == 2:
        return run_scp(int(args[1]), tuned)
    if args[:1] == ["scu"] and len(args) == 4:
        return run_scu(int(args[1]), args[2], Path(args[3]), tuned)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
