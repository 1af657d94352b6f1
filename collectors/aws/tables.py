"""AWS route tables and transit gateways → RouteTables, TransitRouters, RouterAttachments (pure).

Associations decide which table a packet meets: a subnet's explicit association, else the VPC's main
table (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.md); a gateway (edge)
association makes a table the ingress table for traffic arriving through that IGW/VGW. A transit gateway
looks up the table associated with the attachment the packet entered on.

Example (SearchTransitGatewayRoutes absent for tgw-rtb-1, propagation from vpc-2 (10.2.0.0/16) present):
    → RouteTable(tgw-rtb-1, routes=(10.2.0.0/16 -> tgw-attach-2 propagated (derived),),
                 derived="routes derived from propagations ...") and a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flightpath.model import (
    AttachmentKind, Estate, Gateway, GatewayKind, NativeRef, RouterAttachment, RouteTable, TransitRouter,
)
from flightpath.snapshot.fields import get_dicts
from flightpath.collectors.aws.filters import _name
from flightpath.collectors.aws.routes import derived_tgw_routes, tgw_route, vpc_route

ATTACHMENT_KIND = {
    "vpc": AttachmentKind.NETWORK, "vpn": AttachmentKind.VPN, "peering": AttachmentKind.PEERING,
    "tgw-peering": AttachmentKind.PEERING, "direct-connect-gateway": AttachmentKind.DIRECT_CONNECT,
    "connect": AttachmentKind.CONNECT,
}


@dataclass
class VpcTables:
    subnet_table: dict[str, str] = field(default_factory=dict)
    main_table: dict[str, str] = field(default_factory=dict)
    edge_table: dict[str, str] = field(default_factory=dict)


def _tgw_attachments(items) -> dict[tuple[str, str], str]:
    """(tgw id, vpc id) → attachment id, from both attachment listings."""
    out: dict[tuple[str, str], str] = {}
    for att, _a, _r, _w in items("TransitGatewayVpcAttachments"):
        out[(att.get("TransitGatewayId", ""), att.get("VpcId", ""))] = att["TransitGatewayAttachmentId"]
    for att, _a, _r, _w in items("TransitGatewayAttachments"):
        if att.get("ResourceType") == "vpc":
            out[(att.get("TransitGatewayId", ""), att.get("ResourceId", ""))] = att["TransitGatewayAttachmentId"]
    return out


def build_route_tables(items, est: Estate, vpc_region) -> VpcTables:
    tables = VpcTables()
    attachments = _tgw_attachments(items)
    instance_eni: dict[str, str] = {}
    for inst, _a, _r, _w in items("Reservations"):
        enis = sorted(inst.get("NetworkInterfaces") or [], key=lambda e: (e.get("Attachment") or {}).get("DeviceIndex", 0))
        if enis:
            instance_eni[inst["InstanceId"]] = enis[0].get("NetworkInterfaceId", "")
    for rt, acct, region, where in items("RouteTables"):
        rid = rt["RouteTableId"]
        vid = rt.get("VpcId", "")
        acct = acct or vpc_region.get(vid, ("", ""))[0]
        region = region or vpc_region.get(vid, ("", ""))[1]
        routes = tuple(
            vpc_route(r, f"{where}.Routes[{i}]", lambda tgw: attachments.get((tgw, vid), ""),
                      lambda iid: instance_eni.get(iid, ""))
            for i, r in enumerate(rt.get("Routes") or []))
        est.route_tables[rid] = RouteTable(NativeRef("aws", "route-table", rid, _name(rt), acct, region), routes)
        for assoc in rt.get("Associations") or []:
            state = str((assoc.get("AssociationState") or {}).get("State", "associated")).lower()
            if state not in ("associated", "associating"):
                continue
            if assoc.get("Main"):
                tables.main_table[vid] = rid
            elif assoc.get("SubnetId"):
                tables.subnet_table[assoc["SubnetId"]] = rid
            elif assoc.get("GatewayId"):
                tables.edge_table[assoc["GatewayId"]] = rid
    return tables


def build_transit(items, est: Estate, vpc_region) -> None:
    assoc: dict[str, dict[str, str]] = {}  # tgw id -> attachment -> tgw rtb
    tables_of: dict[str, list[str]] = {}
    types: dict[str, str] = {}
    # A TGW peering attachment is one attachment between two TGWs, listed by each side's account: in
    # DescribeTransitGatewayAttachments with its own TGW as TransitGatewayId and the far TGW as ResourceId
    # (ResourceType "peering"), and in DescribeTransitGatewayPeeringAttachments with the requester and
    # accepter TGWs. Every listing adds what it knows (both TGWs, each side's association); none overwrites.
    peer_ends: dict[str, list[str]] = {}  # peering attachment -> [requester tgw, accepter tgw] as known
    peer_state: dict[str, bool] = {}
    for att, acct, region, where in items("TransitGatewayAttachments"):
        aid, tgw = att["TransitGatewayAttachmentId"], att.get("TransitGatewayId", "")
        rtype = att.get("ResourceType", "")
        state = str(att.get("State", "available")).lower()
        rtb = (att.get("Association") or {}).get("TransitGatewayRouteTableId")
        if rtb and str((att.get("Association") or {}).get("State", "associated")).lower() == "associated":
            assoc.setdefault(tgw, {})[aid] = rtb
        if rtype in ("peering", "tgw-peering"):
            ends = peer_ends.setdefault(aid, [])
            for t in (tgw, att.get("ResourceId", "")):
                if t.startswith("tgw-") and t not in ends:
                    ends.append(t)
            peer_state[aid] = peer_state.get(aid, True) and state == "available"
            if aid not in est.attachments:
                est.attachments[aid] = RouterAttachment(
                    NativeRef("aws", "transit-gateway-attachment (peering)", aid, _name(att), acct, region),
                    tgw, AttachmentKind.PEERING, att.get("ResourceId", ""))
            types[aid] = "peering"
            continue
        types[aid] = rtype
        if aid in est.attachments and est.attachments[aid].ref.account and acct != est.attachments[aid].ref.account \
                and att.get("TransitGatewayOwnerId", acct) != acct:
            continue  # listed again by another account (a shared TGW): the TGW owner's listing stays
        est.attachments[aid] = RouterAttachment(
            NativeRef("aws", f"transit-gateway-attachment ({rtype})", aid, _name(att), acct, region),
            tgw, ATTACHMENT_KIND.get(rtype, AttachmentKind.OTHER), att.get("ResourceId", ""),
            available=state == "available")
    for peer, acct, region, where in items("TransitGatewayPeeringAttachments"):
        aid = peer["TransitGatewayAttachmentId"]
        req, acc = peer.get("RequesterTgwInfo") or {}, peer.get("AccepterTgwInfo") or {}
        state = str(peer.get("State", "available")).lower()
        known = [t for t in peer_ends.get(aid, []) if t not in (req.get("TransitGatewayId"), acc.get("TransitGatewayId"))]
        peer_ends[aid] = [t for t in (req.get("TransitGatewayId", ""), acc.get("TransitGatewayId", "")) if t] + known
        peer_state[aid] = peer_state.get(aid, True) and state == "available"
        cur = est.attachments.get(aid)
        est.attachments[aid] = RouterAttachment(
            cur.ref if cur and cur.ref.name else
            NativeRef("aws", "transit-gateway-attachment (peering)", aid, _name(peer), acct, region),
            "", AttachmentKind.PEERING, acc.get("TransitGatewayId", ""))
        types[aid] = "peering"
    for aid, ends in peer_ends.items():
        a = est.attachments[aid]
        est.attachments[aid] = RouterAttachment(a.ref, ends[0] if ends else "", AttachmentKind.PEERING,
                                                ends[1] if len(ends) > 1 else a.resource_id,
                                                peer_router_id=ends[1] if len(ends) > 1 else "",
                                                available=peer_state.get(aid, True))
    vpc_atts: dict[str, dict] = {a["TransitGatewayAttachmentId"]: a for a, _x, _y, _z in items("TransitGatewayVpcAttachments")}
    # SG referencing across a TGW needs the option on the TGW and on each VPC attachment
    # (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html, "Security group referencing").
    sg_ref_tgws = {t["TransitGatewayId"] for t, _a, _r, _w in items("TransitGateways")
                   if str((t.get("Options") or {}).get("SecurityGroupReferencingSupport", "")).lower() == "enable"}
    for aid, att in vpc_atts.items():
        if aid not in est.attachments:
            est.attachments[aid] = RouterAttachment(
                NativeRef("aws", "transit-gateway-attachment (vpc)", aid, _name(att), att.get("VpcOwnerId", ""), ""),
                att.get("TransitGatewayId", ""), AttachmentKind.NETWORK, att.get("VpcId", ""),
                available=str(att.get("State", "available")).lower() == "available")
            types[aid] = "vpc"
    # The VPC side of each VPC attachment is a gateway the VPC's route tables point at.
    enis_of: dict[str, list[str]] = {}
    for eid, i in est.interfaces.items():
        if i.gateway_id:
            enis_of.setdefault(i.gateway_id, []).append(eid)
    for aid, a in est.attachments.items():
        if a.kind is not AttachmentKind.NETWORK:
            continue
        subnets = tuple(vpc_atts.get(aid, {}).get("SubnetIds") or ())
        enis = tuple(enis_of.get(aid, ()))
        acct, region = vpc_region.get(a.resource_id, (a.ref.account, a.ref.region))
        est.gateways[aid] = Gateway(
            NativeRef("aws", "transit-gateway-attachment (vpc)", aid, a.ref.name, acct, region),
            GatewayKind.TRANSIT_ATTACHMENT, (a.resource_id,), available=a.available, interface_ids=enis,
            subnet_ids=subnets, router_id=a.router_id, attachment_id=aid,
            shares_group_refs=a.router_id in sg_ref_tgws and str(
                (vpc_atts.get(aid, {}).get("Options") or {}).get("SecurityGroupReferencingSupport", "")).lower() == "enable")
    searches = items.per_resource("SearchTransitGatewayRoutes")
    propagations = items.per_resource("GetTransitGatewayRouteTablePropagations")
    for rid, doc in items.per_resource("GetTransitGatewayRouteTableAssociations").items():
        for _w, a in get_dicts(doc.body, "Associations", str(doc.path)):
            if str(a.get("State", "associated")).lower() == "associated" and a.get("TransitGatewayAttachmentId"):
                tgw = est.attachments.get(a["TransitGatewayAttachmentId"])
                owner = _table_owner(items, rid) or (tgw.router_id if tgw else "")
                assoc.setdefault(owner, {})[a["TransitGatewayAttachmentId"]] = rid
    for rtb, acct, region, where in items("TransitGatewayRouteTables"):
        rid, tgw = rtb["TransitGatewayRouteTableId"], rtb.get("TransitGatewayId", "")
        tables_of.setdefault(tgw, []).append(rid)
        ref = NativeRef("aws", "transit-gateway-route-table", rid, _name(rtb), acct, region)
        if rid in searches:
            doc = searches[rid]
            routes = tuple(tgw_route(r, w, types) for w, r in get_dicts(doc.body, "Routes", str(doc.path)))
            table = RouteTable(ref, routes)
        elif rid in propagations:
            routes = derived_tgw_routes(
                [r for _w, r in get_dicts(propagations[rid].body, "TransitGatewayRouteTablePropagations",
                                          str(propagations[rid].path))],
                lambda vid: list(est.networks[vid].cidrs) if vid in est.networks else [],
                lambda vpn: list(est.vpn_links[vpn].remote_cidrs) if vpn in est.vpn_links else [])
            why = (f"routes of {rid} derived from its propagations and the attached VPCs' CIDRs "
                   f"(SearchTransitGatewayRoutes/{rid}.json not in the snapshot; static routes unknown)")
            est.warnings.append(why)
            table = RouteTable(ref, tuple(routes), derived=why)
        else:
            table = RouteTable(ref, (), missing=_missing_routes(est, rid))
        est.route_tables[rid] = table
    for tgw, acct, region, where in items("TransitGateways"):
        tid = tgw["TransitGatewayId"]
        est.routers[tid] = TransitRouter(
            NativeRef("aws", "transit-gateway", tid, _name(tgw), acct or tgw.get("OwnerId", ""), region),
            tuple(tables_of.get(tid, ())), tuple(sorted(assoc.get(tid, {}).items())))


def _table_owner(items, rid: str) -> str:
    for rtb, _a, _r, _w in items("TransitGatewayRouteTables"):
        if rtb["TransitGatewayRouteTableId"] == rid:
            return rtb.get("TransitGatewayId", "")
    return ""


def _missing_routes(est: Estate, rid: str) -> str:
    for m in est.missing:
        if m.operation == "SearchTransitGatewayRoutes" and m.resource_id in ("", rid):
            return f"SearchTransitGatewayRoutes failed for {rid}: {m.code} {m.message}".strip()
    return f"routes of {rid} not in the snapshot (SearchTransitGatewayRoutes/{rid}.json or its propagations)"
