"""Recognise AWS EC2 responses by their top-level key (pure; no SDK).

A document is what `aws ec2 describe-... --output json` prints, or the snapshot file the collector
wrote (the same body, pages merged). Per-resource calls need the resource id, which comes from the
file name (`SearchTransitGatewayRoutes/tgw-rtb-0abc.json`, or any name containing the id).

Example: {"SecurityGroups": [...]} in `prod/123456789012/eu-west-1/sg.json` →
RawDocument(cloud="aws", kind="SecurityGroups", scope={"account": "123456789012", "region": "eu-west-1"}).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flightpath.snapshot import RawDocument

# top-level key -> kind (the key itself, except where one key serves two operations)
LIST_KEYS = {
    "Vpcs", "Subnets", "Reservations", "NetworkInterfaces", "Addresses", "SecurityGroups",
    "SecurityGroupRules", "NetworkAcls", "RouteTables", "InternetGateways", "EgressOnlyInternetGateways",
    "NatGateways", "VpcPeeringConnections", "TransitGateways", "TransitGatewayAttachments",
    "TransitGatewayVpcAttachments", "TransitGatewayPeeringAttachments", "TransitGatewayRouteTables",
    "VpnGateways", "VpnConnections", "CustomerGateways", "VpcEndpoints", "Regions",
    "LoadBalancers", "Listeners", "TargetGroups",  # elbv2
}
# per-resource responses: top-level key -> (kind, id pattern)
PER_RESOURCE = {
    "Routes": ("SearchTransitGatewayRoutes", r"tgw-rtb-[0-9a-zA-Z]+"),
    "TransitGatewayRouteTablePropagations": ("GetTransitGatewayRouteTablePropagations", r"tgw-rtb-[0-9a-zA-Z]+"),
    "Associations": ("GetTransitGatewayRouteTableAssociations", r"tgw-rtb-[0-9a-zA-Z]+"),
    "Entries": ("GetManagedPrefixListEntries", r"pl-[0-9a-zA-Z]+"),
    # elbv2, per target group / load balancer: the file is named after the ARN's last segment (its id)
    "TargetHealthDescriptions": ("DescribeTargetHealth", r"[0-9a-f]{16}"),
    "Attributes": ("DescribeTargetGroupAttributes", r"[0-9a-f]{16}"),
    "Rules": ("DescribeRules", r"[0-9a-f]{16}"),  # per ALB listener (its id: the listener ARN's last segment)
}
ACCOUNT_RE = re.compile(r"^\d{12}$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")
# Response metadata keys that may sit beside the payload key.
IGNORED_KEYS = {"NextToken", "ResponseMetadata", "AdditionalRoutesAvailable"}


def scope_from_path(rel: Path) -> dict[str, str]:
    scope: dict[str, str] = {}
    for part in rel.parts[:-1]:
        if ACCOUNT_RE.match(part):
            scope["account"] = part
        elif REGION_RE.match(part):
            scope["region"] = part
    return scope


def _kind_of(body: dict[str, Any]) -> str | None:
    keys = set(body) - IGNORED_KEYS
    if len(keys) != 1:
        return None
    (key,) = keys
    if not isinstance(body[key], list):
        # a known response key holding the wrong type is still that response: claimed, so that the
        # normalizer says "expected a list, found an object" instead of "not in the snapshot"
        return key if key in LIST_KEYS and key != "PrefixLists" else None
    if key == "PrefixLists":
        return None
    if key in LIST_KEYS or key in PER_RESOURCE:
        return key
    return None


def recognize(body: Any, rel: Path, path: Path) -> list[RawDocument] | None:
    if not isinstance(body, dict):
        return None
    keys = set(body) - IGNORED_KEYS
    if keys == {"PrefixLists"} and isinstance(body["PrefixLists"], list):
        items = body["PrefixLists"]
        # DescribePrefixLists (AWS service CIDRs) carries Cidrs; DescribeManagedPrefixLists does not.
        kind = "PrefixLists" if any("Cidrs" in i for i in items if isinstance(i, dict)) else "ManagedPrefixLists"
        if not items:
            kind = "ManagedPrefixLists"
        return [RawDocument(path, "aws", kind, body, scope_from_path(rel))]
    key = _kind_of(body)
    if key is None:
        return None
    scope = scope_from_path(rel)
    if key in PER_RESOURCE:
        kind, pattern = PER_RESOURCE[key]
        if key == "Routes" and isinstance(body[key], list) and not all(isinstance(r, dict) and "TransitGatewayAttachments" in r
                                        or "DestinationCidrBlock" in r or "PrefixListId" in r
                                        for r in body[key] if isinstance(r, dict)):
            return None
        if key == "Rules" and not all(isinstance(r, dict) and "RuleArn" in r for r in body[key]):
            return None  # not elbv2 DescribeRules (whose every rule has a RuleArn)
        if key == "Attributes" and "targetgroup" not in rel.as_posix().lower():
            kind = "DescribeLoadBalancerAttributes"
        by_name = key in ("TargetHealthDescriptions", "Attributes", "Rules")
        found = re.search(pattern, rel.name if by_name else rel.as_posix())
        resource_id = found.group(0) if found else ""
        return [RawDocument(path, "aws", kind, body, scope, resource_id)]
    return [RawDocument(path, "aws", key, body, scope)]


# Duplicate detection (flightpath/snapshot/duplicates.py): the id field of each listed kind. AWS ids are
# unique across accounts, so the same id in two accounts' dumps is one resource seen twice.
ID_FIELDS = {
    "Vpcs": "VpcId", "Subnets": "SubnetId", "SecurityGroups": "GroupId", "NetworkAcls": "NetworkAclId",
    "RouteTables": "RouteTableId", "InternetGateways": "InternetGatewayId",
    "EgressOnlyInternetGateways": "EgressOnlyInternetGatewayId", "NatGateways": "NatGatewayId",
    "VpcPeeringConnections": "VpcPeeringConnectionId", "TransitGateways": "TransitGatewayId",
    "TransitGatewayAttachments": "TransitGatewayAttachmentId", "TransitGatewayVpcAttachments": "TransitGatewayAttachmentId",
    "TransitGatewayPeeringAttachments": "TransitGatewayAttachmentId",
    "TransitGatewayRouteTables": "TransitGatewayRouteTableId", "VpnGateways": "VpnGatewayId",
    "VpnConnections": "VpnConnectionId", "CustomerGateways": "CustomerGatewayId", "VpcEndpoints": "VpcEndpointId",
    "NetworkInterfaces": "NetworkInterfaceId", "Addresses": "AllocationId", "SecurityGroupRules": "SecurityGroupRuleId",
}
# Not compared: prefix lists. DescribePrefixLists and DescribeManagedPrefixLists are two views of one
# list (the first with its Cidrs, the second with owner and version); normalize._prefix_lists merges them
# (CIDRs from DescribePrefixLists, else from GetManagedPrefixListEntries/<pl-id>.json).
# Tags are per account on RAM-shared resources and on either side of a peering: two accounts' copies of
# one resource may differ there and still describe the same network.
VIEW_KEYS = ("Tags",)


def item_ids(doc: RawDocument):
    key = doc.kind
    items = doc.body.get(key) if isinstance(doc.body, dict) else None
    if not isinstance(items, list):
        return
    if doc.kind == "Reservations":
        for i, r in enumerate(items):
            insts = r.get("Instances") if isinstance(r, dict) else None
            for j, inst in enumerate(insts if isinstance(insts, list) else []):
                if isinstance(inst, dict) and isinstance(inst.get("InstanceId"), str):
                    yield inst["InstanceId"], f"{doc.path}: Reservations[{i}].Instances[{j}]", inst
        return
    id_field = ID_FIELDS.get(doc.kind)
    if id_field is None:
        return
    for i, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get(id_field), str):
            rid = item[id_field]
            if doc.kind == "TransitGatewayAttachments" and item.get("ResourceType") == "peering":
                # a TGW peering attachment has one side per TGW (each region lists its own: its TGW,
                # the peer as ResourceId): two views of one id, compared per side
                rid = f"{rid} (side of {item.get('TransitGatewayId')})"
            yield rid, f"{doc.path}: {key}[{i}]", item
