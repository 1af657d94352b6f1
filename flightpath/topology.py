"""Indexes over the Estate (LPM tables, address → interface) and the networkx graph.

`load_snapshot(path)` reads a snapshot folder, runs each cloud's normalizer, and returns a Topology.
The normalized Estate is cached by the snapshot's content hash in the user's cache folder
(~/.cache/flightpath, or $FLIGHTPATH_CACHE_DIR); the cache is never read from inside a snapshot folder,
because a snapshot travels with tickets and a pickle inside it would be code we run.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from flightpath import __version__
from flightpath.model import (
    AttachmentKind, Estate, Gateway, GatewayKind, Interface, IPAddress, Network, RouteTable, Subnet,
)
from flightpath.routing import PrefixTable, RouteMatch, select
from flightpath.snapshot import SnapshotContents, _collector_module, list_snapshot, read_snapshot, snapshot_digest

CACHE_FORMAT = 1


@dataclass
class SnapshotInfo:
    path: str
    sha256: str
    warnings: list[str] = field(default_factory=list)
    files: int = 0


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
        with what owns it: ("router", TransitRouter, attachment id) or ("gateway", Gateway, "")."""
        if link.remote_ip is None:
            return None
        if self._vpn_index is None:
            self._vpn_index = {}
            for lid, other in self.estate.vpn_links.items():
                for ip in other.local_ips:
                    self._vpn_index.setdefault(int(ip), []).append(lid)
        for lid in self._vpn_index.get(int(link.remote_ip), []):
            if lid == link.ref.id:
                continue
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
            import networkx as nx

            g = nx.Graph()
            e = self.estate
            for nid in e.networks:
                g.add_node(nid, kind="network")
            for gid, gw in e.gateways.items():
                g.add_node(gid, kind=f"gateway:{gw.kind.value}")
                for n in gw.network_ids:
                    g.add_edge(gid, n)
                if gw.router_id:
                    g.add_edge(gid, gw.router_id)
                for link in gw.vpn_link_ids:
                    g.add_edge(gid, link)
            for aid, att in e.attachments.items():
                if att.kind is AttachmentKind.PEERING and att.peer_router_id:
                    g.add_edge(att.router_id, att.peer_router_id, via=aid)
                elif att.kind is AttachmentKind.VPN and att.resource_id:
                    g.add_edge(att.router_id, att.resource_id, via=aid)
            self._graph = g
        return self._graph

    def connected(self, a: str, b: str) -> bool:
        import networkx as nx

        g = self.graph()
        return a in g and b in g and nx.has_path(g, a, b)


def _normalize(contents: SnapshotContents) -> Estate:
    estate = Estate()
    for cloud, docs in contents.documents.items():
        module = _collector_module(cloud, "normalize")
        if module is None:
            estate.warnings.append(f"{len(docs)} {cloud} documents ignored: no {cloud} normalizer installed")
            continue
        estate.merge(module.normalize(docs, contents.missing))
    for m in contents.missing:
        if m.cloud not in contents.documents:
            estate.missing.append(m)
    estate.warnings[:0] = contents.warnings
    return estate


def _code_fingerprint() -> str:
    """Changes whenever the normalizers or the model change (size and mtime of their sources), so a
    cache written by other code is never read."""
    import hashlib

    import flightpath
    from flightpath import collectors

    h = hashlib.sha256()
    for root in (Path(flightpath.__file__).parent, Path(collectors.__file__).parent):
        for src in sorted(root.rglob("*.py")):
            st = src.stat()
            h.update(f"{src.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def _cache_dir() -> Path:
    return Path(os.environ.get("FLIGHTPATH_CACHE_DIR") or Path.home() / ".cache" / "flightpath")


def load_snapshot(path: str | os.PathLike[str], use_cache: bool = True) -> Topology:
    """Load a snapshot folder (or any folder of cloud JSON dumps) into a Topology. With the cache, a
    snapshot seen before (same bytes, same code) is unpickled without parsing any JSON."""
    root, files = list_snapshot(path)
    digest = _remembered_digest(root, files) if use_cache else snapshot_digest(files, root)
    # Loading allocates millions of small objects and no cycles worth collecting: pausing the cyclic
    # garbage collector meanwhile roughly halves load time on large estates.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _load(root, files, digest, use_cache)
    finally:
        if paused:
            gc.freeze()  # the loaded estate lives as long as the process: keep later collections off it
            gc.enable()


def _remembered_digest(root: Path, files: list[Path]) -> str:
    """The snapshot's sha256, remembered under the files' names, sizes and modification times, so that
    a cached load does not hash hundreds of MB again. Any change to a file's size or mtime (which every
    write changes) recomputes it; `--no-cache` always recomputes."""
    import hashlib

    sig = hashlib.sha256(str(root.resolve()).encode())
    for f in files:
        st = f.stat()
        sig.update(f"{f.relative_to(root).as_posix()}:{st.st_size}:{st.st_mtime_ns}\0".encode())
    memo = _cache_dir() / f"digest-{sig.hexdigest()[:32]}.txt"
    try:
        digest = memo.read_text().strip()
        if len(digest) == 64:
            return digest
    except OSError:
        pass
    digest = snapshot_digest(files, root)
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo.with_name(memo.name + f".{os.getpid()}")
        tmp.write_text(digest)
        os.replace(tmp, memo)
    except OSError:
        pass
    return digest


def _load(root: Path, files: list[Path], digest: str, use_cache: bool) -> Topology:
    cache = _cache_dir() / f"estate-{digest}-v{CACHE_FORMAT}-{__version__}-{_code_fingerprint()}.pickle"
    estate = _read_cache(cache) if use_cache else None
    if estate is None:
        estate = _normalize(read_snapshot(root, files))
        if use_cache:
            _write_cache(cache, estate)
    info = SnapshotInfo(str(root), digest, list(estate.warnings), len(files))
    return Topology(estate, info)


_FROZEN_FIELDS: dict[type, tuple[str, ...]] = {}


class _EstatePickler(pickle.Pickler):
    """Faster-loading pickles: ipaddress objects as integers (not text to re-parse), and the model's
    frozen slotted dataclasses as constructor calls (their default __setstate__ calls fields() per
    object, which dominated loading)."""

    def reducer_override(self, obj):
        kind = type(obj)
        if kind is IPv4Address or kind is IPv6Address:
            return kind, (int(obj),)
        if kind is IPv4Network or kind is IPv6Network:
            return kind, ((int(obj.network_address), obj.prefixlen),)
        names = _FROZEN_FIELDS.get(kind)
        if names is None:
            params = getattr(kind, "__dataclass_params__", None)
            if params is None or not params.frozen:
                return NotImplemented
            names = _FROZEN_FIELDS.setdefault(kind, tuple(f.name for f in dataclasses.fields(kind)))
        return kind, tuple(getattr(obj, n) for n in names)


def _read_cache(cache: Path) -> Estate | None:
    try:
        with cache.open("rb") as fh:
            estate = pickle.load(fh)
    except Exception:  # absent, stale or damaged: rebuilt, never trusted
        return None
    return estate if isinstance(estate, Estate) else None


def _write_cache(cache: Path, estate: Estate) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=".estate-")
        with os.fdopen(fd, "wb") as fh:
            _EstatePickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump(estate)
        os.replace(tmp, cache)
        for old in cache.parent.glob(cache.name.split("-v", 1)[0] + "-v*.pickle"):
            if old != cache:  # the same snapshot cached by an older version of the code
                old.unlink(missing_ok=True)
    except OSError:
        pass  # the cache is an optimisation; an unwritable cache folder is not an error
