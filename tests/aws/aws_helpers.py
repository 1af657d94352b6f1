"""Helpers shared by the AWS scenario tests: load a builder's snapshot, trace a flow, read hops.

The scenario tests name the AWS documentation they check by these tags (also in ../shared/SEMANTICS.md):
  SG      https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
  SGCT    https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html
  PCXSG   https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html
  PL      https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html
  NACL    https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html
  EPHEM   https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html
  RT      https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html
  RTPRIO  https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html
  IGW     https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html
  NAT     https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
  PCX     https://docs.aws.amazon.com/vpc/latest/peering/invalid-peering-configurations.html
  TGW     https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html
  EIGW    https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html
  VGW     https://docs.aws.amazon.com/vpn/latest/s2svpn/VPC_VPN.html
  VPCE    https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
  RA      https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html (the codes)
"""

from __future__ import annotations

from pathlib import Path

from scenario_builder import AwsScenario, any_proto, tcp

from flightpath import load_snapshot
from flightpath.evaluate.tracing import trace
from flightpath.model.flow import Flow
from flightpath.model.outcome import Trace
from flightpath.topology.endpoints import resolve


def load(b: AwsScenario):
    return load_snapshot(b.write(), use_cache=False)


def run(topo, src: str, dst: str, proto: int | None = 6, port: int | None = None, *, src_port: int | None = None,
        icmp_type: int | None = None, icmp_code: int | None = None, all_blockers: bool = False) -> Trace:
    s = resolve(topo, src, "source")
    d = resolve(topo, dst, "destination", version=s.address.version, from_internet=s.kind == "internet")
    flow = Flow.build(proto, s.address, d.address, dst_port=port, src_port=src_port, icmp_type=icmp_type,
                      icmp_code=icmp_code)
    return trace(topo, flow, source=s, all_blockers=all_blockers)


def blocker(t: Trace):
    assert t.first_block is not None, f"no blocker; verdict {t.verdict}; hops {hops(t)}"
    return t.first_block


def last(t: Trace, reply: bool = False):
    path = t.reply if reply else t.forward
    assert path is not None and path.hops
    return path.hops[-1]


def hops(t: Trace, reply: bool = False) -> list[tuple[str, str, str]]:
    path = t.reply if reply else t.forward
    return [(h.resource.id, h.check.value, h.decision.value) for h in (path.hops if path else [])]


def two_subnets(tmp_path: Path, **vpc_kw) -> AwsScenario:
    """VPC a 10.1.0.0/16: subnet app 10.1.1.0/24 and db 10.1.2.0/24 (main route table, default NACL)."""
    b = AwsScenario(tmp_path)
    b.vpc("a", "10.1.0.0/16", **vpc_kw)
    b.subnet("app", "a", "10.1.1.0/24")
    b.subnet("db", "a", "10.1.2.0/24")
    return b


ALL_IN = [any_proto(cidr="0.0.0.0/0")]


def _vgw_lab(tmp_path: Path) -> AwsScenario:
    """VPC a with a VGW (VPN onprem, static route 172.16.0.0/16, propagated into the main table) and a
    peering to VPC b 172.16.0.0/16 (overlapping the on-premises prefix on purpose)."""
    b = AwsScenario(tmp_path)
    b.vpc("a", "10.1.0.0/16")
    b.vpc("b", "172.16.0.0/16")
    b.subnet("app", "a", "10.1.1.0/24")
    b.subnet("far", "b", "172.16.1.0/24")
    b.vgw("vgw-a", "a")
    b.cgw("onprem-cgw", "192.0.2.10")
    b.vpn("onprem-vpn", "onprem-cgw", vgw="vgw-a", static_routes=["172.16.0.0/16"])
    b.peering("pcx-ab", "a", "b")
    b.main_routes("b", [("10.1.0.0/16", "pcx-ab")])
    b.sg("far-sg", "b", ingress=ALL_IN)
    b.instance("app1", "app", "10.1.1.10")
    b.instance("far1", "far", "172.16.1.10", sgs=["far-sg"])
    return b


def _public_lab(tmp_path: Path) -> AwsScenario:
    b = two_subnets(tmp_path)
    b.igw("igw-a", "a")
    b.main_routes("a", [("0.0.0.0/0", "igw-a")])
    b.sg("web-sg", "a", ingress=[tcp(443, cidr="0.0.0.0/0")])
    return b


def _nat_lab(tmp_path: Path, *, eip: str | None = "3.0.0.5") -> AwsScenario:
    """app = public subnet (0/0 -> igw) holding the NAT gateway; db = private subnet (0/0 -> nat)."""
    b = two_subnets(tmp_path)
    b.igw("igw-a", "a")
    b.route_table("public-rt", "a", subnets=["app"], routes=[("0.0.0.0/0", "igw-a")])
    b.nat("nat-a", "app", "10.1.1.5", eip=eip)
    b.main_routes("a", [("0.0.0.0/0", "nat-a")])
    b.instance("db1", "db", "10.1.2.10")
    return b


def _three_vpcs(tmp_path: Path, *, ab_status: str = "active") -> AwsScenario:
    """a 10.1/16 -- pcx-ab -- b 10.2/16 -- pcx-bc -- c 10.3/16, each with one open instance."""
    b = AwsScenario(tmp_path)
    for v, n in (("a", 1), ("b", 2), ("c", 3)):
        b.vpc(v, f"10.{n}.0.0/16")
        b.subnet(f"{v}-app", v, f"10.{n}.1.0/24")
        b.sg(f"{v}-sg", v, ingress=ALL_IN)
        b.instance(f"{v}1", f"{v}-app", f"10.{n}.1.10", sgs=[f"{v}-sg"])
    b.peering("pcx-ab", "a", "b", status=ab_status)
    b.peering("pcx-bc", "b", "c")
    b.main_routes("a", [("10.2.0.0/16", "pcx-ab"), ("10.3.0.0/16", "pcx-ab")])
    b.main_routes("b", [("10.1.0.0/16", "pcx-ab"), ("10.3.0.0/16", "pcx-bc")])
    b.main_routes("c", [("10.2.0.0/16", "pcx-bc"), ("10.1.0.0/16", "pcx-bc")])
    return b


def _tgw_hub(tmp_path: Path, *, search: bool = True, propagation_file: bool = True,
             associate_b: bool = True) -> AwsScenario:
    """TGW hub: VPC a 10.1/16 and VPC b 10.2/16, each with an app subnet and a TGW subnet; one TGW route
    table `rt-ab` associated with both attachments and propagated by both; main tables 0/0 -> tgw."""
    b = AwsScenario(tmp_path)
    b.tgw("hub")
    for v, n in (("a", 1), ("b", 2)):
        b.vpc(v, f"10.{n}.0.0/16")
        b.subnet(f"{v}-app", v, f"10.{n}.1.0/24")
        b.subnet(f"{v}-tgw", v, f"10.{n}.0.0/28")
        b.tgw_vpc_attachment(f"att-{v}", "hub", v, {f"{v}-tgw": f"10.{n}.0.5"})
        b.main_routes(v, [("0.0.0.0/0", "hub")])
    b.tgw_route_table("rt-ab", "hub", associations=["att-a", "att-b"] if associate_b else ["att-a"],
                      propagations=["att-a", "att-b"], search=search, propagation_file=propagation_file)
    return b
