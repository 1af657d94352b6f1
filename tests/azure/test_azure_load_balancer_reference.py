"""Microsoft's LoadBalancerGet example (fixtures/reference/azure/loadbalancer, Azure/azure-rest-api-specs) loads
as a snapshot: one load balancer, its internal frontend, the Tcp 80 rule to its (empty) backend pool."""

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
