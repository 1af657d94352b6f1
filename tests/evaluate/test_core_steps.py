"""Cloud-neutral evaluator steps that OCI (and others) express as data, on small hand-built estates:

- a union tier with per-rule state: a matching stateless rule decides and is not tracked (OCI: "If traffic
  matches both a stateful and a stateless rule in a direction, the stateless rule takes precedence and
  the connection is not tracked", https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm);
- a NAT gateway that is only a route target (no interface in a subnet; OCI NAT gateway: "can initiate
  connections to the internet and receive responses, but not receive inbound connections initiated from
  the internet", https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/NATgateway.htm);
- a transit router attachment with its own route table for traffic entering the network (OCI transit
  routing through a hub VCN, https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/transitrouting.htm).
"""

from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest

from flightpath.evaluate import trace
from flightpath.model import (
    Action,
    AttachmentKind,
    Check,
    Decision,
    Direction,
    Estate,
    FilterStage,
    FilterTier,
    Gateway,
    GatewayKind,
    Interface,
    NativeRef,
    Network,
    Ordering,
    PortRange,
    Route,
    RouterAttachment,
    RouteTable,
    Rule,
    RuleSet,
    Subnet,
    TargetKind,
    TransitRouter,
    Verdict,
)
from flightpath.model.flow import Flow
from flightpath.topology import Topology


def ref(kind: str, rid: str) -> NativeRef:
    return NativeRef("test", kind, rid)


def tcp(src: str, dst: str, port: int) -> Flow:
    return Flow.build(6, ip_address(src), ip_address(dst), dst_port=port, src_port=49152)


def network(e: Estate, nid: str, cidr: str, routes: tuple[Route, ...] = ()) -> None:
    rt = f"rt-{nid}"
    e.networks[nid] = Network(ref("network", nid), (ip_network(cidr),), main_route_table_id=rt)
    e.route_tables[rt] = RouteTable(ref("route-table", rt),
                                    (Route(ip_network(cidr), TargetKind.LOCAL, label=f"{cidr} local"),) + routes)
    e.subnets[f"sn-{nid}"] = Subnet(ref("subnet", f"sn-{nid}"), nid, (ip_network(cidr),))


def host(e: Estate, iid: str, nid: str, ip: str, *, stage: FilterStage | None = None, forwards: bool = False) -> None:
    e.interfaces[iid] = Interface(ref("interface", iid), nid, f"sn-{nid}", (ip_address(ip),), stage=stage,
                                  forwards=forwards)


def gw_route(dest: str, target: str) -> Route:
    return Route(ip_network(dest), TargetKind.GATEWAY, target, label=f"{dest} -> {target}")


# --- stateless precedence in a union tier --------------------------------------------------------------

def _security_list(with_stateless: bool) -> RuleSet:
    r = ref("security-list", "sl-1")
    rules = [Rule(r, "in-22-stateful", Direction.INGRESS, Action.ALLOW, protocol=6, dst_ports=(PortRange(22, 22),),
                  stateless=False),
             Rule(r, "out-80-stateless", Direction.EGRESS, Action.ALLOW, protocol=6, dst_ports=(PortRange(80, 80),),
                  stateless=True)]
    if with_stateless:  # listed after the stateful rule on purpose: the order must not matter
        rules.insert(1, Rule(r, "in-22-stateless", Direction.INGRESS, Action.ALLOW, protocol=6,
                             dst_ports=(PortRange(22, 22),), stateless=True))
    return RuleSet(r, tuple(rules), stateful=True, network_id="n1")


def _union_estate(with_stateless: bool) -> Topology:
    e = Estate()
    network(e, "n1", "10.0.0.0/16")
    e.rule_sets["sl-1"] = _security_list(with_stateless)
    stage = FilterStage((FilterTier("security lists", ("sl-1",), Ordering.UNION),))
    host(e, "client", "n1", "10.0.1.5")
    host(e, "server", "n1", "10.0.2.9", stage=stage)
    return Topology(e)


def test_stateful_match_alone_is_tracked_and_the_reply_passes() -> None:
    t = trace(_union_estate(with_stateless=False), tcp("10.0.1.5", "10.0.2.9", 22))
    assert t.verdict is Verdict.DELIVERED
    assert t.reply is not None and any("tracked" in h.reason for h in t.reply.hops)


def test_stateless_match_wins_over_stateful_so_the_reply_needs_its_own_rule() -> None:
    """Both ingress rules admit tcp 22; the stateless one decides, nothing is tracked, and the reply
    (tcp from port 22 to the client's port 49152) matches no egress rule: blocked on the return path."""
    t = trace(_union_estate(with_stateless=True), tcp("10.0.1.5", "10.0.2.9", 22))
    assert t.forward.verdict is Verdict.DELIVERED
    ingress = next(h for h in t.forward.hops if h.check is Check.INGRESS_FILTER)
    assert ingress.rule is not None and ingress.rule.label == "in-22-stateless"
    assert t.verdict is Verdict.BLOCKED
    assert t.first_block is not None and t.first_block in t.reply.hops
    assert t.first_block.check is Check.EGRESS_FILTER and "sl-1" in t.first_block.reason


# --- a NAT gateway that is only a route target --------------------------------------------------------

def _nat_estate(public: tuple[str, ...]) -> Topology:
    e = Estate()
    network(e, "n1", "10.0.0.0/16", (gw_route("0.0.0.0/0", "nat-1"),))
    host(e, "vm", "n1", "10.0.1.5")
    e.gateways["nat-1"] = Gateway(ref("nat-gateway", "nat-1"), GatewayKind.NAT, ("n1",),
                                  public_ips=tuple(ip_address(p) for p in public))
    return Topology(e)


def test_routed_nat_translates_to_its_public_address_and_the_reply_comes_back() -> None:
    t = trace(_nat_estate(("203.0.113.9",)), tcp("10.0.1.5", "198.51.100.7", 443))
    assert t.forward.verdict is Verdict.EXITED and t.verdict is Verdict.EXITED
    nat = next(h for h in t.forward.hops if h.check is Check.NAT)
    assert nat.resource.id == "nat-1" and nat.decision is Decision.TRANSLATE
    assert str(nat.packet.src) == "203.0.113.9"
    assert t.reply is not None and t.reply.verdict is Verdict.DELIVERED
    assert t.reply.hops[-1].resource.id == "vm"


def test_routed_nat_refuses_connections_from_the_internet() -> None:
    t = trace(_nat_estate(("203.0.113.9",)), tcp("198.51.100.7", "203.0.113.9", 443))
    assert not t.reachable
    assert t.forward.hops[-1].resource.id == "nat-1"


def test_routed_nat_without_a_known_public_address_is_unknown() -> None:
    """DESIGN rule 3: the translated address is missing data, not "no public IP"."""
    t = trace(_nat_estate(()), tcp("10.0.1.5", "198.51.100.7", 443))
    assert t.verdict is Verdict.UNKNOWN and "not in the snapshot" in t.forward.reason


# --- transit routing through a hub network's appliance ------------------------------------------------

def _transit_estate(hub_edge_table: bool) -> Topology:
    e = Estate()
    network(e, "a", "10.3.0.0/16", (gw_route("10.2.0.0/16", "att-a"),))
    network(e, "hub", "10.1.0.0/16", (gw_route("10.2.0.0/16", "att-hub"),))
    network(e, "spoke", "10.2.0.0/16", (gw_route("10.3.0.0/16", "att-spoke"),))
    host(e, "src", "a", "10.3.1.5")
    host(e, "fw", "hub", "10.1.1.10", forwards=True)
    host(e, "dst", "spoke", "10.2.1.5")
    e.route_tables["rt-hub-ingress"] = RouteTable(ref("route-table", "rt-hub-ingress"), (
        Route(ip_network("10.2.0.0/16"), TargetKind.INTERFACE, "fw", label="10.2.0.0/16 -> fw"),))
    for att, net in (("att-a", "a"), ("att-hub", "hub"), ("att-spoke", "spoke")):
        e.attachments[att] = RouterAttachment(ref("drg-attachment", att), "drg", AttachmentKind.NETWORK, net)
        e.gateways[att] = Gateway(ref("drg-attachment", att), GatewayKind.TRANSIT_ATTACHMENT, (net,), router_id="drg",
                                  attachment_id=att,
                                  edge_route_table_id="rt-hub-ingress" if att == "att-hub" and hub_edge_table else "")

    def table(tid: str, *routes: tuple[str, str]) -> None:
        e.route_tables[tid] = RouteTable(ref("drg-route-table", tid), tuple(
            Route(ip_network(d), TargetKind.ATTACHMENT, a, label=f"{d} -> {a}") for d, a in routes))

    table("drg-rt-spokes", ("10.2.0.0/16", "att-hub"), ("10.3.0.0/16", "att-a"))  # spokes go through the hub
    table("drg-rt-hub", ("10.2.0.0/16", "att-spoke"), ("10.3.0.0/16", "att-a"))
    e.routers["drg"] = TransitRouter(ref("drg", "drg"), ("drg-rt-spokes", "drg-rt-hub"), (
        ("att-a", "drg-rt-spokes"), ("att-spoke", "drg-rt-spokes"), ("att-hub", "drg-rt-hub")))
    return Topology(e)


def test_attachment_route_table_steers_transit_traffic_through_the_hub_appliance() -> None:
    t = trace(_transit_estate(hub_edge_table=True), tcp("10.3.1.5", "10.2.1.5", 443), with_reply=False)
    assert t.forward.verdict is Verdict.DELIVERED
    assert [h.resource.id for h in t.forward.hops if h.check is Check.FORWARD and h.resource.id == "fw"] == ["fw"]
    assert t.forward.hops[-1].resource.id == "dst"


def test_without_the_attachment_route_table_the_hub_has_no_subnet_for_the_spoke() -> None:
    """Without the attachment's table, the packet entering the hub is delivered by the hub's local route,
    and no hub subnet holds 10.2.1.5: no route (transit routing needs that table)."""
    t = trace(_transit_estate(hub_edge_table=False), tcp("10.3.1.5", "10.2.1.5", 443), with_reply=False)
    assert t.forward.verdict is Verdict.NO_ROUTE


@pytest.mark.parametrize("missing", ["rt-hub-ingress"])
def test_a_missing_attachment_route_table_is_unknown(missing: str) -> None:
    topo = _transit_estate(hub_edge_table=True)
    del topo.estate.route_tables[missing]
    t = trace(topo, tcp("10.3.1.5", "10.2.1.5", 443), with_reply=False)
    assert t.forward.verdict is Verdict.UNKNOWN and missing in t.forward.reason


# --- equal-cost routes ------------------------------------------------------------------------------------
# GCP: "If more than one route has the same destination and priority, Google Cloud distributes traffic among
# the next hops" (ECMP, https://cloud.google.com/vpc/docs/routes#routeselection); AWS: overlapping prefix
# lists toward different targets - AWS "randomly chooses which route takes priority"
# (https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html).

def _ecmp_estate(second_hop_blackhole: bool) -> Topology:
    e = Estate()
    second = (Route(ip_network("10.9.0.0/16"), TargetKind.DROP, blackhole=True, rank=5, label="10.9.0.0/16 -> blackhole")
              if second_hop_blackhole else
              Route(ip_network("10.9.0.0/16"), TargetKind.INTERFACE, "fw-b", rank=5, label="10.9.0.0/16 -> fw-b"))
    network(e, "n1", "10.0.0.0/16", (
        Route(ip_network("10.9.0.0/16"), TargetKind.INTERFACE, "fw-a", rank=5, label="10.9.0.0/16 -> fw-a"), second,
        Route(ip_network("10.9.0.0/16"), TargetKind.INTERFACE, "fw-c", rank=9, label="10.9.0.0/16 -> fw-c")))
    host(e, "vm", "n1", "10.0.1.5")
    for fw, ip in (("fw-a", "10.0.2.10"), ("fw-b", "10.0.2.11"), ("fw-c", "10.0.2.12")):
        host(e, fw, "n1", ip, forwards=True)
    # the appliances' own subnet routes 10.9/16 out through a peering into n2, where the destination lives
    e.subnets["sn-fw"] = Subnet(ref("subnet", "sn-fw"), "n1", (ip_network("10.0.2.0/24"),), route_table_id="rt-fw")
    for fw in ("fw-a", "fw-b", "fw-c"):
        e.interfaces[fw] = Interface(ref("interface", fw), "n1", "sn-fw", e.interfaces[fw].private_ips, forwards=True)
    e.route_tables["rt-fw"] = RouteTable(ref("route-table", "rt-fw"), (
        Route(ip_network("10.0.0.0/16"), TargetKind.LOCAL, label="local"), gw_route("10.9.0.0/16", "pcx")))
    network(e, "n2", "10.9.0.0/16", (gw_route("10.0.0.0/16", "pcx"),))
    host(e, "dst", "n2", "10.9.1.1")
    e.gateways["pcx"] = Gateway(ref("peering", "pcx"), GatewayKind.PEERING, ("n1", "n2"), transit_into=("n2",))
    return Topology(e)


def test_equal_cost_routes_that_end_alike_deliver_with_a_warning() -> None:
    t = trace(_ecmp_estate(second_hop_blackhole=False), tcp("10.0.1.5", "10.9.1.1", 443), with_reply=False)
    assert t.forward.verdict is Verdict.DELIVERED
    assert any("2 equal-cost routes" in w and "delivered" in w for w in t.warnings)
    assert not any("fw-c" in h.reason for h in t.forward.hops)  # the worse-ranked route is no branch


def test_equal_cost_routes_that_end_differently_are_ambiguous_naming_each_branch() -> None:
    t = trace(_ecmp_estate(second_hop_blackhole=True), tcp("10.0.1.5", "10.9.1.1", 443))
    assert t.verdict is Verdict.AMBIGUOUS and t.reply is None
    assert "fw-a: delivered" in t.forward.reason and "blackhole: no_route" in t.forward.reason
    assert sum(w.startswith("equal-cost branch") for w in t.warnings) == 2


# --- a VPN gateway with connections to several peers ---------------------------------------------------

def test_the_far_end_of_a_vpn_is_the_connection_that_points_back() -> None:
    """A VPN gateway with one public address (192.0.2.1) holds two connections, to peers 198.51.100.1 and
    203.0.113.1. Seen from the 203.0.113.1 side, the far end is the connection whose remote address is
    203.0.113.1, whichever the gateway lists first."""
    from flightpath.model import VpnLink

    e = Estate()
    for lid, local, remote in (("to-a", "192.0.2.1", "198.51.100.1"), ("to-b", "192.0.2.1", "203.0.113.1"),
                               ("b-side", "203.0.113.1", "192.0.2.1")):
        e.vpn_links[lid] = VpnLink(ref("vpn-connection", lid), (ip_address(local),), ip_address(remote))
    network(e, "hub", "10.0.0.0/16")
    network(e, "b", "10.9.0.0/16")
    e.gateways["vgw"] = Gateway(ref("vpn-gateway", "vgw"), GatewayKind.VPN, ("hub",), vpn_link_ids=("to-a", "to-b"))
    e.gateways["vgw-b"] = Gateway(ref("vpn-gateway", "vgw-b"), GatewayKind.VPN, ("b",), vpn_link_ids=("b-side",))
    far, owner = Topology(e).vpn_far_end(e.vpn_links["b-side"])
    assert far.ref.id == "to-b" and owner[1].ref.id == "vgw"
