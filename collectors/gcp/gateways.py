"""GCP gateways → Gateways and VpnLinks: default internet gateway, Cloud NAT, VPC peering, HA / classic VPN.

- Every network has the default internet gateway as a next hop (https://cloud.google.com/vpc/docs/routes#
  next-hops): Gateway(INTERNET) "<net>#internet". Egress to the internet needs an external IP on the NIC or
  Cloud NAT for the subnet (https://cloud.google.com/nat/docs/overview: "Cloud NAT ... for VMs without
  external IP addresses"; a NIC with an external IP uses it, so `overrides_public_ip` stays False).
- Cloud NAT (routers[].nats[]): covers the subnets of the router's network in the router's region
  (ALL_SUBNETWORKS_* or LIST_OF_SUBNETWORKS); its addresses are `natIps` (address links, resolved through
  the addresses list) or, for AUTO_ONLY, the router status `natStatus[].autoAllocatedNatIps`. None known →
  the NAT gateway has no public_ips and a trace through it ends `unknown`, saying why.
- VPC peering (https://cloud.google.com/vpc/docs/vpc-peering): usable only when `state` is ACTIVE (both sides
  configured); one Gateway(PEERING) per pair of networks. Not transitive (the core's peering step).
- HA VPN / classic VPN: one VpnLink per tunnel (local = the HA VPN interface address the tunnel uses, or the
  classic gateway's forwarding-rule address; remote = `peerIp`; up = `status` ESTABLISHED), owned by one
  Gateway(VPN) per tunnel ("<tunnel>#gateway"), so that a route's nextHopVpnTunnel picks that tunnel.

Example: vpnGateway ha-vpn (vpnInterfaces [{"id": 0, "ipAddress": "35.242.0.1"}]) and vpnTunnel t0
{"vpnGateway": ".../vpnGateways/ha-vpn", "vpnGatewayInterface": 0, "peerIp": "52.0.3.1", "status": "ESTABLISHED"}
→ VpnLink(t0, local_ips=(35.242.0.1,), remote_ip=52.0.3.1, up=True);
  Gateway("<t0>#gateway", VPN, network_ids=(<ha-vpn's network>,), vpn_link_ids=(<t0>,))
"""

from __future__ import annotations

from flightpath.errors import SnapshotError
from flightpath.model import Gateway, GatewayKind, IPAddress, NativeRef, VpnLink
from flightpath.model.addresses import parse_address

from flightpath.collectors.gcp.index import Context
from flightpath.collectors.gcp.links import Item, as_list, key, name_of


def build_internet(ctx: Context, networks: dict[str, Item]) -> None:
    for k, n in networks.items():
        ctx.est.gateways[f"{k}#internet"] = Gateway(
            NativeRef("gcp", "default-internet-gateway", f"{k}#internet", f"default internet gateway of {n.name}",
                      n.project), GatewayKind.INTERNET, (k,))


def build_nat(ctx: Context, subnets: dict[str, Item]) -> dict[str, str]:
    """Cloud NAT gateways; returns subnet key -> NAT gateway id."""
    addresses = {a.key: a for a in ctx.idx.all("address")}  # a bad address names its own file
    status: dict[tuple[str, str], tuple[dict, str]] = {}  # (router, NAT) -> (its natStatus entry, where)
    for doc in ctx.idx.router_status:
        for k, nat in enumerate(as_list((doc.body or {}).get("natStatus"), f"{doc.path}: result.natStatus")):
            where = f"{doc.path}: result.natStatus[{k}]"
            if not isinstance(nat, dict):
                raise SnapshotError(f"{where}: expected an object, got {type(nat).__name__}")
            status[(doc.resource_id.rsplit("/", 1)[-1], str(nat.get("name")))] = (nat, where)
    covered: dict[str, str] = {}
    by_place: dict[tuple[str, str], list[str]] = {}
    for s, it in subnets.items():
        by_place.setdefault((key(it.get("network")), it.region), []).append(s)
    for router in ctx.idx.all("router"):
        net = key(router.get("network"))
        for i, nat in enumerate(as_list(router.get("nats"), f"{router.where}.nats")):
            where = f"{router.where}.nats[{i}]"
            gid = f"{router.key}#nat/{nat.get('name')}"
            ips: list[IPAddress] = []
            for j, link in enumerate(as_list(nat.get("natIps"), f"{where}.natIps")):
                addr = addresses.get(key(link))
                if addr is not None and addr.get("address"):
                    ips.append(parse_address(addr.get("address"), f"{addr.where}.address"))
            st, st_where = status.get((router.name, str(nat.get("name"))), ({}, ""))
            for f in ("userAllocatedNatIps", "autoAllocatedNatIps"):
                for j, ip in enumerate(as_list(st.get(f), f"{st_where}.{f}")):
                    addr = parse_address(ip, f"{st_where}.{f}[{j}]")
                    if addr not in ips:
                        ips.append(addr)
            note = "" if ips else (
                f"Cloud NAT {nat.get('name')} allocates its addresses "
                f"{'automatically' if str(nat.get('natIpAllocateOption', 'AUTO_ONLY')) == 'AUTO_ONLY' else 'from addresses'}"
                " and they are not in the snapshot (collect routers.getRouterStatus and addresses)")
            ctx.est.gateways[gid] = Gateway(NativeRef("gcp", "cloud-nat", gid, str(nat.get("name")), router.project,
                                                      router.region), GatewayKind.NAT, (net,),
                                            public_ips=tuple(ips), note=note)
            mode = str(nat.get("sourceSubnetworkIpRangesToNat", "ALL_SUBNETWORKS_ALL_IP_RANGES"))
            if mode.startswith("ALL_SUBNETWORKS"):
                chosen = by_place.get((net, router.region), [])
            else:
                chosen = [key(s.get("name")) for s in as_list(nat.get("subnetworks"), f"{where}.subnetworks")
                          if isinstance(s, dict)]
            for s in chosen:
                covered.setdefault(s, gid)
    return covered


def build_peerings(ctx: Context, networks: dict[str, Item]) -> None:
    seen: set[str] = set()
    for k, n in networks.items():
        for i, p in enumerate(as_list(n.get("peerings"), f"{n.where}.peerings")):
            peer = key(p.get("network"))
            gid = "gcp-peering:" + "|".join(sorted((k, peer)))
            theirs = next((q for q in (networks[peer].get("peerings") or []) if key(q.get("network")) == k), None) \
                if peer in networks else None
            active = str(p.get("state", "ACTIVE")).upper() == "ACTIVE"
            ctx.peerings.append((k, peer, gid, p, theirs if active else None))
            if peer not in networks:
                ctx.est.warnings.append(f"network {n.name} peers with {peer}, which is not in the snapshot: routes "
                                        "to it are unknown")
            if gid in seen:
                continue
            seen.add(gid)
            transit = tuple(net for net, mine, other in ((k, p, theirs), (peer, theirs, p))
                            if mine and other and mine.get("importCustomRoutes") and other.get("exportCustomRoutes"))
            ctx.est.gateways[gid] = Gateway(
                NativeRef("gcp", "network-peering", gid, str(p.get("name")), n.project), GatewayKind.PEERING,
                (k, peer), available=active, transit_into=transit,
                note="" if active else f"peering {p.get('name')} is {p.get('state')}: {p.get('stateDetails', '')}")


def _interface_addresses(gw: Item, iface: str) -> list[IPAddress]:
    """The HA VPN gateway's address on interface `iface`; errors name the gateway's file and field."""
    out = []
    for j, v in enumerate(as_list(gw.get("vpnInterfaces"), f"{gw.where}.vpnInterfaces")):
        at = f"{gw.where}.vpnInterfaces[{j}]"
        if not isinstance(v, dict):
            raise SnapshotError(f"{at}: expected an object, got {type(v).__name__}")
        if str(v.get("id", 0) or 0) == iface and v.get("ipAddress"):
            out.append(parse_address(v.get("ipAddress"), f"{at}.ipAddress"))
    return out


def build_vpn(ctx: Context) -> None:
    ha = {g.key: g for g in ctx.idx.all("vpnGateway")}
    classic = {g.key: g for g in ctx.idx.all("targetVpnGateway")}
    classic_ips: dict[str, list[str]] = {}
    for fr in ctx.idx.all("forwardingRule"):
        if key(fr.get("target")) in classic and fr.get("IPAddress"):
            classic_ips.setdefault(key(fr.get("target")), []).append(str(fr.get("IPAddress")))
    for t in ctx.idx.all("vpnTunnel"):
        where = t.where
        if t.get("vpnGateway"):
            gw = ha.get(key(t.get("vpnGateway")))
            iface = str(t.get("vpnGatewayInterface", 0) or 0)
            local = _interface_addresses(gw, iface) if gw else []
        else:
            gw = classic.get(key(t.get("targetVpnGateway")))
            local = [parse_address(ip, f"{where}: forwarding rule IPAddress") for ip in classic_ips.get(gw.key, [])] \
                if gw else []
        if gw is None:
            ctx.est.warnings.append(f"{where}: its VPN gateway is not in the snapshot; tunnel ignored")
            continue
        net = key(gw.get("network"))
        peer = t.get("peerIp")
        status = str(t.get("status", ""))
        ctx.est.vpn_links[t.key] = VpnLink(
            t.ref("vpn-tunnel"), tuple(local),
            parse_address(peer, f"{where}.peerIp") if peer else None, up=status == "ESTABLISHED")
        ctx.est.gateways[f"{t.key}#gateway"] = Gateway(
            t.ref("vpn-gateway", "#gateway", f"{gw.name} ({t.name})"), GatewayKind.VPN, (net,),
            vpn_link_ids=(t.key,), note=f"tunnel {t.name} is {status or 'in an unknown state'}"
            + (f": {t.get('detailedStatus')}" if t.get("detailedStatus") else ""))
    for g in list(ha.values()) + list(classic.values()):
        if not any(key(t.get("vpnGateway") or t.get("targetVpnGateway")) == g.key for t in ctx.idx.all("vpnTunnel")):
            ctx.est.warnings.append(f"VPN gateway {name_of(g.key)} has no tunnel in the snapshot")
