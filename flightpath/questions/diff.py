"""`flightpath diff BEFORE AFTER`: what a change does, first as raw changes (rules, routes, attachments by
native id), then as flows whose outcome changes: newly blocked, newly open, or a changed path.

Flows come from a pairs file (the intents format; `expect` is ignored) or, with `scope="all"`, from the
pairs of interface equivalence classes (the classes of `exposure`: subnet, filter stage, route table,
role) that a raw change can touch. Each pair is compared with `reach` on both snapshots. What can touch:
- a change to routes, gateways, transit routers, VPNs or networks can move any path: every pair (whose
  networks some path joins) is compared; so is every pair when a changed rule set filters a place that
  traffic between two other interfaces crosses (an appliance, a gateway's subnet);
- otherwise only pairs with a class that uses a changed rule set (or whose subnet or interface changed),
  on the side the change can decide (a stateful set's ingress rules decide what its members receive, its
  egress rules what they send; replies are tracked), and only with counterparts whose address the changed
  rule's peer side holds (two interfaces of the estate talk with their private addresses: no NAT between
  them is assumed); and only on the changed rules' own protocols and ports, unless the set is stateless
  (its rules also match replies, whose ports are the client's): then every port.

    diff(before, after, scope="all").flows  →  [FlowChange(app → db, "newly_blocked", "tcp 5432" → "nothing")]
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from flightpath.evaluate import Query, run_query
from flightpath.model import Estate, Trace
from flightpath.questions.check import expand
from flightpath.questions.exposure import class_key
from flightpath.questions.intents import Intent
from flightpath.questions.reach import reach, span_text
from flightpath.topology import Topology
from flightpath.topology.endpoints import resolve

COLLECTIONS = ("networks", "subnets", "interfaces", "rule_sets", "route_tables", "gateways", "routers",
               "attachments", "vpn_links", "address_groups")
PATH_SHAPING = ("route_tables", "gateways", "routers", "attachments", "vpn_links", "networks")


@dataclass
class RawChange:
    collection: str
    id: str
    change: str  # added | removed | changed
    details: list[str] = field(default_factory=list)


@dataclass
class FlowChange:
    src: str
    dst: str
    what: str  # protocol/port, or "every port"
    kind: str  # newly_blocked | newly_open | changed_path | undetermined (unknown on one side) | unchanged
    before: str
    after: str
    before_trace: Trace | None = None
    after_trace: Trace | None = None


@dataclass
class DiffResult:
    raw: list[RawChange]
    flows: list[FlowChange]
    scope: str
    pairs_compared: int = 0
    note: str = ""

    @property
    def changed(self) -> list[FlowChange]:
        return [f for f in self.flows if f.kind != "unchanged"]


def raw_diff(before: Estate, after: Estate) -> list[RawChange]:
    out = []
    for name in COLLECTIONS:
        a, b = getattr(before, name), getattr(after, name)
        for key in sorted(set(a) | set(b)):
            if key not in b:
                out.append(RawChange(name, key, "removed"))
            elif key not in a:
                out.append(RawChange(name, key, "added"))
            elif a[key] != b[key]:
                out.append(RawChange(name, key, "changed", _details(name, a[key], b[key])))
    return out


def _details(name: str, old: Any, new: Any) -> list[str]:
    if name == "rule_sets":
        fmt = lambda r: f"{r.direction.value} {r.label}: {r.describe()}"  # noqa: E731
        o, n = {fmt(r) for r in old.rules}, {fmt(r) for r in new.rules}
        return [f"- {x}" for x in sorted(o - n)] + [f"+ {x}" for x in sorted(n - o)]
    if name == "route_tables":
        fmt = lambda r: f"{r.label or r.destination}{' (blackhole)' if r.blackhole else ''}"  # noqa: E731
        o, n = {fmt(r) for r in old.routes}, {fmt(r) for r in new.routes}
        return [f"- {x}" for x in sorted(o - n)] + [f"+ {x}" for x in sorted(n - o)]
    fields = [f for f in getattr(old, "__dataclass_fields__", {}) if getattr(old, f) != getattr(new, f)]
    return [f"{f} changed" for f in fields]


def diff(before: Topology, after: Topology, *, pairs: list[Intent] | None = None, scope: str = "pairs",
         progress=None, map_pairs=None) -> DiffResult:
    """`progress(done, total)` is called as pairs finish (the CLI's progress bar); `map_pairs(items)`
    (batch.py) compares (source, destination, window) items elsewhere and returns `compare_pair` results."""
    raw = raw_diff(before.estate, after.estate)
    if pairs is not None:
        flows = [_pair_change(before, after, s, d, i) for i in pairs for s in expand(after, i.src, i.name)
                 for d in expand(after, i.dst, i.name) if s != d]
        return DiffResult(raw, flows, "pairs", len(flows))
    reps, affected, note = _affected_classes(before, after, raw)
    windows = _windows(before, after, raw) if affected is not None else [("default", None)]
    as_src, as_dst = _directions(before, after, raw) if affected is not None else (True, True)
    peers = _changed_rules(before, after, raw) if affected is not None else None
    if affected is None:
        todo = [(a, b) for a in reps for b in reps if a != b and _may_talk(before, after, reps[a], reps[b])]
    else:  # only the pairs with a changed class on the side its change can decide
        ok = {k: _peer_ok(before, after, peers, iid) for k, iid in reps.items()}
        wanted = {(x, k) for x in affected if as_src for k in reps if ok[k]} | \
                 {(k, x) for x in affected if as_dst for k in reps if ok[k]}
        todo = sorted(((a, b) for a, b in wanted if a != b and _may_talk(before, after, reps[a], reps[b])),
                      key=lambda ab: (reps[ab[0]], reps[ab[1]]))
    items = [(reps[a], reps[b], w) for a, b in todo for w in windows]
    if map_pairs is not None:
        flows = map_pairs(items)
    else:
        flows = []
        for done, item in enumerate(items, 1):
            flows.append(compare_pair(before, after, *item))
            if progress is not None:
                progress(done, len(items))
    return DiffResult(raw, flows, "all", len(todo), note)


def _windows(before: Topology, after: Topology, raw: list[RawChange]) -> list[tuple[int | str, tuple[int, int] | None]]:
    """The traffic the changed rules can decide: (protocol, destination ports) per added or removed rule of
    a stateful rule set (it matches only requests in its own direction; replies are tracked). A stateless
    rule set's rules also match replies, whose ports are the client's: then every port counts."""
    out: set[tuple[int | str, tuple[int, int] | None]] = set()
    for c in raw:
        if c.collection != "rule_sets":
            return [("default", None)]  # an address group changed: it can matter anywhere
        old, new = before.estate.rule_sets.get(c.id), after.estate.rule_sets.get(c.id)
        stateless = any(rs is not None and not rs.stateful for rs in (old, new))
        for r in set(old.rules if old else ()) ^ set(new.rules if new else ()):
            if stateless or r.stateless or r.protocol is None and r.dst_ports is None:
                return [("default", None)]
            protos = (6, 17) if r.protocol is None else (r.protocol,)
            for p in protos:
                if p in (6, 17, 132) and r.dst_ports is not None and r.src_ports is None:
                    out.update((p, (pr.low, pr.high)) for pr in r.dst_ports)
                else:
                    out.add((p, None))
    return sorted(out, key=str) or [("default", None)]


def _directions(before: Topology, after: Topology, raw: list[RawChange]) -> tuple[bool, bool]:
    """Whether the changed classes matter as sources, as destinations: a stateful rule set's egress rules
    decide only what its members send, its ingress rules what they receive (replies are tracked); any
    other change (a stateless list, a subnet, an interface, an address group) matters both ways."""
    src = dst = False
    for c in raw:
        old, new = before.estate.rule_sets.get(c.id), after.estate.rule_sets.get(c.id)
        if c.collection != "rule_sets" or any(rs is not None and not rs.stateful for rs in (old, new)):
            return True, True
        for r in set(old.rules if old else ()) ^ set(new.rules if new else ()):
            if r.stateless:
                return True, True
            src |= r.direction.value == "egress"
            dst |= r.direction.value == "ingress"
    return src, dst


def _changed_rules(before: Topology, after: Topology, raw: list[RawChange]):
    """(topology, rule, network) for every rule added or removed, or None when a change is not a rule
    change (then no pair can be ruled out by addresses)."""
    out = []
    for c in raw:
        if c.collection != "rule_sets":
            return None
        old, new = before.estate.rule_sets.get(c.id), after.estate.rule_sets.get(c.id)
        gone, came = set(old.rules if old else ()) - set(new.rules if new else ()), \
            set(new.rules if new else ()) - set(old.rules if old else ())
        out += [(before, r, old.network_id) for r in gone] + [(after, r, new.network_id) for r in came]
    return out


def _peer_ok(before: Topology, after: Topology, rules, iface_id: str) -> bool:
    """Can a changed rule match traffic with this counterpart? Its peer side (the source of an ingress
    rule, the destination of an egress rule; a stateless rule's egress side also sees replies to it) must
    hold one of the counterpart's addresses: otherwise the rule never decides a packet of the pair."""
    if rules is None:
        return True
    from flightpath.evaluate.filters import Unknown, _address_in

    iface = after.estate.interfaces[iface_id]
    for topo, rule, network_id in rules:
        peer = rule.sources if rule.direction.value == "ingress" else rule.destinations
        for ip in iface.private_ips:
            try:
                if _address_in(peer, ip, topo.resolve_ref, network_id or iface.network_id):
                    return True
            except Unknown:
                return True
    return False


def _may_talk(before: Topology, after: Topology, a: str, b: str) -> bool:
    """Interfaces in networks that nothing joins (no gateway, peering, router or VPN path in either
    snapshot's graph) cannot reach each other before or after: skip the pair."""
    na, nb = after.estate.interfaces[a].network_id, after.estate.interfaces[b].network_id
    return na == nb or after.connected(na, nb) or before.connected(na, nb)


def _affected_classes(before: Topology, after: Topology, raw: list[RawChange]):
    """Class representatives (an interface id present in both snapshots) and the classes a change touches
    (None: every class, because a path-shaping resource changed)."""
    reps: dict[tuple, str] = {}
    for iid, iface in sorted(after.estate.interfaces.items()):
        if iface.gateway_id or iid not in before.estate.interfaces:
            continue
        reps.setdefault(class_key(iface), iface.ref.id)
    path_shaping = [c for c in raw if c.collection in PATH_SHAPING]
    if path_shaping:
        return reps, None, (f"{len(path_shaping)} change(s) to routes, gateways, routers or networks can move any "
                            f"path: every pair of the {len(reps)} classes was compared")
    changed_sets = {c.id for c in raw if c.collection in ("rule_sets", "address_groups")}
    changed_places = {c.id for c in raw if c.collection in ("subnets", "interfaces")}
    transit = _crossed_in_transit(after, changed_sets) or _crossed_in_transit(before, changed_sets)
    if transit or any(c.collection == "address_groups" for c in raw):
        return reps, None, (f"a changed rule set filters {transit or 'traffic through an address group'}, which "
                            f"traffic between other interfaces crosses: every pair of the {len(reps)} classes "
                            "was compared")
    affected = set()
    for key, iid in reps.items():
        iface = after.estate.interfaces[iid]
        subnet = after.estate.subnets.get(iface.subnet_id)
        stages = [iface.stage, subnet.stage if subnet else None]
        sets = {rid for st in stages if st for t in st.tiers for rid in t.rule_set_ids}
        if sets & changed_sets or {iid, iface.subnet_id} & changed_places:
            affected.add(key)
    return reps, affected, (f"{len(affected)} of {len(reps)} classes use a changed rule set, subnet or interface; "
                            "their pairs with every class were compared")


def _crossed_in_transit(topo: Topology, rule_sets: set[str]) -> str:
    """A place using one of these rule sets that traffic between two other interfaces can cross: an
    appliance or gateway interface, or a subnet holding one (a TGW attachment's or a NAT gateway's subnet,
    an appliance's subnet). Then the change can touch any pair, not only the pairs of its own classes."""
    e = topo.estate
    forwarding_subnets = {i.subnet_id for i in e.interfaces.values() if i.forwards or i.gateway_id}
    forwarding_subnets |= {s for g in e.gateways.values() for s in g.subnet_ids}
    for iid, i in e.interfaces.items():
        if (i.forwards or i.gateway_id) and i.stage and any(r in rule_sets for t in i.stage.tiers for r in t.rule_set_ids):
            return i.ref.display()
    for sid in forwarding_subnets:
        s = e.subnets.get(sid)
        if s and s.stage and any(r in rule_sets for t in s.stage.tiers for r in t.rule_set_ids):
            return s.ref.display()
    return ""


def _summary(t: Trace) -> str:
    b = t.first_block
    if b is None:
        return t.verdict.value
    return f"{t.verdict.value} by " + (f"{b.rule.resource.display()} {b.rule.label}" if b.rule else b.resource.display())


def _hops(t: Trace) -> list[tuple[str, str]]:
    return [(h.resource.id, h.decision.value) for h in t.forward.hops + (t.reply.hops if t.reply else [])]


def _pair_change(before: Topology, after: Topology, s: str, d: str, i: Intent) -> FlowChange:
    if i.ports and i.ports[0] != i.ports[1]:
        return _reach_change(before, after, s, d, i)
    port = i.ports[0] if i.ports else None
    tb = run_query(before, Query(s, d, i.protocol, port)).trace
    ta = run_query(after, Query(s, d, i.protocol, port)).trace
    what = f"{i.protocol}" + (f" {port}" if port is not None else "")
    if {tb.verdict.value, ta.verdict.value} & {"unknown", "ambiguous"} and tb.verdict != ta.verdict:
        kind = "undetermined"
    elif tb.reachable and not ta.reachable:
        kind = "newly_blocked"
    elif ta.reachable and not tb.reachable:
        kind = "newly_open"
    elif _summary(tb) != _summary(ta) or _hops(tb) != _hops(ta):
        kind = "changed_path"
    else:
        kind = "unchanged"
    return FlowChange(s, d, what, kind, _summary(tb), _summary(ta), tb, ta)


def compare_pair(before: Topology, after: Topology, s: str, d: str, window) -> FlowChange:
    """One class pair on one window (a module-level function: batch workers call it too)."""
    return _reach_change(before, after, s, d, window=window)


_ENDS: "weakref.WeakKeyDictionary[Topology, dict]" = weakref.WeakKeyDictionary()  # topology -> (s, d) -> ends


def _ends(topo: Topology, s: str, d: str) -> tuple:
    """Resolved (source, destination) endpoints, memoised per topology: --scope all asks for the same class
    representatives thousands of times."""
    known = _ENDS.setdefault(topo, {})
    hit = known.get((s, d))
    if hit is None:
        src = known.get((s, "")) or known.setdefault((s, ""), resolve(topo, s, "source"))
        dst = resolve(topo, d, "destination", version=src.address.version, from_internet=src.kind == "internet")
        hit = known[(s, d)] = (src, dst)
    return hit


def _reach_change(before: Topology, after: Topology, s: str, d: str, i: Intent | None = None, *,
                  window: tuple[int | str, tuple[int, int] | None] = ("default", None)) -> FlowChange:
    from flightpath.model.protocols import protocol_name, protocol_number

    if i is not None:
        proto = protocol_number(i.protocol, "protocol", for_flow=True)
        ports = i.ports
    else:
        proto, ports = window
    rb = reach(before, *_ends(before, s, d), protocol=proto, window=ports)
    ra = reach(after, *_ends(after, s, d), protocol=proto, window=ports)
    what = "every port" if proto == "default" else protocol_name(proto) + (f" {span_text(ports)}" if ports else "")
    sb, sa = rb.summary, ra.summary
    open_b = {(x.protocol, x.dst_ports, x.src_ports, x.icmp_types) for x in rb.open_segments}
    open_a = {(x.protocol, x.dst_ports, x.src_ports, x.icmp_types) for x in ra.open_segments}
    if sb == sa:
        kind = "unchanged" if [(x.describe(), x.verdict) for x in rb.segments] == \
            [(x.describe(), x.verdict) for x in ra.segments] else "changed_path"
    elif sb == "nothing" or (open_a - open_b and not open_b - open_a):
        kind = "newly_open"
    else:
        kind = "newly_blocked"
    if i is None:  # class representatives: show them as the user knows them (id and name)
        s, d = rb.source.label, rb.destination.label
    return FlowChange(s, d, what, kind, sb, sa)
