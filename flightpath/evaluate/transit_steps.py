"""Transit routers and VPNs (a mixin of the Walker; cloud-neutral by kind).

- transit attachment: enter the transit router; the route table associated with the attachment the packet
  entered on decides (AWS TGW, OCI DRG); leaving into a network, the attachment's own route table (if
  any) routes it, else the attachment subnet's table in the packet's zone.
- router peering: continue at the peer router with the peering attachment as the entry.
- VPN: a link whose far end is in the snapshot (another cloud's VPN gateway) continues there; both ends
  must point at each other, or IPsec never comes up; a link with every tunnel down drops.
"""

from __future__ import annotations

from flightpath.evaluate.state import ExitPoint
from flightpath.model import AttachmentKind, Direction, Gateway, GatewayKind, Subnet, TargetKind, TransitRouter, VpnLink
from flightpath.model.outcome import Check, Decision, Verdict


class TransitSteps:
    """Mixin: expects the Walker's attributes (topo, e, pkt, hop, drop, stop, unknown, ...)."""

    def pick_subnet(self, subnet_ids) -> Subnet | None:
        subnets = [self.e.subnets[s] for s in subnet_ids if s in self.e.subnets]
        same_zone = [s for s in subnets if s.zone and s.zone == self.zone]
        chosen = (same_zone or subnets or [None])[0]
        if chosen is not None:
            self.zone = chosen.zone or self.zone
        return chosen

    def via_transit(self, gw: Gateway, network_id: str, from_subnet: Subnet | None) -> None:
        router = self.e.routers.get(gw.router_id)
        if router is None:
            self.unknown(gw.ref, Check.FORWARD, f"transit router {gw.router_id} not in the snapshot")
        # "Any resources in Availability Zones where there is no transit gateway attachment cannot reach the
        # transit gateway" (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html; AWS RA
        # TGW_ROUTE_AZ_RESTRICTION). Zones are compared only when every subnet involved has one.
        zone = from_subnet.zone if from_subnet is not None else ""
        att_subnets = [self.e.subnets[s] for s in gw.subnet_ids if s in self.e.subnets]
        if zone and att_subnets and all(s.zone for s in att_subnets) and all(s.zone != zone for s in att_subnets):
            self.drop(gw.ref, Check.FORWARD, Verdict.NO_ROUTE,
                      f"{gw.ref.display()} has no subnet in {zone}: resources in that zone cannot reach "
                      f"{router.ref.display()}", "router_zone")
        att_subnet = self.pick_subnet(gw.subnet_ids)
        if att_subnet is None:
            self.warnings.append(f"subnets of {gw.ref.id} unknown: their filters were not evaluated")
        if from_subnet is not None and att_subnet is not None and from_subnet.ref.id == att_subnet.ref.id:
            # Sender and attachment in one subnet: traffic toward the transit gateway is evaluated by the
            # subnet filter's outbound and inbound rules both (AWS "Same subnet for EC2 instances and transit
            # gateway association", https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html); traffic from
            # the transit gateway to the instances is not (deliver_local skips same-subnet filters).
            self.subnet_filter(from_subnet, Direction.EGRESS)
            self.subnet_filter(att_subnet, Direction.INGRESS)
        else:
            self.cross_subnet(from_subnet, att_subnet)
        self.hop(gw.ref, Check.FORWARD, Decision.FORWARD, f"into {router.ref.display()}")
        self.at_router(router, gw.attachment_id)

    def at_router(self, router: TransitRouter, entered: str) -> None:
        self.count_lookup(router.ref)
        rtb_id = dict(router.associations).get(entered)
        if not rtb_id:
            self.drop(router.ref, Check.ROUTE_LOOKUP, Verdict.NO_ROUTE,
                      f"attachment {entered} is associated with no route table of {router.ref.display()}",
                      "router_no_association")
        table = self.e.route_tables.get(rtb_id)
        if table is None:
            self.unknown(router.ref, Check.ROUTE_LOOKUP, f"route table {rtb_id} not in the snapshot", "router_routes_unknown")
        m, why = self.topo.lookup(table, self.pkt.dst)
        if why:
            self.unknown(table.ref, Check.ROUTE_LOOKUP, why, "router_routes_unknown")
        if m is None and table.derived:
            # A table derived from its propagations lacks its static routes: no derived match is not
            # evidence that no route exists (DESIGN rule 3: missing data never yields a confident deny).
            self.unknown(table.ref, Check.ROUTE_LOOKUP,
                         f"no propagated route to {self.pkt.dst} in {table.ref.display()}, and its static routes "
                         f"are not in the snapshot: {table.derived}", "router_routes_unknown")
        if m is None:
            self.drop(table.ref, Check.ROUTE_LOOKUP, Verdict.NO_ROUTE,
                      f"no route to {self.pkt.dst} in {table.ref.display()}", "router_no_route")
        rref = self.route_ref(table, m)
        if m.route.blackhole or m.route.target_kind is TargetKind.DROP:
            self.drop(table.ref, Check.ROUTE_LOOKUP, Verdict.NO_ROUTE, f"route {m.route.label} is a blackhole",
                      "router_blackhole", route=rref)
        self.hop(table.ref, Check.ROUTE_LOOKUP, Decision.FORWARD, f"matched {m.route.label}", route=rref)
        if table.derived:
            self.warnings.append(table.derived)
        att = self.e.attachments.get(m.route.target_id)
        if att is None:
            self.unknown(table.ref, Check.ROUTE_LOOKUP, f"attachment {m.route.target_id} not in the snapshot")
        if not att.available:
            self.drop(att.ref, Check.FORWARD, Verdict.NO_ROUTE, f"{att.ref.display()} is not available",
                      "attachment_bad_state")
        if att.kind is AttachmentKind.NETWORK:
            gw = self.topo.attachment_gateway(att.ref.id)
            network_id = att.resource_id
            if network_id not in self.e.networks:
                self.hop(att.ref, Check.EXIT, Decision.EXIT, f"into {network_id}, outside the snapshot")
                self.exit = ExitPoint("none", att.ref)
                self.stop(Verdict.EXITED, f"left into {network_id}, outside the snapshot")
            subnet = self.pick_subnet(gw.subnet_ids) if gw else None
            self.hop(att.ref, Check.FORWARD, Decision.FORWARD, f"out of {router.ref.display()} into {network_id}")
            self.arrived_via = GatewayKind.TRANSIT_ATTACHMENT
            if gw is not None and gw.edge_route_table_id:
                # The attachment has its own route table for traffic entering the network from the router
                # (OCI: a VCN route table on the DRG attachment, for transit routing through a hub VCN,
                # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/transitrouting.htm).
                self.enter_network(gw, network_id)
            if subnet is None:
                self.warnings.append(f"subnets of {att.ref.id} unknown: delivered by the VPC's local route")
                self.deliver_local(network_id, None)
            self.route_from(subnet)
        elif att.kind is AttachmentKind.PEERING:
            nxt = att.peer_router_id if router.ref.id == att.router_id else att.router_id
            peer = self.e.routers.get(nxt)
            self.hop(att.ref, Check.FORWARD, Decision.FORWARD, f"across the router peering to {nxt}")
            if peer is None:
                self.exit = ExitPoint("none", att.ref)
                self.stop(Verdict.EXITED, f"left toward transit router {nxt}, outside the snapshot")
            self.at_router(peer, att.ref.id)
        elif att.kind is AttachmentKind.VPN:
            self.exit_vpn(self.e.vpn_links.get(att.resource_id), att.ref,
                          ExitPoint("router", att.ref, router_id=router.ref.id, attachment_id=att.ref.id))
        else:
            self.hop(att.ref, Check.EXIT, Decision.EXIT, f"leaves through {att.ref.display()}")
            self.exit = ExitPoint("router", att.ref, router_id=router.ref.id, attachment_id=att.ref.id)
            self.stop(Verdict.EXITED, f"left the estate through {att.ref.display()}")

    def via_vpn_gateway(self, gw: Gateway, network_id: str, from_subnet: Subnet | None) -> None:
        self.cross_subnet(from_subnet, None)
        links = [self.e.vpn_links[i] for i in gw.vpn_link_ids if i in self.e.vpn_links]
        chosen = next((l for l in links if any(self.pkt.dst in c for c in l.remote_cidrs
                                               if c.version == self.pkt.dst.version)), links[0] if links else None)
        # A reply comes back in through the gateway into the gateway's own network (a spoke may use a hub's
        # gateway: Azure gateway transit), and is looked up by the gateway's estate key.
        self.exit_vpn(chosen, gw.ref, ExitPoint("network", gw.ref, gateway_id=self.topo.gateway_key(gw),
                                                network_id=gw.network_ids[0] if gw.network_ids else network_id))

    def exit_vpn(self, link: VpnLink | None, via, exit_point) -> None:
        if link is None:
            self.hop(via, Check.EXIT, Decision.EXIT, "leaves over a VPN whose connection is not in the snapshot")
            self.exit = exit_point
            self.stop(Verdict.EXITED, f"left toward on-premises via {via.display()}")
        assumed = self.vpn_assumed_up(link)
        far = self.topo.vpn_far_end(link)
        if far is None:
            self.hop(link.ref, Check.EXIT, Decision.EXIT,
                     f"leaves over {link.ref.display()} toward {link.remote_ip or 'the remote gateway'}", assumed=assumed)
            self.exit = exit_point
            self.stop(Verdict.EXITED, f"left toward on-premises over VPN {link.ref.display()}")
        self.cross_vpn(link, far)

    def vpn_assumed_up(self, link: VpnLink) -> tuple[str, ...]:
        """A link whose every tunnel is down drops, unless the user assumes tunnels up (--assume tunnels-up):
        then it carries on, and the hops that relied on it say so. A link whose tunnels are not in the snapshot
        (`unknown`) ends the walk `unknown`, under the same assumption carries on."""
        if link.unknown:
            if "tunnels-up" in self.assumptions:
                self.warnings.append(f"{link.ref.display()}: {link.unknown}; assumed up (--assume tunnels-up)")
                return ("tunnels-up",)
            self.unknown(link.ref, Check.FORWARD, f"{link.unknown}: whether a tunnel of {link.ref.display()} is up "
                         "is unknown (--assume tunnels-up asks whether it would work with one up)")
        if link.up:
            return ()
        if "tunnels-up" in self.assumptions:
            self.warnings.append(f"{link.ref.display()}: every tunnel is down in the snapshot; assumed up "
                                 "(--assume tunnels-up)")
            return ("tunnels-up",)
        why = link.down_reason or f"every tunnel of {link.ref.display()} is down"
        self.drop(link.ref, Check.FORWARD, Verdict.NO_ROUTE,
                  f"{why} (--assume tunnels-up asks whether it would work once a tunnel is up)", "vpn_down")
        return ()

    def cross_vpn(self, link: VpnLink, far) -> None:
        """The VPN's far end is in the snapshot (another cloud, or another VPN gateway): continue there.
        Both ends must point at each other, or IPsec never comes up."""
        far_link, owner = far
        if link.unknown or far_link.unknown or link.declared_peer:
            pass  # one side's addresses are not in the snapshot, or the ends are declared joined (links.json)
        elif link.remote_ip not in far_link.local_ips or (far_link.remote_ip is not None
                                                          and far_link.remote_ip not in link.local_ips):
            self.drop(link.ref, Check.FORWARD, Verdict.NO_ROUTE,
                      f"{link.ref.display()} and {far_link.ref.display()} do not point at each other "
                      f"({link.remote_ip} vs {', '.join(map(str, far_link.local_ips))}; "
                      f"{far_link.remote_ip} vs {', '.join(map(str, link.local_ips))}): the tunnel cannot come up",
                      "vpn_down")
        assumed = tuple(dict.fromkeys(self.vpn_assumed_up(link) + self.vpn_assumed_up(far_link)))
        over = "over the interconnect declared in links.json" if link.declared_peer else "through the tunnel"
        self.hop(link.ref, Check.FORWARD, Decision.FORWARD, f"{over} to {far_link.ref.display()} ({far_link.ref.cloud})"
                 + (" (assumed up: --assume tunnels-up)" if assumed else ""), assumed=assumed)
        self.arrived_via = GatewayKind.VPN
        kind, obj, extra = owner
        if kind == "router":
            self.at_router(obj, extra)
        else:
            self.enter_network(obj, obj.network_ids[0])
