"""Microsoft's own ARM response examples (fixtures/reference/azure, from Azure/azure-rest-api-specs) load, and
normalize to the facts their bodies state.

Each file is the spec's example wrapper; the test writes `responses["200"]["body"]` (the wire JSON) to a
folder and loads it. Shapes flightpath does not read (Network Watcher answers, the effective NSG list) must
only warn.
"""

from __future__ import annotations

import json
from ipaddress import ip_address, ip_network
from pathlib import Path

import pytest

from flightpath import load_snapshot
from flightpath.model import Action, Direction, GatewayKind, TargetKind

REF = Path(__file__).resolve().parents[2] / "fixtures" / "reference" / "azure"
FILES = sorted(p.name for p in REF.glob("*.json"))


def body(name: str):
    return json.loads((REF / name).read_text())["responses"]["200"].get("body")


def write(tmp_path: Path, files: dict[str, object]) -> Path:
    for rel, content in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(content))
    return tmp_path


def by_name(table: dict, name: str):
    hits = [v for k, v in table.items() if k.rsplit("/", 1)[-1] == name.lower()]
    assert len(hits) == 1, (name, list(table))
    return hits[0]


def test_the_copy_is_complete():
    assert len(FILES) == 22


@pytest.mark.parametrize("name", FILES)
def test_every_reference_file_loads_alone(tmp_path, name):
    topo = load_snapshot(write(tmp_path, {name: body(name)}), use_cache=False)
    assert topo.estate is not None


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    root = tmp_path_factory.mktemp("azure-reference")
    # RouteTableGet and RouteTableList describe testrt differently (disableBgpRoutePropagation): a conflicting
    # duplicate (issue 13, tests/snapshot/test_duplicates.py); the List (testrt and testrt2) is kept.
    files = {n: body(n) for n in FILES if n not in ("NetworkInterfaceEffectiveRouteTableList.json", "RouteTableGet.json")}
    # the effective-route convention: the NIC's name in the path (its NIC is NetworkInterfaceGet's test-nic)
    files["EffectiveRoutes/test-nic.json"] = body("NetworkInterfaceEffectiveRouteTableList.json")
    return load_snapshot(write(root, files), use_cache=False)


def test_get_and_list_that_disagree_are_an_error(tmp_path):
    from flightpath.errors import SnapshotError

    root = write(tmp_path, {n: body(n) for n in ("RouteTableGet.json", "RouteTableList.json")})
    with pytest.raises(SnapshotError, match=r"RouteTableList.json: \[0\]: .*routetables/testrt: described differently in .*RouteTableGet.json"):
        load_snapshot(root, use_cache=False)


def test_unread_shapes_only_warn(everything):
    warned = " ".join(everything.estate.warnings)
    for name in ("NetworkWatcherIpFlowVerify", "NetworkWatcherNextHopGet", "NetworkWatcherSecurityGroupViewGet",
                 "NetworkWatcherNetworkConfigurationDiagnostic", "NetworkInterfaceEffectiveNSGList",
                 "VirtualNetworkGatewayLearnedRoutes"):
        assert f"{name}.json: not a recognised cloud API response" in warned


def test_nsg_rules_and_default_rules(everything):
    """NetworkSecurityGroupGet: rule1 (inbound allow port 80, priority 130) and the six default rules."""
    rs = by_name(everything.estate.rule_sets, "testnsg")
    got = {(r.label, r.direction, r.action, r.priority) for r in rs.rules}
    assert got == {
        ("rule1", Direction.INGRESS, Action.ALLOW, 130),
        ("AllowVnetInBound", Direction.INGRESS, Action.ALLOW, 65000),
        ("AllowAzureLoadBalancerInBound", Direction.INGRESS, Action.ALLOW, 65001),
        ("DenyAllInBound", Direction.INGRESS, Action.DENY, 65500),
        ("AllowVnetOutBound", Direction.EGRESS, Action.ALLOW, 65000),
        ("AllowInternetOutBound", Direction.EGRESS, Action.ALLOW, 65001),
        ("DenyAllOutBound", Direction.EGRESS, Action.DENY, 65500),
    }
    rule1 = next(r for r in rs.rules if r.label == "rule1")
    assert rule1.protocol is None and [str(p) for p in rule1.dst_ports] == ["80"] and rule1.sources.any
    vnet_in = next(r for r in rs.rules if r.label == "AllowVnetInBound")
    assert vnet_in.sources.refs == ("azure:tag:VirtualNetwork",)
    assert next(r for r in rs.rules if r.label == "AllowInternetOutBound").destinations.refs == ("azure:tag:Internet",)
    assert len(by_name(everything.estate.rule_sets, "nsg1").rules) == 6  # NetworkSecurityGroupList, no own rules


def test_rules_listed_without_their_nsg(tmp_path):
    """NetworkSecurityGroupRuleList alone: the NSG is known by its rules; the defaults are assumed."""
    topo = load_snapshot(write(tmp_path, {"rules.json": body("NetworkSecurityGroupRuleList.json")}), use_cache=False)
    rs = by_name(topo.estate.rule_sets, "testnsg")
    assert sorted(r.priority for r in rs.rules) == [130, 65000, 65000, 65001, 65001, 65500, 65500]
    assert any("known only by its listed rules" in w for w in topo.estate.warnings)


def test_route_tables(everything):
    """RouteTableGet/List: route1 10.0.3.0/24 -> VirtualNetworkGateway; testrt2 has no routes."""
    rt = by_name(everything.estate.route_tables, "testrt")
    (route,) = rt.routes
    assert route.destination == ip_network("10.0.3.0/24") and route.target_kind is TargetKind.GATEWAY
    assert route.origin == "User" and route.rank == 0 and "VirtualNetworkGateway" in route.label
    assert by_name(everything.estate.route_tables, "testrt2").routes == ()


def test_effective_routes(everything):
    """NetworkInterfaceEffectiveRouteTableList: six Default routes for test-nic."""
    e = everything.estate
    nic = by_name(e.interfaces, "test-nic")
    table = e.route_tables[nic.route_table_id]
    got = [(str(r.destination), r.target_kind, r.rank, r.origin) for r in table.routes]
    assert got == [("172.20.2.0/24", TargetKind.LOCAL, 2, "Default"),
                   ("0.0.0.0/0", TargetKind.GATEWAY, 2, "Default"),
                   ("10.0.0.0/8", TargetKind.DROP, 2, "Default"),
                   ("100.64.0.0/10", TargetKind.DROP, 2, "Default"),
                   ("172.16.0.0/12", TargetKind.DROP, 2, "Default"),
                   ("192.168.0.0/16", TargetKind.DROP, 2, "Default")]
    assert table.routes[1].target_id.endswith("/virtualnetworks/rg1-vnet#internet")
    assert table.routes[0].pinned and not table.routes[1].pinned


def test_network_interface(everything):
    """NetworkInterfaceGet: 172.20.2.4 plus the private IP prefix 172.20.2.16/28; NSG `nsg` and public IP
    `test-ip` are referenced but absent (unknown filter, warning); the VM is vm1; IP forwarding off."""
    nic = by_name(everything.estate.interfaces, "test-nic")
    assert nic.private_ips[0] == ip_address("172.20.2.4")
    assert set(nic.private_ips[1:]) == set(ip_network("172.20.2.16/28"))
    assert nic.stage is None and "nsg" in nic.stage_missing
    assert nic.instance is not None and nic.instance.name == "vm1" and not nic.forwards
    assert nic.subnet_id.endswith("/virtualnetworks/rg1-vnet/subnets/default")
    assert any("test-ip" in w for w in everything.estate.warnings)


def test_virtual_network_and_subnets(everything):
    e = everything.estate
    net = by_name(e.networks, "test-vnet")
    assert net.cidrs == (ip_network("10.0.0.0/16"),) and net.ref.region == "westus"
    sub = next(s for k, s in e.subnets.items() if k.endswith("/test-vnet/subnets/subnet1"))
    assert sub.cidrs == (ip_network("10.0.1.0/24"),) and sub.stage is None and sub.stage_applies_within
    # SubnetGet: a subnet whose VNet is not in the snapshot
    lone = next(s for k, s in e.subnets.items() if k.endswith("/vnetname/subnets/subnet1"))
    assert lone.cidrs == (ip_network("10.0.0.0/16"),)
    assert e.route_tables[lone.route_table_id].missing


def test_peerings(everything):
    """VirtualNetworkPeeringGet/List: both peerings are Initiated (not Connected): unusable, no routes."""
    e = everything.estate
    peerings = [g for g in e.gateways.values() if g.kind is GatewayKind.PEERING]
    assert len(peerings) == 2 and not any(g.available for g in peerings)
    assert all("Initiated".lower() in g.note.lower() for g in peerings)
    assert by_name(e.networks, "vnet2").cidrs == (ip_network("12.0.0.0/8"),)
    assert by_name(e.networks, "vnet3").cidrs == (ip_network("13.0.0.0/8"),)


def test_vpn_gateway_and_connection(everything):
    """VirtualNetworkGatewayGet + ConnectionGet: a VPN gateway in vnet1's GatewaySubnet; its public address
    from bgpSettings' tunnelIpAddresses (the public IP resource is absent); connS2S is Connecting (down)."""
    e = everything.estate
    gw = by_name(e.gateways, "vpngw")
    assert gw.kind is GatewayKind.VPN and gw.network_ids[0].endswith("/virtualnetworks/vnet1")
    assert gw.edge_route_table_id.endswith("/vnet1/subnets/gatewaysubnet#routes")
    link = by_name(e.vpn_links, "connS2S")
    assert link.local_ips == (ip_address("52.161.10.135"),) and not link.up and link.remote_ip is None
    assert list(gw.vpn_link_ids) == [k for k in e.vpn_links if k.endswith("/connections/conns2s")]


def test_azure_firewall(everything):
    """AzureFirewallGet: an appliance at 10.0.0.0 in AzureFirewallSubnet; network rule collection netrulecoll
    (Deny, priority 112) with address ranges; application and DNAT rules are counted as not evaluated."""
    e = everything.estate
    fw = by_name(e.interfaces, "azurefirewall")
    assert fw.forwards and fw.private_ips == (ip_address("10.0.0.0"),)
    rs = e.rule_sets[next(k for k in e.interfaces if k.endswith("/azurefirewalls/azurefirewall"))]
    l4 = [r for r in rs.rules if r.label == "netrulecoll/L4-traffic"]
    assert {r.direction for r in l4} == {Direction.INGRESS, Direction.EGRESS}
    assert all(r.action is Action.DENY and r.protocol == 6 for r in l4)
    assert [str(p) for p in l4[0].dst_ports] == ["443-444", "8443"]
    assert ip_network("192.168.1.8/30") in l4[0].sources.cidrs  # part of 192.168.1.1-192.168.1.12
    fqdn = next(r for r in rs.rules if r.label == "netrulecoll/L4-traffic-with-FQDN")
    assert fqdn.destinations.refs == ("azure:fqdn:www.amazon.com",)
    assert any("1 application and 2 DNAT rules ignored" in w for w in e.warnings)
