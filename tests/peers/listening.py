"""Is a TCP port listening in this network namespace, and whose socket is it?

The tests wait for every peer (a station, storescp, Orthanc) to listen before they talk to
it, and they look rather than connect, so a peer never sees a probe connection. Looking
used to mean reading ``/proc/net/tcp``: the kernel writes that file by walking every TCP
socket of the namespace, TIME_WAIT ones included, and a suite run leaves about a thousand
of those. One read then took about 9 ms of CPU, a wait polls every 50 ms, and in a profile
of the whole suite these reads were the largest single cost of the test processes.

The kernel's socket-diagnostics netlink interface (``sock_diag``, what ``ss`` uses) answers
the same question from the listening sockets alone: about 0.06 ms. ``/proc/net/tcp`` stays
as the fallback where netlink sockets are not allowed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
from pathlib import Path

# linux/netlink.h, linux/sock_diag.h, linux/inet_diag.h, net/tcp_states.h
_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLM_F_REQUEST = 0x001
_NLM_F_DUMP = 0x300
_NLMSG_ERROR = 2
_NLMSG_DONE = 3
_TCP_LISTEN = 10

_NLMSG_HEADER = struct.Struct("=IHHII")  # length, type, flags, sequence, port id
# inet_diag_req_v2: family, protocol, extensions, pad, states; then inet_diag_sockid:
# source and destination port (network order), source and destination address (4 words
# each), interface, cookie (2 words).
_DIAG_REQUEST = struct.Struct("=BBBBI")
_SOCKID = struct.Struct(">HH16s16sIQ")
_NO_COOKIE = 0xFFFFFFFFFFFFFFFF
# inet_diag_msg: family, state, timer, retransmits, sockid, expires, rqueue, wqueue, uid,
# inode. The source port is the sockid's first field; the inode follows 16 bytes after it.
_MSG_SPORT_OFFSET = 4
_MSG_INODE_OFFSET = 4 + _SOCKID.size + 16


def _netlink_listening_inodes(port: int) -> set[str]:
    """Inodes of the TCP sockets listening on ``port`` (IPv4 and IPv6), from ``sock_diag``."""
    inodes: set[str] = set()
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_SOCK_DIAG) as link:
        for sequence, family in enumerate((socket.AF_INET, socket.AF_INET6), start=1):
            request = _DIAG_REQUEST.pack(family, socket.IPPROTO_TCP, 0, 0, 1 << _TCP_LISTEN)
            request += _SOCKID.pack(0, 0, bytes(16), bytes(16), 0, _NO_COOKIE)
            header = _NLMSG_HEADER.pack(
                _NLMSG_HEADER.size + len(request),
                _SOCK_DIAG_BY_FAMILY,
                _NLM_F_REQUEST | _NLM_F_DUMP,
                sequence,
                0,
            )
            link.send(header + request)
            inodes |= _read_dump(link, port)
    return inodes


def _read_dump(link: socket.socket, port: int) -> set[str]:
    """Read one dump's answers up to NLMSG_DONE, keeping the sockets whose port is ``port``."""
    inodes: set[str] = set()
    while True:
        data = link.recv(65536)
        offset = 0
        while offset + _NLMSG_HEADER.size <= len(data):
            length, kind, _flags, _sequence, _port_id = _NLMSG_HEADER.unpack_from(data, offset)
            body = offset + _NLMSG_HEADER.size
            if kind == _NLMSG_DONE:
                return inodes
            if kind == _NLMSG_ERROR:
                (error,) = struct.unpack_from("=i", data, body)
                raise OSError(-error, os.strerror(-error))
            (source_port,) = struct.unpack_from(">H", data, body + _MSG_SPORT_OFFSET)
            (inode,) = struct.unpack_from("=I", data, body + _MSG_INODE_OFFSET)
            if source_port == port:
                inodes.add(str(inode))
            offset += (length + 3) & ~3
        if not data:
            return inodes


def _proc_listening_inodes(port: int) -> set[str]:
    """The same from ``/proc/net/tcp`` and ``/proc/net/tcp6``: slow, but always there."""
    wanted = f":{port:04X}"
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # local_address is fields[1], state fields[3] (0A = LISTEN), inode fields[9]
            if len(fields) > 9 and fields[1].endswith(wanted) and fields[3] == "0A":
                inodes.add(fields[9])
    return inodes


def listening_inodes(port: int) -> set[str]:
    """Inodes of the sockets listening on TCP ``port`` in this network namespace."""
    try:
        return _netlink_listening_inodes(port)
    except OSError:
        return _proc_listening_inodes(port)


def socket_inodes(pid: int) -> set[str]:
    """Inodes of the sockets process ``pid`` holds open (empty once it has gone)."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
    return inodes


def is_listening(port: int, pid: int | None = None) -> bool:
    """True when a socket in this network namespace listens on TCP ``port`` (and, with
    ``pid``, that socket belongs to that process)."""
    inodes = listening_inodes(port)
    if pid is None or not inodes:
        return bool(inodes)
    return bool(inodes & socket_inodes(pid))
