"""AWS response bodies for one hub of a synthetic estate (see bench/estate.py for the layout).

`HubWriter(plan, hub).build()` makes every document of one (account, region): the bodies that
`aws ec2 describe-... --output json` prints, with the fields and shapes of the real API (compare
/work/shared/reference/aws and fixtures/kickstart-aws), and `write(root)` puts them at
`root/aws/<account>/<region>/<Operation>.json` (compact JSON). Pure given (plan, hub): no global state.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from estate import (APP_A, APP_B, DB, PAD_PORTS, SG_APP, SG_DB, SG_DEFAULT, SG_MGMT, SG_NAMES, SG_WEB, SUBNETS,
                    T0, TGW_A, TGW_B, TGW_BLACKHOLE, VPC_BLACKHOLE, WEB, Hub, Ids, Plan, Vpc, ip, subnet_base,
                    vpc_cidr)


def _tags(name: str) -> list[dict[str, str]]:
    return [{"Key": "Name", "Value": name}, {"Key": "Environment", "Value": "bench"}]


def _perm(proto: str, lo: int | None = None, hi: int | None = None, cidrs: tuple[str, ...] = (),
          groups: tuple[tuple[str, str], ...] = (), pls: tuple[str, ...] = (), desc: str = "") -> dict[str, Any]:
    p: dict[str, Any] = {"IpProtocol": proto, "IpRanges": [{"CidrIp": c, "Description": desc} for c in cidrs],
                         "Ipv6Ranges": [], "PrefixListIds": [{"PrefixListId": x} for x in pls],
                         "UserIdGroupPairs": [{"GroupId": g, "UserId": a} for g, a in groups]}
    if lo is not None:
        p["FromPort"], p["ToPort"] = lo, hi
    return p


def _entry(num: int, egress: bool, action: str, cidr: str, proto: str = "-1",
           ports: tuple[int, int] | None = None) -> dict[str, Any]:
    e: dict[str, Any] = {"CidrBlock": cidr, "Egress": egress, "Protocol": proto, "RuleAction": action,
                         "RuleNumber": num}
    if ports:
        e["PortRange"] = {"From": ports[0], "To": ports[1]}
    if proto == "1":
        e["IcmpTypeCode"] = {"Code": -1, "Type": -1}
    return e


def _route(dest: str, key: str, target: str, state: str = "active", origin: str = "CreateRoute") -> dict[str, Any]:
    return {"DestinationCidrBlock": dest, key: target, "Origin": origin, "State": state}


def _onprem(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"192.168.{rng.randrange(256)}.{rng.randrange(256)}/32"
    return f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.0/24"


class HubWriter:
    """Builds every document of one (account, region) hub; `write` puts them on disk."""

    def __init__(self, plan: Plan, hub: Hub) -> None:
        self.plan, self.hub, self.ids = plan, hub, Ids(plan.seed)
        self.rng = random.Random(f"{plan.seed}:hub:{hub.idx}")
        self.docs: dict[str, list[dict[str, Any]]] = {}
        self.files: dict[str, Any] = {}
        self.counts: dict[str, int] = {}

    def add(self, key: str, item: dict[str, Any], count: str | None = None, n: int = 1) -> None:
        self.docs.setdefault(key, []).append(item)
        self.counts[count or key] = self.counts.get(count or key, 0) + n

    def sg_id(self, v: Vpc, role: int) -> str:
        return self.ids("sg", v.idx * 8 + role)

    def build(self) -> None:
        h, ids = self.hub, self.ids
        self.tgw, self.tgw_rtb = ids("tgw", h.idx), ids("tgw-rtb", h.idx)
        self.pl_shared, self.pl_corp = ids("pl", h.idx * 4), ids("pl", h.idx * 4 + 1)
        self._hub_resources()
        for i in h.vpcs:
            self._vpc(self.plan.vpcs[i])

    def _hub_resources(self) -> None:
        h, acct, rng = self.hub, self.hub.account, self.rng
        arn = f"arn:aws:ec2:{h.region}:{acct}"
        self.add("TransitGateways", {
            "TransitGatewayId": self.tgw, "TransitGatewayArn": f"{arn}:transit-gateway/{self.tgw}",
            "State": "available", "OwnerId": acct, "Description": f"hub-{h.region}", "CreationTime": T0,
            "Options": {"AmazonSideAsn": 64512 + h.idx, "AutoAcceptSharedAttachments": "disable",
                        "DefaultRouteTableAssociation": "enable", "AssociationDefaultRouteTableId": self.tgw_rtb,
                        "DefaultRouteTablePropagation": "enable", "PropagationDefaultRouteTableId": self.tgw_rtb,
                        "VpnEcmpSupport": "enable", "DnsSupport": "enable", "MulticastSupport": "disable"},
            "Tags": _tags(f"hub-{h.idx}")})
        self.add("TransitGatewayRouteTables", {
            "TransitGatewayRouteTableId": self.tgw_rtb, "TransitGatewayId": self.tgw, "State": "available",
            "DefaultAssociationRouteTable": True, "DefaultPropagationRouteTable": True, "CreationTime": T0,
            "Tags": _tags(f"hub-{h.idx}-rtb")})
        routes = [{"DestinationCidrBlock": f"{vpc_cidr(self.plan.vpcs[i])}", "State": "active",
                   "Type": "propagated", "TransitGatewayAttachments": [{
                       "ResourceId": self.ids("vpc", i), "ResourceType": "vpc",
                       "TransitGatewayAttachmentId": self.ids("tgw-attach", i)}]} for i in h.vpcs]
        routes.append({"DestinationCidrBlock": f"{ip(TGW_BLACKHOLE + h.idx * 256)}/24", "State": "blackhole",
                       "Type": "static"})
        self.files[f"SearchTransitGatewayRoutes/{self.tgw_rtb}.json"] = {
            "AdditionalRoutesAvailable": False, "Routes": routes}
        self.counts["tgw_routes"] = len(routes)
        shared = self.plan.vpcs[h.vpcs[0]] if len(h.vpcs) else None
        lists = ((self.pl_shared, "shared-services", ([vpc_cidr(shared)] if shared else []) + [_onprem(rng)]),
                 (self.pl_corp, "corp-networks", [_onprem(rng) for _ in range(8)]))
        for pl, name, cidrs in lists:
            self.add("PrefixLists", {
                "AddressFamily": "IPv4", "MaxEntries": 20, "OwnerId": acct, "PrefixListArn": f"{arn}:prefix-list/{pl}",
                "PrefixListId": pl, "PrefixListName": name, "State": "create-complete", "Tags": [], "Version": 1})
            self.files[f"GetManagedPrefixListEntries/{pl}.json"] = {
                "Entries": [{"Cidr": c, "Description": name} for c in sorted(set(cidrs))]}

    def _vpc(self, v: Vpc) -> None:
        ids, acct, region = self.ids, self.hub.account, self.hub.region
        vpc_id = ids("vpc", v.idx)
        name = f"vpc-{v.idx:05d}"
        self.add("Vpcs", {
            "CidrBlock": vpc_cidr(v), "CidrBlockAssociationSet": [{
                "AssociationId": ids("vpc-cidr-assoc", v.idx), "CidrBlock": vpc_cidr(v),
                "CidrBlockState": {"State": "associated"}}],
            "DhcpOptionsId": ids("dopt", self.hub.idx), "InstanceTenancy": "default", "IsDefault": False,
            "OwnerId": acct, "State": "available", "Tags": _tags(name), "VpcId": vpc_id})
        sub_ids = [ids("subnet", v.idx * 8 + s) for s in range(6)]
        for s, (off, plen, az, label) in enumerate(SUBNETS):
            self.add("Subnets", {
                "AvailabilityZone": f"{region}{az}", "AvailableIpAddressCount": (1 << (32 - plen)) - 5,
                "CidrBlock": f"{ip(v.base + off)}/{plen}", "DefaultForAz": False, "MapPublicIpOnLaunch": False,
                "OwnerId": acct, "State": "available", "SubnetArn": f"arn:aws:ec2:{region}:{acct}:subnet/{sub_ids[s]}",
                "SubnetId": sub_ids[s], "Tags": _tags(f"{name}-{label}"), "VpcId": vpc_id,
                "Ipv6CidrBlockAssociationSet": []})
        self._security_groups(v, vpc_id)
        self._nacls(v, vpc_id, sub_ids)
        self._routes(v, vpc_id, sub_ids)
        self._interfaces(v, vpc_id, sub_ids)
        attach = ids("tgw-attach", v.idx)
        self.add("TransitGatewayAttachments", {
            "Association": {"State": "associated", "TransitGatewayRouteTableId": self.tgw_rtb},
            "CreationTime": T0, "ResourceId": vpc_id, "ResourceOwnerId": acct, "ResourceType": "vpc",
            "State": "available", "Tags": _tags(f"{name}-attach"), "TransitGatewayAttachmentId": attach,
            "TransitGatewayId": self.tgw, "TransitGatewayOwnerId": acct})
        self.add("TransitGatewayVpcAttachments", {
            "CreationTime": T0, "Options": {"ApplianceModeSupport": "disable", "DnsSupport": "enable",
                                            "Ipv6Support": "disable", "SecurityGroupReferencingSupport": "disable"},
            "State": "available", "SubnetIds": [sub_ids[TGW_A], sub_ids[TGW_B]], "Tags": _tags(f"{name}-attach"),
            "TransitGatewayAttachmentId": attach, "TransitGatewayId": self.tgw, "VpcId": vpc_id, "VpcOwnerId": acct})
        if v.public:
            igw = ids("igw", v.idx)
            self.add("InternetGateways", {"Attachments": [{"State": "available", "VpcId": vpc_id}],
                                          "InternetGatewayId": igw, "OwnerId": acct, "Tags": _tags(f"{name}-igw")})
        for pcx, other in v.peers:
            self._peering(v, self.plan.vpcs[other], pcx)

    def _peering(self, v: Vpc, w: Vpc, pcx: int) -> None:
        a, b = (v, w) if v.idx < w.idx else (w, v)  # the lower index requested it

        def info(x: Vpc) -> dict[str, Any]:
            hub = self.plan.hubs[x.hub]
            return {"CidrBlock": vpc_cidr(x), "CidrBlockSet": [{"CidrBlock": vpc_cidr(x)}], "OwnerId": hub.account,
                    "PeeringOptions": {"AllowDnsResolutionFromRemoteVpc": False}, "Region": hub.region,
                    "VpcId": self.ids("vpc", x.idx)}
        self.add("VpcPeeringConnections", {
            "AccepterVpcInfo": info(b), "RequesterVpcInfo": info(a), "Status": {"Code": "active", "Message": "Active"},
            "Tags": _tags(f"peer-{a.idx}-{b.idx}"), "VpcPeeringConnectionId": self.ids("pcx", pcx)})

    def _security_groups(self, v: Vpc, vpc_id: str) -> None:
        acct, rng, sg = self.hub.account, self.rng, lambda r: (self.sg_id(v, r), self.hub.account)
        all_out = [_perm("-1", cidrs=("0.0.0.0/0",))]
        app_in = [_perm("tcp", 8080, 8080, groups=(sg(SG_WEB),), desc="from web tier"),
                  _perm("tcp", 443, 443, cidrs=("10.0.0.0/8",), desc="internal https"),
                  _perm("tcp", 22, 22, pls=(self.pl_shared,)), _perm("icmp", -1, -1, cidrs=("10.0.0.0/8",))]
        for _, other in v.peers:
            w = self.plan.vpcs[other]
            if self.plan.hubs[w.hub].region == self.hub.region:  # same-region peering: SG reference
                ref = (self.sg_id(w, SG_APP), self.plan.hubs[w.hub].account)
                app_in.append(_perm("tcp", 8443, 8443, groups=(ref,), desc="peer app"))
            else:
                app_in.append(_perm("tcp", 8443, 8443, cidrs=(vpc_cidr(w),), desc="peer app"))
        db_in = [_perm("tcp", 5432, 5432, groups=(sg(SG_APP),)), _perm("tcp", 6379, 6379, groups=(sg(SG_APP),)),
                 _perm("tcp", 3389, 3389, cidrs=("10.0.0.0/8",), desc="rdp admin"),
                 _perm("tcp", 5432, 5432, cidrs=tuple(_onprem(rng) for _ in range(3)), desc="reporting")]
        pad = rng.randint(30, 60)  # rule padding: on-prem sources that no bench flow uses
        for target, k in ((app_in, pad * 2 // 3), (db_in, pad - pad * 2 // 3)):
            while k > 0:
                m = min(k, rng.randint(1, 5))
                port = rng.choice(PAD_PORTS)
                target.append(_perm("tcp", port, port, cidrs=tuple(sorted({_onprem(rng) for _ in range(m)})), desc="legacy"))
                k -= m
        groups = (
            (SG_DEFAULT, "default VPC security group", [_perm("-1", groups=(sg(SG_DEFAULT),))], all_out),
            (SG_WEB, "web tier", [_perm("tcp", 443, 443, cidrs=("0.0.0.0/0",)), _perm("tcp", 80, 80, cidrs=("0.0.0.0/0",)),
                                  _perm("tcp", 443, 443, pls=(self.pl_corp,))], all_out),
            (SG_APP, "app tier", app_in, all_out),
            (SG_DB, "db tier", db_in, [_perm("tcp", 443, 443, cidrs=("0.0.0.0/0",)),
                                       _perm("tcp", 5432, 5432, cidrs=("10.0.0.0/8",))]),
            (SG_MGMT, "bastion access", [_perm("tcp", 22, 22, pls=(self.pl_corp,)),
                                         _perm("tcp", 3389, 3389, pls=(self.pl_corp,))], all_out))
        for role, desc, ingress, egress in groups:
            n = sum(len(p["IpRanges"]) + len(p["UserIdGroupPairs"]) + len(p["PrefixListIds"]) for p in ingress + egress)
            self.add("SecurityGroups", {
                "Description": desc, "GroupId": self.sg_id(v, role),
                "GroupName": "default" if role == SG_DEFAULT else f"vpc-{v.idx:05d}-{SG_NAMES[role]}",
                "IpPermissions": ingress, "IpPermissionsEgress": egress, "OwnerId": acct, "Tags": [],
                "VpcId": vpc_id}, "sg_rules", n)

    def _nacls(self, v: Vpc, vpc_id: str, sub_ids: list[str]) -> None:
        acct, ids = self.hub.account, self.ids
        custom = {DB} | ({APP_A, APP_B} if v.nacl == 2 else set()) if v.nacl else set()
        default = [_entry(100, True, "allow", "0.0.0.0/0"), _entry(32767, True, "deny", "0.0.0.0/0"),
                   _entry(100, False, "allow", "0.0.0.0/0"), _entry(32767, False, "deny", "0.0.0.0/0")]
        acls = [(ids("acl", v.idx * 2), True, default, [s for s in range(6) if s not in custom])]
        if custom:
            entries = [_entry(50, False, "deny", "0.0.0.0/0", "6", (3389, 3389))]
            if v.quarantine >= 0:
                entries.append(_entry(60, False, "deny", vpc_cidr(self.plan.vpcs[v.quarantine])))
            entries += [_entry(70 + k, False, "deny", _onprem(self.rng)) for k in range(self.rng.randint(2, 12))]
            entries += [_entry(100, False, "allow", "10.0.0.0/8", "6", (22, 22)),
                        _entry(110, False, "allow", "0.0.0.0/0", "6", (443, 443)),
                        _entry(120, False, "allow", "0.0.0.0/0", "6", (1024, 65535)),
                        _entry(130, False, "allow", "0.0.0.0/0", "17", (1024, 65535)),
                        _entry(140, False, "allow", "10.0.0.0/8", "1"), _entry(32767, False, "deny", "0.0.0.0/0"),
                        _entry(50, True, "deny", "0.0.0.0/0", "6", (25, 25)), _entry(100, True, "allow", "0.0.0.0/0"),
                        _entry(32767, True, "deny", "0.0.0.0/0")]
            acls.append((ids("acl", v.idx * 2 + 1), False, entries, sorted(custom)))
        for acl, is_default, entries, subs in acls:
            self.add("NetworkAcls", {
                "Associations": [{"NetworkAclAssociationId": ids("aclassoc", v.idx * 8 + s), "NetworkAclId": acl,
                                  "SubnetId": sub_ids[s]} for s in subs],
                "Entries": entries, "IsDefault": is_default, "NetworkAclId": acl, "OwnerId": acct,
                "Tags": [] if is_default else _tags(f"vpc-{v.idx:05d}-restricted"), "VpcId": vpc_id},
                "nacl_entries", len(entries))

    def _routes(self, v: Vpc, vpc_id: str, sub_ids: list[str]) -> None:
        ids, rng = self.ids, self.rng
        local = _route(vpc_cidr(v), "GatewayId", "local", origin="CreateRouteTable")
        to_tgw = lambda dest: _route(dest, "TransitGatewayId", self.tgw)  # noqa: E731
        nat = ids("nat", v.idx)
        if v.variant == "public":
            private = [to_tgw("10.0.0.0/8"), _route("0.0.0.0/0", "NatGatewayId", nat)]
        else:
            private = [to_tgw("0.0.0.0/0" if v.variant == "default" else "10.0.0.0/8")]
        private += [_route(vpc_cidr(self.plan.vpcs[o]), "VpcPeeringConnectionId", ids("pcx", p)) for p, o in v.peers]
        if v.blackhole:
            private.append(_route(f"{ip(VPC_BLACKHOLE + v.idx * 16)}/28", "NatGatewayId",
                                  ids("nat", 1 << 30 | v.idx), state="blackhole"))
        tables = [(0, [local, *private[:1]], [], True)]  # main: the TGW subnets use it implicitly
        for r, subs in ((1, [APP_A, DB] + ([] if v.public else [WEB])), (2, [APP_B])):
            pad = [to_tgw(f"192.168.{rng.randrange(256)}.0/24") for _ in range(rng.randint(3, 8))]
            tables.append((r, [local, *private, *pad], subs, False))
        if v.public:
            public = [local, to_tgw("10.0.0.0/8"), _route("0.0.0.0/0", "GatewayId", ids("igw", v.idx))]
            public += [r for r in private if "VpcPeeringConnectionId" in r]
            tables.append((3, public, [WEB], False))
        for r, routes, subs, main in tables:
            rtb = ids("rtb", v.idx * 4 + r)
            assocs = [{"Main": False, "RouteTableAssociationId": ids("rtbassoc", v.idx * 8 + s),
                       "RouteTableId": rtb, "SubnetId": sub_ids[s],
                       "AssociationState": {"State": "associated"}} for s in subs]
            if main:
                assocs.append({"Main": True, "RouteTableAssociationId": ids("rtbassoc", v.idx * 8 + 7),
                               "RouteTableId": rtb, "AssociationState": {"State": "associated"}})
            self.add("RouteTables", {"Associations": assocs, "OwnerId": self.hub.account, "PropagatingVgws": [],
                                     "RouteTableId": rtb, "Routes": routes, "Tags": _tags(f"vpc-{v.idx:05d}-rt{r}"),
                                     "VpcId": vpc_id}, "routes", len(routes))

    def _eni(self, v: Vpc, vpc_id: str, sub_id: str, s: int, n: int, addr: int, groups: list[int],
             kind: str = "interface", extra_ips: tuple[int, ...] = (), public: str = "") -> dict[str, Any]:
        eni_id, region = self.ids("eni", v.idx * 32 + n), self.hub.region
        dns = lambda x: f"ip-{ip(x).replace('.', '-')}.{region}.compute.internal"  # noqa: E731
        assoc = {"IpOwnerId": "amazon", "PublicDnsName": f"ec2-{public.replace('.', '-')}.compute.amazonaws.com",
                 "PublicIp": public} if public else None
        addrs = [{"Primary": True, "PrivateDnsName": dns(addr), "PrivateIpAddress": ip(addr)}]
        addrs += [{"Primary": False, "PrivateDnsName": dns(x), "PrivateIpAddress": ip(x)} for x in extra_ips]
        if assoc:
            addrs[0]["Association"] = assoc
        eni: dict[str, Any] = {
            "AvailabilityZone": f"{region}{SUBNETS[s][2]}", "Description": "", "InterfaceType": kind,
            "Ipv6Addresses": [], "MacAddress": f"02:{n:02x}:{(v.idx >> 16) & 255:02x}:{(v.idx >> 8) & 255:02x}:{v.idx & 255:02x}:01",
            "NetworkInterfaceId": eni_id, "OwnerId": self.hub.account, "PrivateDnsName": dns(addr),
            "PrivateIpAddress": ip(addr), "PrivateIpAddresses": addrs, "RequesterManaged": kind != "interface",
            "SourceDestCheck": kind == "interface", "Status": "in-use", "SubnetId": sub_id, "TagSet": [], "VpcId": vpc_id,
            "Groups": [{"GroupId": self.sg_id(v, g), "GroupName": SG_NAMES[g]} for g in groups]}
        if assoc:
            eni["Association"] = assoc
        if kind != "interface":
            eni["Attachment"] = {"AttachmentId": self.ids("ela-attach", v.idx * 32 + n), "DeleteOnTermination": False,
                                 "DeviceIndex": 1, "InstanceOwnerId": "amazon-aws", "Status": "attached"}
        self.add("NetworkInterfaces", eni, "enis")
        return eni

    def _interfaces(self, v: Vpc, vpc_id: str, sub_ids: list[str]) -> None:
        """Instances (app x6, db x2, web x2 if public; app 0 has a 2nd ENI in db), NAT and TGW ENIs."""
        ids, rng, acct = self.ids, self.rng, self.hub.account
        layout = [(APP_A, k, [SG_APP, SG_DEFAULT]) for k in range(3)] + \
                 [(APP_B, k, [SG_APP, SG_DEFAULT, SG_MGMT]) for k in range(3)] + [(DB, k, [SG_DB]) for k in range(2)]
        if v.public:
            layout += [(WEB, k, [SG_WEB]) for k in range(2)]
        for n, (s, k, groups) in enumerate(layout):
            inst = ids("i", v.idx * 16 + n)
            public = ip((198 << 24) + (18 << 16) + v.idx * 4 + k) if s == WEB else ""
            enis = [self._eni(v, vpc_id, sub_ids[s], s, n, subnet_base(v, s) + 10 + k, groups, public=public,
                              extra_ips=(subnet_base(v, s) + 100,) if (s, k) == (APP_A, 1) else ())]
            if n == 0:
                enis.append(self._eni(v, vpc_id, sub_ids[DB], DB, 16, subnet_base(v, DB) + 20, [SG_DB]))
            nics = []
            for dev, eni in enumerate(enis):
                att = {"AttachTime": T0, "AttachmentId": ids("eni-attach", v.idx * 32 + n * 2 + dev),
                       "DeleteOnTermination": dev == 0, "DeviceIndex": dev, "NetworkCardIndex": 0, "Status": "attached"}
                eni["Attachment"] = {**att, "InstanceId": inst, "InstanceOwnerId": acct}
                nic = {key: eni[key] for key in ("Groups", "Ipv6Addresses", "MacAddress", "NetworkInterfaceId",
                       "OwnerId", "PrivateDnsName", "PrivateIpAddress", "PrivateIpAddresses", "SourceDestCheck",
                       "Status", "SubnetId", "VpcId", "InterfaceType")}
                nic.update(Attachment=att, Description="")
                if "Association" in eni:
                    nic["Association"] = eni["Association"]
                nics.append(nic)
            first = enis[0]
            instance = {
                "AmiLaunchIndex": 0, "Architecture": "x86_64", "ImageId": ids("ami", self.hub.idx),
                "InstanceId": inst, "InstanceType": rng.choice(("t3.medium", "m6i.large", "c6i.xlarge", "r6i.large")),
                "LaunchTime": T0, "Monitoring": {"State": "disabled"}, "NetworkInterfaces": nics,
                "Placement": {"AvailabilityZone": first["AvailabilityZone"], "GroupName": "", "Tenancy": "default"},
                "PrivateDnsName": first["PrivateDnsName"], "PrivateIpAddress": first["PrivateIpAddress"],
                "SecurityGroups": first["Groups"], "SourceDestCheck": True, "State": {"Code": 16, "Name": "running"},
                "SubnetId": first["SubnetId"], "VpcId": vpc_id,
                "Tags": _tags(f"{SUBNETS[s][3]}-{v.idx:05d}-{k}")}
            if public:
                instance["PublicIpAddress"] = public
            self.add("Reservations", {"Groups": [], "Instances": [instance], "OwnerId": acct,
                                      "ReservationId": ids("r", v.idx * 16 + n)}, "instances")
        if v.public:
            nat, public = ids("nat", v.idx), ip((198 << 24) + (18 << 16) + v.idx * 4 + 3)
            eni = self._eni(v, vpc_id, sub_ids[WEB], WEB, 20, subnet_base(v, WEB) + 5, [], kind="nat_gateway", public=public)
            eni["Description"] = f"Interface for NAT Gateway {nat}"
            self.add("NatGateways", {
                "ConnectivityType": "public", "CreateTime": T0, "NatGatewayId": nat, "State": "available",
                "NatGatewayAddresses": [{"AllocationId": ids("eipalloc", v.idx), "IsPrimary": True,
                                         "NetworkInterfaceId": eni["NetworkInterfaceId"], "PrivateIp": eni["PrivateIpAddress"],
                                         "PublicIp": public, "Status": "succeeded"}],
                "SubnetId": sub_ids[WEB], "Tags": _tags(f"vpc-{v.idx:05d}-nat"), "VpcId": vpc_id})
        for n, s in ((21, TGW_A), (22, TGW_B)):
            eni = self._eni(v, vpc_id, sub_ids[s], s, n, subnet_base(v, s) + 4 + rng.randrange(8), [],
                            kind="transit_gateway")
            eni["Description"] = f"Network Interface for Transit Gateway Attachment {ids('tgw-attach', v.idx)}"

    def write(self, root: Path) -> None:
        folder = root / "aws" / self.hub.account / self.hub.region
        folder.mkdir(parents=True, exist_ok=True)
        ops = {"Vpcs": "DescribeVpcs", "Subnets": "DescribeSubnets", "Reservations": "DescribeInstances",
               "NetworkInterfaces": "DescribeNetworkInterfaces", "SecurityGroups": "DescribeSecurityGroups",
               "NetworkAcls": "DescribeNetworkAcls", "RouteTables": "DescribeRouteTables",
               "InternetGateways": "DescribeInternetGateways", "NatGateways": "DescribeNatGateways",
               "VpcPeeringConnections": "DescribeVpcPeeringConnections", "TransitGateways": "DescribeTransitGateways",
               "TransitGatewayAttachments": "DescribeTransitGatewayAttachments",
               "TransitGatewayVpcAttachments": "DescribeTransitGatewayVpcAttachments",
               "TransitGatewayRouteTables": "DescribeTransitGatewayRouteTables",
               "PrefixLists": "DescribeManagedPrefixLists"}
        files = {f"{op}.json": {key: self.docs.get(key, [])} for key, op in ops.items()}
        files.update(self.files)
        for rel, body in files.items():
            path = folder / rel
            path.parent.mkdir(exist_ok=True)
            path.write_text(json.dumps(body, separators=(",", ":")), encoding="utf-8")
