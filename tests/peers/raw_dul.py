"""Hand-built DICOM upper-layer PDUs (PS3.8 9.3) for peers that misbehave on purpose.

pynetdicom and DCMTK only send what the standard allows; a sender that hangs up in the
middle of a dataset, or sends a request no library would, is written here byte by byte.
"""

from __future__ import annotations

import socket
import struct

from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset

VERIFICATION = "1.2.840.10008.1.1"
IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
A_ABORT = b"\x07\x00" + struct.pack(">I", 4) + b"\x00\x00\x00\x00"


def _item(kind: int, body: bytes) -> bytes:
    return bytes([kind, 0]) + struct.pack(">H", len(body)) + body


def associate_rq(
    calling: str = "FUZZ",
    called: str = "RTSTATION",
    context_id: int = 1,
    abstract_syntax: str = VERIFICATION,
    max_pdu: int = 16384,
) -> bytes:
    """A minimal A-ASSOCIATE-RQ: one presentation context, implicit VR little endian."""
    syntaxes = _item(0x30, abstract_syntax.encode()) + _item(
        0x40, IMPLICIT_VR_LITTLE_ENDIAN.encode()
    )
    context = _item(0x20, bytes([context_id, 0, 0, 0]) + syntaxes)
    user = _item(0x51, struct.pack(">I", max_pdu)) + _item(0x52, b"1.2.826.0.1.3680043.9.9999")
    body = (
        b"\x00\x01\x00\x00"
        + called.ljust(16).encode()
        + calling.ljust(16).encode()
        + b"\x00" * 32
        + _item(0x10, b"1.2.840.10008.3.1.1.1")
        + context
        + _item(0x50, user)
    )
    return b"\x01\x00" + struct.pack(">I", len(body)) + body


def p_data(context_id: int, payload: bytes, *, command: bool, last: bool) -> bytes:
    """One P-DATA-TF PDU holding one presentation data value."""
    header = (1 if command else 0) | (2 if last else 0)
    value = struct.pack(">IBB", len(payload) + 2, context_id, header) + payload
    return b"\x04\x00" + struct.pack(">I", len(value)) + value


def implicit_little_endian(ds: Dataset) -> bytes:
    """``ds`` encoded as a DIMSE command (and the datasets here) are: implicit VR LE."""
    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, True
    write_dataset(buffer, ds)
    return buffer.getvalue()


def c_store_rq(sop_class: str, sop_instance: str, message_id: int = 1) -> bytes:
    """The command set of a C-STORE-RQ with a dataset following, group length first."""
    command = Dataset()
    command.AffectedSOPClassUID = sop_class
    command.CommandField = 0x0001
    command.MessageID = message_id
    command.Priority = 0
    command.CommandDataSetType = 0x0000
    command.AffectedSOPInstanceUID = sop_instance
    body = implicit_little_endian(command)
    return struct.pack("<HHII", 0x0000, 0x0000, 4, len(body)) + body


def read_pdu(sock: socket.socket) -> tuple[int, bytes]:
    """The next PDU's type and body; type 0 when the peer closed the connection."""
    header = _read_exactly(sock, 6)
    if len(header) < 6:
        return 0, b""
    kind, _, length = struct.unpack(">BBI", header)
    return kind, _read_exactly(sock, length)


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def response_status(p_data_body: bytes) -> int | None:
    """The Status (0000,0900) of the DIMSE command in one P-DATA-TF body, if it is there."""
    # the command set is implicit VR little endian: tag, 4-byte length 2, the US value
    at = p_data_body.find(b"\x00\x00\x00\x09\x02\x00\x00\x00")
    return struct.unpack("<H", p_data_body[at + 8 : at + 10])[0] if at >= 0 else None
