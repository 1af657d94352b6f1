"""Microsoft's load balancer examples (fixtures/reference/azure/loadbalancer, Azure/azure-rest-api-specs 2026-01-01)
load as snapshots: LoadBalancerGet (internal frontend, Tcp 80 rule, inbound NAT rule without a backend) and
LoadBalancerCreateWithOutboundRules (public frontend, outbound rule over an empty pool)."""

from __future__ import annotations

import json
from pathlib import Path

from flightpath import load_snapshot

REF = Path(__file__).resolve().parents[2] / "fixtures" / "reference" / "azure" / "loadbalancer" / "LoadBalancerGet.json"


def test_published_load_balancer_loads(tmp_path: Path) -> None:
    body = json.loads(REF.read_text())["responses"]["200"]["body"]
    (tmp_path / "azure").mkdir()
    (tmp_path / "azure" / "loadBalancers.json").write_text(json.dumps(body))
    est = load_snapshot(tmp_path, use_cache=False).estate
    (lb,) = est.load_balancers.values()
    assert lb.ref.name == "lb" and lb.ref.type == "load-balancer"
    rule, nat = lb.listeners
    # the example's inbound NAT rule names no backendIPConfiguration: a listener on 3389 that forwards nothing
    assert (nat.ref.type, nat.ref.name, nat.port, nat.backend_port, nat.target_group_ids) == \
        ("inbound-nat-rule", "in-nat-rule", 3389, 3389, ())
    assert (rule.ref.name, rule.port, rule.protocols, rule.backend_port) == ("rulelb", 80, (6,), 80)
    (pool,) = [est.target_groups[t] for t in rule.target_group_ids]
    assert pool.ref.name == "be-lb" and pool.targets == ()
    (fe,) = [est.interfaces[i] for i in lb.interface_ids]
    assert [str(ip) for ip in fe.private_ips] == ["10.0.1.4"] and fe.owner == lb.ref


OUTBOUND = REF.parent / "LoadBalancerCreateWithOutboundRules.json"


def _load_outbound(tmp_path: Path, public_ips=None):
    body = json.loads(OUTBOUND.read_text())["responses"]["200"]["body"]
    (tmp_path / "azure").mkdir()
    (tmp_path / "azure" / "loadBalancers.json").write_text(json.dumps(body))
    if public_ips is not None:
        (tmp_path / "azure" / "publicIPAddresses.json").write_text(json.dumps({"value": public_ips}))
    return load_snapshot(tmp_path, use_cache=False).estate


def test_published_public_load_balancer_with_outbound_and_nat_rules(tmp_path: Path) -> None:
    est = _load_outbound(tmp_path)
    (lb,) = est.load_balancers.values()
    rule, nat = lb.listeners
    assert (rule.ref.name, rule.port, rule.backend_port, rule.probe_port) == ("rulelb", 80, 80, 80)
    assert (nat.ref.type, nat.port, nat.backend_port, nat.target_group_ids) == ("inbound-nat-rule", 3389, 3389, ())
    # the frontend's public IP resource (.../publicIPAddresses/pip) is not in the example: named, not guessed
    assert lb.interface_ids == ()
    assert any("frontend fe-lb" in w and "publicIPAddresses/pip" in w and "not in the snapshot" in w
               for w in est.warnings)
    # outbound rule1 names pool be-lb, which has no members: no SNAT gateway for anyone
    assert lb.outbound == () and not [g for g in est.gateways if "#outbound/" in g]


def test_published_public_frontend_needs_its_backends_network(tmp_path: Path) -> None:
    # the public IP resource added by hand (the example does not include it): the address is known, but
    # with an empty pool no backend says which VNet the frontend serves
    pip = {"id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/pip",
           "name": "pip", "type": "Microsoft.Network/publicIPAddresses", "location": "eastus",
           "properties": {"ipAddress": "20.30.40.50", "publicIPAllocationMethod": "Static"}}
    est = _load_outbound(tmp_path, [pip])
    assert any("public frontend fe-lb" in w and "no backend's virtual network" in w for w in est.warnings)
