"""`flightpath endpoints`: what a user can trace between (instances and interfaces with their context)."""

from __future__ import annotations

from typing import Any

from flightpath.topology import Topology


def endpoint_rows(topo: Topology) -> list[dict[str, Any]]:
    e = topo.estate
    rows = []
    for iid, i in sorted(e.interfaces.items(), key=lambda kv: (kv[1].ref.account, kv[1].ref.region,
                                                              kv[1].network_id, kv[0])):
        subnet = e.subnets.get(i.subnet_id)
        network = e.networks.get(i.network_id)
        rows.append({
            "cloud": i.ref.cloud,
            "instance": i.instance.id if i.instance else "",
            "name": (i.instance.name if i.instance else i.ref.name) or "",
            "interface": iid,
            "role": "gateway " + i.gateway_id if i.gateway_id else ("appliance" if i.forwards else "host"),
            "private_ips": [str(ip) for ip in i.private_ips],
            "public_ips": [str(pub) for _priv, pub in i.public_ips],
            "subnet": i.subnet_id + (f" ({subnet.ref.name})" if subnet and subnet.ref.name else ""),
            "network": i.network_id + (f" ({network.ref.name})" if network and network.ref.name else ""),
            "account": i.ref.account,
            "region": i.ref.region,
        })
    return rows


def render_endpoints(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} interfaces", title_justify="left")
    for col in ("instance", "name", "interface", "role", "private IPs", "public IPs", "subnet", "network",
                "account", "region"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["instance"], r["name"], r["interface"], r["role"], ", ".join(r["private_ips"]),
                      ", ".join(r["public_ips"]), r["subnet"], r["network"], r["account"], r["region"])
    Console().print(table)
