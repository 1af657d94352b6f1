"""The inventory of what was loaded: instances and interfaces with their context (`flightpath endpoints`)."""

from __future__ import annotations

from typing import Any

from flightpath.model import Estate


def endpoint_rows(e: Estate) -> list[dict[str, Any]]:
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
