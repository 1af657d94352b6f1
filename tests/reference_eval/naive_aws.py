"""A deliberately naive reference evaluator for AWS, written from SEMANTICS.md and the AWS docs (not from
flightpath/evaluate): it reads the raw DescribeX bodies and, for every packet, scans every rule and every
route. No indexes, no cache, no shared code with the fast evaluator beyond finding the files.

Scope (flows outside it return None and are counted as skipped): IPv4 TCP/UDP between two instance ENIs;
routes `local`, VPC peering and transit gateway (SearchTransitGatewayRoutes, static or propagated; the
TGW attachment's ENI subnet in the source's AZ, whose NACL filters the packet both ways); blackholes.
Semantics used:
- SG: allow-only, union of the ENI's groups; stateful (the reply is not filtered); a peer may be a CIDR
  or a group (matches the private IPs of the group's ENIs). A prefix-list peer whose decision matters: skip.
- NACL: one per subnet (explicit association, else the VPC's default); entries by ascending RuleNumber,
  first match wins, final deny; stateless: the reply is filtered again with swapped ports. Same-subnet
  traffic does not cross the NACL.
- Route table: the subnet's explicit association, else the VPC main table; longest prefix wins.
"""

from __future__ import annotations

import ipaddress as ipa
from pathlib import Path

from flightpath.snapshot import read_snapshot

PROTO = {"tcp": 6, "udp": 17, "6": 6, "17": 17, "-1": None, "all": None}


class Unsupported(Exception):
    pass


class NaiveAws:
    def __init__(self, root: Path) -> None:
        docs = read_snapshot(root).documents.get("aws", [])
        self.lists: dict[str, list] = {}
        self.per: dict[tuple[str, str], dict] = {}
        for d in docs:
            if d.resource_id:
                self.per[(d.kind, d.resource_id)] = d.body
            else:
                key = "PrefixLists" if d.kind == "ManagedPrefixLists" else d.kind
                self.lists.setdefault(d.kind, []).extend(d.body.get(key) or [])
        self.enis = {e["NetworkInterfaceId"]: e for e in self.lists.get("NetworkInterfaces", [])}
        for r in self.lists.get("Reservations", []):
            for inst in r.get("Instances", []):
                for e in inst.get("NetworkInterfaces", []):
                    e = dict(e)
                    e.setdefault("SubnetId", inst.get("SubnetId"))
                    e.setdefault("VpcId", inst.get("VpcId"))
                    self.enis.setdefault(e["NetworkInterfaceId"], e)
                    self.enis[e["NetworkInterfaceId"]]["_instance"] = inst["InstanceId"]
        self.subnets = {s["SubnetId"]: s for s in self.lists.get("Subnets", [])}

    # --- lookups, each a full scan ---------------------------------------------------------------------
    def ips(self, eni) -> list[str]:
        return [p["PrivateIpAddress"] for p in eni.get("PrivateIpAddresses", [])] or [eni.get("PrivateIpAddress")]

    def eni_of_ip(self, ip: str):
        for e in self.enis.values():
            if ip in self.ips(e):
                return e
        return None

    def group_members(self, gid: str) -> list[str]:
        return [ip for e in self.enis.values() if any(g["GroupId"] == gid for g in e.get("Groups", []))
                for ip in self.ips(e)]

    def sg(self, gid: str):
        for g in self.lists.get("SecurityGroups", []):
            if g["GroupId"] == gid:
                return g
        raise Unsupported(f"group {gid} not described")

    def acl_of(self, subnet_id: str):
        vpc = self.subnets[subnet_id]["VpcId"]
        default = None
        for a in self.lists.get("NetworkAcls", []):
            if any(x.get("SubnetId") == subnet_id for x in a.get("Associations", [])):
                return a
            if a.get("IsDefault") and a.get("VpcId") == vpc:
                default = a
        if default is None:
            raise Unsupported("no NACL")
        return default

    def table_of(self, subnet_id: str):
        vpc = self.subnets[subnet_id]["VpcId"]
        main = None
        for t in self.lists.get("RouteTables", []):
            for a in t.get("Associations", []):
                if a.get("SubnetId") == subnet_id:
                    return t
                if a.get("Main") and t.get("VpcId") == vpc:
                    main = t
        if main is None:
            raise Unsupported("no route table")
        return main

    # --- filters ---------------------------------------------------------------------------------------
    @staticmethod
    def _proto_port_match(proto_text, low, high, proto: int, port: int) -> bool:
        p = PROTO.get(str(proto_text).lower(), "other")
        if p is None:
            return True
        if p != proto:
            return False
        if low is None or int(low) == -1:
            return True
        return int(low) <= port <= int(high if high is not None else low)

    def sg_allows(self, eni, egress: bool, peer_ip: str, proto: int, port: int) -> bool:
        undecided = False
        for g in eni.get("Groups", []):
            for perm in self.sg(g["GroupId"]).get("IpPermissionsEgress" if egress else "IpPermissions", []):
                if not self._proto_port_match(perm.get("IpProtocol"), perm.get("FromPort"), perm.get("ToPort"),
                                              proto, port):
                    continue
                for r in perm.get("IpRanges", []):
                    if ipa.ip_address(peer_ip) in ipa.ip_network(r["CidrIp"], strict=False):
                        return True
                for pair in perm.get("UserIdGroupPairs", []):
                    if peer_ip in self.group_members(pair.get("GroupId")):
                        return True
                if perm.get("PrefixListIds"):
                    undecided = True
        if undecided:
            raise Unsupported("a prefix-list rule decides")
        return False

    def acl_allows(self, acl, egress: bool, peer_ip: str, proto: int, port: int) -> bool:
        entries = sorted((e for e in acl.get("Entries", []) if bool(e.get("Egress")) == egress and "CidrBlock" in e),
                         key=lambda e: int(e["RuleNumber"]))
        for e in entries:
            pr = e.get("PortRange") or {}
            if not self._proto_port_match(e.get("Protocol"), pr.get("From"), pr.get("To"), proto, port):
                continue
            if ipa.ip_address(peer_ip) in ipa.ip_network(e["CidrBlock"], strict=False):
                return e["RuleAction"] == "allow"
        return False

    @staticmethod
    def lpm(routes, ip: str, key="DestinationCidrBlock"):
        best = None
        for r in routes:
            if key not in r:
                continue
            net = ipa.ip_network(r[key], strict=False)
            if ipa.ip_address(ip) in net and (best is None or net.prefixlen > best[0].prefixlen):
                best = (net, r)
        return best[1] if best else None

    # --- the walk --------------------------------------------------------------------------------------
    def tgw_subnet(self, vpc: str, tgw: str, az: str) -> tuple[str, str]:
        for a in self.lists.get("TransitGatewayVpcAttachments", []):
            if a.get("VpcId") == vpc and a.get("TransitGatewayId") == tgw:
                for sid in a.get("SubnetIds", []):
                    if self.subnets[sid].get("AvailabilityZone") == az:
                        return a["TransitGatewayAttachmentId"], sid
                raise Unsupported("no TGW subnet in the AZ")
        raise Unsupported("no TGW attachment")

    def crossing(self, src, dst, src_ip, dst_ip, proto, sport, dport):
        """Path between the subnets (forward direction): list of (subnet, egress?) NACL checks, or a
        ('no_route', resource) verdict."""
        s_sub, d_sub = src["SubnetId"], dst["SubnetId"]
        if s_sub == d_sub:
            return []
        table = self.table_of(s_sub)
        route = self.lpm(table.get("Routes", []), dst_ip)
        if route is None or route.get("State") == "blackhole":
            return ("no_route", table["RouteTableId"])
        if route.get("GatewayId") == "local":
            if self.subnets[d_sub]["VpcId"] != self.subnets[s_sub]["VpcId"]:
                raise Unsupported("local route to another VPC")
            return [(s_sub, True), (d_sub, False)]
        if route.get("VpcPeeringConnectionId"):
            return [(s_sub, True), (d_sub, False)]
        tgw = route.get("TransitGatewayId")
        if not tgw:
            raise Unsupported(f"route target {route}")
        s_att, s_tsub = self.tgw_subnet(self.subnets[s_sub]["VpcId"], tgw, self.subnets[s_sub]["AvailabilityZone"])
        rtb = None
        for t in self.lists.get("TransitGatewayRouteTables", []):
            assoc = self.per.get(("GetTransitGatewayRouteTableAssociations", t["TransitGatewayRouteTableId"]), {})
            if any(a.get("TransitGatewayAttachmentId") == s_att for a in assoc.get("Associations", [])):
                rtb = t["TransitGatewayRouteTableId"]
        for a in self.lists.get("TransitGatewayAttachments", []):  # DescribeTransitGatewayAttachments' view
            if rtb is None and a.get("TransitGatewayAttachmentId") == s_att:
                assoc = a.get("Association") or {}
                if assoc.get("State", "associated") == "associated":
                    rtb = assoc.get("TransitGatewayRouteTableId")
        if rtb is None:
            raise Unsupported("TGW attachment without an associated table")
        body = self.per.get(("SearchTransitGatewayRoutes", rtb))
        if body is None:
            raise Unsupported("no SearchTransitGatewayRoutes")
        troute = self.lpm(body.get("Routes", []), dst_ip)
        if troute is None or troute.get("State") == "blackhole":
            return ("no_route", rtb)
        atts = troute.get("TransitGatewayAttachments", [])
        if len(atts) != 1 or atts[0].get("ResourceType") != "vpc":
            raise Unsupported("TGW route not to one VPC attachment")
        d_vpc = atts[0]["ResourceId"]
        if d_vpc != self.subnets[d_sub]["VpcId"]:
            raise Unsupported("TGW route to another VPC")
        _d_att, d_tsub = self.tgw_subnet(d_vpc, tgw, self.subnets[d_sub]["AvailabilityZone"])
        d_table = self.table_of(d_tsub)
        local = self.lpm(d_table.get("Routes", []), dst_ip)
        if local is None or local.get("GatewayId") != "local":
            raise Unsupported("the TGW subnet does not route locally")
        checks = [(s_sub, True)]
        if s_tsub != s_sub:
            checks.append((s_tsub, False))
        if d_tsub != d_sub:
            checks.append((d_tsub, True))
        return checks + [(d_sub, False)]

    def trace(self, src_ip: str, dst_ip: str, proto: int, dport: int, sport: int = 49152):
        """('delivered', None) or ('blocked', id of the NACL or ENI that blocks) or ('no_route', id); None
        when the flow is outside this evaluator's scope."""
        try:
            src, dst = self.eni_of_ip(src_ip), self.eni_of_ip(dst_ip)
            if src is None or dst is None or src is dst:
                return None
            # forward
            if not self.sg_allows(src, True, dst_ip, proto, dport):
                return ("blocked", src["NetworkInterfaceId"])
            path = self.crossing(src, dst, src_ip, dst_ip, proto, sport, dport)
            if isinstance(path, tuple):
                return path
            for subnet, egress in path:
                acl = self.acl_of(subnet)
                if not self.acl_allows(acl, egress, dst_ip if egress else src_ip, proto, dport):
                    return ("blocked", acl["NetworkAclId"])
            if not self.sg_allows(dst, False, src_ip, proto, dport):
                return ("blocked", dst["NetworkInterfaceId"])
            # reply: SGs are stateful; NACLs again, with the ports swapped
            back = self.crossing(dst, src, dst_ip, src_ip, proto, dport, sport)
            if isinstance(back, tuple):
                return ("reply " + back[0], back[1])
            for subnet, egress in back:
                acl = self.acl_of(subnet)
                if not self.acl_allows(acl, egress, src_ip if egress else dst_ip, proto, sport):
                    return ("reply blocked", acl["NetworkAclId"])
            return ("delivered", None)
        except Unsupported:
            return None
