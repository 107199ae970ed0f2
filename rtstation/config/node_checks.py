"""What a node's ``ip`` (and an allow-list entry's ``@host``) may hold: a host name or an
IP address, which goes straight to a socket.

A URL (``http://pacs:104/``), a port glued to the address (``10.0.0.1:104``) or an empty
label (``pacs..local``) would load and then fail at the first send, as a name that does
not resolve. ``values.validate_host`` asks :func:`host_problem`; this module imports
nothing of config, so values.py can use it.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

LABEL_MAX = 63
HOST_MAX = 253
"""RFC 1035: a label of a host name is at most 63 octets, the whole name at most 253."""

_PORT_SUFFIX = re.compile(r"^(?P<host>[^:]*):(?P<port>\d+)$")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.partition("%")[0])  # fe80::1%eth0: a scoped IPv6 address
    except ValueError:
        return False
    return True


def host_problem(text: str) -> str:
    """Why ``text`` is no host name or IP address ("" when it is one).

    Host names may use letters (not only ASCII: Python encodes them with IDNA), digits,
    ``-`` and ``_`` (Windows computer names have it) between dots; a final dot is allowed.
    """
    if not text.strip():
        return "must not be empty"
    if any(c.isspace() for c in text.strip()):
        return "must not contain spaces"
    if any(unicodedata.category(c) == "Cc" for c in text):
        return "must not contain control characters"
    text = text.strip()
    if _is_ip(text):
        return ""
    if "://" in text:
        return (
            "must be a host name or an IP address, not a URL; write only the host (such as "
            "pacs.example.org) and put the port in the port key"
        )
    port = _PORT_SUFFIX.match(text)
    if port:
        return f"must not include a port (':{port['port']}'); write the port in the port key"
    labels = text[:-1].split(".") if text.endswith(".") else text.split(".")
    if any(not label for label in labels):
        return "must not have an empty part between two dots"
    if not all(c.isalnum() or c in "-_" for label in labels for c in label):
        return "must be a host name (letters, digits, '-', '_' and dots) or an IP address"
    if all(label.isdigit() for label in labels):
        return "is not a valid IPv4 address"
    if any(len(label) > LABEL_MAX for label in labels):
        return f"must not have a part longer than {LABEL_MAX} characters between two dots"
    if len(text) > HOST_MAX:
        return f"must not exceed {HOST_MAX} characters"
    return ""
