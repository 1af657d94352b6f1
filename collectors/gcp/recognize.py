"""Recognise Compute Engine v1 JSON by `kind` (pure; no SDK).

Accepted bodies, as the REST API and `gcloud compute ... --format=json` print them:
- a list page `{"kind": "compute#firewallList", "items": [...], "nextPageToken": ...}` (pages in one file
  merged into `items`, or one file per page: items are de-duplicated by self link when normalizing);
- an aggregated list `{"kind": "compute#instanceAggregatedList", "items": {"zones/z": {"instances": [...]},
  "zones/y": {"warning": {"code": "NO_RESULTS_ON_PAGE", ...}}}}`;
- a bare list of resources (gcloud), or a single resource `{"kind": "compute#firewall", ...}`;
- `routers.getRouterStatus` (`{"kind": "compute#routerStatusResponse", "result": {...}}`: the router's name
  is not in the body, so it comes from the file name: `getRouterStatus/<router>.json` or
  `getRouterStatus/<region>/<router>.json`);
- `networks.getEffectiveFirewalls` (`{"firewalls": [...], "firewallPolicys": [...]}`, no kind: the network
  comes from the file name, `getEffectiveFirewalls/<network>.json`).
The project comes from a folder `gcp/<project>/` when there is one, else from each resource's self link.

Example: `{"kind": "compute#firewallList", "items": [{"kind": "compute#firewall", "name": "allow-ssh", ...}]}`
in `gcp/project1/firewalls.json` → RawDocument(cloud="gcp", kind="firewall", body=[{...}],
scope={"project": "project1"}).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flightpath.snapshot import RawDocument

from flightpath.collectors.gcp.links import key as link_key

ROUTER_STATUS = "routerStatus"
EFFECTIVE_FIREWALLS = "effectiveFirewalls"
KINDS = ("firewall", "network", "subnetwork", "instance", "route", "router", "vpnGateway", "vpnTunnel",
         "targetVpnGateway", "externalVpnGateway", "forwardingRule", "address", "firewallPolicy")
ALIASES = {"networkFirewallPolicy": "firewallPolicy"}  # networkFirewallPolicies.aggregatedList's list kind
EFFECTIVE_KEYS = {"firewalls", "firewallPolicys", "organizationFirewalls"}


def _resource_kind(kind: Any) -> str | None:
    """'compute#firewall' → 'firewall'; list kinds → the item kind; anything else → None."""
    if not isinstance(kind, str) or not kind.startswith("compute#"):
        return None
    name = kind.split("#", 1)[1]
    for suffix in ("AggregatedList", "List"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    name = ALIASES.get(name, name)
    return name if name in KINDS else name + "?"


def _scope(rel: Path) -> dict[str, str]:
    parts = [p for p in rel.parts[:-1]]
    for i, p in enumerate(parts[:-1]):
        if p.lower() == "gcp":
            return {"project": parts[i + 1]}
    return {}


def _aggregated(items: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for scoped in items.values():
        if isinstance(scoped, dict):
            for value in scoped.values():
                if isinstance(value, list):
                    out.extend(value)
    return out


def _named_after(rel: Path, folder: str) -> str:
    """The resource a per-resource call's file is about: the path below `folder`, without `.json`."""
    parts = list(rel.with_suffix("").parts)
    low = [p.lower() for p in parts]
    if folder.lower() in low:
        return "/".join(parts[low.index(folder.lower()) + 1:])
    return parts[-1]


def recognize(body: Any, rel: Path, path: Path) -> list[RawDocument] | None:
    scope = _scope(rel)
    if isinstance(body, dict) and body.get("kind") == "compute#routerStatusResponse":
        return [RawDocument(path, "gcp", ROUTER_STATUS, body.get("result") or {}, scope,
                            _named_after(rel, "getRouterStatus"))]
    if isinstance(body, dict) and body and "kind" not in body and set(body) <= EFFECTIVE_KEYS:
        return [RawDocument(path, "gcp", EFFECTIVE_FIREWALLS, body, scope, _named_after(rel, "getEffectiveFirewalls"))]
    default = "?"
    if isinstance(body, list):
        items = body
        if not items:
            return None  # an empty bare list says nothing about what was listed (other clouds' lists look alike)
        kinds = {_resource_kind(i.get("kind")) if isinstance(i, dict) else None for i in items}
        if None in kinds:
            return None
    elif isinstance(body, dict):
        kind = _resource_kind(body.get("kind"))
        if kind is None:
            return None
        default = kind
        raw_items = body.get("items")
        if isinstance(raw_items, dict):
            items = _aggregated(raw_items)
        elif isinstance(raw_items, list):
            items = raw_items
        elif str(body.get("kind", "")).endswith("List"):
            items = []  # an empty page: REST omits `items`
        else:
            items = [body]
        if not items:  # an empty page still says which project was listed (its id / selfLink)
            listed = str(body.get("id") or body.get("selfLink") or "")
            at = listed.find("projects/")
            if not scope and at >= 0:
                scope = {"project": listed[at:].split("/")[1]}
            return [RawDocument(path, "gcp", kind, [], scope)]
    else:
        return None
    groups: dict[str, list[Any]] = {}
    for item in items:
        if isinstance(item, dict):
            groups.setdefault(_resource_kind(item.get("kind")) or default, []).append(item)
    return [RawDocument(path, "gcp", k, v, scope) for k, v in groups.items()]


def item_ids(doc: RawDocument):
    """Duplicate detection (flightpath/snapshot/duplicates.py): each resource by its version-independent self
    link (`.../compute/v1/projects/p/global/firewalls/f` and `.../beta/...` are one resource), else by project,
    kind, zone/region and name. Two pages or a list and an aggregated list repeat the same body (merged);
    two different bodies for one self link are two snapshots of one resource (an error)."""
    if doc.kind in (ROUTER_STATUS, EFFECTIVE_FIREWALLS) or doc.kind.endswith("?") or not isinstance(doc.body, list):
        return
    for i, item in enumerate(doc.body):
        if not isinstance(item, dict):
            continue
        rid = link_key(item.get("selfLink"))
        if not rid and isinstance(item.get("name"), str):
            where = item.get("zone") or item.get("region") or "global"
            rid = f"projects/{doc.scope.get('project', '?')}/{link_key(where) or where}/{doc.kind}/{item['name']}"
        if rid:
            yield rid, f"{doc.path}: {doc.kind} {item.get('name') or '?'} (item {i})", item
