"""Azure peerings, VPN gateways and connections, NAT gateways and the internet edge → Gateways and
VpnLinks (pure).

Peering (virtual-network-peering-overview.md, virtual-network-manage-peering.md): one Gateway(kind PEERING)
per VNet pair, keyed by one side's peering resource. It is usable when both sides are Connected and allow
virtual network access. Peering is not transitive; `transit_into` lists the VNets that accept traffic whose
source lies outside the sending VNet: X accepts from Y when X's peering allows forwarded traffic, or when
X uses Y's remote gateway and Y allows gateway transit (traffic from Y's VPN gateway).

    hub/peerings/to-spoke1 {allowGatewayTransit: true, peeringState: Connected}
    spoke1/peerings/to-hub {useRemoteGateways: true, peeringState: Connected}
    → Gateway(<key of hub/peerings/to-spoke1>, PEERING, (hub, spoke1), transit_into=(spoke1,))

ExpressRoute (connectionType ExpressRoute, `peer` = the circuit): a VpnLink without addresses whose far end is
declared in links.json (the Azure–OCI Interconnect; _expressroute, build_expressroute_routes, snapshot/links.py).

VPN (vpn-gateway-about-vpngateways.md): a virtual network gateway is a Gateway(kind VPN) in the VNet of its
GatewaySubnet; each IPsec connection is a VpnLink from the gateway's public IPs to the local network
gateway's `gatewayIpAddress`, toward its `addressPrefixes`. Traffic arriving from a tunnel is routed by the
GatewaySubnet's effective routes (the gateway's edge route table), which include the peerings to spokes.

NAT gateway (nat-overview.md): source-translates the internet-bound traffic of the subnets it is attached
to, taking precedence over instance-level public IPs (overrides_public_ip).

Internet: every VNet gets a synthesised Gateway(kind INTERNET) `<vnet key>#internet` that the system route
0.0.0.0/0 → Internet points at; inbound it admits only traffic to a public IP the snapshot holds.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

from flightpath.collectors.azure import recognize as K
from flightpath.collectors.azure.arm import as_list, field, flag, key, lower, parse_id, props, ref_id, seq
from flightpath.collectors.azure.index import Context, PeerLink

from flightpath.model import Gateway, GatewayKind, IPAddress, IPNetwork, NativeRef, Network, VpnLink
from flightpath.model.addresses import parse_network
from flightpath.model.interconnect import Interconnect

OK_STATES = ("", "succeeded", "updating")


def _ip(value: Any) -> IPAddress | None:
    try:
        return ipaddress.ip_address(str(value).strip()) if value else None
    except ValueError:
        return None


def _cidrs(values: list[Any], where: str, warnings: list[str]) -> list[IPNetwork]:
    """A bad CIDR in an address space is an error naming the file and field (as for AWS)."""
    return [parse_network(v, f"{where}[{i}]") for i, v in enumerate(values)]


def address_space(p: dict[str, Any], name: str, where: str, warnings: list[str]) -> list[IPNetwork]:
    space = field(p, name)
    return _cidrs(as_list(field(space, "addressPrefixes")), f"{where}.{name}", warnings)


def build_public_ips(ctx: Context) -> None:
    for r in ctx.idx.all(K.PUBLIC_IP):
        ctx.pips[r.key] = _ip(field(r.p, "ipAddress"))


def pip_address(ctx: Context, reference: Any) -> IPAddress | None:
    """The address of a publicIPAddress reference: from the public IP resource, else inline (az CLI
    sometimes expands the reference)."""
    got = ctx.pips.get(key(ref_id(reference)))
    return got if got is not None else _ip(field(props(reference), "ipAddress"))


def build_peerings(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for r in idx.all(K.PEERING):
        local, remote_id = r.parent_key, ref_id(field(r.p, "remoteVirtualNetwork"))
        remote = key(remote_id)
        if not local or not remote:
            est.warnings.append(f"{r.where}: peering {r.name} without a remote virtual network; ignored")
            continue
        if remote not in est.networks:  # the far VNet is outside the snapshot: known by its peered space
            cidrs = address_space(r.p, "remoteAddressSpace", r.where, est.warnings) or address_space(
                r.p, "remoteVirtualNetworkAddressSpace", r.where, est.warnings)
            arm = parse_id(remote_id)
            est.networks[remote] = Network(NativeRef("azure", "virtual-network", remote_id, arm.name if arm else "",
                                                     arm.subscription if arm else "", ""), tuple(cidrs))
            est.warnings.append(f"virtual network {remote_id} (peer of {r.parent_key}) is outside the snapshot; "
                                "only its peered address space is known")
        pairs.setdefault(tuple(sorted((local, remote))), {}).setdefault(local, r)
    for pair, sides in pairs.items():
        gw_res = min(sides.values(), key=lambda r: r.key)
        notes = []
        for side, r in sides.items():
            state = lower(field(r.p, "peeringState"))
            if state != "connected":
                notes.append(f"peering {r.name} of {side.rsplit('/', 1)[-1]} is {state or 'in an unknown state'}")
            if not flag(field(r.p, "allowVirtualNetworkAccess"), True):
                notes.append(f"peering {r.name} of {side.rsplit('/', 1)[-1]} does not allow virtual network access")
        connected = all(lower(field(r.p, "peeringState")) == "connected" for r in sides.values())
        transit: list[str] = []
        uses_gw: dict[str, bool] = {}
        for x in pair:
            y = pair[1] if x == pair[0] else pair[0]
            sx, sy = sides.get(x), sides.get(y)
            gw_transit = sy is None or flag(field(sy.p, "allowGatewayTransit"))
            uses_gw[x] = bool(sx) and flag(field(sx.p, "useRemoteGateways")) and gw_transit
            if sx and (flag(field(sx.p, "allowForwardedTraffic")) or uses_gw[x]):
                transit.append(x)
        locations = {lower(r.location).replace(" ", "") for r in sides.values()} - {""}
        est.gateways[gw_res.key] = Gateway(
            gw_res.ref("virtual-network-peering"), GatewayKind.PEERING, pair, available=not notes,
            transit_into=tuple(transit), cross_region=len(locations) > 1, note="; ".join(notes))
        for x in pair:
            y = pair[1] if x == pair[0] else pair[0]
            remote_cidrs = est.networks[y].cidrs if y in est.networks else ()
            ctx.peers.setdefault(x, []).append(PeerLink(gw_res.key, y, tuple(remote_cidrs), connected,
                                                        connected and not notes, uses_gw[x]))


def _vng_public_ips(ctx: Context, r) -> list[IPAddress]:
    ips: list[IPAddress] = []
    for ipc in seq(r.p, "ipConfigurations"):
        pub = field(props(ipc), "publicIPAddress")
        ip = pip_address(ctx, pub) if pub else None
        if ip is not None and ip not in ips:
            ips.append(ip)
    bgp = field(r.p, "bgpSettings") or {}
    for peer in seq(bgp, "bgpPeeringAddresses"):  # the gateway's public tunnel addresses
        for t in as_list(field(peer, "tunnelIpAddresses")):
            ip = _ip(t)
            if ip is not None and ip not in ips:
                ips.append(ip)
    return ips


def build_vpn(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    gw_subnet: dict[str, str] = {}
    pubs: dict[str, list[IPAddress]] = {}
    for r in idx.all(K.VNG):
        subnets = [key(ref_id(field(props(ipc), "subnet"))) for ipc in seq(r.p, "ipConfigurations")]
        subnets = [s for s in subnets if s]
        if not subnets:
            est.warnings.append(f"{r.where}: virtual network gateway {r.name} has no GatewaySubnet; ignored")
            continue
        gw_subnet[r.key] = subnets[0]
        ctx.own_vng[ctx.vnet_of_subnet(subnets[0])] = r.key
        pubs[r.key] = _vng_public_ips(ctx, r)
    links: dict[str, list[str]] = {}
    for c in idx.all(K.CONNECTION):
        vng1 = key(ref_id(field(c.p, "virtualNetworkGateway1")))
        ctype = lower(field(c.p, "connectionType"))
        remote_ip, remote_cidrs = None, []
        if ctype == "vnet2vnet":
            vng2 = key(ref_id(field(c.p, "virtualNetworkGateway2")))
            remote_ip = (pubs.get(vng2) or [None])[0]
            other_vnet = ctx.vnet_of_subnet(gw_subnet.get(vng2, ""))
            remote_cidrs = list(est.networks[other_vnet].cidrs) if other_vnet in est.networks else []
        elif ctype == "expressroute":
            est.vpn_links[c.key] = _expressroute(ctx, c, vng1, pubs.get(vng1, []))
            links.setdefault(vng1, []).append(c.key)
            continue
        else:
            lng_ref = field(c.p, "localNetworkGateway2")
            lng = idx.get(K.LNG, key(ref_id(lng_ref)))
            lp = lng.p if lng else props(lng_ref)
            remote_ip = _ip(field(lp, "gatewayIpAddress"))
            remote_cidrs = address_space(lp, "localNetworkAddressSpace", lng.where if lng else c.where, est.warnings)
            bgp_peer = _ip(field(field(lp, "bgpSettings") or {}, "bgpPeeringAddress"))
            if bgp_peer is not None:
                remote_cidrs.append(ipaddress.ip_network(bgp_peer))
            if lng is None and not field(lp, "gatewayIpAddress"):
                est.warnings.append(f"local network gateway {ref_id(lng_ref) or '?'} of connection {c.name} is not "
                                    "in the snapshot: its address and prefixes are unknown")
            if flag(field(c.p, "enableBgp")):
                est.warnings.append(f"connection {c.name} uses BGP: only the local network gateway's address "
                                    "prefixes are known (routes learned over BGP are not in the snapshot)")
        status = lower(field(c.p, "connectionStatus"))
        up = status == "connected" if status else lower(field(c.p, "provisioningState")) in OK_STATES
        est.vpn_links[c.key] = VpnLink(c.ref(f"connection ({field(c.p, 'connectionType') or 'IPsec'})"),
                                       tuple(pubs.get(vng1, ())), remote_ip, up, tuple(remote_cidrs))
        links.setdefault(vng1, []).append(c.key)
        ctx.vng_prefixes.setdefault(vng1, []).extend(remote_cidrs)
    for r in idx.all(K.VNG):
        if r.key not in gw_subnet:
            continue
        state = lower(field(r.p, "provisioningState"))
        est.gateways[r.key] = Gateway(
            r.ref("virtual-network-gateway"), GatewayKind.VPN, (ctx.vnet_of_subnet(gw_subnet[r.key]),),
            available=state in OK_STATES, vpn_link_ids=tuple(links.get(r.key, ())),
            edge_route_table_id=f"{gw_subnet[r.key]}#routes",
            note="" if state in OK_STATES else f"gateway is {state}")


def _expressroute(ctx: Context, c, vng: str, local: list[IPAddress]) -> VpnLink:
    """An ExpressRoute connection (connectionType ExpressRoute, `peer` = the circuit) → a VpnLink with no addresses:
    the far end is another cloud only when declared in links.json (the Azure–OCI Interconnect: Microsoft,
    https://learn.microsoft.com/azure/virtual-machines/workloads/oracle/oracle-oci-overview, "choose Oracle Cloud
    FastConnect as the service provider"; Oracle, https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/
    azure.htm). Down when the connection's `connectionStatus` is not Connected, or the circuit's
    `serviceProviderProvisioningState` is not Provisioned / `circuitProvisioningState` not Enabled
    (https://learn.microsoft.com/azure/expressroute/expressroute-howto-circuit-arm: "the circuit is ready for use
    only when ServiceProviderProvisioningState is Provisioned")."""
    circuit_id = ref_id(field(c.p, "peer", "expressRouteCircuit"))
    circ = ctx.idx.get(K.ER_CIRCUIT, key(circuit_id))
    down = []
    status = field(c.p, "connectionStatus")
    if lower(status) not in ("", "connected", "unknown"):
        down.append(f"ExpressRoute connection {c.name} is {status} (connectionStatus)")
    if lower(field(c.p, "provisioningState")) not in OK_STATES:
        down.append(f"ExpressRoute connection {c.name} is {field(c.p, 'provisioningState')} (provisioningState)")
    provider = ""
    if circ is not None:
        provider = str(field(field(circ.p, "serviceProviderProperties") or {}, "serviceProviderName") or "")
        for name, want in (("serviceProviderProvisioningState", "provisioned"),
                           ("circuitProvisioningState", "enabled")):
            got = field(circ.p, name)
            if lower(got) not in ("", want):
                down.append(f"ExpressRoute circuit {circ.name} is {got} ({name})")
    else:
        ctx.est.warnings.append(f"ExpressRoute circuit {circuit_id or '?'} of connection {c.name} is not in the "
                                "snapshot: its provisioning state is unknown")
    undeclared = ""
    if "oracle" in provider.lower():  # an Azure–OCI Interconnect: the far end is a FastConnect virtual circuit
        undeclared = (f"ExpressRoute circuit {circ.name} (provider {provider}) leads to an OCI FastConnect virtual "
                      "circuit that no links.json entry names, so where it arrives is unknown")
    elif circ is None:  # its provider is unknown: it may be the Interconnect (`collect azure` does not list circuits)
        undeclared = (f"ExpressRoute circuit {circuit_id or '?'} of connection {c.name} is not in the snapshot and no "
                      "links.json entry names it, so where it arrives is unknown")
    else:
        ctx.est.warnings.append(f"connection {c.name} is ExpressRoute: its far end is outside the snapshot "
                                "(an Azure–OCI Interconnect is declared in links.json)")
    ic = Interconnect(key(circuit_id), learned_kind="gateway", learned_target=vng, learned_rank=1,
                      learned_origin="VirtualNetworkGateway", learned_yields=True, undeclared=undeclared)
    return VpnLink(c.ref("connection (ExpressRoute)"), tuple(local), None, not down, (), unknown=undeclared,
                   down_reason="; ".join(down), interconnect=ic)


def build_expressroute_routes(ctx: Context) -> None:
    """After the subnet tables: what an ExpressRoute gateway learns over BGP reaches the subnets of its VNet and of
    the VNets that use it as remote gateway (gateway transit, virtual-network-peering-overview), unless their route
    table disables BGP route propagation (virtual-networks-udr-overview). The snapshot does not hold those routes
    (only a NIC's effective routes do), so those tables are `missing` (a trace ends `unknown`) until links.json
    declares the interconnect and the routes are derived from the other side (snapshot/links.py). The gateway
    advertises the same VNets' address space (oracle-oci-overview: the VNet and VCN must not overlap)."""
    est, idx = ctx.est, ctx.idx
    for lid, link in list(est.vpn_links.items()):
        ic = link.interconnect
        if ic is None or link.ref.cloud != "azure":
            continue
        vnets = {v for v in est.networks if ctx.gateway_for(v) == ic.learned_target}
        gw = est.gateways.get(ic.learned_target)
        missing = (f"the routes {gw.ref.name if gw else ic.learned_target} learns over ExpressRoute connection "
                   f"{link.ref.name} (BGP) are not in the snapshot: collect the NICs' effective routes, or declare "
                   "the interconnect in links.json")
        tables = []
        for sn in idx.all(K.SUBNET):
            tid, table = f"{sn.key}#routes", est.route_tables.get(f"{sn.key}#routes")
            if ctx.vnet_of_subnet(sn.key) not in vnets or table is None or table.missing:
                continue
            rt = idx.get(K.ROUTE_TABLE, key(ref_id(field(sn.p, "routeTable"))))
            if rt and flag(field(rt.p, "disableBgpRoutePropagation")):
                continue
            est.route_tables[tid] = dataclasses.replace(table, missing=missing)
            tables.append(tid)
        cidrs = tuple(dict.fromkeys(c for v in sorted(vnets) for c in est.networks[v].cidrs))
        est.vpn_links[lid] = dataclasses.replace(link, interconnect=dataclasses.replace(
            ic, advertises=cidrs, learned_into=tuple(tables), learned_missing=missing))


def build_nat(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    users: dict[str, list[str]] = {}
    for sn in idx.all(K.SUBNET):
        nat = key(ref_id(field(sn.p, "natGateway")))
        if nat:
            users.setdefault(nat, []).append(ctx.vnet_of_subnet(sn.key))
    for r in idx.all(K.NAT_GATEWAY):
        ips = [ip for ip in (pip_address(ctx, x) for x in as_list(field(r.p, "publicIpAddresses", "publicIPAddresses")))
               if ip is not None]
        if as_list(field(r.p, "publicIpPrefixes", "publicIPPrefixes")):
            est.warnings.append(f"NAT gateway {r.name}: its public IP prefixes are not evaluated "
                                "(only its public IP addresses)")
        if not ips:
            est.warnings.append(f"NAT gateway {r.name}: none of its public IP addresses is in the snapshot; "
                                "its subnets' internet traffic is not shown translated")
        for s in as_list(field(r.p, "subnets")):
            users.setdefault(r.key, []).append(ctx.vnet_of_subnet(key(ref_id(s))))
        state = lower(field(r.p, "provisioningState"))
        est.gateways[r.key] = Gateway(
            r.ref("nat-gateway"), GatewayKind.NAT, tuple(dict.fromkeys(v for v in users.get(r.key, []) if v)),
            available=state in OK_STATES, public_ips=tuple(ips), overrides_public_ip=True,
            note="" if state in OK_STATES else f"NAT gateway is {state}")


def internet_key(vnet_key: str) -> str:
    return f"{vnet_key}#internet"


def build_internet(ctx: Context) -> None:
    for r in ctx.idx.all(K.VNET):
        ctx.est.gateways[internet_key(r.key)] = Gateway(
            r.ref("internet (system route)", "#internet", "Internet"), GatewayKind.INTERNET, (r.key,),
            note="Azure's default route 0.0.0.0/0 -> Internet")
