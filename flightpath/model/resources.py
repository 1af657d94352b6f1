"""The cloud-neutral model: small frozen value types that every normalizer produces.

Nothing here knows a cloud. Per-cloud semantics are data on these objects: a filter tier says whether it
is a union of allows or first match, what happens when nothing matches, and which provider code to report
when it blocks; a route carries a preference rank assigned by its normalizer; a gateway carries a kind
whose behaviour is the same in every cloud (an internet gateway needs a public address for the source, a
NAT gateway rewrites the source, a peering only reaches the peer's own address space, ...).

Every element keeps a `NativeRef` back to the resource it came from so that a report can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the Estate's gateway types live in gateways.py (which imports this module)
    from flightpath.model.gateways import Gateway, RouterAttachment, TransitRouter, VpnLink

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network


class Direction(StrEnum):
    INGRESS = "ingress"
    EGRESS = "egress"


class Action(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    NEXT = "goto_next"  # pass the decision to the next tier (GCP goto_next; "no opinion")


class Ordering(StrEnum):
    UNION = "union"  # any matching allow admits the packet (AWS SGs, OCI security lists + NSGs)
    FIRST_MATCH = "first_match"  # lowest priority number that matches decides (NACLs, NSGs, GCP)


class GatewayKind(StrEnum):
    INTERNET = "internet"  # 1:1 public address translation to and from the internet
    EGRESS_ONLY_INTERNET = "egress_only_internet"  # IPv6 out, replies only back in
    NAT = "nat"  # source NAT to the gateway's own address (has an interface in a subnet)
    PEERING = "peering"  # two networks; reaches only the peer's own address space, not transitive
    TRANSIT_ATTACHMENT = "transit_attachment"  # a network's attachment to a transit router
    VPN = "vpn"  # a network-level VPN gateway (AWS VGW); leads to VPN links
    SERVICE_ENDPOINT = "service_endpoint"  # a route-table target toward a provider service


class AttachmentKind(StrEnum):
    NETWORK = "network"  # a VPC/VNet attachment
    VPN = "vpn"
    PEERING = "peering"  # router-to-router peering
    DIRECT_CONNECT = "direct_connect"
    CONNECT = "connect"
    OTHER = "other"


class TargetKind(StrEnum):
    LOCAL = "local"  # deliver inside the route table's own network(s)
    INTERFACE = "interface"  # an interface / appliance / instance
    GATEWAY = "gateway"  # a Gateway in this model
    ATTACHMENT = "attachment"  # a transit router attachment (transit router route tables)
    VPN_LINK = "vpn_link"  # a VPN connection (exits toward on-premises, or joins another cloud)
    DROP = "drop"  # blackhole / next hop None
    EXTERNAL = "external"  # leaves the estate to something the snapshot does not model


@dataclass(frozen=True, slots=True)
class NativeRef:
    """Points a report at the provider's own resource (and, for a rule, its number/priority/name)."""

    cloud: str
    type: str
    id: str
    name: str = ""
    account: str = ""
    region: str = ""

    @property
    def short_id(self) -> str:
        """Path-like ids (Azure ARM ids, GCP self links) shortened to their last `type/name` segments."""
        if "/" not in self.id:
            return self.id
        return "/".join(self.id.rstrip("/").split("/")[-2:])

    def display(self) -> str:
        short = self.short_id
        if not self.name or self.name == short or short.endswith("/" + self.name):
            return short
        return f"{short} ({self.name})"


@dataclass(frozen=True, slots=True)
class PortRange:
    low: int
    high: int

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.low <= port <= self.high

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(frozen=True, slots=True)
class AddressMatch:
    """The addresses a rule's peer covers: literal CIDRs and/or symbolic groups.

    `refs` name address groups that the topology resolves: a security group's member addresses,
    a prefix list's entries, a service tag. A ref the topology cannot resolve makes the rule's
    match unknown (the trace says which ref), never silently false.
    """

    cidrs: tuple[IPNetwork, ...] = ()
    refs: tuple[str, ...] = ()
    any: bool = False

    def describe(self) -> str:
        if self.any:
            return "any"
        parts = [str(c) for c in self.cidrs] + list(self.refs)
        return ", ".join(parts) if parts else "nothing"


ANY_ADDRESS = AddressMatch(any=True)


@dataclass(frozen=True, slots=True)
class Rule:
    """One filter rule. `priority` orders first-match tiers (lower first); `label` is the native
    number, priority or name shown to the user. `protocol` None means every protocol; ports None
    means every port; for ICMP, icmp_type/icmp_code None means every type/code."""

    ref: NativeRef  # the rule's own resource (rule id) or its container (NACL, SG)
    label: str
    direction: Direction
    action: Action
    priority: int = 0
    protocol: int | None = None
    dst_ports: tuple[PortRange, ...] | None = None
    src_ports: tuple[PortRange, ...] | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None
    sources: AddressMatch = ANY_ADDRESS
    destinations: AddressMatch = ANY_ADDRESS
    stateless: bool | None = None  # None: as the rule set says; True/False: per-rule (OCI)
    summary: str = ""  # optional native wording; empty: describe() derives it from the fields

    def describe(self) -> str:
        """'allow tcp 22 from 10.0.0.0/16': the summary if the normalizer gave one, else derived (so
        that large estates don't store a string per rule)."""
        if self.summary:
            return self.summary
        from flightpath.model.protocols import protocol_name

        what = protocol_name(self.protocol)
        if self.dst_ports is not None:
            what += " " + ",".join(str(p) for p in self.dst_ports)
        elif self.protocol in (6, 17):
            what += " all ports"
        if self.src_ports is not None:
            what += " from port " + ",".join(str(p) for p in self.src_ports)
        if self.protocol in (1, 58):
            what += f" type {'all' if self.icmp_type is None else self.icmp_type}"
            if self.icmp_code is not None:
                what += f" code {self.icmp_code}"
        inbound = self.direction is Direction.INGRESS
        peer, local = (self.sources, self.destinations) if inbound else (self.destinations, self.sources)
        text = f"{self.action.value} {what} {'from' if inbound else 'to'} {peer.describe()}"
        if not local.any:
            text += f" ({'to' if inbound else 'from'} {local.describe()})"
        return text


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A native rule container (a security group, a NACL, an NSG) with rules for both directions."""

    ref: NativeRef
    rules: tuple[Rule, ...]
    stateful: bool
    network_id: str = ""  # group references in its rules resolve within this network (and its peers)
    builtin: bool = False  # the provider's own rules (OCI's unfiltered 169.254.0.0/16), not a set the user can edit


@dataclass(frozen=True, slots=True)
class FilterTier:
    """One tier of a filter stage: the rules of some rule sets combined under one ordering.

    default: what happens when no rule matches: DENY (implicit deny) or NEXT (pass on to the next tier;
    if the last tier passes, the stage allows). block_code: the provider's code when this tier denies.
    """

    label: str
    rule_set_ids: tuple[str, ...]
    ordering: Ordering
    default: Action = Action.DENY
    deny_wins_ties: bool = False
    block_code: str = ""


@dataclass(frozen=True, slots=True)
class FilterStage:
    """Ordered tiers; the first tier that allows or denies decides (NEXT passes on)."""

    tiers: tuple[FilterTier, ...]


@dataclass(frozen=True, slots=True)
class Route:
    """A route. Exactly one of `destination` / `prefix_list_id` is set. Among routes of equal prefix
    length the lowest `rank` wins (the normalizer encodes the cloud's preference: AWS static 0,
    prefix list 1, propagated 2+; Azure user 0, BGP 1, system 2; GCP priority)."""

    destination: IPNetwork | None
    target_kind: TargetKind
    target_id: str = ""
    rank: int = 0
    origin: str = ""  # native origin/type string, shown to the user
    label: str = ""  # how the user knows this route, e.g. "0.0.0.0/0 -> igw-123"
    prefix_list_id: str = ""
    blackhole: bool = False
    pinned: bool = False  # wins over more specific `yields_to_pinned` routes (Azure VNet system routes)
    yields_to_pinned: bool = False  # loses to a less specific pinned route (Azure BGP routes)


@dataclass(frozen=True, slots=True)
class RouteTable:
    ref: NativeRef
    routes: tuple[Route, ...]
    # When the routes are not in the snapshot, why (a trace that needs them ends `unknown`).
    missing: str = ""
    derived: str = ""  # set when routes were derived rather than read (said in a warning)


@dataclass(frozen=True, slots=True)
class Network:
    """A VPC / VNet / VCN: address space, its main route table, and its account/region."""

    ref: NativeRef
    cidrs: tuple[IPNetwork, ...]
    main_route_table_id: str = ""


@dataclass(frozen=True, slots=True)
class Subnet:
    ref: NativeRef
    network_id: str
    cidrs: tuple[IPNetwork, ...]
    route_table_id: str = ""  # explicit association; empty: the network's main route table
    stage: FilterStage | None = None  # NACL / subnet NSG; None: nothing filters at the subnet edge
    zone: str = ""
    stage_missing: str = ""  # set when the subnet's filter is known to exist but is not in the snapshot
    # A NAT gateway that source-translates this subnet's internet-bound traffic (Azure NAT gateway on a
    # subnet, GCP Cloud NAT); used when the packet leaves through an internet gateway.
    egress_nat_id: str = ""
    # True when the subnet's filter also applies to traffic between two interfaces of the subnet (Azure
    # subnet NSGs); False when only traffic crossing the subnet edge is filtered (AWS NACLs).
    stage_applies_within: bool = False
    # Why a source in this subnet without a public address has no way to the internet, when the subnet
    # says so (Azure `defaultOutboundAccess: false`); the internet gateway's refusal names it.
    no_internet_reason: str = ""
    # The --assume name that fills a missing subnet filter with the network's default allow-all one
    # (AWS: "default-nacls", the VPC's default network ACL allows all traffic).
    missing_stage_assumption: str = ""


@dataclass(frozen=True, slots=True)
class Interface:
    """A network interface (ENI / NIC / VNIC), or a gateway's interface in a subnet (NAT, TGW ENI)."""

    ref: NativeRef
    network_id: str
    subnet_id: str
    private_ips: tuple[IPAddress, ...]
    public_ips: tuple[tuple[IPAddress, IPAddress], ...] = ()  # (private, public) pairs
    stage: FilterStage | None = None  # SGs / NIC NSG; None: nothing filters at the interface
    forwards: bool = False  # may send/receive packets not addressed to itself (src/dst check off)
    # when it does not forward, the native setting that says so, for the report ("" = source/destination check)
    no_forward_setting: str = ""
    instance: NativeRef | None = None  # the VM/instance that owns it
    gateway_id: str = ""  # set when the interface belongs to a gateway (NAT gateway, transit attachment)
    accepts_connections: bool = True  # False for managed gateway interfaces (NAT GW)
    stage_missing: str = ""
    note: str = ""  # shown when the trace ends here (e.g. "instance is stopped")
    route_table_id: str = ""  # per-interface routing (Azure effective routes, OCI per-VNIC); else the subnet's
    # The service resource that owns this interface (a load balancer, VPC endpoint, private endpoint, ...):
    # hops at the interface name the owner, the interface kept as detail (a gateway_id names it otherwise).
    owner: NativeRef | None = None


@dataclass(frozen=True, slots=True)
class AddressGroup:
    """A resolved symbolic address group (prefix list entries, service tag), by ref string."""

    ref_id: str
    cidrs: tuple[IPNetwork, ...]
    source: NativeRef | None = None
    missing: str = ""  # entries not in the snapshot: matching it is unknown


@dataclass(frozen=True, slots=True)
class MissingData:
    """A call that failed during collection (from the manifest), scoped to what it would have told."""

    cloud: str
    scope: str  # account/region or subscription
    operation: str
    code: str
    message: str
    resource_id: str = ""


@dataclass
class Estate:
    """Everything the normalizers produced; the topology indexes it. Keyed by native id."""

    networks: dict[str, Network] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    interfaces: dict[str, Interface] = field(default_factory=dict)
    rule_sets: dict[str, RuleSet] = field(default_factory=dict)
    route_tables: dict[str, RouteTable] = field(default_factory=dict)
    gateways: dict[str, Gateway] = field(default_factory=dict)
    routers: dict[str, TransitRouter] = field(default_factory=dict)
    attachments: dict[str, RouterAttachment] = field(default_factory=dict)
    vpn_links: dict[str, VpnLink] = field(default_factory=dict)
    address_groups: dict[str, AddressGroup] = field(default_factory=dict)
    # ref -> ids of interfaces whose private addresses the ref stands for (security group membership)
    group_members: dict[str, set[str]] = field(default_factory=dict)
    instances: dict[str, NativeRef] = field(default_factory=dict)
    missing: list[MissingData] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # provider code books: cloud -> condition -> code (see trace.Condition); data, not branches
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    # load balancers (model.balancing.LoadBalancer / TargetGroup), keyed by native id
    load_balancers: dict[str, Any] = field(default_factory=dict)
    target_groups: dict[str, Any] = field(default_factory=dict)

    def merge(self, other: "Estate") -> None:
        for name in (
            "networks", "subnets", "interfaces", "rule_sets", "route_tables", "gateways", "routers",
            "attachments", "vpn_links", "address_groups", "instances", "load_balancers", "target_groups",
        ):
            getattr(self, name).update(getattr(other, name))
        for ref, members in other.group_members.items():
            self.group_members.setdefault(ref, set()).update(members)
        self.missing.extend(other.missing)
        self.warnings.extend(other.warnings)
        for cloud, book in other.codes.items():
            self.codes.setdefault(cloud, {}).update(book)
