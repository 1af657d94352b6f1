"""The multi-cloud lab's OCI VCN (fixtures/kickstart/oci) and its IPSec link to Azure (vng-oci, cn-oci).

Expected outcomes are the table in fixtures/kickstart/README.md ("The OCI half"), argued from Oracle's docs:
security rules (https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm), DRG route tables
(https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm), internet and NAT gateways
(…/Tasks/managingIGs.htm, …/Tasks/NATgateway.htm), and Azure's (vpn-gateway-about-vpngateways; the NSG default
rules AllowVnetInBound / AllowVnetOutBound, whose VirtualNetwork tag includes the local network gateway's prefixes).
"""

from __future__ import annotations

import json
from ipaddress import ip_address

import pytest
from conftest import KICKSTART, filters, names, trace

from flightpath import load_snapshot
from flightpath.model.outcome import Check, Verdict


@pytest.fixture(scope="module")
def topo():
    return load_snapshot(KICKSTART, use_cache=False)


def test_the_oci_half_loads_and_the_ipsec_ends_point_at_each_other(topo):
    e = topo.estate
    oci = [i for i in e.interfaces.values() if i.ref.cloud == "oci"]
    assert sorted(i.instance.name for i in oci) == ["oci-app", "oci-web"]
    # the one warning: the Azure–OCI Interconnect's GatewaySubnet routes are derived from links.json (README)
    assert [w for w in e.warnings if "derived from what" not in w] == [] and len(e.warnings) == 1
    link = next(v for v in e.vpn_links.values() if v.ref.name == "ipsec-azure")
    assert link.local_ips == (ip_address("129.213.10.1"), ip_address("129.213.10.2")) and link.up
    assert link.remote_ip == ip_address("20.50.20.1")  # the CPE is vng-oci's public IP
    azure = next(v for v in e.vpn_links.values() if v.ref.name == "cn-oci")
    assert azure.remote_ip == ip_address("129.213.10.1") and azure.local_ips == (ip_address("20.50.20.1"),)


def test_o1_oci_to_azure_is_delivered_with_hops_in_both_clouds(topo):
    # rt-app 10.110.0.0/16 -> DRG; the VCN attachment's DRG table sends it to tunnel 1 (UP); Azure routes traffic
    # from the tunnel by the GatewaySubnet's routes; vm-oci-edge has no NSG. The reply is tracked by sl-app/nsg-app
    # (stateful rules: "responses ... are automatically allowed", securityrules.htm).
    t = trace(topo, "oci-app", "vm-oci-edge", port=443)
    assert t.verdict is Verdict.DELIVERED
    clouds = [h.resource.cloud for h in t.forward.hops]
    assert clouds[0] == "oci" and clouds[-1] == "azure"
    fwd = names(t.forward)
    assert fwd.index("rt-app") < fwd.index("ipsec-azure") < fwd.index("routes of subnet GatewaySubnet")
    assert t.forward.hops[-1].resource.name == "vm-oci-edge-nic"
    assert t.reply.verdict is Verdict.DELIVERED
    back = names(t.reply)
    assert back.index("cn-oci") < back.index("drg-att-vcn-lab") and back[-1] == "oci-app-vnic"
    assert "tracked" in filters(t.reply, Check.INGRESS_FILTER)[-1].reason


def test_o2_azure_to_oci_https_is_allowed_by_the_nsg(topo):
    # the union of sl-app (tcp 22 from the VCN only) and nsg-app (tcp 443 from 10.110.0.0/16) admits 443
    t = trace(topo, "vm-oci-edge", "oci-app", port=443)
    assert t.verdict is Verdict.DELIVERED
    assert filters(t.forward, Check.INGRESS_FILTER)[-1].rule.label == "nsg-app rule A1B2C3"


def test_o3_azure_to_oci_ssh_is_blocked_naming_the_list_and_the_group(topo):
    t = trace(topo, "vm-oci-edge", "oci-app", port=22)
    assert t.verdict is Verdict.BLOCKED
    b = t.first_block
    assert b.resource.name == "oci-app-vnic" and b.code == "DENIED"
    assert "security list sl-app and NSG nsg-app" in b.reason


def test_o4_stateless_rule_admits_the_request_but_not_the_reply(topo):
    # sl-web: a STATELESS ingress rule allows tcp 80 from Azure; its only egress rule (stateless) allows
    # tcp to port 443, so the reply from port 80 has no rule: blocked on the return path, naming sl-web
    t = trace(topo, "vm-oci-edge", "oci-web", port=80)
    assert t.forward.verdict is Verdict.DELIVERED
    assert filters(t.forward, Check.INGRESS_FILTER)[-1].rule.label == "sl-web ingress 1"
    assert t.verdict is Verdict.BLOCKED and t.reply.verdict is Verdict.BLOCKED
    b = t.first_block
    assert b in t.reply.hops and b.check is Check.EGRESS_FILTER and b.resource.name == "oci-web-vnic"
    assert "security list sl-web" in b.reason


def test_o5_public_web_server_reaches_the_internet_with_stateless_rules_both_ways(topo):
    # egress stateless tcp 443 out; ingress stateless "source port 443" for the replies; IGW translates to the
    # VNIC's public IP 129.213.20.10
    t = trace(topo, "oci-web", "8.8.8.8", port=443)
    assert t.verdict is Verdict.EXITED and t.reply.verdict is Verdict.DELIVERED
    nat = next(h for h in t.forward.hops if h.check is Check.NAT)
    assert nat.packet.src == ip_address("129.213.20.10") and nat.resource.name == "igw-lab"
    assert filters(t.reply, Check.INGRESS_FILTER)[-1].rule.label == "sl-web ingress 2"


def test_o6_private_app_reaches_the_internet_through_the_nat_gateway(topo):
    t = trace(topo, "oci-app", "8.8.8.8", port=443)
    assert t.verdict is Verdict.EXITED
    nat = next(h for h in t.forward.hops if h.check is Check.NAT)
    assert nat.resource.name == "nat-lab" and nat.packet.src == ip_address("129.213.30.5")
    assert t.reply.verdict is Verdict.DELIVERED


def test_o7_nothing_on_the_internet_connects_through_the_nat_gateway(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/NATgateway.htm
    # hosts "can initiate connections to the internet ... but not receive inbound connections"
    t = trace(topo, "internet", "129.213.30.5", port=443)
    assert t.verdict is Verdict.BLOCKED and t.forward.hops[-1].resource.name == "nat-lab"


def test_o8_tunnel_2_is_down_and_the_drg_uses_tunnel_1(topo):
    t = trace(topo, "oci-web", "vm-oci-edge", port=443)
    drg_hop = next(h for h in t.forward.hops if h.resource.name.startswith("Autogenerated Drg Route Table for VCN"))
    assert drg_hop.route.target.endswith("kslabtun1")


def test_fix_for_o3_is_the_security_list_update_with_the_existing_rules_kept(topo):
    from flightpath.collectors.oci.fixes import realise, wire

    from flightpath.questions.fixes import suggest

    fixes = suggest(topo, trace(topo, "vm-oci-edge", "oci-app", port=22))
    assert len(fixes) == 1 and fixes[0].rule_set.ref.name == "sl-app"
    cmd = fixes[0].command
    assert cmd.startswith("oci network security-list update --security-list-id ocid1.securitylist.oc1.iad.aaaaaaaakslabapp")
    body = json.loads(cmd.split("--ingress-security-rules '")[1].split("'")[0])
    assert [r["source"] for r in body] == ["10.220.0.0/16", "10.110.1.4/32"]  # the existing rule, then the fix
    nsg = topo.estate.rule_sets["ocid1.networksecuritygroup.oc1.iad.aaaaaaaakslabapp"]
    _rule, nsg_cmd = realise(nsg, fixes[0].rule)
    assert nsg_cmd.startswith("oci network nsg rules add --nsg-id ocid1.networksecuritygroup.oc1.iad.aaaaaaaakslabapp")
    assert wire(nsg.rules[0], nsg=True) == {"direction": "INGRESS", "isStateless": False, "protocol": "6",
                                            "source": "10.110.0.0/16", "sourceType": "CIDR_BLOCK",
                                            "tcpOptions": {"destinationPortRange": {"min": 443, "max": 443}}}


def test_o5_object_storage_leaves_through_the_service_gateway(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm: rt-app sends the label
    # all-iad-services-in-oracle-services-network to sgw-lab; fixtures/kickstart/oci/public_ip_ranges.json (Oracle's
    # published ranges, https://docs.oracle.com/en-us/iaas/Content/General/Concepts/addressranges.htm) puts
    # 134.70.24.0/21 in us-ashburn-1's OSN + OBJECT_STORAGE: it leaves through sgw-lab, not the NAT gateway
    t = trace(topo, "oci-app", "134.70.24.10", port=443)
    assert t.forward.verdict is Verdict.EXITED and t.forward.hops[-1].resource.name == "sgw-lab"
    assert "nat-lab" not in names(t.forward) and t.reply.verdict is Verdict.DELIVERED
    # ... while an internet address still takes 0.0.0.0/0 -> nat-lab
    assert "nat-lab" in names(trace(topo, "oci-app", "8.8.8.8", port=443).forward)
