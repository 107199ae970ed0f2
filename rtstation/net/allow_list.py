"""The calling-AE allow-list, with its host names resolved once.

An entry is ``AE`` (from anywhere) or ``AE@host``. A host may be a literal address or a
name (``MOSAIQ@localhost``, ``ECLIPSE@tps01.clinic``); names are resolved when the receiver
starts, each with a bounded wait so a dead DNS server cannot hold the start up, and the log
says what each resolved to. A name that does not resolve matches no sender (and the log
says so at start); a restart of the receiver (any receiver setting saved) resolves again.
Addresses compare as addresses, so ``::ffff:10.0.0.5`` is ``10.0.0.5``.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from rtstation.config import AllowedCaller

LOGGER = logging.getLogger(__name__)

RESOLVE_TIMEOUT_SECONDS = 3.0


def _normalise(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return address.strip().lower()
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped or ip)


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip().strip("[]"))
    except ValueError:
        return False
    return True


def _lookup(host: str) -> frozenset[str]:
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return frozenset(_normalise(str(info[4][0])) for info in infos)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""  # why not, in words, for the log


class AllowList:
    """Matches a calling AE title and address against the configured entries."""

    def __init__(
        self, entries: tuple[AllowedCaller, ...], *, enabled: bool, resolve: bool = True
    ) -> None:
        self.enabled = enabled
        self.entries = entries
        self._addresses: dict[str, frozenset[str]] = {}
        if enabled and resolve:
            self._resolve_all()

    def _resolve_all(self) -> None:
        names = sorted({e.host.strip() for e in self.entries if e.host.strip()})
        for host in names:
            if _is_literal(host):
                self._addresses[host] = frozenset({_normalise(host)})
        to_resolve = [h for h in names if h not in self._addresses]
        if not to_resolve:
            return
        pool = ThreadPoolExecutor(max_workers=min(8, len(to_resolve)))
        futures = {host: pool.submit(_lookup, host) for host in to_resolve}
        for host, future in futures.items():
            try:
                addresses = future.result(timeout=RESOLVE_TIMEOUT_SECONDS)
            except FutureTimeout:
                LOGGER.warning(
                    "Allow-list host '%s' did not resolve within %g s: its entries match no "
                    "sender until the receiver starts again",
                    host,
                    RESOLVE_TIMEOUT_SECONDS,
                )
                addresses = frozenset()
            except OSError as exc:
                LOGGER.warning(
                    "Allow-list host '%s' cannot be resolved (%s): its entries match no sender",
                    host,
                    exc.strerror or exc,
                )
                addresses = frozenset()
            else:
                LOGGER.info(
                    "Allow-list host '%s' resolves to %s", host, ", ".join(sorted(addresses))
                )
            self._addresses[host] = addresses
        pool.shutdown(wait=False, cancel_futures=True)

    def addresses_of(self, host: str) -> frozenset[str]:
        return self._addresses.get(host.strip(), frozenset())

    def check(self, ae_title: str, address: str) -> Verdict:
        if not self.enabled:
            return Verdict(True)
        title = ae_title.strip()
        caller = _normalise(address)
        hosts: list[str] = []
        for entry in self.entries:
            if entry.ae_title.strip() != title:
                continue
            host = entry.host.strip()
            if not host or caller in self.addresses_of(host):
                return Verdict(True)
            hosts.append(host)
        if not hosts:
            return Verdict(False, "calling AE title not on the allow-list")
        shown = ", ".join(
            f"{h} ({', '.join(sorted(self.addresses_of(h))) or 'unresolved'})"
            if not _is_literal(h)
            else h
            for h in hosts
        )
        return Verdict(False, f"AE '{title}' is allowed only from {shown}, not from {address}")
