"""Address parsing with one-line errors that name the field and the value (never compare as strings)."""

from __future__ import annotations

import ipaddress
from typing import Any

from flightpath.errors import SnapshotError
from flightpath.model import IPAddress, IPNetwork


def parse_network(value: Any, where: str) -> IPNetwork:
    """'10.0.0.0/16' → IPv4Network. Host bits set are tolerated (clouds accept them), as the network."""
    if not isinstance(value, str) or not value:
        raise SnapshotError(f"{where}: expected a CIDR, got {value!r}")
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise SnapshotError(f"{where}: bad CIDR {value!r}") from None


def parse_address(value: Any, where: str) -> IPAddress:
    if not isinstance(value, str) or not value:
        raise SnapshotError(f"{where}: expected an IP address, got {value!r}")
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        raise SnapshotError(f"{where}: bad IP address {value!r}") from None


# RFC 1918 private ranges and RFC 6598 shared address space: never routed across the internet.
RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
RFC6598 = ipaddress.ip_network("100.64.0.0/10")


def is_internet_routable(addr: IPAddress) -> bool:
    """True when the address can appear on the public internet (not private, shared, loopback, ...)."""
    return addr.is_global
