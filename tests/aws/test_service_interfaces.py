"""Issue 10.2: hops at a service-managed interface name the owning service resource (NAT gateway, load
balancer, VPC endpoint, TGW attachment, Azure private endpoint), the interface kept in the hop.

REQMGD https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html (requester-managed
       ENIs: "AWS services create network interfaces in your VPC on your behalf"; their InterfaceType and
       Description name the service, e.g. "ELB app/my-alb/...", "VPC Endpoint Interface vpce-...")
NAT    https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
PE     https://learn.microsoft.com/azure/private-link/private-endpoint-overview ("a network interface that
       uses a private IP address from your virtual network"; the NIC's privateEndpoint names it)
"""

from __future__ import annotations

from pathlib import Path

import jsonschema

from scenario_builder import tcp
from test_scenarios_aws import load, run, two_subnets

from flightpath.evaluate.tracing import Query, run_query
from flightpath.model.outcome import Verdict
from flightpath.report import build_report
from flightpath.report.json_report import schema


def test_interface_endpoint_hops_name_the_endpoint(tmp_path: Path) -> None:
    b = two_subnets(tmp_path)
    b.sg("vpce-sg", "a", ingress=[tcp(443, cidr="10.1.0.0/16")])
    eni = b.managed_eni("ep:eni", "db", "10.1.2.50", "vpc_endpoint", "VPC Endpoint Interface vpce-0abc1234def567890",
                        sgs=["vpce-sg"])
    b.instance("app1", "app", "10.1.1.10")
    topo = load(b)
    # REQMGD: the ENI belongs to the endpoint; its security groups admit 443 (delivered) and not 22 (blocked)
    t = run(topo, "app1", "10.1.2.50", 6, 443)
    assert t.verdict is Verdict.DELIVERED
    last = t.forward.hops[-1]
    assert (last.resource.type, last.resource.id) == ("vpc-endpoint", "vpce-0abc1234def567890")
    assert last.interface is not None and last.interface.id == eni
    t = run(topo, "app1", "10.1.2.50", 6, 22)
    assert t.verdict is Verdict.BLOCKED
    assert t.first_block.resource.id == "vpce-0abc1234def567890" and t.first_block.interface.id == eni


def test_load_balancer_node_names_the_load_balancer(tmp_path: Path) -> None:
    b = two_subnets(tmp_path)
    b.sg("alb-sg", "a", ingress=[tcp(80, cidr="10.1.0.0/16")])
    eni = b.managed_eni("alb:eni", "db", "10.1.2.60", "interface", "ELB app/web-alb/50dc6c495c0c9188",
                        sgs=["alb-sg"])
    b.instance("app1", "app", "10.1.1.10")
    topo = load(b)
    t = run(topo, "app1", "10.1.2.60", 6, 22)
    # REQMGD: "ELB app/<name>/<id>" is the load balancer's node; the block is the load balancer's SG
    assert t.verdict is Verdict.BLOCKED
    fb = t.first_block
    assert fb.resource.type == "load-balancer (application)" and fb.resource.name == "web-alb"
    assert fb.resource.id.endswith(":loadbalancer/app/web-alb/50dc6c495c0c9188") and fb.interface.id == eni


def test_nat_gateway_interface_is_detail_in_the_report(tmp_path: Path) -> None:
    b = two_subnets(tmp_path)
    b.igw("igw-a", "a")
    b.route_table("public-rt", "a", subnets=["app"], routes=[("0.0.0.0/0", "igw-a")])
    b.nat("nat-a", "app", "10.1.1.5", eip="3.0.0.5")
    b.instance("db1", "db", "10.1.2.10")
    topo = load(b)
    # NAT: a NAT gateway accepts no connections to its own address: blocked, by the NAT gateway
    r = run_query(topo, Query("db1", "10.1.1.5", "tcp", 22))
    assert r.trace.verdict is Verdict.BLOCKED
    assert r.trace.first_block.resource.id == b.id("nat-a") and r.trace.first_block.interface.id == b.eni_of("nat-a")
    report = build_report(r, topo.info)
    jsonschema.validate(report, schema())
    assert report["first_block"]["resource"]["type"] == "nat-gateway"
    assert report["first_block"]["interface"]["id"] == b.eni_of("nat-a")
