"""ARM resource ids and property access shared by the Azure recognizer and normalizer (pure).

Two wire shapes carry the same resource, and both are accepted everywhere:
- the ARM REST shape (what the REST API, azure-mgmt `as_dict()` with `keep_readonly` and the Azure
  REST spec examples print): `{"id", "name", "type", "location", "properties": {...}}`;
- the az CLI shape (`az network ... -o json`): the same fields with `properties` flattened into the
  resource, `resourceGroup` added, and in older CLI versions camel-cased SDK names
  (`privateIpAddress`, `enableIpForwarding`) where the REST API says `privateIPAddress`, `enableIPForwarding`.
So properties are read through `props()` (merges both levels) and `field()` (case-insensitive keys).

Resource ids are case-insensitive in Azure (a subnet's `networkSecurityGroup.id` often differs in case from
the NSG's own id). Estate keys are the lowercased id (`key()`); NativeRef.id keeps the id as given.

    parse_id("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1/subnets/a")
    → ArmId(subscription="s1", resource_group="rg", type="Microsoft.Network/virtualNetworks/subnets",
            name="a", parent="/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1")
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ID_RE = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)(?:/resourceGroups/(?P<rg>[^/]+))?/providers/(?P<ns>[^/]+)/(?P<rest>.+?)/?$",
    re.IGNORECASE)
# Some exports write ids relative to the subscription ("/resourceGroups/rg/providers/..."): accepted and
# normalised to the full id (normalize_ids), with a warning.
NO_SUB_RE = re.compile(r"^/?resourceGroups/[^/]+/providers/", re.IGNORECASE)
SUB_RE = re.compile(r"^/subscriptions/([^/]+)/", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ArmId:
    id: str
    subscription: str
    resource_group: str
    type: str  # e.g. "Microsoft.Network/virtualNetworks/subnets"
    name: str
    parent: str  # the parent resource's id ("" for a top-level resource)


def parse_id(value: Any) -> ArmId | None:
    """An ARM resource id, or None when the text is not one."""
    if not isinstance(value, str):
        return None
    m = ID_RE.match(value.strip())
    if not m:
        return None
    parts = m.group("rest").split("/")
    if len(parts) % 2:
        return None
    types = parts[0::2]
    names = parts[1::2]
    rtype = m.group("ns") + "/" + "/".join(types)
    parent = ""
    if len(parts) > 2:
        parent = value.strip().rstrip("/").rsplit("/", 2)[0]
    return ArmId(value.strip(), m.group("sub"), m.group("rg") or "", rtype, names[-1], parent)


def key(value: Any) -> str:
    """The estate key of an ARM id: lowercased, no trailing slash ("" for anything else)."""
    return value.strip().rstrip("/").lower() if isinstance(value, str) and value.strip() else ""


def field(d: Any, *names: str, default: Any = None) -> Any:
    """d[name] for the first name present, matching keys case-insensitively."""
    if not isinstance(d, dict):
        return default
    for n in names:
        if n in d and d[n] is not None:
            return d[n]
    lowered = {k.lower(): v for k, v in d.items() if isinstance(k, str)}
    for n in names:
        v = lowered.get(n.lower())
        if v is not None:
            return v
    return default


def props(resource: Any) -> dict[str, Any]:
    """The resource's properties whether nested under `properties` (REST) or flattened (az CLI)."""
    if not isinstance(resource, dict):
        return {}
    inner = field(resource, "properties")
    if isinstance(inner, dict):
        merged = dict(inner)
        merged.update({k: v for k, v in resource.items() if k.lower() != "properties"})
        return merged
    return resource


def ref_id(value: Any) -> str:
    """The id of a sub-resource reference ({"id": ...}) or of a bare id string."""
    if isinstance(value, dict):
        v = field(value, "id")
        return v.strip() if isinstance(v, str) else ""
    return value.strip() if isinstance(value, str) else ""


def ref_ids(values: Any) -> list[str]:
    return [i for i in (ref_id(v) for v in values or [] if v is not None) if i] if isinstance(values, list) else []


def seq(d: Any, *names: str) -> list[Any]:
    """A field that holds a list of objects ([] when absent, null or not a list)."""
    value = field(d, *names)
    return value if isinstance(value, list) else []


def as_list(value: Any) -> list[Any]:
    """A field that may hold one value or a list (addressPrefix / addressPrefixes, portRange / portRanges)."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def flag(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def integer(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def lower(value: Any) -> str:
    return str(value).strip().lower() if value is not None else ""


def name_of(resource: dict[str, Any]) -> str:
    name = field(resource, "name")
    if isinstance(name, str) and name:
        return name
    arm = parse_id(field(resource, "id"))
    return arm.name if arm else ""


def normalize_ids(body: Any, subscription: str) -> tuple[int, str]:
    """Rewrite, in place, every `id` under `body` that lacks the `/subscriptions/<id>` prefix to the full ARM
    id. The subscription is the document's (its folder), else the one the document's other ids name, else
    "unknown". Returns how many ids were rewritten and the subscription used."""
    found: list[str] = []

    def walk(x: Any, visit) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if isinstance(k, str) and k.lower() == "id" and isinstance(v, str):
                    visit(x, k, v.strip())
                else:
                    walk(v, visit)
        elif isinstance(x, list):
            for v in x:
                walk(v, visit)

    def collect(_d, _k, v: str) -> None:
        m = SUB_RE.match(v)
        if m and not found:
            found.append(m.group(1))

    if not subscription:
        walk(body, collect)
    sub = subscription or (found[0] if found else "unknown")
    count = 0

    def fix(d, k, v: str) -> None:
        nonlocal count
        if NO_SUB_RE.match(v):
            d[k] = f"/subscriptions/{sub}/" + v.lstrip("/")
            count += 1

    walk(body, fix)
    return count, sub
