"""Azure network security groups → RuleSets, and the service tags their rules refer to (pure).

NSG semantics (MicrosoftDocs/azure-docs: articles/virtual-network/network-security-groups-overview.md,
network-security-group-how-it-works.md): rules by priority, lowest first, first match decides; the six
default rules (cannot be removed; priorities 65000-65500) end every NSG; stateful. A rule's source and
destination are `*`/Any, an address or CIDR (or a list: augmented rules), a service tag, or application
security groups; protocol Tcp, Udp, Icmp, Esp, Ah or `*`; ports `*`, `80`, `1000-2000`, or a list.

Example (the spec example `NetworkSecurityGroupGet`):

    {"name": "rule1", "properties": {"protocol": "*", "sourcePortRange": "*", "destinationPortRange": "80",
     "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "access": "Allow", "priority": 130,
     "direction": "Inbound"}}
    → Rule(label="rule1", ingress, allow, priority=130, protocol=None, dst_ports=(80,), any → any)

A tag becomes a ref `azure:tag:<Tag>` and an ASG a ref `azure:asg:<asg key>`; `service_tags()` builds the
address groups behind the tags (see its docstring for what each tag holds and what is approximated).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from flightpath.model import (
    ANY_ADDRESS, Action, AddressGroup, AddressMatch, Direction, IPNetwork, NativeRef, PortRange, Rule, RuleSet,
)
from flightpath.model.protocols import protocol_name
from flightpath.errors import SnapshotError
from flightpath.snapshot.fields import found

from flightpath.collectors.azure.arm import as_list, field, key, lower, name_of, props, ref_id, seq

PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "esp": 50, "ah": 51, "*": None, "any": None, "all": None}
CANONICAL_TAGS = {"virtualnetwork": "VirtualNetwork", "internet": "Internet",
                  "azureloadbalancer": "AzureLoadBalancer"}
# The six default rules of every NSG (network-security-groups-overview.md, "Default security rules").
DEFAULT_RULES = (
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
)
HOST_VIP = ipaddress.ip_network("168.63.129.16/32")
# Not publicly routable, so never part of the Internet tag (RFC 1918, RFC 6598, loopback, link-local, host VIP).
NOT_INTERNET_V4 = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "168.63.129.16/32"))
GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")


def tag_ref(tag: str) -> str:
    return f"azure:tag:{CANONICAL_TAGS.get(tag.lower(), tag)}"


def asg_ref(asg_id: str) -> str:
    return f"azure:asg:{key(asg_id)}"


def protocol_of(value: Any, where: str, warnings: list[str]) -> tuple[int | None, bool]:
    """(protocol number or None for all, understood)."""
    text = lower(value) or "*"
    if text in PROTOCOLS:
        return PROTOCOLS[text], True
    if text.isdigit() and int(text) <= 255:
        return int(text), True
    warnings.append(f"{where}: unknown protocol {value!r}")
    return None, False


def ports_of(values: list[Any], where: str, warnings: list[str]) -> tuple[PortRange, ...] | None:
    """'*' → None (every port); '80' → (80,); '1000-2000' → (1000-2000,); lists concatenate."""
    out: list[PortRange] = []
    for text in (part.strip() for v in values for part in str(v).split(",")):
        if text in ("*", "", "0-65535", "any", "Any"):
            return None
        try:
            if "-" in text:
                lo, hi = (int(x) for x in text.split("-", 1))
            else:
                lo = hi = int(text)
        except ValueError:
            warnings.append(f"{where}: bad port range {text!r}; read as every port")
            return None
        out.append(PortRange(lo, hi))
    return tuple(out) if out else None


def address_range(text: str) -> list[IPNetwork] | None:
    """'10.0.0.1-10.0.0.9' (Azure Firewall) → the CIDRs covering exactly that range."""
    if "-" not in text:
        return None
    lo_text, hi_text = text.split("-", 1)
    try:
        lo, hi = ipaddress.ip_address(lo_text.strip()), ipaddress.ip_address(hi_text.strip())
        return list(ipaddress.summarize_address_range(lo, hi))
    except (ValueError, TypeError):
        return None


def address_match(prefixes: list[Any], asgs: list[str], where: str = "") -> tuple[AddressMatch, str]:
    """NSG address prefixes (and ASG ids) → (AddressMatch, readable text). A prefix that looks like an
    address (a digit first, or a '/' or ':') but does not parse is a bad CIDR, an error naming `where`;
    service tags (VirtualNetwork, Storage.WestUS, ...) never look like that."""
    if not prefixes and not asgs:  # neither given (a trimmed dump): Azure's own default is any
        return ANY_ADDRESS, "any"
    cidrs: list[IPNetwork] = []
    refs: list[str] = []
    shown: list[str] = []
    for p in prefixes:
        text = str(p).strip()
        if text.lower() in ("*", "any", ""):
            return ANY_ADDRESS, "any"
        try:
            cidrs.append(ipaddress.ip_network(text, strict=False))
            shown.append(text)
            continue
        except ValueError:
            pass
        rng = address_range(text)
        if rng is not None:
            cidrs.extend(rng)
            shown.append(text)
            continue
        if where and (text[:1].isdigit() or "/" in text or ":" in text):
            raise SnapshotError(f"{where}: expected a CIDR, an address or a service tag, found {found(p)}")
        refs.append(tag_ref(text))  # a service tag: resolved by the topology (unknown tags say so)
        shown.append(text)
    for a in asgs:
        refs.append(asg_ref(a))
        shown.append(f"ASG {a.rstrip('/').rsplit('/', 1)[-1]}")
    return AddressMatch(tuple(cidrs), tuple(refs)), ", ".join(shown) or "nothing"


def _describe_ports(proto: int | None, ports: tuple[PortRange, ...] | None) -> str:
    text = protocol_name(proto)
    if ports:
        text += " " + ",".join(str(p) for p in ports)
    return text


def nsg_rule(rule: dict[str, Any], nsg_ref: NativeRef, where: str, warnings: list[str],
             kind: str = "securityRules") -> Rule | None:
    p = props(rule)
    name = name_of(rule) or "?"
    direction = Direction.INGRESS if lower(field(p, "direction")) == "inbound" else Direction.EGRESS
    if lower(field(p, "direction")) not in ("inbound", "outbound"):
        warnings.append(f"{where}: rule {name} has no direction; ignored")
        return None
    action = Action.ALLOW if lower(field(p, "access")) == "allow" else Action.DENY
    try:
        priority = int(field(p, "priority"))
    except (TypeError, ValueError):
        warnings.append(f"{where}: rule {name} has no priority; ignored")
        return None
    proto, _ok = protocol_of(field(p, "protocol"), f"{where}: rule {name}", warnings)
    dst_ports = ports_of(as_list(field(p, "destinationPortRanges")) or as_list(field(p, "destinationPortRange")),
                         f"{where}: rule {name}", warnings)
    src_ports = ports_of(as_list(field(p, "sourcePortRanges")) or as_list(field(p, "sourcePortRange")),
                         f"{where}: rule {name}", warnings)
    src, src_text = address_match(
        as_list(field(p, "sourceAddressPrefixes")) or as_list(field(p, "sourceAddressPrefix")),
        [ref_id(a) for a in as_list(field(p, "sourceApplicationSecurityGroups")) if ref_id(a)],
        f"{where}: rule {name}.sourceAddressPrefix")
    dst, dst_text = address_match(
        as_list(field(p, "destinationAddressPrefixes")) or as_list(field(p, "destinationAddressPrefix")),
        [ref_id(a) for a in as_list(field(p, "destinationApplicationSecurityGroups")) if ref_id(a)],
        f"{where}: rule {name}.destinationAddressPrefix")
    rid = field(rule, "id") or f"{nsg_ref.id}/{kind}/{name}"
    ref = NativeRef("azure", "default-security-rule" if kind == "defaultSecurityRules" else "security-rule",
                    rid, name, nsg_ref.account, nsg_ref.region)
    summary = (f"{action.value} {_describe_ports(proto, dst_ports)} from {src_text}"
               f"{' ports ' + ','.join(map(str, src_ports)) if src_ports else ''} to {dst_text} "
               f"({'inbound' if direction is Direction.INGRESS else 'outbound'}, priority {priority})")
    return Rule(ref=ref, label=name, direction=direction, action=action, priority=priority, protocol=proto,
                dst_ports=dst_ports, src_ports=src_ports, sources=src, destinations=dst, summary=summary)


def default_rules_synthesised(nsg_ref: NativeRef) -> list[dict[str, Any]]:
    return [{"name": n, "id": f"{nsg_ref.id}/defaultSecurityRules/{n}",
             "properties": {"protocol": "*", "sourcePortRange": "*", "destinationPortRange": "*",
                            "sourceAddressPrefix": s, "destinationAddressPrefix": d, "access": a,
                            "priority": prio, "direction": direction}}
            for n, prio, direction, a, s, d in DEFAULT_RULES]


def network_security_group(nsg: dict[str, Any], extra_rules: list[dict[str, Any]], ref: NativeRef, where: str,
                           warnings: list[str]) -> RuleSet:
    """securityRules (+ separately listed rules not already embedded) and defaultSecurityRules; the six
    documented defaults are synthesised when the body has none (az `nsg rule list`, some REST shapes)."""
    p = props(nsg)
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, r in enumerate(seq(p, "securityRules")):
        if isinstance(r, dict):
            rule = nsg_rule(r, ref, f"{where}.securityRules[{i}]", warnings)
            if rule:
                rules.append(rule)
                seen.add(key(rule.ref.id))
    for r in extra_rules:
        rid = key(field(r, "id"))
        if rid and rid in seen:
            continue
        rule = nsg_rule(r, ref, f"{where} (securityRules of {ref.name})", warnings)
        if rule:
            rules.append(rule)
    defaults = [r for r in seq(p, "defaultSecurityRules") if isinstance(r, dict)]
    if not defaults:
        defaults = default_rules_synthesised(ref)
    for i, r in enumerate(defaults):
        rule = nsg_rule(r, ref, f"{where}.defaultSecurityRules[{i}]", warnings, "defaultSecurityRules")
        if rule:
            rules.append(rule)
    rules.sort(key=lambda r: (r.direction.value, r.priority))
    return RuleSet(ref=ref, rules=tuple(rules), stateful=True)


def internet_cidrs() -> tuple[IPNetwork, ...]:
    """The Internet tag, approximated: IPv4 0.0.0.0/0 minus the private (RFC 1918), shared (RFC 6598),
    loopback and link-local ranges and the host VIP 168.63.129.16; IPv6 global unicast 2000::/3.
    (Azure's own tag is "the IP address space outside the virtual network and reachable by the public
    internet", which includes Azure's public ranges: service-tags-overview.md.)"""
    remaining = [ipaddress.ip_network("0.0.0.0/0")]
    for hole in NOT_INTERNET_V4:
        nxt: list[IPNetwork] = []
        for net in remaining:
            if hole.subnet_of(net):
                nxt.extend(net.address_exclude(hole))
            elif not net.subnet_of(hole):
                nxt.append(net)
        remaining = nxt
    return tuple(sorted(remaining)) + (GLOBAL_UNICAST_V6,)


def service_tags(vnet_spaces: dict[str, tuple[list[IPNetwork], NativeRef]],
                 used_refs: set[str]) -> dict[str, AddressGroup]:
    """Address groups for the service tags.

    - `azure:tag:VirtualNetwork@<vnet key>` per VNet (the topology resolves `ref@<network id>` first): the
      caller passes the VNet's space + peered VNets + gateway-connected prefixes + UDR prefixes + host VIP
      (service-tags-overview.md: "The virtual network address space, all connected on-premises address
      spaces, peered virtual networks, virtual networks connected to a virtual network gateway, the virtual
      IP address of the host, and address prefixes used on user-defined routes").
      The plain `azure:tag:VirtualNetwork` (a place whose VNet is not in the snapshot) is unknown.
    - `azure:tag:Internet`: see internet_cidrs(); `azure:tag:AzureLoadBalancer`: the host VIP 168.63.129.16.
    - any other tag (Storage, AzureCloud.WestEurope, ...): its published ranges are not in the snapshot, so a
      rule that needs it makes the trace unknown, and says which tag.
    """
    groups: dict[str, AddressGroup] = {}
    for vkey, (cidrs, ref) in vnet_spaces.items():
        gid = f"{tag_ref('VirtualNetwork')}@{vkey}"
        groups[gid] = AddressGroup(gid, tuple(dict.fromkeys(cidrs)), ref)
    vn = tag_ref("VirtualNetwork")
    groups[vn] = AddressGroup(vn, (), missing="service tag VirtualNetwork: the virtual network of this place is "
                                              "not in the snapshot")
    groups[tag_ref("Internet")] = AddressGroup(tag_ref("Internet"), internet_cidrs())
    groups[tag_ref("AzureLoadBalancer")] = AddressGroup(tag_ref("AzureLoadBalancer"), (HOST_VIP,))
    for ref in sorted(used_refs):
        if ref.startswith("azure:tag:") and ref not in groups:
            tag = ref.split(":", 2)[2]
            groups[ref] = AddressGroup(ref, (), missing=f"service tag {tag}: its addresses are not in the snapshot")
    return groups
