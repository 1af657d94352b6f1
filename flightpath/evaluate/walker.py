"""The hop-by-hop walk of one packet through the topology (cloud-neutral).

The walker moves a packet between devices: an interface (egress/ingress filter stages), a subnet edge
(subnet filter stages), a route table (longest prefix, preference), gateways (see gateway_steps.py) and
transit routers. Every check appends a Hop; a terminal state raises `Stop` with the verdict.
Cloud semantics arrive only as data: tiers, ranks, gateway kinds, and each cloud's code book.
"""

from __future__ import annotations

import copy
from dataclasses import replace

from flightpath.evaluate.balancer_steps import BalancerSteps
from flightpath.evaluate.filters import evaluate_stage, tier_is_stateful
from flightpath.evaluate.gateway_steps import GatewaySteps
from flightpath.evaluate.state import INTERNET, MAX_ROUTE_LOOKUPS, ExitPoint, NatSession, Stop
from flightpath.evaluate.transit_steps import TransitSteps
from flightpath.model import Action, Direction, GatewayKind, Interface, NativeRef, Route, RouteTable, Subnet, TargetKind
from flightpath.model.flow import Flow
from flightpath.model.outcome import Check, Decision, Hop, RouteRef, RuleRef, Verdict
from flightpath.topology import Topology
from flightpath.topology.routes import RouteMatch


class Walker(GatewaySteps, TransitSteps, BalancerSteps):
    def __init__(self, topo: Topology, pkt: Flow, *, all_blockers: bool = False,
                 forward: "Walker | None" = None, assumptions: tuple[str, ...] = ()) -> None:
        self.assumptions = forward.assumptions if forward else tuple(assumptions)
        self.topo = topo
        self.e = topo.estate
        self.pkt = pkt
        self.hops: list[Hop] = []
        self.blockers: list[Hop] = []
        self.warnings: list[str] = []
        self.all_blockers = all_blockers
        self.is_reply = forward is not None
        self.tracked: set[str] | None = forward.passed if forward else None
        self.passed: set[str] = set()
        self.nat_sessions: list[NatSession] = forward.nat_sessions if forward else []
        self.route_lookups = 0
        self.arrived_via: GatewayKind | None = None
        self.exit: ExitPoint | None = None
        self.delivered_to: Interface | None = None
        self.zone = ""
        self.branches: list = []  # load balancer target branches (balancer_steps.Branch)

    # --- plumbing -------------------------------------------------------------------------------
    def code(self, ref: NativeRef, condition: str) -> str:
        return self.e.codes.get(ref.cloud, {}).get(condition, "")

    def hop(self, resource: NativeRef, check: Check, decision: Decision, reason: str, *,
            rule: RuleRef | None = None, route: RouteRef | None = None, code: str = "",
            blocking: bool = False, assumed: tuple[str, ...] = (), interface: NativeRef | None = None) -> Hop:
        h = Hop(resource, check, decision, reason, self.pkt, rule, route, code, blocking, assumed, interface)
        self.hops.append(h)
        if blocking:
            self.blockers.append(h)
        return h

    def stop(self, verdict: Verdict, reason: str) -> None:
        raise Stop(verdict, reason)

    def unknown(self, resource: NativeRef, check: Check, why: str, condition: str = "unknown_resource") -> None:
        self.hop(resource, check, Decision.UNKNOWN, why, code=self.code(resource, condition))
        self.stop(Verdict.UNKNOWN, why)

    def drop(self, resource: NativeRef, check: Check, verdict: Verdict, why: str, condition: str,
             *, route: RouteRef | None = None) -> None:
        self.hop(resource, check, Decision.DROP, why, route=route, code=self.code(resource, condition),
                 blocking=verdict is Verdict.BLOCKED)
        self.stop(verdict, why)

    def at(self, iface: Interface) -> tuple[NativeRef, NativeRef | None]:
        """Where a hop at an interface is reported: its owning service (a NAT gateway, transit attachment,
        load balancer, endpoint, ...) with the interface as detail, else the interface itself."""
        if iface.owner is not None:
            return iface.owner, iface.ref
        gw = self.e.gateways.get(iface.gateway_id) if iface.gateway_id else None
        return (gw.ref, iface.ref) if gw is not None else (iface.ref, None)

    def subnet(self, subnet_id: str, context: NativeRef) -> Subnet:
        s = self.e.subnets.get(subnet_id)
        if s is None:
            self.unknown(context, Check.ROUTE_LOOKUP, f"subnet {subnet_id or '?'} of {context.id} not in the snapshot")
        return s  # type: ignore[return-value]

    # --- filters --------------------------------------------------------------------------------
    def filter(self, place: NativeRef, stage, missing: str, direction: Direction, network_id: str = "",
               interface: NativeRef | None = None) -> None:
        check = Check.EGRESS_FILTER if direction is Direction.EGRESS else Check.INGRESS_FILTER
        if stage is None:
            if missing:
                self.unknown(place, check, f"filter of {place.id} unknown: {missing}")
            return
        res = evaluate_stage(stage, direction, self.pkt, self.e.rule_sets, self.topo.resolve_ref,
                             self.tracked, place.id, network_id)
        tier_ref = place
        if res.tier and len(res.tier.rule_set_ids) == 1 and res.tier.rule_set_ids[0] in self.e.rule_sets:
            tier_ref = self.e.rule_sets[res.tier.rule_set_ids[0]].ref
        if res.unknown:
            # Also name the failed call when the rule sets are absent because it failed (a manifest error for
            # DescribeSecurityGroups): DESIGN rule 3, a trace that needs missing data names the missing call.
            extra = f" ({missing})" if missing else ""
            self.hop(place, check, Decision.UNKNOWN, f"{res.tier.label if res.tier else 'filter'} of {place.id}: "
                     f"{res.unknown}{extra}", code=self.code(place, "unknown_resource"), interface=interface)
            self.stop(Verdict.UNKNOWN, f"{res.tier.label if res.tier else 'filter'} of {place.id}: {res.unknown}{extra}")
        rule = RuleRef(res.rule.ref, res.rule.label, res.rule.action.value, res.rule.describe()) if res.rule else None
        reason = f"{'outbound' if direction is Direction.EGRESS else 'inbound'}: {res.reason}"
        if res.decision is Action.ALLOW:
            self.hop(place, check, Decision.ALLOW, reason, rule=rule, interface=interface)
            if not self.is_reply:
                for tier in stage.tiers:
                    if tier_is_stateful(tier, self.e.rule_sets) and not (res.rule and res.rule.stateless):
                        self.passed.add(f"{place.id}|{tier.label}")
            return
        code = res.tier.block_code if res.tier else ""
        if rule is None and res.tier is not None:
            rule = RuleRef(tier_ref, "implicit deny", "deny", res.reason)
        self.hop(place, check, Decision.DENY, reason, rule=rule, code=code, blocking=True, interface=interface)
        if not self.all_blockers:
            self.stop(Verdict.BLOCKED, f"{place.display()}: {reason}")

    def interface_filter(self, iface: Interface, direction: Direction) -> None:
        where, detail = self.at(iface)
        self.filter(where, iface.stage, iface.stage_missing, direction, iface.network_id, detail)

    def subnet_filter(self, subnet: Subnet, direction: Direction) -> None:
        name = subnet.missing_stage_assumption
        if subnet.stage is None and subnet.stage_missing and name and name in self.assumptions:
            check = Check.EGRESS_FILTER if direction is Direction.EGRESS else Check.INGRESS_FILTER
            self.hop(subnet.ref, check, Decision.ALLOW, f"{'outbound' if direction is Direction.EGRESS else 'inbound'}:"
                     f" assumed the network's default allow-all filter (--assume {name}; {subnet.stage_missing})",
                     assumed=(name,))
            return
        self.filter(subnet.ref, subnet.stage, subnet.stage_missing, direction, subnet.network_id)

    def cross_subnet(self, src: Subnet | None, dst: Subnet | None) -> None:
        """Traffic inside one subnet crosses no subnet filter; otherwise leave one and enter the other."""
        if src is not None and dst is not None and src.ref.id == dst.ref.id and not src.stage_applies_within:
            return
        if src is not None:
            self.subnet_filter(src, Direction.EGRESS)
        if dst is not None:
            self.subnet_filter(dst, Direction.INGRESS)

    # --- starts -----------------------------------------------------------------------------------
    def start_interface(self, iface: Interface) -> None:
        where, detail = self.at(iface)
        self.hop(where, Check.START, Decision.FORWARD, f"packet leaves {iface.ref.display()}", interface=detail)
        subnet = self.subnet(iface.subnet_id, iface.ref)
        self.zone = subnet.zone
        self.interface_filter(iface, Direction.EGRESS)
        self.route_from(subnet, iface)

    def start_subnet(self, subnet: Subnet) -> None:
        self.hop(subnet.ref, Check.START, Decision.FORWARD,
                 f"no interface holds {self.pkt.src}; the packet starts in subnet {subnet.ref.display()}")
        self.zone = subnet.zone
        self.route_from(subnet)

    def start_internet(self) -> None:
        self.hop(INTERNET, Check.START, Decision.FORWARD, f"packet comes from the internet ({self.pkt.src})")
        self.internet(None)

    # --- routing ----------------------------------------------------------------------------------
    def route_ref(self, table: RouteTable, m: RouteMatch) -> RouteRef:
        r = m.route
        return RouteRef(table.ref, str(m.destination), r.target_id or r.target_kind.value, r.origin, r.label)

    def count_lookup(self, where: NativeRef) -> None:
        self.route_lookups += 1
        if self.route_lookups > MAX_ROUTE_LOOKUPS:
            self.drop(where, Check.ROUTE_LOOKUP, Verdict.NO_ROUTE,
                      f"routing loop: more than {MAX_ROUTE_LOOKUPS} route lookups", "no_route")

    def route_from(self, subnet: Subnet, iface: Interface | None = None) -> None:
        """Route lookup in the sending interface's own table if it has one, else the subnet's; then follow
        the chosen next hop."""
        self.count_lookup(subnet.ref)
        table = self.topo.route_table_for(subnet, iface)
        if table is None:
            self.unknown(subnet.ref, Check.ROUTE_LOOKUP,
                         f"no route table for {subnet.ref.id} in the snapshot (no association and no main table)")
        m, why = self.topo.lookup(table, self.pkt.dst)
        if why:
            self.unknown(table.ref, Check.ROUTE_LOOKUP, why)
        if m is None:
            self.drop(table.ref, Check.ROUTE_LOOKUP, Verdict.NO_ROUTE,
                      f"no route to {self.pkt.dst} in {table.ref.display()}", "no_route")
        if m.equal_cost:
            self.take_equal_cost(table, m, subnet)
        self.take_route(table, m.destination, m.route, subnet)

    def take_route(self, table: RouteTable, destination, route: Route, subnet: Subnet, note: str = "") -> None:
        rref = self.route_ref(table, RouteMatch(route, destination))
        if route.blackhole or route.target_kind is TargetKind.DROP:
            # Azure "None": "Traffic routed to the None next hop type is dropped" (Azure's own system routes for
            # 10.0.0.0/8 etc.: https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview);
            # elsewhere a blackhole (AWS: the target is gone; OCI/GCP: an explicit drop)
            self.drop(table.ref, Check.ROUTE_LOOKUP, Verdict.NO_ROUTE,
                      f"route {route.label} " + ("drops it (next hop None)" if route.target_id == "None" else
                                                 "is a blackhole (its target is gone or drops)") + note,
                      "blackhole", route=rref)
        self.hop(table.ref, Check.ROUTE_LOOKUP, Decision.FORWARD, f"matched {route.label}{note}", route=rref)
        self.follow(route, table, subnet)

    def take_equal_cost(self, table: RouteTable, m: RouteMatch, subnet: Subnet) -> None:
        """Equal-cost routes (same prefix, same preference, different next hops: GCP ECMP, AWS overlapping
        prefix lists "randomly" chosen): each branch is walked. The path shown is the first branch's; when
        the branches end alike the trace goes on as that branch, else it is `ambiguous` and names each."""
        routes = (m.route,) + m.equal_cost
        outcomes: list[tuple[Route, Walker, Stop]] = []
        for i, route in enumerate(routes, 1):
            branch = self.branch()
            try:
                branch.take_route(table, m.destination, route, subnet, f" (equal-cost route {i} of {len(routes)})")
            except Stop as stop:
                outcomes.append((route, branch, stop))
        first_route, first, stop = outcomes[0]
        self.__dict__.update(first.__dict__)
        ends = [f"via {r.label}: {'blocked' if b.blockers else s.verdict.value} ({s.reason})" for r, b, s in outcomes]
        if len({(s.verdict, bool(b.blockers)) for _r, b, s in outcomes}) == 1:
            self.warnings.append(f"{len(routes)} equal-cost routes in {table.ref.display()} for {self.pkt.dst}; "
                                 f"every branch ends {ends[0].split(': ', 1)[1].split(' (', 1)[0]}")
            raise stop
        self.warnings.extend(f"equal-cost branch {end}" for end in ends)
        self.blockers.clear()  # the branches disagree: no single blocker is the answer
        raise Stop(Verdict.AMBIGUOUS, f"{len(routes)} equal-cost routes in {table.ref.display()} end differently: "
                                      + "; ".join(ends))

    def branch(self) -> "Walker":
        """A copy of this walk's state that can go on independently (its own hops, sessions, tracking)."""
        child = copy.copy(self)
        child.hops, child.blockers, child.warnings = list(self.hops), list(self.blockers), list(self.warnings)
        child.passed, child.nat_sessions = set(self.passed), list(self.nat_sessions)
        return child

    def follow(self, route: Route, table: RouteTable, subnet: Subnet | None, network_id: str = "") -> None:
        """`network_id`: the network whose table this is when no subnet is (a gateway's edge route table)."""
        network_id = subnet.network_id if subnet else network_id
        kind = route.target_kind
        if kind is TargetKind.LOCAL:
            self.deliver_local(network_id, subnet)
        elif kind is TargetKind.INTERFACE:
            iface = self.e.interfaces.get(route.target_id)
            if iface is None:
                self.unknown(table.ref, Check.ROUTE_LOOKUP, f"route target {route.target_id} not in the snapshot")
            self.to_interface(iface, subnet)
        elif kind is TargetKind.GATEWAY:
            gw = self.e.gateways.get(route.target_id)
            if gw is None:
                self.unknown(table.ref, Check.ROUTE_LOOKUP, f"route target {route.target_id} not in the snapshot")
            self.via_gateway(gw, network_id, subnet)
        else:
            self.hop(table.ref, Check.EXIT, Decision.EXIT, f"leaves toward {route.target_id}, outside the model")
            self.warnings.append(f"route {route.label} leads to {route.target_id}, which flightpath does not model")
            self.exit = ExitPoint("none", table.ref)
            self.stop(Verdict.EXITED, f"left toward {route.target_id}")

    # --- delivery ---------------------------------------------------------------------------------
    def deliver_local(self, network_id: str, from_subnet: Subnet | None) -> None:
        dst_subnet = self.topo.subnet_at(network_id, self.pkt.dst)
        where = self.e.networks[network_id].ref if network_id in self.e.networks else INTERNET
        if dst_subnet is None:
            self.drop(where, Check.DELIVER, Verdict.NO_ROUTE,
                      f"no subnet of {where.display()} holds {self.pkt.dst}", "no_destination")
        self.cross_subnet(from_subnet, dst_subnet)
        iface = self.topo.interface_at(network_id, self.pkt.dst)
        if iface is None:
            self.hop(dst_subnet.ref, Check.DELIVER, Decision.DROP,
                     f"{self.pkt.dst} is in {dst_subnet.ref.display()} but no interface holds it",
                     code=self.code(dst_subnet.ref, "no_destination"))
            self.stop(Verdict.UNASSIGNED, f"no interface holds {self.pkt.dst}")
        self.arrive_at(iface)

    def arrive_at(self, iface: Interface) -> None:
        session = self.nat_session(iface)
        where, detail = self.at(iface)
        if session is not None:
            self.pkt = replace(self.pkt, dst=session.original[0], dst_port=session.original[1])
            if session.reply_src is not None:
                self.pkt = replace(self.pkt, src=session.reply_src[0], src_port=session.reply_src[1])
            self.hop(where, Check.NAT, Decision.TRANSLATE,
                     f"reply translated back to {session.original[0]} by {where.display()}", interface=detail)
            self.route_from(self.subnet(iface.subnet_id, iface.ref))
            return
        if not iface.accepts_connections:
            why = (f"{iface.ref.display()} belongs to {where.display() if detail else 'a managed gateway'}, "
                   "which accepts no connections initiated toward it (only replies to its own translations)")
            self.hop(where, Check.DELIVER, Decision.DROP, why, code=self.code(where, "target_not_accepting"),
                     blocking=True, interface=detail)
            self.stop(Verdict.BLOCKED, why)
        self.interface_filter(iface, Direction.INGRESS)
        lb = self.e.load_balancers.get(iface.owner.id) if iface.owner is not None and not self.is_reply else None
        if lb is not None:
            self.via_load_balancer(lb, iface)
        self.hop(where, Check.DELIVER, Decision.DELIVER,
                 f"delivered to {iface.ref.display()}" + (f" ({iface.note})" if iface.note else ""), interface=detail)
        if iface.note:
            self.warnings.append(iface.note)
        self.delivered_to = iface
        self.stop(Verdict.DELIVERED, f"delivered to {iface.ref.display()}")

    def nat_session(self, iface: Interface) -> NatSession | None:
        if not self.is_reply or not (iface.gateway_id or iface.owner is not None):
            return None
        for s in self.nat_sessions:
            if s.interface_id == iface.ref.id and s.translated == (self.pkt.dst, self.pkt.dst_port):
                return s
        return None

    def to_interface(self, iface: Interface, from_subnet: Subnet | None) -> None:
        """A route whose target is an interface: an appliance (or the destination itself)."""
        gw = self.e.gateways.get(iface.gateway_id) if iface.gateway_id else None
        if gw is not None and gw.kind is GatewayKind.NAT:
            self.via_gateway(gw, iface.network_id, from_subnet)
            return
        subnet = self.subnet(iface.subnet_id, iface.ref)
        self.cross_subnet(from_subnet, subnet)
        if self.pkt.dst in iface.private_ips:
            self.arrive_at(iface)
        self.interface_filter(iface, Direction.INGRESS)
        where, detail = self.at(iface)
        if not iface.forwards:
            setting = iface.no_forward_setting or "source/destination check is on"
            self.hop(where, Check.FORWARD, Decision.DROP,
                     f"{iface.ref.display()} drops packets not addressed to it ({setting})",
                     code=self.code(where, "source_dest_check"), blocking=True, interface=detail)
            if not self.all_blockers:
                self.stop(Verdict.BLOCKED, f"{iface.ref.display()} does not forward ({setting})")
        else:
            self.hop(where, Check.FORWARD, Decision.FORWARD, f"{iface.ref.display()} forwards the packet",
                     interface=detail)
        self.interface_filter(iface, Direction.EGRESS)
        self.route_from(subnet, iface)
