"""VPC firewall rules and firewall policy rules → model Rules with their targets (pure).

VPC firewall rules (https://cloud.google.com/firewall/docs/firewalls, REST `firewalls` resource):
priority 0-65535 (default 1000), lower first; "a deny rule takes precedence over an allow rule of the same
priority" (deny_wins_ties on the tier); `allowed[]` or `denied[]` entries of `IPProtocol` (name or number,
`all`) and `ports` ("22", "1000-2000"); ingress sources are `sourceRanges` OR `sourceTags` OR
`sourceServiceAccounts` (a packet matching any of them matches; with none given GCP uses 0.0.0.0/0:
https://cloud.google.com/sdk/gcloud/reference/compute/firewall-rules/create#--source-ranges); egress
destinations are `destinationRanges` (default 0.0.0.0/0); targets are all instances, `targetTags` or
`targetServiceAccounts` (never both); `disabled: true` rules are not enforced.

Firewall policy rules (https://cloud.google.com/firewall/docs/firewall-policies-rule-details): `priority`
(unique in the policy), `action` allow / deny / goto_next / apply_security_profile_group, `match`
(`srcIpRanges`, `destIpRanges`, `layer4Configs[{ipProtocol, ports}]`), `targetResources` (networks),
`targetServiceAccounts`, `disabled`. Match fields flightpath cannot evaluate (FQDNs, geolocations, threat
intelligence, address groups, secure tags) become an address group marked missing: a trace that reaches
such a rule ends `unknown` and names the field, never a guessed allow or deny.

Example (forseti FIREWALLS_LIST_PAGE1, rule default-allow-rdp):

    {"name": "default-allow-rdp", "network": ".../global/networks/default1", "priority": 1000,
     "direction": "INGRESS", "sourceRanges": ["0.0.0.0/0"], "allowed": [{"IPProtocol": "tcp", "ports": ["3389"]}]}
    → FwRule(rules=(Rule(label="default-allow-rdp", ingress, allow, priority=1000, protocol=6,
             dst_ports=(3389,), sources=0.0.0.0/0),), target_tags=(), target_sas=(), network=<default1 key>)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flightpath.errors import SnapshotError
from flightpath.model import (
    ANY_ADDRESS, Action, AddressGroup, AddressMatch, Direction, Estate, IPNetwork, NativeRef, PortRange, Rule,
)
from flightpath.model.addresses import parse_network
from flightpath.model.interning import cidr_match, port_range, text

from flightpath.collectors.gcp.links import Item, as_list, key

PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "esp": 50, "ah": 51, "sctp": 132, "ipip": 4, "gre": 47,
             "icmpv6": 58, "all": None}
ACTIONS = {"allow": Action.ALLOW, "deny": Action.DENY, "goto_next": Action.NEXT,
           "apply_security_profile_group": Action.ALLOW}
UNMODELED_MATCH = ("srcFqdns", "destFqdns", "srcRegionCodes", "destRegionCodes", "srcThreatIntelligences",
                   "destThreatIntelligences", "srcAddressGroups", "destAddressGroups", "srcSecureTags")


@dataclass(frozen=True, slots=True)
class FwRule:
    """One native rule (VPC rule or policy rule) as model Rules plus what it targets."""

    rules: tuple[Rule, ...]
    name: str
    network: str = ""  # VPC rules: the network they belong to
    target_tags: tuple[str, ...] = ()
    target_sas: tuple[str, ...] = ()
    target_networks: tuple[str, ...] = ()  # policy rules: targetResources
    disabled: bool = False

    def selects(self, network: str, tags: frozenset[str], sas: frozenset[str]) -> bool:
        """Targets: all instances, or those with one of the tags / service accounts (firewalls#rule_assignment)."""
        if self.disabled:
            return False
        if self.target_networks and network not in self.target_networks:
            return False
        if self.target_tags and not tags.intersection(self.target_tags):
            return False
        if self.target_sas and not sas.intersection(self.target_sas):
            return False
        return True


def tag_ref(network: str, tag: str) -> str:
    return text(f"gcp:tag:{network}:{tag}")


def sa_ref(network: str, account: str) -> str:
    return text(f"gcp:sa:{network}:{account}")


def protocol_of(value: Any, where: str) -> int | None:
    name = str(value).strip().lower()
    if name in PROTOCOLS:
        return PROTOCOLS[name]
    if name.isdigit() and int(name) <= 255:
        return int(name)
    raise SnapshotError(f"{where}: unknown protocol {value!r}")


def ports_of(values: list[Any], where: str) -> tuple[PortRange, ...] | None:
    out: list[PortRange] = []
    for v in values:
        t = str(v).strip()
        try:
            lo, _, hi = t.partition("-")
            low, high = int(lo), int(hi or lo)
        except ValueError:
            raise SnapshotError(f"{where}: bad port range {v!r}") from None
        if not 0 <= low <= high <= 65535:
            raise SnapshotError(f"{where}: bad port range {v!r}")
        out.extend(port_range(low, high))
    return tuple(out) if out else None


def cidrs_of(values: list[Any], where: str) -> tuple[IPNetwork, ...]:
    return tuple(parse_network(v, f"{where}[{i}]") for i, v in enumerate(values))


def _unmodeled(est: Estate, field: str, values: list[Any]) -> str:
    ref = text(f"gcp:unmodeled:{field}={','.join(map(str, values))}")
    est.address_groups.setdefault(ref, AddressGroup(ref, (), missing=f"the rule matches on {field} {values}, "
                                                                     "which flightpath does not evaluate"))
    return ref


def _expand(base: dict[str, Any], entries: list[Any], proto_key: str, where: str) -> list[dict[str, Any]]:
    """One Rule per protocol entry (a rule with tcp:22 and udp:53 is two model rules of one priority)."""
    if not entries:
        return [dict(base)]
    out = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict):
            raise SnapshotError(f"{where}[{i}]: expected an object")
        proto = protocol_of(e.get(proto_key, "all"), f"{where}[{i}].{proto_key}")
        ports = ports_of(as_list(e.get("ports"), f"{where}[{i}].ports"), f"{where}[{i}].ports") \
            if proto in (6, 17, 132) else None
        out.append(dict(base, protocol=proto, dst_ports=ports))
    return out


def _strings(b: dict[str, Any], field: str, where: str) -> tuple[str, ...]:
    value = b.get(field)
    return tuple(str(v) for v in as_list(value, f"{where}.{field}")) if value else ()


def vpc_rule(item: Item) -> FwRule:
    """A VPC firewall rule (REST `firewalls` item, or an entry of getEffectiveFirewalls' `firewalls`)."""
    b, where = item.body, item.where
    network = key(item.need("network"))
    direction = Direction.EGRESS if str(b.get("direction", "INGRESS")).upper() == "EGRESS" else Direction.INGRESS
    try:
        priority = int(b.get("priority", 1000))
    except (TypeError, ValueError):
        raise SnapshotError(f"{where}: field 'priority' is not a number: {b.get('priority')!r}") from None
    if b.get("denied"):
        action, entries, field = Action.DENY, as_list(b["denied"], f"{where}.denied"), "denied"
    else:
        action, entries, field = Action.ALLOW, as_list(b.get("allowed"), f"{where}.allowed"), "allowed"
    ranges = cidrs_of(as_list(b.get("sourceRanges"), f"{where}.sourceRanges"), f"{where}.sourceRanges") \
        if b.get("sourceRanges") else ()
    dests = cidrs_of(as_list(b.get("destinationRanges"), f"{where}.destinationRanges"), f"{where}.destinationRanges") \
        if b.get("destinationRanges") else ()
    if direction is Direction.INGRESS:
        refs = tuple(tag_ref(network, t) for t in _strings(b, "sourceTags", where)) + tuple(
            sa_ref(network, s) for s in _strings(b, "sourceServiceAccounts", where))
        sources = (cidr_match(ranges[0]) if len(ranges) == 1 and not refs else AddressMatch(ranges, refs)) \
            if ranges or refs else ANY_ADDRESS
        destinations = AddressMatch(dests) if dests else ANY_ADDRESS
    else:
        sources = ANY_ADDRESS
        destinations = (cidr_match(dests[0]) if len(dests) == 1 else AddressMatch(dests)) if dests else ANY_ADDRESS
    ref = NativeRef("gcp", "firewall", item.key, text(item.name), item.project)
    label = text(item.name)
    rules = []
    for i, e in enumerate(entries or [{}]):
        if not isinstance(e, dict):
            raise SnapshotError(f"{where}.{field}[{i}]: expected an object")
        proto = protocol_of(e.get("IPProtocol", "all"), f"{where}.{field}[{i}].IPProtocol") if e else None
        ports = ports_of(as_list(e.get("ports"), f"{where}.{field}[{i}].ports"), f"{where}.{field}[{i}].ports") \
            if proto in (6, 17, 132) and e.get("ports") else None
        rules.append(Rule(ref, label, direction, action, priority, proto, ports, sources=sources,
                          destinations=destinations))
    return FwRule(tuple(rules), item.name, network, _strings(b, "targetTags", where),
                  _strings(b, "targetServiceAccounts", where), disabled=bool(b.get("disabled", False)))


def policy_rule(body: dict[str, Any], policy: Item, where: str, est: Estate, label: str) -> FwRule:
    """A rule of a hierarchical, global network or regional network firewall policy."""
    try:
        priority = int(body["priority"])
    except (KeyError, TypeError, ValueError):
        raise SnapshotError(f"{where}: field 'priority' is missing or not a number") from None
    action_text = str(body.get("action", "")).lower()
    if action_text not in ACTIONS:
        raise SnapshotError(f"{where}: field 'action' is {body.get('action')!r} (allow, deny or goto_next)")
    direction = Direction.EGRESS if str(body.get("direction", "INGRESS")).upper() == "EGRESS" else Direction.INGRESS
    match = body.get("match") or {}
    src = cidrs_of(as_list(match.get("srcIpRanges"), f"{where}.match.srcIpRanges"), f"{where}.match.srcIpRanges")
    dst = cidrs_of(as_list(match.get("destIpRanges"), f"{where}.match.destIpRanges"), f"{where}.match.destIpRanges")
    src_refs = [_unmodeled(est, f, as_list(match[f], f"{where}.match.{f}"))
                for f in UNMODELED_MATCH if f.startswith("src") and match.get(f)]
    dst_refs = [_unmodeled(est, f, as_list(match[f], f"{where}.match.{f}"))
                for f in UNMODELED_MATCH if f.startswith("dest") and match.get(f)]
    if body.get("targetSecureTags"):  # whether the VM carries the tag is not in the Compute API
        local = _unmodeled(est, "targetSecureTags", [t.get("name", t) if isinstance(t, dict) else t
                                                     for t in body["targetSecureTags"]])
        (dst_refs if direction is Direction.INGRESS else src_refs).append(local)
    sources = AddressMatch(src, tuple(src_refs)) if src or src_refs else ANY_ADDRESS
    destinations = AddressMatch(dst, tuple(dst_refs)) if dst or dst_refs else ANY_ADDRESS
    name = str(body.get("ruleName") or "")
    shown = f"{label} rule {priority}" + (f" ({name})" if name else "")
    summary = "apply_security_profile_group (L7 inspection not evaluated: read as allow)" \
        if action_text == "apply_security_profile_group" else ""
    base = dict(ref=policy.ref("firewall-policy-rule", f"#rule-{priority}", shown), label=text(shown),
                direction=direction, action=ACTIONS[action_text], priority=priority, sources=sources,
                destinations=destinations, summary=summary)
    entries = as_list(match.get("layer4Configs"), f"{where}.match.layer4Configs")
    rules = tuple(Rule(**kw) for kw in _expand(base, entries, "ipProtocol", f"{where}.match.layer4Configs"))
    return FwRule(rules, shown,
                  target_sas=tuple(str(s) for s in as_list(body.get("targetServiceAccounts"), f"{where}.targetServiceAccounts")),
                  target_networks=tuple(key(n) for n in as_list(body.get("targetResources"), f"{where}.targetResources")),
                  disabled=bool(body.get("disabled", False)))
