"""Azure routing → RouteTables: one synthesised effective table per subnet, and a NIC's own effective routes
when the snapshot has them (pure).

Per subnet (MicrosoftDocs/azure-docs: articles/virtual-network/virtual-networks-udr-overview.md), the table
`<subnet key>#routes` holds what Azure would program:
- system routes (source Default, rank 2): each VNet prefix → VnetLocal (LOCAL, pinned); each peered VNet's
  prefixes → VNetPeering (the peering Gateway, pinned) while the peering is Connected; 0.0.0.0/0 (and ::/0
  for a dual-stack VNet) → Internet (the VNet's synthesised internet Gateway); 10/8, 172.16/12,
  192.168/16 and 100.64/10 → None unless the VNet's address space covers the range;
- gateway routes (source VirtualNetworkGateway, rank 1, yields_to_pinned: "System routes for traffic related
  to virtual network, virtual network peerings, or virtual network service endpoints, are preferred routes,
  even if BGP routes are more specific"): the local network gateway prefixes of the connections on the
  VNet's own gateway, or on the hub's gateway when this VNet uses remote gateways (gateway transit);
  dropped when the subnet's route table disables gateway route propagation;
- user routes (source User, rank 0) of the subnet's route table: VirtualAppliance → the NIC or firewall
  holding the next hop IP in this VNet or a peered one; VirtualNetworkGateway → the gateway; VnetLocal;
  Internet; None → drop. A route whose addressPrefix is a service tag is skipped (with a warning).
Longest prefix first, then User > BGP > system: the core's routing.select() with these ranks.

    route table rt-spoke, subnet app: {"name": "to-nva", "properties": {"addressPrefix": "0.0.0.0/0",
        "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.2.4"}}
    → Route(0.0.0.0/0, INTERFACE <key of the NIC holding 10.0.2.4>, rank 0, origin "User")
      beside Route(0.0.0.0/0, GATEWAY <vnet key>#internet, rank 2, origin "Default"), which loses.

Effective routes (`az network nic show-effective-route-table`) are the ground truth for their NIC: the table
`<nic key>#effective` maps each Active route the same way (state Invalid is skipped: shadowed).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from flightpath.model import IPNetwork, NativeRef, Route, RouteTable, TargetKind

from flightpath.collectors.azure import recognize as K
from flightpath.collectors.azure.arm import as_list, field, flag, key, lower, name_of, props, ref_id, seq
from flightpath.collectors.azure.gateways import internet_key
from flightpath.collectors.azure.index import Context

RESERVED = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))
RANK = {"user": 0, "virtualnetworkgateway": 1}
HOP_NAMES = {"virtualappliance": "VirtualAppliance", "virtualnetworkgateway": "VirtualNetworkGateway",
             "vnetlocal": "VnetLocal", "internet": "Internet", "none": "None"}


def _net(value: Any) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        return None


def appliance_target(ctx: Context, vnet: str, ip_text: Any) -> str:
    """The interface holding a VirtualAppliance next hop in this VNet or a peered one; else an id that is
    not in the estate, so a trace using the route ends unknown and names the address."""
    try:
        ip = ipaddress.ip_address(str(ip_text).strip())
    except ValueError:
        return f"virtual appliance {ip_text!r} (not an IP address)"
    for v in [vnet] + [link.remote_key for link in ctx.peers.get(vnet, []) if link.connected]:
        hit = ctx.ip_holders.get((v, int(ip)))
        if hit:
            return hit
    return f"virtual appliance {ip} (no NIC or firewall in the snapshot holds it in this VNet or a peered one)"


def _target(ctx: Context, vnet: str, hop: str, ip: Any, prefix: IPNetwork) -> tuple[TargetKind, str]:
    if hop == "virtualappliance":
        return TargetKind.INTERFACE, appliance_target(ctx, vnet, ip)
    if hop == "virtualnetworkgateway":
        return TargetKind.GATEWAY, (ctx.gateway_for(vnet)
                                    or "virtual network gateway (none in the snapshot for this VNet)")
    if hop == "vnetlocal":
        return TargetKind.LOCAL, "VnetLocal"
    if hop == "internet":
        return TargetKind.GATEWAY, internet_key(vnet)
    if hop == "none":
        return TargetKind.DROP, "None"
    if hop in ("vnetpeering", "vnetglobalpeering"):
        for link in ctx.peers.get(vnet, []):
            if any(prefix.version == c.version and prefix.subnet_of(c) for c in link.remote_cidrs):
                return TargetKind.GATEWAY, link.gateway_key
        return TargetKind.GATEWAY, f"peering toward {prefix} (not in the snapshot)"
    return TargetKind.EXTERNAL, hop or "unknown next hop"


def system_routes(ctx: Context, vnet: str) -> list[Route]:
    net = ctx.est.networks[vnet]
    routes = [Route(c, TargetKind.LOCAL, "VnetLocal", 2, "Default", f"{c} -> VnetLocal (system route)", pinned=True)
              for c in net.cidrs]
    for link in ctx.peers.get(vnet, []):
        if not link.connected:
            continue
        remote = ctx.est.networks.get(link.remote_key)
        shown = remote.ref.name if remote and remote.ref.name else link.remote_key.rsplit("/", 1)[-1]
        routes += [Route(c, TargetKind.GATEWAY, link.gateway_key, 2, "Default",
                         f"{c} -> VNetPeering {shown} (system route)", pinned=True) for c in link.remote_cidrs]
    routes.append(Route(ipaddress.ip_network("0.0.0.0/0"), TargetKind.GATEWAY, internet_key(vnet), 2, "Default",
                        "0.0.0.0/0 -> Internet (system route)"))
    if any(c.version == 6 for c in net.cidrs):
        routes.append(Route(ipaddress.ip_network("::/0"), TargetKind.GATEWAY, internet_key(vnet), 2, "Default",
                            "::/0 -> Internet (system route)"))
    for r in RESERVED:
        if not any(c.version == 4 and r.subnet_of(c) for c in net.cidrs):
            routes.append(Route(r, TargetKind.DROP, "None", 2, "Default", f"{r} -> None (system route)",
                                blackhole=True))
    return routes


def gateway_routes(ctx: Context, vnet: str) -> list[Route]:
    vng = ctx.gateway_for(vnet)
    if not vng:
        return []
    gw = ctx.est.gateways.get(vng)
    shown = gw.ref.name if gw else vng
    return [Route(c, TargetKind.GATEWAY, vng, 1, "VirtualNetworkGateway",
                  f"{c} -> VirtualNetworkGateway {shown} (gateway route)", yields_to_pinned=True)
            for c in dict.fromkeys(ctx.vng_prefixes.get(vng, []))]


def user_routes(ctx: Context, vnet: str, table) -> list[Route]:
    routes: list[Route] = []
    items = list(seq(table.p, "routes"))
    listed = {key(field(r, "id")) for r in items}
    items += [c.item for c in ctx.idx.children(K.ROUTE, table.key) if c.key not in listed]
    for r in items:
        rp = props(r)
        name = name_of(r)
        hop = lower(field(rp, "nextHopType"))
        ip = field(rp, "nextHopIpAddress")
        prefix = _net(field(rp, "addressPrefix"))
        if prefix is None:
            ctx.est.warnings.append(f"route {name} in route table {table.name}: address prefix "
                                    f"{field(rp, 'addressPrefix')!r} is a service tag (or not a CIDR); not evaluated")
            continue
        kind, target = _target(ctx, vnet, hop, ip, prefix)
        shown = HOP_NAMES.get(hop, str(field(rp, "nextHopType") or "?")) + (f" {ip}" if ip else "")
        routes.append(Route(prefix, kind, target, 0, "User", f"{prefix} -> {shown} (user route {name} in {table.name})",
                            blackhole=kind is TargetKind.DROP))
    return routes


def build_subnet_tables(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    for sn in idx.all(K.SUBNET):
        if sn.key not in est.subnets:
            continue
        vnet = ctx.vnet_of_subnet(sn.key)
        rt_key = key(ref_id(field(sn.p, "routeTable")))
        table = idx.get(K.ROUTE_TABLE, rt_key)
        ref = sn.ref("subnet route table (effective, derived)", "#routes",
                     f"routes of subnet {sn.name}" + (f" (route table {table.name})" if table else ""))
        missing = ""
        if idx.get(K.VNET, vnet) is None:
            missing = (f"virtual network {vnet} of subnet {sn.name} is not in the snapshot: "
                       "its system routes are unknown")
        elif rt_key and table is None:
            missing = ctx.why_missing("routeTables", f"route table {ref_id(field(sn.p, 'routeTable'))} of subnet "
                                                     f"{sn.name} is not in the snapshot")
        routes: list[Route] = []
        if not missing:
            routes = system_routes(ctx, vnet)
            if not (table and flag(field(table.p, "disableBgpRoutePropagation"))):
                routes += gateway_routes(ctx, vnet)
            if table:
                routes += user_routes(ctx, vnet, table)
        est.route_tables[f"{sn.key}#routes"] = RouteTable(
            ref, tuple(routes), missing=missing,
            derived="system and gateway routes synthesised from the VNet, its peerings and gateways "
                    "(virtual-networks-udr-overview), plus the subnet's user routes")


def build_route_tables(ctx: Context) -> None:
    """Each route table resource also as its own RouteTable (its user routes only; next hops resolved in
    the VNet of the first subnet that uses it), so that a report can show a table no subnet uses."""
    users: dict[str, str] = {}
    for sn in ctx.idx.all(K.SUBNET):
        users.setdefault(key(ref_id(field(sn.p, "routeTable"))), ctx.vnet_of_subnet(sn.key))
    for table in ctx.idx.all(K.ROUTE_TABLE):
        ctx.est.route_tables[table.key] = RouteTable(
            table.ref("route-table"), tuple(user_routes(ctx, users.get(table.key, ""), table)),
            derived="" if table.key in users else "associated with no subnet in the snapshot")


def build_effective_tables(ctx: Context) -> None:
    est = ctx.est
    for nic_key, doc in ctx.effective.items():
        iface = est.interfaces.get(nic_key)
        if iface is None:
            continue
        vnet = iface.network_id
        routes: list[Route] = []
        for i, item in enumerate(doc.body):
            if lower(field(item, "state")) == "invalid":
                continue
            source = lower(field(item, "source"))
            hop = lower(field(item, "nextHopType"))
            ips = as_list(field(item, "nextHopIpAddress"))
            for text in as_list(field(item, "addressPrefix")):
                prefix = _net(text)
                if prefix is None:
                    est.warnings.append(f"{doc.path}: value[{i}]: {text!r} is not a CIDR; ignored")
                    continue
                kind, target = _target(ctx, vnet, hop, ips[0] if ips else None, prefix)
                rank = RANK.get(source, 2)
                routes.append(Route(
                    prefix, kind, target, rank, field(item, "source") or "Default",
                    f"{prefix} -> {field(item, 'nextHopType')}{' ' + str(ips[0]) if ips else ''} "
                    f"({field(item, 'source') or 'Default'}, effective route)",
                    blackhole=kind is TargetKind.DROP,
                    pinned=rank == 2 and hop in ("vnetlocal", "vnetpeering", "vnetglobalpeering"),
                    yields_to_pinned=rank == 1))
        est.route_tables[f"{nic_key}#effective"] = RouteTable(
            NativeRef("azure", "effective-route-table", f"{iface.ref.id}#effective",
                      f"effective routes of {iface.ref.name}", iface.ref.account, iface.ref.region), tuple(routes))
