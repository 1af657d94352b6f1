"""AWS VPC route tables and transit gateway route tables → cloud-neutral RouteTables (pure).

VPC route preference (https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html):
longest prefix first; for the same prefix, static routes (rank 0) beat prefix-list routes (rank 1)
beat propagated routes (rank 2). Example:

    {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "Origin": "CreateRoute",
     "State": "blackhole"}
    → Route(0.0.0.0/0, GATEWAY nat-1, rank=0, origin="CreateRoute", blackhole=True)

Transit gateway route evaluation (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html,
"Route evaluation order"): most specific first; then static, prefix-list, VPC-propagated, Direct
Connect gateway, Connect, VPN, peering propagated. Example:

    {"DestinationCidrBlock": "10.1.0.0/16", "Type": "propagated", "State": "active",
     "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-1", "ResourceType": "vpc"}]}
    → Route(10.1.0.0/16, ATTACHMENT tgw-attach-1, rank=2, origin="propagated")
"""

from __future__ import annotations

from typing import Any, Callable

from flightpath.model import NativeRef, Route, TargetKind
from flightpath.model.addresses import parse_network

# TGW: propagated route rank by attachment resource type (static = 0, prefix list = 1)
TGW_PROPAGATED_RANK = {
    "vpc": 2, "direct-connect-gateway": 3, "connect": 4, "vpn": 5, "peering": 7, "tgw-peering": 7,
}


def vpc_route(r: dict[str, Any], where: str, tgw_attachment: Callable[[str], str],
              instance_eni: Callable[[str], str]) -> Route:
    dest = r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock")
    pl = r.get("DestinationPrefixListId", "")
    network = parse_network(dest, f"{where}.DestinationCidrBlock") if dest else None
    if network is None and not pl:
        network = parse_network(dest, f"{where}.DestinationCidrBlock")  # raises a clear error
    gw = r.get("GatewayId", "")
    kind, target = TargetKind.GATEWAY, ""
    if gw == "local":
        kind, target = TargetKind.LOCAL, "local"
    elif gw:
        target = gw
    elif r.get("NatGatewayId"):
        target = r["NatGatewayId"]
    elif r.get("TransitGatewayId"):
        target = tgw_attachment(r["TransitGatewayId"]) or r["TransitGatewayId"]
    elif r.get("VpcPeeringConnectionId"):
        target = r["VpcPeeringConnectionId"]
    elif r.get("EgressOnlyInternetGatewayId"):
        target = r["EgressOnlyInternetGatewayId"]
    elif r.get("NetworkInterfaceId"):
        kind, target = TargetKind.INTERFACE, r["NetworkInterfaceId"]
    elif r.get("InstanceId"):
        kind, target = TargetKind.INTERFACE, instance_eni(r["InstanceId"]) or r["InstanceId"]
    else:
        other = next((r[k] for k in ("CarrierGatewayId", "LocalGatewayId", "CoreNetworkArn") if r.get(k)), "")
        kind, target = TargetKind.EXTERNAL, other or "unknown target"
    origin = r.get("Origin", "CreateRoute")
    if origin == "EnableVgwRoutePropagation":
        rank = 2
    elif pl:
        rank = 1
    else:
        rank = 0
    shown_target = r.get("TransitGatewayId") or r.get("InstanceId") or target
    return Route(
        destination=network, target_kind=kind, target_id=target, rank=rank, origin=origin,
        label=f"{dest or pl} -> {shown_target}", prefix_list_id=pl,
        blackhole=str(r.get("State", "active")).lower() == "blackhole",
    )


def tgw_route(r: dict[str, Any], where: str, attachment_types: dict[str, str]) -> Route:
    dest = r.get("DestinationCidrBlock")
    pl = r.get("PrefixListId", "")
    network = parse_network(dest, f"{where}.DestinationCidrBlock") if dest or not pl else None
    attachments = r.get("TransitGatewayAttachments") or []
    target = attachments[0].get("TransitGatewayAttachmentId", "") if attachments else ""
    rtype = str(r.get("Type", "static")).lower()
    state = str(r.get("State", "active")).lower()
    if rtype == "propagated":
        res_type = (attachments[0].get("ResourceType") if attachments else "") or attachment_types.get(target, "vpc")
        rank = TGW_PROPAGATED_RANK.get(res_type, 6)
    else:
        rank = 1 if pl else 0
    blackhole = state == "blackhole" or (not target and state != "active")
    return Route(
        destination=network,
        target_kind=TargetKind.DROP if blackhole or not target else TargetKind.ATTACHMENT,
        target_id=target, rank=rank, origin=rtype,
        label=f"{dest or pl} -> {target or 'blackhole'}", prefix_list_id=pl, blackhole=blackhole or not target,
    )


def derived_tgw_routes(propagations: list[dict[str, Any]], vpc_cidrs: Callable[[str], list],
                       vpn_cidrs: Callable[[str], list]) -> list[Route]:
    """Propagated routes derived from a route table's propagations when SearchTransitGatewayRoutes
    is absent: each enabled VPC propagation contributes the VPC's CIDRs; a VPN its static routes."""
    out: list[Route] = []
    for p in propagations:
        if str(p.get("State", "enabled")).lower() != "enabled":
            continue
        att, res, rtype = p.get("TransitGatewayAttachmentId", ""), p.get("ResourceId", ""), p.get("ResourceType", "vpc")
        cidrs = vpc_cidrs(res) if rtype == "vpc" else vpn_cidrs(res) if rtype == "vpn" else []
        for net in cidrs:
            out.append(Route(destination=net, target_kind=TargetKind.ATTACHMENT, target_id=att,
                             rank=TGW_PROPAGATED_RANK.get(rtype, 6), origin="propagated (derived)",
                             label=f"{net} -> {att} (derived from propagation)"))
    return out


def tgw_table_ref(rtb: dict[str, Any], account: str, region: str, name: str) -> NativeRef:
    return NativeRef("aws", "transit-gateway-route-table", rtb["TransitGatewayRouteTableId"], name, account, region)
