"""Scenario tests: a small AWS estate written as CLI JSON, a flow, and the verdict and blocker that AWS's
documented behaviour predicts (never what the code happened to print). This file: security groups and network ACLs.

Each test names the AWS documentation it checks by a tag (SG, NACL, RT, ...) listed with its URL in
aws_helpers.py.
"""

from __future__ import annotations

from pathlib import Path

from aws_helpers import ALL_IN, _tgw_hub, blocker, last, load, run, two_subnets
from scenario_builder import AwsScenario, any_proto, icmp, inbound, outbound, perm, tcp, udp

from flightpath.model.outcome import Check, Decision, Verdict

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
