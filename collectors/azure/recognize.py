"""Recognise Azure ARM JSON by each resource's `type` (pure; no SDK).

Accepted bodies, as `az ... -o json` and the ARM REST API print them:
- a single resource `{"id", "name", "type", ...}`;
- a list of resources (az CLI `list`);
- a REST list page `{"value": [...], "nextLink": ...}` (pages merged into `value`).
The kind comes from each resource's `type` (case-insensitive); where `type` is absent (several REST
responses omit it, e.g. subnet and peering GETs) from the ARM id's type segments
(`.../virtualNetworks/v1/subnets/a` → `Microsoft.Network/virtualNetworks/subnets`). A file may mix
types (`az resource list`): one RawDocument per kind. Resources of other Azure types are claimed as
kind UNSUPPORTED so that the normalizer can name them in one warning. A body with no ARM `id` and no
Azure `type` is not Azure and is left to the other recognisers.

NIC effective routes (`az network nic show-effective-route-table`, REST
NetworkInterfaces_GetEffectiveRouteTable: `{"value": [{"source", "state", "addressPrefix": [...],
"nextHopIpAddress": [...], "nextHopType"}]}`) carry no id or type, so the NIC comes from the path:
put the file at `.../EffectiveRoutes/<nic-name>.json` (the collector's layout), or use any file name
containing the NIC's name (`effective-routes-vm1-nic.json`). A NIC name that is not unique across
resource groups is disambiguated by a folder named after the resource group
(`azure/<subscription>/<resource-group>/EffectiveRoutes/<nic-name>.json`). RawDocument.resource_id holds the
path without `.json`; the normalizer matches it against the NICs in the snapshot.

Example: `[{"id": "/subscriptions/0000.../virtualNetworks/hub", "type": "Microsoft.Network/virtualNetworks",
...}]` in `azure/00000000-0000-0000-0000-000000000001/vnets.json` → RawDocument(cloud="azure",
kind="Microsoft.Network/virtualNetworks", body=[...], scope={"subscription": "00000000-..."}).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flightpath.collectors.azure.arm import NO_SUB_RE, field, parse_id

from flightpath.snapshot import RawDocument

VNET = "Microsoft.Network/virtualNetworks"
SUBNET = "Microsoft.Network/virtualNetworks/subnets"
PEERING = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
NIC = "Microsoft.Network/networkInterfaces"
NSG = "Microsoft.Network/networkSecurityGroups"
NSG_RULE = "Microsoft.Network/networkSecurityGroups/securityRules"
NSG_DEFAULT_RULE = "Microsoft.Network/networkSecurityGroups/defaultSecurityRules"
ASG = "Microsoft.Network/applicationSecurityGroups"
ROUTE_TABLE = "Microsoft.Network/routeTables"
ROUTE = "Microsoft.Network/routeTables/routes"
PUBLIC_IP = "Microsoft.Network/publicIPAddresses"
NAT_GATEWAY = "Microsoft.Network/natGateways"
VNG = "Microsoft.Network/virtualNetworkGateways"
LNG = "Microsoft.Network/localNetworkGateways"
CONNECTION = "Microsoft.Network/connections"
ER_CIRCUIT = "Microsoft.Network/expressRouteCircuits"  # ExpressRouteCircuits_Get/List (the Azure-OCI Interconnect)
FIREWALL = "Microsoft.Network/azureFirewalls"
FIREWALL_POLICY = "Microsoft.Network/firewallPolicies"
RULE_COLLECTION_GROUP = "Microsoft.Network/firewallPolicies/ruleCollectionGroups"
VM = "Microsoft.Compute/virtualMachines"
LOAD_BALANCER = "Microsoft.Network/loadBalancers"
EFFECTIVE_ROUTES = "effectiveRouteTable"  # NetworkInterfaces_GetEffectiveRouteTable (no type of its own)
# LoadBalancerLoadBalancingRules_Health (no id or type): `{"up", "down", "loadBalancerBackendAddresses"}`, at
# `.../LoadBalancerRuleHealth/<lb name>/<rule name>.json` (the collector's layout; the path names the rule)
RULE_HEALTH = "loadBalancerRuleHealth"
UNSUPPORTED = "unsupported"  # Azure resources of a type flightpath does not use (body: the type names)

KINDS = (VNET, SUBNET, PEERING, NIC, NSG, NSG_RULE, NSG_DEFAULT_RULE, ASG, ROUTE_TABLE, ROUTE, PUBLIC_IP,
         NAT_GATEWAY, VNG, LNG, CONNECTION, ER_CIRCUIT, FIREWALL, FIREWALL_POLICY, RULE_COLLECTION_GROUP, VM,
         LOAD_BALANCER)
BY_LOWER = {k.lower(): k for k in KINDS}
# An empty list is claimed only when its file name says what was listed (collector or az command names) and
# it lies in an `azure/` or subscription folder.
EMPTY_BY_NAME = {k.rsplit("/", 1)[1].lower(): k for k in KINDS} | {
    "vnets": VNET, "vnet": VNET, "nics": NIC, "nic": NIC, "nsgs": NSG, "nsg": NSG, "asgs": ASG, "asg": ASG,
    "route-tables": ROUTE_TABLE, "routetable": ROUTE_TABLE, "public-ips": PUBLIC_IP, "publicips": PUBLIC_IP,
    "nat-gateways": NAT_GATEWAY, "vnet-gateways": VNG, "local-gateways": LNG, "vpn-connections": CONNECTION,
    "firewalls": FIREWALL, "vms": VM, "peerings": PEERING, "express-route-circuits": ER_CIRCUIT,
}
SUBSCRIPTION_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
LIST_META = {"value", "nextlink", "@odata.nextlink", "@odata.context", "count"}
EFFECTIVE_KEYS = ("nextHopType", "addressPrefix")


def scope_from_path(rel: Path) -> dict[str, str]:
    for part in rel.parts[:-1]:
        if SUBSCRIPTION_RE.match(part):
            return {"subscription": part}
    return {}


def resource_type(item: dict[str, Any]) -> str:
    """The resource's Azure type: its `type` field, else the type segments of its ARM id ("" if neither)."""
    t = field(item, "type")
    if isinstance(t, str) and "/" in t and t.split(".", 1)[0].lower() == "microsoft":
        return t
    rid = field(item, "id")
    if isinstance(rid, str) and NO_SUB_RE.match(rid.strip()):  # normalised later by the index (with a warning)
        rid = "/subscriptions/unknown/" + rid.strip().lstrip("/")
    arm = parse_id(rid)
    return arm.type if arm else ""


def _items(body: Any) -> list[Any] | None:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        value = field(body, "value")
        if isinstance(value, list) and {k.lower() for k in body} <= LIST_META:
            return value
        if "id" in {k.lower() for k in body} or "type" in {k.lower() for k in body}:
            return [body]
    return None


def _is_effective_route(item: Any) -> bool:
    return (isinstance(item, dict) and all(field(item, k) is not None for k in EFFECTIVE_KEYS)
            and field(item, "id") is None)


def recognize(body: Any, rel: Path, path: Path) -> list[RawDocument] | None:
    items = _items(body)
    if isinstance(body, dict) and field(body, "loadBalancerBackendAddresses") is not None and field(body, "id") is None:
        return [RawDocument(path, "azure", RULE_HEALTH, body, scope_from_path(rel), rel.with_suffix("").as_posix())]
    if items is None:
        return None
    scope = scope_from_path(rel)
    stem = rel.stem.lower()
    hint = rel.with_suffix("").as_posix()
    if items and all(_is_effective_route(i) for i in items):
        return [RawDocument(path, "azure", EFFECTIVE_ROUTES, items, scope, hint)]
    if not items:
        if "effective" in hint.lower() and "route" in hint.lower():
            return [RawDocument(path, "azure", EFFECTIVE_ROUTES, [], scope, hint)]
        # only inside an Azure folder: other clouds' empty lists have names like subnets.json and routes.json
        in_azure = bool(scope) or "azure" in (p.lower() for p in rel.parts[:-1])
        kind = EMPTY_BY_NAME.get(stem) if in_azure else None
        return [RawDocument(path, "azure", kind, [], scope)] if kind else None
    groups: dict[str, list[dict[str, Any]]] = {}
    other: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            continue
        rtype = resource_type(item)
        if not rtype:
            continue
        kind = BY_LOWER.get(rtype.lower())
        if kind:
            groups.setdefault(kind, []).append(item)
        else:
            other.add(rtype)
    if not groups and not other:
        return None
    docs = [RawDocument(path, "azure", kind, found, scope) for kind, found in groups.items()]
    if other:
        docs.append(RawDocument(path, "azure", UNSUPPORTED, sorted(other), scope))
    return docs


def item_ids(doc: RawDocument):
    """Duplicate detection (flightpath/snapshot/duplicates.py): each listed resource by its ARM id,
    case-insensitively (ARM ids are). Embedded children (a VNet's subnets) are another view, merged by
    the normalizer's rule (collectors/azure/index.py: a listed child wins over the embedded copy)."""
    if doc.kind in (EFFECTIVE_ROUTES, UNSUPPORTED, RULE_HEALTH) or not isinstance(doc.body, list):
        return
    for i, item in enumerate(doc.body):
        rid = field(item, "id") if isinstance(item, dict) else None
        if isinstance(rid, str) and rid.strip():
            yield rid.strip().lower(), f"{doc.path}: [{i}]", item
