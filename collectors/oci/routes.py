"""OCI VCN route tables → RouteTables (pure).

Oracle (https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm):
- "VCN local routing automatically handles traffic between and within the VCN's subnets ... local routing
  rules are implicit and not shown": every table gets a TargetKind.LOCAL route per VCN CIDR (rank 1).
- "If a route table has overlapping rules, Oracle uses the most specific rule ... If you create a static
  route for the VCN CIDR block (with the same prefix length as the VCN local route), the static route takes
  precedence": rules are rank 0, so they win ties with the local route and lose to nothing else than
  longer prefixes (intra-VCN routing to a private IP, LPG or DRG for a more specific subnet CIDR works).
- "If no route rule matches ... the traffic is dropped (blackholed)": no default route is added.

Targets by the OCID type segment of `networkEntityId`: internetgateway / natgateway / servicegateway /
localpeeringgateway → TargetKind.GATEWAY (the gateway's OCID); drg → TargetKind.GATEWAY keyed by the DRG
attachment of this VCN to that DRG (the DRG itself is a TransitRouter); privateip → TargetKind.INTERFACE
(the VNIC holding that private IP). A rule with `destinationType: SERVICE_CIDR_BLOCK` (an Oracle Services
Network label, e.g. `all-iad-services-in-oracle-services-network`) becomes one route per CIDR of the label as
Oracle publishes them (services.py, from the snapshot's public_ip_ranges.json); without that file it is left out
of the table with a warning saying why (a route that matches nothing known cannot be traced).

Worked example:

    {"id": "ocid1.routetable.oc1..priv", "vcnId": "ocid1.vcn.oc1..v", "displayName": "private-rt",
     "routeRules": [{"destination": "0.0.0.0/0", "destinationType": "CIDR_BLOCK",
                     "networkEntityId": "ocid1.natgateway.oc1..nat"}]}      (VCN 10.0.0.0/16)
    → RouteTable(oci/route-table private-rt, routes=(
          Route(0.0.0.0/0, GATEWAY, "ocid1.natgateway.oc1..nat", rank 0, origin "STATIC"),
          Route(10.0.0.0/16, LOCAL, rank 1, origin "local", label "10.0.0.0/16 -> local (VCN)")))
"""

from __future__ import annotations

from flightpath.model import IPNetwork, Route, RouteTable, TargetKind
from flightpath.model.addresses import parse_network

from flightpath.collectors.oci import recognize as K
from flightpath.collectors.oci.index import Context
from flightpath.collectors.oci.wire import ocid_type

GATEWAY_TYPES = {K.IGW, K.NAT, K.SGW, K.LPG}


def local_routes(cidrs: tuple[IPNetwork, ...]) -> list[Route]:
    return [Route(c, TargetKind.LOCAL, "", rank=1, origin="local", label=f"{c} -> local (VCN)") for c in cidrs]


def drg_attachment_of(ctx: Context, vcn_id: str, drg_id: str) -> str:
    """The DRG attachment joining a VCN to a DRG (indexed once per snapshot)."""
    if ctx.vcn_attachments is None:
        ctx.vcn_attachments = {}
        for a in ctx.idx.all(K.DRG_ATTACHMENT):
            details = a.get("networkDetails") or {}
            vcn = (details.get("id") if details.get("type") == "VCN" else "") or a.text("vcnId")
            ctx.vcn_attachments.setdefault((vcn, a.text("drgId")), a.id)
    return ctx.vcn_attachments.get((vcn_id, drg_id), "")


def _target(ctx: Context, entity: str, vcn_id: str, where: str) -> tuple[TargetKind, str]:
    kind = ocid_type(entity)
    if kind in GATEWAY_TYPES:
        return TargetKind.GATEWAY, entity
    if kind == K.DRG:
        return TargetKind.GATEWAY, drg_attachment_of(ctx, vcn_id, entity) or entity
    if kind == K.PRIVATE_IP:
        pip = ctx.idx.get(K.PRIVATE_IP, entity)
        return TargetKind.INTERFACE, (pip.text("vnicId") if pip else "") or entity
    if not entity:
        ctx.est.warnings.append(f"{where}.networkEntityId: missing; the rule drops what it matches")
        return TargetKind.DROP, ""
    return TargetKind.EXTERNAL, entity


def build_route_tables(ctx: Context) -> None:
    est = ctx.est
    for r in ctx.idx.all(K.ROUTE_TABLE):
        vcn_id = r.text("vcnId")
        network = est.networks.get(vcn_id)
        routes: list[Route] = []
        for i, rule in enumerate(r.get("routeRules") or []):
            where = f"{r.where}.routeRules[{i}]"
            dest_type = str(rule.get("destinationType") or "CIDR_BLOCK").upper()
            dest = rule.get("destination") or rule.get("cidrBlock")
            entity = str(rule.get("networkEntityId") or "")
            if dest_type == "SERVICE_CIDR_BLOCK":
                cidrs, why = ctx.osn.cidrs(str(dest)) if ctx.osn is not None else ((), "no public_ip_ranges.json")
                if not cidrs:
                    est.warnings.append(f"route {dest} -> {entity} in {r.name or r.id}: {why}; the rule is not traced")
                kind, target = _target(ctx, entity, vcn_id, where) if cidrs else (TargetKind.DROP, "")
                routes += [Route(net, kind, target, rank=0, origin=str(rule.get("routeType") or "STATIC"),
                                 label=f"{dest} ({net}) -> {_short(entity)} {_name(ctx, entity)}".rstrip())
                           for net in cidrs]
                continue
            net = parse_network(dest, f"{where}.destination")
            kind, target = _target(ctx, entity, vcn_id, where)
            routes.append(Route(net, kind, target, rank=0, origin=str(rule.get("routeType") or "STATIC"),
                                label=f"{net} -> {_short(entity)} {_name(ctx, entity)}".rstrip()))
        routes += local_routes(network.cidrs if network else ())
        est.route_tables[r.id] = RouteTable(r.ref("route-table"), tuple(routes))


def _short(entity: str) -> str:
    return entity.split(".")[1] if entity.count(".") > 1 else entity


def _name(ctx: Context, entity: str) -> str:
    res = ctx.idx.get(ocid_type(entity), entity)
    return f"({res.name})" if res is not None and res.name else ""
