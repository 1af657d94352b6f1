"""AWS security groups and network ACLs → cloud-neutral RuleSets (pure; no SDK).

Security groups (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html): allow
only, stateful; every peer entry of an IpPermission becomes one Rule so that a report names the exact
CIDR, group or prefix list that matched. Example:

    {"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
      "IpRanges": [{"CidrIp": "10.0.0.0/16"}], "UserIdGroupPairs": [{"GroupId": "sg-2"}]}]}
    → RuleSet(sg-1, stateful=True, rules=(
        Rule(ingress allow tcp 22 from 10.0.0.0/16), Rule(ingress allow tcp 22 from aws:sg:sg-2)))

Network ACLs (https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html): numbered, first match
in ascending rule number, final deny, stateless. Protocol -1 or anything other than TCP/UDP/ICMP/ICMPv6
covers all ports (CreateNetworkAclEntry API reference). Example:

    {"RuleNumber": 110, "Protocol": "6", "RuleAction": "deny", "Egress": false,
     "CidrBlock": "10.0.0.0/8", "PortRange": {"From": 22, "To": 22}}
    → Rule(label="110", ingress deny priority=110 tcp 22 from 10.0.0.0/8)
"""

from __future__ import annotations

from typing import Any

from flightpath.model import (
    ANY_ADDRESS, Action, AddressMatch, Direction, NativeRef, PortRange, Rule, RuleSet,
)
from flightpath.model.interning import cidr_match, port_range, ref_match, text
from flightpath.model.addresses import parse_network
from flightpath.model.protocols import protocol_number
from flightpath.snapshot.fields import get_dict, get_dicts, get_int

ICMP_PROTOCOLS = (1, 58)
PORT_PROTOCOLS = (6, 17)


def group_ref(group_id: str) -> str:
    return f"aws:sg:{group_id}"


def prefix_list_ref(pl_id: str) -> str:
    return f"aws:pl:{pl_id}"


def _protocol(value: Any, where: str) -> int | None:
    text = str(value).lower()
    if text in ("-1", "all"):
        return None
    return protocol_number(text, where)


def _ports_and_icmp(proto: int | None, low: Any, high: Any) -> tuple[tuple[PortRange, ...] | None, int | None, int | None]:
    """SG FromPort/ToPort: ports for TCP/UDP; ICMP type/code for ICMP (-1 = all); ignored otherwise.
    low/high are already integers or None (security_group reads them with snapshot.fields.get_int)."""
    if proto in PORT_PROTOCOLS:
        if low is None or int(low) == -1:
            return None, None, None
        return port_range(int(low), int(high if high is not None else low)), None, None
    if proto in ICMP_PROTOCOLS:
        icmp_type = None if low is None or int(low) == -1 else int(low)
        icmp_code = None if high is None or int(high) == -1 else int(high)
        return None, icmp_type, icmp_code
    return None, None, None


def _sg_peers(perm: dict[str, Any], where: str) -> list[AddressMatch]:
    peers: list[AddressMatch] = []
    for w, r in get_dicts(perm, "IpRanges", where):
        peers.append(cidr_match(parse_network(r.get("CidrIp"), f"{w}.CidrIp")))
    for w, r in get_dicts(perm, "Ipv6Ranges", where):
        peers.append(cidr_match(parse_network(r.get("CidrIpv6"), f"{w}.CidrIpv6")))
    for w, r in get_dicts(perm, "PrefixListIds", where):
        peers.append(ref_match(prefix_list_ref(str(r.get("PrefixListId") or "?"))))
    for _w, r in get_dicts(perm, "UserIdGroupPairs", where):  # a peered VPC's group too (same-Region peering only)
        peers.append(ref_match(group_ref(r.get("GroupId") or r.get("GroupName") or "?")))
    return peers


def security_group(sg: dict[str, Any], account: str, region: str, where: str) -> RuleSet:
    gid = sg["GroupId"]
    ref = NativeRef("aws", "security-group", gid, sg.get("GroupName", ""), account, region)
    rules: list[Rule] = []
    for key, direction in (("IpPermissions", Direction.INGRESS), ("IpPermissionsEgress", Direction.EGRESS)):
        for pwhere, perm in get_dicts(sg, key, where):
            proto = _protocol(perm.get("IpProtocol", "-1"), f"{pwhere}.IpProtocol")
            ports, itype, icode = _ports_and_icmp(proto, get_int(perm, "FromPort", pwhere, None, -1, 65535),
                                                  get_int(perm, "ToPort", pwhere, None, -1, 65535))
            i = int(pwhere.rsplit("[", 1)[1].rstrip("]"))
            rule_label = text(f"{key}[{i}]")
            for peer in _sg_peers(perm, pwhere):
                rules.append(Rule(
                    ref=ref, label=rule_label,
                    direction=direction, action=Action.ALLOW, protocol=proto, dst_ports=ports,
                    icmp_type=itype, icmp_code=icode,
                    sources=peer if direction is Direction.INGRESS else ANY_ADDRESS,
                    destinations=peer if direction is Direction.EGRESS else ANY_ADDRESS,
                ))  # no summary: Rule.describe() derives "allow tcp 22 from 10.0.0.0/16" from the fields
    return RuleSet(ref=ref, rules=tuple(rules), stateful=True, network_id=sg.get("VpcId", ""))


def network_acl(acl: dict[str, Any], account: str, region: str, where: str) -> RuleSet:
    aid = acl["NetworkAclId"]
    ref = NativeRef("aws", "network-acl", aid, _name(acl), account, region)
    rules: list[Rule] = []
    for ewhere, e in get_dicts(acl, "Entries", where):
        number = get_int(e, "RuleNumber", ewhere, lo=1, hi=32768)  # 32767 IPv4 *, 32768 IPv6 *
        proto = _protocol(e.get("Protocol", "-1"), f"{ewhere}.Protocol")
        ports = None
        itype = icode = None
        if proto in PORT_PROTOCOLS and e.get("PortRange"):
            pr, pw = get_dict(e, "PortRange", ewhere), f"{ewhere}.PortRange"
            ports = port_range(get_int(pr, "From", pw, 0, 0, 65535), get_int(pr, "To", pw, 65535, 0, 65535))
        if proto in ICMP_PROTOCOLS and e.get("IcmpTypeCode"):
            tc, tw = get_dict(e, "IcmpTypeCode", ewhere), f"{ewhere}.IcmpTypeCode"
            itype, icode = get_int(tc, "Type", tw, -1, -1, 255), get_int(tc, "Code", tw, -1, -1, 255)
            itype, icode = (None if itype == -1 else itype), (None if icode == -1 else icode)
        cidr = e.get("CidrBlock") or e.get("Ipv6CidrBlock")
        net = parse_network(cidr, f"{ewhere}.CidrBlock")
        peer = cidr_match(net)
        egress = bool(e.get("Egress"))
        action = Action.ALLOW if str(e.get("RuleAction", "")).lower() == "allow" else Action.DENY
        label = "*" if number >= 32767 else str(number)
        rules.append(Rule(
            ref=ref, label=text(label), direction=Direction.EGRESS if egress else Direction.INGRESS,
            action=action, priority=number, protocol=proto, dst_ports=ports, icmp_type=itype,
            icmp_code=icode,
            sources=ANY_ADDRESS if egress else peer, destinations=peer if egress else ANY_ADDRESS,
        ))
    rules.sort(key=lambda r: r.priority)
    return RuleSet(ref=ref, rules=tuple(rules), stateful=False, network_id=acl.get("VpcId", ""))


def _name(item: dict[str, Any]) -> str:
    for tag in item.get("Tags") or item.get("TagSet") or []:
        if tag.get("Key") == "Name":
            return str(tag.get("Value", ""))
    return ""
