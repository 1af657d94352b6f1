"""Scenario tests: a small AWS estate written as CLI JSON, a flow, and the verdict and blocker that AWS's
documented behaviour predicts (never what the code happened to print). This file: route tables, the internet gateway, NAT gateways and VPC peering.

Each test names the AWS documentation it checks by a tag (SG, NACL, RT, ...) listed with its URL in
aws_helpers.py.
"""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path

import pytest
from aws_helpers import ALL_IN, _nat_lab, _public_lab, _three_vpcs, _vgw_lab, blocker, last, load, run, two_subnets
from scenario_builder import AwsScenario, tcp

from flightpath.model.outcome import Check, Decision, Verdict

# ====================================================================================================
# Route tables
# ====================================================================================================

def test_route_table_explicit_association_beats_main(tmp_path: Path) -> None:
    """RT: a subnet uses the route table it is explicitly associated with, else the main route table."""
    b = two_subnets(tmp_path)
    b.igw("igw-a", "a")
    b.main_routes("a", [("0.0.0.0/0", "igw-a")])
    b.route_table("private-rt", "a", subnets=["db"])  # local only
    b.instance("web1", "app", "10.1.1.10", eip="3.0.0.10")
    b.instance("db1", "db", "10.1.2.10", eip="3.0.0.11")
    topo = load(b)
    ok = run(topo, "web1", "8.8.8.8", 6, 443)
    assert ok.verdict is Verdict.EXITED
    rt_hop = [h for h in ok.forward.hops if h.check is Check.ROUTE_LOOKUP][0]
    assert rt_hop.resource.id == b.main_table("a")
    t = run(topo, "db1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.NO_ROUTE
    h = last(t)
    assert (h.resource.id, h.code) == (b.id("private-rt"), "NO_ROUTE_TO_DESTINATION")


def test_route_longest_prefix_wins(tmp_path: Path) -> None:
    """RTPRIO: the most specific route that matches the traffic is used (longest prefix match)."""
    b = AwsScenario(tmp_path)
    b.vpc("a", "10.1.0.0/16")
    b.vpc("b", "10.2.0.0/16")
    b.subnet("app", "a", "10.1.1.0/24")
    b.subnet("db", "b", "10.2.1.0/24")
    b.igw("igw-a", "a")
    b.peering("pcx-ab", "a", "b")
    b.main_routes("a", [("0.0.0.0/0", "igw-a"), ("10.2.0.0/16", "pcx-ab")])
    b.main_routes("b", [("10.1.0.0/16", "pcx-ab")])
    b.sg("db-sg", "b", ingress=ALL_IN)
    b.instance("app1", "app", "10.1.1.10", eip="3.0.0.10")
    b.instance("db1", "db", "10.2.1.10", sgs=["db-sg"])
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.DELIVERED
    rt_hop = [h for h in t.forward.hops if h.check is Check.ROUTE_LOOKUP][0]
    assert (rt_hop.route.destination, rt_hop.route.target) == ("10.2.0.0/16", b.id("pcx-ab"))




def test_route_static_beats_propagated_for_the_same_prefix(tmp_path: Path) -> None:
    """RTPRIO: if a propagated route's destination is the same as a static route's, the static route
    (here a VPC peering connection) takes priority."""
    b = _vgw_lab(tmp_path)
    rt = b.get(b.main_table("a")).data
    rt["vgws"].append("vgw-a")
    rt["routes"] += [b.route("172.16.0.0/16", "vgw-a", origin="EnableVgwRoutePropagation"),
                     ("172.16.0.0/16", "pcx-ab")]
    t = run(load(b), "app1", "far1", 6, 443)
    assert t.verdict is Verdict.DELIVERED
    rt_hop = [h for h in t.forward.hops if h.check is Check.ROUTE_LOOKUP][0]
    assert (rt_hop.route.target, rt_hop.route.origin) == (b.id("pcx-ab"), "CreateRoute")


def test_route_prefix_list_beats_propagated(tmp_path: Path) -> None:
    """RTPRIO: if a propagated route matches a route that references a prefix list, the prefix-list
    route takes priority."""
    b = _vgw_lab(tmp_path)
    b.managed_prefix_list("peer-pl", ["172.16.0.0/16"])
    rt = b.get(b.main_table("a")).data
    rt["vgws"].append("vgw-a")
    rt["routes"] += [b.route("172.16.0.0/16", "vgw-a", origin="EnableVgwRoutePropagation"),
                     ("peer-pl", "pcx-ab")]
    t = run(load(b), "app1", "far1", 6, 443)
    assert t.verdict is Verdict.DELIVERED
    rt_hop = [h for h in t.forward.hops if h.check is Check.ROUTE_LOOKUP][0]
    assert rt_hop.route.target == b.id("pcx-ab") and b.id("peer-pl") in rt_hop.route.summary


def test_route_to_prefix_list_follows_its_entries(tmp_path: Path) -> None:
    """RT/PL: a route whose destination is a prefix list (DestinationPrefixListId) covers the list's CIDRs."""
    b = _vgw_lab(tmp_path)
    b.managed_prefix_list("peer-pl", ["172.16.1.0/24"])
    b.main_routes("a", [("peer-pl", "pcx-ab")])
    topo = load(b)
    t = run(topo, "app1", "far1", 6, 443)
    assert t.verdict is Verdict.DELIVERED
    t = run(topo, "app1", "172.16.2.10", 6, 443)  # not in the list: no route
    assert t.verdict is Verdict.NO_ROUTE and last(t).resource.id == b.main_table("a")


def test_route_to_prefix_list_without_entries_is_unknown(tmp_path: Path) -> None:
    """DESIGN "missing data": a route table that references a prefix list whose entries were not
    collected cannot be evaluated: unknown, naming the prefix list."""
    b = _vgw_lab(tmp_path)
    b.managed_prefix_list("peer-pl", None)
    b.main_routes("a", [("peer-pl", "pcx-ab")])
    t = run(load(b), "app1", "far1", 6, 443)
    assert t.verdict is Verdict.UNKNOWN
    assert b.id("peer-pl") in last(t).reason and last(t).resource.id == b.main_table("a")


def test_route_blackhole_is_no_route(tmp_path: Path) -> None:
    """RT: a route whose target is gone shows State blackhole and drops the traffic (RA BAD_STATE_ROUTE)."""
    b = two_subnets(tmp_path)
    b.main_routes("a", [b.route("0.0.0.0/0", "nat-0deleted00000000001", state="blackhole")])
    b.instance("app1", "app", "10.1.1.10")
    t = run(load(b), "app1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.NO_ROUTE
    h = last(t)
    assert (h.resource.id, h.code, h.route.destination) == (b.main_table("a"), "BAD_STATE_ROUTE", "0.0.0.0/0")


def _appliance_lab(tmp_path: Path, *, sdc: bool = False) -> AwsScenario:
    """app subnet routes the db subnet (10.1.2.0/24, more specific than local: allowed for a whole subnet
    CIDR with an ENI target, RT) through fw1 in subnet fw."""
    b = two_subnets(tmp_path)
    b.subnet("fw", "a", "10.1.3.0/24")
    b.sg("fw-sg", "a", ingress=ALL_IN)
    b.sg("db-sg", "a", ingress=ALL_IN)
    b.instance("fw1", "fw", "10.1.3.10", sgs=["fw-sg"], source_dest_check=sdc)
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10", sgs=["db-sg"])
    b.route_table("app-rt", "a", subnets=["app"], routes=[("10.1.2.0/24", "fw1")])
    return b


def test_appliance_with_source_dest_check_off_forwards(tmp_path: Path) -> None:
    """RT: a route may target an instance/ENI (a middlebox); with source/destination checking disabled
    it forwards traffic not addressed to it."""
    b = _appliance_lab(tmp_path, sdc=False)
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.DELIVERED
    fwd = [h for h in t.forward.hops if h.check is Check.FORWARD and h.resource.id == b.eni_of("fw1")]
    assert fwd and fwd[0].decision is Decision.FORWARD


def test_appliance_with_source_dest_check_on_blocks(tmp_path: Path) -> None:
    """EC2 source/destination checking (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html
    "Disable source/destination checks"): an ENI with the check on drops traffic not addressed to it
    (RA ENI_SOURCE_DEST_CHECK_RESTRICTION)."""
    b = _appliance_lab(tmp_path, sdc=True)
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.BLOCKED
    h = blocker(t)
    assert (h.resource.id, h.code) == (b.eni_of("fw1"), "ENI_SOURCE_DEST_CHECK_RESTRICTION")


def test_routing_loop_between_two_appliances_is_no_route(tmp_path: Path) -> None:
    """RT: two middleboxes that route to each other never deliver (IP TTL exhausted); flightpath stops
    after 64 route lookups with no_route."""
    b = two_subnets(tmp_path)
    b.subnet("fw-a", "a", "10.1.3.0/24")
    b.subnet("fw-b", "a", "10.1.4.0/24")
    b.sg("fw-sg", "a", ingress=ALL_IN)
    b.instance("fw1", "fw-a", "10.1.3.10", sgs=["fw-sg"], source_dest_check=False)
    b.instance("fw2", "fw-b", "10.1.4.10", sgs=["fw-sg"], source_dest_check=False)
    b.instance("app1", "app", "10.1.1.10")
    b.route_table("app-rt", "a", subnets=["app"], routes=[("0.0.0.0/0", "fw1")])
    b.route_table("fwa-rt", "a", subnets=["fw-a"], routes=[("0.0.0.0/0", b.eni_of("fw2"))])
    b.route_table("fwb-rt", "a", subnets=["fw-b"], routes=[("0.0.0.0/0", b.eni_of("fw1"))])
    t = run(load(b), "app1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.NO_ROUTE
    lookups = [h for h in t.forward.hops if h.check is Check.ROUTE_LOOKUP]
    assert 60 <= len(lookups) <= 70
    assert "64" in last(t).reason


# ====================================================================================================
# Internet gateway
# ====================================================================================================



def test_igw_egress_needs_a_public_ip(tmp_path: Path) -> None:
    """IGW: to communicate with the internet an instance needs a public IPv4 or Elastic IP address
    (RA IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS)."""
    b = _public_lab(tmp_path)
    b.instance("web1", "app", "10.1.1.10", sgs=["web-sg"])
    t = run(load(b), "web1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.BLOCKED
    h = last(t)
    assert (h.resource.id, h.code) == (b.id("igw-a"), "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS")


@pytest.mark.parametrize("kind", ["eip", "public_ip"])
def test_igw_egress_with_public_ip_exits_with_source_rewritten(tmp_path: Path, kind: str) -> None:
    """IGW: the internet gateway performs 1:1 NAT: the source private address is replaced by the public
    IPv4 / Elastic IP address; the reply comes back to the private address."""
    b = _public_lab(tmp_path)
    b.instance("web1", "app", "10.1.1.10", sgs=["web-sg"], **{kind: "3.0.0.10"})
    t = run(load(b), "web1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.EXITED
    nat = [h for h in t.forward.hops if h.check is Check.NAT]
    assert nat and nat[0].resource.id == b.id("igw-a") and nat[0].packet.src == ip_address("3.0.0.10")
    assert last(t).check is Check.EXIT and last(t).packet.src == ip_address("3.0.0.10")
    assert t.reply.verdict is Verdict.DELIVERED
    assert last(t, reply=True).resource.id == b.eni_of("web1")
    assert last(t, reply=True).packet.dst == ip_address("10.1.1.10")


@pytest.mark.parametrize("dst,code", [("192.168.10.10", "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS"),
                                      ("100.64.1.1", "IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS")])
def test_igw_drops_private_destinations(tmp_path: Path, dst: str, code: str) -> None:
    """RA: internet gateways reject outbound traffic to RFC 1918 private and RFC 6598 shared addresses."""
    b = _public_lab(tmp_path)
    b.instance("web1", "app", "10.1.1.10", sgs=["web-sg"], eip="3.0.0.10")
    t = run(load(b), "web1", dst, 6, 443)
    assert t.verdict is Verdict.BLOCKED
    assert (last(t).resource.id, last(t).code) == (b.id("igw-a"), code)


def test_internet_to_eip_is_delivered_with_destination_rewritten(tmp_path: Path) -> None:
    """IGW: traffic from the internet to an Elastic IP is translated to the instance's private address."""
    b = _public_lab(tmp_path)
    b.instance("web1", "app", "10.1.1.10", sgs=["web-sg"], eip="3.0.0.10")
    t = run(load(b), "203.0.113.9", "3.0.0.10", 6, 443)
    assert t.verdict is Verdict.DELIVERED
    nat = [h for h in t.forward.hops if h.check is Check.NAT][0]
    assert nat.resource.id == b.id("igw-a") and nat.packet.dst == ip_address("10.1.1.10")
    assert last(t).resource.id == b.eni_of("web1") and last(t).packet.src == ip_address("203.0.113.9")
    assert t.reply.verdict is Verdict.EXITED
    assert last(t, reply=True).packet.src == ip_address("3.0.0.10")


def test_internet_to_instance_without_public_ip_is_not_reachable(tmp_path: Path) -> None:
    """IGW / RA IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS: internet gateways accept inbound traffic only to
    a public IP of an interface; a private (RFC 1918) address is not routable on the internet."""
    b = _public_lab(tmp_path)
    b.instance("db1", "db", "10.1.2.10", sgs=["web-sg"])
    topo = load(b)
    t = run(topo, "internet", "db1", 6, 443)
    assert not t.verdict.reachable
    assert t.verdict is Verdict.NO_ROUTE
    t = run(topo, "203.0.113.9", "10.1.2.10", 6, 443)
    assert t.verdict is Verdict.NO_ROUTE


def test_internet_reaches_a_public_ip_of_another_vpc_in_the_snapshot(tmp_path: Path) -> None:
    """IGW: an instance with a public IP reaches another VPC's public IP over the internet (here in
    another account and Region); the destination's IGW translates it to the private address."""
    b = _public_lab(tmp_path)
    b.instance("web1", "app", "10.1.1.10", sgs=["web-sg"], eip="3.0.0.10")
    with b.scope(account="444455556666", region="eu-west-1"):
        b.vpc("z", "10.1.0.0/16")  # overlapping private space: only the public IP identifies it
        b.subnet("z-pub", "z", "10.1.1.0/24")
        b.igw("igw-z", "z")
        b.main_routes("z", [("0.0.0.0/0", "igw-z")])
        b.sg("z-sg", "z", ingress=[tcp(443, cidr="3.0.0.10/32")])
        b.instance("zweb", "z-pub", "10.1.1.20", sgs=["z-sg"], eip="3.9.9.9")
    t = run(load(b), "web1", "3.9.9.9", 6, 443)
    assert t.verdict is Verdict.DELIVERED
    h = last(t)
    assert h.resource.id == b.eni_of("zweb")
    assert (h.packet.src, h.packet.dst) == (ip_address("3.0.0.10"), ip_address("10.1.1.20"))
    assert t.reply.verdict is Verdict.DELIVERED and last(t, reply=True).resource.id == b.eni_of("web1")


# ====================================================================================================
# NAT gateway
# ====================================================================================================



def test_nat_gateway_egress_exits_with_the_nat_eip(tmp_path: Path) -> None:
    """NAT: instances in a private subnet reach the internet through a public NAT gateway: it replaces the
    source with its private address, and the IGW maps that to the NAT gateway's Elastic IP."""
    b = _nat_lab(tmp_path)
    t = run(load(b), "db1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.EXITED
    nat = [h for h in t.forward.hops if h.check is Check.NAT]
    assert [h.resource.id for h in nat] == [b.id("nat-a"), b.id("igw-a")]
    assert nat[0].packet.src == ip_address("10.1.1.5")
    assert last(t).packet.src == ip_address("3.0.0.5") and last(t).packet.dst == ip_address("8.8.8.8")
    assert t.reply.verdict is Verdict.DELIVERED
    assert last(t, reply=True).resource.id == b.eni_of("db1")
    assert last(t, reply=True).packet.dst == ip_address("10.1.2.10")


def test_private_nat_gateway_cannot_reach_the_internet(tmp_path: Path) -> None:
    """NAT: a private NAT gateway has no Elastic IP; "If you route traffic from the private NAT gateway to
    the internet gateway, the internet gateway drops the traffic"."""
    b = _nat_lab(tmp_path, eip=None)
    t = run(load(b), "db1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.BLOCKED
    assert (last(t).resource.id, last(t).code) == (b.id("igw-a"), "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS")


def test_nat_gateway_translates_tcp_udp_icmp_only(tmp_path: Path) -> None:
    """NAT: "A NAT gateway supports the following protocols: TCP, UDP, and ICMP" -> GRE (47) is dropped
    (RA PROTOCOL_RESTRICTION)."""
    b = _nat_lab(tmp_path)
    topo = load(b)
    t = run(topo, "db1", "8.8.8.8", 47)
    assert t.verdict is Verdict.BLOCKED
    assert (last(t).resource.id, last(t).code) == (b.id("nat-a"), "PROTOCOL_RESTRICTION")
    assert run(topo, "db1", "8.8.8.8", 17, 53).verdict is Verdict.EXITED
    assert run(topo, "db1", "8.8.8.8", 1).verdict is Verdict.EXITED


def test_nothing_connects_to_the_nat_gateway_itself(tmp_path: Path) -> None:
    """NAT: a NAT gateway only translates traffic it forwards; connections to its own private or Elastic
    IP address are not accepted."""
    b = _nat_lab(tmp_path)
    topo = load(b)
    t = run(topo, "db1", "10.1.1.5", 6, 22)
    assert t.verdict is Verdict.BLOCKED
    assert blocker(t).resource.id == b.id("nat-a")  # issue 10.2: the owning service, not its ENI
    t = run(topo, "203.0.113.9", "3.0.0.5", 6, 22)
    assert t.verdict is Verdict.BLOCKED
    assert blocker(t).resource.id == b.id("nat-a")


def test_nat_gateway_cannot_be_used_through_a_peering(tmp_path: Path) -> None:
    """NAT / PCX: "You cannot route traffic to a NAT gateway through a VPC peering connection"; a peering
    carries only traffic for the peer VPC's CIDR (RA PCX_REQUIRES_ADDRESS_IN_VPC_CIDR), so VPC b's
    internet-bound packet is dropped at the peering."""
    b = _nat_lab(tmp_path)
    b.vpc("b", "10.2.0.0/16")
    b.subnet("b-app", "b", "10.2.1.0/24")
    b.peering("pcx-ab", "a", "b")
    b.main_routes("b", [("0.0.0.0/0", "pcx-ab")])
    b.instance("b1", "b-app", "10.2.1.10")
    t = run(load(b), "b1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.BLOCKED
    assert (last(t).resource.id, last(t).code) == (b.id("pcx-ab"), "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR")
    assert b.id("nat-a") not in [h.resource.id for h in t.forward.hops]


# ====================================================================================================
# VPC peering
# ====================================================================================================



def test_peering_delivers_to_the_peer_cidr(tmp_path: Path) -> None:
    """PCX: a peering connection routes traffic between the two VPCs' private addresses."""
    b = _three_vpcs(tmp_path)
    t = run(load(b), "a1", "b1", 6, 22)
    assert t.verdict is Verdict.DELIVERED and t.reply.verdict is Verdict.DELIVERED
    assert b.id("pcx-ab") in [h.resource.id for h in t.forward.hops]


def test_peering_is_not_transitive(tmp_path: Path) -> None:
    """PCX: "VPC peering does not support transitive peering relationships": a-b and b-c do not connect
    a and c, even with routes (RA PCX_REQUIRES_ADDRESS_IN_VPC_CIDR)."""
    b = _three_vpcs(tmp_path)
    t = run(load(b), "a1", "c1", 6, 22)
    assert t.verdict is Verdict.BLOCKED
    assert (last(t).resource.id, last(t).code) == (b.id("pcx-ab"), "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR")


def test_peering_no_edge_to_edge_through_the_peer_igw(tmp_path: Path) -> None:
    """PCX: edge-to-edge routing through a gateway is not supported: VPC a cannot use VPC b's internet
    gateway."""
    b = _three_vpcs(tmp_path)
    b.igw("igw-b", "b")
    b.main_routes("b", [("0.0.0.0/0", "igw-b")])
    b.main_routes("a", [("0.0.0.0/0", "pcx-ab")])
    t = run(load(b), "a1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.BLOCKED
    assert (last(t).resource.id, last(t).code) == (b.id("pcx-ab"), "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR")


def test_pending_acceptance_peering_does_not_route(tmp_path: Path) -> None:
    """PCX lifecycle (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html): traffic
    flows only once the request is accepted and the connection is active (RA BAD_STATE)."""
    b = _three_vpcs(tmp_path, ab_status="pending-acceptance")
    t = run(load(b), "a1", "b1", 6, 22)
    assert t.verdict is Verdict.NO_ROUTE
    assert (last(t).resource.id, last(t).code) == (b.id("pcx-ab"), "BAD_STATE")
