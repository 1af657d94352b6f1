"""What every naive reference shares (nothing of flightpath/evaluate): the result shape, the scope exception, and
brute-force longest-prefix matching over a list of routes."""

from __future__ import annotations

import ipaddress as ipa
from functools import lru_cache
from typing import NamedTuple

from tests.reference_eval.projection import Step


class Unsupported(Exception):
    """The flow is outside this reference's scope: counted as skipped, never compared."""


class Result(NamedTuple):
    verdict: str  # delivered | blocked | no_route | reply blocked | reply no_route
    blocker: str | None  # the resource that blocks / has no route (see each reference for which id)
    forward: tuple[Step, ...]
    reply: tuple[Step, ...] | None  # None when the forward path does not deliver


@lru_cache(maxsize=None)
def _net(cidr: str):
    return ipa.ip_network(cidr, strict=False)


@lru_cache(maxsize=None)
def _addr(ip: str):
    return ipa.ip_address(ip)


def in_net(ip: str, cidr: str) -> bool:
    """Parsing is memoised (text -> address object); every rule is still scanned on every packet."""
    a, n = _addr(ip), _net(cidr)
    return a.version == n.version and a in n


def lpm(routes, ip: str, key):
    """Every route whose prefix holds ip, the longest prefixes only (a list: the caller breaks ties its cloud's way).
    `key` gives a route's prefix, or None to ignore the route."""
    best, plen = [], -1
    addr = _addr(ip)
    for r in routes:
        cidr = key(r)
        if not cidr:
            continue
        net = _net(cidr)
        if net.version != addr.version or addr not in net:
            continue
        if net.prefixlen > plen:
            best, plen = [r], net.prefixlen
        elif net.prefixlen == plen:
            best.append(r)
    return best


class Walk:
    """Steps of one direction, built as the packet goes; `stop` ends it with a verdict."""

    def __init__(self, start: str) -> None:
        self.steps = [Step("start", start, "forward")]
        self.verdict: str | None = None
        self.blocker: str | None = None

    def add(self, kind: str, resource: str, decision: str, detail: str | None = None) -> bool:
        self.steps.append(Step(kind, resource, decision, detail))
        return decision not in ("deny", "drop")

    def stop(self, verdict: str, blocker: str | None) -> None:
        self.verdict, self.blocker = verdict, blocker


def combine(fwd: Walk, rep: Walk | None) -> Result:
    if fwd.verdict != "delivered" or rep is None:
        return Result(fwd.verdict, fwd.blocker, tuple(fwd.steps), None)
    verdict = "delivered" if rep.verdict == "delivered" else "reply " + rep.verdict
    return Result(verdict, rep.blocker, tuple(fwd.steps), tuple(rep.steps))
