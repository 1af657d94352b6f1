"""OCI DRGs, DRG attachments, DRG route tables and IPSec connections → TransitRouters, RouterAttachments,
router RouteTables, VCN-side Gateways and VpnLinks (pure).

Oracle (oci CLI `drg-route-table`, https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm):
"All routing inside the DRG is driven by the contents of DRG route tables ... The routing decision for a packet
entering a DRG is determined by the rules in the DRG route table assigned to the attachment-of-entry. Each DRG
attachment can inject routes in any DRG route table, provided there is a statement corresponding to the
attachment in the route table's importDrgRouteDistribution. You can also insert static routes".

- DRG → TransitRouter; associations (attachment, its `drgRouteTableId`). An attachment without one uses the
  DRG's default table for its type (`defaultDrgRouteTables`: vcn / ipsecTunnel / virtualCircuit /
  remotePeeringConnection).
- Attachment by `networkDetails.type`: VCN → NETWORK (resource = VCN) plus a Gateway(TRANSIT_ATTACHMENT) keyed by
  the attachment id that VCN route rules to the DRG point at, `edge_route_table_id` = the attachment's VCN route
  table (transit routing through a hub VCN, https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/
  transitrouting.htm), else a synthesised `<attachment>#vcn-local` table of the VCN's local routes; IPSEC_TUNNEL → VPN (resource = the IPSec connection's VpnLink); REMOTE_PEERING_CONNECTION
  → PEERING (peer router = the peer RPC's DRG); VIRTUAL_CIRCUIT → VPN when the virtual circuit is in the snapshot
  (a VpnLink keyed by its OCID, see _virtual_circuits), else DIRECT_CONNECT; anything else → OTHER.
- Route rules: `ListDrgRouteRules/<table>.json` (static and dynamic, as the DRG computed them) is ground truth;
  `isConflict` rules are "not imported due to a conflict" and are left out; `isBlackhole` (or next hop
  BLACKHOLE) drops. Without it, the rules are derived from the import distribution's statements (VCN
  attachments contribute their VCN's CIDRs, IPSec attachments their connection's `staticRoutes`) and the table
  is marked `derived` (the static rules are unknown, so "no route" becomes `unknown`).
- Ranks: longest prefix first; then static (0) over dynamic; among dynamic routes (after the shortest BGP
  AS_PATH, which a snapshot does not hold) VCN (1) > virtual circuit (2) > IPSec (3) > remote peering (4).
  Oracle's A-Team summarises managingDRGs.htm's "Route Conflicts" so: "Static routes always have a higher
  preference than dynamic routes ... the attachment type that imported the route is evaluated according to the
  following priority ...: VCN > VC > IPSec > RPC" (https://www.ateam-oracle.com/oci-drgv2-and-route-conflict;
  tests/oci/test_oci_drg_conflicts.py). In `ListDrgRouteRules` the DRG has already resolved conflicts (the
  losers carry `isConflict` and are dropped above), so the ranks mostly order the routes of a derived table.
- IPSec connection → VpnLink: local_ips = its tunnels' `vpnIp` (Oracle's headends), remote_ip = the CPE's
  `ipAddress`, up = any tunnel `status` UP, remote_cidrs = `staticRoutes`; without the tunnels (not collected,
  or the call failed) `unknown` says so and a trace over the link ends `unknown` (or --assume tunnels-up).

    ListDrgRouteRules/ocid1.drgroutetable.oc1..rt.json:
      [{"destination": "10.0.0.0/16", "nextHopDrgAttachmentId": "ocid1.drgattachment.oc1..vcn", "routeType": "DYNAMIC",
        "routeProvenance": "VCN", "isConflict": false, "isBlackhole": false}]
    → RouteTable(oci/drg-route-table, (Route(10.0.0.0/16, ATTACHMENT, "ocid1.drgattachment.oc1..vcn", rank 1),))
"""

from __future__ import annotations

from typing import Any

from flightpath.collectors.oci import recognize as K
from flightpath.collectors.oci.index import Context, Res
from flightpath.collectors.oci.routes import local_routes

from flightpath.model import (
    AttachmentKind,
    Gateway,
    GatewayKind,
    IPNetwork,
    Route,
    RouterAttachment,
    RouteTable,
    TargetKind,
    TransitRouter,
    VpnLink,
)
from flightpath.model.addresses import parse_address, parse_network
from flightpath.model.interconnect import Interconnect

DYNAMIC_RANK = {"VCN": 1, "VIRTUAL_CIRCUIT": 2, "IPSEC_TUNNEL": 3, "REMOTE_PEERING_CONNECTION": 4}
DEFAULT_TABLE_KEY = {"VCN": "vcn", "IPSEC_TUNNEL": "ipsecTunnel", "VIRTUAL_CIRCUIT": "virtualCircuit",
                     "REMOTE_PEERING_CONNECTION": "remotePeeringConnection"}
KIND = {"VCN": AttachmentKind.NETWORK, "IPSEC_TUNNEL": AttachmentKind.VPN,
        "REMOTE_PEERING_CONNECTION": AttachmentKind.PEERING, "VIRTUAL_CIRCUIT": AttachmentKind.DIRECT_CONNECT}


def attachment_type(a: Res) -> str:
    details = a.get("networkDetails") or {}
    t = str(details.get("type") or "").upper()
    return t or ("VCN" if a.text("vcnId") else "")


def _network_id(a: Res) -> str:
    details = a.get("networkDetails") or {}
    return str(details.get("id") or a.text("vcnId"))


def build_drgs(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    links = _vpn_links(ctx)
    tables_of: dict[str, list[str]] = {}
    for t in idx.all(K.DRG_ROUTE_TABLE):
        tables_of.setdefault(t.text("drgId"), []).append(t.id)
    table_of: dict[str, str] = {}  # attachment -> its DRG route table
    for a in idx.all(K.DRG_ATTACHMENT):
        _attachment(ctx, a, table_of)
    assoc: dict[str, list[tuple[str, str]]] = {}
    for att_id, table in table_of.items():
        assoc.setdefault(est.attachments[att_id].router_id, []).append((att_id, table))
    # A remote peering joins two DRGs, each with its own RPC attachment; the core continues at the peer DRG with the
    # attachment it left by as the entry, so the peer DRG also associates that id with its own RPC attachment's
    # table (https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/remoteVCNpeering.htm: traffic arriving over
    # the RPC is routed by the DRG route table of the RPC attachment).
    by_network = {_network_id(a): a.id for a in idx.all(K.DRG_ATTACHMENT)}
    for a in idx.all(K.DRG_ATTACHMENT):
        rpc = idx.get(K.RPC, _network_id(a)) if attachment_type(a) == "REMOTE_PEERING_CONNECTION" else None
        peer_att = by_network.get(rpc.text("peerId")) if rpc else None
        if peer_att and peer_att in table_of:
            assoc.setdefault(est.attachments[peer_att].router_id, []).append((a.id, table_of[peer_att]))
    for d in idx.all(K.DRG):
        est.routers[d.id] = TransitRouter(d.ref("drg"), tuple(tables_of.get(d.id, ())), tuple(assoc.get(d.id, ())))
    for t in idx.all(K.DRG_ROUTE_TABLE):
        est.route_tables[t.id] = _drg_table(ctx, t, links)
    _virtual_circuits(ctx)


def _attachment(ctx: Context, a: Res, table_of: dict[str, str]) -> None:
    est, idx = ctx.est, ctx.idx
    drg_id, atype = a.text("drgId"), attachment_type(a)
    drg = idx.get(K.DRG, drg_id)
    table = a.text("drgRouteTableId") or (
        str((drg.get("defaultDrgRouteTables") or {}).get(DEFAULT_TABLE_KEY.get(atype, ""), "")) if drg else "")
    if table:
        table_of[a.id] = table
    alive = a.text("lifecycleState").upper() in ("", "ATTACHED", "ATTACHING")
    net_id = _network_id(a)
    resource, peer_router = net_id, ""
    details = a.get("networkDetails") or {}
    if atype == "IPSEC_TUNNEL":
        resource = str(details.get("ipsecConnectionId") or _ipsec_of_tunnel(ctx, net_id) or net_id)
    elif atype == "REMOTE_PEERING_CONNECTION":
        rpc = idx.get(K.RPC, net_id)
        peer = idx.get(K.RPC, rpc.text("peerId")) if rpc else None
        peer_router = peer.text("drgId") if peer else (f"{rpc.text('peerId')}#drg" if rpc else "")
        alive = alive and (rpc is None or rpc.text("peeringStatus").upper() in ("", "PEERED"))
    kind = KIND.get(atype, AttachmentKind.OTHER)
    if atype == "VIRTUAL_CIRCUIT" and idx.get(K.VIRTUAL_CIRCUIT, net_id) is not None:
        # the virtual circuit is in the snapshot: a link like an IPSec connection (its state decides up/down, and a
        # links.json entry may join it to an Azure ExpressRoute connection; see _virtual_circuits)
        kind = AttachmentKind.VPN
    est.attachments[a.id] = RouterAttachment(a.ref(f"drg-attachment ({atype.lower() or 'unknown'})"), drg_id,
                                             kind, resource, peer_router, alive)
    if atype == "VCN":
        edge = str(details.get("routeTableId") or a.text("routeTableId")) or _local_table(ctx, a, net_id)
        est.gateways[a.id] = Gateway(
            a.ref("drg-attachment"), GatewayKind.TRANSIT_ATTACHMENT, (net_id,), available=alive,
            edge_route_table_id=edge, router_id=drg_id, attachment_id=a.id)


def _local_table(ctx: Context, a: Res, vcn_id: str) -> str:
    """Without a route table on the attachment, traffic from the DRG into the VCN follows VCN local routing
    (managingroutetables.htm: "VCN local routing automatically handles traffic ... within the VCN"): a
    synthesised table with only the VCN's local routes says so in the trace (and drops what is not in the VCN)."""
    net = ctx.est.networks.get(vcn_id)
    tid = f"{a.id}#vcn-local"
    ctx.est.route_tables[tid] = RouteTable(a.ref("drg-attachment route table", "#vcn-local",
                                                 f"VCN local routing (no route table on {a.name or a.id})"),
                                           tuple(local_routes(net.cidrs if net else ())),
                                           derived="" if net else f"VCN {vcn_id} is not in the snapshot")
    return tid


def _ipsec_of_tunnel(ctx: Context, tunnel_id: str) -> str:
    for parent, (items, _f) in ctx.idx.per_resource.get(K.TUNNELS, {}).items():
        if any(i.get("id") == tunnel_id for i in items):
            return parent
    return ""


def _drg_table(ctx: Context, t: Res, links: dict[str, VpnLink]) -> RouteTable:
    ref = t.ref("drg-route-table")
    listed = ctx.idx.children(K.DRG_RULES, t.id)
    if listed is not None:
        items, path = listed
        routes = []
        for i, rule in enumerate(items):
            if rule.get("isConflict"):
                continue
            routes.append(_rule(rule, f"{path}[{i}]"))
        return RouteTable(ref, tuple(routes))
    failed = ctx.failed(K.DRG_RULES, t.id)
    if failed is not None:
        return RouteTable(ref, (), missing=f"{K.DRG_RULES} for {t.id} failed ({failed.code}: {failed.message})")
    return RouteTable(ref, tuple(_imported(ctx, t)), derived=(
        f"the rules of DRG route table {t.name or t.id} ({K.DRG_RULES}) are not in the snapshot; its routes were "
        "derived from its import route distribution, and its static rules are unknown"))


def _rule(rule: dict[str, Any], where: str) -> Route:
    dest = parse_network(rule.get("destination"), f"{where}.destination")
    hop = str(rule.get("nextHopDrgAttachmentId") or "")
    blackhole = bool(rule.get("isBlackhole")) or hop.upper() == "BLACKHOLE"
    static = str(rule.get("routeType") or "").upper() == "STATIC"
    provenance = str(rule.get("routeProvenance") or "")
    rank = 0 if static else DYNAMIC_RANK.get(provenance.upper(), 5)
    kind = TargetKind.DROP if blackhole else TargetKind.ATTACHMENT
    return Route(dest, kind, "" if blackhole else hop, rank=rank, blackhole=blackhole,
                 origin=f"{'STATIC' if static else 'DYNAMIC'}{' ' + provenance if provenance else ''}",
                 label=f"{dest} -> {'BLACKHOLE' if blackhole else hop}")


def _imported(ctx: Context, t: Res) -> list[Route]:
    """Routes the import distribution's ACCEPT statements bring in (dynamic routes only)."""
    dist_id = t.text("importDrgRouteDistributionId")
    got = ctx.idx.children(K.DISTRIBUTION_STATEMENTS, dist_id) if dist_id else None
    if not got:
        return []
    statements = sorted(got[0], key=lambda s: s.get("priority") or 0)
    routes: list[Route] = []
    for a in ctx.idx.all(K.DRG_ATTACHMENT):
        if a.text("drgId") != t.text("drgId") or not any(_matches(s, a) for s in statements):
            continue
        atype = attachment_type(a)
        for net in _advertised(ctx, a, atype):
            routes.append(Route(net, TargetKind.ATTACHMENT, a.id, rank=DYNAMIC_RANK.get(atype, 5),
                                origin=f"DYNAMIC {atype} (import distribution)", label=f"{net} -> {a.name or a.id}"))
    return routes


def _matches(statement: dict[str, Any], a: Res) -> bool:
    """DrgRouteDistributionStatement.matchCriteria: "The action is applied only if all of the match criteria is met.
    If there are no match criteria in a statement, any input is considered a match" (API reference,
    https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/DrgRouteDistributionStatement/)."""
    if str(statement.get("action") or "ACCEPT").upper() != "ACCEPT":
        return False
    for c in statement.get("matchCriteria") or []:
        m = str(c.get("matchType") or "").upper()
        if m == "DRG_ATTACHMENT_TYPE" and str(c.get("attachmentType")).upper() != attachment_type(a):
            return False
        if m == "DRG_ATTACHMENT_ID" and c.get("drgAttachmentId") != a.id:
            return False
    return True


def _advertised(ctx: Context, a: Res, atype: str) -> list[IPNetwork]:
    if atype == "VCN":
        net = ctx.est.networks.get(_network_id(a))
        return list(net.cidrs) if net else []
    if atype == "IPSEC_TUNNEL":
        link = ctx.est.vpn_links.get(ctx.est.attachments[a.id].resource_id) if a.id in ctx.est.attachments else None
        return list(link.remote_cidrs) if link else []
    # BGP-learned routes (virtual circuits, RPCs) are only in ListDrgRouteRules (managingDRGs.htm, "dynamic routes":
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm)
    return []


def _vpn_links(ctx: Context) -> dict[str, VpnLink]:
    est, idx = ctx.est, ctx.idx
    for c in idx.all(K.IPSEC):
        tunnels = idx.children(K.TUNNELS, c.id)
        cpe = idx.get(K.CPE, c.text("cpeId"))
        remote = parse_address(cpe.get("ipAddress"), f"{cpe.where}.ipAddress") if cpe and cpe.get("ipAddress") else None
        local, up, unknown = [], False, ""
        if tunnels is not None:
            for i, tun in enumerate(tunnels[0]):
                if tun.get("vpnIp"):
                    local.append(parse_address(tun["vpnIp"], f"{tunnels[1]}[{i}].vpnIp"))
                up = up or str(tun.get("status") or "").upper() == "UP"
        else:
            failed = ctx.failed(K.TUNNELS, c.id)
            unknown = (f"the tunnels of IPSec connection {c.name or c.id} ({K.TUNNELS}) "
                       + (f"failed ({failed.code}: {failed.message})" if failed is not None else "are not in the snapshot"))
            est.warnings.append(f"{unknown}: its Oracle-side addresses and state are unknown")
            up = True
        cidrs = tuple(parse_network(v, f"{c.where}.staticRoutes[{i}]") for i, v in enumerate(c.get("staticRoutes") or []))
        est.vpn_links[c.id] = VpnLink(c.ref("ipsec-connection"), tuple(local), remote, up, cidrs, unknown=unknown)
    return est.vpn_links


def _virtual_circuits(ctx: Context) -> None:
    """A FastConnect virtual circuit on a DRG attachment → a VpnLink keyed by the circuit's OCID, with no addresses:
    its far end is another cloud only when links.json declares it (the Azure–OCI Interconnect,
    https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/azure.htm). It carries traffic once PROVISIONED
    with its BGP session UP (VirtualCircuit `lifecycleState`, `bgpSessionState`;
    https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnectoverview.htm). The DRG advertises over
    it the CIDRs of its VCN attachments (the default export distribution exports every route, managingDRGs.htm);
    what it learns is in ListDrgRouteRules (DYNAMIC, provenance VIRTUAL_CIRCUIT), else derived from links.json
    into the DRG route tables that import this attachment and were themselves derived."""
    est, idx = ctx.est, ctx.idx
    for a in idx.all(K.DRG_ATTACHMENT):
        vc = idx.get(K.VIRTUAL_CIRCUIT, _network_id(a)) if attachment_type(a) == "VIRTUAL_CIRCUIT" else None
        if vc is None:
            continue
        name = vc.name or vc.id
        down = []
        state, bgp = vc.text("lifecycleState").upper(), vc.text("bgpSessionState").upper()
        if state not in ("", "PROVISIONED"):
            down.append(f"virtual circuit {name} is {state} (lifecycleState)")
        if bgp not in ("", "UP"):
            down.append(f"the BGP session of virtual circuit {name} is {bgp} (bgpSessionState)")
        provider = f"{vc.text('providerName')} {vc.text('providerServiceName')}".strip()
        undeclared = ""
        if "microsoft" in provider.lower() or "azure" in provider.lower():
            undeclared = (f"virtual circuit {name} (provider {provider}) leads to an Azure ExpressRoute circuit that "
                          "no links.json entry names, so where it arrives is unknown")
        drg = a.text("drgId")
        advertises = tuple(dict.fromkeys(
            c for v in idx.all(K.DRG_ATTACHMENT) if v.text("drgId") == drg and attachment_type(v) == "VCN"
            for c in (est.networks[_network_id(v)].cidrs if _network_id(v) in est.networks else ())))
        learned = tuple(t.id for t in idx.all(K.DRG_ROUTE_TABLE) if t.text("drgId") == drg
                        and est.route_tables[t.id].derived and _imports(ctx, t, a))
        ic = Interconnect(vc.id, advertises, learned, learned_kind="attachment", learned_target=a.id,
                          learned_rank=DYNAMIC_RANK["VIRTUAL_CIRCUIT"], learned_origin="DYNAMIC VIRTUAL_CIRCUIT",
                          undeclared=undeclared)
        est.vpn_links[vc.id] = VpnLink(vc.ref("virtual-circuit"), (), None, not down, (), unknown=undeclared,
                                       down_reason="; ".join(down), interconnect=ic)


def _imports(ctx: Context, t: Res, a: Res) -> bool:
    dist_id = t.text("importDrgRouteDistributionId")
    got = ctx.idx.children(K.DISTRIBUTION_STATEMENTS, dist_id) if dist_id else None
    return bool(got) and any(_matches(s, a) for s in got[0])
