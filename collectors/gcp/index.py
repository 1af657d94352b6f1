"""The GCP documents of a snapshot, indexed by kind and key (pure), and the state the builders share.

Resources listed twice (two pages in two files, a list and an aggregated list) are kept once, by key; two
different bodies for one key were refused before this (recognize.item_ids, snapshot/duplicates.py).
An item without a self link is keyed from its project, scope and name when those are known:

    {"kind": "compute#network", "name": "vpc-a", "selfLink": ".../projects/p1/global/networks/vpc-a"}
    → Item(key="projects/p1/global/networks/vpc-a", project="p1", where="<file>: network vpc-a")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flightpath.errors import SnapshotError
from flightpath.model import Estate, MissingData
from flightpath.snapshot import RawDocument

from flightpath.collectors.gcp.links import Item, item, key, project_of
from flightpath.collectors.gcp.recognize import EFFECTIVE_FIREWALLS, ROUTER_STATUS

# how a resource without a self link is keyed: kind -> (scope field, collection)
COLLECTIONS = {
    "network": ("", "global/networks"), "firewall": ("", "global/firewalls"), "route": ("", "global/routes"),
    "subnetwork": ("region", "subnetworks"), "router": ("region", "routers"), "vpnGateway": ("region", "vpnGateways"),
    "vpnTunnel": ("region", "vpnTunnels"), "targetVpnGateway": ("region", "targetVpnGateways"),
    "forwardingRule": ("region", "forwardingRules"), "address": ("region", "addresses"),
    "externalVpnGateway": ("", "global/externalVpnGateways"), "instance": ("zone", "instances"),
    "firewallPolicy": ("", "global/firewallPolicies"),
}


class Index:
    def __init__(self, docs: list[RawDocument], warnings: list[str]) -> None:
        self.items: dict[str, dict[str, Item]] = {}
        self.router_status: list[RawDocument] = []
        self.effective: list[RawDocument] = []
        self.seen: set[tuple[str, str]] = set()  # (project, kind) listed, even when the list was empty
        skipped: set[str] = set()
        for doc in docs:
            if doc.kind == ROUTER_STATUS:
                self.router_status.append(doc)
                continue
            if doc.kind == EFFECTIVE_FIREWALLS:
                self.effective.append(doc)
                continue
            if doc.kind.endswith("?"):
                skipped.add(doc.kind[:-1])
                continue
            if doc.scope.get("project"):
                self.seen.add((doc.scope["project"], doc.kind))
            for body in doc.body:
                it = self._item(doc, body)
                self.seen.add((it.project, doc.kind))
                self.items.setdefault(doc.kind, {}).setdefault(it.key, it)
        if skipped:
            warnings.append(f"GCP resources not used by flightpath ignored: {', '.join(sorted(skipped))}")

    @staticmethod
    def _item(doc: RawDocument, body: dict[str, Any]) -> Item:
        name = body.get("name")
        where = f"{doc.path}: {doc.kind} {name or '?'}"
        k = key(body.get("selfLink"))
        if not k:
            project = doc.scope.get("project", "")
            scope_field, collection = COLLECTIONS.get(doc.kind, ("", doc.kind + "s"))
            scope = key(body.get(scope_field)) if scope_field else ""
            scope = scope.split("/", 2)[-1] if scope.startswith("projects/") else scope
            if not name or not project or (scope_field and not scope):
                raise SnapshotError(f"{where}: field 'selfLink' is missing (and name/project/{scope_field or 'scope'} "
                                    "do not say which resource this is)")
            k = "/".join(p for p in ("projects", project, scope, collection, str(name)) if p)
        return item(body, k, doc.scope.get("project") or project_of(k), where)

    def all(self, kind: str) -> list[Item]:
        return list(self.items.get(kind, {}).values())

    def get(self, kind: str, k: str) -> Item | None:
        return self.items.get(kind, {}).get(k)


@dataclass
class Context:
    idx: Index
    est: Estate
    missing: list[MissingData]
    # network key -> (tag or service account) refs used by firewall sources (members filled by interfaces)
    group_refs: set[str] = field(default_factory=set)
    nic_of: dict[tuple[str, str], str] = field(default_factory=dict)  # (instance key, network) -> interface id
    peerings: list = field(default_factory=list)  # (local net, peer net, gateway id, local body, remote body)

    def why_missing(self, operation: str, project: str = "") -> str:
        """The manifest error for a failed call (by operation name), as a reason ('' when none failed)."""
        for m in self.missing:
            if m.operation.split(".")[0].lower() == operation.lower() and (not project or m.scope == project):
                return f"{m.operation} failed in {m.scope}: {m.code} {m.message}".strip()
        return ""
