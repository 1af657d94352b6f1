"""Azure routing scenarios: system routes, user routes, peering, gateway transit, NAT gateway, internet.

Sources (also in ../shared/SEMANTICS.md, Azure):
  UDR     https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview
          (default routes incl. 10/8, 172.16/12, 192.168/16, 100.64/10 → None; next hop types; "the virtual
          machine ... must have IP forwarding enabled" for VirtualAppliance; longest prefix, then User > BGP >
          System, except "System routes for traffic related to virtual network, virtual network peerings ... are
          preferred routes, even if BGP routes are more specific"; "Propagate gateway routes")
  PEER    https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview (non-transitive;
          allow forwarded traffic; gateway transit)
  TRANSIT https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit
  HUB     https://learn.microsoft.com/azure/architecture/networking/architecture/hub-spoke (spoke-to-spoke through
          an NVA in the hub)
  NAT     https://learn.microsoft.com/azure/nat-gateway/nat-overview ("NAT gateway takes precedence over other
          outbound scenarios", incl. an instance-level public IP)
  DOA     https://learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access
  NWNH    Network Watcher next hop (nextHopType None) - the code NEXT_HOP_NONE
"""

from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest
from azure_builder import AzureScenario, rule

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.model import TargetKind
from flightpath.model.outcome import Check, Decision, Verdict


def trace(topo, src, dst, proto="tcp", port=None, **kw):
    return run_query(topo, Query(src, dst, proto, port, **kw)).trace


def names(path):
    return [h.resource.name for h in path.hops]


def appliance_estate(tmp_path, forwarding: bool) -> AzureScenario:
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    b.subnet("frontend", "vnet1", "10.0.1.0/24", route_table="rt-frontend")
    b.subnet("dmz", "vnet1", "10.0.2.0/24")
    b.subnet("backend", "vnet1", "10.0.3.0/24", route_table="rt-backend")
    b.route_table("rt-frontend", [("10.0.3.0/24", "VirtualAppliance", "10.0.2.4")])
    b.route_table("rt-backend", [("10.0.1.0/24", "VirtualAppliance", "10.0.2.4")])
    b.vm("web", "frontend", "10.0.1.4")
    b.vm("nva", "dmz", "10.0.2.4", forwarding=forwarding)
    b.vm("db", "backend", "10.0.3.4")
    return b


def test_udr_to_nva_with_ip_forwarding(tmp_path):
    """UDR: a user route to a VirtualAppliance overrides the VNet system route for the more specific prefix
    (longest prefix); the NVA's NIC has IP forwarding on, so it forwards, there and back."""
    topo = load_snapshot(appliance_estate(tmp_path, True).write(), use_cache=False)
    t = trace(topo, "web", "db", port=1433)
    assert t.verdict is Verdict.DELIVERED
    assert "nva-nic" in names(t.forward) and "nva-nic" in names(t.reply)
    hop = next(h for h in t.forward.hops if h.check is Check.ROUTE_LOOKUP)
    assert hop.route.origin == "User" and "VirtualAppliance 10.0.2.4" in hop.route.summary


def test_udr_to_nva_without_ip_forwarding(tmp_path):
    """UDR: "the network interface ... must have IP forwarding enabled"; without it the NIC drops packets
    not addressed to it."""
    topo = load_snapshot(appliance_estate(tmp_path, False).write(), use_cache=False)
    t = trace(topo, "web", "db", port=1433)
    assert t.verdict is Verdict.BLOCKED
    assert t.first_block.resource.name == "nva-nic" and t.first_block.code == "IP_FORWARDING_DISABLED"


def test_udr_to_missing_appliance_is_unknown(tmp_path):
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    b.subnet("frontend", "vnet1", "10.0.1.0/24", route_table="rt")
    b.route_table("rt", [("0.0.0.0/0", "VirtualAppliance", "10.0.9.9")])
    b.vm("web", "frontend", "10.0.1.4")
    t = trace(load_snapshot(b.write(), use_cache=False), "web", "8.8.8.8", port=443)
    assert t.verdict is Verdict.UNKNOWN and "10.0.9.9" in t.forward.reason


def test_next_hop_none_drops(tmp_path):
    """UDR: next hop type None: "Traffic routed to the None next hop type is dropped"; a user route beats the
    system route of the same prefix (0.0.0.0/0 -> Internet)."""
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    b.subnet("app", "vnet1", "10.0.1.0/24", route_table="rt")
    b.subnet("data", "vnet1", "10.0.2.0/24")
    b.route_table("rt", [("0.0.0.0/0", "None"), ("10.0.2.0/24", "None")])
    b.vm("vm1", "app", "10.0.1.4", public_ip="pip1")
    b.vm("vm2", "data", "10.0.2.4")
    b.public_ip("pip1", "20.10.0.1")
    topo = load_snapshot(b.write(), use_cache=False)
    t = trace(topo, "vm1", "8.8.8.8", port=443)
    assert t.verdict is Verdict.NO_ROUTE
    drop = t.forward.hops[-1]
    assert drop.code == "NEXT_HOP_NONE" and drop.route.origin == "User"
    assert trace(topo, "vm1", "vm2", port=22).verdict is Verdict.NO_ROUTE  # more specific than VnetLocal /16
    assert trace(topo, "vm2", "vm1", port=22).verdict is Verdict.NO_ROUTE  # the reply would be dropped


def test_reserved_ranges_have_next_hop_none(tmp_path):
    """UDR, default routes: 10.0.0.0/8 etc. -> None unless the range is in the VNet's address space."""
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16", "192.168.0.0/16")
    b.subnet("app", "vnet1", "10.0.1.0/24")
    b.vm("vm1", "app", "10.0.1.4")
    topo = load_snapshot(b.write(), use_cache=False)
    table = next(t for k, t in topo.estate.route_tables.items() if k.endswith("/app#routes"))
    none = {str(r.destination) for r in table.routes if r.target_kind is TargetKind.DROP}
    assert none == {"10.0.0.0/8", "172.16.0.0/12", "100.64.0.0/10"}  # 192.168/16 is the VNet's
    t = trace(topo, "vm1", "10.50.0.1", port=22)
    assert t.verdict is Verdict.NO_ROUTE and t.forward.hops[-1].code == "NEXT_HOP_NONE"


def hub_and_spokes(tmp_path, spoke2_forwarded: bool = False, nva: bool = False) -> AzureScenario:
    b = AzureScenario(tmp_path)
    b.vnet("hub", "10.0.0.0/16")
    b.vnet("spoke1", "10.1.0.0/16")
    b.vnet("spoke2", "10.2.0.0/16")
    b.subnet("hub-nva", "hub", "10.0.1.0/24")
    b.subnet("spoke1-app", "spoke1", "10.1.1.0/24", route_table="rt-spoke1" if nva else "")
    b.subnet("spoke2-app", "spoke2", "10.2.1.0/24", route_table="rt-spoke2" if nva else "")
    if nva:
        b.route_table("rt-spoke1", [("10.2.0.0/16", "VirtualAppliance", "10.0.1.4")])
        b.route_table("rt-spoke2", [("10.1.0.0/16", "VirtualAppliance", "10.0.1.4")])
    b.peering("hub", "spoke1", b_opts={"allowForwardedTraffic": True})
    b.peering("hub", "spoke2", b_opts={"allowForwardedTraffic": spoke2_forwarded})
    b.vm("nva", "hub-nva", "10.0.1.4", forwarding=True)
    b.vm("vm1", "spoke1-app", "10.1.1.4")
    b.vm("vm2", "spoke2-app", "10.2.1.4")
    return b


def test_peering_is_not_transitive(tmp_path):
    """PEER: "VNet peering is nontransitive": spoke1 reaches the hub, not spoke2 through it; 10.2.0.0/16 falls
    to the 10.0.0.0/8 None route in spoke1."""
    topo = load_snapshot(hub_and_spokes(tmp_path).write(), use_cache=False)
    assert trace(topo, "vm1", "nva", port=22).verdict is Verdict.DELIVERED
    t = trace(topo, "vm1", "vm2", port=22)
    assert t.verdict is Verdict.NO_ROUTE
    assert t.forward.hops[-1].route.destination == "10.0.0.0/8" and t.forward.hops[-1].code == "NEXT_HOP_NONE"


@pytest.mark.parametrize("forwarded, verdict", [(True, Verdict.DELIVERED), (False, Verdict.BLOCKED)])
def test_spoke_to_spoke_through_hub_nva_needs_forwarded_traffic(tmp_path, forwarded, verdict):
    """HUB + PEER: spokes talk through an NVA in the hub (user routes to it); a spoke accepts the NVA's
    forwarded traffic (source outside the hub) only when its peering allows forwarded traffic."""
    topo = load_snapshot(hub_and_spokes(tmp_path, spoke2_forwarded=forwarded, nva=True).write(), use_cache=False)
    t = trace(topo, "vm1", "vm2", port=443)
    assert t.forward.verdict is verdict
    assert "nva-nic" in names(t.forward)
    if not forwarded:
        last = t.forward.hops[-1]
        assert last.resource.name == "hub-to-spoke2" and "edge-to-edge" in last.reason


def gateway_estate(tmp_path, *, use_remote: bool = True, transit: bool = True, disable_bgp: bool = False,
                   status: str = "Connected") -> AzureScenario:
    b = AzureScenario(tmp_path)
    b.vnet("hub", "10.0.0.0/16")
    b.vnet("spoke", "10.1.0.0/16")
    b.subnet("GatewaySubnet", "hub", "10.0.255.0/27")
    b.subnet("spoke-app", "spoke", "10.1.1.0/24", route_table="rt-spoke")
    b.route_table("rt-spoke", [], disable_bgp=disable_bgp)
    b.peering("hub", "spoke", a_opts={"allowGatewayTransit": transit}, b_opts={"useRemoteGateways": use_remote})
    b.public_ip("pip-vng", "20.40.0.1")
    b.vng("vng", "hub", "pip-vng")
    b.lng("onprem", "203.0.113.1", ["192.168.0.0/16"])
    b.connection("cn-onprem", "vng", "onprem", status=status)
    b.vm("vm1", "spoke-app", "10.1.1.4")
    return b


def test_gateway_transit(tmp_path):
    """TRANSIT: with allowGatewayTransit on the hub's peering and useRemoteGateways on the spoke's, the spoke
    learns the on-premises prefixes (next hop VirtualNetworkGateway) and leaves over the hub's VPN."""
    topo = load_snapshot(gateway_estate(tmp_path).write(), use_cache=False)
    t = trace(topo, "vm1", "192.168.10.5", port=443)
    assert t.verdict is Verdict.EXITED
    route = next(h.route for h in t.forward.hops if h.route)
    assert route.origin == "VirtualNetworkGateway" and route.destination == "192.168.0.0/16"
    assert t.forward.hops[-1].resource.name == "cn-onprem"
    # the reply comes back through the hub's gateway, routed by the GatewaySubnet's routes over the peering
    assert t.reply is not None and t.reply.verdict is Verdict.DELIVERED
    assert names(t.reply)[1:] == ["routes of subnet GatewaySubnet", "hub-to-spoke", "vm1-nic"]


@pytest.mark.parametrize("use_remote, transit", [(False, True), (True, False)])
def test_no_gateway_transit_without_both_flags(tmp_path, use_remote, transit):
    """TRANSIT: both flags are needed; otherwise 192.168.0.0/16 meets the default None route."""
    topo = load_snapshot(gateway_estate(tmp_path, use_remote=use_remote, transit=transit).write(), use_cache=False)
    t = trace(topo, "vm1", "192.168.10.5", port=443)
    assert t.verdict is Verdict.NO_ROUTE and t.forward.hops[-1].code == "NEXT_HOP_NONE"


def test_gateway_route_propagation_disabled(tmp_path):
    """UDR: with "Propagate gateway routes" off (disableBgpRoutePropagation) the subnet has no gateway routes."""
    topo = load_snapshot(gateway_estate(tmp_path, disable_bgp=True).write(), use_cache=False)
    assert trace(topo, "vm1", "192.168.10.5", port=443).verdict is Verdict.NO_ROUTE


def test_vpn_connection_not_connected(tmp_path):
    topo = load_snapshot(gateway_estate(tmp_path, status="NotConnected").write(), use_cache=False)
    t = trace(topo, "vm1", "192.168.10.5", port=443)
    assert t.verdict is Verdict.NO_ROUTE and t.forward.hops[-1].code == "CONNECTION_NOT_CONNECTED"


def test_vnet_route_wins_over_more_specific_gateway_route(tmp_path):
    """UDR: "System routes for traffic related to virtual network, virtual network peerings ... are preferred
    routes, even if BGP routes are more specific": an on-premises prefix inside the VNet stays local."""
    b = gateway_estate(tmp_path)
    b.lng("onprem", "203.0.113.1", ["192.168.0.0/16", "10.1.1.0/24"])
    topo = load_snapshot(b.write(), use_cache=False)
    table = next(t for k, t in topo.estate.route_tables.items() if k.endswith("/spoke-app#routes"))
    assert any(str(r.destination) == "10.1.1.0/24" and r.yields_to_pinned for r in table.routes)
    m, _ = topo.lookup(table, ip_address("10.1.1.9"))
    assert m.route.target_kind is TargetKind.LOCAL and str(m.destination) == "10.1.0.0/16"


def test_nat_gateway_source_nat(tmp_path):
    """NAT: the subnet's NAT gateway translates internet-bound traffic to its public IP, even for a VM with its
    own public IP ("NAT gateway takes precedence"); the reply is translated back."""
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    b.subnet("app", "vnet1", "10.0.1.0/24", nat="natgw")
    b.nat_gateway("natgw", ["pip-nat"])
    b.public_ip("pip-nat", "20.30.0.1")
    b.public_ip("pip-vm", "20.30.0.99")
    b.vm("vm1", "app", "10.0.1.4", public_ip="pip-vm")
    b.vm("vm2", "app", "10.0.1.5")
    topo = load_snapshot(b.write(), use_cache=False)
    for vm in ("vm1", "vm2"):
        t = trace(topo, vm, "8.8.8.8", port=443)
        assert t.verdict is Verdict.EXITED, vm
        nat = next(h for h in t.forward.hops if h.check is Check.NAT)
        assert nat.decision is Decision.TRANSLATE and nat.resource.name == "natgw"
        assert nat.packet.src == ip_address("20.30.0.1")
        assert t.reply is not None and t.reply.verdict is Verdict.DELIVERED
    # NAT: inbound-originated connections to the VM's own public IP, and their responses, are not affected by
    # the NAT gateway: the reply leaves by the public IP it came in on.
    t = trace(topo, "198.51.100.20", "20.30.0.99", port=22)
    assert t.verdict is Verdict.DELIVERED
    out = next(h for h in t.reply.hops if h.check is Check.NAT)
    assert out.packet.src == ip_address("20.30.0.99")


def test_internet_inbound_only_to_a_public_ip(tmp_path):
    """Inbound from the internet reaches a VM only at a public IP (translated to the NIC's private address);
    a private address is not reachable from the internet."""
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    b.subnet("web", "vnet1", "10.0.1.0/24", nsg="nsg-web")
    b.nsg("nsg-web", [rule("allow-https", 100, "Inbound", "Allow", "Tcp", src="Internet", ports="443")])
    b.public_ip("pip-web", "20.30.0.7")
    b.vm("web", "web", "10.0.1.4", public_ip="pip-web")
    b.vm("internal", "web", "10.0.1.5")
    topo = load_snapshot(b.write(), use_cache=False)
    ok = trace(topo, "198.51.100.20", "20.30.0.7", port=443)
    assert ok.verdict is Verdict.DELIVERED
    nat = next(h for h in ok.forward.hops if h.check is Check.NAT)
    assert nat.packet.dst == ip_address("10.0.1.4")
    assert trace(topo, "198.51.100.20", "web", port=443).verdict is Verdict.DELIVERED  # resolves to the public IP
    assert trace(topo, "198.51.100.20", "10.0.1.5", port=443).verdict is Verdict.NO_ROUTE


def test_default_outbound_access(tmp_path):
    """DOA: a VM with no public IP and no NAT gateway gets an Azure-chosen public address (exited, with a
    deprecation warning); in a private subnet (defaultOutboundAccess false) it has no way out (blocked).
    More in test_azure_default_outbound.py."""
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    b.subnet("legacy", "vnet1", "10.0.1.0/24")
    b.subnet("private", "vnet1", "10.0.2.0/24", default_outbound=False)
    b.vm("vm1", "legacy", "10.0.1.4")
    b.vm("vm2", "private", "10.0.2.4")
    topo = load_snapshot(b.write(), use_cache=False)
    t = trace(topo, "vm1", "8.8.8.8", port=443)
    assert t.verdict is Verdict.EXITED and any("default outbound access" in w for w in t.warnings)
    assert trace(topo, "vm2", "8.8.8.8", port=443).verdict is Verdict.BLOCKED


def test_effective_routes_are_the_ground_truth(tmp_path):
    """When the NIC's effective routes are in the snapshot they decide its routing (Active routes only)."""
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    b.subnet("app", "vnet1", "10.0.1.0/24")
    b.public_ip("pip1", "20.10.0.1")
    b.public_ip("pip2", "20.10.0.2")
    b.vm("vm1", "app", "10.0.1.4", public_ip="pip1")
    b.vm("vm2", "app", "10.0.1.5", public_ip="pip2")
    b.effective_routes("vm1-nic", [
        ("Default", "Active", ["10.0.0.0/16"], "VnetLocal"),
        ("Default", "Invalid", ["0.0.0.0/0"], "Internet"),
        ("User", "Active", ["0.0.0.0/0"], "None"),
    ])
    topo = load_snapshot(b.write(), use_cache=False)
    nic = next(i for i in topo.estate.interfaces.values() if i.ref.name == "vm1-nic")
    assert nic.route_table_id.endswith("/vm1-nic#effective")
    table = topo.estate.route_tables[nic.route_table_id]
    assert [(str(r.destination), r.target_kind, r.rank) for r in table.routes] == [
        ("10.0.0.0/16", TargetKind.LOCAL, 2), ("0.0.0.0/0", TargetKind.DROP, 0)]
    t = trace(topo, "vm1", "8.8.8.8", port=443)
    assert t.verdict is Verdict.NO_ROUTE and "effective routes of vm1-nic" in t.forward.hops[-1].resource.name
    assert trace(topo, "vm2", "8.8.8.8", port=443).verdict is Verdict.EXITED  # no effective routes: synthesised
    assert trace(topo, "vm1", "vm2", port=22).verdict is Verdict.DELIVERED


def test_service_tag_user_route_is_skipped_with_a_warning(tmp_path):
    """UDR: "You can specify a service tag as the address prefix for a user-defined route" - its prefixes are
    not in the snapshot, so the route is not evaluated, and a warning says so."""
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    b.subnet("app", "vnet1", "10.0.1.0/24", route_table="rt")
    b.route_table("rt", [("AzureCloud", "None"), ("10.5.0.0/16", "VirtualNetworkGateway")])
    b.vm("vm1", "app", "10.0.1.4")
    topo = load_snapshot(b.write(), use_cache=False)
    assert any("AzureCloud" in w and "service tag" in w for w in topo.estate.warnings)
    t = trace(topo, "vm1", "10.5.0.1", port=22)  # VirtualNetworkGateway with no gateway: unknown, said
    assert t.verdict is Verdict.UNKNOWN and "virtual network gateway" in t.forward.reason
    table = next(t for k, t in topo.estate.route_tables.items() if k.endswith("/routetables/rt"))
    assert [str(r.destination) for r in table.routes] == ["10.5.0.0/16"]
    assert ip_network("10.5.0.0/16") in next(g for k, g in topo.estate.address_groups.items()
                                             if k.startswith("azure:tag:VirtualNetwork@")).cidrs
