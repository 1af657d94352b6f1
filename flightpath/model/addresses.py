"""Address parsing with one-line errors that name the field and the value (never compare as strings)."""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from typing import Any

from flightpath.errors import SnapshotError
from flightpath.model.resources import IPAddress, IPNetwork


def parse_network(value: Any, where: str) -> IPNetwork:
    """'10.0.0.0/16' → IPv4Network. Host bits set are tolerated (clouds accept them), as the network."""
    if not isinstance(value, str) or not value:
        raise SnapshotError(f"{where}: expected a CIDR, got {value!r}")
    try:
        return _network(value)
    except ValueError:
        raise SnapshotError(f"{where}: bad CIDR {value!r}") from None


@lru_cache(maxsize=None)
def _network(text: str) -> IPNetwork:
    """Parse once per distinct string (estates repeat CIDRs endlessly); the objects are immutable, so
    sharing them also shrinks memory and the cache pickle. Dotted-quad IPv4 takes a fast path."""
    text = text.strip()
    addr, sep, plen = text.partition("/")
    if ":" not in addr and addr.count(".") == 3:
        try:
            value = int.from_bytes(socket.inet_pton(socket.AF_INET, addr), "big")
        except OSError:
            raise ValueError(text) from None
        if sep and not (plen.isdigit() and int(plen) <= 32):
            raise ValueError(text)
        return ipaddress.IPv4Network((value, int(plen) if sep else 32), strict=False)
    return ipaddress.ip_network(text, strict=False)


@lru_cache(maxsize=None)
def _address(text: str) -> IPAddress:
    text = text.strip()
    if ":" not in text and text.count(".") == 3:
        try:
            return ipaddress.IPv4Address(int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big"))
        except OSError:
            raise ValueError(text) from None
    return ipaddress.ip_address(text)


def parse_address(value: Any, where: str) -> IPAddress:
    if not isinstance(value, str) or not value:
        raise SnapshotError(f"{where}: expected an IP address, got {value!r}")
    try:
        return _address(value)
    except ValueError:
        raise SnapshotError(f"{where}: bad IP address {value!r}") from None


# RFC 1918 private ranges and RFC 6598 shared address space: never routed across the internet.
RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
RFC6598 = ipaddress.ip_network("100.64.0.0/10")
