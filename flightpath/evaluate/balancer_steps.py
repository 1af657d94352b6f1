"""Load balancers (a mixin of the Walker; cloud-neutral).

A packet that reaches a load balancer's frontend (one of its nodes' interfaces) is matched to a listener by
protocol and port (none: `blocked` by the balancer, what to add in the reason); the listener forwards to its
target groups' healthy targets (none healthy: every registered target, "fail open", with a warning). Each
target is a branch, walked on with the source the target sees (the client's address when the target group
preserves it, else the node's own address, translated back on the reply) through the node's egress filter,
routing and the target's own filters. Branches that end alike continue as one; otherwise `ambiguous`, and
every branch is reported (Trace.branches).

A frontend outside every subnet (an Azure public frontend) hands each target straight to the target's
network (subnet NSG, then NIC NSG: the balancer is pass-through,
https://learn.microsoft.com/azure/load-balancer/load-balancer-overview). When the target sees the client's
address, the reply goes back through the balancer, which gives it the frontend's address as its source
(BalancerReturn; the walker's internet gateway step asks balancer_return). A load balancer outbound rule
translates its pool members' internet traffic to the rule's frontend public IPs (outbound_rule_nat).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from ipaddress import ip_address

from flightpath.evaluate.filters import evaluate_stage
from flightpath.evaluate.state import NatSession, Stop
from flightpath.model import Action, Direction, Interface
from flightpath.model.flow import Flow
from flightpath.model.outcome import Check, Decision, Hop, Verdict
from flightpath.model.protocols import protocol_name

# Azure health probes come from the AzureLoadBalancer service tag, the host address 168.63.129.16
# (https://learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-overview#probe-source-ip-address)
PROBE_SOURCE = ip_address("168.63.129.16")
_OUTBOUND: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # topology -> NIC key -> outbound rules


@dataclass
class BalancerReturn(NatSession):
    """A flow a balancer forwarded with the client's address: the target's reply (from `translated`, the
    target's address and port) leaves with the frontend's address and port (`original`) as its source."""

    frontend: Interface | None = None


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
        lst = next((li for li in lb.listeners if proto in li.protocols and _port_ok(li, port)
                    and (not li.frontend_ids or fe in li.frontend_ids)), None)
        if lst is None:
            ports = ", ".join(sorted({str(li.port) + (f"-{li.port_to}" if li.port_to else "") if li.port is not None
                                      else "all" for li in lb.listeners})) or "none"
            what = protocol_name(self.pkt.protocol) + (f" port {port}" if port is not None else "")
            self.hop(lb.ref, Check.FORWARD, Decision.DROP,
                     f"{lb.ref.display()} has no listener for {what} (listeners: {ports}); add a listener on that "
                     "port", code=self.code(lb.ref, "lb_no_listener"), blocking=True, interface=iface.ref)
            self.stop(Verdict.BLOCKED, f"{lb.ref.display()} has no listener for {what}")
        if lst.note:
            self.warnings.append(lst.note)
        if lst.rules:
            # An L4 flow carries no HTTP host, path or header: any rule's conditions may match, so each rule is
            # a branch
            # (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#listener-rules)
            self.hop(lb.ref, Check.FORWARD, Decision.FORWARD, f"listener {lst.ref.name or lst.ref.id} "
                     f"({protocol_name(self.pkt.protocol)} {port}) has {len(lst.rules)} rules; which one matches "
                     "depends on the request (host, path, headers): each is a branch", interface=iface.ref)
            specs = []
            for rule in lst.rules:  # in priority order; the first rule whose conditions all match wins
                if rule.sources is not None and not any(self.pkt.src in n for n in rule.sources
                                                         if n.version == self.pkt.src.version):
                    continue  # its source-ip condition excludes this client: it cannot match
                specs += self._rule_specs(lb, lst, iface, rule)
                if rule.exact:
                    break  # it surely matches (source-ip only, or the default rule): later rules never apply
            if not specs:
                self.drop(lb.ref, Check.FORWARD, Verdict.BLOCKED, f"no rule of listener {lst.ref.display()} can "
                          f"match a request from {self.pkt.src} (source-ip conditions)", "lb_no_targets")
        else:
            specs = self._target_specs(lb, lst, iface, lst.target_group_ids, None)
        if len(specs) == 1:
            specs[0][1](self)
        outcomes: list[tuple[str, "BalancerSteps", Stop]] = []
        for label, go in specs:
            b = self.branch()
            try:
                go(b)
            except Stop as stop:
                outcomes.append((label, b, stop))
        self.branches = [Branch(label, s.verdict, s.reason, b.hops[len(self.hops):], bool(b.blockers))
                         for label, b, s in outcomes]
        first_label, first, stop = outcomes[0]
        branches = self.branches
        if len({(s.verdict, bool(b.blockers)) for _l, b, s in outcomes}) == 1:
            self.__dict__.update(first.__dict__)
            self.branches = branches
            self.warnings.append(f"{len(outcomes)} branches behind {lb.ref.display()}: every one ends "
                                 f"{stop.verdict.value}; the path shown is {first_label}'s")
            raise stop
        self.hops = first.hops
        self.warnings.extend(f"branch {label}: {s.verdict.value} ({s.reason})" for label, _b, s in outcomes)
        self.blockers.clear()  # the branches disagree: no single blocker is the answer
        raise Stop(Verdict.AMBIGUOUS, f"the {len(outcomes)} branches behind {lb.ref.display()} end differently: "
                   + "; ".join(f"{label}: {s.verdict.value}" for label, _b, s in outcomes))

    def _rule_specs(self, lb, lst, iface: Interface, rule) -> list:
        name = f"rule {rule.ref.name}" + (f" ({rule.conditions})" if rule.conditions else "")
        if rule.answer:
            def answer(w) -> None:
                # fixed-response / redirect: the balancer itself answers the request; no target is involved
                w.hop(lb.ref, Check.DELIVER, Decision.DELIVER, f"{name}: the load balancer answers itself "
                      f"({rule.answer}); no target receives the request", interface=iface.ref)
                w.delivered_to = iface
                w.stop(Verdict.DELIVERED, f"delivered to {lb.ref.display()}, which answers ({rule.answer})")
            return [(f"{name}: {rule.answer}", answer)]
        if not rule.target_group_ids:
            def nothing(w) -> None:
                w.drop(lb.ref, Check.FORWARD, Verdict.BLOCKED, f"{name} has no forward action", "lb_no_targets")
            return [(name, nothing)]
        return self._target_specs(lb, lst, iface, rule.target_group_ids, name)

    def _target_specs(self, lb, lst, iface: Interface, group_ids, rule_name) -> list:
        """(label, go(walker)) for each target that gets traffic: the healthy ones, else all (fail open)."""
        where = rule_name or f"listener {lst.ref.display()}"
        groups = [self.e.target_groups.get(t) for t in group_ids]
        if not groups:
            self.drop(lb.ref, Check.FORWARD, Verdict.BLOCKED, f"listener {lst.ref.display()} forwards to no target "
                      "group; give it a forward action", "lb_listener_no_target_group")
        if any(g is None for g in groups):
            missing = next(t for t, g in zip(group_ids, groups) if g is None)
            if rule_name:
                return [(rule_name, lambda w: w.unknown(lst.ref, Check.FORWARD, f"target group {missing} of "
                                                        f"{rule_name} is not in the snapshot"))]
            self.unknown(lst.ref, Check.FORWARD,
                         f"a target group of listener {lst.ref.display()} is not in the snapshot")
        pairs = [(g, t) for g in groups for t in g.targets]
        if not pairs:
            why = f"the target groups of {where} have no registered targets; register a target"
            if rule_name:
                return [(rule_name, lambda w: w.drop(lb.ref, Check.FORWARD, Verdict.BLOCKED, why, "lb_no_targets"))]
            self.drop(lb.ref, Check.FORWARD, Verdict.BLOCKED, why, "lb_no_targets")
        healthy = [(g, t) for g, t in pairs if t.healthy or not g.health_applies]
        down = [(g, t) for g, t in pairs if g.health_applies and t.healthy is False]
        if healthy and down:
            self.warnings.append(f"{len(down)} target(s) behind {where} get no traffic, their health "
                                 "probe fails: " + "; ".join(f"{t.ref.display()} ({t.state or 'unhealthy'})"
                                                             for _g, t in down))
        if not healthy:
            unknown_health = [g for g in groups if g.health_missing]
            if unknown_health:
                self.warnings.append(f"target health of {unknown_health[0].ref.display()} not in the snapshot "
                                     f"({unknown_health[0].health_missing}): every registered target is evaluated")
            else:
                self.warnings.append(f"no healthy target behind {where}: the load balancer routes to "
                                     "every registered target (fail open)")
            healthy = pairs
        for _g, t in healthy:
            self.probe_check(lst, t)
        summary = (f"listener {lst.ref.name or lst.ref.id} ({protocol_name(self.pkt.protocol)} {self.pkt.dst_port})"
                   if rule_name is None else rule_name) + \
            f" forwards to {len(healthy)} target(s) of " + ", ".join(g.ref.name or g.ref.id for g in groups)

        def go(g, t):
            def run(w) -> None:
                w.hop(lb.ref, Check.FORWARD, Decision.FORWARD, summary, interface=iface.ref)
                w.to_target(lb, lst, iface, g, t)
            return run
        return [((f"{rule_name}: " if rule_name else "") + f"{t.ref.display()} ({t.address})", go(g, t))
                for g, t in healthy]

    def to_target(self, lb, lst, iface: Interface, group, target) -> None:
        if target.address is None:
            self.unknown(target.ref, Check.FORWARD, f"the address of target {target.ref.display()} is not in the snapshot")
        node = next((ip for ip in iface.private_ips if ip.version == target.address.version), None)
        port = target.port or lst.backend_port or group.port or self.pkt.dst_port
        client = (self.pkt.src, self.pkt.src_port)
        frontend = (self.pkt.dst, self.pkt.dst_port)
        src = self.pkt.src if group.preserve_client_ip or node is None else node
        if src == target.address:
            # The client is this very target and keeps its own address: the target would answer itself, not
            # the balancer, and the flow fails ("NAT loopback ... is not supported when client IP
            # preservation is enabled": https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-troubleshooting.html;
            # a backend reaching its own internal frontend fails when the flow maps to it:
            # https://learn.microsoft.com/azure/load-balancer/load-balancer-troubleshoot-backend-traffic)
            self.drop(lb.ref, Check.FORWARD, Verdict.BLOCKED, f"the flow maps back to its own source "
                      f"{target.ref.display()}, which sees its own address as the client: a load balancer that "
                      "preserves the client IP cannot loop a target's flow back to it", "lb_loopback")
        if src != self.pkt.src:
            self.nat_sessions.append(NatSession(iface.ref.id, (node, self.pkt.src_port), client, frontend))
        else:
            self.nat_sessions.append(BalancerReturn(iface.ref.id, (target.address, port), frontend, frontend=iface))
        self.pkt = replace(self.pkt, src=src, dst=target.address, dst_port=port)
        self.hop(lb.ref, Check.NAT, Decision.TRANSLATE,
                 f"to target {target.ref.display()} {target.address}:{port} of {group.ref.name or group.ref.id}"
                 + (f" [{target.state}]" if target.state else "")
                 + (" (client IP preserved)" if src == client[0] else f" (source: the node's address {node})"),
                 interface=iface.ref)
        if not iface.subnet_id:  # a public frontend: the platform delivers to the target in its network
            self.deliver_local(iface.network_id, None)
        self.interface_filter(iface, Direction.EGRESS)
        self.route_from(self.subnet(iface.subnet_id, iface.ref), iface)

    def probe_check(self, lst, target) -> None:
        """Say so when the target's NSGs deny the health probe (AzureLoadBalancer, 168.63.129.16) on the
        rule's probe port: the probe fails, so the backend is marked down and gets no new flows
        (load-balancer-custom-probe-overview#probe-source-ip-address)."""
        if lst.probe_port is None or target.address is None:
            return
        iface = next((self.e.interfaces[i] for i in self.topo.holders_of(target.address)), None)
        if iface is None:
            return
        probe = Flow(6, PROBE_SOURCE, target.address, None, lst.probe_port)
        subnet = self.e.subnets.get(iface.subnet_id)
        places = ((subnet.ref, subnet.stage),) if subnet is not None else ()
        for where, stage in places + ((iface.ref, iface.stage),):
            if stage is None:
                continue
            res = evaluate_stage(stage, Direction.INGRESS, probe, self.e.rule_sets, self.topo.resolve_ref, None,
                                 where.id, iface.network_id)
            if res.decision is not Action.ALLOW and not res.unknown:
                self.warnings.append(f"{where.display()} denies the health probe from AzureLoadBalancer "
                                     f"(168.63.129.16) to {target.address} port {probe.dst_port}"
                                     + (f" ({res.rule.label})" if res.rule else "") + ": the probe fails and the "
                                     "load balancer marks the backend down; allow the AzureLoadBalancer service tag")
                return

    def balancer_return(self, gw) -> bool:
        """The reply of a flow a balancer forwarded with the client's address leaves with the frontend's
        address as its source. True when that address is public (the packet is on the internet)."""
        s = next((s for s in self.nat_sessions if isinstance(s, BalancerReturn)
                  and s.translated == (self.pkt.src, self.pkt.src_port)), None)
        if s is None:
            return False
        self.pkt = replace(self.pkt, src=s.original[0], src_port=s.original[1])
        fe = s.frontend
        self.hop(fe.owner or fe.ref, Check.NAT, Decision.TRANSLATE, f"reply leaves with the load balancer's "
                 f"frontend address {s.original[0]} as its source", interface=fe.ref)
        return s.original[0] not in fe.private_ips

    def outbound_rule_nat(self, owner: Interface | None, nat):
        """The NAT for a source interface's internet traffic: a load balancer outbound rule whose pool holds
        the interface, unless a NAT gateway on the subnet (it wins) or the VM's own public IP applies
        (https://learn.microsoft.com/azure/load-balancer/outbound-rules: outbound rules apply only when the
        backend VM has no instance-level public IP). Else the subnet's own `nat` (default outbound access)."""
        if owner is None or owner.public_ips or (nat is not None and nat.overrides_public_ip):
            return nat
        by_nic = _OUTBOUND.get(self.topo)
        if by_nic is None:  # interface key -> the outbound rules whose pool holds it, built once per topology
            by_nic = _OUTBOUND[self.topo] = {}
            for lb in self.e.load_balancers.values():
                for gid, protocols in lb.outbound:
                    gw = self.e.gateways.get(gid)
                    for nic in gw.interface_ids if gw is not None else ():
                        by_nic.setdefault(nic, []).append((gw, protocols))
        for gw, protocols in by_nic.get(owner.ref.id.lower(), ()):
            if self.pkt.protocol in protocols:
                return gw
        return nat


def _port_ok(li, port) -> bool:
    if li.port is None:
        return True
    if li.port_to is not None:
        return port is not None and li.port <= port <= li.port_to
    return li.port == port
