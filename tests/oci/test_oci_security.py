"""OCI security lists + NSGs, argued from Oracle's documentation (one estate for the module).

Docs: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm (SR below),
https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/networksecuritygroups.htm (NSG below).

VCN lab 10.0.0.0/16:
  client 10.0.9.0/24 (client-sl: egress all, stateful)     cl1 10.0.9.10
  app    10.0.1.0/24 (app-sl: in tcp 22 from VCN, stateful)  app1 10.0.1.10 [web-nsg: in tcp 443], app2 10.0.1.11 [app-nsg]
  edge   10.0.2.0/24 (edge-sl: in tcp 80 STATELESS; out tcp 22 stateless only)            edge1 10.0.2.10
  mix    10.0.3.0/24 (mix-sl: in tcp 443 stateful AND stateless; no egress)                mix1 10.0.3.10
  db     10.0.4.0/24 (db-sl: nothing)   db1 10.0.4.10 [db-nsg: in tcp 5432 from NSG app-nsg; in 6379 from NSG ghost]
"""

from __future__ import annotations

import pytest
from conftest import filters, trace
from oci_builder import OciScenario, egress, ingress, nsg_rule

from flightpath import load_snapshot
from flightpath.model import Direction
from flightpath.model.outcome import Check, Verdict

VCN = "10.0.0.0/16"


@pytest.fixture(scope="module")
def topo(tmp_path_factory):
    b = OciScenario(tmp_path_factory.mktemp("oci-security"))
    b.vcn("lab", VCN)
    b.route_table("rt", "lab", [])
    b.security_list("client-sl", "lab", egress=[egress("0.0.0.0/0")])
    b.security_list("app-sl", "lab", ingress=[ingress(VCN, 6, 22), ingress(VCN, 1, icmp=(3, 4), stateless=True)])
    b.security_list("edge-sl", "lab", ingress=[ingress(VCN, 6, 80, stateless=True)],
                    egress=[egress(VCN, 6, 22, stateless=True)])
    b.security_list("mix-sl", "lab", ingress=[ingress(VCN, 6, 443), ingress(VCN, 6, 443, stateless=True)])
    b.security_list("db-sl", "lab")
    b.nsg("web-nsg", "lab", [nsg_rule("INGRESS", VCN, 6, 443)])
    b.nsg("app-nsg", "lab", [nsg_rule("EGRESS", "0.0.0.0/0")])
    b.nsg("db-nsg", "lab", [nsg_rule("INGRESS", "app-nsg", 6, 5432, peer_type="NETWORK_SECURITY_GROUP", rid="DB5432"),
                            nsg_rule("INGRESS", "ghost", 6, 6379, peer_type="NETWORK_SECURITY_GROUP"),
                            dict(nsg_rule("INGRESS", "deleted", 6, 11211, peer_type="NETWORK_SECURITY_GROUP"),
                                 isValid=False),
                            nsg_rule("INGRESS", "other-nsg", 6, 9000, peer_type="NETWORK_SECURITY_GROUP")])
    b.vcn("other", "10.50.0.0/16")
    b.nsg("other-nsg", "other", [])
    for name, cidr, sl in (("client", "10.0.9.0/24", "client-sl"), ("app", "10.0.1.0/24", "app-sl"),
                           ("edge", "10.0.2.0/24", "edge-sl"), ("mix", "10.0.3.0/24", "mix-sl"),
                           ("db", "10.0.4.0/24", "db-sl")):
        b.subnet(name, "lab", cidr, "rt", [sl])
    b.instance("cl1", "client", "10.0.9.10")
    b.instance("app1", "app", "10.0.1.10", nsgs=["web-nsg"])
    b.instance("app2", "app", "10.0.1.11", nsgs=["app-nsg"])
    b.instance("edge1", "edge", "10.0.2.10")
    b.instance("mix1", "mix", "10.0.3.10")
    b.instance("db1", "db", "10.0.4.10", nsgs=["db-nsg"])
    return load_snapshot(b.write(), use_cache=False)


def test_security_list_and_nsg_rules_are_one_union(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm
    # "A packet in question is allowed if any rule in any of the relevant lists and groups allows the traffic"
    ssh = trace(topo, "cl1", "app1", port=22)
    assert ssh.verdict is Verdict.DELIVERED
    assert filters(ssh.forward, Check.INGRESS_FILTER)[-1].rule.label == "app-sl ingress 1"  # the security list
    https = trace(topo, "cl1", "app1", port=443)
    assert https.verdict is Verdict.DELIVERED
    assert filters(https.forward, Check.INGRESS_FILTER)[-1].rule.label.startswith("web-nsg rule")  # the NSG


def test_no_rule_blocks_and_names_the_lists_and_groups_consulted(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm
    # rules are allow-only; without a matching rule nothing is allowed (no deny rules exist)
    t = trace(topo, "cl1", "app1", port=8080)
    assert t.verdict is Verdict.BLOCKED
    b = t.first_block
    assert b.check is Check.INGRESS_FILTER and b.resource.name == "app1-vnic" and b.code == "DENIED"
    assert "security list app-sl and NSG web-nsg" in b.reason and "no rule matched" in b.reason


def test_stateless_rule_lets_the_request_in_but_not_the_reply(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm
    # stateless rules do not track; "the reply needs its own rule" (edge-sl allows no outbound reply from 80)
    t = trace(topo, "cl1", "edge1", port=80)
    assert t.forward.verdict is Verdict.DELIVERED
    assert filters(t.forward, Check.INGRESS_FILTER)[-1].rule.label == "edge-sl ingress 1"
    assert t.verdict is Verdict.BLOCKED and t.reply.verdict is Verdict.BLOCKED
    b = t.first_block
    assert b in t.reply.hops and b.check is Check.EGRESS_FILTER and b.resource.name == "edge1-vnic"
    assert "security list edge-sl" in b.reason


def test_stateful_reply_is_tracked(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm
    # stateful rules track the connection; the reply is allowed without an egress rule (app-sl has none)
    t = trace(topo, "cl1", "app1", port=22)
    assert t.reply.verdict is Verdict.DELIVERED
    out = filters(t.reply, Check.EGRESS_FILTER)[0]
    assert out.resource.name == "app1-vnic" and "tracked" in out.reason


def test_stateless_match_wins_over_stateful_and_the_reply_needs_its_own_rule(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm
    # "If traffic matches both a stateful and a stateless rule in a direction, the stateless rule takes
    # precedence and the connection is not tracked" -> mix-sl has no egress rule, so the reply is blocked
    t = trace(topo, "cl1", "mix1", port=443)
    assert filters(t.forward, Check.INGRESS_FILTER)[-1].rule.label == "mix-sl ingress 2"
    assert t.verdict is Verdict.BLOCKED
    assert t.first_block in t.reply.hops and t.first_block.resource.name == "mix1-vnic"


def test_nsg_rule_can_reference_another_nsg(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/networksecuritygroups.htm
    # a rule's source can be an NSG: the VNICs in it (app2 is in app-nsg; cl1 is not)
    ok = trace(topo, "app2", "db1", port=5432)
    assert ok.verdict is Verdict.DELIVERED
    assert filters(ok.forward, Check.INGRESS_FILTER)[-1].rule.label == "db-nsg rule DB5432"
    no = trace(topo, "cl1", "db1", port=5432)
    assert no.verdict is Verdict.BLOCKED and "NSG db-nsg" in no.first_block.reason


def test_a_rule_referencing_a_missing_nsg_is_unknown_naming_it(topo):
    # DESIGN rule 3: a referenced resource that is not in the snapshot makes the answer unknown, naming it
    t = trace(topo, "app2", "db1", port=6379)
    assert t.verdict is Verdict.UNKNOWN
    assert "ocid1.networksecuritygroup.oc1.iad.ghost not in the snapshot" in t.forward.reason


def test_invalid_and_cross_vcn_nsg_references_match_nothing(topo):
    # https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/SecurityRule/
    # isValid "changes to False if that network security group is deleted": the rule admits nothing (not unknown)
    assert trace(topo, "app2", "db1", port=11211).verdict is Verdict.BLOCKED
    # https://www.oracle.com/cloud/networking/virtual-cloud-network/faq/
    # "that NSG must be in the same VCN. This is true even if the other NSG is in a peered VCN"
    assert trace(topo, "app2", "db1", port=9000).verdict is Verdict.BLOCKED
    assert any("names NSG ocid1.networksecuritygroup.oc1.iad.other-nsg of another VCN" in w for w in topo.estate.warnings)


def test_icmp_type_and_code_match(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm
    # ICMP rules match a type and optionally a code (app-sl: type 3 code 4, for path MTU discovery)
    assert trace(topo, "cl1", "app1", "icmp", icmp_type=3, icmp_code=4).forward.verdict is Verdict.DELIVERED
    assert trace(topo, "cl1", "app1", "icmp", icmp_type=8, icmp_code=0).verdict is Verdict.BLOCKED


def test_rule_sets_and_link_local_rule(topo):
    e = topo.estate
    sl = next(rs for rs in e.rule_sets.values() if rs.ref.name == "edge-sl")
    assert sl.stateful and [r.stateless for r in sl.rules] == [True, True]
    assert [r.direction for r in sl.rules] == [Direction.INGRESS, Direction.EGRESS]
    # https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm
    # "Security rules are not enforced for traffic involving the CIDR block 169.254.0.0/16": a stateless
    # allow for it is part of every VNIC's tier
    tier = e.interfaces["ocid1.vnic.oc1.iad.db1-vnic"].stage.tiers[0]
    assert tier.rule_set_ids[-1] == "oci:link-local" and len(tier.rule_set_ids) == 3
