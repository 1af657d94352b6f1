"""Issue 10.2 (Azure): a private endpoint's NIC (no virtualMachine; privateEndpoint set) is detail: hops
name the private endpoint, the NIC kept in the hop.

PE  https://learn.microsoft.com/azure/private-link/private-endpoint-overview ("a network interface that uses
    a private IP address from your virtual network"); NIC.privateEndpoint:
    https://learn.microsoft.com/rest/api/virtualnetwork/network-interfaces/get
"""

from __future__ import annotations

import json
from pathlib import Path

from azure_builder import AzureScenario, rule

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.model.outcome import Check, Verdict


def test_azure_private_endpoint_nic_names_the_private_endpoint(tmp_path: Path) -> None:
    z = AzureScenario(tmp_path)
    z.vnet("vnet1", "10.0.0.0/16")
    z.subnet("app", "vnet1", "10.0.1.0/24")
    z.subnet("pe", "vnet1", "10.0.2.0/24", nsg="nsg-pe")
    z.nsg("nsg-pe", [rule("allow-443", 100, "Inbound", "Allow", "Tcp", src="10.0.0.0/16", ports="443"),
                     rule("deny-in", 200, "Inbound", "Deny")])
    z.vm("vm1", "app", "10.0.1.4")
    z.vm("pe-sql", "pe", "10.0.2.5")
    root = z.write()
    # rewrite the NIC as Azure shows a private endpoint's: no virtualMachine, privateEndpoint set
    for f in root.rglob("*.json"):
        body = json.loads(f.read_text())
        items = body.get("value") if isinstance(body, dict) else None
        if not isinstance(items, list):
            continue
        for it in items:
            if isinstance(it, dict) and it.get("name") == "pe-sql-nic":
                it["properties"].pop("virtualMachine", None)
                it["properties"]["privateEndpoint"] = {"id": it["id"].split("/providers/")[0]
                                                       + "/providers/Microsoft.Network/privateEndpoints/pe-sql"}
        f.write_text(json.dumps(body))
    topo = load_snapshot(root, use_cache=False)
    t = run_query(topo, Query("vm1", "10.0.2.5", "tcp", 443)).trace
    assert t.verdict is Verdict.DELIVERED
    last = t.forward.hops[-1]
    assert (last.resource.type, last.resource.name) == ("private-endpoint", "pe-sql")
    assert last.interface.name == "pe-sql-nic"
    t = run_query(topo, Query("vm1", "10.0.2.5", "tcp", 22)).trace
    assert t.verdict is Verdict.BLOCKED and t.first_block.check is Check.INGRESS_FILTER
