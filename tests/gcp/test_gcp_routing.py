"""GCP routing, NAT, peering and VPN as scenario tests; expected verdicts argued from GCP's documentation."""

from __future__ import annotations

import pytest
from gcp_builder import GcpLab, proto
from gcp_helpers import trace

from flightpath.model import Check, Verdict
from flightpath.topology import load_snapshot

ROUTES = "https://cloud.google.com/vpc/docs/routes"
NAT = "https://cloud.google.com/nat/docs/overview"
PEERING = "https://cloud.google.com/vpc/docs/vpc-peering"


@pytest.fixture(scope="module")
def topo(tmp_path_factory):
    lab = GcpLab("route-lab")
    for net in ("r", "n", "p1", "p2", "p3", "v"):
        lab.network(net)
        lab.firewall(f"{net}-allow-internal", net, allowed=[proto("all")], source_ranges=["10.0.0.0/8"])
    # r: subnet route vs broader custom route; tag-scoped default route; alias IPs (GKE pods)
    lab.subnet("r-a", "r", "10.20.1.0/24")
    lab.subnet("r-b", "r", "10.20.2.0/24", secondary={"pods": "10.21.0.0/20"})
    lab.vm("a1", "r-a", "10.20.1.10")
    lab.vm("a2", "r-a", "10.20.1.11", tags=["egress"], nat_ip="34.20.0.11")
    lab.vm("b1", "r-b", "10.20.2.10", aliases=["10.21.0.0/28"])
    lab.route("broad", "r", "10.20.0.0/16", priority=0, nextHopIp="10.20.1.99")
    lab.route("inside-subnet", "r", "10.20.2.128/25", priority=0, nextHopInstance="a1")
    lab.route("tagged-default", "r", "0.0.0.0/0", tags=["egress"], nextHopGateway="default-internet-gateway")
    # n: Cloud NAT on n-a only (manual address); n-b not covered; n-c in another region, AUTO_ONLY, no status
    lab.subnet("n-a", "n", "10.30.1.0/24")
    lab.subnet("n-b", "n", "10.30.2.0/24")
    lab.subnet("n-c", "n", "10.30.3.0/24", region="europe-west1")
    lab.subnet("n-d", "n", "10.30.4.0/24", pga=True)  # not covered by Cloud NAT either
    lab.vm("n4", "n-d", "10.30.4.10")
    lab.vm("n1", "n-a", "10.30.1.10")
    lab.vm("n2", "n-b", "10.30.2.10")
    lab.vm("n3", "n-c", "10.30.3.10", zone="europe-west1-b")
    lab.default_route("n")
    ip = lab.address("nat-ip-1", "34.30.0.1")
    lab.router("nat-router", "n", [{"name": "nat-a", "natIpAllocateOption": "MANUAL_ONLY", "natIps": [ip],
                                    "sourceSubnetworkIpRangesToNat": "LIST_OF_SUBNETWORKS",
                                    "subnetworks": [{"name": lab.link("regions/us-central1/subnetworks/n-a"),
                                                     "sourceIpRangesToNat": ["ALL_IP_RANGES"]}]}])
    lab.router("eu-router", "n", [{"name": "nat-eu", "natIpAllocateOption": "AUTO_ONLY",
                                   "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES"}],
               region="europe-west1")
    # p1 <-> p2 <-> p3: subnet routes exchanged; p2's custom route exported to p1 only (p1 imports)
    for net, cidr in (("p1", "10.40.1.0/24"), ("p2", "10.40.2.0/24"), ("p3", "10.40.3.0/24")):
        lab.subnet(f"{net}-s", net, cidr)
        lab.vm(f"{net}vm", f"{net}-s", cidr.replace("0/24", "10"))
        lab.default_route(net)
    lab.peer("p1", "p2", import_=True)
    lab.peer("p2", "p1", export=True)
    lab.peer("p2", "p3", export=True)
    lab.peer("p3", "p2")
    lab.route("p2-to-onprem", "p2", "172.16.0.0/16", nextHopIp="10.40.2.10")
    # v: HA VPN with one established and one down tunnel; a BGP route through the router status
    lab.subnet("v-s", "v", "10.50.1.0/24")
    lab.vm("v1", "v-s", "10.50.1.10")
    lab.ha_vpn("ha", "v", ["35.1.1.1", "35.1.1.2"])
    lab.tunnel("t-up", "ha", 0, "203.0.113.1")
    lab.tunnel("t-down", "ha", 1, "203.0.113.2", status="NO_INCOMING_PACKETS")
    lab.route("to-site-a", "v", "192.168.10.0/24", nextHopVpnTunnel="t-up")
    lab.route("to-site-b", "v", "192.168.20.0/24", nextHopVpnTunnel="t-down")
    lab.route("to-site-c-1", "v", "192.168.40.0/24", nextHopVpnTunnel="t-up")  # ECMP: equal prefix and priority
    lab.route("to-site-c-2", "v", "192.168.40.0/24", nextHopVpnTunnel="t-down")
    lab.router("vpn-router", "v")
    lab.router_status("vpn-router", "v", best_routes=[{
        "kind": "compute#route", "destRange": "192.168.30.0/24", "priority": 100, "routeType": "BGP",
        "nextHopVpnTunnel": lab.link("regions/us-central1/vpnTunnels/t-up"), "network": lab.net("v")}])
    # classic VPN: its address is the ESP forwarding rule's IPAddress
    lab._add("targetVpnGateways", "targetVpnGateway", "regions/us-central1/targetVpnGateways/classic",
             {"name": "classic", "network": lab.net("v"), "region": lab.link("regions/us-central1")})
    lab._add("forwardingRules", "forwardingRule", "regions/us-central1/forwardingRules/classic-esp", {
        "name": "classic-esp", "IPAddress": "35.1.1.9", "IPProtocol": "ESP", "region": lab.link("regions/us-central1"),
        "target": lab.link("regions/us-central1/targetVpnGateways/classic")})
    lab._add("vpnTunnels", "vpnTunnel", "regions/us-central1/vpnTunnels/t-classic", {
        "name": "t-classic", "targetVpnGateway": lab.link("regions/us-central1/targetVpnGateways/classic"),
        "peerIp": "198.51.100.77", "status": "ESTABLISHED", "region": lab.link("regions/us-central1")})
    return load_snapshot(lab.write(tmp_path_factory.mktemp("gcp-routes")), use_cache=False)


def test_subnet_route_beats_a_broader_custom_route(topo):
    # subnet routes are evaluated before custom routes (ROUTES#routeselection): the priority-0 route 10.20.0.0/16
    # does not take traffic for a subnet range
    t = trace(topo, "a1", "b1", port=80)
    assert t.verdict is Verdict.DELIVERED
    assert next(h for h in t.forward.hops if h.check is Check.ROUTE_LOOKUP).route.origin == "subnet"


def test_a_more_specific_custom_route_does_not_override_a_subnet_route(topo):
    # a custom route cannot be more specific than a subnet route except in documented cases
    # (ROUTES#subnet-route-interactions): 10.20.2.130 is still in subnet r-b, which no VM holds
    t = trace(topo, "a1", "10.20.2.130", port=80)
    assert t.verdict is Verdict.UNASSIGNED


def test_broader_custom_route_applies_outside_the_subnets(topo):
    t = trace(topo, "a1", "10.20.9.9", port=80)  # next hop IP 10.20.1.99: no NIC holds it
    assert t.verdict is Verdict.UNKNOWN and "10.20.1.99" in t.forward.reason


def test_tag_scoped_route_applies_only_to_tagged_instances(topo):
    # "routes with network tags apply only to instances with one of those tags" (ROUTES#instance_routing)
    assert trace(topo, "a2", "8.8.8.8", port=443).verdict is Verdict.EXITED
    t = trace(topo, "a1", "8.8.8.8", port=443)
    assert t.verdict is Verdict.NO_ROUTE and t.forward.hops[-1].code == "NO_ROUTE"


def test_alias_ip_of_a_gke_node_lands_on_the_node(topo):
    # alias IP ranges are addresses of the VM's NIC (https://cloud.google.com/vpc/docs/alias-ip)
    t = trace(topo, "a1", "10.21.0.5", port=8080)
    assert t.verdict is Verdict.DELIVERED and t.forward.hops[-1].resource.name == "b1#nic0"


def test_cloud_nat_translates_a_covered_subnet(topo):
    # Cloud NAT gives VMs without external IPs internet egress for the subnets it is configured for (NAT)
    t = trace(topo, "n1", "8.8.8.8", port=443)
    assert t.verdict is Verdict.EXITED
    nat = next(h for h in t.forward.hops if h.check is Check.NAT)
    assert nat.resource.name == "nat-a" and "34.30.0.1" in nat.reason


def test_no_external_ip_and_no_nat_means_no_internet(topo):
    # a VM without an external IP and without Cloud NAT cannot reach the internet (Connectivity Tests
    # NO_EXTERNAL_ADDRESS)
    t = trace(topo, "n2", "8.8.8.8", port=443)
    assert t.verdict is Verdict.BLOCKED and t.forward.hops[-1].code == "NO_EXTERNAL_ADDRESS"


def test_auto_allocated_nat_addresses_unknown_without_router_status(topo):
    t = trace(topo, "n3", "8.8.8.8", port=443)
    assert t.verdict is Verdict.UNKNOWN and "nat-eu" in t.forward.reason


def test_private_destination_through_the_internet_gateway_is_dropped(topo):
    # p3 does not import p2's custom routes: 172.16.0.5 matches only 0.0.0.0/0 → default internet gateway, which
    # drops private traffic (Connectivity Tests PRIVATE_TRAFFIC_TO_INTERNET; PEERING#route-exchange-options)
    t = trace(topo, "p3vm", "172.16.0.5", port=443)
    assert t.verdict is Verdict.BLOCKED and t.forward.hops[-1].code == "PRIVATE_TRAFFIC_TO_INTERNET"


def test_peering_exchanges_subnet_routes(topo):
    t = trace(topo, "p1vm", "p2vm", port=22)  # subnet routes are always exchanged (PEERING#route-exchange-options)
    assert t.verdict is Verdict.DELIVERED and t.reply.verdict is Verdict.DELIVERED


def test_peering_is_not_transitive(topo):
    # "Peered VPC networks ... transitive peering is not supported" (PEERING#key_properties): p1 has no route to p3
    t = trace(topo, "p1vm", "p3vm", port=22)
    assert t.verdict is Verdict.BLOCKED


def test_an_imported_custom_route_is_followed_to_its_next_hop_in_the_peer(topo):
    # p1 imports and p2 exports custom routes (PEERING#importing-exporting): p1's packet to 172.16.0.5 crosses the
    # peering and goes to the route's next hop, 10.40.2.10 (p2vm), which has no IP forwarding: "a VM that is the
    # next hop of a route must have IP forwarding enabled" (https://cloud.google.com/vpc/docs/using-routes#canipforward),
    # so p2vm drops it
    t = trace(topo, "p1vm", "172.16.0.5", port=443)
    names = [h.resource.name for h in t.forward.hops]
    assert t.verdict is Verdict.BLOCKED, t.forward.reason
    assert any("peering" in h.resource.type for h in t.forward.hops), names
    assert t.first_block.resource.id.endswith("p2vm#nic0") and "canIpForward" in t.first_block.reason, \
        (t.first_block.resource, t.first_block.reason)
    # p3 does not import p2's custom routes: no route to 172.16.0.0/16 there (see the p3 test above)


def test_vpn_tunnel_up_exits_and_down_is_no_route(topo):
    assert trace(topo, "v1", "192.168.10.5", port=443).forward.verdict is Verdict.EXITED
    # a route whose next-hop tunnel is not established drops (ROUTE_NEXT_HOP_VPN_TUNNEL_NOT_ESTABLISHED)
    t = trace(topo, "v1", "192.168.20.5", port=443)
    assert t.verdict is Verdict.NO_ROUTE and t.forward.hops[-1].code == "ROUTE_NEXT_HOP_VPN_TUNNEL_NOT_ESTABLISHED"


def test_bgp_routes_from_router_status(topo):
    t = trace(topo, "v1", "192.168.30.5", port=443)
    route = next(h for h in t.forward.hops if h.check is Check.ROUTE_LOOKUP).route
    assert route.origin == "dynamic (BGP)" and t.forward.verdict is Verdict.EXITED


def test_classic_vpn_tunnel_uses_the_forwarding_rule_address(topo):
    link = next(l for l in topo.estate.vpn_links.values() if l.ref.name == "t-classic")
    assert [str(a) for a in link.local_ips] == ["35.1.1.9"] and str(link.remote_ip) == "198.51.100.77" and link.up


def test_ecmp_routes_that_end_differently_are_ambiguous(topo):
    # equal prefix and priority: GCP spreads flows over the next hops by a hash (ROUTES#routeselection, ECMP);
    # one tunnel is up and one down, so whether a flow gets through depends on the hash
    t = trace(topo, "v1", "192.168.40.5", port=443)
    assert t.verdict is Verdict.AMBIGUOUS


def test_private_google_access(topo):
    # "VMs that only have internal IP addresses can reach ... Google APIs" when the subnet has Private Google
    # Access, through a route to the default internet gateway (https://cloud.google.com/vpc/docs/private-google-access)
    t = trace(topo, "n4", "199.36.153.9", port=443)
    assert t.forward.verdict is Verdict.EXITED and "Google APIs" in t.forward.reason
    t = trace(topo, "n2", "199.36.153.9", port=443)  # no Private Google Access, no NAT, no external IP
    assert t.verdict is Verdict.BLOCKED and t.forward.hops[-1].code == "NO_EXTERNAL_ADDRESS"
    assert trace(topo, "n4", "8.8.8.8", port=443).forward.hops[-1].code == "NO_EXTERNAL_ADDRESS"  # not the internet
