"""`flightpath diff BEFORE AFTER`: what a change does, first as raw changes (rules, routes, attachments by
native id), then as flows whose outcome changes: newly blocked, newly open, or a changed path.

Flows come from a pairs file (the intents format; `expect` is ignored) or, with `scope="all"`, from every
pair of interface equivalence classes (the classes of `exposure`: subnet, filter stage, route table, role)
that a raw change can touch: a class whose filter stage uses a changed rule set, or whose subnet's filter
or route table changed, pairs with every class in both directions; a change to routes, gateways, transit
routers or VPNs outside that can move any path, so then every pair of classes is compared (the report
says which happened). Each pair is compared with `reach` on both snapshots, so every port counts.

    diff(before, after, scope="all").flows  →  [FlowChange(app → db, "newly_blocked", "tcp 5432" → "nothing")]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flightpath.evaluate import Query, run_query
from flightpath.model import Estate, Trace
from flightpath.questions.check import expand
from flightpath.questions.exposure import class_key
from flightpath.questions.intents import Intent
from flightpath.questions.reach import reach
from flightpath.topology import Topology

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


def diff(before: Topology, after: Topology, *, pairs: list[Intent] | None = None, scope: str = "pairs") -> DiffResult:
    raw = raw_diff(before.estate, after.estate)
    if pairs is not None:
        flows = [_pair_change(before, after, s, d, i) for i in pairs for s in expand(after, i.src, i.name)
                 for d in expand(after, i.dst, i.name) if s != d]
        return DiffResult(raw, flows, "pairs", len(flows))
    reps, affected, note = _affected_classes(before, after, raw)
    todo = [(a, b) for a in reps for b in reps if a != b and (affected is None or a in affected or b in affected)]
    flows = [_reach_change(before, after, reps[a], reps[b]) for a, b in todo]
    return DiffResult(raw, flows, "all", len(todo), note)


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


def _reach_change(before: Topology, after: Topology, s: str, d: str, i: Intent | None = None) -> FlowChange:
    proto = "default" if i is None else i.protocol
    from flightpath.model.protocols import protocol_number

    p = proto if proto == "default" else protocol_number(proto, "protocol", for_flow=True)
    rb, ra = reach(before, s, d, protocol=p), reach(after, s, d, protocol=p)
    if i is not None and i.ports:
        lo, hi = i.ports
        pick = lambda r: ", ".join(x.describe() for x in r.open_segments  # noqa: E731
                                   if x.dst_ports and x.dst_ports[1] >= lo and x.dst_ports[0] <= hi) or "nothing"
        sb, sa, what = pick(rb), pick(ra), f"{i.protocol} {lo}-{hi}"
    else:
        sb, sa, what = rb.summary, ra.summary, "every port"
    open_b = {(x.protocol, x.dst_ports, x.icmp_types) for x in rb.open_segments}
    open_a = {(x.protocol, x.dst_ports, x.icmp_types) for x in ra.open_segments}
    if sb == sa:
        kind = "unchanged" if [x.describe() for x in rb.segments] == [x.describe() for x in ra.segments] \
            else "changed_path"
    elif sb == "nothing" or (open_a - open_b and not open_b - open_a):
        kind = "newly_open"
    else:
        kind = "newly_blocked"
    return FlowChange(s, d, what, kind, sb, sa)
