"""Scenario tests: a small AWS estate written as CLI JSON, a flow, and the verdict and blocker that AWS's
documented behaviour predicts (never what the code happened to print).

Each test names the AWS documentation it checks. The sources (also in ../shared/SEMANTICS.md):
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

from ipaddress import ip_address
from pathlib import Path

import pytest
from scenario_builder import AwsScenario, any_proto, icmp, inbound, outbound, perm, tcp, udp

from flightpath import load_snapshot
from flightpath.evaluate.tracing import trace
from flightpath.model.flow import Flow
from flightpath.model.outcome import Check, Decision, Trace, Verdict
from flightpath.topology.endpoints import resolve

# --- helpers -----------------------------------------------------------------------------------------

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


# ====================================================================================================
# Security groups
# ====================================================================================================

def test_sg_union_of_all_groups_on_the_eni(tmp_path: Path) -> None:
    """SG: "If there are multiple security groups associated with a resource, the rules from each group
    are aggregated into one set of rules" -> the union of allows; a port no group allows is denied."""
    b = two_subnets(tmp_path)
    b.sg("ssh-sg", "a", ingress=[tcp(22, cidr="10.1.1.0/24")])
    b.sg("pg-sg", "a", ingress=[tcp(5432, cidr="10.1.1.0/24")])
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10", sgs=["ssh-sg", "pg-sg"])
    topo = load(b)

    ok = run(topo, "app1", "db1", 6, 5432)
    assert ok.verdict is Verdict.DELIVERED
    ingress = [h for h in ok.forward.hops if h.check is Check.INGRESS_FILTER and h.resource.id == b.eni_of("db1")]
    assert ingress[0].rule.resource.id == b.id("pg-sg")  # the group whose rule matched is named
    assert run(topo, "app1", "db1", 6, 22).verdict is Verdict.DELIVERED

    t = run(topo, "app1", "db1", 6, 443)
    assert t.verdict is Verdict.BLOCKED
    h = blocker(t)
    assert (h.resource.id, h.check, h.code) == (b.eni_of("db1"), Check.INGRESS_FILTER, "ENI_SG_RULES_MISMATCH")
    assert h.rule.label == "implicit deny"


def test_sg_without_inbound_rules_blocks_and_names_the_group(tmp_path: Path) -> None:
    """SG: a new security group has no inbound rules, so it allows no inbound traffic."""
    b = two_subnets(tmp_path)
    b.sg("empty-sg", "a")
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10", sgs=["empty-sg"])
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.BLOCKED
    h = blocker(t)
    assert h.code == "ENI_SG_RULES_MISMATCH"
    assert h.resource.id == b.eni_of("db1") and h.check is Check.INGRESS_FILTER
    assert h.rule.resource.id == b.id("empty-sg")


def test_sg_without_outbound_rules_blocks_at_the_source(tmp_path: Path) -> None:
    """SG: "If your security group has no outbound rules, no outbound traffic is allowed"; egress is
    checked at the source ENI."""
    b = two_subnets(tmp_path)
    b.sg("mute-sg", "a", egress=[])
    b.sg("db-sg", "a", ingress=[tcp(5432, cidr="10.1.0.0/16")])
    b.instance("app1", "app", "10.1.1.10", sgs=["mute-sg"])
    b.instance("db1", "db", "10.1.2.10", sgs=["db-sg"])
    t = run(load(b), "app1", "db1", 6, 5432)
    h = blocker(t)
    assert t.verdict is Verdict.BLOCKED
    assert (h.resource.id, h.check, h.code) == (b.eni_of("app1"), Check.EGRESS_FILTER, "ENI_SG_RULES_MISMATCH")
    assert h.rule.resource.id == b.id("mute-sg")


def test_sg_is_stateful_reply_needs_no_rule(tmp_path: Path) -> None:
    """SGCT: responses to allowed traffic may flow regardless of rules. The client's SG has no inbound
    rule and the server's SG no outbound rule, yet the connection works."""
    b = two_subnets(tmp_path)
    b.sg("client-sg", "a")  # outbound all, no inbound
    b.sg("server-sg", "a", ingress=[tcp(5432, cidr="10.1.1.0/24")], egress=[])
    b.instance("app1", "app", "10.1.1.10", sgs=["client-sg"])
    b.instance("db1", "db", "10.1.2.10", sgs=["server-sg"])
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.DELIVERED
    assert t.reply.verdict is Verdict.DELIVERED


def test_sg_reference_matches_member_private_ips_only(tmp_path: Path) -> None:
    """SG: a rule whose source is a security group allows traffic from the private IP addresses of the
    network interfaces associated with that group; an instance outside the group does not match."""
    b = two_subnets(tmp_path)
    b.sg("app-sg", "a")
    b.sg("other-sg", "a")
    b.sg("db-sg", "a", ingress=[tcp(5432, sg="app-sg")])
    b.instance("member", "app", "10.1.1.10", sgs=["app-sg"])
    b.instance("stranger", "app", "10.1.1.11", sgs=["other-sg"])
    b.instance("db1", "db", "10.1.2.10", sgs=["db-sg"])
    topo = load(b)
    ok = run(topo, "member", "db1", 6, 5432)
    assert ok.verdict is Verdict.DELIVERED
    t = run(topo, "stranger", "db1", 6, 5432)
    assert t.verdict is Verdict.BLOCKED
    h = blocker(t)
    assert (h.resource.id, h.code) == (b.eni_of("db1"), "ENI_SG_RULES_MISMATCH")
    assert h.rule.resource.id == b.id("db-sg")


def _peered_pair(tmp_path: Path, *, b_region: str | None = None) -> AwsScenario:
    """VPC a 10.1/16 (app) peered with VPC b 10.2/16 (db); db-sg references a's app-sg."""
    b = AwsScenario(tmp_path)
    b.vpc("a", "10.1.0.0/16")
    b.subnet("app", "a", "10.1.1.0/24")
    b.sg("app-sg", "a")
    b.instance("app1", "app", "10.1.1.10", sgs=["app-sg"])
    with b.scope(region=b_region):
        b.vpc("b", "10.2.0.0/16")
        b.subnet("db", "b", "10.2.1.0/24", az=f"{b_region}a" if b_region else None)
    b.peering("pcx-ab", "a", "b")
    with b.scope(region=b_region):
        b.sg("db-sg", "b", ingress=[tcp(5432, sg="app-sg", peering="pcx-ab")])
        b.instance("db1", "db", "10.2.1.10", sgs=["db-sg"])
    b.main_routes("a", [("10.2.0.0/16", "pcx-ab")])
    b.main_routes("b", [("10.1.0.0/16", "pcx-ab")])
    return b


def test_sg_reference_across_same_region_peering(tmp_path: Path) -> None:
    """PCXSG: a rule may reference a security group in a peered VPC of the same Region."""
    b = _peered_pair(tmp_path)
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.DELIVERED
    assert b.id("pcx-ab") in [h.resource.id for h in t.forward.hops]


def test_sg_reference_across_inter_region_peering_does_not_match(tmp_path: Path) -> None:
    """PCXSG: "You cannot reference the security group of a peer VPC that's in a different Region."
    (use a CIDR instead) -> the reference matches nothing and the group denies."""
    b = _peered_pair(tmp_path, b_region="us-west-2")
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.BLOCKED
    h = blocker(t)
    assert (h.resource.id, h.code) == (b.eni_of("db1"), "ENI_SG_RULES_MISMATCH")


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


def test_sg_reference_does_not_cross_a_transit_gateway(tmp_path: Path) -> None:
    """SG / PCXSG: group references work in the same VPC and across same-Region peering; a transit
    gateway discards the group information unless SG referencing support is enabled on it (RA
    SG_REFERENCING_SUPPORT). The builder's TGW has SecurityGroupReferencingSupport disabled."""
    b = _tgw_hub(tmp_path)
    b.sg("app-sg", "a")
    b.sg("db-sg", "b", ingress=[tcp(5432, sg="app-sg")])
    b.instance("app1", "a-app", "10.1.1.10", sgs=["app-sg"])
    b.instance("db1", "b-app", "10.2.1.10", sgs=["db-sg"])
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.BLOCKED
    h = blocker(t)
    assert (h.resource.id, h.check, h.code) == (b.eni_of("db1"), Check.INGRESS_FILTER, "ENI_SG_RULES_MISMATCH")
    assert b.id("rt-ab") in [x.resource.id for x in t.forward.hops]  # it got there through the TGW


def test_sg_reference_crosses_a_transit_gateway_with_sg_referencing_support(tmp_path: Path) -> None:
    """TGW security group referencing (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html,
    "Security group referencing"): with SecurityGroupReferencingSupport enabled on the transit gateway and
    on both VPC attachments, an inbound rule may reference a group in another VPC attached to the same
    transit gateway; enabled on one attachment only, the reference still matches nothing."""
    b = AwsScenario(tmp_path)
    b.tgw("hub", sg_referencing=True)
    for v, n in (("a", 1), ("b", 2), ("c", 3)):
        b.vpc(v, f"10.{n}.0.0/16")
        b.subnet(f"{v}-app", v, f"10.{n}.1.0/24")
        b.subnet(f"{v}-tgw", v, f"10.{n}.0.0/28")
        b.tgw_vpc_attachment(f"att-{v}", "hub", v, {f"{v}-tgw": f"10.{n}.0.5"}, sg_referencing=v != "c")
        b.main_routes(v, [("0.0.0.0/0", "hub")])
    b.tgw_route_table("rt", "hub", associations=["att-a", "att-b", "att-c"], propagations=["att-a", "att-b", "att-c"])
    b.sg("app-sg", "a")
    b.sg("app-sg-c", "c")
    b.sg("db-sg", "b", ingress=[tcp(5432, sg="app-sg"), tcp(5432, sg="app-sg-c")])
    b.instance("app1", "a-app", "10.1.1.10", sgs=["app-sg"])
    b.instance("app3", "c-app", "10.3.1.10", sgs=["app-sg-c"])
    b.instance("db1", "b-app", "10.2.1.10", sgs=["db-sg"])
    topo = load(b)
    ok = run(topo, "app1", "db1", 6, 5432)
    assert ok.verdict is Verdict.DELIVERED
    t = run(topo, "app3", "db1", 6, 5432)  # attachment c has the support disabled
    assert t.verdict is Verdict.BLOCKED
    assert (blocker(t).resource.id, blocker(t).code) == (b.eni_of("db1"), "ENI_SG_RULES_MISMATCH")


def test_sg_prefix_list_reference_with_entries(tmp_path: Path) -> None:
    """PL: a prefix list referenced by an SG rule stands for its CIDR entries."""
    b = two_subnets(tmp_path)
    b.managed_prefix_list("office-pl", ["10.1.1.0/25"])
    b.sg("db-sg", "a", ingress=[tcp(5432, pl="office-pl")])
    b.instance("inside", "app", "10.1.1.10")
    b.instance("outside", "app", "10.1.1.200")
    b.instance("db1", "db", "10.1.2.10", sgs=["db-sg"])
    topo = load(b)
    ok = run(topo, "inside", "db1", 6, 5432)
    assert ok.verdict is Verdict.DELIVERED
    hit = [h for h in ok.forward.hops if h.resource.id == b.eni_of("db1") and h.check is Check.INGRESS_FILTER][0]
    assert b.id("office-pl") in hit.rule.summary
    t = run(topo, "outside", "db1", 6, 5432)
    assert t.verdict is Verdict.BLOCKED
    assert blocker(t).code == "ENI_SG_RULES_MISMATCH"


def test_sg_prefix_list_reference_without_entries_is_unknown(tmp_path: Path) -> None:
    """DESIGN "missing data is a result": the prefix list's entries (GetManagedPrefixListEntries) are
    not in the snapshot, so whether the rule matches is unknown: never a confident allow or deny."""
    b = two_subnets(tmp_path)
    b.managed_prefix_list("office-pl", None)
    b.sg("db-sg", "a", ingress=[tcp(5432, pl="office-pl")])
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10", sgs=["db-sg"])
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.UNKNOWN
    h = last(t)
    assert h.decision is Decision.UNKNOWN and h.resource.id == b.eni_of("db1")
    assert b.id("office-pl") in h.reason


def test_sg_unresolvable_prefix_list_does_not_hide_another_allow(tmp_path: Path) -> None:
    """SG: the rules are a union; if another rule allows the packet, the unknown prefix list cannot
    change the outcome."""
    b = two_subnets(tmp_path)
    b.managed_prefix_list("office-pl", None)
    b.sg("db-sg", "a", ingress=[tcp(5432, pl="office-pl"), tcp(5432, cidr="10.1.1.0/24")])
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10", sgs=["db-sg"])
    assert run(load(b), "app1", "db1", 6, 5432).verdict is Verdict.DELIVERED


def test_sg_icmp_type_and_code(tmp_path: Path) -> None:
    """SG: for ICMP, FromPort is the ICMP type and ToPort the code (-1 = all). A rule for echo request
    (type 8) admits ping but not a timestamp request (type 13); a rule for type 3 code 4 admits only it."""
    b = two_subnets(tmp_path)
    b.sg("ping-sg", "a", ingress=[icmp(8, -1, cidr="10.1.0.0/16"), icmp(3, 4, cidr="10.1.0.0/16")])
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10", sgs=["ping-sg"])
    topo = load(b)
    echo = run(topo, "app1", "db1", 1, icmp_type=8, icmp_code=0)
    assert echo.verdict is Verdict.DELIVERED
    assert echo.reply.hops[0].packet.icmp_type == 0  # the reply is an echo reply
    t = run(topo, "app1", "db1", 1, icmp_type=13, icmp_code=0)
    assert t.verdict is Verdict.BLOCKED and blocker(t).code == "ENI_SG_RULES_MISMATCH"
    assert run(topo, "app1", "db1", 1, icmp_type=3, icmp_code=4).verdict is Verdict.DELIVERED
    t = run(topo, "app1", "db1", 1, icmp_type=3, icmp_code=1)
    assert t.verdict is Verdict.BLOCKED and blocker(t).resource.id == b.eni_of("db1")


def test_sg_protocol_all_covers_every_protocol(tmp_path: Path) -> None:
    """SG: IpProtocol -1 means all protocols (and all ports)."""
    b = two_subnets(tmp_path)
    b.sg("open-sg", "a", ingress=[any_proto(cidr="10.1.1.0/24")])
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10", sgs=["open-sg"])
    topo = load(b)
    assert run(topo, "app1", "db1", 17, 53).verdict is Verdict.DELIVERED
    assert run(topo, "app1", "db1", 6, 65000).verdict is Verdict.DELIVERED
    assert run(topo, "app1", "db1", 50).verdict is Verdict.DELIVERED
    assert run(topo, "app1", "db1", None).verdict is Verdict.DELIVERED  # --protocol all


def test_sg_rule_by_protocol_number(tmp_path: Path) -> None:
    """SG: a rule may name any IP protocol by number (here 50, ESP); it admits that protocol only."""
    b = two_subnets(tmp_path)
    b.sg("esp-sg", "a", ingress=[perm("50", cidr="10.1.1.0/24"), udp(500, cidr="10.1.1.0/24")])
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10", sgs=["esp-sg"])
    topo = load(b)
    assert run(topo, "app1", "db1", 50).verdict is Verdict.DELIVERED
    assert run(topo, "app1", "db1", 17, 500).verdict is Verdict.DELIVERED
    t = run(topo, "app1", "db1", 51)  # AH
    assert t.verdict is Verdict.BLOCKED and blocker(t).code == "ENI_SG_RULES_MISMATCH"
    t = run(topo, "app1", "db1", None)  # "all protocols" is more than ESP
    assert t.verdict is Verdict.BLOCKED


# ====================================================================================================
# Network ACLs
# ====================================================================================================

def _acl_lab(tmp_path: Path, entries: list[dict], **vpc_kw) -> AwsScenario:
    b = two_subnets(tmp_path, **vpc_kw)
    b.sg("db-sg", "a", ingress=ALL_IN)
    b.nacl("db-acl", "a", subnets=["db"], entries=entries)
    b.instance("app1", "app", "10.1.1.10")
    b.instance("db1", "db", "10.1.2.10", sgs=["db-sg"])
    return b


def test_nacl_lowest_rule_number_wins(tmp_path: Path) -> None:
    """NACL: rules are evaluated starting with the lowest numbered rule; as soon as a rule matches it
    applies, regardless of any higher-numbered rule. Entries are listed out of order on purpose."""
    b = _acl_lab(tmp_path, [
        inbound(100, "-1", "allow", "0.0.0.0/0"),
        inbound(90, "6", "deny", "10.1.1.0/24", ports=5432),
        outbound(100, "-1", "allow", "0.0.0.0/0"),
    ])
    topo = load(b)
    t = run(topo, "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.BLOCKED
    h = blocker(t)
    assert (h.resource.id, h.check, h.code) == (b.id("db"), Check.INGRESS_FILTER, "SUBNET_ACL_RESTRICTION")
    assert (h.rule.resource.id, h.rule.label, h.rule.action) == (b.id("db-acl"), "90", "deny")
    ok = run(topo, "app1", "db1", 6, 5433)  # rule 90 does not match; 100 allows
    assert ok.verdict is Verdict.DELIVERED


def test_nacl_allow_before_deny(tmp_path: Path) -> None:
    """NACL: the inverse order: allow 90 is evaluated before deny 100."""
    b = _acl_lab(tmp_path, [
        inbound(100, "-1", "deny", "0.0.0.0/0"),
        inbound(90, "6", "allow", "10.1.1.0/24", ports=5432),
        outbound(100, "-1", "allow", "0.0.0.0/0"),
    ])
    topo = load(b)
    assert run(topo, "app1", "db1", 6, 5432).verdict is Verdict.DELIVERED
    t = run(topo, "app1", "db1", 6, 22)
    assert blocker(t).rule.label == "100"


def test_nacl_final_star_rule_denies(tmp_path: Path) -> None:
    """NACL: every ACL ends with a rule numbered * that denies what no numbered rule matched."""
    b = _acl_lab(tmp_path, [
        inbound(100, "6", "allow", "10.1.1.0/24", ports=22),
        outbound(100, "-1", "allow", "0.0.0.0/0"),
    ])
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.BLOCKED
    h = blocker(t)
    assert (h.resource.id, h.rule.label, h.rule.action, h.code) == (b.id("db"), "*", "deny", "SUBNET_ACL_RESTRICTION")


def test_nacl_is_stateless_reply_needs_ephemeral_ports(tmp_path: Path) -> None:
    """NACL/EPHEM: network ACLs are stateless; the reply is checked against the outbound rules and is
    addressed to the client's ephemeral port (flightpath's default source port 49152). With no outbound
    allow for 1024-65535 the request arrives but the reply is dropped: the connection is blocked and the
    blocker is the reply's hop."""
    b = _acl_lab(tmp_path, [
        inbound(100, "-1", "allow", "0.0.0.0/0"),
        outbound(100, "6", "allow", "0.0.0.0/0", ports=(0, 1023)),
    ])
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.forward.verdict is Verdict.DELIVERED
    assert t.reply.verdict is Verdict.BLOCKED
    assert t.verdict is Verdict.BLOCKED
    h = blocker(t)
    assert h in t.reply.hops
    assert (h.resource.id, h.check, h.rule.label, h.code) == (b.id("db"), Check.EGRESS_FILTER, "*",
                                                              "SUBNET_ACL_RESTRICTION")
    assert h.packet.dst_port == 49152 and h.packet.src_port == 5432
    assert t.flow.src_port == 49152


def test_nacl_ephemeral_allow_lets_the_reply_out(tmp_path: Path) -> None:
    """EPHEM: an outbound allow for 1024-65535 admits replies to any client ephemeral port."""
    b = _acl_lab(tmp_path, [
        inbound(100, "6", "allow", "10.1.0.0/16", ports=5432),
        outbound(100, "6", "allow", "10.1.0.0/16", ports=(1024, 65535)),
    ])
    t = run(load(b), "app1", "db1", 6, 5432)
    assert t.verdict is Verdict.DELIVERED and t.reply.verdict is Verdict.DELIVERED
    acl_hop = [h for h in t.reply.hops if h.resource.id == b.id("db")][0]
    assert acl_hop.rule.label == "100"


def test_nacl_reply_port_is_the_flow_source_port(tmp_path: Path) -> None:
    """EPHEM: a NACL allowing only the Linux range 32768-61000 admits the reply to 49152 but not to a
    client that used source port 1025 (Windows Server 2003 range 1025-5000)."""
    b = _acl_lab(tmp_path, [
        inbound(100, "-1", "allow", "0.0.0.0/0"),
        outbound(100, "6", "allow", "0.0.0.0/0", ports=(32768, 61000)),
    ])
    topo = load(b)
    assert run(topo, "app1", "db1", 6, 5432).verdict is Verdict.DELIVERED
    t = run(topo, "app1", "db1", 6, 5432, src_port=1025)
    assert t.verdict is Verdict.BLOCKED
    assert blocker(t).packet.dst_port == 1025 and blocker(t).rule.label == "*"


def test_nacl_does_not_filter_traffic_inside_one_subnet(tmp_path: Path) -> None:
    """NACL: a network ACL controls traffic entering or leaving a subnet; two instances of one subnet
    talk without crossing it. The same ACL blocks the traffic that does leave the subnet."""
    b = two_subnets(tmp_path)
    b.nacl("app-acl", "a", subnets=["app"], entries=[])  # only the * rules: deny everything
    b.sg("open-sg", "a", ingress=ALL_IN)
    b.instance("app1", "app", "10.1.1.10", sgs=["open-sg"])
    b.instance("app2", "app", "10.1.1.11", sgs=["open-sg"])
    b.instance("db1", "db", "10.1.2.10", sgs=["open-sg"])
    topo = load(b)
    t = run(topo, "app1", "app2", 6, 22)
    assert t.verdict is Verdict.DELIVERED
    assert b.id("app") not in [h.resource.id for h in t.forward.hops + t.reply.hops]
    t = run(topo, "app1", "db1", 6, 22)
    h = blocker(t)
    assert (h.resource.id, h.check, h.rule.label) == (b.id("app"), Check.EGRESS_FILTER, "*")


def test_nacl_ipv6_entries(tmp_path: Path) -> None:
    """NACL: IPv6 rules (Ipv6CidrBlock) apply to IPv6 traffic only; an IPv6 ACL's final rule is the IPv6
    `*` deny (32768). An IPv4 allow-all does not admit IPv6."""
    b = AwsScenario(tmp_path)
    b.vpc("a", "10.1.0.0/16", ipv6="2600:1f18:1:100::/56")
    b.subnet("app", "a", "10.1.1.0/24", ipv6="2600:1f18:1:101::/64")
    b.subnet("db", "a", "10.1.2.0/24", ipv6="2600:1f18:1:102::/64")
    b.sg("db-sg", "a", ingress=[any_proto(cidr6="::/0")])
    b.sg("app-sg", "a", egress=[any_proto(cidr6="::/0")])
    b.nacl("db-acl", "a", subnets=["db"], entries=[
        inbound(100, "6", "allow", "::/0", ports=443),
        inbound(110, "-1", "allow", "0.0.0.0/0"),
        outbound(100, "-1", "allow", "::/0"),
    ])
    b.instance("app1", "app", "10.1.1.10", sgs=["app-sg"], ipv6=["2600:1f18:1:101::10"])
    b.instance("db1", "db", "10.1.2.10", sgs=["db-sg"], ipv6=["2600:1f18:1:102::10"])
    topo = load(b)
    t = run(topo, "2600:1f18:1:101::10", "2600:1f18:1:102::10", 6, 443)
    assert t.verdict is Verdict.DELIVERED
    t = run(topo, "2600:1f18:1:101::10", "2600:1f18:1:102::10", 6, 22)
    assert t.verdict is Verdict.BLOCKED
    h = blocker(t)
    assert (h.resource.id, h.rule.label, h.rule.resource.id) == (b.id("db"), "*", b.id("db-acl"))
    assert "::/0" in h.rule.summary


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

def _public_lab(tmp_path: Path) -> AwsScenario:
    b = two_subnets(tmp_path)
    b.igw("igw-a", "a")
    b.main_routes("a", [("0.0.0.0/0", "igw-a")])
    b.sg("web-sg", "a", ingress=[tcp(443, cidr="0.0.0.0/0")])
    return b


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

def _nat_lab(tmp_path: Path, *, eip: str | None = "3.0.0.5") -> AwsScenario:
    """app = public subnet (0/0 -> igw) holding the NAT gateway; db = private subnet (0/0 -> nat)."""
    b = two_subnets(tmp_path)
    b.igw("igw-a", "a")
    b.route_table("public-rt", "a", subnets=["app"], routes=[("0.0.0.0/0", "igw-a")])
    b.nat("nat-a", "app", "10.1.1.5", eip=eip)
    b.main_routes("a", [("0.0.0.0/0", "nat-a")])
    b.instance("db1", "db", "10.1.2.10")
    return b


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
