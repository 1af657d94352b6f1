"""What each kind of gateway does to a packet (a mixin of the Walker; cloud-neutral by kind).

The rules are the same whichever cloud owns the gateway; the codes come from the cloud's code book:
- internet: private (RFC 1918) and shared (RFC 6598) destinations never cross it; IPv4 egress needs a
  public address bound to the source's private address (1:1 translation); ingress reaches only a public
  address the snapshot holds, translated to its private address (AWS RA: IGW_* codes).
- egress-only internet: IPv6 out; from outside, replies only.
- NAT: TCP, UDP and ICMP only; source NAT to the gateway's address; not for traffic that arrived over a
  peering or VPN ("You cannot route traffic to a NAT gateway through a VPC peering connection, a
  Site-to-Site VPN connection, or AWS Direct Connect": AWS NAT gateway docs). Transit routers may use it.
- peering: only the peer network's own addresses, and only from the local network's addresses (no
  transitive and no edge-to-edge routing: AWS invalid-peering-configurations).
- transit attachment: enter the transit router (transit_steps.py).
- service endpoint: leaves toward the provider's service, carrying only the protocols the gateway lists
  (Gateway.protocols; empty: all).
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import ip_network

from flightpath.evaluate.state import INTERNET, ExitPoint, NatSession
from flightpath.model import Gateway, GatewayKind, Subnet, TargetKind
from flightpath.model.addresses import RFC1918, RFC6598
from flightpath.model.outcome import Check, Decision, Verdict
from flightpath.model.protocols import protocol_name

# Addresses the public internet never routes (RFC 1918, RFC 6598, loopback, link-local, "this network",
# multicast/reserved; IPv6 ULA, link-local, loopback, multicast). Documentation ranges (RFC 5737/3849)
# are deliberately absent: tests and demos use them as stand-ins for internet hosts.
NOT_ON_INTERNET = RFC1918 + (RFC6598,) + tuple(ip_network(n) for n in (
    "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/3",
    "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8"))
NAT_PROTOCOLS = (6, 17, 1, 58)


class GatewaySteps:
    """Mixin: expects the Walker's attributes (topo, e, pkt, hop, drop, stop, unknown, ...)."""

    def via_gateway(self, gw: Gateway, network_id: str, from_subnet: Subnet | None) -> None:
        if not gw.available:
            self.drop(gw.ref, Check.FORWARD, Verdict.NO_ROUTE,
                      f"{gw.ref.display()} is not usable ({gw.note or 'detached or not available'})",
                      "gateway_bad_state")
        handler = {
            GatewayKind.INTERNET: self.via_internet_gateway,
            GatewayKind.EGRESS_ONLY_INTERNET: self.via_egress_only,
            GatewayKind.NAT: self.via_nat,
            GatewayKind.PEERING: self.via_peering,
            GatewayKind.TRANSIT_ATTACHMENT: self.via_transit,
            GatewayKind.VPN: self.via_vpn_gateway,
            GatewayKind.SERVICE_ENDPOINT: self.via_service_endpoint,
        }[gw.kind]
        handler(gw, network_id, from_subnet)

    # --- internet -----------------------------------------------------------------------------------
    def via_internet_gateway(self, gw: Gateway, network_id: str, from_subnet: Subnet | None) -> None:
        dst = self.pkt.dst
        if dst.version == 4 and any(dst in n for n in RFC1918):
            self.drop(gw.ref, Check.FORWARD, Verdict.BLOCKED,
                      f"{dst} is a private (RFC 1918) address: it never crosses an internet gateway; route it "
                      "to a NAT gateway, peering, transit gateway or VPN instead", "internet_private_destination")
        if dst.version == 4 and dst in RFC6598:
            self.drop(gw.ref, Check.FORWARD, Verdict.BLOCKED,
                      f"{dst} is in the shared address space (RFC 6598): it never crosses an internet gateway; "
                      "route it to a private gateway instead", "internet_shared_destination")
        self.cross_subnet(from_subnet, None)
        if self.is_reply and self.balancer_return(gw):  # a public load balancer frontend's reply (balancer_steps)
            self.internet(gw)
            return
        if self.pkt.src.version == 4:
            owner = self.topo.interface_at(network_id, self.pkt.src)
            public = next((pub for priv, pub in owner.public_ips if priv == self.pkt.src), None) if owner else None
            nat = self.e.gateways.get(from_subnet.egress_nat_id) if from_subnet and from_subnet.egress_nat_id else None
            nat = nat if self.is_reply else self.outbound_rule_nat(owner, nat)  # load balancer outbound rules
            if nat is not None and public is not None and self.is_reply:
                nat = None  # the reply of a connection that came in on the public IP leaves by it (Azure NAT gateway)
            if nat is not None and nat.public_ips and (public is None or nat.overrides_public_ip):
                self.subnet_nat(nat)
                self.internet(gw)
                return
            if nat is not None and nat.provider_address and not nat.public_ips and public is None:
                self.provider_nat(nat, gw)
            if nat is not None and not nat.public_ips and (public is None or nat.overrides_public_ip):
                # The subnet's NAT translates, but to an address the snapshot does not hold (DESIGN rule 3:
                # missing data is a result, not "no public IP").
                self.unknown(nat.ref, Check.NAT, f"{nat.ref.display()} translates the source to a public address "
                                                 "that is not in the snapshot" + (f": {nat.note}" if nat.note else ""))
            if public is None and from_subnet is not None and from_subnet.no_internet_reason:
                self.drop(gw.ref, Check.NAT, Verdict.BLOCKED, f"source {self.pkt.src} has no public IP and "
                          f"{from_subnet.ref.display()} {from_subnet.no_internet_reason}", "internet_no_public_ip")
            if public is None:
                self.drop(gw.ref, Check.NAT, Verdict.BLOCKED,
                          f"source {self.pkt.src} has no public IP: {gw.ref.display()} cannot translate it; "
                          "associate a public or Elastic IP with the interface, or route the subnet's "
                          "internet traffic to a NAT gateway", "internet_no_public_ip")
            self.pkt = replace(self.pkt, src=public)
            self.hop(gw.ref, Check.NAT, Decision.TRANSLATE, f"source translated to its public IP {public}")
        self.internet(gw)

    def subnet_nat(self, nat: Gateway) -> None:
        """Source NAT by the NAT gateway configured on the sending subnet (Azure NAT gateway, GCP Cloud NAT)."""
        if self.pkt.protocol not in NAT_PROTOCOLS:
            self.drop(nat.ref, Check.NAT, Verdict.BLOCKED, f"{nat.ref.display()} translates TCP, UDP and ICMP only; "
                      "other protocols need a public IP on the source", "nat_protocol")
        public = nat.public_ips[0]
        self.nat_sessions.append(NatSession(nat.ref.id, (public, self.pkt.src_port), (self.pkt.src, self.pkt.src_port)))
        self.pkt = replace(self.pkt, src=public)
        what = "load balancer outbound rule" if "outbound rule" in nat.ref.type else "NAT gateway"
        self.hop(nat.ref, Check.NAT, Decision.TRANSLATE, f"source translated to the {what}'s public IP {public}")

    def provider_nat(self, nat: Gateway, gw: Gateway) -> None:
        """Source NAT to an address the provider picks (Azure default outbound access): the packet leaves
        toward the internet, with the gateway's note as a warning; the reply comes back in through it."""
        if self.pkt.protocol not in NAT_PROTOCOLS:
            self.drop(nat.ref, Check.NAT, Verdict.BLOCKED, f"{nat.ref.display()} translates TCP, UDP and ICMP only",
                      "nat_protocol")
        if nat.note:
            self.warnings.append(nat.note)
        self.hop(nat.ref, Check.NAT, Decision.TRANSLATE, "source translated to a public address the provider "
                 "picks (not in the snapshot)" + (f": {nat.note}" if nat.note else ""))
        if self.topo.public_owner(self.pkt.dst) is not None or self.topo.nat_owner(self.pkt.dst) is not None:
            self.unknown(nat.ref, Check.NAT, f"{self.pkt.dst} is in the snapshot, but the source address "
                                             f"{nat.ref.display()} picks is not: its filters cannot be evaluated")
        self.hop(gw.ref, Check.EXIT, Decision.EXIT, f"leaves toward the internet ({self.pkt.dst})")
        self.exit = ExitPoint("network", nat.ref, gateway_id=self.topo.gateway_key(nat),
                              network_id=nat.network_ids[0] if nat.network_ids else "")
        self.stop(Verdict.EXITED, f"left toward the internet via {gw.ref.display()} ({nat.ref.display()})")

    def via_egress_only(self, gw: Gateway, network_id: str, from_subnet: Subnet | None) -> None:
        if self.pkt.dst.version == 4:
            self.drop(gw.ref, Check.FORWARD, Verdict.NO_ROUTE, "an egress-only internet gateway carries IPv6 only",
                      "no_route")
        self.cross_subnet(from_subnet, None)
        self.internet(gw)

    def internet(self, gw: Gateway | None) -> None:
        """The packet is on the internet: delivered to a public address the snapshot holds, else exits."""
        owner = self.topo.public_owner(self.pkt.dst)
        # a reply may come back to a NAT address that a public load balancer frontend also holds (outbound rule)
        nat = self.topo.nat_owner(self.pkt.dst) if owner is None or self.is_reply else None
        if nat is not None and self.is_reply:
            session = next((s for s in self.nat_sessions if s.interface_id == nat.ref.id
                            and s.translated == (self.pkt.dst, self.pkt.dst_port)), None)
            if session is not None:
                self.pkt = replace(self.pkt, dst=session.original[0], dst_port=session.original[1])
                self.hop(nat.ref, Check.NAT, Decision.TRANSLATE, f"reply translated back to {session.original[0]}")
                self.deliver_local(nat.network_ids[0], None)
        if nat is not None and owner is None:
            self.drop(nat.ref, Check.FORWARD, Verdict.BLOCKED,
                      f"{nat.ref.display()} admits replies only; nothing connects to it from the internet "
                      "(publish the service on a public IP or a load balancer instead)", "target_not_accepting")
        if owner is None and any(self.pkt.dst.version == n.version and self.pkt.dst in n for n in NOT_ON_INTERNET):
            # A private address is not routable on the internet, and an internet gateway accepts inbound
            # traffic only for the public IP of an interface (AWS RA IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS,
            # https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html). Without this
            # check `internet -> 10.x` ended `exited`, i.e. reachable.
            where = gw.ref if gw else INTERNET
            self.drop(where, Check.FORWARD, Verdict.NO_ROUTE,
                      f"{self.pkt.dst} is a private address: the internet does not route it to any network",
                      "internet_ingress_no_public_ip")
        if owner is None:
            where = gw.ref if gw else INTERNET
            self.hop(where, Check.EXIT, Decision.EXIT, f"leaves toward the internet ({self.pkt.dst})")
            self.exit = ExitPoint("internet", where, network_id=gw.network_ids[0] if gw else "")
            self.stop(Verdict.EXITED, f"left toward the internet via {where.display()}")
        iface, private = owner
        if gw is not None:
            self.hop(gw.ref, Check.FORWARD, Decision.FORWARD,
                     f"across the internet to {self.pkt.dst} ({iface.ref.display()})")
        self.arrive_from_internet(iface, private)

    def arrive_from_internet(self, iface, private) -> None:
        network_id = iface.network_id
        if not iface.subnet_id and iface.owner is not None and iface.owner.id in self.e.load_balancers:
            self.arrived_via = GatewayKind.INTERNET  # a public frontend in no subnet (Azure public load balancer)
            self.arrive_at(iface)
        igw = self.topo.gateway_of(network_id, GatewayKind.INTERNET)
        if igw is None:
            eigw = self.topo.gateway_of(network_id, GatewayKind.EGRESS_ONLY_INTERNET)
            if eigw is not None and self.pkt.dst.version == 6 and self.is_reply:
                self.hop(eigw.ref, Check.FORWARD, Decision.FORWARD, "reply admitted by the egress-only internet gateway")
                self.deliver_local(network_id, None)
            where = eigw.ref if eigw is not None else self.e.networks[network_id].ref
            self.drop(where, Check.FORWARD, Verdict.NO_ROUTE,
                      f"{where.display()} has no internet gateway that admits connections from the internet",
                      "egress_only_ingress" if eigw is not None else "no_route")
        if private != self.pkt.dst:
            self.pkt = replace(self.pkt, dst=private)
            self.hop(igw.ref, Check.NAT, Decision.TRANSLATE, f"destination translated to its private IP {private}")
        self.arrived_via = GatewayKind.INTERNET
        self.enter_network(igw, network_id)

    def enter_network(self, gw: Gateway, network_id: str, table_id: str = "") -> None:
        """Traffic entering a network through a gateway: `table_id`, else the gateway's edge (ingress) route
        table if any, else local."""
        table_id = table_id or gw.edge_route_table_id
        table = self.e.route_tables.get(table_id) if table_id else None
        if table is None and table_id:  # DESIGN rule 3: missing data is a result
            self.unknown(gw.ref, Check.ROUTE_LOOKUP, f"route table {table_id} of {gw.ref.display()} "
                                                     "is not in the snapshot")
        if table is None:
            self.deliver_local(network_id, None)
            return
        self.count_lookup(table.ref)
        m, why = self.topo.lookup(table, self.pkt.dst)
        if why:
            self.unknown(table.ref, Check.ROUTE_LOOKUP, why)
        if m is None or m.route.blackhole:
            self.drop(table.ref, Check.ROUTE_LOOKUP, Verdict.NO_ROUTE,
                      f"no usable route to {self.pkt.dst} in the gateway route table {table.ref.display()}", "no_route")
        self.hop(table.ref, Check.ROUTE_LOOKUP, Decision.FORWARD, f"gateway route table: {m.route.label}",
                 route=self.route_ref(table, m))
        if m.route.target_kind is TargetKind.LOCAL:
            self.deliver_local(network_id, None)
        else:
            self.follow(m.route, table, None, network_id)

    # --- NAT and peering ------------------------------------------------------------------------------
    def via_nat(self, gw: Gateway, network_id: str, from_subnet: Subnet | None) -> None:
        if self.pkt.protocol not in NAT_PROTOCOLS:
            self.drop(gw.ref, Check.NAT, Verdict.BLOCKED,
                      f"{gw.ref.display()} translates TCP, UDP and ICMP only; other protocols need a public IP "
                      "on the source", "nat_protocol")
        if self.arrived_via in (GatewayKind.PEERING, GatewayKind.VPN):
            self.drop(gw.ref, Check.NAT, Verdict.BLOCKED,
                      f"traffic that arrived over a {self.arrived_via.value} cannot use {gw.ref.display()}; "
                      "give the sending network its own NAT gateway, or centralise egress through a transit "
                      "gateway", "nat_source_not_local")
        if not gw.interface_ids:
            self.via_routed_nat(gw, from_subnet)
            return
        iface = self.e.interfaces.get(gw.interface_ids[0]) if gw.interface_ids else None
        if iface is None or not iface.private_ips:
            self.unknown(gw.ref, Check.NAT, f"the interface of {gw.ref.display()} is not in the snapshot")
        nat_subnet = self.subnet(iface.subnet_id, gw.ref)
        self.cross_subnet(from_subnet, nat_subnet)
        translated = next((ip for ip in iface.private_ips if ip.version == self.pkt.src.version), None)
        if translated is None:
            self.drop(gw.ref, Check.NAT, Verdict.BLOCKED, f"{gw.ref.display()} has no IPv{self.pkt.src.version} "
                      "address to translate to", "nat_protocol")
        original = (self.pkt.src, self.pkt.src_port)
        self.pkt = replace(self.pkt, src=translated)
        self.nat_sessions.append(NatSession(iface.ref.id, (translated, self.pkt.src_port), original))
        self.hop(gw.ref, Check.NAT, Decision.TRANSLATE,
                 f"source translated to {translated}" + (" (source port remapped within 1024-65535)"
                                                         if self.pkt.src_port is not None else ""))
        self.route_from(nat_subnet)

    def via_routed_nat(self, gw: Gateway, from_subnet: Subnet | None) -> None:
        """A NAT gateway that is only a route target, with no interface in a subnet (OCI's NAT gateway:
        "hosts ... can initiate connections to the internet and receive responses, but not receive inbound
        connections initiated from the internet", https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/
        NATgateway.htm): the source becomes its public address and the packet is on the internet."""
        dst = self.pkt.dst
        if any(dst.version == n.version and dst in n for n in NOT_ON_INTERNET):
            # the gateway's one job is the internet, which a private address is not on: the gateway refuses it
            # (issue 10 class 1, as an internet gateway does), before any translation
            self.drop(gw.ref, Check.FORWARD, Verdict.BLOCKED,
                      f"{dst} is a private address: {gw.ref.display()} carries traffic to the internet only; route "
                      "it to a private gateway (DRG, peering, VPN) instead", "internet_private_destination")
        if not gw.public_ips:
            self.unknown(gw.ref, Check.NAT, f"{gw.ref.display()} translates the source to a public address "
                                            "that is not in the snapshot")
        self.cross_subnet(from_subnet, None)
        self.subnet_nat(gw)
        self.internet(gw)

    def via_peering(self, gw: Gateway, network_id: str, from_subnet: Subnet | None) -> None:
        peer_id = next((n for n in gw.network_ids if n != network_id), "")
        peer = self.e.networks.get(peer_id)
        local = self.e.networks.get(network_id)
        far = self.e.gateways.get(gw.peer_gateway_id) if gw.peer_gateway_id else None
        in_peer = peer is not None and any(self.pkt.dst.version == c.version and self.pkt.dst in c for c in peer.cidrs)
        routed_by = dict(gw.routes_into).get(peer_id, "") if not in_peer else ""
        if peer is None and far is not None:
            self.unknown(gw.ref, Check.FORWARD, f"the network {peer_id or '?'} behind {far.ref.display()} is not in "
                                                "the snapshot")
        if far is None and not in_peer and not routed_by:
            self.drop(gw.ref, Check.FORWARD, Verdict.BLOCKED,
                      f"{self.pkt.dst} is not in the peer network's CIDRs: a peering is not transitive; peer "
                      "directly with the destination's network or use a transit gateway", "peering_address")
        if local is not None and local.cidrs and peer_id not in gw.transit_into and not any(
                self.pkt.src.version == c.version and self.pkt.src in c for c in local.cidrs):
            self.drop(gw.ref, Check.FORWARD, Verdict.BLOCKED,
                      f"source {self.pkt.src} is not in {local.ref.display()}: no edge-to-edge routing through a "
                      "peering; send it through a transit gateway or an appliance in the network", "peering_address")
        self.cross_subnet(from_subnet, None)
        self.hop(gw.ref, Check.FORWARD, Decision.FORWARD, f"across the peering into {peer.ref.display()}")
        if far is not None and not in_peer and not far.edge_route_table_id:
            # The far gateway has no route table of its own: what arrives through it is routed only by the
            # peer network's local routing (OCI: "Traffic coming in to a VCN through the LPG is automatically
            # routed to the destination within the VCN because of VCN local routing"; transit beyond it needs a
            # route table on that LPG, https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/transitrouting.htm).
            self.drop(far.ref, Check.ROUTE_LOOKUP, Verdict.NO_ROUTE,
                      f"no route table on {far.ref.display()}: what arrives through it reaches only "
                      f"{peer.ref.display()}'s own addresses, not {self.pkt.dst} (peering is not transitive; "
                      "associate a route table with that gateway for transit routing)", "no_route")
        if far is not None and far.edge_route_table_id:
            self.router_to_router(far)
            self.arrived_via = GatewayKind.PEERING
            self.enter_network(far, peer_id)  # a hub network needs no subnet of its own to route onward
            return
        if routed_by:  # an imported custom route: its next hop is in the peer (GCP peering route exchange)
            self.arrived_via = GatewayKind.PEERING
            self.enter_network(gw, peer_id, routed_by)
            return
        self.arrived_via = GatewayKind.PEERING
        if peer_id not in self.topo.subnets_of:
            self.hop(gw.ref, Check.EXIT, Decision.EXIT, f"{peer.ref.display()} is outside the snapshot")
            self.exit = ExitPoint("none", gw.ref)
            self.stop(Verdict.EXITED, f"left into {peer.ref.display()}, outside the snapshot")
        self.deliver_local(peer_id, None)

    def router_to_router(self, far: Gateway) -> None:
        """Traffic that came out of a transit router into this network, crossed a peering, and would be sent by the
        far gateway's route table into a transit router again: OCI documents that path (DRG-1 -> VCN-1's attachment
        table -> LPG-1 -> LPG-2's table -> DRG-2) as "not supported" ("The supported way to move traffic as shown
        between two DRGs in the same region is through a remote peering connection",
        https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/transitrouting.htm)."""
        if self.arrived_via is not GatewayKind.TRANSIT_ATTACHMENT:
            return
        table = self.e.route_tables.get(far.edge_route_table_id)
        m, _why = self.topo.lookup(table, self.pkt.dst) if table is not None else (None, "")
        nxt = self.e.gateways.get(m.route.target_id) if m and m.route.target_kind is TargetKind.GATEWAY else None
        if nxt is not None and nxt.kind is GatewayKind.TRANSIT_ATTACHMENT:
            self.drop(table.ref, Check.ROUTE_LOOKUP, Verdict.NO_ROUTE,
                      f"{self.pkt.dst}: traffic that came out of a transit router cannot cross a peering and be routed by "
                      f"{table.ref.display()} into {nxt.ref.display()} (not supported; connect the routers with a "
                      "router peering instead)", "no_route", route=self.route_ref(table, m))

    def via_service_endpoint(self, gw: Gateway, network_id: str, from_subnet: Subnet | None) -> None:
        if "Gateway Load Balancer" in gw.note:
            self.unknown(gw.ref, Check.FORWARD, gw.note)
        if gw.protocols and self.pkt.protocol not in gw.protocols:
            carried = " and ".join(protocol_name(p) for p in gw.protocols)
            self.drop(gw.ref, Check.FORWARD, Verdict.BLOCKED,
                      f"{gw.ref.display()} carries {carried} only; use an interface endpoint or the "
                      "internet path for other protocols", "endpoint_protocol")
        self.cross_subnet(from_subnet, None)
        self.hop(gw.ref, Check.EXIT, Decision.EXIT, f"leaves toward the service {gw.ref.name or gw.ref.id}")
        self.exit = ExitPoint("network", gw.ref, gateway_id=self.topo.gateway_key(gw), network_id=network_id)
        self.stop(Verdict.EXITED, f"left toward the service via {gw.ref.display()}")
