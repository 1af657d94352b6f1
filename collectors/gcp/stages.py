"""The filter stage of a VM NIC: GCP's tiers in their documented order (pure).

Order (https://cloud.google.com/firewall/docs/firewall-policies-rule-eval-order), one FIRST_MATCH tier each,
deny winning ties, `goto_next` and "no rule matched" passing on to the next tier:
  0. always-blocked / always-allowed traffic (https://cloud.google.com/firewall/docs/firewalls#blockedtraffic,
     #alwaysallowed): the metadata server 169.254.169.254 is always reachable; egress TCP 25 to an external
     address is always blocked (code TRAFFIC_TYPE_BLOCKED);
  1. hierarchical firewall policies, organization first, then folders top-down;
  2. VPC firewall rules and 3. global, 4. regional network firewall policies, swapped when the network's
     `networkFirewallPolicyEnforcementOrder` is BEFORE_CLASSIC_FIREWALL (default AFTER_CLASSIC_FIREWALL);
  5. the implied rules (firewalls#default_firewall_rules): deny all ingress, allow all egress, priority 65535.
Only the rules whose targets select the VM are in its tiers; VMs that select the same rules share one
RuleSet per tier, so thousands of identical VMs cost one set of objects.

Ground truth: when `networks.getEffectiveFirewalls` was collected for a network, its `firewalls` (VPC rules)
and `firewallPolicys` (HIERARCHY in the order listed, SYSTEM, then NETWORK / NETWORK_REGIONAL) replace what the
lists say for that network: it already resolved which organization and folder policies apply (the folder
tree is not in the Compute API). Without it, every hierarchical policy in the snapshot that has an
association applies to every network (organization-level first), with a warning.

Example: a VM tagged `web` in network n1 with VPC rules allow-web (targetTags web) and deny-all (no target)
→ FilterStage(tiers=(always-blocked traffic, VPC firewall rules [RuleSet n1#vpc#1: allow-web, deny-all],
implied rules)).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from dataclasses import dataclass, field

from flightpath.model import (
    Action, AddressMatch, Direction, FilterStage, FilterTier, IPNetwork, NativeRef, Ordering, Rule,
    RuleSet,
)
from flightpath.model.addresses import RFC1918, RFC6598
from flightpath.model.interning import port_range

from flightpath.collectors.gcp.codes import BLOCKED_TRAFFIC, FIREWALL_RULE
from flightpath.collectors.gcp.firewall import FwRule, policy_rule, vpc_rule
from flightpath.collectors.gcp.index import Context
from flightpath.collectors.gcp.links import Item, as_list, key
from flightpath.collectors.gcp.links import item as make_item

METADATA = ipaddress.ip_network("169.254.169.254/32")


@dataclass
class Policy:
    ref_key: str
    kind: str  # "hierarchy" | "network" | "regional"
    label: str
    rules: list[FwRule]
    networks: set[str] = field(default_factory=set)
    region: str = ""
    org_level: bool = False
    associated: bool = False


def _policy(ctx: Context, item: Item, kind: str) -> Policy:
    b = item.body
    label = str(b.get("displayName") or b.get("shortName") or item.name)
    rules = [policy_rule(r, item, f"{item.where}.rules[{i}]", ctx.est, label)
             for i, r in enumerate(as_list(b.get("rules"), f"{item.where}.rules"))]
    assoc = as_list(b.get("associations"), f"{item.where}.associations")
    targets = [str(a.get("attachmentTarget", "")) for a in assoc if isinstance(a, dict)]
    return Policy(item.key, kind, label, rules, {key(t) for t in targets if "networks/" in t}, item.region,
                  any(t.startswith("organizations/") for t in targets), bool(targets))


def _kind_of(policy_key: str, declared: str = "") -> str:
    declared = declared.upper()
    if declared == "HIERARCHY" or policy_key.startswith("locations/"):
        return "hierarchy"
    if declared.startswith("SYSTEM"):
        return "system"
    if declared == "NETWORK_REGIONAL" or "/regions/" in policy_key:
        return "regional"
    return "network"


class Stages:
    """Builds (memoised) the filter stage for each (network, region, tags, service accounts)."""

    def __init__(self, ctx: Context, networks: dict[str, Item]) -> None:
        self.ctx = ctx
        self.order = {k: str(n.get("networkFirewallPolicyEnforcementOrder") or "AFTER_CLASSIC_FIREWALL").upper()
                      for k, n in networks.items()}
        self.vpc: dict[str, list[FwRule]] = {}
        for item in ctx.idx.all("firewall"):
            rule = vpc_rule(item)
            self.vpc.setdefault(rule.network, []).append(rule)
        listed = [_policy(ctx, i, _kind_of(i.key)) for i in ctx.idx.all("firewallPolicy")]
        self.hierarchy = sorted((p for p in listed if p.kind == "hierarchy" and p.associated),
                                key=lambda p: not p.org_level)
        self.network_policies = [p for p in listed if p.kind != "hierarchy"]
        self.effective: dict[str, tuple[list[FwRule], list[Policy]]] = {}
        for doc in ctx.idx.effective:
            self._read_effective(doc, networks)
        if self.hierarchy and set(networks) - set(self.effective):
            ctx.est.warnings.append("hierarchical firewall policies applied to every network without "
                                    "getEffectiveFirewalls (the folder tree is not in the Compute API)")
        self.internal: dict[str, tuple[IPNetwork, ...]] = {}  # network -> its subnet ranges (set by normalize)
        self._stages: dict[tuple, FilterStage] = {}
        self._sets: dict[tuple, str] = {}

    def _read_effective(self, doc, networks: dict[str, Item]) -> None:
        name = doc.resource_id.rsplit("/", 1)[-1]
        project = doc.scope.get("project", "")
        net = next((k for k in networks if k.endswith(f"/global/networks/{name}")
                    and (not project or k.startswith(f"projects/{project}/"))), "")
        if not net:
            self.ctx.est.warnings.append(f"{doc.path}: effective firewalls of network {name!r}, which is not in "
                                         "the snapshot; ignored")
            return
        body = doc.body
        vpc = [vpc_rule(make_item(dict(f, network=f.get("network") or net), key(f.get("selfLink")) or
                             f"{net.rsplit('/global/', 1)[0]}/global/firewalls/{f.get('name')}", project,
                             f"{doc.path}: firewalls[{i}]"))
               for i, f in enumerate(as_list(body.get("firewalls"), f"{doc.path}.firewalls"))]
        policies = []
        for i, p in enumerate(as_list(body.get("firewallPolicys"), f"{doc.path}.firewallPolicys")):
            kind = _kind_of("", str(p.get("type", "")))
            pkey = (f"locations/global/firewallPolicies/{p.get('name')}" if kind == "hierarchy"
                    else f"{net.rsplit('/global/', 1)[0]}/global/firewallPolicies/{p.get('name')}")
            item = make_item(p, pkey, project, f"{doc.path}: firewallPolicys[{i}]")
            pol = _policy(self.ctx, item, kind)
            pol.networks = {net}
            policies.append(pol)
        self.effective[net] = (vpc, policies)

    # --- tiers ------------------------------------------------------------------------------------
    def stage(self, network: str, region: str, tags: frozenset[str], sas: frozenset[str]) -> FilterStage:
        memo = (network, region, tags, sas)
        got = self._stages.get(memo)
        if got is None:
            got = self._stages[memo] = FilterStage(tuple(self._tiers(network, region, tags, sas)))
        return got

    def _tiers(self, network: str, region: str, tags: frozenset[str], sas: frozenset[str]) -> list[FilterTier]:
        if network in self.effective:
            vpc, policies = self.effective[network]
            # system policies (step 2 of the order) right after the hierarchical ones
            hierarchy = [p for p in policies if p.kind == "hierarchy"] + [p for p in policies if p.kind == "system"]
            netpol = [p for p in policies if p.kind not in ("hierarchy", "system")]
        else:
            vpc, hierarchy = self.vpc.get(network, []), self.hierarchy
            netpol = [p for p in self.network_policies if network in p.networks]
        tiers = [self._always(network)]
        for p in hierarchy:
            tiers += self._tier(f"{'system' if p.kind == 'system' else 'hierarchical'} policy {p.label}", p.ref_key,
                                p.rules, network, tags, sas)
        classic = self._tier("VPC firewall rules", f"{network}#vpc", vpc, network, tags, sas, NativeRef(
            "gcp", "vpc-firewall-rules", f"{network}#firewalls", f"VPC firewall rules of {network.rsplit('/', 1)[-1]}",
            network.split("/")[1] if network.startswith("projects/") else ""))
        policy_tiers: list[FilterTier] = []
        for p in sorted(netpol, key=lambda p: p.kind == "regional"):
            if p.kind == "regional" and p.region and p.region != region:
                continue
            policy_tiers += self._tier(f"{'regional' if p.kind == 'regional' else 'network'} policy {p.label}",
                                       p.ref_key, p.rules, network, tags, sas)
        before = self.order.get(network) == "BEFORE_CLASSIC_FIREWALL"
        tiers += (policy_tiers + classic) if before else (classic + policy_tiers)
        tiers.append(self._implied(network))
        return tiers

    def _tier(self, label: str, source: str, rules: list[FwRule], network: str, tags: frozenset[str],
              sas: frozenset[str], ref: NativeRef | None = None) -> list[FilterTier]:
        chosen = tuple(i for i, r in enumerate(rules) if r.selects(network, tags, sas))
        if not chosen:
            return []
        memo = (source, network, chosen)
        rid = self._sets.get(memo)
        if rid is None:
            rid = f"{source}#{network}#{len(self._sets)}"
            self._sets[memo] = rid
            if ref is None:
                ref = NativeRef("gcp", "firewall-policy", source, label.split(" ", 2)[-1])
            self.ctx.est.rule_sets[rid] = RuleSet(ref, tuple(x for i in chosen for x in rules[i].rules),
                                                  stateful=True, network_id=network)
        return [FilterTier(label, (rid,), Ordering.FIRST_MATCH, Action.NEXT, True, FIREWALL_RULE)]

    def _implied(self, network: str) -> FilterTier:
        rid = f"{network}#implied"
        if rid not in self.ctx.est.rule_sets:
            ref = NativeRef("gcp", "implied-firewall-rules", rid, "implied rules")
            self.ctx.est.rule_sets[rid] = RuleSet(ref, (
                Rule(ref, "implied deny ingress", Direction.INGRESS, Action.DENY, 65535),
                Rule(ref, "implied allow egress", Direction.EGRESS, Action.ALLOW, 65535)), True, network)
        return FilterTier("implied rules", (rid,), Ordering.FIRST_MATCH, Action.DENY, True, FIREWALL_RULE)

    def _always(self, network: str) -> FilterTier:
        rid = f"{network}#always"
        if rid not in self.ctx.est.rule_sets:
            ref = NativeRef("gcp", "always-blocked-traffic", rid, "always allowed / always blocked traffic")
            meta = AddressMatch((METADATA,))
            external = _external_match(tuple(n for n in self.internal.get(network, ()) if n.version == 4 and not any(
                n.subnet_of(p) for p in RFC1918 + (RFC6598,))))
            self.ctx.est.rule_sets[rid] = RuleSet(ref, (
                Rule(ref, "metadata server (always allowed)", Direction.EGRESS, Action.ALLOW, 0, destinations=meta),
                Rule(ref, "metadata server (always allowed)", Direction.INGRESS, Action.ALLOW, 0, sources=meta),
                Rule(ref, "egress TCP 25 to an external address (always blocked)", Direction.EGRESS, Action.DENY, 1,
                     protocol=6, dst_ports=port_range(25, 25), destinations=external),
            ), True, network)
        return FilterTier("always-blocked traffic", (rid,), Ordering.FIRST_MATCH, Action.NEXT, True, BLOCKED_TRAFFIC)


@lru_cache(maxsize=None)
def _external_match(public_internal: tuple[IPNetwork, ...]) -> AddressMatch:
    """One shared match per distinct set of privately used public ranges (usually none)."""
    return AddressMatch(external_ranges(public_internal))


def external_ranges(internal: tuple[IPNetwork, ...]) -> tuple[IPNetwork, ...]:
    """IPv4 space minus RFC 1918, RFC 6598 and the network's own subnet ranges (which may be privately used
    public ranges): the 'external IP addresses' TCP 25 may not reach."""
    out = [ipaddress.ip_network("0.0.0.0/0")]
    for hole in RFC1918 + (RFC6598,) + tuple(n for n in internal if n.version == 4):
        nxt = []
        for n in out:
            if hole.subnet_of(n):
                nxt.extend(n.address_exclude(hole))
            elif not n.subnet_of(hole):
                nxt.append(n)
        out = nxt
    return tuple(sorted(out))
