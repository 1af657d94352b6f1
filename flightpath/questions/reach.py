"""`reach`: exactly which protocols and ports A can send to B and get a reply for, and what admits or blocks each.

Exact, not sampled. A rule matches a whole port range or none of it, so every filter on the path gives the
same answer between two consecutive boundaries that its rules draw; routing does not depend on ports. One
trace per elementary interval therefore decides the whole interval:

1. trace once per protocol with `all_blockers` (the walk goes on past each block, so it crosses every
   filter on the path, forward and return);
2. collect the boundaries drawn by every rule of every rule set of every filter stage crossed (destination
   and source port ranges of both directions: a reply's source port is the request's destination port);
3. trace one representative of every elementary (destination range × source range) and merge neighbours
   whose outcome is the same (verdict, blocking rule, admitting rules); repeat from 2 while a trace crosses
   a filter not seen yet (a walk that stopped early, e.g. on missing data, for some ports only).

The client's source port spans the IANA dynamic range 49152-65535 by default (RFC 6335; the range Windows
Vista and later use; Linux uses 32768-60999): a destination port counts as open only for the source ports
listed beside it. `src_port` fixes one. ICMP is split by type and code the same way; with `protocol=None`
(every protocol) the other IP protocols are split by the protocol numbers that rules name.

    reach(topo, "app-a", "db-b").summary  →  "tcp 5432"   (the kickstart-aws lab: an NACL denies 22)
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field, replace

from flightpath.evaluate import trace
from flightpath.model import (
    Action,
    Decision,
    Direction,
    FilterStage,
    Hop,
    PortRange,
    RouteRef,
    Rule,
    RuleRef,
    Trace,
    Verdict,
)
from flightpath.model.flow import ICMP_PROTOCOLS, PORT_PROTOCOLS, Flow
from flightpath.model.protocols import protocol_name
from flightpath.topology import Topology
from flightpath.topology.endpoints import Endpoint, resolve

DYNAMIC_PORTS = (49152, 65535)  # IANA dynamic/private ports (RFC 6335 section 6)
DEFAULT_PROTOCOLS = (6, 17, 1)
Span = tuple[int, int]


@dataclass(frozen=True)
class Segment:
    """One run of traffic with one outcome: a protocol and its port (or ICMP type/code) ranges."""

    protocol: int | None
    dst_ports: Span | None  # tcp/udp/sctp destination ports
    src_ports: Span | None  # the client's source ports this outcome holds for
    icmp_types: Span | None
    icmp_codes: Span | None
    verdict: Verdict
    reason: str
    blocker: Hop | None
    admitted_by: tuple[RuleRef, ...]
    routes: tuple[RouteRef, ...]
    sample: Flow
    label: str = ""  # overrides describe(), e.g. "other protocols"

    @property
    def reachable(self) -> bool:
        return self.verdict.reachable

    def describe(self) -> str:
        """'tcp 8000-8079' / 'icmp type 8 code 0' / 'proto 47'."""
        if self.label:
            return self.label
        text = protocol_name(self.protocol)
        if self.dst_ports is not None:
            text += " " + span_text(self.dst_ports)
        if self.icmp_types is not None:
            text += " type " + span_text(self.icmp_types)
            if self.icmp_codes is not None and self.icmp_codes != (0, 255):
                text += " code " + span_text(self.icmp_codes)
        return text


@dataclass
class ReachResult:
    source: Endpoint
    destination: Endpoint
    src_ports: Span | None
    protocols: tuple[int | None, ...]
    segments: list[Segment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    traces: int = 0
    window: Span | None = None  # only these destination ports (tcp/udp) were split: `diff` asks about one rule

    @property
    def open_segments(self) -> list[Segment]:
        return [s for s in self.segments if s.reachable]

    @property
    def summary(self) -> str:
        """'tcp 443, 8080-8090; udp 53; icmp type 8', or 'nothing'. Neighbouring open ranges are joined
        even where different rules admit them (the segments keep that detail)."""
        runs: dict[tuple, list[list]] = {}  # (protocol, source ports, codes) -> [[low, high, label]]
        for s in self.open_segments:
            span = s.dst_ports or s.icmp_types
            key = (s.protocol, s.src_ports if s.dst_ports else None, s.icmp_codes, s.label)
            row = runs.setdefault(key, [])
            if span and row and row[-1][1] + 1 == span[0]:
                row[-1][1] = span[1]
            else:
                row.append([span[0], span[1]] if span else [])
        parts = []
        for (proto, src, codes, label), row in runs.items():
            if label:
                parts.append(label)
                continue
            name = protocol_name(proto)
            spans = ", ".join(span_text((r[0], r[1])) for r in row if r)
            text = f"{name} {'type ' if proto in ICMP_PROTOCOLS else ''}{spans}".strip()
            if codes is not None and codes != (0, 255):
                text += f" code {span_text(codes)}"
            if src is not None and self.src_ports is not None and src != self.src_ports:
                text += f" (from source ports {span_text(src)})"
            parts.append(text)
        return "; ".join(parts) or "nothing"


def span_text(span: Span) -> str:
    return str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}"


def split(space: Span, boundaries: set[int]) -> list[Span]:
    """[0, 65535] cut at each boundary b (a range starts at b): elementary, non-overlapping spans."""
    cuts = sorted(b for b in boundaries if space[0] < b <= space[1])
    starts = [space[0], *cuts]
    return [(a, b - 1) for a, b in zip(starts, [*cuts, space[1] + 1])]


def reach(topo: Topology, src: str | Endpoint, dst: str | Endpoint, *, protocol: int | None | str = "default",
          src_port: int | None = None, window: Span | None = None) -> ReachResult:
    """Resolve SRC and DST like `trace` (or take resolved endpoints), then split each protocol's space
    exactly (module docstring). `protocol`: "default" (tcp, udp, icmp), None (every IP protocol), or one
    protocol number."""
    source = src if isinstance(src, Endpoint) else resolve(topo, src, "source")
    destination = dst if isinstance(dst, Endpoint) else resolve(
        topo, dst, "destination", version=source.address.version, from_internet=source.kind == "internet")
    if protocol == "default":
        protocols: tuple[int | None, ...] = DEFAULT_PROTOCOLS
    elif protocol is None:
        protocols = (None,)
    else:
        protocols = (int(protocol),)
    src_span = (src_port, src_port) if src_port is not None else DYNAMIC_PORTS
    result = ReachResult(source, destination, src_span, protocols, window=window)
    stages = _stage_index(topo)
    for proto in protocols:
        if proto is None:
            _split_other_protocols(topo, result, stages)
        else:
            _split_protocol(topo, result, stages, 58 if proto == 1 and source.address.version == 6 else proto)
    result.warnings.extend(w for w in source.warnings + destination.warnings if w not in result.warnings)
    return result


# --- the splitting --------------------------------------------------------------------------------------

def _split_protocol(topo: Topology, result: ReachResult, stages: dict[str, FilterStage], proto: int) -> None:
    seen: set[str] = set()
    rules_seen: list = []
    probe_port = result.window[0] if result.window else 443
    probe = _trace(topo, result, _flow(result, proto, probe_port, result.src_ports[0] if result.src_ports else None,
                                       8, 0), all_blockers=True)
    _gather(probe, stages, topo, seen, rules_seen)
    while True:
        bounds = _boundaries(rules_seen, proto)
        cells = _cells(result, proto, bounds)
        outcomes = [(cell, _trace(topo, result, _flow(result, proto, *_sample(cell)))) for cell in cells]
        grew = False
        for _cell, t in outcomes:
            grew |= _gather(t, stages, topo, seen, rules_seen)
        if not grew:
            break
    result.segments.extend(_merge(proto, outcomes))


def _split_other_protocols(topo: Topology, result: ReachResult, stages: dict[str, FilterStage]) -> None:
    """Every IP protocol number: tcp/udp/icmp by ports and types; the rest by the numbers rules name."""
    for proto in (6, 17, 1 if result.source.address.version == 4 else 58):
        _split_protocol(topo, result, stages, proto)
    seen: set[str] = set()
    rules_seen: list = []
    _gather(_trace(topo, result, _flow(result, 47, None, None, None, None), all_blockers=True), stages, topo, seen,
            rules_seen)
    named = sorted({r.protocol for r, _stateless in rules_seen if r.protocol is not None} - {6, 17, 1, 58})
    rest = next(p for p in range(256) if p not in (6, 17, 1, 58) and p not in named)
    for p in [*named, rest]:
        t = _trace(topo, result, _flow(result, p, None, None, None, None))
        seg = _segment(p, None, None, None, None, t)
        if p == rest:  # no rule on the path tells the remaining numbers apart: one outcome for them all
            seg = replace(seg, label="every other protocol")
        result.segments.append(seg)


def _cells(result: ReachResult, proto: int, bounds: tuple[set[int], set[int]]) -> list[tuple[Span, Span]]:
    outer, inner = bounds
    if proto in PORT_PROTOCOLS:
        src_space = result.src_ports or DYNAMIC_PORTS
        return [(d, s) for d in split(result.window or (0, 65535), outer) for s in split(src_space, inner)]
    if proto in ICMP_PROTOCOLS:
        return [(t, c) for t in split((0, 255), outer) for c in split((0, 255), inner)]
    return [((0, 0), (0, 0))]


def _sample(cell: tuple[Span, Span]) -> tuple:
    (a, _b), (c, _d) = cell
    return a, c, a, c  # dst port / src port, or icmp type / code (the flow builder keeps what applies)


def _flow(result: ReachResult, proto: int, dst_port, src_port, icmp_type, icmp_code) -> Flow:
    if proto in PORT_PROTOCOLS:
        return Flow.build(proto, result.source.address, result.destination.address, dst_port, src_port)
    if proto in ICMP_PROTOCOLS:
        return Flow.build(proto, result.source.address, result.destination.address, icmp_type=icmp_type,
                          icmp_code=icmp_code)
    return Flow.build(proto, result.source.address, result.destination.address)


def _trace(topo: Topology, result: ReachResult, flow: Flow, all_blockers: bool = False) -> Trace:
    result.traces += 1
    expect = result.destination.interface.ref.id if result.destination.interface is not None else ""
    return trace(topo, flow, source=result.source, all_blockers=all_blockers, expect_interface_id=expect)


# --- what the path crossed --------------------------------------------------------------------------------

_STAGES: "weakref.WeakKeyDictionary[Topology, dict[str, FilterStage]]" = weakref.WeakKeyDictionary()


def _stage_index(topo: Topology) -> dict[str, FilterStage]:
    """Native id → filter stage of every interface and subnet (hops name places by native id); built once
    per loaded topology."""
    out = _STAGES.get(topo)
    if out is None:
        out = {obj.ref.id: obj.stage for obj in (*topo.estate.interfaces.values(), *topo.estate.subnets.values())
               if obj.stage is not None}
        _STAGES[topo] = out
    return out


def _gather(t: Trace, stages: dict[str, FilterStage], topo: Topology, seen: set[str], rules: list) -> bool:
    """Add the rules of every filter stage the trace crossed (load balancer branches included), and each
    crossed load balancer's listener ports as boundaries of their own; True when something new was seen."""
    grew = False
    hops = t.forward.hops + (t.reply.hops if t.reply else [])
    hops += [h for b in t.branches for h in getattr(b, "hops", ())]
    balancers = topo.estate.load_balancers
    for h in hops:
        rid_here = h.resource.id
        if rid_here in seen:
            continue
        stage, lb = stages.get(rid_here), balancers.get(rid_here)
        if stage is None and lb is None:
            continue
        seen.add(rid_here)
        grew = True
        for tier in stage.tiers if stage else ():
            for rid in tier.rule_set_ids:
                rs = topo.estate.rule_sets.get(rid)
                if rs is not None:
                    rules.extend((r, not rs.stateful or r.stateless is True) for r in rs.rules)
        for lst in lb.listeners if lb else ():
            # a listener forwards only its own port: a boundary like a rule's (no rule decides it)
            ports = (PortRange(lst.port, lst.port_to or lst.port),) if lst.port is not None else None
            for proto in lst.protocols:
                rules.append((Rule(lb.ref, "listener", Direction.INGRESS, Action.ALLOW, protocol=proto,
                                   dst_ports=ports), False))
    return grew


def _boundaries(rules: list, proto: int) -> tuple[set[int], set[int]]:
    """(destination-port, source-port) boundaries; ICMP: (type, code). A request's destination port is
    matched by every rule's destination ports and, on the way back, by a stateless rule's source ports
    (the reply's source port); the client's source port by every rule's source ports and a stateless
    rule's destination ports. A stateful rule set admits the reply without its rules (tracked)."""
    dst: set[int] = set()
    src: set[int] = set()
    if proto in ICMP_PROTOCOLS:
        # echo request/reply (8/0, 128/129) change type on the way back: keep them cells of their own
        dst.update((0, 1, 8, 9, 128, 129, 130))
    for r, stateless in rules:
        if r.protocol is not None and r.protocol != proto:
            continue
        if proto in ICMP_PROTOCOLS:
            if r.icmp_type is not None:
                dst.update((r.icmp_type, r.icmp_type + 1))
            if r.icmp_code is not None:
                src.update((r.icmp_code, r.icmp_code + 1))
            continue
        for pr in r.dst_ports or ():
            dst.update((pr.low, pr.high + 1))
            if stateless:
                src.update((pr.low, pr.high + 1))
        for pr in r.src_ports or ():
            src.update((pr.low, pr.high + 1))
            if stateless:
                dst.update((pr.low, pr.high + 1))
    return dst, src


# --- merging --------------------------------------------------------------------------------------------

def _signature(t: Trace) -> tuple:
    """What makes two outcomes the same: verdict, blocking rule, and the rules that admitted the packet."""
    b = t.first_block
    blocker = (b.resource.id, b.rule.label if b.rule else "", b.code) if b else None
    admitted = tuple((r.resource.id, r.label) for r in _admitting_rules(t))
    return t.verdict, blocker, admitted


def _admitting_rules(t: Trace) -> list[RuleRef]:
    hops = t.forward.hops + (t.reply.hops if t.reply else [])
    return [h.rule for h in hops if h.decision is Decision.ALLOW and h.rule is not None]


def _segment(proto, dst, src, types, codes, t: Trace) -> Segment:
    hops = t.forward.hops + (t.reply.hops if t.reply else [])
    reason = t.forward.reason if t.verdict == t.forward.verdict else f"return path: {t.reply.reason}"
    return Segment(proto, dst, src, types, codes, t.verdict, reason, t.first_block,
                   tuple(_admitting_rules(t)), tuple(h.route for h in hops if h.route is not None), t.flow)


def _merge(proto: int, outcomes: list[tuple[tuple[Span, Span], Trace]]) -> list[Segment]:
    """Merge neighbouring cells with one outcome: first along the inner axis (source ports / ICMP codes),
    then along the outer axis (destination ports / ICMP types) where the inner split is the same."""
    rows: dict[Span, list[tuple[Span, tuple, Trace]]] = {}
    for (outer, inner), t in outcomes:
        row = rows.setdefault(outer, [])
        sig = _signature(t)
        if row and row[-1][1] == sig and row[-1][0][1] + 1 == inner[0]:
            row[-1] = ((row[-1][0][0], inner[1]), sig, row[-1][2])
        else:
            row.append((inner, sig, t))
    merged: list[tuple[Span, list[tuple[Span, tuple, Trace]]]] = []
    for outer, row in rows.items():
        shape = [(span, sig) for span, sig, _t in row]
        if merged and [(s, g) for s, g, _t in merged[-1][1]] == shape and merged[-1][0][1] + 1 == outer[0]:
            merged[-1] = ((merged[-1][0][0], outer[1]), merged[-1][1])
        else:
            merged.append((outer, row))
    segments = []
    for outer, row in merged:
        for inner, _sig, t in row:
            if proto in PORT_PROTOCOLS:
                segments.append(_segment(proto, outer, inner, None, None, t))
            else:
                segments.append(_segment(proto, None, None, outer, inner, t))
    return segments
