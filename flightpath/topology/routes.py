"""Longest-prefix match with route preference (cloud-neutral).

A compiled table keeps one dict per prefix length (network address as an int → candidate routes), so
a lookup costs at most one dict probe per distinct prefix length in the table: it follows the packet,
not the size of the estate. Among routes of the winning prefix, the lowest `rank` wins; a `pinned`
route (Azure's VNet/peering system routes) wins over any more specific route of lower standing.
"""

from __future__ import annotations

from dataclasses import dataclass

from flightpath.model import IPAddress, IPNetwork, Route


@dataclass(frozen=True, slots=True)
class RouteMatch:
    route: Route
    destination: IPNetwork
    shadowed: tuple[Route, ...] = ()  # same-prefix routes that lost on preference
    equal_cost: tuple[Route, ...] = ()  # same prefix, same preference, another next hop (ECMP)


class PrefixTable:
    """Generic LPM index: network → values, searched from the longest prefix down."""

    __slots__ = ("_v4", "_v6")

    def __init__(self) -> None:
        self._v4: dict[int, dict[int, list]] = {}
        self._v6: dict[int, dict[int, list]] = {}

    def add(self, network: IPNetwork, value) -> None:
        by_len = self._v4 if network.version == 4 else self._v6
        by_len.setdefault(network.prefixlen, {}).setdefault(int(network.network_address), []).append((network, value))

    def freeze(self) -> "PrefixTable":
        for by_len in (self._v4, self._v6):
            ordered = dict(sorted(by_len.items(), reverse=True))
            by_len.clear()
            by_len.update(ordered)
        return self

    def matches(self, addr: IPAddress):
        """Yield (network, values) from the longest matching prefix to the shortest."""
        by_len = self._v4 if addr.version == 4 else self._v6
        bits = 32 if addr.version == 4 else 128
        value = int(addr)
        for length, table in by_len.items():
            key = (value >> (bits - length)) << (bits - length) if length else 0
            hit = table.get(key)
            if hit:
                yield hit[0][0], [v for _n, v in hit]

    def longest(self, addr: IPAddress):
        for network, values in self.matches(addr):
            return network, values
        return None


def compile_routes(routes: list[tuple[IPNetwork, Route]]) -> PrefixTable:
    table = PrefixTable()
    for network, route in routes:
        table.add(network, route)
    return table.freeze()


def select(table: PrefixTable, addr: IPAddress) -> RouteMatch | None:
    """Longest prefix, then lowest rank. Exception (Azure, virtual-networks-udr-overview): a more
    specific route marked `yields_to_pinned` (BGP) loses to a shorter `pinned` route (VNet/peering
    system route)."""
    best: RouteMatch | None = None
    for network, routes in table.matches(addr):
        ordered = sorted(routes, key=lambda r: r.rank)
        if best is None:
            best = _with_equal_cost(ordered, network)
            if not ordered[0].yields_to_pinned:
                return best
            continue
        pinned = [r for r in ordered if r.pinned]
        if pinned:
            return RouteMatch(pinned[0], network, (best.route,))
    return best


def _with_equal_cost(ordered: list[Route], network: IPNetwork) -> RouteMatch:
    """The best route of one prefix, with the routes of equal preference toward other next hops."""
    top = ordered[0]
    targets = {(top.target_kind, top.target_id, top.blackhole)}
    equal, shadowed = [], []
    for r in ordered[1:]:
        key = (r.target_kind, r.target_id, r.blackhole)
        if r.rank == top.rank and key not in targets:
            targets.add(key)
            equal.append(r)
        else:
            shadowed.append(r)
    return RouteMatch(top, network, tuple(shadowed), tuple(equal))
