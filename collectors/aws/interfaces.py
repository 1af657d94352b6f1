"""AWS ENIs (DescribeNetworkInterfaces, the instances' own ENI lists, EIPs) → Interfaces (pure).

Example:

    {"NetworkInterfaceId": "eni-1", "SubnetId": "subnet-1", "VpcId": "vpc-1", "SourceDestCheck": true,
     "Groups": [{"GroupId": "sg-1"}], "Attachment": {"InstanceId": "i-1"},
     "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.17", "Primary": true,
                             "Association": {"PublicIp": "203.0.113.12"}}]}
    → Interface(eni-1, network vpc-1, subnet subnet-1, private (10.0.1.17,),
                public ((10.0.1.17, 203.0.113.12),), stage = one union tier of (sg-1,), forwards=False,
                instance = aws/instance/i-1)

Managed interfaces: a NAT gateway's ENI gets no security groups (NAT gateways have none) and does not
accept connections; a transit gateway ENI (InterfaceType transit_gateway) carries no SG either.
"""

from __future__ import annotations

import re
from typing import Any

from flightpath.model import (
    Action, Estate, FilterStage, FilterTier, Interface, IPAddress, NativeRef, Ordering,
)
from flightpath.errors import SnapshotError
from flightpath.model.addresses import parse_address
from flightpath.collectors.aws.filters import _name, group_ref
from flightpath.snapshot.fields import get_dicts, get_str

TGW_ATTACH_RE = re.compile(r"tgw-attach-[0-9a-zA-Z]+")
NAT_RE = re.compile(r"nat-[0-9a-zA-Z]+")
VPCE_RE = re.compile(r"vpce-[0-9a-zA-Z]+")
ELB_RE = re.compile(r"^ELB ((?:app|net|gwy)/[^/\s]+/[0-9a-zA-Z]+)")


def service_owner(eni: dict[str, Any], acct: str, region: str) -> NativeRef | None:
    """The service resource that owns a requester-managed ENI, from its InterfaceType and Description (the
    descriptions AWS writes: "ELB net/my-nlb/50dc6c495c0c9188", "VPC Endpoint Interface vpce-...";
    https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html). NAT gateway and transit
    gateway ENIs are named by their gateway (gateway_id); an unrecognised requester-managed ENI names the
    requester."""
    itype = eni.get("InterfaceType", "interface") or "interface"
    desc = str(eni.get("Description", "") or "")
    m = ELB_RE.match(desc)
    if m:
        arn = f"arn:aws:elasticloadbalancing:{region}:{acct}:loadbalancer/{m.group(1)}"
        kind = {"app": "application", "net": "network", "gwy": "gateway"}[m.group(1).split("/", 1)[0]]
        return NativeRef("aws", f"load-balancer ({kind})", arn, m.group(1).split("/")[1], acct, region)
    if itype in ("vpc_endpoint", "gateway_load_balancer_endpoint") or desc.startswith("VPC Endpoint Interface"):
        v = VPCE_RE.search(desc)
        if v:
            return NativeRef("aws", "vpc-endpoint", v.group(0), "", acct, region)
    if itype in ("interface", "nat_gateway", "transit_gateway") and not eni.get("RequesterManaged"):
        return None
    if itype in ("nat_gateway", "transit_gateway"):
        return None
    requester = str(eni.get("RequesterId", "") or "")
    what = itype if itype != "interface" else (requester or "requester-managed")
    return NativeRef("aws", f"managed-service ({what})", eni.get("NetworkInterfaceId", ""), desc, acct, region)


def address_or_warn(value: Any, where: str, warnings: list[str]) -> IPAddress | None:
    """An address field that does not hold an address is skipped with a warning, not a load error: AWS's
    own published examples contain such values (describe-instances "10-0-0-157", DescribeNatGateways
    "198.11.222.333"; fixtures/reference/README.md "a normalizer must not crash on them"). An interface
    without that address simply holds nothing there."""
    try:
        return parse_address(value, where)
    except SnapshotError as exc:
        warnings.append(f"{exc}; address ignored")
        return None


def _ips(eni: dict[str, Any], where: str, warnings: list[str]) -> tuple[list[IPAddress], list[tuple[IPAddress, IPAddress]]]:
    private: list[IPAddress] = []
    public: list[tuple[IPAddress, IPAddress]] = []
    for j, p in enumerate(eni.get("PrivateIpAddresses") or []):
        ip = address_or_warn(p.get("PrivateIpAddress"), f"{where}.PrivateIpAddresses[{j}].PrivateIpAddress", warnings)
        if ip is None:
            continue
        private.append(ip)
        pub = (p.get("Association") or {}).get("PublicIp")
        pub_ip = address_or_warn(pub, f"{where}.PrivateIpAddresses[{j}].Association.PublicIp", warnings) if pub else None
        if pub_ip is not None:
            public.append((ip, pub_ip))
    if not private and eni.get("PrivateIpAddress"):
        ip = address_or_warn(eni["PrivateIpAddress"], f"{where}.PrivateIpAddress", warnings)
        pub = (eni.get("Association") or {}).get("PublicIp")
        pub_ip = address_or_warn(pub, f"{where}.Association.PublicIp", warnings) if pub and ip else None
        if ip is not None:
            private.append(ip)
        if ip is not None and pub_ip is not None:
            public.append((ip, pub_ip))
    for j, p in enumerate(eni.get("Ipv6Addresses") or []):
        ip = address_or_warn(p.get("Ipv6Address"), f"{where}.Ipv6Addresses[{j}].Ipv6Address", warnings)
        if ip is not None:
            private.append(ip)
    return private, public


def build_interfaces(items, est: Estate, vpc_region: dict[str, tuple[str, str]],
                     sg_tier: tuple[str, Ordering, Action, str], sg_missing: str) -> None:
    raw: dict[str, dict[str, Any]] = {}
    label, ordering, default, code = sg_tier
    stages: dict[tuple[str, ...], FilterStage] = {}  # one shared stage per distinct set of groups

    def add(eni: dict[str, Any], acct: str, region: str, where: str, instance: dict[str, Any] | None) -> None:
        eid = eni.get("NetworkInterfaceId")
        if not eid:
            return
        private, public = _ips(eni, where, est.warnings)
        prev = raw.get(eid)
        inst_id = (eni.get("Attachment") or {}).get("InstanceId") or (instance or {}).get("InstanceId", "")
        entry = prev or {"eni": eni, "acct": acct, "region": region, "private": private, "public": public,
                         "instance": None, "where": where}
        if instance is not None:
            entry["instance"] = instance
        elif inst_id and prev is None:
            entry["instance_id"] = inst_id
        if prev is not None:
            entry["public"] = list(dict.fromkeys(prev["public"] + public))
        raw[eid] = entry

    for eni, acct, region, where in items("NetworkInterfaces"):
        add(eni, acct, region, where, None)
    instances: dict[str, dict[str, Any]] = {}
    for inst, acct, region, where in items("Reservations"):
        iid = inst.get("InstanceId", "")
        state = (inst.get("State") or {}).get("Name", "")
        if state in ("terminated", "shutting-down"):
            continue
        instances[iid] = inst
        est.instances[iid] = NativeRef("aws", "instance", iid, _name(inst), acct, region)
        for j, eni in enumerate(inst.get("NetworkInterfaces") or []):
            eni = dict(eni)
            eni.setdefault("SubnetId", inst.get("SubnetId"))
            eni.setdefault("VpcId", inst.get("VpcId"))
            eni.setdefault("AvailabilityZone", (inst.get("Placement") or {}).get("AvailabilityZone"))
            add(eni, acct, region, f"{where}.NetworkInterfaces[{j}]", inst)

    # Elastic IPs: DescribeAddresses associates a public IP with an ENI's private IP.
    for addr, _acct, _region, where in items("Addresses"):
        eid, priv, pub = addr.get("NetworkInterfaceId"), addr.get("PrivateIpAddress"), addr.get("PublicIp")
        if eid in raw and priv and pub:
            pair = (address_or_warn(priv, f"{where}.PrivateIpAddress", est.warnings),
                    address_or_warn(pub, f"{where}.PublicIp", est.warnings))
            if None not in pair and pair not in raw[eid]["public"]:
                raw[eid]["public"].append(pair)

    for eid, entry in raw.items():
        eni = entry["eni"]
        inst = entry["instance"] or instances.get(entry.get("instance_id", ""))
        vid = get_str(eni, "VpcId", entry["where"], "")
        acct = entry["acct"] or vpc_region.get(vid, ("", ""))[0]
        region = entry["region"] or vpc_region.get(vid, ("", ""))[1]
        itype = eni.get("InterfaceType", "interface")
        desc = eni.get("Description", "") or ""
        gateway_id, accepts = "", True
        groups = tuple(gid for w, g in get_dicts(eni, "Groups", entry["where"]) if (gid := get_str(g, "GroupId", w, "")))
        stage, stage_missing = None, ""
        if itype == "nat_gateway" or NAT_RE.search(desc) and "NAT Gateway" in desc:
            m = NAT_RE.search(desc)
            gateway_id, accepts = (m.group(0) if m else ""), False
        elif itype == "transit_gateway" or "Transit Gateway Attachment" in desc:
            m = TGW_ATTACH_RE.search(desc)
            gateway_id, accepts = (m.group(0) if m else ""), False
        elif not groups and eni.get("RequesterManaged") and ELB_RE.match(desc):
            # "If you don't associate a security group with your Network Load Balancer, it ... allow[s] all
            # client traffic to reach the listeners" (https://docs.aws.amazon.com/elasticloadbalancing/latest/
            # network/load-balancer-security-groups.html): no filter at its nodes.
            stage = None
        else:
            stage = stages.get(groups)
            if stage is None:
                stage = stages[groups] = FilterStage((FilterTier(label, groups, ordering, default, block_code=code),))
            stage_missing = sg_missing
        source_dest_check = eni.get("SourceDestCheck", (inst or {}).get("SourceDestCheck", True))
        note = ""
        if inst is not None:
            state = (inst.get("State") or {}).get("Name", "running")
            if state != "running":
                note = f"instance {inst.get('InstanceId')} is {state}"
        inst_ref = est.instances.get(inst.get("InstanceId", "")) if inst else None
        name = _name(eni) or (inst_ref.name if inst_ref else "")
        est.interfaces[eid] = Interface(
            ref=NativeRef("aws", "network-interface", eid, name, acct, region),
            network_id=vid, subnet_id=get_str(eni, "SubnetId", entry["where"], ""),
            private_ips=tuple(entry["private"]), public_ips=tuple(entry["public"]), stage=stage,
            forwards=source_dest_check is False, no_forward_setting="source/destination check (SourceDestCheck) is on",
            instance=inst_ref, gateway_id=gateway_id,
            accepts_connections=accepts, stage_missing=stage_missing, note=note,
            owner=None if gateway_id else service_owner(eni, acct, region))
        for gid in groups:
            est.group_members.setdefault(group_ref(gid), set()).add(eid)
