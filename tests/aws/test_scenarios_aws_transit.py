"""Scenario tests: a small AWS estate written as CLI JSON, a flow, and the verdict and blocker that AWS's
documented behaviour predicts (never what the code happened to print). This file: transit gateways, IPv6, all blockers and missing data, and more AWS behaviours.

Each test names the AWS documentation it checks by a tag (SG, NACL, RT, ...) listed with its URL in
aws_helpers.py.
"""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path

from aws_helpers import (
    ALL_IN,
    _nat_lab,
    _public_lab,
    _tgw_hub,
    _three_vpcs,
    _vgw_lab,
    blocker,
    hops,
    last,
    load,
    run,
    two_subnets,
)
from scenario_builder import AwsScenario, any_proto, inbound, outbound, tcp

from flightpath import load_snapshot
from flightpath.model.outcome import Check, Decision, Verdict

# ====================================================================================================
# Transit gateway
# ====================================================================================================

def _hub_instances(b: AwsScenario) -> None:
    for v, n in (("a", 1), ("b", 2)):
        b.sg(f"{v}-sg", v, ingress=ALL_IN)
        b.instance(f"{v}1", f"{v}-app", f"10.{n}.1.10", sgs=[f"{v}-sg"])


def test_tgw_delivers_between_attached_vpcs(tmp_path: Path) -> None:
    """TGW: a VPC attachment propagates its CIDR into the route table; the packet leaves the TGW through
    the destination VPC's attachment."""
    b = _tgw_hub(tmp_path)
    _hub_instances(b)
    t = run(load(b), "a1", "b1", 6, 22)
    assert t.verdict is Verdict.DELIVERED and t.reply.verdict is Verdict.DELIVERED
    tgw_hop = [h for h in t.forward.hops if h.resource.id == b.id("rt-ab")][0]
    assert (tgw_hop.route.destination, tgw_hop.route.target) == ("10.2.0.0/16", b.id("att-b"))


def test_tgw_associated_route_table_decides(tmp_path: Path) -> None:
    """TGW: each attachment is associated with one route table, which is used for packets arriving from
    that attachment. a's table reaches b; c's table (isolated: only its own routes) does not."""
    b = _tgw_hub(tmp_path)
    _hub_instances(b)
    b.vpc("c", "10.3.0.0/16")
    b.subnet("c-app", "c", "10.3.1.0/24")
    b.subnet("c-tgw", "c", "10.3.0.0/28")
    b.tgw_vpc_attachment("att-c", "hub", "c", {"c-tgw": "10.3.0.5"})
    b.main_routes("c", [("0.0.0.0/0", "hub")])
    b.tgw_route_table("rt-c", "hub", associations=["att-c"], propagations=["att-c"])
    b.instance("c1", "c-app", "10.3.1.10")
    topo = load(b)
    assert run(topo, "a1", "b1", 6, 22).verdict is Verdict.DELIVERED
    t = run(topo, "c1", "b1", 6, 22)
    assert t.verdict is Verdict.NO_ROUTE
    assert last(t).resource.id == b.id("rt-c")


def test_tgw_blackhole_route(tmp_path: Path) -> None:
    """TGW: a blackhole static route drops matching traffic (RA TGW_RTB_BAD_STATE_ROUTE), even when a
    less specific route would forward it."""
    b = _tgw_hub(tmp_path)
    _hub_instances(b)
    b.get("rt-ab").data["static"] += [("10.2.1.0/24", None)]
    t = run(load(b), "a1", "b1", 6, 22)
    assert t.verdict is Verdict.NO_ROUTE
    h = last(t)
    assert (h.resource.id, h.code, h.route.destination) == (b.id("rt-ab"), "TGW_RTB_BAD_STATE_ROUTE", "10.2.1.0/24")


def test_tgw_static_route_beats_propagated(tmp_path: Path) -> None:
    """TGW: "Static routes take precedence over propagated routes with the same destination" (route
    evaluation order). A static 10.2.0.0/16 to a blackhole wins over b's propagated 10.2.0.0/16."""
    b = _tgw_hub(tmp_path)
    _hub_instances(b)
    b.get("rt-ab").data["static"] += [("10.2.0.0/16", None)]
    t = run(load(b), "a1", "b1", 6, 22)
    assert t.verdict is Verdict.NO_ROUTE and last(t).code == "TGW_RTB_BAD_STATE_ROUTE"


def test_tgw_attachment_without_association_is_no_route(tmp_path: Path) -> None:
    """TGW: an attachment that is associated with no route table has no table to look packets up in
    (RA TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION)."""
    b = _tgw_hub(tmp_path, associate_b=False)
    _hub_instances(b)
    t = run(load(b), "b1", "a1", 6, 22)
    assert t.verdict is Verdict.NO_ROUTE
    assert (last(t).resource.id, last(t).code) == (b.id("hub"), "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION")


def test_tgw_routes_derived_from_propagations_with_a_warning(tmp_path: Path) -> None:
    """Issue #2 "Loading AWS data": where a TGW route table's routes are absent, derive its propagated
    routes from its propagations and the attached VPCs' CIDRs, and say so in a warning."""
    b = _tgw_hub(tmp_path, search=False)
    _hub_instances(b)
    topo = load(b)
    t = run(topo, "a1", "b1", 6, 22)
    assert t.verdict is Verdict.DELIVERED
    assert any("derived" in w and b.id("rt-ab") in w for w in t.warnings)
    assert any("derived" in w for w in topo.info.warnings)


def test_tgw_routes_and_propagations_absent_is_unknown(tmp_path: Path) -> None:
    """DESIGN "missing data": neither SearchTransitGatewayRoutes nor the propagations of the table are in
    the snapshot: the TGW's decision is unknown (RA TGW_RTB_ROUTES_ARE_UNKNOWN), naming the table."""
    b = _tgw_hub(tmp_path, search=False, propagation_file=False)
    _hub_instances(b)
    t = run(load(b), "a1", "b1", 6, 22)
    assert t.verdict is Verdict.UNKNOWN
    h = last(t)
    assert h.code == "TGW_RTB_ROUTES_ARE_UNKNOWN" and b.id("rt-ab") in (h.resource.id + h.reason)


def test_tgw_peering_attachment_between_two_tgws(tmp_path: Path) -> None:
    """TGW peering (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html): static routes point at
    the peering attachment; the peer TGW looks the packet up in the table associated with the peering
    attachment on its side."""
    b = AwsScenario(tmp_path)
    b.tgw("tgw-east")
    b.vpc("a", "10.1.0.0/16")
    b.subnet("a-app", "a", "10.1.1.0/24")
    b.subnet("a-tgw", "a", "10.1.0.0/28")
    b.tgw_vpc_attachment("att-a", "tgw-east", "a", {"a-tgw": "10.1.0.5"})
    b.main_routes("a", [("0.0.0.0/0", "tgw-east")])
    with b.scope(region="us-west-2"):
        b.tgw("tgw-west")
        b.vpc("d", "10.4.0.0/16")
        b.subnet("d-app", "d", "10.4.1.0/24", az="us-west-2a")
        b.subnet("d-tgw", "d", "10.4.0.0/28", az="us-west-2a")
        b.tgw_vpc_attachment("att-d", "tgw-west", "d", {"d-tgw": "10.4.0.5"})
        b.main_routes("d", [("0.0.0.0/0", "tgw-west")])
        b.sg("d-sg", "d", ingress=ALL_IN)
        b.instance("d1", "d-app", "10.4.1.10", sgs=["d-sg"])
    b.tgw_peering_attachment("east-west", "tgw-east", "tgw-west")
    b.tgw_route_table("rt-east", "tgw-east", associations=["att-a", "east-west"], propagations=["att-a"],
                      static=[("10.4.0.0/16", "east-west")])
    with b.scope(region="us-west-2"):
        b.tgw_route_table("rt-west", "tgw-west", associations=["att-d", "east-west"], propagations=["att-d"],
                          static=[("10.1.0.0/16", "east-west")])
    b.instance("a1", "a-app", "10.1.1.10")
    t = run(load(b), "a1", "d1", 6, 22)
    assert t.verdict is Verdict.DELIVERED, hops(t)
    ids = [h.resource.id for h in t.forward.hops]
    assert ids.index(b.id("rt-east")) < ids.index(b.id("east-west")) < ids.index(b.id("rt-west"))
    assert last(t).resource.id == b.eni_of("d1")
    assert t.reply.verdict is Verdict.DELIVERED


def test_tgw_vpn_attachment_exits_naming_the_vpn(tmp_path: Path) -> None:
    """TGW / issue #2: a route to a VPN attachment toward a destination outside the snapshot: `exited`,
    naming the VPN connection."""
    b = _tgw_hub(tmp_path)
    _hub_instances(b)
    b.cgw("onprem-cgw", "192.0.2.10")
    b.vpn("onprem-vpn", "onprem-cgw", tgw="hub")
    b.tgw_vpn_attachment("att-vpn", "hub", "onprem-vpn")
    b.get("rt-ab").data["static"] += [("172.16.0.0/12", "att-vpn")]
    b.get("rt-ab").data["associations"].append("att-vpn")  # the reply from on-premises needs a table too
    t = run(load(b), "a1", "172.16.5.5", 6, 443)
    assert t.verdict is Verdict.EXITED
    h = last(t)
    assert (h.resource.id, h.resource.type, h.check) == (b.id("onprem-vpn"), "vpn-connection", Check.EXIT)
    assert t.reply.verdict is Verdict.DELIVERED


def test_tgw_vpn_attachment_without_association_drops_the_reply(tmp_path: Path) -> None:
    """TGW: traffic arriving from an attachment is looked up in the table associated with it; a VPN
    attachment associated with no table drops the on-premises reply (RA
    TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION), so the connection fails."""
    b = _tgw_hub(tmp_path)
    _hub_instances(b)
    b.cgw("onprem-cgw", "192.0.2.10")
    b.vpn("onprem-vpn", "onprem-cgw", tgw="hub")
    b.tgw_vpn_attachment("att-vpn", "hub", "onprem-vpn")
    b.get("rt-ab").data["static"] += [("172.16.0.0/12", "att-vpn")]
    t = run(load(b), "a1", "172.16.5.5", 6, 443)
    assert t.forward.verdict is Verdict.EXITED
    assert t.verdict is Verdict.NO_ROUTE
    assert (last(t, reply=True).resource.id, last(t, reply=True).code) == (
        b.id("hub"), "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION")


def test_tgw_vpn_with_every_tunnel_down_is_no_route(tmp_path: Path) -> None:
    """VGW/TGW VPN: with both tunnels DOWN nothing crosses the VPN (RA BAD_STATE_VPN)."""
    b = _tgw_hub(tmp_path)
    _hub_instances(b)
    b.cgw("onprem-cgw", "192.0.2.10")
    b.vpn("onprem-vpn", "onprem-cgw", tgw="hub", up=False)
    b.tgw_vpn_attachment("att-vpn", "hub", "onprem-vpn")
    b.get("rt-ab").data["static"] += [("172.16.0.0/12", "att-vpn")]
    t = run(load(b), "a1", "172.16.5.5", 6, 443)
    assert t.verdict is Verdict.NO_ROUTE
    assert (last(t).resource.id, last(t).code) == (b.id("onprem-vpn"), "BAD_STATE_VPN")


def test_vgw_route_exits_naming_the_vpn_connection(tmp_path: Path) -> None:
    """VGW: a route to the virtual private gateway (static or propagated) sends traffic over the Site-to-
    Site VPN connection: `exited`, naming the VPN connection."""
    b = _vgw_lab(tmp_path)
    rt = b.get(b.main_table("a")).data
    rt["vgws"].append("vgw-a")
    rt["routes"].append(b.route("172.16.0.0/16", "vgw-a", origin="EnableVgwRoutePropagation"))
    t = run(load(b), "app1", "172.16.9.9", 6, 443)
    assert t.verdict is Verdict.EXITED
    h = last(t)
    assert (h.resource.id, h.check) == (b.id("onprem-vpn"), Check.EXIT)


def test_gateway_endpoint_route_exits_naming_the_endpoint(tmp_path: Path) -> None:
    """VPCE: a gateway endpoint adds a route whose destination is the service's prefix list; traffic to
    the service leaves through the endpoint (TCP only; RA VPCE_GATEWAY_PROTOCOL_RESTRICTION)."""
    b = two_subnets(tmp_path)
    b.aws_prefix_list("s3-pl", "com.amazonaws.us-east-1.s3", ["54.231.0.0/17"])
    b.gateway_endpoint("s3-endpoint", "a", "com.amazonaws.us-east-1.s3", "s3-pl", route_tables=[b.main_table("a")])
    b.instance("app1", "app", "10.1.1.10")
    topo = load(b)
    t = run(topo, "app1", "54.231.10.10", 6, 443)
    assert t.verdict is Verdict.EXITED
    assert (last(t).resource.id, last(t).check) == (b.id("s3-endpoint"), Check.EXIT)
    t = run(topo, "app1", "54.231.10.10", 17, 443)
    assert t.verdict is Verdict.BLOCKED
    assert (last(t).resource.id, last(t).code) == (b.id("s3-endpoint"), "VPCE_GATEWAY_PROTOCOL_RESTRICTION")
    t = run(topo, "app1", "54.232.0.1", 6, 443)  # outside the prefix list: no route
    assert t.verdict is Verdict.NO_ROUTE


# ====================================================================================================
# IPv6
# ====================================================================================================

def _v6_lab(tmp_path: Path, *, igw: bool) -> AwsScenario:
    b = AwsScenario(tmp_path)
    b.vpc("a", "10.1.0.0/16", ipv6="2600:1f18:1:100::/56")
    b.subnet("app", "a", "10.1.1.0/24", ipv6="2600:1f18:1:101::/64")
    b.sg("v6-sg", "a", ingress=[any_proto(cidr6="::/0")], egress=[any_proto(cidr6="::/0")])
    b.instance("app1", "app", "10.1.1.10", sgs=["v6-sg"], ipv6=["2600:1f18:1:101::10"])
    if igw:
        b.igw("igw-a", "a")
        b.main_routes("a", [("::/0", "igw-a")])
    else:
        b.eigw("eigw-a", "a")
        b.main_routes("a", [("::/0", "eigw-a")])
    return b


def test_ipv6_egress_via_egress_only_igw_exits(tmp_path: Path) -> None:
    """EIGW: an egress-only internet gateway allows outbound IPv6 traffic and its replies."""
    b = _v6_lab(tmp_path, igw=False)
    t = run(load(b), "2600:1f18:1:101::10", "2001:4860:4860::8888", 6, 443)
    assert t.verdict is Verdict.EXITED
    assert last(t).resource.id == b.id("eigw-a")
    assert last(t).packet.src == ip_address("2600:1f18:1:101::10")  # IPv6 is not translated
    assert t.reply.verdict is Verdict.DELIVERED


def test_ipv6_inbound_through_egress_only_igw_is_not_reachable(tmp_path: Path) -> None:
    """EIGW: an egress-only internet gateway "prevents the internet from initiating an IPv6 connection
    with your instances"."""
    b = _v6_lab(tmp_path, igw=False)
    t = run(load(b), "2001:db8::1", "2600:1f18:1:101::10", 6, 22)
    assert not t.verdict.reachable
    assert t.verdict is Verdict.NO_ROUTE
    assert last(t).resource.id == b.id("eigw-a")


def test_ipv6_inbound_through_igw_is_delivered(tmp_path: Path) -> None:
    """IGW: IPv6 addresses are globally unique and need no translation; an IGW admits inbound IPv6."""
    b = _v6_lab(tmp_path, igw=True)
    t = run(load(b), "2001:db8::1", "2600:1f18:1:101::10", 6, 22)
    assert t.verdict is Verdict.DELIVERED
    assert last(t).packet.dst == ip_address("2600:1f18:1:101::10")
    assert t.reply.verdict is Verdict.EXITED


def test_ipv4_to_egress_only_igw_is_no_route(tmp_path: Path) -> None:
    """EIGW: an egress-only internet gateway is for IPv6 only; an IPv4 route to it carries nothing."""
    b = _v6_lab(tmp_path, igw=False)
    b.main_routes("a", [("0.0.0.0/0", "eigw-a")])
    b.get("v6-sg").data["egress"] = [any_proto(cidr="0.0.0.0/0")]
    t = run(load(b), "app1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.NO_ROUTE and last(t).resource.id == b.id("eigw-a")


# ====================================================================================================
# All blockers, missing data, unassigned
# ====================================================================================================

def test_all_blockers_lists_every_blocker_in_order(tmp_path: Path) -> None:
    """DESIGN --all-blockers: continue past each block as if fixed. Source SG without outbound rules,
    destination subnet NACL denying inbound, destination SG without inbound rules: three blockers."""
    b = two_subnets(tmp_path)
    b.sg("mute-sg", "a", egress=[])
    b.sg("empty-sg", "a")
    b.nacl("db-acl", "a", subnets=["db"], entries=[outbound(100, "-1", "allow", "0.0.0.0/0")])
    b.instance("app1", "app", "10.1.1.10", sgs=["mute-sg"])
    b.instance("db1", "db", "10.1.2.10", sgs=["empty-sg"])
    topo = load(b)
    t = run(topo, "app1", "db1", 6, 5432, all_blockers=True)
    assert t.verdict is Verdict.BLOCKED
    got = [(h.resource.id, h.check, h.code) for h in t.blockers]
    assert got[:3] == [
        (b.eni_of("app1"), Check.EGRESS_FILTER, "ENI_SG_RULES_MISMATCH"),
        (b.id("db"), Check.INGRESS_FILTER, "SUBNET_ACL_RESTRICTION"),
        (b.eni_of("db1"), Check.INGRESS_FILTER, "ENI_SG_RULES_MISMATCH"),
    ]
    assert t.blockers[1].rule.label == "*"
    assert t.first_block is t.blockers[0]
    single = run(topo, "app1", "db1", 6, 5432)
    assert len(single.blockers) == 1 and single.blockers[0].resource.id == b.eni_of("app1")


def test_manifest_error_for_network_acls_makes_the_trace_unknown(tmp_path: Path) -> None:
    """DESIGN rule 3: a failed call (AccessDenied on DescribeNetworkAcls) is recorded in the manifest; a
    trace that needs that data ends `unknown` and names the call: never "no rules"."""
    b = two_subnets(tmp_path)
    b.sg("db-sg", "a", ingress=ALL_IN)
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10", sgs=["db-sg"])
    b.error("DescribeNetworkAcls", "AccessDenied")
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.UNKNOWN
    h = last(t)
    assert h.decision is Decision.UNKNOWN
    assert "DescribeNetworkAcls" in h.reason and "AccessDenied" in h.reason


def test_manifest_error_for_security_groups_makes_the_trace_unknown(tmp_path: Path) -> None:
    """DESIGN rule 3, for DescribeSecurityGroups."""
    b = two_subnets(tmp_path)
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10")
    b.error("DescribeSecurityGroups", "UnauthorizedOperation")
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.UNKNOWN
    assert "DescribeSecurityGroups" in last(t).reason


def test_eni_with_a_security_group_missing_from_the_snapshot_is_unknown(tmp_path: Path) -> None:
    """DESIGN rule 3: a referenced resource that is absent makes the verdict unknown, naming it."""
    b = two_subnets(tmp_path)
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10", sgs=["sg-0ghost0000000000001"])
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.UNKNOWN
    assert "sg-0ghost0000000000001" in last(t).reason and last(t).resource.id == b.eni_of("db1")


def test_sg_rule_referencing_a_group_missing_from_the_snapshot(tmp_path: Path) -> None:
    """DESIGN rule 3: a rule that references a group the snapshot does not hold cannot be evaluated."""
    b = two_subnets(tmp_path)
    b.sg("db-sg", "a", ingress=[tcp(5432, sg="sg-0ghost0000000000002")])
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10", sgs=["db-sg"])
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.UNKNOWN
    assert "sg-0ghost0000000000002" in last(t).reason


def test_destination_in_a_subnet_that_no_interface_holds_is_unassigned(tmp_path: Path) -> None:
    """DESIGN verdicts: `unassigned` when the address lies in a subnet but no interface holds it."""
    b = two_subnets(tmp_path)
    b.instance("app1", "app", "10.1.1.10")
    t = run(load(b), "app1", "10.1.2.99", 6, 5432)
    assert t.verdict is Verdict.UNASSIGNED
    assert last(t).resource.id == b.id("db")


def test_destination_in_the_vpc_but_in_no_subnet_is_no_route(tmp_path: Path) -> None:
    """RT: the local route covers the VPC CIDR, but no subnet holds 10.1.200.1: nothing can receive it."""
    b = two_subnets(tmp_path)
    b.instance("app1", "app", "10.1.1.10")
    t = run(load(b), "app1", "10.1.200.1", 6, 5432)
    assert t.verdict is Verdict.NO_ROUTE


# ====================================================================================================
# More AWS behaviours worth pinning
# ====================================================================================================

def test_default_security_group_admits_its_own_members(tmp_path: Path) -> None:
    """SG: the default security group allows inbound traffic from network interfaces assigned to the same
    group (a self-reference), and nothing else."""
    b = two_subnets(tmp_path)
    b.instance("app1", "app", "10.1.1.10")  # no groups given: the VPC's default SG
    b.instance("db1", "db", "10.1.2.10")
    b.sg("other-sg", "a")
    b.instance("other1", "app", "10.1.1.11", sgs=["other-sg"])
    topo = load(b)
    assert run(topo, "app1", "db1", 17, 5000).verdict is Verdict.DELIVERED
    t = run(topo, "other1", "db1", 17, 5000)
    assert t.verdict is Verdict.BLOCKED
    assert blocker(t).rule.resource.id == b.default_sg("a")


def test_secondary_private_ip_with_its_own_eip(tmp_path: Path) -> None:
    """IGW: the 1:1 translation is per private address: a secondary private IP with an Elastic IP leaves
    as that Elastic IP, while the primary private IP (no public IP) cannot use the internet gateway."""
    b = _public_lab(tmp_path)
    b.instance("web1", "app", "10.1.1.10", sgs=["web-sg"], secondary=["10.1.1.11"],
               secondary_eips={"10.1.1.11": "3.0.0.11"})
    topo = load(b)
    t = run(topo, "10.1.1.11", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.EXITED and last(t).packet.src == ip_address("3.0.0.11")
    t = run(topo, "10.1.1.10", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.BLOCKED and last(t).code == "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"
    t = run(topo, "203.0.113.9", "3.0.0.11", 6, 443)
    assert t.verdict is Verdict.DELIVERED and last(t).packet.dst == ip_address("10.1.1.11")


def test_public_ip_in_a_subnet_without_igw_route_fails_on_the_reply(tmp_path: Path) -> None:
    """IGW: a subnet is public only if its route table sends internet traffic to the internet gateway.
    The request reaches the instance's Elastic IP, but the reply has no route back: no connection."""
    b = two_subnets(tmp_path)
    b.igw("igw-a", "a")  # attached, but no route table points at it
    b.sg("web-sg", "a", ingress=[tcp(443, cidr="0.0.0.0/0")])
    b.instance("web1", "app", "10.1.1.10", sgs=["web-sg"], eip="3.0.0.10")
    t = run(load(b), "203.0.113.9", "3.0.0.10", 6, 443)
    assert t.forward.verdict is Verdict.DELIVERED
    assert t.verdict is Verdict.NO_ROUTE
    assert (last(t, reply=True).resource.id, last(t, reply=True).code) == (b.main_table("a"), "NO_ROUTE_TO_DESTINATION")


def test_ingress_routing_sends_internet_traffic_through_an_appliance(tmp_path: Path) -> None:
    """RT gateway route tables: a route table associated with the internet gateway (edge association)
    redirects inbound traffic for a subnet to a middlebox ENI before it reaches the instance."""
    b = _public_lab(tmp_path)
    b.subnet("fw", "a", "10.1.3.0/24")
    b.sg("fw-sg", "a", ingress=ALL_IN)
    b.instance("fw1", "fw", "10.1.3.10", sgs=["fw-sg"], source_dest_check=False)
    b.instance("web1", "app", "10.1.1.10", sgs=["web-sg"], eip="3.0.0.10")
    b.route_table("edge-rt", "a", gateway="igw-a", routes=[("10.1.1.0/24", b.eni_of("fw1"))])
    topo = load(b)
    t = run(topo, "203.0.113.9", "3.0.0.10", 6, 443)
    assert t.verdict is Verdict.DELIVERED
    ids = [h.resource.id for h in t.forward.hops]
    assert b.id("edge-rt") in ids and ids.index(b.eni_of("fw1")) < ids.index(b.eni_of("web1"))


def _tgw_subnet_lab(tmp_path: Path, *, az_b: str = "us-east-1a") -> AwsScenario:
    """VPC a: one subnet `a-app` in us-east-1a holding both app instance and TGW ENI; VPC b: app subnet
    in `az_b`, TGW subnet in us-east-1a."""
    b = AwsScenario(tmp_path)
    b.tgw("hub")
    b.vpc("a", "10.1.0.0/16")
    b.subnet("a-app", "a", "10.1.1.0/24")
    b.tgw_vpc_attachment("att-a", "hub", "a", {"a-app": "10.1.1.5"})
    b.vpc("b", "10.2.0.0/16")
    b.subnet("b-app", "b", "10.2.1.0/24", az=az_b)
    b.subnet("b-tgw", "b", "10.2.0.0/28")
    b.tgw_vpc_attachment("att-b", "hub", "b", {"b-tgw": "10.2.0.5"})
    for v in ("a", "b"):
        b.main_routes(v, [("0.0.0.0/0", "hub")])
        b.sg(f"{v}-sg", v, ingress=ALL_IN)
    b.tgw_route_table("rt-ab", "hub", associations=["att-a", "att-b"], propagations=["att-a", "att-b"])
    b.instance("a1", "a-app", "10.1.1.10", sgs=["a-sg"])
    b.instance("b1", "b-app", "10.2.1.10", sgs=["b-sg"])
    return b


def test_tgw_nacl_same_subnet_applies_to_traffic_toward_the_tgw(tmp_path: Path) -> None:
    """TGW NACLs (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html), "Same subnet for EC2
    instances and transit gateway association": for traffic from the instances to the transit gateway
    the subnet's outbound rules and inbound rules are both evaluated; for traffic from the transit gateway
    to the instances neither is."""
    b = _tgw_subnet_lab(tmp_path)
    # Inbound denies the VPC b range: only traffic *from* b would be hit, and TGW->instance skips the ACL.
    b.nacl("a-acl", "a", subnets=["a-app"], entries=[
        inbound(100, "-1", "deny", "10.2.0.0/16"),
        inbound(200, "-1", "allow", "0.0.0.0/0"),
        outbound(100, "-1", "allow", "0.0.0.0/0"),
    ])
    topo = load(b)
    assert run(topo, "b1", "a1", 6, 22).forward.verdict is Verdict.DELIVERED  # TGW -> instance: ACL not used
    t = run(topo, "a1", "b1", 6, 22)  # instance -> TGW: inbound rules use the source IP (10.1.1.10): allowed
    assert t.forward.verdict is Verdict.DELIVERED


def test_tgw_nacl_same_subnet_outbound_and_inbound_both_checked(tmp_path: Path) -> None:
    """TGW NACLs, same subnet: instance -> TGW traffic must pass the subnet's inbound rules (by source
    IP) as well as its outbound rules (by destination IP)."""
    b = _tgw_subnet_lab(tmp_path)
    b.nacl("a-acl", "a", subnets=["a-app"], entries=[
        inbound(100, "-1", "deny", "10.1.1.10/32"),
        inbound(200, "-1", "allow", "0.0.0.0/0"),
        outbound(100, "-1", "allow", "0.0.0.0/0"),
    ])
    t = run(load(b), "a1", "b1", 6, 22)
    assert t.verdict is Verdict.BLOCKED
    h = blocker(t)
    assert (h.resource.id, h.check, h.rule.label) == (b.id("a-app"), Check.INGRESS_FILTER, "100")


def test_tgw_unreachable_from_an_az_without_attachment_subnet(tmp_path: Path) -> None:
    """TGW VPC attachments (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html): "any
    resources in Availability Zones where there is no transit gateway attachment cannot reach the transit
    gateway" (RA TGW_ROUTE_AZ_RESTRICTION)."""
    b = _tgw_subnet_lab(tmp_path, az_b="us-east-1b")
    t = run(load(b), "b1", "a1", 6, 22)
    assert t.verdict is Verdict.NO_ROUTE
    assert (last(t).resource.id, last(t).code) == (b.id("att-b"), "TGW_ROUTE_AZ_RESTRICTION")


def test_manifest_error_for_route_tables_is_unknown(tmp_path: Path) -> None:
    """DESIGN rule 3: DescribeRouteTables failed (AccessDenied): the subnet's route table is unknown, and
    the trace says which call failed instead of claiming there is no route."""
    b = two_subnets(tmp_path)
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10")
    b.error("DescribeRouteTables", "AccessDenied")
    t = run(load(b), "app1", "db1", 6, 22)
    assert t.verdict is Verdict.UNKNOWN
    assert "DescribeRouteTables" in last(t).reason and "AccessDenied" in last(t).reason


def test_manifest_error_for_security_groups_in_one_region_only(tmp_path: Path) -> None:
    """DESIGN rule 3, per region: DescribeSecurityGroups failed in us-west-2 only. A trace there is
    unknown and names the call; us-east-1 is unaffected."""
    b = two_subnets(tmp_path)
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10")
    with b.scope(region="us-west-2"):
        b.vpc("w", "10.8.0.0/16")
        b.subnet("w-app", "w", "10.8.1.0/24", az="us-west-2a")
        b.instance("w1", "w-app", "10.8.1.10")
        b.instance("w2", "w-app", "10.8.1.11")
    b.error("DescribeSecurityGroups", "AccessDenied", region="us-west-2")
    root = b.write()
    assert (root / "aws" / "111122223333" / "us-east-1" / "DescribeSecurityGroups.json").exists()
    assert not (root / "aws" / "111122223333" / "us-west-2" / "DescribeSecurityGroups.json").exists()
    topo = load_snapshot(root, use_cache=False)
    assert run(topo, "app1", "db1", 6, 22).verdict is Verdict.DELIVERED
    t = run(topo, "w1", "w2", 6, 22)
    assert t.verdict is Verdict.UNKNOWN
    assert "DescribeSecurityGroups" in last(t).reason


def test_nat_gateway_to_a_public_ip_in_the_snapshot_and_back(tmp_path: Path) -> None:
    """NAT / IGW: a private instance reaches another VPC's Elastic IP through its NAT gateway; the far side
    sees the NAT gateway's Elastic IP as the source (so its SG must allow that address), and the reply is
    translated back by the NAT gateway to the instance."""
    b = _nat_lab(tmp_path)
    b.vpc("z", "10.9.0.0/16")
    b.subnet("z-pub", "z", "10.9.1.0/24")
    b.igw("igw-z", "z")
    b.main_routes("z", [("0.0.0.0/0", "igw-z")])
    b.sg("z-sg", "z", ingress=[tcp(443, cidr="3.0.0.5/32")])
    b.instance("zweb", "z-pub", "10.9.1.10", sgs=["z-sg"], eip="3.9.9.9")
    t = run(load(b), "db1", "3.9.9.9", 6, 443)
    assert t.verdict is Verdict.DELIVERED
    assert last(t).resource.id == b.eni_of("zweb") and last(t).packet.src == ip_address("3.0.0.5")
    assert t.reply.verdict is Verdict.DELIVERED
    assert last(t, reply=True).resource.id == b.eni_of("db1")


def test_overlapping_address_is_resolved_by_routing(tmp_path: Path) -> None:
    """RT: the same private IP may exist in two unconnected VPCs; the local route delivers inside the
    sender's own VPC."""
    b = two_subnets(tmp_path)
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10")
    b.vpc("twin", "10.1.0.0/16")
    b.subnet("twin-db", "twin", "10.1.2.0/24")
    b.instance("twin-db1", "twin-db", "10.1.2.10")
    t = run(load(b), "app1", "10.1.2.10", 6, 22)
    assert t.verdict is Verdict.DELIVERED and last(t).resource.id == b.eni_of("db1")


def test_source_address_that_no_interface_holds_starts_in_its_subnet(tmp_path: Path) -> None:
    """Issue #2: SRC may be an IP inside a subnet that no interface holds: the trace starts in that subnet
    (its route table and NACL apply; there is no security group), with a warning."""
    b = two_subnets(tmp_path)
    b.sg("db-sg", "a", ingress=[tcp(22, cidr="10.1.1.0/24")])
    b.instance("db1", "db", "10.1.2.10", sgs=["db-sg"])
    t = run(load(b), "10.1.1.99", "db1", 6, 22)
    assert t.verdict is Verdict.DELIVERED
    assert t.forward.hops[0].resource.id == b.id("app") and any("10.1.1.99" in w for w in t.warnings)


def test_tgw_peering_attachment_pending_acceptance_is_no_route(tmp_path: Path) -> None:
    """TGW peering: the attachment must be accepted (state available) before it carries traffic
    (RA BAD_STATE_ATTACHMENT)."""
    b = _tgw_hub(tmp_path)
    _hub_instances(b)
    with b.scope(region="us-west-2"):
        b.tgw("tgw-west")
    b.tgw_peering_attachment("east-west", "hub", "tgw-west", state="pendingAcceptance")
    b.get("rt-ab").data["static"] += [("10.4.0.0/16", "east-west")]
    t = run(load(b), "a1", "10.4.1.10", 6, 22)
    assert t.verdict is Verdict.NO_ROUTE
    assert (last(t).resource.id, last(t).code) == (b.id("east-west"), "BAD_STATE_ATTACHMENT")


def test_tgw_derived_routes_do_not_prove_a_missing_route(tmp_path: Path) -> None:
    """DESIGN rule 3 with issue #2's derived routes: a table derived from propagations lacks its static
    routes, so "no derived route matches" is not evidence of no route: unknown (RA
    TGW_RTB_ROUTES_ARE_UNKNOWN), never a confident no_route."""
    b = _tgw_hub(tmp_path, search=False)
    _hub_instances(b)
    b.get("rt-ab").data["static"] += [("0.0.0.0/0", "att-b")]  # exists in AWS, but was not collected
    t = run(load(b), "a1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.UNKNOWN
    assert (last(t).resource.id, last(t).code) == (b.id("rt-ab"), "TGW_RTB_ROUTES_ARE_UNKNOWN")


def test_describe_vpcs_failure_keeps_peering_usable(tmp_path: Path) -> None:
    """DESIGN rule 3: DescribeVpcs failed, but DescribeVpcPeeringConnections states both VPCs' CIDR blocks;
    a trace across the peering must not turn the missing VPC data into a confident no_route."""
    b = _three_vpcs(tmp_path)
    b.error("DescribeVpcs", "AccessDenied")
    t = run(load(b), "a1", "b1", 6, 22)
    assert t.verdict is Verdict.DELIVERED


def test_route_static_beats_prefix_list_for_the_same_cidr(tmp_path: Path) -> None:
    """RTPRIO: static routes come before prefix-list routes: a static 172.16.0.0/16 -> peering wins over a
    prefix list whose entry is the same 172.16.0.0/16 -> virtual private gateway."""
    b = _vgw_lab(tmp_path)
    b.managed_prefix_list("onprem-pl", ["172.16.0.0/16"])
    b.main_routes("a", [("onprem-pl", "vgw-a"), ("172.16.0.0/16", "pcx-ab")])
    t = run(load(b), "app1", "far1", 6, 443)
    assert t.verdict is Verdict.DELIVERED
    rt_hop = [h for h in t.forward.hops if h.check is Check.ROUTE_LOOKUP][0]
    assert rt_hop.route.target == b.id("pcx-ab")
