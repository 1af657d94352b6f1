"""AWS gateways → cloud-neutral Gateways and VpnLinks (pure).

Example (a public NAT gateway; its ENI is synthesised when DescribeNetworkInterfaces lacks it):

    {"NatGatewayId": "nat-1", "SubnetId": "subnet-1", "VpcId": "vpc-1", "State": "available",
     "ConnectivityType": "public", "NatGatewayAddresses": [{"NetworkInterfaceId": "eni-9",
     "PrivateIp": "10.0.0.5", "PublicIp": "3.210.10.5"}]}
    → Gateway(nat-1, kind=NAT, networks=(vpc-1,), interfaces=(eni-9,), subnets=(subnet-1,))
      + Interface(eni-9, private 10.0.0.5, public (10.0.0.5 → 3.210.10.5), gateway nat-1)
"""

from __future__ import annotations

from typing import Any

from flightpath.model import (
    Estate, Gateway, GatewayKind, Interface, NativeRef, Network, VpnLink,
)
from flightpath.model.addresses import parse_address, parse_network
from flightpath.snapshot.fields import get_str
from flightpath.collectors.aws.filters import _name
from flightpath.collectors.aws.interfaces import address_or_warn

ATTACHED = ("available", "attached")


def _attached_vpcs(gw: dict[str, Any]) -> tuple[str, ...]:
    return tuple(a["VpcId"] for a in gw.get("Attachments") or gw.get("VpcAttachments") or []
                 if a.get("VpcId") and str(a.get("State", "attached")).lower() in ATTACHED)


def build_gateways(items, est: Estate, vpc_region, tables) -> None:
    for gw, acct, region, where in items("InternetGateways"):
        gid = gw["InternetGatewayId"]
        vpcs = _attached_vpcs(gw)
        acct, region = _fill(acct, region, vpcs, vpc_region)
        est.gateways[gid] = Gateway(NativeRef("aws", "internet-gateway", gid, _name(gw), acct, region),
                                    GatewayKind.INTERNET, vpcs, available=bool(vpcs),
                                    edge_route_table_id=tables.edge_table.get(gid, ""))
    for gw, acct, region, where in items("EgressOnlyInternetGateways"):
        gid = gw["EgressOnlyInternetGatewayId"]
        vpcs = _attached_vpcs(gw)
        acct, region = _fill(acct, region, vpcs, vpc_region)
        est.gateways[gid] = Gateway(NativeRef("aws", "egress-only-internet-gateway", gid, _name(gw), acct, region),
                                    GatewayKind.EGRESS_ONLY_INTERNET, vpcs, available=bool(vpcs))
    for nat, acct, region, where in items("NatGateways"):
        _nat_gateway(nat, acct, region, where, est, vpc_region)
    for pcx, acct, region, where in items("VpcPeeringConnections"):
        pid = pcx["VpcPeeringConnectionId"]
        req, acc = pcx.get("RequesterVpcInfo") or {}, pcx.get("AccepterVpcInfo") or {}
        vpcs = tuple(v for v in (req.get("VpcId"), acc.get("VpcId")) if v)
        for info in (req, acc):  # a peer VPC outside the snapshot: known only by its peered CIDRs
            vid = info.get("VpcId")
            cidrs = [c.get("CidrBlock") for c in info.get("CidrBlockSet") or []] or [info.get("CidrBlock")]
            nets = tuple(parse_network(c, f"{where}.CidrBlock") for c in cidrs if c)
            if vid in est.networks and not est.networks[vid].cidrs and nets:
                # The VPC is referenced but DescribeVpcs is absent (failed, or not collected): the peering
                # response states its CIDR blocks, which is what routing over the peering needs.
                n = est.networks[vid]
                v6 = tuple(parse_network(c["Ipv6CidrBlock"], f"{where}.Ipv6CidrBlockSet")
                           for c in info.get("Ipv6CidrBlockSet") or [] if c.get("Ipv6CidrBlock"))
                est.networks[vid] = Network(n.ref, nets + v6, n.main_route_table_id)
            if vid and vid not in est.networks:
                est.networks[vid] = Network(NativeRef("aws", "vpc", vid, "", info.get("OwnerId", ""),
                                                      info.get("Region", "")), nets)
                est.warnings.append(f"VPC {vid} (peer of {pid}) is outside the snapshot; only its peered CIDRs are known")
        regions = {info.get("Region") or vpc_region.get(info.get("VpcId", ""), ("", ""))[1] for info in (req, acc)}
        code = ((pcx.get("Status") or {}).get("Code") or "").lower()
        est.gateways[pid] = Gateway(
            NativeRef("aws", "vpc-peering-connection", pid, _name(pcx), acct or req.get("OwnerId", ""), region),
            GatewayKind.PEERING, vpcs, available=code == "active", cross_region=len(regions - {""}) > 1,
            note="" if code == "active" else f"peering is {code or 'not active'}")
    # the customer gateway's address, with where it was read (a bad one names DescribeCustomerGateways)
    cgw_ip: dict[str, tuple[object, str]] = {cgw["CustomerGatewayId"]: (cgw.get("IpAddress", ""), f"{w}.IpAddress")
                                             for cgw, _a, _r, w in items("CustomerGateways")}
    vgw_links: dict[str, list[str]] = {}
    for vpn, acct, region, where in items("VpnConnections"):
        vid = vpn["VpnConnectionId"]
        tele = vpn.get("VgwTelemetry") or []
        local = tuple(parse_address(t["OutsideIpAddress"], f"{where}.VgwTelemetry.OutsideIpAddress")
                      for t in tele if t.get("OutsideIpAddress"))
        remote, remote_where = cgw_ip.get(vpn.get("CustomerGatewayId", ""), ("", ""))
        up = str(vpn.get("State", "available")).lower() == "available" and (
            not tele or any(str(t.get("Status", "")).upper() == "UP" for t in tele))
        routes = tuple(parse_network(r["DestinationCidrBlock"], f"{where}.Routes.DestinationCidrBlock")
                       for r in vpn.get("Routes") or [] if r.get("DestinationCidrBlock")
                       and str(r.get("State", "available")).lower() == "available")
        est.vpn_links[vid] = VpnLink(
            NativeRef("aws", "vpn-connection", vid, _name(vpn), acct, region), local,
            parse_address(remote, remote_where) if remote else None, up, routes)
        if vpn.get("VpnGatewayId"):
            vgw_links.setdefault(vpn["VpnGatewayId"], []).append(vid)
    for vgw, acct, region, where in items("VpnGateways"):
        gid = vgw["VpnGatewayId"]
        vpcs = _attached_vpcs(vgw)
        acct, region = _fill(acct, region, vpcs, vpc_region)
        est.gateways[gid] = Gateway(NativeRef("aws", "vpn-gateway", gid, _name(vgw), acct, region),
                                    GatewayKind.VPN, vpcs, available=bool(vpcs),
                                    edge_route_table_id=tables.edge_table.get(gid, ""),
                                    vpn_link_ids=tuple(vgw_links.get(gid, ())))
    for ep, acct, region, where in items("VpcEndpoints"):
        etype = str(ep.get("VpcEndpointType", "")).lower()
        if etype == "interface":
            continue  # its ENIs are ordinary interfaces (DescribeNetworkInterfaces)
        eid = ep["VpcEndpointId"]
        note = ep.get("ServiceName", "")
        if etype == "gatewayloadbalancer":
            note = f"Gateway Load Balancer endpoint for {note}: the appliance path behind it is not evaluated"
        est.gateways[eid] = Gateway(
            NativeRef("aws", f"vpc-endpoint ({etype or 'gateway'})", eid, _name(ep) or ep.get("ServiceName", ""),
                      acct or ep.get("OwnerId", ""), region),
            GatewayKind.SERVICE_ENDPOINT, (ep.get("VpcId", ""),),
            available=str(ep.get("State", "available")).lower() == "available", note=note,
            # a gateway endpoint carries TCP and ICMP only (RA VPCE_GATEWAY_PROTOCOL_RESTRICTION,
            # https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html)
            protocols=(6, 1) if etype in ("", "gateway") else ())


def _nat_gateway(nat, acct, region, where, est: Estate, vpc_region) -> None:
    nid = get_str(nat, "NatGatewayId", where)
    vid, sid = get_str(nat, "VpcId", where, ""), get_str(nat, "SubnetId", where, "")
    acct, region = _fill(acct, region, (vid,), vpc_region)
    enis: list[str] = []
    for j, a in enumerate(nat.get("NatGatewayAddresses") or []):
        eid = get_str(a, "NetworkInterfaceId", f"{where}.NatGatewayAddresses[{j}]", "")
        if not eid:
            continue
        if eid not in enis:
            enis.append(eid)
        # a malformed address is skipped with a warning (see interfaces.address_or_warn)
        priv = address_or_warn(a["PrivateIp"], f"{where}.NatGatewayAddresses[{j}].PrivateIp", est.warnings) \
            if a.get("PrivateIp") else None
        pub = address_or_warn(a["PublicIp"], f"{where}.NatGatewayAddresses[{j}].PublicIp", est.warnings) \
            if a.get("PublicIp") else None
        cur = est.interfaces.get(eid)
        private = list(cur.private_ips) if cur else []
        public = list(cur.public_ips) if cur else []
        if priv and priv not in private:
            private.append(priv)
        if priv and pub and (priv, pub) not in public:
            public.append((priv, pub))
        est.interfaces[eid] = Interface(
            ref=cur.ref if cur else NativeRef("aws", "network-interface", eid, f"NAT gateway {nid}", acct, region),
            network_id=vid, subnet_id=sid, private_ips=tuple(private), public_ips=tuple(public),
            stage=None, forwards=True, gateway_id=nid, accepts_connections=False)
    state = str(nat.get("State", "available")).lower()
    est.gateways[nid] = Gateway(
        NativeRef("aws", "nat-gateway", nid, _name(nat) or f"{nat.get('ConnectivityType', 'public')} NAT gateway",
                  acct, region),
        GatewayKind.NAT, (vid,), available=state == "available", interface_ids=tuple(enis), subnet_ids=(sid,),
        note="" if state == "available" else f"NAT gateway is {state}")


def _fill(acct: str, region: str, vpcs, vpc_region) -> tuple[str, str]:
    for v in vpcs:
        a, r = vpc_region.get(v, ("", ""))
        acct, region = acct or a, region or r
    return acct, region
