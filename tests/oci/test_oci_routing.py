"""OCI routing: VCN route tables, gateways, LPG peering, DRG route tables, transit through a hub VCN, IPSec.

Docs: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm (RT),
…/Tasks/managingIGs.htm (IGW), …/Tasks/NATgateway.htm (NAT), …/Tasks/localVCNpeering.htm (LPG),
…/Tasks/managingDRGs.htm (DRG), …/Tasks/transitrouting.htm (TR), …/Tasks/managingIPsec.htm (IPSEC).

  hub 10.10.0.0/16: pub 10.10.1.0/24 (0/0 -> igw): pubvm (129.146.10.10), pubnoip; priv 10.10.2.0/24 (0/0 -> nat):
                    privvm; iso 10.10.3.0/24 (no rules): isovm; lpg-hub-a <-> lpg-a, lpg-hub-b <-> lpg-b
  a 10.20.0.0/16 (10.10/16 and 10.30/16 -> lpg-a): avm        b 10.30.0.0/16 (10.10/16 -> lpg-b): bvm
  drg: s1 10.40.0.0/16, s2 10.50.0.0/16, s3 10.60.0.0/16 (0/0 -> drg), tr 10.80.0.0/16 (attachment route table
       tr-in-rt: 10.80.2.0/24 -> fw1's private IP); rt-s1: 10.50/16 -> s2, 10.60/16 BLACKHOLE, 10.80/16 -> tr,
       192.168/16 -> ipsec tunnel (both tunnels DOWN); rt-s2: 10.40/16 -> s1 (nothing for s3); rt-tr: 10.40/16 -> s1
"""

from __future__ import annotations

from ipaddress import ip_address

import pytest
from conftest import names, trace
from oci_builder import OciScenario, egress, ingress

from flightpath import load_snapshot
from flightpath.model import GatewayKind
from flightpath.model.outcome import Check, Decision, Verdict


@pytest.fixture(scope="module")
def topo(tmp_path_factory):
    b = OciScenario(tmp_path_factory.mktemp("oci-routing"))
    open_rules = dict(ingress=[ingress("0.0.0.0/0")], egress=[egress("0.0.0.0/0")])
    drg = b.id("drg", "drg")
    for vcn, cidr in (("hub", "10.10.0.0/16"), ("a", "10.20.0.0/16"), ("b", "10.30.0.0/16"), ("s1", "10.40.0.0/16"),
                      ("s2", "10.50.0.0/16"), ("s3", "10.60.0.0/16"), ("tr", "10.80.0.0/16")):
        b.vcn(vcn, cidr)
        b.security_list(f"{vcn}-sl", vcn, **open_rules)
    b.route_table("pub-rt", "hub", [("0.0.0.0/0", b.id("internetgateway", "igw")),
                                    ("10.20.0.0/16", b.id("localpeeringgateway", "lpg-hub-a")),
                                    ("10.30.0.0/16", b.id("localpeeringgateway", "lpg-hub-b"))])
    b.route_table("priv-rt", "hub", [("0.0.0.0/0", b.id("natgateway", "nat"))])
    b.route_table("iso-rt", "hub", [])
    b.igw("igw", "hub")
    b.nat("nat", "hub", "129.146.20.20")
    b.subnet("pub", "hub", "10.10.1.0/24", "pub-rt", ["hub-sl"])
    b.subnet("priv", "hub", "10.10.2.0/24", "priv-rt", ["hub-sl"])
    b.subnet("iso", "hub", "10.10.3.0/24", "iso-rt", ["hub-sl"])
    b.instance("pubvm", "pub", "10.10.1.10", public_ip="129.146.10.10")
    b.instance("pubnoip", "pub", "10.10.1.11")
    b.instance("privvm", "priv", "10.10.2.10")
    b.instance("isovm", "iso", "10.10.3.10")
    b.instance("pubvnicrt", "pub", "10.10.1.12", public_ip="129.146.10.12", route_table="iso-rt")
    # local peering: a <-> hub <-> b
    b.lpg("lpg-hub-a", "hub", "lpg-a")
    b.lpg("lpg-a", "a", "lpg-hub-a")
    b.lpg("lpg-hub-b", "hub", "lpg-b")
    b.lpg("lpg-b", "b", "lpg-hub-b")
    b.route_table("a-rt", "a", [("10.10.0.0/16", b.id("localpeeringgateway", "lpg-a")),
                                ("10.30.0.0/16", b.id("localpeeringgateway", "lpg-a"))])
    b.route_table("b-rt", "b", [("10.10.0.0/16", b.id("localpeeringgateway", "lpg-b"))])
    b.subnet("a-sub", "a", "10.20.1.0/24", "a-rt", ["a-sl"])
    b.subnet("b-sub", "b", "10.30.1.0/24", "b-rt", ["b-sl"])
    b.instance("avm", "a-sub", "10.20.1.10")
    b.instance("bvm", "b-sub", "10.30.1.10")
    # DRG hub-and-spoke
    b.drg("drg")
    for s, octet in (("s1", 40), ("s2", 50), ("s3", 60)):
        b.route_table(f"{s}-rt", s, [("0.0.0.0/0", drg)])
        b.subnet(f"{s}-sub", s, f"10.{octet}.1.0/24", f"{s}-rt", [f"{s}-sl"])
        b.instance(f"{s}vm", f"{s}-sub", f"10.{octet}.1.10")
        b.drg_vcn_attachment(f"att-{s}", "drg", s, drg_table=f"rt-{s}")
    b.route_table("tr-rt", "tr", [("10.40.0.0/16", drg)])
    b.route_table("tr-in-rt", "tr", [("10.80.2.0/24", b.id("privateip", "fw1-ip"))])
    b.subnet("fw-sub", "tr", "10.80.1.0/24", "tr-rt", ["tr-sl"])
    b.subnet("app-sub", "tr", "10.80.2.0/24", "tr-rt", ["tr-sl"])
    b.instance("fw1", "fw-sub", "10.80.1.5", skip_check=True)
    b.private_ip("fw1-ip", "fw1", "10.80.1.5")
    b.instance("trapp", "app-sub", "10.80.2.10")
    b.drg_vcn_attachment("att-tr", "drg", "tr", drg_table="rt-tr", vcn_route_table="tr-in-rt")
    b.cpe("cpe-onprem", "203.0.113.9")
    b.ipsec("vpn-onprem", "drg", "cpe-onprem", [("t1", "129.146.30.1", "DOWN"), ("t2", "129.146.30.2", "DOWN")],
            ["192.168.0.0/16"])
    b.drg_ipsec_attachment("att-t1", "drg", "vpn-onprem", "t1", drg_table="rt-s1")
    b.drg_route_table("rt-s1", "drg", [b.drg_rule("10.50.0.0/16", "att-s2", "DYNAMIC", "VCN"),
                                       b.drg_rule("10.60.0.0/16", "att-s3", blackhole=True),
                                       b.drg_rule("10.80.0.0/16", "att-tr"),
                                       b.drg_rule("192.168.0.0/16", "att-t1", "DYNAMIC", "IPSEC_TUNNEL"),
                                       b.drg_rule("10.50.0.0/16", "att-s3", conflict=True)])
    b.drg_route_table("rt-s2", "drg", [b.drg_rule("10.40.0.0/16", "att-s1", "DYNAMIC", "VCN")])
    b.drg_route_table("rt-s3", "drg", [])
    b.drg_route_table("rt-tr", "drg", [b.drg_rule("10.40.0.0/16", "att-s1", "DYNAMIC", "VCN")])
    return load_snapshot(b.write(), use_cache=False)


def test_internet_gateway_egress_with_a_public_ip(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIGs.htm
    # a VNIC with a public IP reaches the internet through the internet gateway
    t = trace(topo, "pubvm", "8.8.8.8", port=443)
    assert t.verdict is Verdict.EXITED
    nat = next(h for h in t.forward.hops if h.check is Check.NAT)
    assert nat.packet.src == ip_address("129.146.10.10")


def test_internet_gateway_without_a_public_ip_is_dropped(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIGs.htm
    # "instances ... must have public IP addresses" to use an internet gateway
    t = trace(topo, "pubnoip", "8.8.8.8", port=443)
    assert t.verdict is Verdict.BLOCKED and "has no public IP" in t.forward.reason
    assert t.forward.hops[-1].code == "NO_ROUTE"


def test_nat_gateway_egress_and_its_reply(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/NATgateway.htm
    # hosts "can initiate connections to the internet and receive responses", source = the NAT's IP
    t = trace(topo, "privvm", "8.8.8.8", port=443)
    assert t.verdict is Verdict.EXITED
    nat = next(h for h in t.forward.hops if h.check is Check.NAT)
    assert nat.resource.name == "nat" and nat.packet.src == ip_address("129.146.20.20")
    assert t.reply.verdict is Verdict.DELIVERED and t.reply.hops[-1].resource.name == "privvm-vnic"
    # ... "but not receive inbound connections initiated from the internet"
    assert trace(topo, "internet", "129.146.20.20", port=443).verdict is not Verdict.DELIVERED


def test_no_matching_route_drops(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm
    # "If no route rule matches ... the traffic is dropped (blackholed)"
    t = trace(topo, "isovm", "8.8.8.8", port=443)
    assert t.verdict is Verdict.NO_ROUTE and t.forward.hops[-1].resource.name == "iso-rt"
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm
    # "VCN local routing automatically handles traffic between and within the VCN's subnets"
    assert trace(topo, "isovm", "pubnoip", port=22).verdict is Verdict.DELIVERED


def test_a_vnic_route_table_replaces_the_subnet_table(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm
    # "A subnet has a single route table ... unless a VNIC has a route table directly associated with itself"
    t = trace(topo, "pubvnicrt", "8.8.8.8", port=443)
    assert t.verdict is Verdict.NO_ROUTE and t.forward.hops[-1].resource.name == "iso-rt"


def test_local_peering_reaches_the_peer_but_is_not_transitive(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/localVCNpeering.htm
    # the peer VCN is reachable; "the peering relationship is not transitive": a -> hub -> b is not.
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/transitrouting.htm: "Traffic coming in to a VCN
    # through the LPG is automatically routed to the destination within the VCN because of VCN local routing";
    # lpg-hub-a has no route table, so 10.30.1.10 (not in the hub) has no route where it arrives
    assert trace(topo, "avm", "pubnoip", port=22).verdict is Verdict.DELIVERED
    t = trace(topo, "avm", "bvm", port=22)
    assert t.verdict is Verdict.NO_ROUTE and "not transitive" in t.forward.reason
    assert t.forward.hops[-1].resource.name == "lpg-hub-a" and t.forward.hops[-1].code == "NO_ROUTE"


def test_drg_routes_by_the_table_of_the_attachment_of_entry(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm
    # "The routing decision for a packet entering a DRG is determined by the rules in the DRG route table
    # assigned to the attachment-of-entry": s1 -> s2 uses rt-s1 (and the isConflict rule to s3 is not used) ...
    t = trace(topo, "s1vm", "s2vm", port=22)
    assert t.verdict is Verdict.DELIVERED
    assert "rt-s1" in names(t.forward) and "rt-s2" in names(t.reply)
    # ... while s2 enters on att-s2, whose table has no route to s3
    no = trace(topo, "s2vm", "s3vm", port=22)
    assert no.verdict is Verdict.NO_ROUTE and no.forward.hops[-1].resource.name == "rt-s2"


def test_blackhole_drg_rule_drops(topo):
    # DRG route rule isBlackhole / next hop BLACKHOLE: "traffic for this route is discarded without notification"
    t = trace(topo, "s1vm", "s3vm", port=22)
    assert t.verdict is Verdict.NO_ROUTE and "blackhole" in t.forward.reason
    assert t.forward.hops[-1].code == "NO_ROUTE"


def test_transit_routing_through_a_hub_vcn_uses_the_attachment_route_table(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/transitrouting.htm
    # the VCN route table on the DRG attachment routes traffic entering the hub VCN (here: via firewall fw1)
    t = trace(topo, "s1vm", "trapp", port=22)
    assert t.verdict is Verdict.DELIVERED
    fwd = names(t.forward)
    assert fwd.index("tr-in-rt") < fwd.index("fw1-vnic") < fwd.index("trapp-vnic")
    assert any(h.resource.name == "fw1-vnic" and h.decision is Decision.FORWARD and h.check is Check.FORWARD
               for h in t.forward.hops)


def test_ipsec_connection_with_every_tunnel_down_drops(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPsec.htm
    # tunnel status DOWN carries no traffic
    t = trace(topo, "s1vm", "192.168.1.1", port=22)
    assert t.verdict is Verdict.NO_ROUTE and "down" in t.forward.reason
    link = topo.estate.vpn_links["ocid1.ipsecconnection.oc1.iad.vpn-onprem"]
    assert not link.up and link.remote_ip == ip_address("203.0.113.9")
    assert link.local_ips == (ip_address("129.146.30.1"), ip_address("129.146.30.2"))


def test_gateway_kinds(topo):
    e = topo.estate
    kinds = {g.ref.name: g.kind for g in e.gateways.values()}
    assert kinds["igw"] is GatewayKind.INTERNET and kinds["nat"] is GatewayKind.NAT
    assert kinds["lpg-a"] is GatewayKind.PEERING and kinds["att-tr"] is GatewayKind.TRANSIT_ATTACHMENT
    assert e.gateways["ocid1.drgattachment.oc1.iad.att-tr"].edge_route_table_id.endswith("tr-in-rt")
    assert dict(e.routers["ocid1.drg.oc1.iad.drg"].associations)["ocid1.drgattachment.oc1.iad.att-s2"].endswith("rt-s2")


def test_drg_table_without_its_rules_is_derived_from_the_import_distribution(tmp_path):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm
    # "Each DRG attachment can inject routes in any DRG route table, provided there is a statement
    # corresponding to the attachment in the route table's importDrgRouteDistribution" (managingDRGs.htm); without
    # ListDrgRouteRules the static rules are unknown, so "no route" is not a confident answer (DESIGN rule 3)
    b = OciScenario(tmp_path)
    for vcn, octet in (("x", 70), ("y", 71)):
        b.vcn(vcn, f"10.{octet}.0.0/16")
        b.security_list(f"{vcn}-sl", vcn, ingress=[ingress("10.0.0.0/8")], egress=[egress("0.0.0.0/0")])
        b.route_table(f"{vcn}-rt", vcn, [("0.0.0.0/0", b.id("drg", "drg-d"))])
        b.subnet(f"{vcn}-sub", vcn, f"10.{octet}.1.0/24", f"{vcn}-rt", [f"{vcn}-sl"])
        b.instance(f"{vcn}vm", f"{vcn}-sub", f"10.{octet}.1.10")
        b.drg_vcn_attachment(f"att-{vcn}", "drg-d", vcn, drg_table="imported")
    b.drg("drg-d")
    b.distribution("import-vcns", "drg-d", [{"action": "ACCEPT", "id": "1", "priority": 1,
                                             "matchCriteria": [{"matchType": "DRG_ATTACHMENT_TYPE", "attachmentType": "VCN"}]}])
    b.drg_route_table("imported", "drg-d", rules=None, import_distribution="import-vcns")
    topo = load_snapshot(b.write(), use_cache=False)
    ok = trace(topo, "xvm", "yvm", port=22)
    assert ok.verdict is Verdict.DELIVERED and any("derived from its import route distribution" in w for w in ok.warnings)
    assert trace(topo, "xvm", "10.99.0.1", port=22).verdict is Verdict.UNKNOWN


def test_oracle_services_network_labels_are_not_in_the_snapshot(tmp_path):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm
    # a service gateway route's destination is a label (all-iad-services-in-oracle-services-network) whose CIDRs no
    # snapshot holds: the route is left out with a warning, and a rule naming the label can only say "unknown"
    b = OciScenario(tmp_path)
    b.vcn("svc", "10.90.0.0/16")
    b.security_list("svc-sl", "svc", egress=[egress("all-iad-services-in-oracle-services-network",
                                                     destination_type="SERVICE_CIDR_BLOCK")])
    b.route_table("svc-rt", "svc", [("all-iad-services-in-oracle-services-network", b.id("servicegateway", "sgw")),
                                    ("0.0.0.0/0", b.id("natgateway", "nat"))])
    b.nat("nat", "svc", "129.146.90.1")
    b.subnet("svc-sub", "svc", "10.90.1.0/24", "svc-rt", ["svc-sl"])
    b.instance("svcvm", "svc-sub", "10.90.1.10")
    topo = load_snapshot(b.write(), use_cache=False)
    assert any("Oracle Services Network label all-iad-services-in-oracle-services-network are not in the snapshot"
               in w and "public_ip_ranges.json" in w for w in topo.estate.warnings)
    table = next(t for t in topo.estate.route_tables.values() if t.ref.name == "svc-rt")
    assert [str(r.destination) for r in table.routes] == ["0.0.0.0/0", "10.90.0.0/16"]
    t = trace(topo, "svcvm", "134.70.24.1", port=443)
    assert t.verdict is Verdict.UNKNOWN and "all-iad-services-in-oracle-services-network" in t.forward.reason


def test_a_private_ip_target_must_skip_the_source_dest_check(tmp_path):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingVNICs.htm#sourcedest
    # a VNIC used as a route target must have skipSourceDestCheck true, or it drops what is not addressed to it
    b = OciScenario(tmp_path)
    b.vcn("v", "10.95.0.0/16")
    b.security_list("v-sl", "v", ingress=[ingress("0.0.0.0/0")], egress=[egress("0.0.0.0/0")])
    b.route_table("via-fw", "v", [("0.0.0.0/0", b.id("privateip", "fw-ip"))])
    b.subnet("s", "v", "10.95.1.0/24", "via-fw", ["v-sl"])
    b.instance("fw", "s", "10.95.1.5")  # skipSourceDestCheck false
    b.private_ip("fw-ip", "fw", "10.95.1.5")
    b.instance("vm", "s", "10.95.1.10")
    t = trace(load_snapshot(b.write(), use_cache=False), "vm", "8.8.8.8", port=443)
    assert t.verdict is Verdict.BLOCKED and t.first_block.code == "SOURCE_DEST_CHECK"
    assert t.first_block.resource.name == "fw-vnic"


def test_a_peer_vcn_outside_the_snapshot_is_where_the_trace_exits(tmp_path):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/localVCNpeering.htm
    # the LPG says what the peer advertises (peerAdvertisedCidrDetails) even when the peer VCN is in another tenancy
    b = OciScenario(tmp_path)
    b.vcn("mine", "10.96.0.0/16")
    b.security_list("m-sl", "mine", egress=[egress("0.0.0.0/0")])
    b.route_table("m-rt", "mine", [("10.97.0.0/16", b.id("localpeeringgateway", "to-partner"))])
    b.subnet("m-sub", "mine", "10.96.1.0/24", "m-rt", ["m-sl"])
    b.instance("mvm", "m-sub", "10.96.1.10")
    b.lpg("to-partner", "mine", "ocid1.localpeeringgateway.oc1.iad.partner-side")
    b.lists["ListLocalPeeringGateways"][0]["peerAdvertisedCidrDetails"] = ["10.97.0.0/16"]
    topo = load_snapshot(b.write(), use_cache=False)
    t = trace(topo, "mvm", "10.97.1.1", port=443)
    assert t.forward.verdict is Verdict.EXITED and "outside the snapshot" in t.forward.reason
    assert trace(topo, "mvm", "10.98.1.1", port=443).verdict is Verdict.NO_ROUTE  # no route rule for it


def test_a_route_rule_for_the_vcn_cidr_wins_over_the_local_route(tmp_path):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm
    # "If you create a static route for the VCN CIDR block (with the same prefix length as the VCN local route),
    # the static route takes precedence" (intra-VCN routing through an appliance)
    b = OciScenario(tmp_path)
    b.vcn("v", "10.97.0.0/16")
    b.security_list("v-sl", "v", ingress=[ingress("10.97.0.0/16")], egress=[egress("0.0.0.0/0")])
    b.route_table("a-rt", "v", [("10.97.0.0/16", b.id("privateip", "fw-ip"))])
    b.route_table("plain-rt", "v", [])
    b.subnet("a", "v", "10.97.1.0/24", "a-rt", ["v-sl"])
    b.subnet("b", "v", "10.97.2.0/24", "plain-rt", ["v-sl"])
    b.subnet("c", "v", "10.97.3.0/24", "plain-rt", ["v-sl"])
    b.instance("avm", "a", "10.97.1.10")
    b.instance("bvm", "b", "10.97.2.10")
    b.instance("fw", "c", "10.97.3.5", skip_check=True)
    b.private_ip("fw-ip", "fw", "10.97.3.5")
    t = trace(load_snapshot(b.write(), use_cache=False), "avm", "bvm", port=22)
    assert t.verdict is Verdict.DELIVERED
    assert names(t.forward).index("fw-vnic") < names(t.forward).index("bvm-vnic")
