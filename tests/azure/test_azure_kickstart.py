"""The multi-cloud kickstart lab (fixtures/kickstart): AWS ↔ Azure over a site-to-site VPN.

Expected outcomes are the README's table, derived from each cloud's documentation (AWS: see
fixtures/kickstart-aws/README.md; Azure: network-security-group-how-it-works, service-tags-overview,
virtual-networks-udr-overview, virtual-network-peering-overview, vpn-gateway-peering-gateway-transit).
"""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path

import pytest

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.model import GatewayKind
from flightpath.model.outcome import Check, Verdict

KICKSTART = Path(__file__).resolve().parents[2] / "fixtures" / "kickstart"


@pytest.fixture(scope="module")
def topo():
    return load_snapshot(KICKSTART, use_cache=False)


def trace(topo, src, dst, proto="tcp", port=None):
    return run_query(topo, Query(src, dst, proto, port)).trace


def names(path):
    return [h.resource.name for h in path.hops]


def test_the_snapshot_loads_both_clouds(topo):
    e = topo.estate
    clouds = {i.ref.cloud for i in e.interfaces.values()}
    # fixtures/kickstart/gcp joined the lab over HA VPN to the AWS transit gateway (issue 8): a third cloud;
    # fixtures/kickstart/oci joined it over IPSec to an Azure VPN gateway (issue 9): a fourth
    assert clouds == {"aws", "azure", "gcp", "oci"}
    assert not [w for w in e.warnings if "not a recognised" in w]
    vng = next(g for g in e.gateways.values() if g.ref.name == "vng-transit")
    assert vng.kind is GatewayKind.VPN
    link = e.vpn_links[vng.vpn_link_ids[0]]
    assert link.local_ips == (ip_address("20.50.10.1"),) and link.remote_ip == ip_address("52.0.0.1") and link.up


def test_a1_app_a_to_vm_spoke1_https_is_delivered_end_to_end(topo):
    t = trace(topo, "app-a", "vm-spoke1", port=443)
    assert t.verdict is Verdict.DELIVERED
    fwd = names(t.forward)
    # AWS TGW route → VPN attachment → the tunnel → Azure GatewaySubnet routes → peering → spoke1's NIC NSG
    tgw = next(h for h in t.forward.hops if h.resource.name == "spokes-rt")
    assert tgw.route.destination == "10.100.0.0/14" and tgw.route.target == "tgw-attach-07a8b9c0d1e2f0004"
    assert fwd.index("onprem-vpn") < fwd.index("routes of subnet GatewaySubnet") < fwd.index("peer-spoke1-to-transit")
    assert t.forward.hops[-1].resource.name == "vm-spoke1-nic"
    nsg = next(h for h in t.forward.hops if h.check is Check.INGRESS_FILTER and h.resource.cloud == "azure")
    assert nsg.rule.label == "allow-aws-ssh-https"
    # and back: spoke1's gateway route → the tunnel → transit-rt → spoke A → app-a
    assert t.reply.verdict is Verdict.DELIVERED
    back = names(t.reply)
    assert back.index("cn-aws") < back.index("transit-rt") and back[-1] == "app-a"


def test_a2_app_a_to_vm_spoke2_ssh_is_blocked_by_deny_aws_ssh(topo):
    t = trace(topo, "app-a", "vm-spoke2", port=22)
    assert t.verdict is Verdict.BLOCKED
    b = t.first_block
    assert b.rule.label == "deny-aws-ssh" and b.code == "NSG_DENY"
    assert b.resource.name == "snet-app" and "vnet-spoke2" in b.resource.id


def test_a3_spoke_to_spoke_is_no_route_peering_is_not_transitive(topo):
    t = trace(topo, "vm-spoke1", "vm-spoke2", port=22)
    assert t.verdict is Verdict.NO_ROUTE
    last = t.forward.hops[-1]
    assert last.route.destination == "10.0.0.0/8" and last.code == "NEXT_HOP_NONE"


def test_a4_virtual_network_tag_includes_the_aws_prefixes(topo):
    t = trace(topo, "app-a", "vm-spoke1", port=80)
    assert t.verdict is Verdict.DELIVERED
    assert [h.rule.label for h in t.forward.hops if h.check is Check.INGRESS_FILTER and h.resource.cloud == "azure"] \
        == ["AllowVnetInBound"]


def test_a5_azure_to_aws_blocked_by_the_security_group(topo):
    t = trace(topo, "vm-spoke1", "app-a", port=22)
    assert t.verdict is Verdict.BLOCKED
    assert t.first_block.resource.name == "app-a" and t.first_block.code == "ENI_SG_RULES_MISMATCH"


def test_a6_default_outbound_access_exits_with_a_deprecation_warning(topo):
    # https://learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access: a VM without a
    # public IP, NAT gateway or LB outbound rule still gets out (until retirement), on an address Azure picks
    t = trace(topo, "vm-spoke1", "8.8.8.8", port=443)
    assert t.verdict is Verdict.EXITED
    assert any("default outbound access" in w and "defaultOutboundAccess" in w for w in t.warnings)


@pytest.mark.parametrize("src, dst, port, verdict", [
    ("app-a", "db-b", 5432, Verdict.DELIVERED),
    ("app-a", "db-b", 22, Verdict.BLOCKED),
    ("app-a", "8.8.8.8", 443, Verdict.EXITED),
    ("198.51.100.7", "3.210.10.10", 22, Verdict.DELIVERED),
    ("203.0.113.50", "3.210.10.10", 22, Verdict.BLOCKED),
    ("app-a", "10.99.0.5", 443, Verdict.NO_ROUTE),
])
def test_the_aws_lab_outcomes_1_to_6_hold(topo, src, dst, port, verdict):
    assert trace(topo, src, dst, port=port).verdict is verdict


def test_7_on_premises_prefix_now_ends_in_azure(topo):
    t = trace(topo, "app-a", "172.16.5.5", port=443)
    assert t.verdict is Verdict.NO_ROUTE
    last = t.forward.hops[-1]
    assert last.resource.name == "routes of subnet GatewaySubnet" and last.code == "NEXT_HOP_NONE"
