"""Recognise OCI JSON by content: the OCID type segment of each resource's `id` (pure; no SDK).

Accepted bodies: the REST/SDK wire JSON (a list, or one resource for Get* calls) and the oci CLI's
`{"data": ...}` envelope with kebab-case keys (turned into camelCase here, once: see wire.camel). Kinds are
OCID type segments (`ocid1.vcn.` → "vcn", `ocid1.securitylist.` → "securitylist", ...). Four per-resource
calls return items whose ids are not OCIDs (or do not name their parent); they are recognised by the folder
the collector writes them to, `<Operation>/<parent OCID>.json`, and RawDocument.resource_id is the parent:

    ListNetworkSecurityGroupSecurityRules/<nsg OCID>.json   NSG security rules ("id": "04ABEC")
    ListDrgRouteRules/<drg route table OCID>.json           DRG route rules
    ListDrgRouteDistributionStatements/<distribution OCID>.json
    ListIPSecConnectionTunnels/<ipsec connection OCID>.json tunnels (ocid1.ipsectunnel, no parent id)

Oracle's published address ranges (https://docs.oracle.com/en-us/iaas/tools/public_ip_ranges.json, documented at
https://docs.oracle.com/en-us/iaas/Content/General/Concepts/addressranges.htm: `{"last_updated_timestamp": ...,
"regions": [{"region": "us-ashburn-1", "cidrs": [{"cidr": ..., "tags": ["OSN", "OBJECT_STORAGE"]}]}]}`), which the
collector saves as `oci/public_ip_ranges.json`, are kind PUBLIC_IP_RANGES (body: the whole object), by content.

Example: `{"data": [{"id": "ocid1.vcn.oc1.iad.aaa", "cidr-blocks": ["10.0.0.0/16"]}]}` in
`oci/acme/us-ashburn-1/vcns.json` → RawDocument(cloud="oci", kind="vcn",
body=[{"id": "ocid1.vcn.oc1.iad.aaa", "cidrBlocks": ["10.0.0.0/16"]}],
scope={"tenancy": "acme", "region": "us-ashburn-1"}). Resources of other OCI types are claimed as kind
UNSUPPORTED (named in one warning); a body with no OCID is left to the other recognisers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flightpath.snapshot import RawDocument

from flightpath.collectors.oci.wire import camel, ocid_type, scope_from_path

VCN, SUBNET, SECURITY_LIST, NSG, ROUTE_TABLE = "vcn", "subnet", "securitylist", "networksecuritygroup", "routetable"
IGW, NAT, SGW, LPG = "internetgateway", "natgateway", "servicegateway", "localpeeringgateway"
DRG, DRG_ATTACHMENT, DRG_ROUTE_TABLE, DRG_DISTRIBUTION = "drg", "drgattachment", "drgroutetable", "drgroutedistribution"
IPSEC, TUNNEL, CPE, RPC, VIRTUAL_CIRCUIT = "ipsecconnection", "ipsectunnel", "cpe", "remotepeeringconnection", "virtualcircuit"
VNIC, VNIC_ATTACHMENT, PRIVATE_IP, PUBLIC_IP, INSTANCE = "vnic", "vnicattachment", "privateip", "publicip", "instance"
SERVICE = "service"
NSG_RULES, DRG_RULES, DISTRIBUTION_STATEMENTS, TUNNELS = (
    "ListNetworkSecurityGroupSecurityRules", "ListDrgRouteRules", "ListDrgRouteDistributionStatements",
    "ListIPSecConnectionTunnels")
UNSUPPORTED = "unsupported"
PUBLIC_IP_RANGES = "public_ip_ranges"  # Oracle's public_ip_ranges.json (services.py)
REDACTED = re.compile(r"[<>]|\.\.\.|EXAMPLE")  # placeholder ids of published samples

# The collector's file name for each list call (operations.py) and the kind it returns; also used to claim an
# empty list ("collected, nothing there") by its file name.
LIST_KINDS = {
    "ListVcns": VCN, "ListSubnets": SUBNET, "ListSecurityLists": SECURITY_LIST,
    "ListNetworkSecurityGroups": NSG, "ListRouteTables": ROUTE_TABLE, "ListInternetGateways": IGW,
    "ListNatGateways": NAT, "ListServiceGateways": SGW, "ListLocalPeeringGateways": LPG, "ListDrgs": DRG,
    "ListDrgAttachments": DRG_ATTACHMENT, "ListDrgRouteTables": DRG_ROUTE_TABLE,
    "ListDrgRouteDistributions": DRG_DISTRIBUTION, "ListIPSecConnections": IPSEC, "ListCpes": CPE,
    "ListRemotePeeringConnections": RPC, "ListVirtualCircuits": VIRTUAL_CIRCUIT, "ListVnicAttachments": VNIC_ATTACHMENT,
    "ListPrivateIps": PRIVATE_IP, "ListPublicIps": PUBLIC_IP, "ListInstances": INSTANCE, "ListServices": SERVICE,
    "GetVnic": VNIC,
}
CLI_ENVELOPE = {"data", "etag", "opc-next-page", "opc-request-id", "opc-total-items"}  # `oci ... get/list` output
PER_RESOURCE = (NSG_RULES, DRG_RULES, DISTRIBUTION_STATEMENTS, TUNNELS)
KINDS = frozenset(LIST_KINDS.values()) | {TUNNEL}


def _unwrap(body: Any) -> tuple[list[Any] | None, bool]:
    """(items, from the CLI envelope)."""
    if isinstance(body, dict) and "data" in body and set(body) <= CLI_ENVELOPE:
        data = body["data"]
        return (data if isinstance(data, list) else [data]), True
    if isinstance(body, list):
        return body, False
    if isinstance(body, dict) and ocid_type(body.get("id")):
        return [body], False
    return None, False


def _per_resource(rel: Path) -> tuple[str, str]:
    """(operation, parent OCID) when the file sits in a per-resource folder of the collector's layout."""
    folder = rel.parts[-2] if len(rel.parts) > 1 else ""
    for op in PER_RESOURCE:
        if folder.lower() == op.lower():
            return op, rel.stem
    return "", ""


def is_public_ip_ranges(body: Any) -> bool:
    regions = body.get("regions") if isinstance(body, dict) else None
    return (isinstance(regions, list) and "last_updated_timestamp" in body
            and all(isinstance(r, dict) and "region" in r and isinstance(r.get("cidrs"), list) for r in regions))


def recognize(body: Any, rel: Path, path: Path) -> list[RawDocument] | None:
    if is_public_ip_ranges(body):
        return [RawDocument(path, "oci", PUBLIC_IP_RANGES, body, scope_from_path(rel))]
    found, cli = _unwrap(body)
    if found is None:
        return None
    first = found[0] if found and isinstance(found[0], dict) else {}
    cli = cli or any("-" in k for k in first)  # kebab-case keys without the envelope
    scope = scope_from_path(rel)
    op, parent = _per_resource(rel)
    in_oci = cli or "oci" in (p.lower() for p in rel.parts[:-1]) or bool(scope.get("tenancy"))
    if op and (in_oci or ocid_type(parent)):
        return [RawDocument(path, "oci", op, camel(found) if cli else found, scope, parent)]
    if not found:
        kind = LIST_KINDS.get(rel.stem) if in_oci else None
        return [RawDocument(path, "oci", kind, [], scope)] if kind else None
    groups: dict[str, list[Any]] = {}
    other: set[str] = set()
    for item in found:
        kind = ocid_type(item.get("id")) if isinstance(item, dict) else ""
        if kind in KINDS:
            groups.setdefault(kind, []).append(camel(item) if cli else item)
        elif kind:
            other.add(kind)
    if not groups and not other:
        return None
    docs = [RawDocument(path, "oci", kind, items, scope) for kind, items in groups.items()]
    if other:
        docs.append(RawDocument(path, "oci", UNSUPPORTED, sorted(other), scope))
    return docs


def item_ids(doc: RawDocument):
    """Duplicate detection (flightpath/snapshot/duplicates.py): each resource by its OCID (case-sensitive).
    Two compartments' or pages' listings that overlap repeat the same body (merged); different bodies under
    one real OCID are an error. Redacted sample ids (`ocid1.instance.oc1..<unique_ID>`, as Oracle's and
    cloud-custodian's published examples write them) are placeholders, not identities: several different
    resources share one, so they are not compared (collectors/oci/index.py keeps the first and warns)."""
    if doc.kind in PER_RESOURCE or doc.kind == UNSUPPORTED or not isinstance(doc.body, list):
        return
    for i, item in enumerate(doc.body):
        rid = item.get("id") if isinstance(item, dict) else None
        if isinstance(rid, str) and rid and not REDACTED.search(rid):
            yield rid, f"{doc.path}[{i}]", item
