"""Gateways, VPN links and transit routers: how traffic leaves a network (split out of resources.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flightpath.model.resources import AttachmentKind, GatewayKind, IPAddress, IPNetwork, NativeRef


@dataclass(frozen=True, slots=True)
class Gateway:
    """A gateway that route tables point at. `network_ids` are the networks it is attached to
    (two for a peering). Kind-specific fields are optional and documented by kind."""

    ref: NativeRef
    kind: GatewayKind
    network_ids: tuple[str, ...]
    available: bool = True
    interface_ids: tuple[str, ...] = ()  # NAT: its interface; transit attachment: per-zone interfaces
    subnet_ids: tuple[str, ...] = ()  # subnets the gateway sits in (NAT; transit attachment, one per zone)
    edge_route_table_id: str = ""  # gateway route table for traffic arriving through it (ingress routing)
    router_id: str = ""  # transit attachment: the transit router
    attachment_id: str = ""  # transit attachment: the router attachment id
    vpn_link_ids: tuple[str, ...] = ()  # VPN gateway: its VPN connections
    cross_region: bool = False  # peering between regions (SG references do not cross)
    # peering: networks that accept traffic over it whose source is outside the sending network
    # (Azure allowForwardedTraffic / gateway transit); AWS peerings accept none (no edge-to-edge routing).
    transit_into: tuple[str, ...] = ()
    # peering: the gateway at the far end when it is a resource of its own (OCI: the peer LPG). Traffic over
    # the peering then enters the peer network through it: its edge route table (if any) routes the packet
    # (transit routing through a hub); without one only the peer network's own addresses are reachable.
    peer_gateway_id: str = ""
    # peering: (network entered, route table id) pairs: traffic entering that network over the peering toward an
    # address outside it is routed by that table (GCP: the custom routes the network exports and the sender
    # imports, whose next hops lie in the network entered). Without one, only the peer's own addresses.
    routes_into: tuple[tuple[str, str], ...] = ()
    # service endpoint: the IP protocols it carries; empty: every protocol. AWS gateway endpoints carry TCP and
    # ICMP only (Reachability Analyzer VPCE_GATEWAY_PROTOCOL_RESTRICTION); OCI service gateways do not restrict.
    protocols: tuple[int, ...] = ()
    public_ips: tuple[IPAddress, ...] = ()  # NAT: the public addresses it translates to on the internet
    # transit attachment: group references (security groups) resolve across the transit router between
    # networks whose attachments all say so (AWS transit gateway security group referencing support)
    shares_group_refs: bool = False
    overrides_public_ip: bool = False  # NAT on a subnet wins over an interface's own public IP (Azure)
    note: str = ""
    # NAT whose public address the provider picks and the snapshot cannot hold (Azure default outbound
    # access): internet-bound traffic leaves (`exited`), and `note` is said as a warning.
    provider_address: bool = False


@dataclass(frozen=True, slots=True)
class VpnLink:
    """A site-to-site VPN connection: its tunnels' outside addresses and the remote end's address."""

    ref: NativeRef
    local_ips: tuple[IPAddress, ...]  # our tunnel outside addresses
    remote_ip: IPAddress | None  # the customer gateway / peer address
    up: bool = True
    remote_cidrs: tuple[IPNetwork, ...] = ()  # static routes toward the far side
    # non-empty: the tunnels are not in the snapshot (why), so whether one is up, and local_ips, are unknown
    unknown: str = ""
    declared_peer: str = ""  # key of the VpnLink a links.json entry declares as the far end (no IP comparison)
    down_reason: str = ""  # why a link that is not `up` is down, when not "every tunnel is down"
    interconnect: Any = None  # model.interconnect.Interconnect: an end of a declared cross-cloud interconnect


@dataclass(frozen=True, slots=True)
class RouterAttachment:
    ref: NativeRef
    router_id: str
    kind: AttachmentKind
    resource_id: str = ""  # the VPC, VPN connection, peer router
    peer_router_id: str = ""  # router peering: the router on the other side
    available: bool = True


@dataclass(frozen=True, slots=True)
class TransitRouter:
    """A transit router (AWS TGW): route tables chosen by the attachment the packet entered on."""

    ref: NativeRef
    route_table_ids: tuple[str, ...]
    associations: tuple[tuple[str, str], ...]  # (attachment id, router route table id)
