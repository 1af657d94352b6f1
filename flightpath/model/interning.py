"""Shared immutable values for normalizers: one object per distinct CIDR match, port range or text.

Estates repeat the same peers ("10.0.0.0/8"), ports (443) and summaries thousands of times; sharing one
frozen object per distinct value cuts memory and makes the compiled cache smaller and faster to load
(pickle stores a shared object once). Only immutable values are shared.
"""

from __future__ import annotations

import sys
from functools import lru_cache

from flightpath.model.resources import AddressMatch, IPNetwork, PortRange


@lru_cache(maxsize=None)
def cidr_match(network: IPNetwork) -> AddressMatch:
    return AddressMatch(cidrs=(network,))


@lru_cache(maxsize=None)
def ref_match(ref: str) -> AddressMatch:
    return AddressMatch(refs=(sys.intern(ref),))


@lru_cache(maxsize=None)
def port_range(low: int, high: int) -> tuple[PortRange, ...]:
    return (PortRange(low, high),)


def text(value: str) -> str:
    return sys.intern(value)
