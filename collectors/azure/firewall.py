"""Azure Firewall → an appliance Interface whose filter is the firewall's network rules (pure).

The firewall is a virtual-appliance next hop (UDR nextHopType VirtualAppliance → its private IP) in
AzureFirewallSubnet: an Interface that forwards, with one first-match tier built from
- classic rules: `networkRuleCollections` (collection priority, then rule order; action per collection), or
- a firewall policy (`firewallPolicy`): its rule collection groups (`firewallPolicies/ruleCollectionGroups`,
  group priority, then collection priority, then rule order; the base policy's groups first), rules of
  ruleType NetworkRule in FirewallPolicyFilterRuleCollections.
No rule matching denies (Azure Firewall denies by default). A firewall's rules are not directional, so each
rule is placed in both directions: the packet meets the same decision entering and leaving the appliance,
and the reply is admitted as a tracked connection (the firewall is stateful).

Not evaluated, and said in a warning: application rules (FQDN/HTTP(S)), DNAT rules, threat intelligence,
IDPS, and the firewall's own SNAT toward the internet. Network rules that name FQDNs or IP groups make a
trace that reaches them unknown (their addresses are not in the snapshot).

Example (the spec example `AzureFirewallGet`, abridged):

    networkRuleCollections: [{"name": "netrulecoll", "properties": {"priority": 112, "action": {"type": "Deny"},
      "rules": [{"name": "L4-traffic", "protocols": ["TCP"], "sourceAddresses": ["192.168.1.1-192.168.1.12"],
                 "destinationAddresses": ["*"], "destinationPorts": ["443-444", "8443"]}]}}]
    → Rule(label="netrulecoll/L4-traffic", deny, tcp 443-444,8443, from 192.168.1.0/29 + ... to any)
"""

from __future__ import annotations

from typing import Any

from flightpath.model import (
    ANY_ADDRESS, Action, AddressGroup, AddressMatch, Direction, FilterStage, FilterTier, Interface, NativeRef,
    Ordering, Rule, RuleSet,
)
from flightpath.model.protocols import protocol_name

from flightpath.collectors.azure import recognize as K
from flightpath.collectors.azure.arm import as_list, field, integer, key, lower, name_of, props, ref_id, seq
from flightpath.collectors.azure.codes import FIREWALL_BLOCK
from flightpath.collectors.azure.gateways import pip_address
from flightpath.collectors.azure.index import Context, Res
from flightpath.collectors.azure.interfaces import _addresses
from flightpath.collectors.azure.nsg import address_match, ports_of

FW_PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "any": None, "*": None}
TIER = "Azure Firewall network rules"


def _peer(addresses: list[Any], ip_groups: list[str], fqdns: list[Any],
          refs_out: dict[str, str]) -> tuple[AddressMatch, str]:
    if not addresses and not ip_groups and not fqdns:
        return ANY_ADDRESS, "any"
    match, text = address_match(addresses, []) if addresses else (AddressMatch(), "")
    if match.any:
        return match, text
    refs = list(match.refs)
    shown = [text] if text else []
    for g in ip_groups:
        ref = f"azure:ipgroup:{key(g)}"
        refs_out[ref] = f"IP group {g.rstrip('/').rsplit('/', 1)[-1]}: its addresses are not in the snapshot"
        refs.append(ref)
        shown.append(f"IP group {g.rstrip('/').rsplit('/', 1)[-1]}")
    for f in fqdns:
        ref = f"azure:fqdn:{str(f).lower()}"
        refs_out[ref] = f"FQDN {f}: flightpath does not resolve names"
        refs.append(ref)
        shown.append(str(f))
    return AddressMatch(match.cidrs, tuple(refs)), ", ".join(shown)


def _network_rule(rule: dict[str, Any], label: str, action: Action, priority: int, ref: NativeRef,
                  warnings: list[str], refs_out: dict[str, str]) -> list[Rule]:
    rp = props(rule)
    where = f"{ref.name}: rule {label}"
    protos: list[int | None] = []
    for p in as_list(field(rp, "ipProtocols", "protocols")):
        text = lower(field(p, "protocolType") if isinstance(p, dict) else p)
        if text not in FW_PROTOCOLS:
            warnings.append(f"{where}: unknown protocol {p!r}; read as any")
        protos.append(FW_PROTOCOLS.get(text))
    if not protos or None in protos:
        protos = [None]
    ports = ports_of(as_list(field(rp, "destinationPorts")), where, warnings)
    src, src_text = _peer(as_list(field(rp, "sourceAddresses")),
                          [ref_id(g) or str(g) for g in as_list(field(rp, "sourceIpGroups"))], [], refs_out)
    dst, dst_text = _peer(as_list(field(rp, "destinationAddresses")),
                          [ref_id(g) or str(g) for g in as_list(field(rp, "destinationIpGroups"))],
                          as_list(field(rp, "destinationFqdns")), refs_out)
    out = []
    for proto in dict.fromkeys(protos):
        what = protocol_name(proto) + (" " + ",".join(map(str, ports)) if ports else "")
        for direction in (Direction.INGRESS, Direction.EGRESS):
            out.append(Rule(ref=ref, label=label, direction=direction, action=action, priority=priority,
                            protocol=proto, dst_ports=ports if proto in (6, 17, None) else None,
                            sources=src, destinations=dst,
                            summary=f"{action.value} {what} from {src_text} to {dst_text} (network rule)"))
    return out


def _action(coll_props: dict[str, Any]) -> Action:
    return Action.ALLOW if lower(field(field(coll_props, "action") or {}, "type")) == "allow" else Action.DENY


def _classic(fw: Res, rules: list, counts: dict[str, int], warnings: list[str], refs_out: dict[str, str]) -> None:
    for coll in seq(fw.p, "networkRuleCollections"):
        cp = props(coll)
        prio, action, cname = integer(field(cp, "priority"), 65000), _action(cp), name_of(coll)
        for i, rule in enumerate(seq(cp, "rules")):
            rname = name_of(rule) or str(i)
            ref = NativeRef("azure", "firewall-network-rule", f"{field(coll, 'id') or fw.id}/rules/{rname}",
                            f"{cname}/{rname}", fw.subscription, fw.location)
            rules.extend(_network_rule(rule, f"{cname}/{rname}", action, prio * 100000 + i, ref, warnings, refs_out))
    for name, kind in (("applicationRuleCollections", "application"), ("natRuleCollections", "DNAT")):
        for coll in seq(fw.p, name):
            counts[kind] += len(seq(props(coll), "rules"))


def _policy_chain(ctx: Context, policy_key: str) -> list[str]:
    chain: list[str] = []
    while policy_key and policy_key not in chain:
        chain.append(policy_key)
        pol = ctx.idx.get(K.FIREWALL_POLICY, policy_key)
        policy_key = key(ref_id(field(pol.p, "basePolicy"))) if pol else ""
    return list(reversed(chain))  # the base (parent) policy's rules come first


def _policy(ctx: Context, fw: Res, policy_key: str, rules: list, counts: dict[str, int],
            refs_out: dict[str, str]) -> str:
    """Rules of the policy chain; returns why they are missing ("" when present)."""
    warnings = ctx.est.warnings
    for level, pk in enumerate(_policy_chain(ctx, policy_key)):
        groups = ctx.idx.children(K.RULE_COLLECTION_GROUP, pk)
        pol = ctx.idx.get(K.FIREWALL_POLICY, pk)
        listed = [key(ref_id(g)) for g in as_list(field(pol.p, "ruleCollectionGroups"))] if pol else []
        absent = [g for g in listed if ctx.idx.get(K.RULE_COLLECTION_GROUP, g) is None]
        if absent or (not groups and pol is None):
            return ctx.why_missing("ruleCollectionGroups", f"rule collection groups of firewall policy {pk} are not "
                                                           "in the snapshot")
        for g in sorted(groups, key=lambda g: integer(field(g.p, "priority"), 65000)):
            gprio = integer(field(g.p, "priority"), 65000)
            for coll in seq(g.p, "ruleCollections"):
                cp = props(coll)
                cname, cprio = name_of(coll), integer(field(cp, "priority"), 65000)
                is_nat = "nat" in lower(field(cp, "ruleCollectionType"))
                for i, rule in enumerate(seq(cp, "rules")):
                    rtype = lower(field(rule, "ruleType"))
                    if is_nat or rtype == "natrule":
                        counts["DNAT"] += 1
                        continue
                    if rtype == "applicationrule":
                        counts["application"] += 1
                        continue
                    rname = name_of(rule) or str(i)
                    ref = NativeRef("azure", "firewall-policy-network-rule",
                                    f"{g.id}/ruleCollections/{cname}/rules/{rname}", f"{g.name}/{cname}/{rname}",
                                    g.subscription, g.location or fw.location)
                    prio = ((level * 100000 + gprio) * 100000 + cprio) * 100000 + i
                    rules.extend(_network_rule(rule, f"{g.name}/{cname}/{rname}", _action(cp), prio, ref, warnings,
                                               refs_out))
    return ""


def build_firewalls(ctx: Context) -> None:
    est = ctx.est
    refs_out: dict[str, str] = {}
    for fw in ctx.idx.all(K.FIREWALL):
        private, public, subnet_key = [], [], ""
        for j, ipc in enumerate(seq(fw.p, "ipConfigurations")):
            pp = props(ipc)
            addrs = _addresses(field(pp, "privateIPAddress"), f"{fw.where}.ipConfigurations[{j}]", est.warnings)
            private.extend(addrs)
            subnet_key = subnet_key or key(ref_id(field(pp, "subnet")))
            pub = pip_address(ctx, field(pp, "publicIPAddress")) if field(pp, "publicIPAddress") else None
            if pub is not None and addrs:
                public.append((addrs[0], pub))
        if not private or not subnet_key:
            est.warnings.append(f"Azure Firewall {fw.name} has no private IP in a virtual network subnet (a "
                                "secured virtual hub firewall?): not evaluated")
            continue
        rules: list[Rule] = []
        counts = {"application": 0, "DNAT": 0}
        policy_key = key(ref_id(field(fw.p, "firewallPolicy")))
        missing = ""
        if policy_key:
            missing = _policy(ctx, fw, policy_key, rules, counts, refs_out)
        _classic(fw, rules, counts, est.warnings, refs_out)
        est.rule_sets[fw.key] = RuleSet(fw.ref("azure-firewall"), tuple(sorted(rules, key=lambda r: r.priority)),
                                        stateful=True)
        stage = None if missing else FilterStage((FilterTier(TIER, (fw.key,), Ordering.FIRST_MATCH, Action.DENY,
                                                             block_code=FIREWALL_BLOCK),))
        vnet = ctx.vnet_of_subnet(subnet_key)
        est.interfaces[fw.key] = Interface(
            ref=fw.ref("azure-firewall"), network_id=vnet, subnet_id=subnet_key, private_ips=tuple(private),
            public_ips=tuple(public), stage=stage, forwards=True, stage_missing=missing)
        for ip in private:
            ctx.ip_holders.setdefault((vnet, int(ip)), fw.key)
        est.warnings.append(
            f"Azure Firewall {fw.name}: only its network rules are evaluated; application (FQDN) rules and DNAT "
            f"rules are not ({counts['application']} application and {counts['DNAT']} DNAT rules ignored), nor "
            "threat intelligence, IDPS or its SNAT toward the internet")
    for ref, why in refs_out.items():
        est.address_groups.setdefault(ref, AddressGroup(ref, (), missing=why))
