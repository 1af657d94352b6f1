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
- TGW: AZ affinity (the destination attachment's ENI in the AZ where the packet entered); appliance mode: skip.
Hop steps (projection.py), in the order the packet meets them: source ENI, its SGs as one "out" step, the source
subnet's route table, the NACL boundaries it crosses (peering / TGW attachments and TGW route tables between
them), the destination ENI's SGs as one "in" step, delivery; then the reply the same way from the destination.
"""

from __future__ import annotations

from pathlib import Path

from flightpath.snapshot import read_snapshot
from tests.reference_eval.common import Result, Unsupported, Walk, combine, in_net, lpm
from tests.reference_eval.projection import RULES, TRACKED

PROTO = {"tcp": 6, "udp": 17, "6": 6, "17": 17, "-1": None, "all": None}


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
    def hosts(self) -> list[str]:
        return sorted({ip for e in self.enis.values() if e.get("_instance") for ip in self.ips(e)})

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
                    if in_net(peer_ip, r["CidrIp"]):
                        return True
                for pair in perm.get("UserIdGroupPairs", []):
                    if peer_ip in self.group_members(pair.get("GroupId")):
                        return True
                if perm.get("PrefixListIds"):
                    undecided = True
        if undecided:
            raise Unsupported("a prefix-list rule decides")
        return False

    def acl_allows(self, acl, egress: bool, peer_ip: str, proto: int, port: int) -> tuple[bool, str]:
        entries = sorted((e for e in acl.get("Entries", []) if bool(e.get("Egress")) == egress and "CidrBlock" in e),
                         key=lambda e: int(e["RuleNumber"]))
        for e in entries:
            pr = e.get("PortRange") or {}
            if not self._proto_port_match(e.get("Protocol"), pr.get("From"), pr.get("To"), proto, port):
                continue
            if in_net(peer_ip, e["CidrBlock"]):
                # the final "*" rule is RuleNumber 32767 in the API (nacl-rules.html: "*" cannot be removed)
                label = "*" if int(e["RuleNumber"]) == 32767 else e["RuleNumber"]
                return e["RuleAction"] == "allow", f"{acl['NetworkAclId']}#{label}"
        return False, f"{acl['NetworkAclId']}#*"  # the final deny (nacl-rules.html)

    # --- route lookups ----------------------------------------------------------------------------------
    @staticmethod
    def vpc_route(table, ip: str):
        """Longest prefix over every route of the table (route-tables-priority.html); a prefix-list route or a
        tie at the longest prefix is outside this reference's scope."""
        if any(r.get("DestinationPrefixListId") for r in table.get("Routes", [])):
            raise Unsupported("prefix-list routes")
        best = lpm(table.get("Routes", []), ip, lambda r: r.get("DestinationCidrBlock"))
        if len(best) > 1:
            raise Unsupported("equal-prefix routes")
        return best[0] if best else None

    def tgw_subnet(self, vpc: str, tgw: str, az: str) -> tuple[str, str]:
        for a in self.lists.get("TransitGatewayVpcAttachments", []):
            if a.get("VpcId") == vpc and a.get("TransitGatewayId") == tgw:
                if (a.get("Options") or {}).get("ApplianceModeSupport") == "enable":
                    raise Unsupported("appliance mode (flow-hash AZ choice)")
                for sid in a.get("SubnetIds", []):
                    if self.subnets[sid].get("AvailabilityZone") == az:
                        return a["TransitGatewayAttachmentId"], sid
                raise Unsupported("no TGW subnet in the AZ")
        raise Unsupported("no TGW attachment")

    def tgw_table(self, att: str) -> str:
        """The TGW route table the attachment is associated with (how-transit-gateways-work.html)."""
        rtb = None
        for t in self.lists.get("TransitGatewayRouteTables", []):
            assoc = self.per.get(("GetTransitGatewayRouteTableAssociations", t["TransitGatewayRouteTableId"]), {})
            if any(a.get("TransitGatewayAttachmentId") == att for a in assoc.get("Associations", [])):
                rtb = t["TransitGatewayRouteTableId"]
        for a in self.lists.get("TransitGatewayAttachments", []):  # DescribeTransitGatewayAttachments' view
            if rtb is None and a.get("TransitGatewayAttachmentId") == att:
                assoc = a.get("Association") or {}
                if assoc.get("State", "associated") == "associated":
                    rtb = assoc.get("TransitGatewayRouteTableId")
        if rtb is None:
            raise Unsupported("TGW attachment without an associated table")
        return rtb

    def peering(self, pcx: str, a_vpc: str, b_vpc: str) -> None:
        """An active peering between exactly these two VPCs, else out of scope (no transitive peering:
        https://docs.aws.amazon.com/vpc/latest/peering/invalid-peering-configurations.html)."""
        for p in self.lists.get("VpcPeeringConnections", []):
            if p.get("VpcPeeringConnectionId") == pcx:
                ends = {(p.get("RequesterVpcInfo") or {}).get("VpcId"), (p.get("AccepterVpcInfo") or {}).get("VpcId")}
                if ends == {a_vpc, b_vpc} and (p.get("Status") or {}).get("Code", "active") == "active":
                    return
        raise Unsupported("peering not between the two VPCs")

    # --- the walk --------------------------------------------------------------------------------------
    def nacl(self, w: Walk, subnet: str, egress: bool, peer_ip: str, proto: int, port: int) -> bool:
        """NACLs filter at the subnet boundary, outbound rules on the way out (peer = destination), inbound on
        the way in (peer = source); https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html"""
        acl = self.acl_of(subnet)
        ok, rule = self.acl_allows(acl, egress, peer_ip, proto, port)
        if not w.add("out" if egress else "in", subnet, "allow" if ok else "deny", rule):
            w.stop("blocked", acl["NetworkAclId"])
        return ok

    def route(self, w: Walk, table_id: str, route, dst_ip: str) -> bool:
        if route is None or route.get("State") == "blackhole":  # no route / blackhole drop (BAD_STATE_ROUTE)
            w.add("route", table_id, "drop", route and route.get("DestinationCidrBlock"))
            w.stop("no_route", table_id)
            return False
        w.add("route", table_id, "forward", route.get("DestinationCidrBlock"))
        return True

    def between_subnets(self, w: Walk, src, dst, src_ip, dst_ip, proto, dport) -> bool:
        """Source subnet's route table (its association, else the VPC main table) first, then the NACL
        boundaries the packet crosses, in the order it crosses them."""
        s_sub, d_sub = src["SubnetId"], dst["SubnetId"]
        s_vpc, d_vpc = self.subnets[s_sub]["VpcId"], self.subnets[d_sub]["VpcId"]
        table = self.table_of(s_sub)
        route = self.vpc_route(table, dst_ip)
        if not self.route(w, table["RouteTableId"], route, dst_ip):
            return False
        if s_sub == d_sub:
            # same subnet: the local route covers it and no subnet boundary (hence no NACL) is crossed
            # (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html)
            if route.get("GatewayId") != "local":
                raise Unsupported("a same-subnet flow routed elsewhere")
            return True
        out = lambda sub: self.nacl(w, sub, True, dst_ip, proto, dport)  # noqa: E731
        inn = lambda sub: self.nacl(w, sub, False, src_ip, proto, dport)  # noqa: E731
        if route.get("GatewayId") == "local":
            if d_vpc != s_vpc:
                raise Unsupported("local route to another VPC")
            return out(s_sub) and inn(d_sub)
        pcx = route.get("VpcPeeringConnectionId")
        if pcx:
            self.peering(pcx, s_vpc, d_vpc)
            return out(s_sub) and w.add("via", pcx, "forward") and inn(d_sub)
        tgw = route.get("TransitGatewayId")
        if not tgw:
            raise Unsupported("route target")
        s_att, s_tsub = self.tgw_subnet(s_vpc, tgw, self.subnets[s_sub]["AvailabilityZone"])
        if not out(s_sub) or (s_tsub != s_sub and not inn(s_tsub)):
            return False
        w.add("via", s_att, "forward")
        rtb = self.tgw_table(s_att)
        body = self.per.get(("SearchTransitGatewayRoutes", rtb))
        if body is None:
            raise Unsupported("no SearchTransitGatewayRoutes")
        best = lpm(body.get("Routes", []), dst_ip, lambda r: r.get("DestinationCidrBlock"))
        if len(best) > 1:
            raise Unsupported("equal-prefix TGW routes")
        troute = best[0] if best else None
        if not self.route(w, rtb, troute, dst_ip):
            return False
        atts = troute.get("TransitGatewayAttachments", [])
        if len(atts) != 1 or atts[0].get("ResourceType") != "vpc" or atts[0]["ResourceId"] != d_vpc:
            raise Unsupported("TGW route not to the destination VPC's attachment")
        # AZ affinity: without appliance mode the TGW delivers through the destination attachment's ENI in the
        # AZ where the packet entered it, then the VPC routes it on to the destination's AZ
        # (https://docs.aws.amazon.com/prescriptive-guidance/latest/inline-traffic-inspection-third-party-appliances/transit-gateway-asymmetric-routing.html)
        d_att, d_tsub = self.tgw_subnet(d_vpc, tgw, self.subnets[s_tsub]["AvailabilityZone"])
        w.add("via", d_att, "forward")
        # out of the TGW ENI: the attachment subnet's route table decides (tgw-vpc-attachments.html)
        d_table = self.table_of(d_tsub)
        local = self.vpc_route(d_table, dst_ip)
        if local is None or local.get("GatewayId") != "local":
            raise Unsupported("the TGW subnet does not route locally")
        self.route(w, d_table["RouteTableId"], local, dst_ip)
        return (d_tsub == d_sub or out(d_tsub)) and inn(d_sub)

    def direction(self, src, dst, src_ip, dst_ip, proto, sport, dport, reply: bool) -> Walk:
        """One direction: source SGs (out), routes and NACLs, destination SGs (in), delivery. SGs are stateful:
        on the reply they pass as tracked (security-group-connection-tracking.html); NACLs are not."""
        s_eni, d_eni = src["NetworkInterfaceId"], dst["NetworkInterfaceId"]
        w = Walk(s_eni)
        ok = reply or self.sg_allows(src, True, dst_ip, proto, dport)
        if not w.add("out", s_eni, "allow" if ok else "deny", TRACKED if reply else RULES):
            w.stop("blocked", s_eni)
            return w
        if not self.between_subnets(w, src, dst, src_ip, dst_ip, proto, dport):
            return w
        ok = reply or self.sg_allows(dst, False, src_ip, proto, dport)
        if not w.add("in", d_eni, "allow" if ok else "deny", TRACKED if reply else RULES):
            w.stop("blocked", d_eni)
            return w
        w.add("deliver", d_eni, "deliver")
        w.stop("delivered", None)
        return w

    def trace(self, src_ip: str, dst_ip: str, proto: int, dport: int, sport: int = 49152) -> Result | None:
        """The verdict, blocker (the NACL, the ENI whose SGs block, the route table without a route) and the
        hop steps of both directions; None when the flow is outside this evaluator's scope."""
        try:
            src, dst = self.eni_of_ip(src_ip), self.eni_of_ip(dst_ip)
            if src is None or dst is None or src is dst:
                return None
            fwd = self.direction(src, dst, src_ip, dst_ip, proto, sport, dport, reply=False)
            rep = None
            if fwd.verdict == "delivered":  # the reply: ports swapped
                rep = self.direction(dst, src, dst_ip, src_ip, proto, dport, sport, reply=True)
            return combine(fwd, rep)
        except Unsupported:
            return None
