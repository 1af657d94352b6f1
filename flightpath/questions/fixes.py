"""Fix suggestions for a blocked trace: for each blocking filter, the smallest rule that admits this flow
and nothing wider than it asked for, at a priority that keeps the existing order correct.

For a filter that denied, the stage is evaluated again on the blocked packet to find the tier and rule
that decided. The new rule allows exactly this flow's protocol and destination port (or ICMP type/code)
from this source to this destination address (/32 or /128), in the direction that was denied:

- a `union` tier (security groups, OCI lists + NSGs): into the first rule set of the tier;
- a `first_match` tier (NACLs, NSGs, GCP rules): into the rule set holding the deciding rule, at the
  largest free priority below it, within the range the cloud allows (the collector says which), so the
  new allow wins over that deny and nothing else changes order;
- a block on the return path of a stateless filter (an NACL): the same, for the reply's header (its
  destination port is the client's source port; the note says to widen it to the client's ephemeral range).

The cloud's own CLI command comes from `collectors/<cloud>/fixes.py` (`realise(rule_set, rule)` → the rule
as the cloud can express it, and the command), found by name like the normalizers; a cloud without one
gets the structured fix only. Blocks that no single rule fixes (routing, a gateway's refusal, an
appliance's source/destination check) come back as `NoSafeFix` with the options named.

    suggest(topo, trace)  →  [Fix(acl-0d4e…0031, allow tcp 22 from 10.1.1.10/32 at 109, "aws ec2 create-network-acl-entry …")]
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from ipaddress import ip_network

from flightpath.evaluate.filters import evaluate_stage
from flightpath.model import (
    Action,
    AddressMatch,
    Check,
    Decision,
    Direction,
    Estate,
    FilterTier,
    Hop,
    Ordering,
    PortRange,
    Rule,
    RuleSet,
    Trace,
)
from flightpath.model.flow import ICMP_PROTOCOLS, PORT_PROTOCOLS
from flightpath.snapshot import collector_module
from flightpath.topology import Topology

FIX_LABEL = "flightpath-fix"


@dataclass(frozen=True)
class Fix:
    blocker: Hop
    path: str  # "forward" | "return"
    rule_set_id: str
    rule_set: RuleSet
    rule: Rule
    command: str
    note: str = ""


@dataclass(frozen=True)
class NoSafeFix:
    blocker: Hop | None
    path: str
    reason: str
    options: tuple[str, ...]


def suggest(topo: Topology, t: Trace) -> list[Fix | NoSafeFix]:
    """One suggestion per blocker (the trace's `blockers`: all of them when traced with all_blockers)."""
    out: list[Fix | NoSafeFix] = []
    reply_hops = {id(h) for h in (t.reply.hops if t.reply else [])}
    for h in t.blockers:
        path = "return" if id(h) in reply_hops else "forward"
        out.append(_for_hop(topo, h, path))
    if not t.blockers and not t.reachable:
        out.append(_no_blocker(t))
    return out


def verify(topo: Topology, query, fixes: list[Fix | NoSafeFix]):
    """Trace the query again on a copy of the estate with the suggested rules added: the verdict says
    whether the suggestions together let the flow through."""
    from flightpath.evaluate import run_query

    return run_query(Topology(apply(topo.estate, fixes), topo.info), replace(query, all_blockers=False)).trace.verdict


def apply(estate: Estate, fixes: list[Fix | NoSafeFix]) -> Estate:
    """A copy of the estate with every suggested rule added (the original is not changed)."""
    rule_sets = dict(estate.rule_sets)
    for f in fixes:
        if isinstance(f, Fix):
            rs = rule_sets[f.rule_set_id]
            rule_sets[f.rule_set_id] = replace(rs, rules=tuple(sorted(rs.rules + (f.rule,), key=lambda r: r.priority)))
    return replace(estate, rule_sets=rule_sets)


def _stage_of(topo: Topology, native_id: str):
    for obj in (*topo.estate.interfaces.values(), *topo.estate.subnets.values()):
        if obj.ref.id == native_id and obj.stage is not None:
            return obj
    return None


def _for_hop(topo: Topology, h: Hop, path: str) -> Fix | NoSafeFix:
    if h.check not in (Check.EGRESS_FILTER, Check.INGRESS_FILTER) or h.decision is not Decision.DENY:
        return NoSafeFix(h, path, f"{h.resource.display()}: {h.reason}", _options_for(h))
    place = _stage_of(topo, h.resource.id)
    if place is None:
        return NoSafeFix(h, path, f"the filter of {h.resource.display()} is not in the snapshot", ())
    direction = Direction.EGRESS if h.check is Check.EGRESS_FILTER else Direction.INGRESS
    e = topo.estate
    res = evaluate_stage(place.stage, direction, h.packet, e.rule_sets, topo.resolve_ref, None, place.ref.id,
                         place.network_id)
    if res.tier is None or res.decision is not Action.DENY:
        return NoSafeFix(h, path, "the filter no longer denies this packet", ())
    rid = _rule_set_for(res.tier, res.rule, e)
    rs = e.rule_sets[rid]
    priority = 0
    if res.tier.ordering is Ordering.FIRST_MATCH:
        priority = _free_priority(rs, res.tier, e, direction, res.rule)
        if priority is None:
            label = res.rule.label if res.rule else "the default"
            return NoSafeFix(h, path, f"no free priority below {label} in {rs.ref.display()}", (
                f"move {label} to a higher priority number, then add an allow for this flow in its place",
                f"or narrow {label} so that it no longer covers {h.packet.describe()}"))
    rule = _rule_for(rs, direction, h, priority)
    module = collector_module(rs.ref.cloud, "fixes")
    command, note = "", ""
    if module is not None:
        rule, command = module.realise(rs, rule)
    else:
        note = f"no {rs.ref.cloud} command rendering yet: add the rule by hand"
    if path == "return" and h.packet.dst_port is not None:
        note = (note + "; " if note else "") + (f"{h.packet.dst_port} is the client's source port: widen it to the "
                                                "client's ephemeral range (Linux 32768-60999, Windows 49152-65535)")
    return Fix(h, path, rid, rs, rule, command, note)


def _rule_set_for(tier: FilterTier, decided: Rule | None, e: Estate) -> str:
    for rid in tier.rule_set_ids:
        if decided is not None and rid in e.rule_sets and decided in e.rule_sets[rid].rules:
            return rid
    return next(rid for rid in tier.rule_set_ids if rid in e.rule_sets)


def _free_priority(rs: RuleSet, tier: FilterTier, e: Estate, direction: Direction, decided: Rule | None) -> int | None:
    """The largest priority below the deciding rule (or the tier's last rule) that no rule of the tier
    uses, within the cloud's allowed range."""
    module = collector_module(rs.ref.cloud, "fixes")
    low, high = module.priority_range(rs) if module is not None else (0, 65535)
    used = {r.priority for rid in tier.rule_set_ids if rid in e.rule_sets for r in e.rule_sets[rid].rules
            if r.direction is direction}
    ceiling = decided.priority - 1 if decided is not None else max(used | {low - 1}) + 1
    for p in range(min(ceiling, high), low - 1, -1):
        if p not in used:
            return p
    return None


def _host(addr) -> AddressMatch:
    return AddressMatch(cidrs=(ip_network(f"{addr}/{addr.max_prefixlen}"),))


def _rule_for(rs: RuleSet, direction: Direction, h: Hop, priority: int) -> Rule:
    pkt = h.packet
    ports = (PortRange(pkt.dst_port, pkt.dst_port),) if pkt.protocol in PORT_PROTOCOLS else None
    icmp = (pkt.icmp_type, pkt.icmp_code) if pkt.protocol in ICMP_PROTOCOLS else (None, None)
    return Rule(ref=rs.ref, label=FIX_LABEL, direction=direction, action=Action.ALLOW, priority=priority,
                protocol=pkt.protocol, dst_ports=ports, icmp_type=icmp[0], icmp_code=icmp[1],
                sources=_host(pkt.src), destinations=_host(pkt.dst))


def _options_for(h: Hop) -> tuple[str, ...]:
    if h.check is Check.FORWARD and "source/destination check" in h.reason:
        return (f"turn off the source/destination check of {h.resource.display()} (it must forward for others)",)
    return (f"change {h.resource.display()}: {h.reason}",)


def _no_blocker(t: Trace) -> NoSafeFix:
    p = t.forward if not t.forward.verdict.reachable else t.reply
    last = p.hops[-1] if p and p.hops else None
    options = ()
    if p is not None and p.verdict.value == "no_route":
        options = ("add a route for the destination in the table that dropped it, toward a gateway, peering or "
                   "attachment that reaches it (a route change moves other traffic too: check it with reach)",
                   "if a blackhole or a non-transitive peering dropped it, the path needs a transit router or a "
                   "direct peering instead")
    return NoSafeFix(last, "forward" if p is t.forward else "return",
                     f"{p.verdict.value if p else 'unknown'}: {p.reason if p else ''}", options)
