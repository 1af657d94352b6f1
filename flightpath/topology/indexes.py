"""Indexes over the Estate: LPM tables, address → interface, gateways by network, group references.

Read-only; built once per loaded snapshot. Route tables and address groups compile lazily and are
memoised, so the first trace through a table pays for it and later ones do not.
"""

from __future__ import annotations

from flightpath.model import (
    AttachmentKind,
    Estate,
    Gateway,
    GatewayKind,
    Interface,
    IPAddress,
    Network,
    RouteTable,
    Subnet,
)
from flightpath.snapshot.cache import SnapshotInfo
from flightpath.topology.graph import build_graph, has_path
from flightpath.topology.routes import PrefixTable, RouteMatch, select


class MemberAddresses:
    """The private addresses of a group's member interfaces (a set of ints, so lookups are O(1))."""

    __slots__ = ("_ints",)

    def __init__(self, addrs) -> None:
        self._ints = frozenset(int(a) for a in addrs)

    def __contains__(self, addr: object) -> bool:
        return int(addr) in self._ints  # type: ignore[call-overload]


class NetworkSet:
    __slots__ = ("_table",)

    def __init__(self, cidrs) -> None:
        self._table = PrefixTable()
        for c in cidrs:
            self._table.add(c, True)
        self._table.freeze()

    def __contains__(self, addr: object) -> bool:
        return self._table.longest(addr) is not None  # type: ignore[arg-type]

class Topology:
    """Read-only indexes over one Estate. Route tables and address groups compile lazily and are
    memoised, so the first trace through a table pays for it and later ones do not."""

    def __init__(self, estate: Estate, info: SnapshotInfo | None = None) -> None:
        self.estate = estate
        self.info = info or SnapshotInfo("", "")
        e = estate
        self.by_address: dict[tuple[str, int], str] = {}  # (network id, int(ip)) -> interface id
        self.by_public: dict[int, tuple[str, IPAddress]] = {}  # int(public ip) -> (interface id, private ip)
        self.subnets_of: dict[str, PrefixTable] = {}
        self.gateways_of: dict[str, list[Gateway]] = {}
        self.by_ip: dict[int, list[str]] = {}  # int(private ip) -> interface ids (overlaps across networks)
        for iid, i in e.interfaces.items():
            for ip in i.private_ips:
                self.by_address.setdefault((i.network_id, int(ip)), iid)
                self.by_ip.setdefault(int(ip), []).append(iid)
                if ip.version == 6 and ip.is_global:  # IPv6 addresses are reachable as they are
                    self.by_public.setdefault(int(ip), (iid, ip))
            for priv, pub in i.public_ips:
                self.by_public[int(pub)] = (iid, priv)
        for sid, s in e.subnets.items():
            table = self.subnets_of.setdefault(s.network_id, PrefixTable())
            for c in s.cidrs:
                table.add(c, sid)
        for t in self.subnets_of.values():
            t.freeze()
        for g in e.gateways.values():
            for n in g.network_ids:
                self.gateways_of.setdefault(n, []).append(g)
        self._gateway_keys = {g.ref.id: gid for gid, g in e.gateways.items()}  # native id -> estate key
        self.nat_by_public: dict[int, str] = {}  # NAT gateways' public addresses (replies come back to them)
        for gid, g in e.gateways.items():
            for ip in g.public_ips:
                self.nat_by_public[int(ip)] = gid
        self._vpn_index: dict[int, list[str]] | None = None
        self._unknown_vpn_links: list[str] = []  # built with _vpn_index
        self._tables: dict[str, PrefixTable | str] = {}
        self._groups: dict[tuple[str, str], tuple[object | None, str]] = {}
        self._sg_scope: dict[str, frozenset[str]] = {}
        self._sharing: dict[str, set[str]] | None = None
        self._graph = None

    # --- lookups -------------------------------------------------------------------------------
    def subnet_at(self, network_id: str, addr: IPAddress) -> Subnet | None:
        table = self.subnets_of.get(network_id)
        hit = table.longest(addr) if table else None
        return self.estate.subnets[hit[1][0]] if hit else None

    def interface_at(self, network_id: str, addr: IPAddress) -> Interface | None:
        iid = self.by_address.get((network_id, int(addr)))
        return self.estate.interfaces[iid] if iid else None

    def holders_of(self, addr: IPAddress) -> list[str]:
        return self.by_ip.get(int(addr), [])

    def subnets_holding(self, addr: IPAddress) -> list[Subnet]:
        out = []
        for table in self.subnets_of.values():
            hit = table.longest(addr)
            if hit:
                out.append(self.estate.subnets[hit[1][0]])
        return out

    def public_owner(self, addr: IPAddress) -> tuple[Interface, IPAddress] | None:
        hit = self.by_public.get(int(addr))
        return (self.estate.interfaces[hit[0]], hit[1]) if hit else None

    def route_table_for(self, subnet: Subnet, iface: Interface | None = None) -> RouteTable | None:
        if iface is not None and iface.route_table_id:
            return self.estate.route_tables.get(iface.route_table_id)
        rid = subnet.route_table_id or self.estate.networks.get(subnet.network_id, Network(None, ())).main_route_table_id  # type: ignore[arg-type]
        return self.estate.route_tables.get(rid) if rid else None

    def lookup(self, table: RouteTable, addr: IPAddress) -> tuple[RouteMatch | None, str]:
        """(match, unknown reason). Prefix-list routes expand to their entries at compile time."""
        compiled = self._tables.get(table.ref.id)
        if compiled is None:
            compiled = self._compile(table)
            self._tables[table.ref.id] = compiled
        if isinstance(compiled, str):
            return None, compiled
        return select(compiled, addr), ""

    def _compile(self, table: RouteTable) -> PrefixTable | str:
        if table.missing:
            return table.missing
        pt = PrefixTable()
        for r in table.routes:
            if r.destination is not None:
                pt.add(r.destination, r)
                continue
            group = self.estate.address_groups.get(f"{table.ref.cloud}:pl:{r.prefix_list_id}")
            if group is None or group.missing:
                why = group.missing if group else f"prefix list {r.prefix_list_id} not in the snapshot"
                return f"route {r.label} in {table.ref.id} uses {r.prefix_list_id}: {why}"
            for c in group.cidrs:
                pt.add(c, r)
        return pt.freeze()

    def gateway_key(self, gw: Gateway) -> str:
        """The estate key of a gateway (a normalizer may key by something other than the native id, e.g.
        lowercased Azure ARM ids)."""
        return self._gateway_keys.get(gw.ref.id, gw.ref.id)

    def nat_owner(self, addr: IPAddress) -> Gateway | None:
        gid = self.nat_by_public.get(int(addr))
        return self.estate.gateways[gid] if gid else None

    def vpn_far_end(self, link):
        """The VPN link at the other end of `link` (its local addresses include link's remote address),
        with what owns it: ("router", TransitRouter, attachment id) or ("gateway", Gateway, "").
        A declared peer (links.json: an interconnect's two ends) is the far end without comparing addresses."""
        if link.declared_peer:
            other = self.estate.vpn_links.get(link.declared_peer)
            owner = self._vpn_owner(link.declared_peer) if other is not None else None
            return (other, owner) if owner is not None else None
        if link.remote_ip is None:
            return None
        if self._vpn_index is None:
            self._vpn_index, self._unknown_vpn_links = {}, []
            for lid, other in self.estate.vpn_links.items():
                for ip in other.local_ips:
                    self._vpn_index.setdefault(int(ip), []).append(lid)
                if other.unknown:
                    self._unknown_vpn_links.append(lid)
        candidates = [lid for lid in self._vpn_index.get(int(link.remote_ip), []) if lid != link.ref.id]
        # a link whose own addresses are unknown (its tunnels not in the snapshot) is the far end if it points
        # at this one; the walk then ends `unknown` there unless tunnels are assumed up
        candidates += [lid for lid in self._unknown_vpn_links
                       if lid != link.ref.id and self.estate.vpn_links[lid].remote_ip in link.local_ips]
        # One VPN gateway may hold connections to several peers, all on its one public address: the far end
        # is the connection that points back at this link, not merely one that shares the address.
        candidates.sort(key=lambda lid: self.estate.vpn_links[lid].remote_ip not in link.local_ips)
        for lid in candidates:
            owner = self._vpn_owner(lid)
            if owner is not None:
                return self.estate.vpn_links[lid], owner
        return None

    def _vpn_owner(self, link_id: str):
        for att in self.estate.attachments.values():
            if att.kind is AttachmentKind.VPN and att.resource_id == link_id and att.router_id in self.estate.routers:
                return ("router", self.estate.routers[att.router_id], att.ref.id)
        for g in self.estate.gateways.values():
            if g.kind is GatewayKind.VPN and link_id in g.vpn_link_ids:
                return ("gateway", g, "")
        return None

    def gateway_of(self, network_id: str, kind: GatewayKind) -> Gateway | None:
        for g in self.gateways_of.get(network_id, ()):
            if g.kind is kind and g.available:
                return g
        return None

    def attachment_gateway(self, attachment_id: str) -> Gateway | None:
        g = self.estate.gateways.get(attachment_id)
        return g if g and g.kind is GatewayKind.TRANSIT_ATTACHMENT else None

    # --- address groups ----------------------------------------------------------------------------
    def resolve_ref(self, ref: str, network_id: str):
        """Resolve a rule's symbolic peer in the context of the network where the rule is evaluated.
        An address group named `ref@<network id>` (e.g. Azure's VirtualNetwork tag, which means a
        different address set in every VNet) wins over the plain `ref`."""
        key = (ref, network_id)
        hit = self._groups.get(key)
        if hit is None:
            hit = self._resolve(ref, network_id)
            self._groups[key] = hit
        return hit

    def _resolve(self, ref: str, network_id: str):
        """A ref names either a rule set whose member interfaces it stands for (a security group,
        an ASG, an NSG) or an address group (prefix list, service tag)."""
        e = self.estate
        group = e.address_groups.get(f"{ref}@{network_id}") or e.address_groups.get(ref)
        if group is not None:
            return (None, group.missing) if group.missing else (NetworkSet(group.cidrs), "")
        native_id = ref.rsplit(":", 1)[-1]
        if ref in e.group_members or native_id in e.rule_sets:
            scope = self._group_scope(network_id)
            members = [ip for iid in e.group_members.get(ref, ()) if (i := e.interfaces[iid]).network_id in scope
                       for ip in i.private_ips]
            return MemberAddresses(members), ""
        return None, f"{native_id} not in the snapshot"

    def _group_scope(self, network_id: str) -> frozenset[str]:
        """Networks whose interfaces a group reference can match: the rule's own network, the networks
        peered with it in the same region (AWS: vpc-peering-security-groups; not across inter-Region
        peering), and the networks attached to the same transit router when every attachment shares
        group references (AWS transit gateway security group referencing support)."""
        scope = self._sg_scope.get(network_id)
        if scope is None:
            peers = {network_id} if network_id else set(self.estate.networks)
            for g in self.gateways_of.get(network_id, ()):
                if g.kind is GatewayKind.PEERING and g.available and not g.cross_region:
                    peers.update(g.network_ids)
                elif g.kind is GatewayKind.TRANSIT_ATTACHMENT and g.available and g.shares_group_refs:
                    peers.update(self._group_ref_networks().get(g.router_id, ()))
            scope = frozenset(peers)
            self._sg_scope[network_id] = scope
        return scope

    def _group_ref_networks(self) -> dict[str, set[str]]:
        """Transit router id -> networks whose attachments share group references (computed once)."""
        if self._sharing is None:
            self._sharing = {}
            for g in self.estate.gateways.values():
                if g.kind is GatewayKind.TRANSIT_ATTACHMENT and g.available and g.shares_group_refs:
                    self._sharing.setdefault(g.router_id, set()).update(g.network_ids)
        return self._sharing
    # --- graph ----------------------------------------------------------------------------------
    def graph(self):
        """networkx graph of networks, gateways, routers and VPN links (for connectivity questions)."""
        if self._graph is None:
            self._graph = build_graph(self.estate)
        return self._graph

    def connected(self, a: str, b: str) -> bool:
        return has_path(self.graph(), a, b)
