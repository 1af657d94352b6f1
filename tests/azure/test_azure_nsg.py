"""Azure NSG scenarios: a small estate in ARM wire JSON, a flow, and what Azure's documentation says happens.

Sources (also in ../shared/SEMANTICS.md, Azure):
  NSG     https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview
          (priority order, first match; default rules and their priorities; augmented rules: port lists/ranges)
  HOW     https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works
          ("For inbound traffic Azure processes the rules in a network security group associated to a subnet
          first ... then the network interface"; outbound the NIC first, then the subnet; no NSG = allowed;
          "NSGs that are associated to subnets can affect traffic between VMs within the same subnet")
  ASG     https://learn.microsoft.com/azure/virtual-network/application-security-groups (the AsgWeb/AsgLogic/
          AsgDb example rules)
  TAGS    https://learn.microsoft.com/azure/virtual-network/service-tags-overview
"""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from azure_builder import AzureScenario, rule

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.model import Direction
from flightpath.model.outcome import Check, Verdict


def trace(topo, src, dst, proto="tcp", port=None, **kw):
    return run_query(topo, Query(src, dst, proto, port, **kw)).trace


def block(t):
    assert t.first_block is not None, f"not blocked: {t.verdict} {[h.reason for h in t.forward.hops]}"
    return t.first_block


@pytest.fixture
def b(tmp_path) -> AzureScenario:
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    return b


def test_subnet_nsg_only(b):
    """HOW, VM1: the subnet's NSG decides; the NIC has none. Inbound 80 from the internet is allowed by a rule;
    443 falls to DenyAllInBound (65500)."""
    b.subnet("subnet1", "vnet1", "10.0.1.0/24", nsg="nsg1")
    b.nsg("nsg1", [rule("Allow-HTTP-All", 100, "Inbound", "Allow", "Tcp", src="Internet", ports="80")])
    b.vm("vm1", "subnet1", "10.0.1.4", public_ip="pip1")
    b.public_ip("pip1", "20.10.0.1")
    topo = load_snapshot(b.write(), use_cache=False)
    ok = trace(topo, "203.0.113.9", "vm1", port=80)
    assert ok.verdict is Verdict.DELIVERED
    no = trace(topo, "203.0.113.9", "vm1", port=443)
    assert no.verdict is Verdict.BLOCKED
    assert block(no).rule.label == "DenyAllInBound"
    assert block(no).resource.name == "subnet1"
    assert block(no).code == "NSG_DENY"


def test_nic_nsg_only(b):
    """HOW, VM2: only the NIC's NSG applies."""
    b.subnet("subnet1", "vnet1", "10.0.1.0/24")
    b.nsg("nsg2", [rule("Deny-SSH", 100, "Inbound", "Deny", "Tcp", src="*", ports="22")])
    b.vm("vm1", "subnet1", "10.0.1.4")
    b.vm("vm2", "subnet1", "10.0.1.5", nsg="nsg2")
    topo = load_snapshot(b.write(), use_cache=False)
    t = trace(topo, "vm1", "vm2", port=22)
    assert t.verdict is Verdict.BLOCKED
    assert block(t).rule.label == "Deny-SSH" and block(t).resource.name == "vm2-nic"
    assert trace(topo, "vm1", "vm2", port=80).verdict is Verdict.DELIVERED  # AllowVnetInBound


def test_no_nsg_allows_everything(b):
    """HOW, VM4: "no network security group associated to the network interface or subnet": all allowed."""
    b.subnet("subnet1", "vnet1", "10.0.1.0/24")
    b.vm("vm1", "subnet1", "10.0.1.4")
    b.vm("vm4", "subnet1", "10.0.1.7", public_ip="pip4")
    b.public_ip("pip4", "20.10.0.4")
    topo = load_snapshot(b.write(), use_cache=False)
    assert trace(topo, "203.0.113.9", "vm4", port=3389).verdict is Verdict.DELIVERED
    assert trace(topo, "vm1", "vm4", "udp", 53).verdict is Verdict.DELIVERED


@pytest.mark.parametrize("subnet_allows, nic_allows, blocked_at", [
    (True, True, None), (True, False, "vm2-nic"), (False, True, "subnet1"), (False, False, "subnet1")])
def test_both_nsgs_must_allow_inbound_subnet_first(b, subnet_allows, nic_allows, blocked_at):
    """HOW: inbound, the subnet NSG first, then the NIC NSG; traffic must be allowed by both."""
    b.subnet("subnet1", "vnet1", "10.0.1.0/24", nsg="nsg-subnet")
    b.subnet("subnet2", "vnet1", "10.0.2.0/24")
    b.nsg("nsg-subnet", [rule("https", 100, "Inbound", "Allow" if subnet_allows else "Deny", "Tcp", ports="443")])
    b.nsg("nsg-nic", [rule("https", 100, "Inbound", "Allow" if nic_allows else "Deny", "Tcp", ports="443")])
    b.vm("vm1", "subnet2", "10.0.2.4")
    b.vm("vm2", "subnet1", "10.0.1.5", nsg="nsg-nic")
    topo = load_snapshot(b.write(), use_cache=False)
    t = trace(topo, "vm1", "vm2", port=443)
    if blocked_at is None:
        assert t.verdict is Verdict.DELIVERED
        checks = [(h.resource.name, h.check) for h in t.forward.hops if h.check is Check.INGRESS_FILTER]
        assert checks == [("subnet1", Check.INGRESS_FILTER), ("vm2-nic", Check.INGRESS_FILTER)]
    else:
        assert t.verdict is Verdict.BLOCKED
        assert block(t).resource.name == blocked_at and block(t).rule.label == "https"


def test_outbound_nic_first_then_subnet(b):
    """HOW: outbound, the NIC NSG first, then the subnet NSG; with --all-blockers both are listed, in that order."""
    b.subnet("subnet1", "vnet1", "10.0.1.0/24", nsg="nsg-subnet")
    b.subnet("subnet2", "vnet1", "10.0.2.0/24")
    b.nsg("nsg-subnet", [rule("no-out-8080", 100, "Outbound", "Deny", "Tcp", ports="8080")])
    b.nsg("nsg-nic", [rule("nic-no-8080", 200, "Outbound", "Deny", "Tcp", ports="8080")])
    b.vm("vm1", "subnet1", "10.0.1.4", nsg="nsg-nic")
    b.vm("vm2", "subnet2", "10.0.2.4")
    topo = load_snapshot(b.write(), use_cache=False)
    t = trace(topo, "vm1", "vm2", port=8080, all_blockers=True)
    assert t.verdict is Verdict.BLOCKED
    assert [(h.resource.name, h.rule.label) for h in t.blockers] == [("vm1-nic", "nic-no-8080"),
                                                                    ("subnet1", "no-out-8080")]
    assert all(h.check is Check.EGRESS_FILTER for h in t.blockers)


def test_default_rules(b):
    """NSG, default rules: DenyAllInBound (65500) blocks the internet; AllowVnetInBound (65000) admits the VNet;
    AllowInternetOutBound (65001) lets VMs out; the reply of an allowed flow is admitted (stateful)."""
    b.subnet("subnet1", "vnet1", "10.0.1.0/24", nsg="nsg-empty")
    b.nsg("nsg-empty")
    b.vm("vm1", "subnet1", "10.0.1.4", public_ip="pip1")
    b.vm("vm2", "subnet1", "10.0.1.5")
    b.public_ip("pip1", "20.10.0.1")
    topo = load_snapshot(b.write(), use_cache=False)
    inbound = trace(topo, "198.51.100.7", "vm1", port=22)
    assert inbound.verdict is Verdict.BLOCKED
    assert block(inbound).rule.label == "DenyAllInBound"
    assert "priority 65500" in block(inbound).rule.summary
    vnet = trace(topo, "vm2", "vm1", port=22)
    assert vnet.verdict is Verdict.DELIVERED
    # both VMs in subnet1: its NSG filters the traffic leaving and entering (the NICs have no NSG)
    assert [h.rule.label for h in vnet.forward.hops if h.rule] == ["AllowVnetOutBound", "AllowVnetInBound"]
    out = trace(topo, "vm1", "8.8.8.8", port=443)
    assert out.verdict is Verdict.EXITED
    assert out.reply is not None and out.reply.verdict is Verdict.DELIVERED
    assert any("tracked" in h.reason for h in out.reply.hops)


def test_default_rules_synthesised_when_absent(b):
    """NSG: "Azure creates the following default rules in each network security group" - a body without
    defaultSecurityRules still has them, with their documented priorities."""
    b.subnet("subnet1", "vnet1", "10.0.1.0/24", nsg="nsg-bare")
    b.nsg("nsg-bare", defaults=False)
    b.vm("vm1", "subnet1", "10.0.1.4", public_ip="pip1")
    b.public_ip("pip1", "20.10.0.1")
    topo = load_snapshot(b.write(), use_cache=False)
    rs = next(r for k, r in topo.estate.rule_sets.items() if k.endswith("/nsg-bare"))
    got = {(r.label, r.direction, r.priority) for r in rs.rules}
    assert got == {("AllowVnetInBound", Direction.INGRESS, 65000), ("AllowAzureLoadBalancerInBound", Direction.INGRESS, 65001),
                   ("DenyAllInBound", Direction.INGRESS, 65500), ("AllowVnetOutBound", Direction.EGRESS, 65000),
                   ("AllowInternetOutBound", Direction.EGRESS, 65001), ("DenyAllOutBound", Direction.EGRESS, 65500)}
    assert block(trace(topo, "198.51.100.7", "vm1", port=22)).rule.label == "DenyAllInBound"


def test_first_match_by_priority_not_order(b):
    """NSG: "Rules are processed in priority order, with lower numbers processed before higher numbers"."""
    b.subnet("subnet1", "vnet1", "10.0.1.0/24", nsg="nsg1")
    b.nsg("nsg1", [rule("allow-late", 300, "Inbound", "Allow", "Tcp", ports="22"),
                   rule("deny-early", 200, "Inbound", "Deny", "Tcp", src="10.0.0.0/8", ports="22")])
    b.vm("vm1", "subnet1", "10.0.1.4")
    b.subnet("subnet2", "vnet1", "10.0.2.0/24")
    b.vm("vm2", "subnet2", "10.0.2.4")
    topo = load_snapshot(b.write(), use_cache=False)
    assert block(trace(topo, "vm2", "vm1", port=22)).rule.label == "deny-early"


def test_asg_rules(b):
    """ASG, the documented example: Allow-Database-BusinessLogic (110) admits AsgLogic to AsgDb on 1433;
    Deny-Database-All (120) denies everything else to AsgDb, even from the same VNet."""
    b.subnet("subnet1", "vnet1", "10.0.1.0/24", nsg="nsg1")
    for a in ("AsgWeb", "AsgLogic", "AsgDb", "AsgEmpty"):
        b.asg(a)
    b.nsg("nsg1", [
        rule("Allow-HTTP-All", 100, "Inbound", "Allow", "Tcp", src="Internet", ports="80", dst_asgs=["AsgWeb"]),
        rule("Allow-Database-BusinessLogic", 110, "Inbound", "Allow", "Tcp", ports="1433", src_asgs=["AsgLogic"],
             dst_asgs=["AsgDb"]),
        rule("Deny-Database-All", 120, "Inbound", "Deny", "*", ports="1433", dst_asgs=["AsgDb"]),
    ])
    b.vm("web1", "subnet1", "10.0.1.4", asgs=["AsgWeb"])
    b.vm("logic1", "subnet1", "10.0.1.5", asgs=["AsgLogic"])
    b.vm("db1", "subnet1", "10.0.1.6", asgs=["AsgDb"])
    topo = load_snapshot(b.write(), use_cache=False)
    ok = trace(topo, "logic1", "db1", port=1433)
    assert ok.verdict is Verdict.DELIVERED
    assert [h.rule.label for h in ok.forward.hops if h.check is Check.INGRESS_FILTER] == ["Allow-Database-BusinessLogic"]
    no = trace(topo, "web1", "db1", port=1433)
    assert no.verdict is Verdict.BLOCKED and block(no).rule.label == "Deny-Database-All"
    asg_keys = [k for k in topo.estate.group_members if k.startswith("azure:asg:")]
    assert len(asg_keys) == 4
    assert topo.estate.group_members[next(k for k in asg_keys if k.endswith("/asgempty"))] == set()


def test_port_lists_and_ranges(b):
    """NSG, augmented rules: a rule may list ports and port ranges ("80, 1000-2000")."""
    b.subnet("subnet1", "vnet1", "10.0.1.0/24", nsg="nsg1")
    b.nsg("nsg1", [rule("deny-some", 100, "Inbound", "Deny", "Tcp", ports=["22", "8000-8100"])])
    b.vm("vm1", "subnet1", "10.0.1.4")
    b.subnet("subnet2", "vnet1", "10.0.2.0/24")
    b.vm("vm2", "subnet2", "10.0.2.4")
    topo = load_snapshot(b.write(), use_cache=False)
    for port, verdict in ((22, Verdict.BLOCKED), (8000, Verdict.BLOCKED), (8100, Verdict.BLOCKED),
                          (8101, Verdict.DELIVERED), (23, Verdict.DELIVERED)):
        assert trace(topo, "vm2", "vm1", port=port).verdict is verdict, port
    assert trace(topo, "vm2", "vm1", "udp", 22).verdict is Verdict.DELIVERED  # Tcp only


def test_address_lists_and_any_protocol_with_port(b):
    """NSG, augmented rules: several source prefixes in one rule; protocol Any with a port matches TCP and UDP."""
    b.subnet("subnet1", "vnet1", "10.0.1.0/24", nsg="nsg1")
    b.nsg("nsg1", [rule("deny-two", 100, "Inbound", "Deny", "*", src=["10.0.2.4", "10.0.3.0/24"], ports="53")])
    b.vm("vm1", "subnet1", "10.0.1.4")
    b.subnet("subnet2", "vnet1", "10.0.2.0/24")
    b.vm("vm2", "subnet2", "10.0.2.4", "10.0.2.5")
    topo = load_snapshot(b.write(), use_cache=False)
    assert trace(topo, "vm2", "vm1", "udp", 53).verdict is Verdict.BLOCKED
    assert trace(topo, "vm2", "vm1", "tcp", 53).verdict is Verdict.BLOCKED
    assert trace(topo, "10.0.2.5", "vm1", "udp", 53).verdict is Verdict.DELIVERED


def test_intra_subnet_traffic_is_filtered_by_the_subnet_nsg(b):
    """HOW: "if you add a rule to NSG1 that denies all inbound and outbound traffic, VM1 and VM2 can no longer
    communicate with each other" - both VMs in Subnet1."""
    b.subnet("subnet1", "vnet1", "10.0.1.0/24", nsg="nsg1")
    b.nsg("nsg1", [rule("deny-all-in", 100, "Inbound", "Deny"), rule("deny-all-out", 100, "Outbound", "Deny")])
    b.vm("vm1", "subnet1", "10.0.1.4")
    b.vm("vm2", "subnet1", "10.0.1.5")
    topo = load_snapshot(b.write(), use_cache=False)
    t = trace(topo, "vm1", "vm2", port=22)
    assert t.verdict is Verdict.BLOCKED
    assert block(t).resource.name == "subnet1" and block(t).rule.label == "deny-all-out"


def test_unknown_service_tag_makes_the_trace_unknown(b):
    """TAGS: a tag's addresses are published by Microsoft, not in the snapshot: a rule that needs it cannot
    be decided, and the trace names the tag."""
    b.subnet("subnet1", "vnet1", "10.0.1.0/24", nsg="nsg1")
    b.nsg("nsg1", [rule("allow-storage", 100, "Outbound", "Allow", "Tcp", dst="Storage.WestEurope", ports="443")])
    b.vm("vm1", "subnet1", "10.0.1.4", public_ip="pip1")
    b.public_ip("pip1", "20.10.0.1")
    topo = load_snapshot(b.write(), use_cache=False)
    t = trace(topo, "vm1", "20.60.0.10", port=443)
    assert t.verdict is Verdict.UNKNOWN
    assert "Storage.WestEurope" in t.forward.reason


def test_virtual_network_tag_holds_peers_and_gateway_prefixes(tmp_path):
    """TAGS: VirtualNetwork = "the virtual network address space ..., all connected on-premises address spaces,
    peered virtual networks, ... the virtual IP address of the host, and address prefixes used on user-defined
    routes"; Internet and AzureLoadBalancer as documented."""
    b = AzureScenario(tmp_path)
    b.vnet("hub", "10.0.0.0/16")
    b.vnet("spoke", "10.1.0.0/16")
    b.vnet("lonely", "10.9.0.0/16")
    b.subnet("GatewaySubnet", "hub", "10.0.255.0/27")
    b.subnet("spoke-app", "spoke", "10.1.1.0/24", route_table="rt")
    b.route_table("rt", [("172.20.0.0/16", "None")])
    b.peering("hub", "spoke", a_opts={"allowGatewayTransit": True}, b_opts={"useRemoteGateways": True})
    b.public_ip("pip-vng", "20.40.0.1")
    b.vng("vng", "hub", "pip-vng")
    b.lng("onprem", "203.0.113.1", ["192.168.0.0/16"])
    b.connection("cn", "vng", "onprem")
    topo = load_snapshot(b.write(), use_cache=False)
    groups = topo.estate.address_groups
    spoke = next(g for k, g in groups.items() if k.startswith("azure:tag:VirtualNetwork@") and k.endswith("/spoke"))
    assert set(spoke.cidrs) == {ip_network(c) for c in ("10.1.0.0/16", "10.0.0.0/16", "192.168.0.0/16",
                                                        "172.20.0.0/16", "168.63.129.16/32")}
    lonely = next(g for k, g in groups.items() if k.startswith("azure:tag:VirtualNetwork@") and k.endswith("/lonely"))
    assert set(lonely.cidrs) == {ip_network("10.9.0.0/16"), ip_network("168.63.129.16/32")}
    internet = groups["azure:tag:Internet"].cidrs
    for inside in ("8.8.8.8", "20.40.0.1", "172.32.0.1"):
        assert any(ip_network(inside).subnet_of(c) for c in internet if c.version == 4), inside
    for outside in ("10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "168.63.129.16"):
        assert not any(ip_network(outside).subnet_of(c) for c in internet if c.version == 4), outside
    assert groups["azure:tag:AzureLoadBalancer"].cidrs == (ip_network("168.63.129.16/32"),)
