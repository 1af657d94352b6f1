"""OCI transit routing through a hub VCN: the hub LPG's route table, the DRG attachment's route table, a firewall.

Doc (TR): https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/transitrouting.htm ("Transit Routing inside a hub
VCN"), with its example addresses: hub VCN-H 10.0.0.0/16, spoke VCN-1 192.168.0.0/16, on-premises 172.16.0.0/12.
LPG route tables: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/lpg-add-route-table.htm (LPGRT).

  hub 10.0.0.0/16: h-sub 10.0.0.0/24 (hvm 10.0.0.3; h-rt: 172.16/12 -> DRG, each spoke -> its hub LPG);
       fw-sub 10.0.8.0/24 (fw 10.0.8.3, skips the src/dst check; fw-rt: 10.50/16 -> DRG, 10.3/16 -> lpg-h-3);
       DRG attachment att-hub with VCN route table att-rt
       (192.168/16 -> lpg-h-1, 10.3/16 -> fw's private IP)
  s1 192.168.0.0/16 (10.0/16, 10.50/16, 172.16/12 -> lpg-1): s1vm 192.168.0.5; lpg-h-1 <-> lpg-1, lpg-h-1 table
       h1-rt: 172.16.0.0/16 -> DRG, 10.50/16 -> DRG (172.16/16 only: narrower than the spoke's 172.16/12)
  s2 10.2.0.0/16 (0/0 -> lpg-2): s2vm 10.2.0.5; lpg-h-2 <-> lpg-2, lpg-h-2 has NO route table
  s3 10.3.0.0/16 (0/0 -> lpg-3): s3vm 10.3.0.5; lpg-h-3 <-> lpg-3, lpg-h-3 table h3-rt: 0.0.0.0/0 -> fw's private IP
  other 10.50.0.0/16 (0/0 -> DRG): ovm 10.50.1.10, attachment att-other
  DRG rt-hub: 10.50/16 -> att-other, 172.16/12 -> att-vpn (IPSec, tunnels UP, CPE 203.0.113.9 = on-premises);
      rt-other: 10.0/16, 192.168/16, 10.3/16 -> att-hub
"""

from __future__ import annotations

import pytest
from conftest import names, trace
from oci_builder import OciScenario, egress, ingress

from flightpath import load_snapshot
from flightpath.model.outcome import Check, Decision, Verdict


@pytest.fixture(scope="module")
def topo(tmp_path_factory):
    b = OciScenario(tmp_path_factory.mktemp("oci-transit"))
    drg = b.id("drg", "drg")
    lpg = lambda name: b.id("localpeeringgateway", name)  # noqa: E731
    for vcn, cidr in (("hub", "10.0.0.0/16"), ("s1", "192.168.0.0/16"), ("s2", "10.2.0.0/16"), ("s3", "10.3.0.0/16"),
                      ("other", "10.50.0.0/16")):
        b.vcn(vcn, cidr)
        b.security_list(f"{vcn}-sl", vcn, ingress=[ingress("0.0.0.0/0")], egress=[egress("0.0.0.0/0")])
    # hub
    b.route_table("h-rt", "hub", [("172.16.0.0/12", drg), ("192.168.0.0/16", lpg("lpg-h-1")),
                                  ("10.2.0.0/16", lpg("lpg-h-2")), ("10.3.0.0/16", lpg("lpg-h-3"))])
    b.route_table("fw-rt", "hub", [("10.50.0.0/16", drg), ("10.3.0.0/16", lpg("lpg-h-3"))])
    b.subnet("h-sub", "hub", "10.0.0.0/24", "h-rt", ["hub-sl"])
    b.subnet("fw-sub", "hub", "10.0.8.0/24", "fw-rt", ["hub-sl"])
    b.instance("hvm", "h-sub", "10.0.0.3")
    b.instance("fw", "fw-sub", "10.0.8.3", skip_check=True)
    b.private_ip("fw-ip", "fw", "10.0.8.3")
    b.route_table("att-rt", "hub", [("192.168.0.0/16", lpg("lpg-h-1")), ("10.3.0.0/16", b.id("privateip", "fw-ip"))])
    b.route_table("h1-rt", "hub", [("172.16.0.0/16", drg), ("10.50.0.0/16", drg)])
    b.route_table("h3-rt", "hub", [("0.0.0.0/0", b.id("privateip", "fw-ip"))])
    b.lpg("lpg-h-1", "hub", "lpg-1", route_table="h1-rt")
    b.lpg("lpg-h-2", "hub", "lpg-2")
    b.lpg("lpg-h-3", "hub", "lpg-3", route_table="h3-rt")
    # spokes
    b.route_table("s1-rt", "s1", [("10.0.0.0/16", lpg("lpg-1")), ("10.50.0.0/16", lpg("lpg-1")),
                                  ("172.16.0.0/12", lpg("lpg-1"))])
    for s, octet in (("s2", 2), ("s3", 3)):
        b.route_table(f"{s}-rt", s, [("0.0.0.0/0", lpg(f"lpg-{octet}"))])
    for s, peer, cidr, ip in (("s1", "lpg-h-1", "192.168.0.0/24", "192.168.0.5"),
                              ("s2", "lpg-h-2", "10.2.0.0/24", "10.2.0.5"), ("s3", "lpg-h-3", "10.3.0.0/24", "10.3.0.5")):
        b.lpg(f"lpg-{s[1]}", s, peer)
        b.subnet(f"{s}-sub", s, cidr, f"{s}-rt", [f"{s}-sl"])
        b.instance(f"{s}vm", f"{s}-sub", ip)
    # another VCN and on-premises behind the DRG
    b.route_table("o-rt", "other", [("0.0.0.0/0", drg)])
    b.subnet("o-sub", "other", "10.50.1.0/24", "o-rt", ["other-sl"])
    b.instance("ovm", "o-sub", "10.50.1.10")
    b.drg("drg")
    b.drg_vcn_attachment("att-hub", "drg", "hub", drg_table="rt-hub", vcn_route_table="att-rt")
    b.drg_vcn_attachment("att-other", "drg", "other", drg_table="rt-other")
    b.cpe("cpe-onprem", "203.0.113.9")
    b.ipsec("vpn", "drg", "cpe-onprem", [("t1", "129.146.30.1", "UP"), ("t2", "129.146.30.2", "UP")], ["172.16.0.0/12"])
    b.drg_ipsec_attachment("att-vpn", "drg", "vpn", "t1", drg_table="rt-other")
    b.drg_route_table("rt-hub", "drg", [b.drg_rule("10.50.0.0/16", "att-other", "DYNAMIC", "VCN"),
                                        b.drg_rule("172.16.0.0/12", "att-vpn", "DYNAMIC", "IPSEC_TUNNEL")])
    b.drg_route_table("rt-other", "drg", [b.drg_rule(c, "att-hub", "DYNAMIC", "VCN")
                                          for c in ("10.0.0.0/16", "192.168.0.0/16", "10.3.0.0/16")])
    return load_snapshot(b.write(), use_cache=False)


def test_spoke_to_on_premises_through_the_hub_lpg_route_table_and_the_drg(topo):
    # TR, "Traffic from the spoke VCN to the on-premises network": Subnet-1's rule sends 172.16.0.3 to LPG-1, the
    # peering delivers it to LPG-H-1, "LPG-H-1's associated route table has a rule for 172.16.0.0/12 ... The rule's
    # target is the DRG", and the DRG sends it over the IPSec VPN (its CPE is not in the snapshot: exits there)
    t = trace(topo, "s1vm", "172.16.0.3", port=443)
    assert t.forward.verdict is Verdict.EXITED and "on-premises" in t.forward.reason
    fwd = names(t.forward)
    assert fwd.index("lpg-1") < fwd.index("h1-rt") < fwd.index("att-hub") < fwd.index("rt-hub")
    lookup = next(h for h in t.forward.hops if h.resource.name == "h1-rt")
    assert lookup.check is Check.ROUTE_LOOKUP and lookup.route.destination == "172.16.0.0/16"


def test_spoke_to_another_vcn_behind_the_drg_and_the_reply_through_the_attachment_table(topo):
    # TR: the hub LPG's table sends the spoke's traffic to the DRG; the DRG routes it by the table of the
    # attachment-of-entry (https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm). The reply
    # enters the hub through the DRG attachment, whose VCN route table sends 192.168/16 to LPG-H-1 (TR, "Traffic from
    # the on-premises network to the spoke VCN": "The DRG attachment's associated route table has a rule for
    # 192.168.0.0/16 ... The rule's target is LPG-H-1"), and "Traffic coming in to a VCN through the LPG is
    # automatically routed to the destination within the VCN because of VCN local routing"
    t = trace(topo, "s1vm", "ovm", port=22)
    assert t.verdict is Verdict.DELIVERED and t.forward.hops[-1].resource.name == "ovm-vnic"
    assert t.reply.verdict is Verdict.DELIVERED and t.reply.hops[-1].resource.name == "s1vm-vnic"
    back = names(t.reply)
    assert back.index("rt-other") < back.index("att-rt") < back.index("lpg-h-1") < back.index("s1vm-vnic")


def test_the_hub_lpg_route_table_narrower_than_the_spoke_route_drops(topo):
    # TR: "If LPG-H-1's route rule is more restrictive than Subnet-1's route rule, some traffic leaving the subnet
    # could be dropped and not reach the DRG": s1 sends 172.16.0.0/12 to LPG-1, h1-rt has only 172.16.0.0/16
    # (and "If no route rule matches ... the traffic is dropped", managingroutetables.htm)
    t = trace(topo, "s1vm", "172.20.0.1", port=443)
    assert t.verdict is Verdict.NO_ROUTE and t.forward.hops[-1].resource.name == "h1-rt"


def test_hub_addresses_are_reached_by_vcn_local_routing_without_a_rule_in_the_lpg_table(topo):
    # TR, "Inbound traffic to the hub VCN": "inbound traffic to subnets within the hub VCN is always allowed. You don't
    # need to set up explicit rules for this inbound traffic in the DRG attachment's route table or hub LPG's route
    # table" (h1-rt has no rule for 10.0.0.0/16)
    t = trace(topo, "s1vm", "hvm", port=22)
    assert t.verdict is Verdict.DELIVERED and t.reply.verdict is Verdict.DELIVERED
    assert "fw-vnic" not in names(t.forward)


def test_a_spoke_lpg_without_a_hub_route_table_is_not_transitive(topo):
    # TR: without a route table on the hub's LPG, traffic arriving through it is routed by VCN local routing only
    # ("Traffic coming in to a VCN through the LPG is automatically routed to the destination within the VCN");
    # localVCNpeering.htm: the peering is not transitive. s2 -> on-premises / another VCN: no route at lpg-h-2
    for dst in ("172.16.0.3", "ovm"):
        t = trace(topo, "s2vm", dst, port=443)
        assert t.verdict is Verdict.NO_ROUTE, dst
        last = t.forward.hops[-1]
        assert last.resource.name == "lpg-h-2" and "no route table on" in last.reason and last.code == "NO_ROUTE"
    # ... while the hub itself is reachable over that peering
    assert trace(topo, "s2vm", "hvm", port=22).verdict is Verdict.DELIVERED


def test_the_hub_lpg_route_table_sends_spoke_traffic_through_a_firewall(topo):
    # TR, "For transit routing through a private IP": "LPG-H-1's associated route table ... The rule's target is the
    # private IP 10.0.8.3. The instance receives and processes the traffic and sends any resulting traffic out"
    # (its subnet's table then sends it to the DRG); the reply from the DRG attachment goes to the same private IP
    # ("Callout 4: Route table associated with DRG attachment"), then the firewall subnet's rule to the hub LPG
    t = trace(topo, "s3vm", "ovm", port=22)
    assert t.verdict is Verdict.DELIVERED
    fwd = names(t.forward)
    assert fwd.index("h3-rt") < fwd.index("fw-vnic") < fwd.index("fw-rt") < fwd.index("att-hub") < fwd.index("ovm-vnic")
    assert any(h.resource.name == "fw-vnic" and h.check is Check.FORWARD and h.decision is Decision.FORWARD
               for h in t.forward.hops)
    assert t.reply.verdict is Verdict.DELIVERED
    back = names(t.reply)
    assert back.index("att-rt") < back.index("fw-vnic") < back.index("lpg-h-3") < back.index("s3vm-vnic")


def test_vcn_local_routing_wins_over_the_lpg_table_default_route(topo):
    # TR, "Hub VCN traffic when transit routing through a private IP": with 0.0.0.0/0 -> private IP in the LPG's table
    # "only traffic coming from VCN-1 and destined for addresses outside the hub VCN's CIDR block would be routed
    # through the private IP ... The VCN local routing takes precedence over the LPG-H-1 route table"
    t = trace(topo, "s3vm", "hvm", port=22)
    assert t.verdict is Verdict.DELIVERED and "fw-vnic" not in names(t.forward)


def test_lpg_route_table_fields(topo):
    # LPGRT: "Run the UpdateLocalPeeringGateway operation to set the routeTableId to associate a route table to an LPG"
    gws = {g.ref.name: g for g in topo.estate.gateways.values()}
    assert gws["lpg-h-1"].edge_route_table_id.endswith("h1-rt") and not gws["lpg-h-2"].edge_route_table_id
    assert gws["lpg-1"].peer_gateway_id == gws["lpg-h-1"].ref.id


def test_drg_to_lpg_to_another_drg_is_not_supported(tmp_path):
    # TR, "The following traffic flow isn't supported": "Traffic goes through DRG-1 out an attachment to VCN-1. Traffic
    # matches a rule in the attachment's ingress route table to LPG-1, which is peered to LPG-2 in VCN-2. Traffic
    # matches a rule in LPG-2's ingress route table to DRG-2 (attached to VCN-2)"; "The supported way to move traffic
    # as shown between two DRGs in the same region is through a remote peering connection"
    b = OciScenario(tmp_path)
    for vcn, octet in (("src", 4), ("v1", 5), ("v2", 6), ("v3", 7)):
        b.vcn(vcn, f"10.{octet}.0.0/16")
        b.security_list(f"{vcn}-sl", vcn, ingress=[ingress("0.0.0.0/0")], egress=[egress("0.0.0.0/0")])
    b.drg("drg-1")
    b.drg("drg-2")
    b.route_table("src-rt", "src", [("0.0.0.0/0", b.id("drg", "drg-1"))])
    b.subnet("src-sub", "src", "10.4.1.0/24", "src-rt", ["src-sl"])
    b.instance("srcvm", "src-sub", "10.4.1.10")
    b.route_table("att1-rt", "v1", [("10.7.0.0/16", b.id("localpeeringgateway", "lpg-1"))])
    b.route_table("l2-rt", "v2", [("10.7.0.0/16", b.id("drg", "drg-2"))])
    b.lpg("lpg-1", "v1", "lpg-2")
    b.lpg("lpg-2", "v2", "lpg-1", route_table="l2-rt")
    b.route_table("v3-rt", "v3", [("0.0.0.0/0", b.id("drg", "drg-2"))])
    b.subnet("v3-sub", "v3", "10.7.1.0/24", "v3-rt", ["v3-sl"])
    b.instance("v3vm", "v3-sub", "10.7.1.10")
    b.drg_vcn_attachment("att-src", "drg-1", "src", drg_table="rt-1")
    b.drg_vcn_attachment("att-v1", "drg-1", "v1", drg_table="rt-1", vcn_route_table="att1-rt")
    b.drg_vcn_attachment("att-v2", "drg-2", "v2", drg_table="rt-2")
    b.drg_vcn_attachment("att-v3", "drg-2", "v3", drg_table="rt-2")
    b.drg_route_table("rt-1", "drg-1", [b.drg_rule("10.7.0.0/16", "att-v1")])
    b.drg_route_table("rt-2", "drg-2", [b.drg_rule("10.7.0.0/16", "att-v3")])
    t = trace(load_snapshot(b.write(), use_cache=False), "srcvm", "v3vm", port=22)
    assert t.verdict is Verdict.NO_ROUTE and "not supported" in t.forward.reason
    assert t.forward.hops[-1].resource.name == "l2-rt" and "att1-rt" in names(t.forward)
