"""Hub and spoke over VPC peering with custom route exchange: the hub holds the HA VPN to on-premises and exports
its custom routes; a spoke that imports them reaches on-premises through the hub's tunnel.

https://cloud.google.com/vpc/docs/vpc-peering#importing-exporting-routes: custom routes (static and dynamic) are
exchanged when one side exports and the other imports; "the next hop of an imported route is the same next hop"
in the exporting network. Static routes with network tags and routes to the default internet gateway are never
exchanged, and imported routes are not exported again (peering is not transitive,
https://cloud.google.com/vpc/docs/vpc-peering#key-properties).
"""

from __future__ import annotations

import pytest
from gcp_builder import GcpLab, proto
from gcp_helpers import trace

from flightpath.model import Check, Verdict
from flightpath.topology import load_snapshot


@pytest.fixture(scope="module")
def topo(tmp_path_factory):
    lab = GcpLab("hub-lab")
    for net, cidr in (("hub", "10.60.0.0/24"), ("spoke", "10.61.0.0/24"), ("lone", "10.62.0.0/24"),
                      ("leaf", "10.63.0.0/24")):
        lab.network(net)
        lab.firewall(f"{net}-allow", net, allowed=[proto("all")], source_ranges=["0.0.0.0/0"])
        lab.subnet(f"{net}-s", net, cidr)
        lab.vm(f"{net}vm", f"{net}-s", cidr.replace("0/24", "10"))
        lab.default_route(net)
    lab.ha_vpn("hub-vpn", "hub", ["35.2.2.1", "35.2.2.2"])
    lab.tunnel("t-onprem", "hub-vpn", 0, "203.0.113.50")
    lab.route("to-onprem", "hub", "192.168.50.0/24", nextHopVpnTunnel="t-onprem")
    lab.route("tagged-onprem", "hub", "192.168.60.0/24", tags=["edge"], nextHopVpnTunnel="t-onprem")
    # spoke imports the hub's custom routes, the hub exports them
    lab.peer("spoke", "hub", import_=True)
    lab.peer("hub", "spoke", export=True)
    # lone peers with the hub without importing
    lab.peer("lone", "hub")
    lab.peer("hub", "lone", export=True)
    # leaf imports from spoke, which exports: but spoke's imported routes are not re-exported
    lab.peer("leaf", "spoke", import_=True)
    lab.peer("spoke", "leaf", export=True)
    return load_snapshot(lab.write(tmp_path_factory.mktemp("gcp-hub")), use_cache=False)


def test_a_spoke_reaches_on_premises_through_the_hubs_tunnel(topo):
    t = trace(topo, "spokevm", "192.168.50.5", port=443)
    assert t.forward.verdict is Verdict.EXITED, t.forward.reason
    kinds = [h.resource.type for h in t.forward.hops]
    assert any("peering" in k for k in kinds) and t.forward.hops[-1].resource.name == "t-onprem", kinds
    # routed in the hub by the route the hub exported (its next hop), not by the spoke's own table again
    lookups = [h for h in t.forward.hops if h.check is Check.ROUTE_LOOKUP]
    assert "/hub#routes#exported-to:" in lookups[-1].resource.id and "192.168.50.0/24" in lookups[-1].route.summary


def test_without_import_the_spoke_has_no_route_there(topo):
    # lone does not import: 192.168.50.5 only matches its default route to the internet gateway, which does not carry
    # a private destination (PRIVATE_TRAFFIC_TO_INTERNET)
    t = trace(topo, "lonevm", "192.168.50.5", port=443)
    assert t.verdict is Verdict.BLOCKED and not any("peering" in h.resource.type for h in t.forward.hops)


def test_tagged_routes_are_not_exchanged(topo):
    t = trace(topo, "spokevm", "192.168.60.5", port=443)
    assert t.verdict is Verdict.BLOCKED and not any("peering" in h.resource.type for h in t.forward.hops)


def test_imported_routes_are_not_exported_again(topo):
    # leaf imports from spoke, but the hub's route reached spoke by import: it is not spoke's own, so not exported
    t = trace(topo, "leafvm", "192.168.50.5", port=443)
    assert t.verdict is Verdict.BLOCKED and not any("peering" in h.resource.type for h in t.forward.hops)
