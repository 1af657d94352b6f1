"""Load balancers (a mixin of the Walker; cloud-neutral).

A packet that reaches a load balancer's frontend (one of its nodes' interfaces) is matched to a listener by
protocol and port (none: `blocked` by the balancer, what to add in the reason); the listener forwards to its
target groups' healthy targets (none healthy: every registered target, "fail open", with a warning). Each
target is a branch, walked on with the source the target sees (the client's address when the target group
preserves it, else the node's own address, translated back on the reply) through the node's egress filter,
routing and the target's own filters. Branches that end alike continue as one; otherwise `ambiguous`, and
every branch is reported (Trace.branches).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flightpath.evaluate.state import NatSession, Stop
from flightpath.model import Direction, Interface
from flightpath.model.outcome import Check, Decision, Hop, Verdict
from flightpath.model.protocols import protocol_name


@dataclass
class Branch:
    label: str
    verdict: Verdict
    reason: str
    hops: list[Hop]
    blocked: bool


class BalancerSteps:
    """Mixin: expects the Walker's attributes (topo, e, pkt, hop, drop, stop, unknown, branch, ...)."""

    def via_load_balancer(self, lb, iface: Interface) -> None:
        proto, port = self.pkt.protocol, self.pkt.dst_port
        fe = iface.ref.id.lower()
        lst = next((li for li in lb.listeners if proto in li.protocols and (li.port is None or li.port == port)
                    and (not li.frontend_ids or fe in li.frontend_ids)), None)
        if lst is None:
            ports = ", ".join(sorted({str(li.port) for li in lb.listeners})) or "none"
            self.hop(lb.ref, Check.FORWARD, Decision.DROP,
                     f"{lb.ref.display()} has no listener for {protocol_name(self.pkt.protocol)} port {port} "
                     f"(listeners: {ports}); add a listener on that port", code=self.code(lb.ref, "lb_no_listener"),
                     blocking=True, interface=iface.ref)
            self.stop(Verdict.BLOCKED, f"{lb.ref.display()} has no listener on port {port}")
        groups = [self.e.target_groups.get(t) for t in lst.target_group_ids]
        if not groups:
            self.drop(lb.ref, Check.FORWARD, Verdict.BLOCKED, f"listener {lst.ref.display()} forwards to no target "
                      "group; give it a forward action", "lb_listener_no_target_group")
        if any(g is None for g in groups):
            self.unknown(lst.ref, Check.FORWARD, f"a target group of listener {lst.ref.display()} is not in the snapshot")
        pairs = [(g, t) for g in groups for t in g.targets]
        if not pairs:
            self.drop(lb.ref, Check.FORWARD, Verdict.BLOCKED, f"the target groups of {lst.ref.display()} have no "
                      "registered targets; register a target", "lb_no_targets")
        healthy = [(g, t) for g, t in pairs if t.healthy]
        if not healthy:
            unknown_health = [g for g in groups if g.health_missing]
            if unknown_health:
                self.warnings.append(f"target health of {unknown_health[0].ref.display()} not in the snapshot "
                                     f"({unknown_health[0].health_missing}): every registered target is evaluated")
            else:
                self.warnings.append(f"no healthy target behind {lst.ref.display()}: the load balancer routes to "
                                     "every registered target (fail open)")
            healthy = pairs
        self.hop(lb.ref, Check.FORWARD, Decision.FORWARD, f"listener {lst.ref.name or lst.ref.id} "
                 f"({protocol_name(self.pkt.protocol)} {port}) forwards to {len(healthy)} target(s) of "
                 + ", ".join(g.ref.name or g.ref.id for g in groups), interface=iface.ref)
        if len(healthy) == 1:
            g, t = healthy[0]
            self.to_target(lb, lst, iface, g, t)
        outcomes: list[tuple[str, "BalancerSteps", Stop]] = []
        for g, t in healthy:
            b = self.branch()
            try:
                b.to_target(lb, lst, iface, g, t)
            except Stop as stop:
                outcomes.append((f"{t.ref.display()} ({t.address})", b, stop))
        self.branches = [Branch(label, s.verdict, s.reason, b.hops[len(self.hops):], bool(b.blockers))
                         for label, b, s in outcomes]
        first_label, first, stop = outcomes[0]
        branches = self.branches
        if len({(s.verdict, bool(b.blockers)) for _l, b, s in outcomes}) == 1:
            self.__dict__.update(first.__dict__)
            self.branches = branches
            self.warnings.append(f"{len(outcomes)} targets behind {lb.ref.display()}: every one ends {stop.verdict.value}; "
                                 f"the path shown is {first_label}'s")
            raise stop
        self.hops = first.hops
        self.warnings.extend(f"target {label}: {s.verdict.value} ({s.reason})" for label, _b, s in outcomes)
        self.blockers.clear()  # the targets disagree: no single blocker is the answer
        raise Stop(Verdict.AMBIGUOUS, f"the {len(outcomes)} targets behind {lb.ref.display()} end differently: "
                   + "; ".join(f"{label}: {s.verdict.value}" for label, _b, s in outcomes))

    def to_target(self, lb, lst, iface: Interface, group, target) -> None:
        if target.address is None:
            self.unknown(target.ref, Check.FORWARD, f"the address of target {target.ref.display()} is not in the snapshot")
        node = next((ip for ip in iface.private_ips if ip.version == target.address.version), None)
        port = target.port or lst.backend_port or group.port or self.pkt.dst_port
        client = (self.pkt.src, self.pkt.src_port)
        frontend = (self.pkt.dst, self.pkt.dst_port)
        src = self.pkt.src if group.preserve_client_ip or node is None else node
        if src != self.pkt.src:
            self.nat_sessions.append(NatSession(iface.ref.id, (node, self.pkt.src_port), client, frontend))
        self.pkt = replace(self.pkt, src=src, dst=target.address, dst_port=port)
        self.hop(lb.ref, Check.NAT, Decision.TRANSLATE,
                 f"to target {target.ref.display()} {target.address}:{port} of {group.ref.name or group.ref.id}"
                 + (f" [{target.state}]" if target.state else "")
                 + (" (client IP preserved)" if src == client[0] else f" (source: the node's address {node})"),
                 interface=iface.ref)
        self.interface_filter(iface, Direction.EGRESS)
        self.route_from(self.subnet(iface.subnet_id, iface.ref), iface)
