"""GCP routes → one RouteTable per network (plus variants for network tags and regional dynamic routing).

Route selection (https://cloud.google.com/vpc/docs/routes#routeselection): subnet routes (local and peering)
are evaluated before custom routes, then the most specific destination, then the lowest priority number,
then ECMP. As data: subnet routes are `pinned` with rank 0 and custom routes `yields_to_pinned` with rank
priority + 1, so no custom route overrides a subnet route, whatever its prefix (a more specific custom
route inside a subnet range is only accepted by GCP in documented special cases:
https://cloud.google.com/vpc/docs/routes#subnet-route-interactions). Equal prefix and priority (ECMP): equal
ranks, in a deterministic order (by next hop); the core walks each branch and the trace is `ambiguous` when
they end differently.

- Network-tag routes apply only to instances with one of the tags (routes#instance_routing_with_tags):
  such instances get their own table (`Interface.route_table_id`), one per distinct set of applicable routes.
- Dynamic (BGP) routes are `routers.getRouterStatus` `result.bestRoutes`; with `routingConfig.routingMode`
  REGIONAL (the default) they apply only in the Cloud Router's region (routes#dynamic-routes), so subnets in
  other regions get a table without them.
- Private Google Access: subnets with it get a variant whose 199.36.153.8/30 and 199.36.153.4/30 lead to a
  Google APIs endpoint (see `_google_apis`).
- Peering (https://cloud.google.com/vpc/docs/vpc-peering#route-exchange-options): the peer's subnet routes are
  always exchanged; its custom routes only when this side imports and the peer exports (never tagged static
  routes nor the default internet route). An imported custom route keeps its next hop inside the peer: the
  packet crosses the peering and is routed there by the table of what the peer exports (`_exported_table`,
  Gateway.routes_into).

Example: network n1 (subnet 10.0.1.0/24), routes default-internet 0.0.0.0/0 priority 1000 and to-appliance
10.9.0.0/16 → instance fw priority 800, tags ["blue"]
→ RouteTable("<n1>#routes": 10.0.1.0/24 LOCAL pinned rank 0; 0.0.0.0/0 → <n1>#internet rank 1001)
  RouteTable("<n1>#routes#tagged-0": the same + 10.9.0.0/16 → <fw nic0> rank 801) for instances tagged blue.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from ipaddress import ip_network

from flightpath.errors import SnapshotError
from flightpath.model import Gateway, GatewayKind, NativeRef, Route, RouteTable, TargetKind
from flightpath.model.addresses import parse_network
from flightpath.model.interning import text

from flightpath.collectors.gcp.index import Context
from flightpath.collectors.gcp.links import Item, as_list, key, name_of, region_of


GOOGLE_API_VIPS = (ip_network("199.36.153.8/30"), ip_network("199.36.153.4/30"))


@dataclass(frozen=True, slots=True)
class Native:
    """A custom route as read: its destination and next hop, before it becomes a model Route."""

    route: Route
    tags: tuple[str, ...] = ()
    region: str = ""  # dynamic routes of a regional network: the Cloud Router's region
    exportable: bool = True


class Routes:
    def __init__(self, ctx: Context, networks: dict[str, Item]) -> None:
        self.ctx = ctx
        self.networks = networks
        self.custom: dict[str, list[Native]] = {}
        self.variants: dict[str, tuple[str, str, frozenset[int]]] = {}  # table id -> (network, region, tagged)
        self._ips: dict[tuple[str, str], str] | None = None
        self.regional = {k for k, n in networks.items()
                         if str((n.get("routingConfig") or {}).get("routingMode", "REGIONAL")).upper() == "REGIONAL"}

    # --- reading ------------------------------------------------------------------------------------
    def read(self) -> None:
        for item in self.ctx.idx.all("route"):
            net = key(item.need("network"))
            if item.get("nextHopNetwork") and not item.get("nextHopPeering"):
                continue  # a subnet route as routes.list shows it: built from the subnets instead
            dest = parse_network(item.need("destRange"), f"{item.where}.destRange")
            if net not in self.networks:
                if (item.project, "network") in self.ctx.idx.seen:
                    raise SnapshotError(f"{item.where}: field 'network' names {net}, which is not in the snapshot")
                self.ctx.est.warnings.append(f"{item.where}: its network {net} is not in the snapshot; route ignored")
                continue
            prio = self._priority(item.body, item.where)
            kind, target, blackhole = self._next_hop(item.body, net)
            hop = target.rsplit("/", 1)[-1].split("#")[0] or kind.value
            r = Route(dest, kind, target, prio + 1, "static", text(f"{dest} -> {hop} ({item.name}, priority {prio})"),
                      blackhole=blackhole, yields_to_pinned=True)
            tags = tuple(str(t) for t in as_list(item.get("tags"), f"{item.where}.tags"))
            internet = "default-internet-gateway" in str(item.get("nextHopGateway", ""))
            self.custom.setdefault(net, []).append(Native(r, tags, exportable=not tags and not internet))
        for doc in self.ctx.idx.router_status:
            self._read_status(doc)
        self._lost_bgp: dict[str, str] = {}
        for m in self.ctx.missing:  # a router with BGP peers whose status failed: its learned routes are unknown
            if m.operation == "routers.getRouterStatus":
                router = next((r for r in self.ctx.idx.all("router") if r.project == m.scope and r.get("bgpPeers")
                               and m.resource_id in ("", r.name)), None)
                if router is not None:
                    self._lost_bgp[key(router.get("network"))] = (
                        f"the BGP routes of Cloud Router {router.name} are unknown: routers.getRouterStatus failed "
                        f"in {m.scope}: {m.code} {m.message}")
        for routes in self.custom.values():
            routes.sort(key=lambda n: (n.route.destination.version, int(n.route.destination.network_address),
                                       n.route.destination.prefixlen, n.route.rank, n.route.target_id))

    def _read_status(self, doc) -> None:
        result = doc.body if isinstance(doc.body, dict) else {}
        name = doc.resource_id.rsplit("/", 1)[-1]
        project = doc.scope.get("project", "")
        router = next((r for r in self.ctx.idx.all("router") if r.name == name
                       and (not project or r.project == project)), None)
        net = key(result.get("network") or (router.get("network") if router else ""))
        if net not in self.networks:
            self.ctx.est.warnings.append(f"{doc.path}: router status for a network not in the snapshot; ignored")
            return
        region = router.region if router else region_of(doc.resource_id)
        for i, br in enumerate(as_list(result.get("bestRoutes"), f"{doc.path}.result.bestRoutes")):
            where = f"{doc.path}: result.bestRoutes[{i}]"
            dest = parse_network(br.get("destRange"), f"{where}.destRange")
            prio = self._priority(br, where)
            kind, target, blackhole = self._next_hop(br, net)
            r = Route(dest, kind, target, prio + 1, "dynamic (BGP)",
                      text(f"{dest} -> {target.rsplit('/', 1)[-1].split('#')[0]} (BGP via {name}, priority {prio})"),
                      blackhole=blackhole, yields_to_pinned=True)
            self.custom.setdefault(net, []).append(Native(r, (), region if net in self.regional else ""))

    def _priority(self, body, where: str) -> int:
        try:
            return int(body.get("priority", 1000))
        except (TypeError, ValueError):
            raise SnapshotError(f"{where}: field 'priority' is not a number: {body.get('priority')!r}") from None

    def _next_hop(self, b, net: str) -> tuple[TargetKind, str, bool]:
        if b.get("nextHopGateway"):
            if name_of(b["nextHopGateway"]) == "default-internet-gateway":
                return TargetKind.GATEWAY, f"{net}#internet", False
            return TargetKind.INTERFACE, f"gateway {b['nextHopGateway']} (unknown kind)", False
        if b.get("nextHopVpnTunnel"):
            return TargetKind.GATEWAY, f"{key(b['nextHopVpnTunnel'])}#gateway", False
        if b.get("nextHopInstance"):  # resolved to the instance's NIC in this network by build()
            return TargetKind.INTERFACE, key(b["nextHopInstance"]), False
        if b.get("nextHopIlb"):
            return (TargetKind.INTERFACE, f"internal passthrough load balancer {b['nextHopIlb']} (flightpath does not "
                    "model load balancer backends)", False)
        if b.get("nextHopIp"):
            return TargetKind.INTERFACE, f"ip:{b['nextHopIp']}", False
        if b.get("nextHopPeering"):
            gw = next((g for (a, _p, g, body, _r) in self.ctx.peerings if a == net
                       and body.get("name") == b["nextHopPeering"]), "")
            return TargetKind.GATEWAY, gw or f"peering {b['nextHopPeering']}", False
        if b.get("nextHopHub") or b.get("nextHopInterconnectAttachment"):
            what = b.get("nextHopHub") or b.get("nextHopInterconnectAttachment")
            return TargetKind.INTERFACE, f"{what} (not modeled)", False
        return TargetKind.DROP, "", True

    # --- tables -------------------------------------------------------------------------------------
    def table_id(self, network: str, region: str, tags: frozenset[str] = frozenset(), pga: bool = False) -> str:
        """The table for a subnet (or a tagged VM's NIC): per network, + region (regional dynamic routing),
        + the tag routes that apply, + Private Google Access of the subnet."""
        tagged = frozenset(i for i, n in enumerate(self.custom.get(network, ())) if n.tags and tags.intersection(n.tags))
        rid = f"{network}#routes"
        region = region if network in self.regional and any(n.region for n in self.custom.get(network, ())) else ""
        if region:
            rid += f"@{region}"
        if tagged:
            rid += "#tagged-" + ",".join(str(i) for i in sorted(tagged))
        if pga:
            rid += "#private-google-access"
        self.variants.setdefault(rid, (network, region, tagged))
        return rid

    def build(self, subnet_routes: dict[str, list[Route]]) -> None:
        """subnet_routes: network -> its subnet routes (LOCAL, pinned)."""
        est = self.ctx.est
        peer_routes = self._peering_routes(subnet_routes)
        for rid, (net, region, tagged) in self.variants.items():
            item = self.networks.get(net)
            project = item.project if item else ""
            ref = NativeRef("gcp", "routes", rid, f"routes of {name_of(net)}" + (f" in {region}" if region else "")
                            + (" for tagged instances" if tagged else ""), project, region)
            lost = self._lost_bgp.get(net, "") or self.ctx.why_missing("subnetworks", project)
            if lost:
                est.route_tables[rid] = RouteTable(ref, (), missing=lost)
                continue
            if item is not None and (project, "route") not in self.ctx.idx.seen:
                why = self.ctx.why_missing("routes", project) or f"the routes of project {project} are not in the snapshot"
                est.route_tables[rid] = RouteTable(ref, (), missing=why)
                continue
            chosen = [self._resolve(n.route, net) for i, n in enumerate(self.custom.get(net, ()))
                      if (not n.tags or i in tagged) and (not n.region or not region or n.region == region)]
            if rid.endswith("#private-google-access"):
                chosen += self._google_apis(net, chosen)
            est.route_tables[rid] = RouteTable(ref, tuple(subnet_routes.get(net, [])) + tuple(peer_routes.get(net, []))
                                               + tuple(chosen))

    def _google_apis(self, net: str, routes: list[Route]) -> list[Route]:
        """Private Google Access (https://cloud.google.com/vpc/docs/private-google-access): VMs without an external
        IP in a subnet with it enabled reach Google APIs through a route to the default internet gateway; the
        private.googleapis.com / restricted.googleapis.com addresses (199.36.153.8/30, 199.36.153.4/30: the
        only Google API addresses a snapshot can know) then lead to the Google APIs endpoint, not the internet.
        Each keeps the rank of the internet route it rides on."""
        out = []
        for vip in GOOGLE_API_VIPS:
            best = min((r for r in routes if r.destination is not None and r.destination.version == 4
                        and vip.subnet_of(r.destination)), key=lambda r: (-r.destination.prefixlen, r.rank), default=None)
            if best is not None and best.target_id == f"{net}#internet":
                gid = f"{net}#google-apis"
                self.ctx.est.gateways.setdefault(gid, Gateway(
                    NativeRef("gcp", "google-apis", gid, "Google APIs (Private Google Access)"), GatewayKind.SERVICE_ENDPOINT,
                    (net,)))
                out.append(Route(vip, TargetKind.GATEWAY, gid, best.rank, "Private Google Access",
                                 f"{vip} -> Google APIs (Private Google Access, via {best.label})", yields_to_pinned=True))
        return out

    def _resolve(self, r: Route, net: str) -> Route:
        """Next-hop instances and IPs → the NIC that holds them in this network (interfaces are built by now)."""
        if r.target_kind is not TargetKind.INTERFACE:
            return r
        if r.target_id.startswith("ip:"):
            ip = r.target_id[3:]
            hit = self._by_ip.get((net, ip), "")
            return replace(r, target_id=hit or f"next hop IP {ip} (no VM NIC in the snapshot holds it)")
        if "/instances/" in r.target_id:
            return replace(r, target_id=self.ctx.nic_of.get((r.target_id, net), r.target_id))
        return r

    @property
    def _by_ip(self) -> dict[tuple[str, str], str]:
        if self._ips is None:
            self._ips = {(i.network_id, str(ip)): iid for iid, i in self.ctx.est.interfaces.items()
                         if i.ref.cloud == "gcp" for ip in i.private_ips[:1]}
        return self._ips

    def _peering_routes(self, subnet_routes: dict[str, list[Route]]) -> dict[str, list[Route]]:
        out: dict[str, list[Route]] = {}
        for local, peer, gw, mine, theirs in self.ctx.peerings:
            if peer not in self.networks or theirs is None:
                continue
            for r in subnet_routes.get(peer, []):
                out.setdefault(local, []).append(Route(r.destination, TargetKind.GATEWAY, gw, 0, "peering subnet",
                                                       text(f"{r.destination} -> peering {mine.get('name')}"),
                                                       pinned=True))
            if mine.get("importCustomRoutes") and theirs.get("exportCustomRoutes"):
                exported = [n.route for n in self.custom.get(peer, []) if n.exportable]
                for r in exported:
                    out.setdefault(local, []).append(Route(
                        r.destination, TargetKind.GATEWAY, gw, r.rank, "peering custom",
                        text(f"{r.destination} -> peering {mine.get('name')} (imported: {r.label})"),
                        yields_to_pinned=True))
                if exported:
                    self._exported_table(local, peer, gw, exported)
        return out

    def _exported_table(self, local: str, peer: str, gw: str, exported: list[Route]) -> None:
        """The custom routes `peer` exports to `local`, as a table the peering routes `local`'s traffic by once in
        `peer`: an imported route keeps the exporting network's next hop (a VPN tunnel, an instance, an IP in
        `peer`; https://cloud.google.com/vpc/docs/vpc-peering#importing-exporting-routes), so the packet crosses the
        peering and leaves by that next hop. Only `peer`'s own custom routes are exchanged (routes imported from a
        third network are not re-exported: peering is not transitive).

        Example: hub exports 192.168.50.0/24 -> tunnel t1, spoke imports → RouteTable("<hub>#routes#exported-to:
        <spoke>", (192.168.50.0/24 → <t1>#gateway,)); Gateway(<peering>).routes_into = ((<hub>, that table id),)."""
        tid = f"{peer}#routes#exported-to:{local}"
        item = self.networks.get(peer)
        ref = NativeRef("gcp", "routes", tid, f"custom routes {name_of(peer)} exports to {name_of(local)}",
                        item.project if item else "")
        self.ctx.est.route_tables[tid] = RouteTable(ref, tuple(self._resolve(r, peer) for r in exported))
        g = self.ctx.est.gateways.get(gw)
        if g is not None:
            self.ctx.est.gateways[gw] = replace(g, routes_into=tuple((dict(g.routes_into) | {peer: tid}).items()))
