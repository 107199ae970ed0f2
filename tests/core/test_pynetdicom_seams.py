"""The places in pynetdicom the receiver's hardening hooks into (docs/dicom-networking.md).

rtstation/net/gate.py and spool.py rely on how pynetdicom 3.0 reads PDUs, times the
association request and spools received datasets. pynetdicom has no API for any of this,
so these tests read its source: when an upgrade moves one of these seams, they fail and
name it, instead of the hardening silently doing nothing.
"""

from __future__ import annotations

import copy
import inspect
import re

from pynetdicom import dimse_messages, service_class
from pynetdicom.association import Association
from pynetdicom.dimse import DIMSEServiceProvider
from pynetdicom.dul import DULServiceProvider
from pynetdicom.presentation import PresentationContext
from pynetdicom.transport import AssociationSocket, RequestHandler

from rtstation.net import spool
from rtstation.net.gate import CheaplyCopiedContexts


def _source(obj: object) -> str:
    return re.sub(r"\s+", " ", inspect.getsource(obj))  # type: ignore[arg-type]


def test_conn_open_runs_before_the_association_thread_starts():
    """gate.on_open sets the timeout and wraps recv; it must run before anything is read."""
    body = _source(RequestHandler.handle)
    assert body.index("evt.EVT_CONN_OPEN") < body.index("assoc.start()")


def test_the_dul_reads_a_pdu_as_header_then_body_through_the_association_socket():
    body = _source(DULServiceProvider._read_pdu_data)
    header = body.index("self.socket.recv(6)")
    rest = body.index("self.socket.recv(pdu_length)")
    assert header < rest
    assert "def recv(self, nr_bytes" in _source(AssociationSocket)


def test_acse_timeout_is_the_artim_timer_and_the_wait_for_the_request():
    assert "self.dul.artim_timer.timeout = value" in _source(Association.acse_timeout.fset)
    assert "receive_pdu(wait=True, timeout=self.acse_timeout)" in _source(Association.run_reactor)


def test_received_datasets_are_spooled_through_the_module_named_temporary_file():
    decode = _source(dimse_messages.DIMSEMessage.decode_msg)
    assert "NamedTemporaryFile(delete=False" in decode
    assert "self._data_set_file.write(data[1:])" in decode
    assert "self._data_set_file.file.flush()" in decode
    scp = _source(service_class.StorageServiceClass.SCP)
    assert "req._dataset_file.close()" in scp
    spool.install(None)
    assert spool.is_installed()


def test_a_spooled_dataset_gets_its_file_meta_through_the_module_write_file_meta_info():
    """spool.install replaces dimse_messages.write_file_meta_info (an empty request UID)."""
    decode = _source(dimse_messages.DIMSEMessage.decode_msg)
    assert "write_file_meta_info( self._data_set_file," in decode
    spool.install(None)
    assert dimse_messages.write_file_meta_info is spool._write_file_meta


def test_a_received_message_is_announced_before_it_is_checked_and_evt19_aborts():
    """The receiver's EVT_DIMSE_RECV handler aborts an invalid C-STORE with Evt19."""
    body = _source(DIMSEServiceProvider.receive_primitive)
    assert body.index("evt.EVT_DIMSE_RECV") < body.index("message_to_primitive()")
    assert 'self.dul.event_queue.put("Evt19")' in body


def test_server_contexts_are_deep_copied_per_connection():
    assert "deepcopy(self.server.contexts)" in _source(RequestHandler._create_association)
    context = PresentationContext()
    context.abstract_syntax = "1.2.840.10008.5.1.4.1.1.2"
    context.transfer_syntax = ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"]
    (twin,) = copy.deepcopy(CheaplyCopiedContexts([context]))
    assert twin is not context
    assert twin.abstract_syntax == context.abstract_syntax
    assert twin.transfer_syntax == context.transfer_syntax
    twin.transfer_syntax.append("1.2.840.10008.1.2.2")
    assert len(context.transfer_syntax) == 2  # the copy's list is its own
