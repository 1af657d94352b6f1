"""The OCI side of fix suggestions (flightpath/questions/fixes.py): the rule as OCI can express it, and the oci
CLI command that adds it.

OCI security rules name the peer only (a security list rule applies to every VNIC of the subnet, an NSG rule to
every VNIC in the group: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm), so the
rule's local side is dropped. An NSG takes one more rule (`oci network nsg rules add`); a security list is
replaced as a whole (`oci network security-list update --ingress-security-rules` sets the full list), so the
command carries the list's existing rules of that direction plus the new one (re-rendered from the snapshot:
their descriptions are not carried over).

    realise(<NSG nsg-app>, allow tcp 22 from 10.110.1.4/32 to 10.200.2.10/32 inbound)
      → (allow tcp 22 from 10.110.1.4/32, "oci network nsg rules add --nsg-id ocid1.networksecuritygroup...
         --security-rules '[{\"direction\": \"INGRESS\", \"isStateless\": false, \"protocol\": \"6\",
         \"source\": \"10.110.1.4/32\", \"sourceType\": \"CIDR_BLOCK\", \"tcpOptions\": {...22...}}]'")
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from flightpath.model import ANY_ADDRESS, AddressMatch, Direction, Rule, RuleSet

from flightpath.collectors.oci.security import NSG_REF, SERVICE_REF


def priority_range(rs: RuleSet) -> tuple[int, int]:
    return (0, 0)  # OCI rules have no priority (a union of allows)


def _peer(match: AddressMatch) -> tuple[str, str]:
    if match.any or (not match.cidrs and not match.refs):
        return "0.0.0.0/0", "CIDR_BLOCK"
    if match.refs:
        ref = match.refs[0]
        if ref.startswith(NSG_REF):
            return ref[len(NSG_REF):], "NETWORK_SECURITY_GROUP"
        return ref[len(SERVICE_REF):] if ref.startswith(SERVICE_REF) else ref, "SERVICE_CIDR_BLOCK"
    return str(match.cidrs[0]), "CIDR_BLOCK"


def wire(rule: Rule, nsg: bool) -> dict[str, Any]:
    """A model Rule as OCI's security rule JSON (the shape the API and the CLI take)."""
    inbound = rule.direction is Direction.INGRESS
    peer, peer_type = _peer(rule.sources if inbound else rule.destinations)
    side = "source" if inbound else "destination"
    out: dict[str, Any] = {"protocol": "all" if rule.protocol is None else str(rule.protocol), side: peer,
                           f"{side}Type": peer_type, "isStateless": bool(rule.stateless)}
    if nsg:
        out["direction"] = "INGRESS" if inbound else "EGRESS"
    if rule.protocol in (6, 17):
        opts: dict[str, Any] = {}
        if rule.dst_ports:
            opts["destinationPortRange"] = {"min": rule.dst_ports[0].low, "max": rule.dst_ports[0].high}
        if rule.src_ports:
            opts["sourcePortRange"] = {"min": rule.src_ports[0].low, "max": rule.src_ports[0].high}
        if opts:
            out["tcpOptions" if rule.protocol == 6 else "udpOptions"] = opts
    elif rule.protocol in (1, 58) and rule.icmp_type is not None:
        out["icmpOptions"] = {"type": rule.icmp_type} | ({"code": rule.icmp_code} if rule.icmp_code is not None else {})
    return out


def realise(rs: RuleSet, rule: Rule) -> tuple[Rule, str]:
    inbound = rule.direction is Direction.INGRESS
    rule = replace(rule, destinations=ANY_ADDRESS) if inbound else replace(rule, sources=ANY_ADDRESS)
    if rs.ref.type == "network-security-group":
        body = json.dumps([wire(rule, nsg=True)], sort_keys=True)
        return rule, f"oci network nsg rules add --nsg-id {rs.ref.id} --security-rules '{body}'"
    if rs.ref.type == "security-list":
        same = [wire(r, nsg=False) for r in rs.rules if r.direction is rule.direction] + [wire(rule, nsg=False)]
        flag = "--ingress-security-rules" if inbound else "--egress-security-rules"
        return rule, (f"oci network security-list update --security-list-id {rs.ref.id} {flag} "
                      f"'{json.dumps(same, sort_keys=True)}' --force")
    return rule, ""  # no security list or NSG to add it to: create an NSG for the VNIC first
