"""AWS EC2 wire JSON → the cloud-neutral Estate (pure; reads only what `aws ec2 describe-*` prints).

Worked example (one subnet, its NACL, its route table):

    DescribeSubnets {"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.1.1.0/24",
                                  "AvailabilityZone": "us-east-1a", "OwnerId": "111122223333"}]}
    DescribeNetworkAcls {"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": true,
                                          "Associations": [{"SubnetId": "subnet-1"}], "Entries": [...]}]}
    → Subnet(ref=aws/subnet/subnet-1 @111122223333/us-east-1, network_id="vpc-1", cidrs=(10.1.1.0/24,),
             route_table_id="" (→ the VPC's main table), stage=FilterStage((FilterTier("network ACL",
             ("acl-1",), first_match, deny, block_code="SUBNET_ACL_RESTRICTION"),)))

Account and region come from the path (a 12-digit folder, a region-named folder), else from the data
(OwnerId; AvailabilityZone minus its letter).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from typing import Any, Iterator

from flightpath.errors import SnapshotError
from flightpath.model import (
    Action, AddressGroup, Estate, FilterStage, FilterTier, MissingData, NativeRef, Network, Ordering, RouteTable,
    Subnet,
)
from flightpath.model.interning import text
from flightpath.model.addresses import parse_network
from flightpath.snapshot import RawDocument
from flightpath.snapshot.fields import found, get_list

from flightpath.collectors.aws import gateways
from flightpath.collectors.aws.codes import CODES
from flightpath.collectors.aws.filters import _name, network_acl, security_group
from flightpath.collectors.aws.balancers import build_balancers
from flightpath.collectors.aws.interfaces import build_interfaces
from flightpath.collectors.aws.tables import build_route_tables, build_transit

AZ_RE = re.compile(r"^([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)[a-z]$")
# Operation that fills each kind (to name a failed call from the manifest)
OPERATION = {
    "NetworkAcls": "DescribeNetworkAcls", "SecurityGroups": "DescribeSecurityGroups",
    "RouteTables": "DescribeRouteTables", "Subnets": "DescribeSubnets", "Vpcs": "DescribeVpcs",
}

SG_TIER = ("security groups", Ordering.UNION, Action.DENY, "ENI_SG_RULES_MISMATCH")


class Items:
    """The documents of one snapshot, by kind, each item with its (account, region, where)."""

    def __init__(self, docs: list[RawDocument]) -> None:
        self.by_kind: dict[str, list[RawDocument]] = defaultdict(list)
        for d in docs:
            self.by_kind[d.kind].append(d)

    def has(self, kind: str) -> bool:
        return kind in self.by_kind

    def __call__(self, kind: str, key: str | None = None) -> Iterator[tuple[dict[str, Any], str, str, str]]:
        key = key or kind
        for doc in self.by_kind.get(kind, []):
            body = doc.body.get(key) if isinstance(doc.body, dict) else None
            if not isinstance(body, list):
                raise SnapshotError(f"{doc.path}: {key}: expected a list, found {found(body)}")
            for i, item in enumerate(body):
                where = f"{doc.path}: {key}[{i}]"
                if not isinstance(item, dict):
                    raise SnapshotError(f"{where}: expected an object, got {type(item).__name__}")
                if kind == "Reservations":
                    for j, inst in enumerate(get_list(item, "Instances", where)):
                        if not isinstance(inst, dict):
                            raise SnapshotError(f"{where}.Instances[{j}]: expected an object, found {found(inst)}")
                        yield inst, *scope_of(doc, inst, item), f"{where}.Instances[{j}]"
                    continue
                yield item, *scope_of(doc, item), where

    def per_resource(self, kind: str) -> dict[str, RawDocument]:
        return {d.resource_id: d for d in self.by_kind.get(kind, []) if d.resource_id}


def scope_of(doc: RawDocument, item: dict[str, Any], parent: dict[str, Any] | None = None) -> tuple[str, str]:
    account = doc.scope.get("account") or str(item.get("OwnerId") or (parent or {}).get("OwnerId") or "")
    region = doc.scope.get("region", "")
    if not region:
        az = item.get("AvailabilityZone") or (item.get("Placement") or {}).get("AvailabilityZone") or ""
        m = AZ_RE.match(az)
        region = m.group(1) if m else ""
    return text(account), text(region)  # one string object per account/region: a smaller cache


def require(item: dict[str, Any], key: str, where: str) -> Any:
    if key not in item or item[key] in (None, ""):
        raise SnapshotError(f"{where}: missing field '{key}'")
    return item[key]


def normalize(docs: list[RawDocument], missing: list[MissingData]) -> Estate:
    """Build the Estate for every AWS document of a snapshot."""
    items = Items(docs)
    est = Estate(codes={"aws": dict(CODES)})
    est.missing.extend(m for m in missing if m.cloud == "aws")
    vpc_region: dict[str, tuple[str, str]] = {}

    for vpc, acct, region, where in items("Vpcs"):
        vid = require(vpc, "VpcId", where)
        cidrs = [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet") or []
                 if (a.get("CidrBlockState") or {}).get("State", "associated") == "associated"]
        if not cidrs and vpc.get("CidrBlock"):
            cidrs = [vpc["CidrBlock"]]
        cidrs += [a["Ipv6CidrBlock"] for a in vpc.get("Ipv6CidrBlockAssociationSet") or []
                  if (a.get("Ipv6CidrBlockState") or {}).get("State", "associated") == "associated"]
        nets = tuple(parse_network(c, f"{where}.CidrBlock") for c in cidrs)
        est.networks[vid] = Network(NativeRef("aws", "vpc", vid, _name(vpc), acct, region), nets)
        vpc_region[vid] = (acct, region)

    for sg, acct, region, where in items("SecurityGroups"):
        gid = require(sg, "GroupId", where)
        acct, region = acct or vpc_region.get(sg.get("VpcId", ""), ("", ""))[0], region or vpc_region.get(sg.get("VpcId", ""), ("", ""))[1]
        est.rule_sets[gid] = security_group(sg, acct, region, where)

    acl_of_subnet: dict[str, str] = {}
    default_acl: dict[str, str] = {}
    for acl, acct, region, where in items("NetworkAcls"):
        aid = require(acl, "NetworkAclId", where)
        est.rule_sets[aid] = network_acl(acl, acct or vpc_region.get(acl.get("VpcId", ""), ("", ""))[0],
                                         region or vpc_region.get(acl.get("VpcId", ""), ("", ""))[1], where)
        if acl.get("IsDefault"):
            default_acl[acl.get("VpcId", "")] = aid
        for assoc in acl.get("Associations") or []:
            if assoc.get("SubnetId"):
                acl_of_subnet[assoc["SubnetId"]] = aid

    route_tables = build_route_tables(items, est, vpc_region)
    acl_stages: dict[str, FilterStage] = {}
    for sn, acct, region, where in items("Subnets"):
        sid = require(sn, "SubnetId", where)
        vid = require(sn, "VpcId", where)
        cidrs = [sn["CidrBlock"]] if sn.get("CidrBlock") else []
        cidrs += [a["Ipv6CidrBlock"] for a in sn.get("Ipv6CidrBlockAssociationSet") or []
                  if (a.get("Ipv6CidrBlockState") or {}).get("State", "associated") == "associated"]
        nets = tuple(parse_network(c, f"{where}.CidrBlock") for c in cidrs)
        if vid not in vpc_region:
            vpc_region[vid] = (acct, region)
        aid = acl_of_subnet.get(sid) or default_acl.get(vid, "")
        stage, stage_missing = None, ""
        if aid:
            stage = acl_stages.get(aid)
            if stage is None:  # one shared stage per NACL
                stage = acl_stages[aid] = FilterStage((FilterTier(
                    "network ACL", (aid,), Ordering.FIRST_MATCH, Action.DENY, block_code="SUBNET_ACL_RESTRICTION"),))
        else:
            stage_missing = _why_missing(est, "NetworkAcls", items, f"no network ACL for {sid} in the snapshot")
        est.subnets[sid] = Subnet(
            NativeRef("aws", "subnet", sid, _name(sn), acct, region), vid, nets,
            route_table_id=route_tables.subnet_table.get(sid, ""), stage=stage,
            zone=sn.get("AvailabilityZone", ""), stage_missing=stage_missing,
            # https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html: allows all in and out
            missing_stage_assumption="default-nacls" if stage_missing else "")

    for vid, (acct, region) in vpc_region.items():
        if vid not in est.networks:  # subnets of a VPC whose DescribeVpcs is absent: CIDRs unknown
            est.networks[vid] = Network(NativeRef("aws", "vpc", vid, "", acct, region), ())
            est.warnings.append(f"VPC {vid} is referenced but not described (DescribeVpcs); its CIDRs are unknown")
    for vid, rtb in route_tables.main_table.items():
        if vid in est.networks:
            n = est.networks[vid]
            est.networks[vid] = Network(n.ref, n.cidrs, rtb)
    _missing_main_tables(est, items)

    sg_missing = "" if items.has("SecurityGroups") else _why_missing(
        est, "SecurityGroups", items, "security groups are not in the snapshot")
    build_interfaces(items, est, vpc_region, SG_TIER, sg_missing)
    _name_failed_sg_calls(est)
    gateways.build_gateways(items, est, vpc_region, route_tables)
    build_transit(items, est, vpc_region)
    build_balancers(items, est)
    _prefix_lists(items, est)
    _main_table_warnings(est, items)
    return est


def _prefix_lists(items: Items, est: Estate) -> None:
    """AWS-managed service prefix lists carry their CIDRs; customer-managed ones need
    GetManagedPrefixListEntries/<pl-id>.json (absent: matching against them is unknown)."""
    for pl, acct, region, where in items("PrefixLists"):
        pid = require(pl, "PrefixListId", where)
        cidrs = tuple(parse_network(c, f"{where}.Cidrs") for c in pl.get("Cidrs") or [])
        est.address_groups[f"aws:pl:{pid}"] = AddressGroup(
            f"aws:pl:{pid}", cidrs, NativeRef("aws", "prefix-list", pid, pl.get("PrefixListName", ""), acct, region))
    entries = items.per_resource("GetManagedPrefixListEntries")
    for pl, acct, region, where in items("ManagedPrefixLists", "PrefixLists"):
        pid = require(pl, "PrefixListId", where)
        ref = NativeRef("aws", "managed-prefix-list", pid, pl.get("PrefixListName", ""), acct, region)
        key = f"aws:pl:{pid}"
        if pid in entries:
            doc = entries[pid]
            cidrs = tuple(parse_network(e.get("Cidr"), f"{doc.path}: Entries[{i}].Cidr")
                          for i, e in enumerate(doc.body.get("Entries") or []))
            est.address_groups[key] = AddressGroup(key, cidrs, ref)
        elif key not in est.address_groups:
            est.address_groups[key] = AddressGroup(
                key, (), ref, missing=f"entries of prefix list {pid} not in the snapshot (GetManagedPrefixListEntries)")
    for pid, doc in entries.items():  # entries without a DescribeManagedPrefixLists listing
        key = f"aws:pl:{pid}"
        if key not in est.address_groups or est.address_groups[key].missing:
            cidrs = tuple(parse_network(e.get("Cidr"), f"{doc.path}: Entries[{i}].Cidr")
                          for i, e in enumerate(doc.body.get("Entries") or []))
            est.address_groups[key] = AddressGroup(key, cidrs, NativeRef("aws", "managed-prefix-list", pid))


def _why_missing(est: Estate, kind: str, items: Items, default: str) -> str:
    op = OPERATION.get(kind, kind)
    for m in est.missing:
        if m.operation == op:
            return f"{op} failed for {m.scope}: {m.code} {m.message}".strip()
    if not items.has(kind):
        return f"{default} ({op} not in the snapshot)"
    return default


def _failed_call(est: Estate, operation: str, account: str, region: str) -> str:
    """The manifest error for `operation` in this account/region (scope "account/region"), as text."""
    for m in est.missing:
        if m.operation == operation and m.scope in ("", account, f"{account}/{region}"):
            return f"{operation} failed for {m.scope or 'the snapshot'}: {m.code} {m.message}".strip()
    return ""


def _missing_main_tables(est: Estate, items: Items) -> None:
    """DescribeRouteTables failed or was not collected: a VPC's subnets use a route table the snapshot does
    not hold. A placeholder main table whose routes are `missing` makes a trace through it `unknown`, naming
    the call (DESIGN rule 3), instead of "no route table"."""
    for vid, net in list(est.networks.items()):
        if net.main_route_table_id or not net.ref.id:
            continue
        why = _failed_call(est, "DescribeRouteTables", net.ref.account, net.ref.region)
        if not why and items.has("RouteTables"):
            continue  # collected, but this VPC's main table is absent: see _main_table_warnings
        why = why or "route tables are not in the snapshot (DescribeRouteTables not collected)"
        rid = f"main route table of {vid}"
        est.route_tables[rid] = RouteTable(NativeRef("aws", "route-table", rid, "", net.ref.account, net.ref.region),
                                           (), missing=why)
        est.networks[vid] = replace(net, main_route_table_id=rid)


def _name_failed_sg_calls(est: Estate) -> None:
    """DescribeSecurityGroups failed in some account/region while other scopes have their groups: name the
    failed call on the interfaces of that scope, so a trace whose groups are absent says why."""
    if not any(m.operation == "DescribeSecurityGroups" for m in est.missing):
        return
    for iid, i in list(est.interfaces.items()):
        if i.stage is not None and not i.stage_missing:
            why = _failed_call(est, "DescribeSecurityGroups", i.ref.account, i.ref.region)
            if why:
                est.interfaces[iid] = replace(i, stage_missing=why)


def _main_table_warnings(est: Estate, items: Items) -> None:
    for vid, net in est.networks.items():
        if not net.main_route_table_id and items.has("RouteTables"):
            est.warnings.append(f"VPC {vid} has no main route table in the snapshot")
