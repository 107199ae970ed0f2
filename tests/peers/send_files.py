"""Send items for the sender and worker tests, built from files the way the station does.

The station reads a file's header once (:func:`rtstation.dicom.headers.read_header`) when
it stores it, and queues a job's items in the one ARIA order
(:func:`rtstation.dicom.rt_tree.aria_order_key`); these helpers do the same for files a
test wrote, so the tests of ``net.sender`` send what the station would send.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from rtstation.dicom.headers import InstanceHeader, read_header
from rtstation.dicom.rt_tree import aria_order_key
from rtstation.net.sender import SendItem


def header_of(item: SendItem) -> InstanceHeader:
    return read_header(item.path, verify=False)


def send_item(path: str | os.PathLike[str]) -> SendItem:
    """The item for one stored file: its UIDs and stored transfer syntax, as read."""
    header = read_header(path, verify=False)
    return SendItem(
        sop_instance_uid=header.sop_instance_uid,
        sop_class_uid=header.sop_class_uid,
        transfer_syntax_uid=header.transfer_syntax_uid,
        path=os.fspath(path),
        size=os.path.getsize(path),
    )


def aria_order(items: Iterable[SendItem]) -> list[SendItem]:
    """``items`` in the order the station queues them (images, RTSTRUCT, RTPLAN, RTDOSE)."""
    return sorted(items, key=lambda item: aria_order_key(header_of(item)))
