"""Write small AWS estates as folders of AWS CLI JSON (`aws ec2 describe-* --output json`), for scenario tests.

Every file is a bare response body in the shape the EC2 API returns (field names, nesting and value types
as in botocore's output shapes; compare fixtures/reference/aws/awscli-examples/*.json and the kickstart
fixture). Files go where the live collector puts them: `aws/<account>/<region>/<Operation>.json`, and the
per-resource calls `SearchTransitGatewayRoutes/<tgw-rtb-id>.json`,
`GetTransitGatewayRouteTablePropagations/<id>.json`, `GetTransitGatewayRouteTableAssociations/<id>.json`,
`GetManagedPrefixListEntries/<pl-id>.json`, plus a flightpath `manifest.json`.

AWS creates some resources implicitly and so does the builder: every VPC gets its main route table (a
`local` route per CIDR), its default network ACL (rule 100 allow all, `*` deny; IPv6 twins 101/32768
when the VPC has an IPv6 block) and its default security group (all from itself; all out). A subnet
without an explicit ACL association appears in the default ACL's `Associations`, as DescribeNetworkAcls
shows it.

    b = AwsScenario(tmp_path)
    b.vpc("a", "10.1.0.0/16")
    b.subnet("a-app", "a", "10.1.1.0/24")
    b.sg("web", "a", ingress=[tcp(443, cidr="0.0.0.0/0")])
    b.instance("web", "a-app", "10.1.1.10", sgs=["web"], eip="3.3.3.3")
    b.igw("igw-a", "a")
    b.route_table("rt-pub", "a", subnets=["a-app"], routes=[("0.0.0.0/0", "igw-a")])
    root = b.write()

Resources are referred to by the names given here; `b.id(name)` is the AWS id (`vpc-…`, `sg-…`, …).
A route target, SG reference or attachment may be given by name or by id.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

ACCOUNT = "111122223333"
REGION = "us-east-1"
TS = "2026-11-20T10:00:00+00:00"
PEERING_OPTIONS = {"AllowDnsResolutionFromRemoteVpc": False,
                   "AllowEgressFromLocalClassicLinkToRemoteVpc": False,
                   "AllowEgressFromLocalVpcToRemoteClassicLink": False}

# Operations whose region files are always written (an empty list means "collected, nothing there").
REGION_FILES = (
    ("DescribeVpcs", "Vpcs"), ("DescribeSubnets", "Subnets"), ("DescribeInstances", "Reservations"),
    ("DescribeNetworkInterfaces", "NetworkInterfaces"), ("DescribeAddresses", "Addresses"),
    ("DescribeSecurityGroups", "SecurityGroups"), ("DescribeNetworkAcls", "NetworkAcls"),
    ("DescribeRouteTables", "RouteTables"), ("DescribeInternetGateways", "InternetGateways"),
    ("DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGateways"),
    ("DescribeNatGateways", "NatGateways"), ("DescribeVpcPeeringConnections", "VpcPeeringConnections"),
    ("DescribeTransitGateways", "TransitGateways"),
    ("DescribeTransitGatewayAttachments", "TransitGatewayAttachments"),
    ("DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments"),
    ("DescribeTransitGatewayPeeringAttachments", "TransitGatewayPeeringAttachments"),
    ("DescribeTransitGatewayRouteTables", "TransitGatewayRouteTables"),
    ("DescribeManagedPrefixLists", "PrefixLists"), ("DescribePrefixLists", "PrefixLists"),
    ("DescribeVpnGateways", "VpnGateways"), ("DescribeVpnConnections", "VpnConnections"),
    ("DescribeCustomerGateways", "CustomerGateways"), ("DescribeVpcEndpoints", "VpcEndpoints"),
)
ID_PREFIX = {
    "vpc": "vpc", "subnet": "subnet", "sg": "sg", "instance": "i", "eni": "eni", "acl": "acl",
    "rtb": "rtb", "igw": "igw", "eigw": "eigw", "nat": "nat", "pcx": "pcx", "tgw": "tgw",
    "tgw-attach": "tgw-attach", "tgw-rtb": "tgw-rtb", "pl": "pl", "vgw": "vgw", "vpn": "vpn", "cgw": "cgw",
    "vpce": "vpce", "eipalloc": "eipalloc",
}


# --- rule helpers (IpPermission / NetworkAcl entry bodies) ------------------------------------------------

def perm(protocol: str | int = "-1", from_port: int | None = None, to_port: int | None = None, *,
         cidr: str | Sequence[str] = (), cidr6: str | Sequence[str] = (), sg: str | Sequence[str] = (),
         pl: str | Sequence[str] = (), peering: str = "", user: str = ACCOUNT) -> dict[str, Any]:
    """One IpPermission as DescribeSecurityGroups prints it. `sg`/`pl` hold names or ids (resolved at
    write time). Protocol -1 carries no ports (as AWS prints it); ICMP puts type/code in From/ToPort."""
    def many(v):
        return [v] if isinstance(v, str) else list(v)
    p: dict[str, Any] = {"IpProtocol": str(protocol)}
    if str(protocol) != "-1" and from_port is not None:
        p["FromPort"] = from_port
        p["ToPort"] = from_port if to_port is None else to_port
    pairs = []
    for g in many(sg):
        pair = {"UserId": user, "GroupId": _Ref(g)}
        if peering:
            pair |= {"VpcPeeringConnectionId": _Ref(peering), "PeeringStatus": "active"}
        pairs.append(pair)
    p["UserIdGroupPairs"] = pairs
    p["IpRanges"] = [{"CidrIp": c} for c in many(cidr)]
    p["Ipv6Ranges"] = [{"CidrIpv6": c} for c in many(cidr6)]
    p["PrefixListIds"] = [{"PrefixListId": _Ref(x)} for x in many(pl)]
    return p


def tcp(from_port: int, to_port: int | None = None, **peer: Any) -> dict[str, Any]:
    return perm("tcp", from_port, to_port, **peer)


def udp(from_port: int, to_port: int | None = None, **peer: Any) -> dict[str, Any]:
    return perm("udp", from_port, to_port, **peer)


def icmp(icmp_type: int = -1, icmp_code: int = -1, **peer: Any) -> dict[str, Any]:
    return perm("icmp", icmp_type, icmp_code, **peer)


def any_proto(**peer: Any) -> dict[str, Any]:
    return perm("-1", **peer)


ALL_OUT = [any_proto(cidr="0.0.0.0/0")]


def acl_entry(number: int, protocol: str | int, action: str, cidr: str, *, egress: bool,
              ports: tuple[int, int] | int | None = None, icmp: tuple[int, int] | None = None) -> dict[str, Any]:
    """One NetworkAcl entry as DescribeNetworkAcls prints it (protocol is a number string, -1 = all)."""
    e: dict[str, Any] = {}
    if ":" in cidr:
        e["Ipv6CidrBlock"] = cidr
    else:
        e["CidrBlock"] = cidr
    e["Egress"] = egress
    if icmp is not None:
        e["IcmpTypeCode"] = {"Code": icmp[1], "Type": icmp[0]}
    if ports is not None:
        lo, hi = (ports, ports) if isinstance(ports, int) else ports
        e["PortRange"] = {"From": lo, "To": hi}
    e["Protocol"] = str(protocol)
    e["RuleAction"] = action
    e["RuleNumber"] = number
    return e


def inbound(number: int, protocol: str | int, action: str, cidr: str, **kw: Any) -> dict[str, Any]:
    return acl_entry(number, protocol, action, cidr, egress=False, **kw)


def outbound(number: int, protocol: str | int, action: str, cidr: str, **kw: Any) -> dict[str, Any]:
    return acl_entry(number, protocol, action, cidr, egress=True, **kw)


@dataclass(frozen=True)
class _Ref:
    """A name or id to resolve when writing."""
    name: str


@dataclass
class _Scope:
    account: str
    region: str


@dataclass
class _Res:
    kind: str
    name: str
    id: str
    scope: _Scope
    data: dict[str, Any] = field(default_factory=dict)


class AwsScenario:
    def __init__(self, root: str | Path, account: str = ACCOUNT, region: str = REGION) -> None:
        self.root = Path(root)
        self._scope = _Scope(account, region)
        self._n = 0
        self.res: dict[str, _Res] = {}  # name -> resource
        self.by_id: dict[str, _Res] = {}
        self.order: list[_Res] = []
        self.errors: list[dict[str, Any]] = []
        self.omitted: set[tuple[str, str, str]] = set()  # (account or "*", region or "*", operation)
        self.scopes: list[_Scope] = [self._scope]

    # --- plumbing -------------------------------------------------------------------------------
    @contextmanager
    def scope(self, account: str | None = None, region: str | None = None) -> Iterator[None]:
        """Resources created inside go to another account and/or region folder."""
        old = self._scope
        self._scope = _Scope(account or old.account, region or old.region)
        if all((s.account, s.region) != (self._scope.account, self._scope.region) for s in self.scopes):
            self.scopes.append(self._scope)
        try:
            yield
        finally:
            self._scope = old

    def _new(self, kind: str, name: str, **data: Any) -> _Res:
        if name in self.res:
            raise ValueError(f"duplicate name {name!r}")
        self._n += 1
        rid = f"{ID_PREFIX[kind]}-{self._n:017x}"
        r = _Res(kind, name, rid, self._scope, data)
        self.res[name] = r
        self.by_id[rid] = r
        self.order.append(r)
        return r

    def id(self, name_or_id: str) -> str:
        if name_or_id in self.res:
            return self.res[name_or_id].id
        if name_or_id in self.by_id:
            return name_or_id
        raise KeyError(f"no resource named {name_or_id!r}")

    def get(self, name_or_id: str) -> _Res:
        return self.by_id[self.id(name_or_id)]

    def _all(self, kind: str) -> list[_Res]:
        return [r for r in self.order if r.kind == kind]

    @staticmethod
    def _tags(name: str) -> list[dict[str, str]]:
        return [{"Key": "Name", "Value": name}] if name else []

    def _az(self, az: str | None) -> str:
        return az or f"{self._scope.region}a"

    # --- VPC, subnets ---------------------------------------------------------------------------
    def vpc(self, name: str, cidr: str, *, ipv6: str | None = None, extra_cidrs: Sequence[str] = ()) -> str:
        v = self._new("vpc", name, cidrs=[cidr, *extra_cidrs], ipv6=ipv6)
        # AWS creates these with the VPC (no Name tag).
        self._new("rtb", f"{name}:main", vpc=name, main=True, subnets=[], routes=[], gateway=None, vgws=[])
        self._new("acl", f"{name}:default-acl", vpc=name, default=True, subnets=[], entries=None)
        self._new("sg", f"{name}:default-sg", vpc=name, group_name="default",
                  ingress=[any_proto(sg=f"{name}:default-sg")],
                  egress=[any_proto(cidr="0.0.0.0/0", cidr6=["::/0"] if ipv6 else [])])
        return v.id

    def subnet(self, name: str, vpc: str, cidr: str, *, az: str | None = None, ipv6: str | None = None) -> str:
        return self._new("subnet", name, vpc=vpc, cidr=cidr, az=self._az(az), ipv6=ipv6).id

    # --- filters ----------------------------------------------------------------------------------
    def sg(self, name: str, vpc: str, *, ingress: Sequence[dict] = (), egress: Sequence[dict] | None = None,
           description: str = "") -> str:
        """A security group. Like CreateSecurityGroup: no inbound rule, and (unless `egress` is given)
        one outbound rule allowing all IPv4."""
        return self._new("sg", name, vpc=vpc, group_name=name, ingress=list(ingress),
                         egress=list(ALL_OUT if egress is None else egress), description=description).id

    def nacl(self, name: str, vpc: str, *, subnets: Sequence[str] = (), entries: Sequence[dict] = (),
             final_deny: bool = True) -> str:
        """A custom network ACL. AWS always prints the `*` rules (32767 IPv4, 32768 IPv6 for a VPC with
        an IPv6 block); `final_deny` adds them."""
        return self._new("acl", name, vpc=vpc, default=False, subnets=list(subnets), entries=list(entries),
                         final_deny=final_deny).id

    def default_nacl(self, vpc: str) -> str:
        return self.id(f"{vpc}:default-acl")

    def default_sg(self, vpc: str) -> str:
        return self.id(f"{vpc}:default-sg")

    # --- routing ------------------------------------------------------------------------------------
    def route_table(self, name: str, vpc: str, *, subnets: Sequence[str] = (), routes: Sequence = (),
                    gateway: str | None = None, propagating_vgws: Sequence[str] = ()) -> str:
        """A custom route table with explicit subnet (or gateway edge) associations. Routes are
        `(destination, target)` tuples or `route(...)` dicts; local routes are added automatically."""
        return self._new("rtb", name, vpc=vpc, main=False, subnets=list(subnets), routes=list(routes),
                         gateway=gateway, vgws=list(propagating_vgws)).id

    def main_routes(self, vpc: str, routes: Sequence) -> str:
        """Add routes to the VPC's main route table."""
        r = self.get(f"{vpc}:main")
        r.data["routes"].extend(routes)
        return r.id

    def main_table(self, vpc: str) -> str:
        return self.id(f"{vpc}:main")

    @staticmethod
    def route(destination: str, target: str | None, *, state: str = "active", origin: str = "CreateRoute") -> dict:
        return {"_dest": destination, "_target": target, "State": state, "Origin": origin}

    # --- gateways -------------------------------------------------------------------------------------
    def igw(self, name: str, vpc: str | None) -> str:
        return self._new("igw", name, vpc=vpc).id

    def eigw(self, name: str, vpc: str) -> str:
        return self._new("eigw", name, vpc=vpc).id

    def nat(self, name: str, subnet: str, ip: str, *, eip: str | None = None, state: str = "available") -> str:
        """A NAT gateway: public when `eip` is given, else private. Its ENI appears in
        DescribeNetworkInterfaces (InterfaceType nat_gateway) and its EIP in DescribeAddresses."""
        n = self._new("nat", name, subnet=subnet, ip=ip, eip=eip, state=state)
        eni = self._new("eni", f"{name}:eni", subnet=subnet, ips=[ip], sgs=[], public=None, eip=eip,
                        sdc=False, ipv6=[], managed=("nat_gateway", f"Interface for NAT Gateway {n.id}"),
                        instance=None)
        n.data["eni"] = eni.name
        return n.id

    def managed_eni(self, name: str, subnet: str, ip: str, interface_type: str, description: str, *,
                    sgs: Sequence[str] = ()) -> str:
        """A requester-managed ENI that a service created (an interface endpoint, a load balancer node, ...),
        as DescribeNetworkInterfaces shows it (RequesterManaged true, the service's InterfaceType and
        Description)."""
        return self._new("eni", name, subnet=subnet, ips=[ip], sgs=[], public=None, eip=None, sdc=True, ipv6=[],
                         managed=(interface_type, description), managed_sgs=list(sgs), instance=None).id

    def peering(self, name: str, requester: str, accepter: str, *, status: str = "active") -> str:
        return self._new("pcx", name, requester=requester, accepter=accepter, status=status).id

    def vgw(self, name: str, vpc: str | None) -> str:
        return self._new("vgw", name, vpc=vpc).id

    def cgw(self, name: str, ip: str, asn: int = 65000) -> str:
        return self._new("cgw", name, ip=ip, asn=asn).id

    def vpn(self, name: str, cgw: str, *, vgw: str | None = None, tgw: str | None = None,
            static_routes: Sequence[str] = (), up: bool = True) -> str:
        return self._new("vpn", name, cgw=cgw, vgw=vgw, tgw=tgw, static_routes=list(static_routes), up=up).id

    def gateway_endpoint(self, name: str, vpc: str, service: str, prefix_list: str, *,
                         route_tables: Sequence[str] = ()) -> str:
        """A gateway VPC endpoint; AWS adds a `DestinationPrefixListId -> vpce` route to each route table."""
        e = self._new("vpce", name, vpc=vpc, service=service, route_tables=list(route_tables))
        for rt in route_tables:
            self.get(rt).data["routes"].append((prefix_list, e.name))
        return e.id

    # --- prefix lists -----------------------------------------------------------------------------------
    def managed_prefix_list(self, name: str, entries: Sequence[str] | None, *, family: str = "IPv4") -> str:
        """A customer-managed prefix list; entries None: GetManagedPrefixListEntries not collected."""
        return self._new("pl", name, managed=True, entries=None if entries is None else list(entries),
                         family=family).id

    def aws_prefix_list(self, name: str, service: str, cidrs: Sequence[str]) -> str:
        """An AWS service prefix list as DescribePrefixLists prints it (with its Cidrs)."""
        return self._new("pl", name, managed=False, service=service, entries=list(cidrs)).id

    # --- instances and interfaces ---------------------------------------------------------------------
    def instance(self, name: str, subnet: str, ip: str, *, sgs: Sequence[str] = (), public_ip: str | None = None,
                 eip: str | None = None, secondary: Sequence[str] = (), secondary_eips: dict[str, str] | None = None,
                 ipv6: Sequence[str] = (), source_dest_check: bool = True, state: str = "running") -> str:
        """An instance with one ENI. `public_ip` is an auto-assigned public IPv4 (owner amazon);
        `eip` an Elastic IP (also listed by DescribeAddresses); `secondary_eips` maps secondary private IPs
        to Elastic IPs. With no `sgs`, the VPC's default SG."""
        inst = self._new("instance", name, subnet=subnet, state=state)
        eni = self._new("eni", f"{name}:eni", subnet=subnet, ips=[ip, *secondary], sgs=list(sgs), public=public_ip,
                        eip=eip, sdc=source_dest_check, ipv6=list(ipv6), managed=None, instance=name,
                        secondary_eips=dict(secondary_eips or {}))
        inst.data["eni"] = eni.name
        return inst.id

    def eni_of(self, name: str) -> str:
        """The id of an instance's (or NAT gateway's) network interface."""
        return self.id(f"{name}:eni")

    # --- transit gateways -----------------------------------------------------------------------------
    def tgw(self, name: str, asn: int = 64512, *, sg_referencing: bool = False) -> str:
        return self._new("tgw", name, asn=asn, sg_referencing=sg_referencing).id

    def tgw_vpc_attachment(self, name: str, tgw: str, vpc: str, subnets: dict[str, str], *,
                           state: str = "available", sg_referencing: bool = False) -> str:
        """A VPC attachment with one TGW ENI per subnet: `subnets` maps subnet name -> ENI IP."""
        a = self._new("tgw-attach", name, tgw=tgw, type="vpc", vpc=vpc, subnets=dict(subnets), state=state,
                      sg_referencing=sg_referencing)
        for i, (sn, ip) in enumerate(subnets.items()):
            self._new("eni", f"{name}:eni{i}", subnet=sn, ips=[ip], sgs=[], public=None, eip=None, sdc=False,
                      ipv6=[], managed=("transit_gateway", f"Network Interface for Transit Gateway Attachment {a.id}"),
                      instance=None)
        return a.id

    def tgw_vpn_attachment(self, name: str, tgw: str, vpn: str) -> str:
        a = self._new("tgw-attach", name, tgw=tgw, type="vpn", vpn=vpn, state="available")
        self.get(vpn).data["tgw"] = tgw
        return a.id

    def tgw_peering_attachment(self, name: str, requester_tgw: str, accepter_tgw: str, *,
                               state: str = "available") -> str:
        return self._new("tgw-attach", name, tgw=requester_tgw, peer_tgw=accepter_tgw, type="peering",
                         state=state).id

    def tgw_route_table(self, name: str, tgw: str, *, associations: Sequence[str] = (),
                        propagations: Sequence[str] = (), static: Sequence[tuple[str, str | None]] = (),
                        search: bool = True, propagation_file: bool = True, association_file: bool = True) -> str:
        """A TGW route table. `static`: (cidr or pl name, attachment or None for blackhole). With `search`,
        SearchTransitGatewayRoutes/<id>.json holds the static routes and the routes the propagations
        produce (attached VPCs' CIDRs, VPN static routes), as AWS returns them."""
        return self._new("tgw-rtb", name, tgw=tgw, associations=list(associations),
                         propagations=list(propagations), static=list(static), search=search,
                         propagation_file=propagation_file, association_file=association_file).id

    # --- the manifest --------------------------------------------------------------------------------
    def error(self, operation: str, code: str = "AccessDenied", message: str = "", *,
              account: str | None = None, region: str | None = None, params: dict | None = None) -> None:
        """Record a failed call in manifest.json (scope "account/region", as the collector writes it) and
        leave that scope's file out."""
        acct, reg = account or self._scope.account, region or self._scope.region
        self.errors.append({"cloud": "aws", "scope": f"{acct}/{reg}", "operation": operation,
                            "params": params or {}, "code": code,
                            "message": message or f"You are not authorized to perform: ec2:{operation}"})
        if not params:
            self.omitted.add((acct, reg, operation))

    def omit(self, operation: str, *, account: str | None = None, region: str | None = None) -> None:
        """Leave a region file out (not collected, no error recorded); every scope unless one is given."""
        self.omitted.add((account or "*", region or "*", operation))

    # === writing ===========================================================================================
    def _r(self, x: Any) -> Any:
        """Resolve _Ref placeholders (names) to ids, recursively."""
        if isinstance(x, _Ref):  # a name, an id of the snapshot, or an id deliberately outside it
            return self.id(x.name) if x.name in self.res or x.name in self.by_id else x.name
        if isinstance(x, dict):
            return {k: self._r(v) for k, v in x.items()}
        if isinstance(x, list):
            return [self._r(v) for v in x]
        return x

    def _vpc_of_subnet(self, subnet: str) -> _Res:
        return self.get(self.get(subnet).data["vpc"])

    def _route_body(self, spec: Any) -> dict[str, Any]:
        if isinstance(spec, tuple):
            spec = self.route(*spec)
        dest, target = spec["_dest"], spec["_target"]
        body: dict[str, Any] = {}
        if dest.startswith("pl-") or (dest in self.res and self.res[dest].kind == "pl"):
            body["DestinationPrefixListId"] = self.id(dest)
        elif ":" in dest:
            body["DestinationIpv6CidrBlock"] = dest
        else:
            body["DestinationCidrBlock"] = dest
        if target == "local":
            body["GatewayId"] = "local"
        elif target is not None:
            fields = {"igw": "GatewayId", "vgw": "GatewayId", "vpce": "GatewayId", "nat": "NatGatewayId",
                      "tgw": "TransitGatewayId", "pcx": "VpcPeeringConnectionId",
                      "eigw": "EgressOnlyInternetGatewayId", "eni": "NetworkInterfaceId", "instance": "InstanceId"}
            if target not in self.res and target not in self.by_id:  # an id outside the snapshot (deleted)
                kind = target.rsplit("-", 1)[0]
                body[fields["instance" if kind == "i" else kind]] = target
                body["Origin"], body["State"] = spec["Origin"], spec["State"]
                return body
            t = self.get(target)
            body[fields[t.kind]] = t.id
            if t.kind == "instance":  # DescribeRouteTables shows the instance, its owner and its ENI
                body["InstanceOwnerId"] = t.scope.account
                body["NetworkInterfaceId"] = self.eni_of(t.name)
        body["Origin"] = spec["Origin"]
        body["State"] = spec["State"]
        return body

    def _eni_body(self, e: _Res) -> dict[str, Any]:
        d = e.data
        sn = self.get(d["subnet"])
        vpc = self._vpc_of_subnet(d["subnet"])
        acct = e.scope.account
        public = d.get("eip") or d.get("public")
        assoc = None
        if public:
            assoc = {"IpOwnerId": acct if d.get("eip") else "amazon",
                     "PublicDnsName": f"ec2-{public.replace('.', '-')}.compute-1.amazonaws.com", "PublicIp": public}
            if d.get("eip"):
                assoc = {"AllocationId": self._eipalloc(e), "AssociationId": self._eipalloc(e).replace("eipalloc", "eipassoc"),
                         **assoc}
        groups = d["sgs"] if d["managed"] is None else list(d.get("managed_sgs") or [])
        if d["managed"] is None and not groups:
            groups = [f"{vpc.name}:default-sg"]
        body: dict[str, Any] = {}
        if assoc:
            body["Association"] = assoc
        if d["managed"] is None and d["instance"]:
            inst = self.get(d["instance"])
            body["Attachment"] = {"AttachTime": TS, "AttachmentId": e.id.replace("eni-", "eni-attach-"),
                                  "DeleteOnTermination": True, "DeviceIndex": 0, "NetworkCardIndex": 0,
                                  "InstanceId": inst.id, "InstanceOwnerId": acct, "Status": "attached"}
        elif d["managed"] is not None:
            body["Attachment"] = {"AttachmentId": e.id.replace("eni-", "ela-attach-"), "DeleteOnTermination": False,
                                  "DeviceIndex": 1, "InstanceOwnerId": "amazon-aws", "Status": "attached"}
        body["AvailabilityZone"] = sn.data["az"]
        body["Description"] = d["managed"][1] if d["managed"] else ""
        body["Groups"] = [{"GroupId": self.id(g), "GroupName": self.get(g).data["group_name"]}
                          if g in self.res or g in self.by_id else {"GroupId": g, "GroupName": g} for g in groups]
        body["InterfaceType"] = d["managed"][0] if d["managed"] else "interface"
        body["Ipv6Addresses"] = [{"Ipv6Address": a, "IsPrimaryIpv6": False} for a in d["ipv6"]]
        n = int(e.id[-6:], 16)
        body["MacAddress"] = "0e:00:00:%02x:%02x:%02x" % ((n >> 16) & 255, (n >> 8) & 255, n & 255)
        body["NetworkInterfaceId"] = e.id
        body["OwnerId"] = acct
        body["PrivateDnsName"] = f"ip-{d['ips'][0].replace('.', '-')}.ec2.internal"
        body["PrivateIpAddress"] = d["ips"][0]
        addrs = []
        for i, ip in enumerate(d["ips"]):
            a: dict[str, Any] = {}
            if i == 0 and assoc:
                a["Association"] = assoc
            elif ip in d.get("secondary_eips", {}):
                pub = d["secondary_eips"][ip]
                alloc = f"{self._eipalloc(e)[:-2]}{i:02x}"
                a["Association"] = {"AllocationId": alloc, "AssociationId": alloc.replace("eipalloc", "eipassoc"),
                                    "IpOwnerId": acct, "PublicDnsName": f"ec2-{pub.replace('.', '-')}.compute-1.amazonaws.com",
                                    "PublicIp": pub}
            a |= {"Primary": i == 0, "PrivateDnsName": f"ip-{ip.replace('.', '-')}.ec2.internal", "PrivateIpAddress": ip}
            addrs.append(a)
        body["PrivateIpAddresses"] = addrs
        body["Ipv4Prefixes"] = []
        body["Ipv6Prefixes"] = []
        if d["managed"]:
            body["RequesterId"] = "036872051663"
        body["RequesterManaged"] = d["managed"] is not None
        body["SourceDestCheck"] = d["sdc"]
        body["Status"] = "in-use"
        body["SubnetId"] = sn.id
        body["TagSet"] = []
        body["VpcId"] = vpc.id
        body["Operator"] = {"Managed": False}
        return body

    def _eipalloc(self, e: _Res) -> str:
        return "eipalloc-" + e.id.split("-", 1)[1]

    def _bodies(self, scope: _Scope) -> tuple[dict[str, dict], dict[str, dict]]:
        """(region files by operation, per-resource files by 'Operation/id') for one scope."""
        mine = [r for r in self.order if (r.scope.account, r.scope.region) == (scope.account, scope.region)]
        out: dict[str, list] = {op: [] for op, _key in REGION_FILES}
        per: dict[str, dict] = {}
        acct, region = scope.account, scope.region

        acl_of: dict[str, str] = {}
        for r in self._all("acl"):
            for s in r.data["subnets"]:
                acl_of[self.id(s)] = r.id
        rtb_of: dict[str, str] = {}
        for r in self._all("rtb"):
            for s in r.data["subnets"]:
                rtb_of[self.id(s)] = r.id

        for r in mine:
            d = r.data
            if r.kind == "vpc":
                body: dict[str, Any] = {"OwnerId": acct, "InstanceTenancy": "default"}
                if d["ipv6"]:
                    body["Ipv6CidrBlockAssociationSet"] = [{
                        "AssociationId": f"vpc-cidr-assoc-{r.id[4:]}6", "Ipv6CidrBlock": d["ipv6"],
                        "Ipv6CidrBlockState": {"State": "associated"}, "NetworkBorderGroup": region,
                        "Ipv6Pool": "Amazon", "Ipv6AddressAttribute": "public", "IpSource": "amazon"}]
                body["CidrBlockAssociationSet"] = [
                    {"AssociationId": f"vpc-cidr-assoc-{r.id[4:]}{i}", "CidrBlock": c,
                     "CidrBlockState": {"State": "associated"}} for i, c in enumerate(d["cidrs"])]
                body |= {"IsDefault": False, "Tags": self._tags(r.name),
                         "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"}, "VpcId": r.id,
                         "State": "available", "CidrBlock": d["cidrs"][0], "DhcpOptionsId": "dopt-0a7c8d9e0f1a20001"}
                out["DescribeVpcs"].append(body)
            elif r.kind == "subnet":
                vpc = self.get(d["vpc"])
                body = {"AvailabilityZoneId": "use1-az6", "MapCustomerOwnedIpOnLaunch": False, "OwnerId": acct,
                        "AssignIpv6AddressOnCreation": False,
                        "Ipv6CidrBlockAssociationSet": [{
                            "AssociationId": f"subnet-cidr-assoc-{r.id[7:]}", "Ipv6CidrBlock": d["ipv6"],
                            "Ipv6CidrBlockState": {"State": "associated"}, "Ipv6AddressAttribute": "public",
                            "IpSource": "amazon"}] if d["ipv6"] else [],
                        "Tags": self._tags(r.name),
                        "SubnetArn": f"arn:aws:ec2:{region}:{acct}:subnet/{r.id}", "EnableDns64": False,
                        "Ipv6Native": False,
                        "PrivateDnsNameOptionsOnLaunch": {"HostnameType": "ip-name",
                                                          "EnableResourceNameDnsARecord": False,
                                                          "EnableResourceNameDnsAAAARecord": False},
                        "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"}, "SubnetId": r.id,
                        "State": "available", "VpcId": vpc.id, "CidrBlock": d["cidr"],
                        "AvailableIpAddressCount": 250, "AvailabilityZone": d["az"], "DefaultForAz": False,
                        "MapPublicIpOnLaunch": False}
                out["DescribeSubnets"].append(body)
            elif r.kind == "sg":
                vpc = self.get(d["vpc"])
                body = {"GroupId": r.id, "IpPermissionsEgress": self._r(d["egress"])}
                if not r.name.endswith(":default-sg"):
                    body["Tags"] = self._tags(r.name)
                body |= {"VpcId": vpc.id, "SecurityGroupArn": f"arn:aws:ec2:{region}:{acct}:security-group/{r.id}",
                         "OwnerId": acct, "GroupName": d["group_name"],
                         "Description": d.get("description") or (
                             "default VPC security group" if d["group_name"] == "default" else f"{r.name} group"),
                         "IpPermissions": self._r(d["ingress"])}
                out["DescribeSecurityGroups"].append(body)
            elif r.kind == "acl":
                vpc = self.get(d["vpc"])
                if d["default"]:
                    subnets = [s.id for s in self._all("subnet") if self.get(s.data["vpc"]).id == vpc.id
                               and s.id not in acl_of]
                    entries = [outbound(100, "-1", "allow", "0.0.0.0/0"), inbound(100, "-1", "allow", "0.0.0.0/0")]
                    if vpc.data["ipv6"]:
                        entries += [outbound(101, "-1", "allow", "::/0"), inbound(101, "-1", "allow", "::/0")]
                    final = True
                else:
                    subnets = [self.id(s) for s in d["subnets"]]
                    entries, final = list(d["entries"]), d["final_deny"]
                if final:
                    entries += [outbound(32767, "-1", "deny", "0.0.0.0/0"), inbound(32767, "-1", "deny", "0.0.0.0/0")]
                    if vpc.data["ipv6"]:
                        entries += [outbound(32768, "-1", "deny", "::/0"), inbound(32768, "-1", "deny", "::/0")]
                # DescribeNetworkAcls lists egress entries first, each direction by rule number
                entries.sort(key=lambda e: (not e["Egress"], e["RuleNumber"]))
                out["DescribeNetworkAcls"].append({
                    "Associations": [{"NetworkAclAssociationId": f"aclassoc-{r.id[4:-4]}{i:04x}",
                                      "NetworkAclId": r.id, "SubnetId": s} for i, s in enumerate(subnets)],
                    "Entries": entries, "IsDefault": d["default"], "NetworkAclId": r.id,
                    "Tags": [] if d["default"] else self._tags(r.name), "VpcId": vpc.id, "OwnerId": acct})
            elif r.kind == "rtb":
                vpc = self.get(d["vpc"])
                assocs = []
                if d["main"]:
                    assocs.append({"Main": True, "RouteTableAssociationId": f"rtbassoc-{r.id[4:]}",
                                   "RouteTableId": r.id, "AssociationState": {"State": "associated"}})
                for i, s in enumerate(d["subnets"]):
                    assocs.append({"Main": False, "RouteTableAssociationId": f"rtbassoc-{r.id[4:-2]}{i:02x}",
                                   "RouteTableId": r.id, "SubnetId": self.id(s),
                                   "AssociationState": {"State": "associated"}})
                if d["gateway"]:
                    assocs.append({"Main": False, "RouteTableAssociationId": f"rtbassoc-{r.id[4:-2]}ff",
                                   "RouteTableId": r.id, "GatewayId": self.id(d["gateway"]),
                                   "AssociationState": {"State": "associated"}})
                routes = [{"DestinationCidrBlock": c, "GatewayId": "local", "Origin": "CreateRouteTable",
                           "State": "active"} for c in vpc.data["cidrs"]]
                if vpc.data["ipv6"]:
                    routes.append({"DestinationIpv6CidrBlock": vpc.data["ipv6"], "GatewayId": "local",
                                   "Origin": "CreateRouteTable", "State": "active"})
                routes += [self._route_body(x) for x in d["routes"]]
                out["DescribeRouteTables"].append({
                    "Associations": assocs, "PropagatingVgws": [{"GatewayId": self.id(g)} for g in d["vgws"]],
                    "RouteTableId": r.id, "Routes": routes, "Tags": [] if d["main"] else self._tags(r.name),
                    "VpcId": vpc.id, "OwnerId": acct})
            elif r.kind == "igw":
                out["DescribeInternetGateways"].append({
                    "Attachments": [{"State": "available", "VpcId": self.id(d["vpc"])}] if d["vpc"] else [],
                    "InternetGatewayId": r.id, "OwnerId": acct, "Tags": self._tags(r.name)})
            elif r.kind == "eigw":
                out["DescribeEgressOnlyInternetGateways"].append({
                    "EgressOnlyInternetGatewayId": r.id,
                    "Attachments": [{"State": "attached", "VpcId": self.id(d["vpc"])}], "Tags": self._tags(r.name)})
            elif r.kind == "nat":
                eni = self.get(d["eni"])
                addr: dict[str, Any] = {"NetworkInterfaceId": eni.id, "PrivateIp": d["ip"]}
                if d["eip"]:
                    addr = {"AllocationId": self._eipalloc(eni), **addr, "PublicIp": d["eip"],
                            "AssociationId": self._eipalloc(eni).replace("eipalloc", "eipassoc")}
                addr |= {"IsPrimary": True, "Status": "succeeded"}
                out["DescribeNatGateways"].append({
                    "CreateTime": TS, "NatGatewayAddresses": [addr], "NatGatewayId": r.id, "State": d["state"],
                    "SubnetId": self.id(d["subnet"]), "VpcId": self._vpc_of_subnet(d["subnet"]).id,
                    "Tags": self._tags(r.name), "ConnectivityType": "public" if d["eip"] else "private"})
            elif r.kind == "instance":
                eni = self.get(d["eni"])
                eb = self._eni_body(eni)
                sn = self.get(d["subnet"])
                inst_eni = {k: v for k, v in eb.items() if k not in (
                    "AvailabilityZone", "InterfaceType", "TagSet", "RequesterManaged", "Ipv4Prefixes",
                    "Ipv6Prefixes")}
                inst_eni["Attachment"] = {k: v for k, v in eb["Attachment"].items()
                                          if k not in ("InstanceId", "InstanceOwnerId")}
                if "Association" in inst_eni:
                    inst_eni["Association"] = {k: v for k, v in inst_eni["Association"].items()
                                               if k in ("IpOwnerId", "PublicDnsName", "PublicIp")}
                    inst_eni["PrivateIpAddresses"][0]["Association"] = inst_eni["Association"]
                inst_eni["InterfaceType"] = "interface"
                code = {"running": 16, "stopped": 80, "pending": 0, "stopping": 64, "terminated": 48}[d["state"]]
                inst: dict[str, Any] = {
                    "AmiLaunchIndex": 0, "ImageId": "ami-0c4e1d2b3a5f60718", "InstanceId": r.id,
                    "InstanceType": "t3.micro", "LaunchTime": TS,
                    "Monitoring": {"State": "disabled"},
                    "Placement": {"AvailabilityZone": sn.data["az"], "GroupName": "", "Tenancy": "default"},
                    "PrivateDnsName": eb["PrivateDnsName"], "PrivateIpAddress": eb["PrivateIpAddress"],
                    "ProductCodes": [], "PublicDnsName": "",
                    "State": {"Code": code, "Name": d["state"]}, "StateTransitionReason": "",
                    "SubnetId": sn.id, "VpcId": eb["VpcId"], "Architecture": "x86_64",
                    "BlockDeviceMappings": [], "ClientToken": "", "EbsOptimized": True, "EnaSupport": True,
                    "Hypervisor": "xen", "NetworkInterfaces": [inst_eni], "RootDeviceName": "/dev/xvda",
                    "RootDeviceType": "ebs", "SecurityGroups": eb["Groups"], "SourceDestCheck": eb["SourceDestCheck"],
                    "Tags": self._tags(r.name), "VirtualizationType": "hvm"}
                if "Association" in eb:
                    inst["PublicIpAddress"] = eb["Association"]["PublicIp"]
                    inst["PublicDnsName"] = eb["Association"]["PublicDnsName"]
                out["DescribeInstances"].append({"ReservationId": "r-" + r.id[2:], "OwnerId": acct, "Groups": [],
                                                 "Instances": [inst]})
            elif r.kind == "eni":
                out["DescribeNetworkInterfaces"].append(self._eni_body(r))
                if d.get("eip"):
                    a = {"AllocationId": self._eipalloc(r),
                         "AssociationId": self._eipalloc(r).replace("eipalloc", "eipassoc"), "Domain": "vpc",
                         "NetworkInterfaceId": r.id, "NetworkInterfaceOwnerId": acct, "PrivateIpAddress": d["ips"][0],
                         "Tags": [], "PublicIpv4Pool": "amazon", "NetworkBorderGroup": region}
                    if d["instance"]:
                        a["InstanceId"] = self.id(d["instance"])
                    a["PublicIp"] = d["eip"]
                    out["DescribeAddresses"].append(a)
                for i, ip in enumerate(d["ips"]):
                    if ip in d.get("secondary_eips", {}):
                        alloc = f"{self._eipalloc(r)[:-2]}{i:02x}"
                        a = {"AllocationId": alloc, "AssociationId": alloc.replace("eipalloc", "eipassoc"),
                             "Domain": "vpc", "NetworkInterfaceId": r.id, "NetworkInterfaceOwnerId": acct,
                             "PrivateIpAddress": ip, "Tags": [], "PublicIpv4Pool": "amazon",
                             "NetworkBorderGroup": region}
                        if d["instance"]:
                            a["InstanceId"] = self.id(d["instance"])
                        a["PublicIp"] = d["secondary_eips"][ip]
                        out["DescribeAddresses"].append(a)
            elif r.kind == "pcx":
                out["DescribeVpcPeeringConnections"].append(self._pcx_body(r))
            elif r.kind == "tgw":
                out["DescribeTransitGateways"].append({
                    "TransitGatewayId": r.id, "TransitGatewayArn": f"arn:aws:ec2:{region}:{acct}:transit-gateway/{r.id}",
                    "State": "available", "OwnerId": acct, "Description": r.name, "CreationTime": TS,
                    "Options": {"AmazonSideAsn": d["asn"], "AutoAcceptSharedAttachments": "disable",
                                "DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable",
                                "VpnEcmpSupport": "enable", "DnsSupport": "enable",
                                "SecurityGroupReferencingSupport": "enable" if d.get("sg_referencing") else "disable",
                                "MulticastSupport": "disable"},
                    "Tags": self._tags(r.name)})
            elif r.kind == "tgw-attach":
                self._attachment_bodies(r, out)
            elif r.kind == "tgw-rtb":
                out["DescribeTransitGatewayRouteTables"].append({
                    "TransitGatewayRouteTableId": r.id, "TransitGatewayId": self.id(d["tgw"]), "State": "available",
                    "DefaultAssociationRouteTable": False, "DefaultPropagationRouteTable": False,
                    "CreationTime": TS, "Tags": self._tags(r.name)})
                per.update(self._tgw_rtb_files(r))
            elif r.kind == "pl":
                if d["managed"]:
                    out["DescribeManagedPrefixLists"].append({
                        "PrefixListId": r.id, "AddressFamily": d["family"], "State": "create-complete",
                        "PrefixListArn": f"arn:aws:ec2:{region}:{acct}:prefix-list/{r.id}",
                        "PrefixListName": r.name, "MaxEntries": 10, "Version": 1, "Tags": [], "OwnerId": acct})
                    if d["entries"] is not None:
                        per[f"GetManagedPrefixListEntries/{r.id}"] = {
                            "Entries": [{"Cidr": c, "Description": r.name} for c in d["entries"]]}
                else:
                    out["DescribePrefixLists"].append({"PrefixListName": d["service"], "Cidrs": d["entries"],
                                                       "PrefixListId": r.id})
            elif r.kind == "vgw":
                out["DescribeVpnGateways"].append({
                    "State": "available", "Type": "ipsec.1", "VpnGatewayId": r.id,
                    "VpcAttachments": [{"State": "attached", "VpcId": self.id(d["vpc"])}] if d["vpc"] else [],
                    "AmazonSideAsn": 64512, "Tags": self._tags(r.name)})
            elif r.kind == "cgw":
                out["DescribeCustomerGateways"].append({
                    "Tags": self._tags(r.name), "CustomerGatewayId": r.id, "State": "available", "Type": "ipsec.1",
                    "IpAddress": d["ip"], "BgpAsn": str(d["asn"])})
            elif r.kind == "vpn":
                out["DescribeVpnConnections"].append(self._vpn_body(r))
            elif r.kind == "vpce":
                out["DescribeVpcEndpoints"].append({
                    "VpcEndpointId": r.id, "VpcEndpointType": "Gateway", "VpcId": self.id(d["vpc"]),
                    "ServiceName": d["service"], "State": "available",
                    "PolicyDocument": '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
                                      '"Action":"*","Resource":"*"}]}',
                    "RouteTableIds": [self.id(t) for t in d["route_tables"]], "SubnetIds": [], "Groups": [],
                    "PrivateDnsEnabled": False, "RequesterManaged": False, "NetworkInterfaceIds": [],
                    "DnsEntries": [], "CreationTimestamp": TS, "Tags": self._tags(r.name), "OwnerId": acct})
        region_files = {op: {key: out[op]} for op, key in REGION_FILES}
        return region_files, per

    def _pcx_body(self, r: _Res) -> dict[str, Any]:
        d = r.data

        def info(vpc_name: str) -> dict[str, Any]:
            v = self.get(vpc_name)
            body: dict[str, Any] = {"CidrBlock": v.data["cidrs"][0],
                                    "CidrBlockSet": [{"CidrBlock": c} for c in v.data["cidrs"]]}
            if v.data["ipv6"]:
                body["Ipv6CidrBlockSet"] = [{"Ipv6CidrBlock": v.data["ipv6"]}]
            body |= {"OwnerId": v.scope.account, "PeeringOptions": dict(PEERING_OPTIONS), "VpcId": v.id,
                     "Region": v.scope.region}
            if d["status"] != "active":
                body.pop("PeeringOptions")
            return body

        message = {"active": "Active", "pending-acceptance": f"Pending Acceptance by {self.get(d['accepter']).scope.account}",
                   "deleted": "Deleted", "rejected": "Rejected"}.get(d["status"], d["status"])
        body = {"AccepterVpcInfo": info(d["accepter"]), "RequesterVpcInfo": info(d["requester"]),
                "Status": {"Code": d["status"], "Message": message}, "Tags": self._tags(r.name),
                "VpcPeeringConnectionId": r.id}
        if d["status"] == "pending-acceptance":
            body["ExpirationTime"] = "2026-11-27T10:00:00+00:00"
            info_acc = body["AccepterVpcInfo"]
            body["AccepterVpcInfo"] = {"OwnerId": info_acc["OwnerId"], "VpcId": info_acc["VpcId"],
                                       "Region": info_acc["Region"]}
        return body

    def _vpn_body(self, r: _Res) -> dict[str, Any]:
        d = r.data
        n = int(r.id[-4:], 16)
        outside = [f"52.{n % 250}.0.1", f"52.{n % 250}.0.2"]
        body: dict[str, Any] = {"CustomerGatewayId": self.id(d["cgw"]), "Category": "VPN", "State": "available",
                                "Type": "ipsec.1", "VpnConnectionId": r.id}
        if d["vgw"]:
            body["VpnGatewayId"] = self.id(d["vgw"])
        if d["tgw"]:
            body["TransitGatewayId"] = self.id(d["tgw"])
            body["GatewayAssociationState"] = "associated"
        body["Options"] = {"EnableAcceleration": False, "StaticRoutesOnly": True,
                           "LocalIpv4NetworkCidr": "0.0.0.0/0", "RemoteIpv4NetworkCidr": "0.0.0.0/0",
                           "TunnelInsideIpVersion": "ipv4"}
        # Static routes of a VPN on a VGW (CreateVpnConnectionRoute); a TGW VPN lists none.
        body["Routes"] = [{"DestinationCidrBlock": c, "Source": "Static", "State": "available"}
                          for c in d["static_routes"]] if not d["tgw"] else []
        body["Tags"] = self._tags(r.name)
        body["VgwTelemetry"] = [{"AcceptedRouteCount": 0, "LastStatusChange": TS, "OutsideIpAddress": ip,
                                 "Status": "UP" if d["up"] else "DOWN", "StatusMessage": ""} for ip in outside]
        return body

    def _association_of(self, att_id: str, tgw_id: str) -> str | None:
        for t in self._all("tgw-rtb"):
            if self.id(t.data["tgw"]) == tgw_id and att_id in [self.id(a) for a in t.data["associations"]]:
                return t.id
        return None

    def _attachment_bodies(self, r: _Res, out: dict[str, list]) -> None:
        d = r.data
        tgw = self.get(d["tgw"])
        acct = r.scope.account

        def listing(tgw_res: _Res, resource_type: str, resource_id: str, owner: str) -> dict[str, Any]:
            body: dict[str, Any] = {"TransitGatewayAttachmentId": r.id, "TransitGatewayId": tgw_res.id,
                                    "TransitGatewayOwnerId": tgw_res.scope.account, "ResourceOwnerId": owner,
                                    "ResourceType": resource_type, "ResourceId": resource_id, "State": d["state"]}
            rtb = self._association_of(r.id, tgw_res.id)
            if rtb:
                body["Association"] = {"TransitGatewayRouteTableId": rtb, "State": "associated"}
            body |= {"CreationTime": TS, "Tags": self._tags(r.name)}
            return body

        if d["type"] == "vpc":
            vpc = self.get(d["vpc"])
            out["DescribeTransitGatewayAttachments"].append(listing(tgw, "vpc", vpc.id, acct))
            out["DescribeTransitGatewayVpcAttachments"].append({
                "TransitGatewayAttachmentId": r.id, "TransitGatewayId": tgw.id, "VpcId": vpc.id,
                "VpcOwnerId": vpc.scope.account, "State": d["state"],
                "SubnetIds": [self.id(s) for s in d["subnets"]], "CreationTime": TS,
                "Options": {"DnsSupport": "enable",
                            "SecurityGroupReferencingSupport": "enable" if d.get("sg_referencing") else "disable",
                            "Ipv6Support": "disable", "ApplianceModeSupport": "disable"},
                "Tags": self._tags(r.name)})
        elif d["type"] == "vpn":
            out["DescribeTransitGatewayAttachments"].append(listing(tgw, "vpn", self.id(d["vpn"]), acct))
        elif d["type"] == "peering":
            peer = self.get(d["peer_tgw"])
            out["DescribeTransitGatewayAttachments"].append(listing(tgw, "peering", peer.id, peer.scope.account))
            body = {"TransitGatewayAttachmentId": r.id,
                    "RequesterTgwInfo": {"TransitGatewayId": tgw.id, "OwnerId": tgw.scope.account,
                                         "Region": tgw.scope.region},
                    "AccepterTgwInfo": {"TransitGatewayId": peer.id, "OwnerId": peer.scope.account,
                                        "Region": peer.scope.region},
                    "Status": {"Code": d["state"], "Message": d["state"].capitalize()},
                    "State": d["state"], "CreationTime": TS, "Tags": self._tags(r.name)}
            out["DescribeTransitGatewayPeeringAttachments"].append(body)
            self._peer_listings.append((peer.scope, listing(peer, "peering", tgw.id, tgw.scope.account), body))

    def _attachment_ref(self, att: _Res) -> dict[str, str]:
        d = att.data
        if d["type"] == "vpc":
            rid, rtype = self.id(d["vpc"]), "vpc"
        elif d["type"] == "vpn":
            rid, rtype = self.id(d["vpn"]), "vpn"
        else:
            rid, rtype = self.id(d["peer_tgw"]), "peering"
        return {"ResourceId": rid, "TransitGatewayAttachmentId": att.id, "ResourceType": rtype}

    def _tgw_rtb_files(self, r: _Res) -> dict[str, dict]:
        d = r.data
        files: dict[str, dict] = {}
        atts = [self.get(a) for a in d["associations"]]
        props = [self.get(a) for a in d["propagations"]]
        if d["association_file"]:
            files[f"GetTransitGatewayRouteTableAssociations/{r.id}"] = {"Associations": [
                {k: v for k, v in self._attachment_ref(a).items()} | {"State": "associated"} for a in atts]}
        if d["propagation_file"]:
            files[f"GetTransitGatewayRouteTablePropagations/{r.id}"] = {"TransitGatewayRouteTablePropagations": [
                self._attachment_ref(a) | {"State": "enabled"} for a in props]}
        if d["search"]:
            routes = []
            for dest, att in d["static"]:
                route: dict[str, Any] = {}
                if dest in self.res and self.res[dest].kind == "pl":
                    route["PrefixListId"] = self.id(dest)
                else:
                    route["DestinationCidrBlock"] = dest
                if att is None:
                    route |= {"Type": "static", "State": "blackhole"}
                else:
                    route |= {"TransitGatewayAttachments": [self._attachment_ref(self.get(att))],
                              "Type": "static", "State": "active"}
                routes.append(route)
            for a in props:
                if a.data["type"] == "vpc":
                    cidrs = self.get(a.data["vpc"]).data["cidrs"]
                elif a.data["type"] == "vpn":
                    cidrs = self.get(a.data["vpn"]).data["static_routes"]
                else:
                    cidrs = []
                for c in cidrs:
                    routes.append({"DestinationCidrBlock": c, "TransitGatewayAttachments": [self._attachment_ref(a)],
                                   "Type": "propagated", "State": "active"})
            files[f"SearchTransitGatewayRoutes/{r.id}"] = {"Routes": routes, "AdditionalRoutesAvailable": False}
        return files

    def write(self) -> Path:
        """Write every scope's files and manifest.json; return the snapshot folder."""
        self._peer_listings: list[tuple[_Scope, dict, dict]] = []
        all_files: dict[tuple[str, str], tuple[dict, dict]] = {}
        for scope in self.scopes:
            all_files[(scope.account, scope.region)] = self._bodies(scope)
        # A TGW peering attachment is listed on both sides (each with its own TGW as TransitGatewayId).
        for scope, listing, body in self._peer_listings:
            region_files, _per = all_files[(scope.account, scope.region)]
            region_files["DescribeTransitGatewayAttachments"]["TransitGatewayAttachments"].append(listing)
            region_files["DescribeTransitGatewayPeeringAttachments"]["TransitGatewayPeeringAttachments"].append(body)
        # A peering between two scopes appears in both regions' DescribeVpcPeeringConnections.
        for r in self._all("pcx"):
            acc = self.get(r.data["accepter"]).scope
            if (acc.account, acc.region) != (r.scope.account, r.scope.region):
                region_files, _per = all_files[(acc.account, acc.region)]
                region_files["DescribeVpcPeeringConnections"]["VpcPeeringConnections"].append(self._pcx_body(r))
        for (acct, region), (region_files, per) in all_files.items():
            base = self.root / "aws" / acct / region
            for op, body in region_files.items():
                if {(acct, region, op), ("*", "*", op), (acct, "*", op), ("*", region, op)} & self.omitted:
                    continue
                _dump(base / f"{op}.json", body)
            for rel, body in per.items():
                _dump(base / f"{rel}.json", body)
        _dump(self.root / "manifest.json", {
            "format": "flightpath-snapshot", "version": 1, "created_at": TS, "tool_version": "0.1.0",
            "scopes": [{"cloud": "aws", "account": s.account, "region": s.region} for s in self.scopes],
            "errors": self.errors})
        return self.root


def _dump(path: Path, body: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=4) + "\n", encoding="utf-8")

