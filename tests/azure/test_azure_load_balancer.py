"""Issue 10.3 (Azure): an internal Azure Load Balancer frontend as a hop: load-balancing rule -> backend
pool -> each backend, which sees the client's own address.

LB     https://learn.microsoft.com/azure/load-balancer/load-balancer-overview (pass-through: the backend
       sees the client's IP; the backend's NSG must admit it)
HAPORT https://learn.microsoft.com/azure/load-balancer/load-balancer-ha-ports-overview (protocol All,
       frontendPort 0: every port)
REST   https://learn.microsoft.com/rest/api/load-balancer/load-balancers/get (the resource's shape)
"""

from __future__ import annotations

import json
from ipaddress import ip_address

from azure_builder import LOCATION, SUBSCRIPTION, AzureScenario, rule

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.model.outcome import Verdict


def _lab(tmp_path, *, vm2_nsg_denies=False, ha_ports=False):
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    b.subnet("app", "vnet1", "10.0.1.0/24")
    b.subnet("web", "vnet1", "10.0.2.0/24")
    b.nsg("nsg-closed", [rule("deny-80", 100, "Inbound", "Deny", "Tcp", ports="80")])
    b.vm("client", "app", "10.0.1.4")
    b.vm("vm1", "web", "10.0.2.4")
    b.vm("vm2", "web", "10.0.2.5", nsg="nsg-closed" if vm2_nsg_denies else "")
    root = b.write()
    lb = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-test/providers/Microsoft.Network/loadBalancers/ilb"
    rule_props = ({"protocol": "All", "frontendPort": 0, "backendPort": 0} if ha_ports
                  else {"protocol": "Tcp", "frontendPort": 80, "backendPort": 80})
    body = {"value": [{"name": "ilb", "id": lb, "type": "Microsoft.Network/loadBalancers", "location": LOCATION,
                       "sku": {"name": "Standard"}, "properties": {
        "frontendIPConfigurations": [{"name": "fe", "id": f"{lb}/frontendIPConfigurations/fe", "properties": {
            "privateIPAddress": "10.0.1.100", "privateIPAllocationMethod": "Static",
            "subnet": {"id": b.id("app")}}}],
        "backendAddressPools": [{"name": "be", "id": f"{lb}/backendAddressPools/be", "properties": {
            "backendIPConfigurations": [{"id": b.id(f"{vm}-nic") + "/ipConfigurations/ipconfig1"}
                                        for vm in ("vm1", "vm2")]}}],
        "loadBalancingRules": [{"name": "r80", "id": f"{lb}/loadBalancingRules/r80", "properties": {
            "frontendIPConfiguration": {"id": f"{lb}/frontendIPConfigurations/fe"},
            "backendAddressPool": {"id": f"{lb}/backendAddressPools/be"}, **rule_props,
            "probe": {"id": f"{lb}/probes/p80"}}}],
        "probes": [{"name": "p80", "id": f"{lb}/probes/p80", "properties": {"protocol": "Tcp", "port": 80}}]}}]}
    (root / "azure" / SUBSCRIPTION / "loadBalancers.json").write_text(json.dumps(body))
    return load_snapshot(root, use_cache=False), lb


def test_internal_frontend_reaches_every_backend_with_the_client_ip(tmp_path):
    topo, lb = _lab(tmp_path)
    t = run_query(topo, Query("client", "10.0.1.100", "tcp", 80)).trace
    # LB: the rule forwards 80 to the pool; AllowVnetInBound admits the client at both backends
    assert t.verdict is Verdict.DELIVERED, t.forward.reason
    assert len(t.branches) == 2 and {br.verdict for br in t.branches} == {Verdict.DELIVERED}
    assert any(h.resource.id == lb for h in t.forward.hops)
    # LB: pass-through, the backend sees the client's address
    assert t.forward.hops[-1].packet.src == ip_address("10.0.1.4")
    assert t.reply is not None and t.reply.verdict is Verdict.DELIVERED
    assert any("health probe state" in w for w in t.warnings)


def test_port_without_a_rule_is_blocked_by_the_load_balancer(tmp_path):
    topo, lb = _lab(tmp_path)
    t = run_query(topo, Query("client", "10.0.1.100", "tcp", 443)).trace
    # LB: only ports with a load-balancing rule are forwarded
    assert t.verdict is Verdict.BLOCKED and t.first_block.resource.id == lb


def test_backends_that_end_differently_are_ambiguous(tmp_path):
    topo, _lb = _lab(tmp_path, vm2_nsg_denies=True)
    t = run_query(topo, Query("client", "10.0.1.100", "tcp", 80)).trace
    assert t.verdict is Verdict.AMBIGUOUS
    assert sorted(br.verdict.value for br in t.branches) == ["blocked", "delivered"]


def test_ha_ports_rule_forwards_every_port(tmp_path):
    topo, _lb = _lab(tmp_path, ha_ports=True)
    # HAPORT: protocol All with frontendPort 0 balances every TCP and UDP port
    assert run_query(topo, Query("client", "10.0.1.100", "tcp", 8443)).trace.verdict is Verdict.DELIVERED
    assert run_query(topo, Query("client", "10.0.1.100", "udp", 53)).trace.verdict is Verdict.DELIVERED


def test_backend_to_its_own_internal_frontend_fails_when_the_flow_maps_back_to_it(tmp_path):
    topo, lb = _lab(tmp_path)
    t = run_query(topo, Query("vm1", "10.0.1.100", "tcp", 80)).trace
    # https://learn.microsoft.com/azure/load-balancer/load-balancer-troubleshoot-backend-traffic: a backend
    # VM reaching its own internal load balancer's frontend fails when the flow is mapped to itself; mapped
    # to vm2 it works: the answer depends on the backend chosen
    assert t.verdict is Verdict.AMBIGUOUS
    by_target = {br.label.split(" ")[0]: br for br in t.branches}
    assert by_target["virtualMachines/vm1"].verdict is Verdict.BLOCKED
    assert by_target["virtualMachines/vm2"].verdict is Verdict.DELIVERED
