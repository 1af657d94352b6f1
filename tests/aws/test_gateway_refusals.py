"""Issue 10.1: a gateway's built-in refusal is `blocked` by that gateway (first_block is the gateway, with
the Reachability Analyzer code and a reason that says what to change); `no_route` stays for a missing
route, a blackhole and a loop.

RA  https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html
IGW https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html
NAT https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
PCX https://docs.aws.amazon.com/vpc/latest/peering/invalid-peering-configurations.html
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_builder import AwsScenario, tcp
from test_scenarios_aws import load, run, two_subnets

from flightpath.model.outcome import Verdict


def _lab(tmp_path: Path) -> AwsScenario:
    b = two_subnets(tmp_path)
    b.igw("igw-a", "a")
    b.route_table("public-rt", "a", subnets=["app"], routes=[("0.0.0.0/0", "igw-a")])
    b.nat("nat-a", "app", "10.1.1.5", eip="3.0.0.5")
    b.main_routes("a", [("0.0.0.0/0", "nat-a")])
    b.sg("web-sg", "a", ingress=[tcp(443, cidr="0.0.0.0/0")])
    b.instance("web1", "app", "10.1.1.10", sgs=["web-sg"])
    b.instance("db1", "db", "10.1.2.10")
    return b


def test_igw_without_public_ip_is_blocked_by_the_igw(tmp_path: Path) -> None:
    # IGW: "an instance in your subnet must have a public IPv4 address or an Elastic IP address";
    # RA IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS names the internet gateway as the component (RA URL above)
    b = _lab(tmp_path)
    t = run(load(b), "web1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.BLOCKED
    fb = t.first_block
    assert fb is not None and fb.resource.id == b.id("igw-a") and fb.resource.type == "internet-gateway"
    assert fb.code == "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"
    assert "Elastic IP" in fb.reason and "NAT gateway" in fb.reason  # what to change


@pytest.mark.parametrize("dst, code", [("192.168.7.7", "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS"),
                                       ("100.64.0.9", "IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS")])
def test_igw_refuses_private_destinations(tmp_path: Path, dst: str, code: str) -> None:
    # RA: the IGW does not carry RFC 1918 / RFC 6598 destinations (codes in the RA URL above)
    b = _lab(tmp_path)
    b.instance("pub1", "app", "10.1.1.20", sgs=["web-sg"], eip="3.0.0.20")
    t = run(load(b), "pub1", dst, 6, 443)
    assert t.verdict is Verdict.BLOCKED
    assert (t.first_block.resource.id, t.first_block.resource.type, t.first_block.code) == \
        (b.id("igw-a"), "internet-gateway", code)


def test_nat_gateway_protocol_refusal_is_a_block_by_the_nat_gateway(tmp_path: Path) -> None:
    # NAT: "A NAT gateway supports the following protocols: TCP, UDP, and ICMP"; RA PROTOCOL_RESTRICTION
    b = _lab(tmp_path)
    t = run(load(b), "db1", "8.8.8.8", 47)
    assert t.verdict is Verdict.BLOCKED
    fb = t.first_block
    assert (fb.resource.id, fb.resource.type, fb.code) == (b.id("nat-a"), "nat-gateway", "PROTOCOL_RESTRICTION")


def test_unsolicited_inbound_to_a_nat_gateway_address_is_blocked_by_it(tmp_path: Path) -> None:
    # NAT: "A NAT gateway ... external services cannot initiate a connection with those instances"
    # (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html); RA TARGET_ADDRESS_RESTRICTION
    b = _lab(tmp_path)
    t = run(load(b), "198.51.100.7", "3.0.0.5", 6, 443)
    assert t.verdict is Verdict.BLOCKED
    fb = t.first_block
    assert fb.resource.id == b.id("nat-a") and fb.code == "TARGET_ADDRESS_RESTRICTION"


def test_peering_refusal_is_blocked_by_the_peering(tmp_path: Path) -> None:
    # PCX: "you cannot ... reach the internet through an internet gateway in the peer VPC";
    # RA PCX_REQUIRES_ADDRESS_IN_VPC_CIDR names the peering connection
    b = _lab(tmp_path)
    b.vpc("b", "10.2.0.0/16")
    b.subnet("b-app", "b", "10.2.1.0/24")
    b.peering("pcx-ab", "a", "b")
    b.main_routes("b", [("0.0.0.0/0", "pcx-ab")])
    b.instance("b1", "b-app", "10.2.1.10")
    t = run(load(b), "b1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.BLOCKED
    assert (t.first_block.resource.id, t.first_block.code) == (b.id("pcx-ab"), "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR")


def test_missing_route_and_blackhole_stay_no_route(tmp_path: Path) -> None:
    # RT: no matching route -> RA NO_ROUTE_TO_DESTINATION; a route whose target is gone is a blackhole
    # (RA BAD_STATE_ROUTE); neither is a block, so there is no first_block
    b = two_subnets(tmp_path)
    b.main_routes("a", [b.route("0.0.0.0/0", "igw-gone", state="blackhole")])
    b.route_table("rt-app", "a", subnets=["app"], routes=[])
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10")
    topo = load(b)
    t = run(topo, "app1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.NO_ROUTE and t.first_block is None and t.forward.hops[-1].code == "NO_ROUTE_TO_DESTINATION"
    t = run(topo, "db1", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.NO_ROUTE and t.first_block is None and t.forward.hops[-1].code == "BAD_STATE_ROUTE"
