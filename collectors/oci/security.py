"""OCI security lists and network security groups → RuleSets, and the one filter stage of a VNIC (pure).

Oracle (https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm): "A packet in question
is allowed if any rule in any of the relevant lists and groups allows the traffic (or if the traffic is part
of an existing connection being tracked)"; rules are allow-only; each rule is stateful unless `isStateless`;
"If traffic matches both a stateful and a stateless rule in a direction, the stateless rule takes precedence
and the connection is not tracked". So a VNIC carries ONE FilterStage with ONE union tier (default deny) of
its subnet's security lists and its own NSGs; RuleSet.stateful=True and Rule.stateless per rule (the core
tries stateless matches first and does not track them, so the reply needs its own allow).

Sources/destinations by type: CIDR_BLOCK (a CIDR), SERVICE_CIDR_BLOCK (an Oracle Services Network label
such as `all-iad-services-in-oracle-services-network`: its CIDRs are not in any snapshot, so the ref is an
AddressGroup with `missing` set and a packet that could only match it ends `unknown`), and
NETWORK_SECURITY_GROUP (an NSG OCID: the private addresses of the VNICs in that NSG, via
Estate.group_members; an NSG that is not in the snapshot makes the match `unknown` naming it; one of another VCN,
or a rule marked `isValid: false`, matches nothing: see nsg_rules).

"Security rules are not enforced for traffic involving the CIDR block 169.254.0.0/16" (same page): modelled
as a synthesised, stateless allow-all rule set LINK_LOCAL (to and from 169.254.0.0/16) in every VNIC's tier.

Worked example (security list with one stateless ingress rule):

    {"id": "ocid1.securitylist.oc1..web", "displayName": "web-sl", "egressSecurityRules": [],
     "ingressSecurityRules": [{"source": "0.0.0.0/0", "sourceType": "CIDR_BLOCK", "protocol": "6",
       "isStateless": true, "tcpOptions": {"destinationPortRange": {"min": 80, "max": 80}}}]}
    → RuleSet(oci/security-list web-sl, stateful=True, rules=(Rule(label="web-sl ingress 1", INGRESS, ALLOW,
              protocol=6, dst_ports=(80,), sources=0.0.0.0/0, stateless=True),))
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import ip_network
from typing import Any

from flightpath.errors import SnapshotError
from flightpath.model import (
    ANY_ADDRESS, Action, AddressGroup, AddressMatch, Direction, FilterStage, FilterTier, NativeRef, Ordering,
    PortRange, Rule, RuleSet,
)
from flightpath.model.addresses import parse_network
from flightpath.model.interning import cidr_match, port_range, ref_match

from flightpath.collectors.oci.codes import FILTER_BLOCK

LINK_LOCAL = "oci:link-local"
SERVICE_REF = "oci:service:"
NSG_REF = "oci:nsg:"
_PROTOCOLS = {"all": None, "icmp": 1, "tcp": 6, "udp": 17, "icmpv6": 58}


def nsg_ref(nsg_id: str) -> str:
    return NSG_REF + nsg_id


def link_local_rule_set() -> RuleSet:
    ref = NativeRef("oci", "implicit rule", LINK_LOCAL, "169.254.0.0/16 is not filtered")
    net = cidr_match(ip_network("169.254.0.0/16"))
    return RuleSet(ref, (
        Rule(ref, "169.254.0.0/16 out", Direction.EGRESS, Action.ALLOW, destinations=net, stateless=True,
             summary="allow all to 169.254.0.0/16 (security rules are not enforced for it)"),
        Rule(ref, "169.254.0.0/16 in", Direction.INGRESS, Action.ALLOW, sources=net, stateless=True,
             summary="allow all from 169.254.0.0/16 (security rules are not enforced for it)"),
    ), stateful=True, builtin=True)  # stateful set, stateless rules: never tracks, never stops the others tracking


def _protocol(value: Any, where: str) -> int | None:
    if value is None:
        raise SnapshotError(f"{where}.protocol: missing")
    v = str(value).strip().lower()
    if v in _PROTOCOLS:
        return _PROTOCOLS[v]
    if v.isdigit() and 0 <= int(v) <= 255:
        return int(v)
    raise SnapshotError(f"{where}.protocol: bad protocol {value!r}")


def _ports(opts: Any, name: str, where: str) -> tuple[PortRange, ...] | None:
    rng = opts.get(name) if isinstance(opts, dict) else None
    if not isinstance(rng, dict):
        return None
    try:
        low, high = int(rng["min"]), int(rng["max"])
    except (KeyError, TypeError, ValueError):
        raise SnapshotError(f"{where}.{name}: expected {{min, max}} ports, got {rng!r}") from None
    return port_range(low, high)


def _peer(value: Any, kind: Any, where: str, est_groups: dict[str, AddressGroup]) -> AddressMatch:
    kind = str(kind or "CIDR_BLOCK").upper()
    if kind == "NETWORK_SECURITY_GROUP":
        if not isinstance(value, str) or not value:
            raise SnapshotError(f"{where}: expected an NSG OCID, got {value!r}")
        return ref_match(nsg_ref(value))
    if kind == "SERVICE_CIDR_BLOCK":
        ref = SERVICE_REF + str(value)
        est_groups.setdefault(ref, AddressGroup(ref, (), missing=(
            f"the CIDRs of the Oracle Services Network label {value} are not in the snapshot")))
        return ref_match(ref)
    net = parse_network(value, where)
    return ANY_ADDRESS if net.prefixlen == 0 and net.version == 4 else cidr_match(net)


def rule(raw: dict[str, Any], direction: Direction, ref: NativeRef, label: str, where: str,
         groups: dict[str, AddressGroup]) -> Rule:
    """One OCI security rule (security-list `IngressSecurityRule`/`EgressSecurityRule` or NSG `SecurityRule`)."""
    proto = _protocol(raw.get("protocol"), where)
    dst_ports = src_ports = None
    icmp_type = icmp_code = None
    if proto in (6, 17):
        opts = raw.get("tcpOptions" if proto == 6 else "udpOptions")
        dst_ports = _ports(opts, "destinationPortRange", f"{where}.{'tcpOptions' if proto == 6 else 'udpOptions'}")
        src_ports = _ports(opts, "sourcePortRange", f"{where}.{'tcpOptions' if proto == 6 else 'udpOptions'}")
    elif proto in (1, 58):
        opts = raw.get("icmpOptions") or raw.get("icmpv6Options")
        if isinstance(opts, dict):
            icmp_type = opts.get("type") if isinstance(opts.get("type"), int) else None
            icmp_code = opts.get("code") if isinstance(opts.get("code"), int) else None
    if direction is Direction.INGRESS:
        sources, destinations = _peer(raw.get("source"), raw.get("sourceType"), f"{where}.source", groups), ANY_ADDRESS
    else:
        sources = ANY_ADDRESS
        destinations = _peer(raw.get("destination"), raw.get("destinationType"), f"{where}.destination", groups)
    return Rule(ref, label, direction, Action.ALLOW, protocol=proto, dst_ports=dst_ports, src_ports=src_ports,
                icmp_type=icmp_type, icmp_code=icmp_code, sources=sources, destinations=destinations,
                stateless=bool(raw.get("isStateless")))


def security_list(item: dict[str, Any], ref: NativeRef, where: str, groups: dict[str, AddressGroup]) -> RuleSet:
    rules: list[Rule] = []
    for field, direction in (("ingressSecurityRules", Direction.INGRESS), ("egressSecurityRules", Direction.EGRESS)):
        for i, raw in enumerate(item.get(field) or []):
            label = f"{ref.name or 'security list'} {direction.value} {i + 1}"
            rules.append(rule(raw, direction, ref, label, f"{where}.{field}[{i}]", groups))
    return RuleSet(ref, tuple(rules), stateful=True, network_id=str(item.get("vcnId") or ""))


def nsg_rules(items: list[dict[str, Any]], ref: NativeRef, vcn_id: str, where: str,
              groups: dict[str, AddressGroup], nsg_vcn: dict[str, str] | None = None,
              warnings: list[str] | None = None) -> RuleSet:
    """An NSG's SecurityRules. Two kinds of rule match nothing (with a warning): `isValid: false` ("the value
    changes to False if that network security group is deleted": SecurityRule, API reference
    https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/SecurityRule/), and a rule naming an NSG of another
    VCN ("that NSG must be in the same VCN. This is true even if the other NSG is in a peered VCN": OCI VCN FAQ,
    https://www.oracle.com/cloud/networking/virtual-cloud-network/faq/)."""
    rules: list[Rule] = []
    for i, raw in enumerate(items):
        d = str(raw.get("direction") or "").upper()
        if d not in ("INGRESS", "EGRESS"):
            raise SnapshotError(f"{where}[{i}].direction: expected INGRESS or EGRESS, got {raw.get('direction')!r}")
        direction = Direction.INGRESS if d == "INGRESS" else Direction.EGRESS
        label = f"{ref.name or 'NSG'} rule {raw.get('id') or i + 1}"
        r = rule(raw, direction, ref, label, f"{where}[{i}]", groups)
        side = "source" if direction is Direction.INGRESS else "destination"
        named = str(raw.get(side) or "") if str(raw.get(f"{side}Type") or "").upper() == "NETWORK_SECURITY_GROUP" else ""
        other_vcn = (nsg_vcn or {}).get(named, "")
        why = ("is not valid (isValid false: the NSG it names was deleted)" if raw.get("isValid") is False else
               f"names NSG {named} of another VCN" if named and vcn_id and other_vcn and other_vcn != vcn_id else "")
        if why:
            nothing = AddressMatch()
            r = replace(r, sources=nothing) if direction is Direction.INGRESS else replace(r, destinations=nothing)
            if warnings is not None:
                warnings.append(f"{label} {why}; it matches nothing")
        rules.append(r)
    return RuleSet(ref, tuple(rules), stateful=True, network_id=vcn_id)


def vnic_stage(rule_set_ids: tuple[str, ...], label: str = "security lists and NSGs") -> FilterStage:
    """The one stage of a VNIC: a union of its subnet's security lists and its NSGs (+ the 169.254/16 rule).
    `label` names them (the report shows it when nothing allows a packet)."""
    tier = FilterTier(label, rule_set_ids + (LINK_LOCAL,), Ordering.UNION, Action.DENY, block_code=FILTER_BLOCK)
    return FilterStage((tier,))


def stage_label(list_names: list[str], nsg_names: list[str]) -> str:
    """'security list web-sl and NSGs app, db' / 'security lists a, b (no NSG)'."""
    lists = (f"security list{'s' if len(list_names) > 1 else ''} {', '.join(list_names)}" if list_names
             else "no security list")
    nsgs = f"NSG{'s' if len(nsg_names) > 1 else ''} {', '.join(nsg_names)}" if nsg_names else "no NSG"
    return f"{lists} and {nsgs}"
