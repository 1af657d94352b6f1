"""OCI internet, NAT, service and local peering gateways → Gateways (pure).

- Internet gateway (https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIGs.htm): a route target;
  a VNIC reaches the internet through it only with a public IP (the core's INTERNET kind enforces that).
  `isEnabled: false` → not available. Its `routeTableId` (ingress routing) is the edge route table.
- NAT gateway (https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/NATgateway.htm): a route target with no
  interface in a subnet; it source-translates to `natIp` ("hosts ... can initiate connections to the internet
  and receive responses, but not receive inbound connections initiated from the internet"). `blockTraffic`
  → not available.
- Service gateway (https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm): reaches only
  the Oracle Services Network; the label's CIDRs are not in the snapshot (routes.py leaves such rules out).
- Local peering gateway (https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/localVCNpeering.htm): one
  Gateway(kind PEERING) per LPG, networks (own VCN, peer VCN); usable when `peeringStatus` is PEERED.
  `peer_gateway_id` = the peer LPG, `edge_route_table_id` = the LPG's `routeTableId`: traffic over the peering
  enters the peer VCN through the peer LPG, and "Associating a route table to an LPG influences the behavior
  of traffic entering the VCN through the LPG" (https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/
  lpg-add-route-table.htm). Transit routing through a hub VCN
  (https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/transitrouting.htm): the hub LPG's table routes what
  arrives from the spoke (to the DRG, or to a private IP of a firewall); VCN local routing comes first ("The
  VCN local routing takes precedence over the LPG-H-1 route table"; routes.py gives every table the VCN's
  local routes). Without a table, "Traffic coming in to a VCN through the LPG is automatically routed to the
  destination within the VCN because of VCN local routing": only the peer VCN's own addresses (peering is not
  transitive) and anything else ends no_route at the peer LPG. What came out of a DRG into the VCN and would be
  sent by the peer LPG's table into a DRG again ends no_route ("The following traffic flow isn't supported"). Oracle documents no source-address check on an
  LPG (traffic from the on-premises network crosses LPG-H-1 into the spoke), so `transit_into` = the peer VCN.
  A peer outside the snapshot is a Network built from `peerAdvertisedCidrDetails` (which include what the
  hub's LPG route table advertises) with no subnets (the trace then exits there).

    {"id": "ocid1.natgateway.oc1..nat", "vcnId": "ocid1.vcn.oc1..v", "natIp": "129.146.1.1", "blockTraffic": false}
    → Gateway(oci/nat-gateway, NAT, network_ids=(ocid1.vcn.oc1..v,), public_ips=(129.146.1.1,), interface_ids=())
"""

from __future__ import annotations

from flightpath.model import Gateway, GatewayKind, NativeRef, Network
from flightpath.model.addresses import parse_address, parse_network

from flightpath.collectors.oci import recognize as K
from flightpath.collectors.oci.index import Context

GONE = ("TERMINATING", "TERMINATED", "DETACHING", "DETACHED")


def _alive(res) -> bool:
    return res.text("lifecycleState").upper() not in GONE


def build_gateways(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    for r in idx.all(K.IGW):
        est.gateways[r.id] = Gateway(r.ref("internet-gateway"), GatewayKind.INTERNET, (r.text("vcnId"),),
                                     available=_alive(r) and r.get("isEnabled") is not False,
                                     edge_route_table_id=r.text("routeTableId"),
                                     note="" if r.get("isEnabled") is not False else "the internet gateway is disabled")
    for r in idx.all(K.NAT):
        ip = r.get("natIp")
        blocked = bool(r.get("blockTraffic"))
        est.gateways[r.id] = Gateway(r.ref("nat-gateway"), GatewayKind.NAT, (r.text("vcnId"),),
                                     available=_alive(r) and not blocked,
                                     public_ips=(parse_address(ip, f"{r.where}.natIp"),) if ip else (),
                                     edge_route_table_id=r.text("routeTableId"),
                                     note="the NAT gateway blocks traffic (blockTraffic)" if blocked else "")
    for r in idx.all(K.SGW):
        services = ", ".join(str(s.get("serviceName") or s.get("serviceId")) for s in r.get("services") or []
                             if isinstance(s, dict))
        blocked = bool(r.get("blockTraffic"))
        est.gateways[r.id] = Gateway(r.ref("service-gateway"), GatewayKind.SERVICE_ENDPOINT, (r.text("vcnId"),),
                                     available=_alive(r) and not blocked, edge_route_table_id=r.text("routeTableId"),
                                     note=f"Oracle Services Network: {services}" if services else "")
    _peerings(ctx)


def _peerings(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    for r in idx.all(K.LPG):
        vcn = r.text("vcnId")
        peer = idx.get(K.LPG, r.text("peerId"))
        peer_vcn = peer.text("vcnId") if peer else ""
        status = r.text("peeringStatus").upper()
        if not peer_vcn and status == "PEERED":
            peer_vcn = f"{r.id}#peer"
            cidrs = tuple(parse_network(c, f"{r.where}.peerAdvertisedCidrDetails[{i}]")
                          for i, c in enumerate(r.get("peerAdvertisedCidrDetails") or
                                                ([r.get("peerAdvertisedCidr")] if r.get("peerAdvertisedCidr") else [])))
            est.networks.setdefault(peer_vcn, Network(NativeRef("oci", "vcn (peer, outside the snapshot)", peer_vcn,
                                                                f"peer of {r.name}", r.tenancy, r.region), cidrs))
        est.gateways[r.id] = Gateway(
            r.ref("local-peering-gateway"), GatewayKind.PEERING, (vcn, peer_vcn) if peer_vcn else (vcn,),
            available=status == "PEERED" and _alive(r), edge_route_table_id=r.text("routeTableId"),
            peer_gateway_id=peer.id if peer else "", transit_into=(peer_vcn,) if peer_vcn else (),
            note="" if status == "PEERED" else f"peering status {status or 'unknown'}")
