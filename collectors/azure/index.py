"""The Azure documents of one snapshot, indexed by kind and lowercased ARM id, plus the facts that several
builders share (pure).

Child resources arrive either embedded (a VNet's `subnets` and `virtualNetworkPeerings`, an NSG's
`securityRules`, a route table's `routes`) or listed on their own (`az network vnet subnet list`, the REST
subnet/peering GETs). Both are indexed under the child's own kind; a separately listed child wins over the
embedded copy of the same id (it is the fuller answer), an embedded one fills in what was not listed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field as dc_field
from typing import Any

from flightpath.model import Estate, IPNetwork, NativeRef
from flightpath.snapshot import RawDocument

from flightpath.collectors.azure import recognize as K
from flightpath.collectors.azure.arm import field, key, name_of, normalize_ids, parse_id, props, seq


@dataclass
class Res:
    kind: str
    item: dict[str, Any]  # the resource as given
    p: dict[str, Any]  # its properties (nested or flattened)
    id: str  # the ARM id as given
    key: str  # lowercased ARM id
    name: str
    subscription: str
    location: str
    where: str  # file and position, for messages
    embedded: bool = False

    def ref(self, rtype: str, suffix: str = "", name: str | None = None) -> NativeRef:
        return NativeRef("azure", rtype, self.id + suffix, self.name if name is None else name,
                         self.subscription, self.location)

    @property
    def parent_key(self) -> str:
        arm = parse_id(self.id)
        return key(arm.parent) if arm else ""


class Index:
    def __init__(self, docs: list[RawDocument], warnings: list[str]) -> None:
        self.by_kind: dict[str, dict[str, Res]] = defaultdict(dict)
        self.effective: list[RawDocument] = []
        self.rule_health: list[RawDocument] = []  # load balancing rule health (balancers.py)
        self.unsupported: set[str] = set()
        self.kinds_present: set[str] = set()
        self.warnings = warnings
        for d in docs:
            self.kinds_present.add(d.kind)
            if d.kind == K.EFFECTIVE_ROUTES:
                self.effective.append(d)
            elif d.kind == K.RULE_HEALTH:
                self.rule_health.append(d)
            elif d.kind == K.UNSUPPORTED:
                self.unsupported.update(d.body)
            else:
                fixed, sub = normalize_ids(d.body, d.scope.get("subscription", ""))
                if fixed:
                    warnings.append(f"{d.path}: {fixed} ARM id(s) without /subscriptions/<id> were normalised to "
                                    f"subscription {sub}" + (" (not known: no subscription folder or full id in "
                                                             "the file)" if sub == "unknown" else ""))
                for i, item in enumerate(d.body):
                    self.add(d.kind, item, f"{d.path}: [{i}]", d.scope.get("subscription", ""))
        for vnet in list(self.all(K.VNET)):
            for j, sn in enumerate(seq(vnet.p, "subnets")):
                self.add(K.SUBNET, sn, f"{vnet.where}.subnets[{j}]", vnet.subscription, vnet.location, True)
            for j, pe in enumerate(seq(vnet.p, "virtualNetworkPeerings")):
                self.add(K.PEERING, pe, f"{vnet.where}.virtualNetworkPeerings[{j}]", vnet.subscription,
                         vnet.location, True)
        for kind in (K.SUBNET, K.PEERING):  # a listed child's location is its VNet's
            for r in self.all(kind):
                if not r.location:
                    parent = self.get(K.VNET, r.parent_key)
                    r.location = parent.location if parent else ""
        if self.unsupported:
            warnings.append("Azure resources of types flightpath does not evaluate were ignored: "
                            + ", ".join(sorted(self.unsupported)))

    def add(self, kind: str, item: Any, where: str, subscription: str = "", location: str = "",
            embedded: bool = False) -> None:
        if not isinstance(item, dict):
            self.warnings.append(f"{where}: expected a resource object, got {type(item).__name__}; ignored")
            return
        rid = field(item, "id")
        arm = parse_id(rid)
        if arm is None:
            self.warnings.append(f"{where}: a {kind.rsplit('/', 1)[-1]} without an ARM id; ignored")
            return
        k = key(rid)
        table = self.by_kind[kind]
        if embedded and k in table:
            return
        table[k] = Res(kind, item, props(item), rid.strip(), k, name_of(item), arm.subscription or subscription,
                       str(field(item, "location", default="") or location), where, embedded)

    def get(self, kind: str, k: str) -> Res | None:
        return self.by_kind.get(kind, {}).get(k) if k else None

    def all(self, kind: str) -> list[Res]:
        return list(self.by_kind.get(kind, {}).values())

    def children(self, kind: str, parent_key: str) -> list[Res]:
        return [r for r in self.all(kind) if r.parent_key == parent_key]

    def has(self, kind: str) -> bool:
        return kind in self.kinds_present


@dataclass
class PeerLink:
    """One VNet's view of a peering: the gateway that carries it and the far side's address space."""

    gateway_key: str
    remote_key: str
    remote_cidrs: tuple[IPNetwork, ...]
    connected: bool  # every side in the snapshot is Connected: the peering's routes exist
    usable: bool  # connected and allowVirtualNetworkAccess on both sides
    uses_remote_gateway: bool  # this side useRemoteGateways and the far side allowGatewayTransit


@dataclass
class Context:
    idx: Index
    est: Estate
    pips: dict[str, Any] = dc_field(default_factory=dict)  # public IP key -> ip address (or None)
    peers: dict[str, list[PeerLink]] = dc_field(default_factory=dict)  # vnet key -> its peerings
    own_vng: dict[str, str] = dc_field(default_factory=dict)  # vnet key -> its own VPN/ER gateway key
    vng_prefixes: dict[str, list[IPNetwork]] = dc_field(default_factory=dict)  # vng key -> connected prefixes
    effective: dict[str, RawDocument] = dc_field(default_factory=dict)  # nic key -> effective routes
    ip_holders: dict[tuple[str, int], str] = dc_field(default_factory=dict)  # (vnet key, int ip) -> interface

    def vnet_of_subnet(self, subnet_key: str) -> str:
        return subnet_key.rsplit("/subnets/", 1)[0] if "/subnets/" in subnet_key else ""

    def gateway_for(self, vnet_key: str) -> str:
        """The virtual network gateway whose routes this VNet gets: its own, or (gateway transit) the
        gateway of the peered VNet whose peering lets it use remote gateways."""
        if vnet_key in self.own_vng:
            return self.own_vng[vnet_key]
        for link in self.peers.get(vnet_key, []):
            if link.connected and link.uses_remote_gateway and link.remote_key in self.own_vng:
                return self.own_vng[link.remote_key]
        return ""

    def why_missing(self, operation_hint: str, default: str) -> str:
        for m in self.est.missing:
            if operation_hint.lower() in m.operation.lower():
                return f"{m.operation} failed for {m.scope}: {m.code} {m.message}".strip()
        return default
