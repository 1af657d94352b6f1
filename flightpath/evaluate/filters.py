"""Rule matching and filter-stage evaluation, one shape for every cloud (DESIGN.md "Filtering").

A stage is an ordered list of tiers; the first tier that allows or denies decides, NEXT passes on, and a
stage whose tiers all pass allows. A tier is `union` (any matching allow admits; AWS SGs, OCI) or
`first_match` (lowest priority number decides; NACLs, NSGs, GCP), optionally with deny winning ties.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from flightpath.model import (
    Action,
    AddressMatch,
    Direction,
    FilterStage,
    FilterTier,
    IPAddress,
    Ordering,
    Rule,
    RuleSet,
)
from flightpath.model.flow import ICMP_PROTOCOLS, PORT_PROTOCOLS, Flow


class AddressSet(Protocol):
    def __contains__(self, addr: object) -> bool: ...


# ref -> (address set, or None when unresolvable; why unresolvable)
RefResolver = Callable[[str, str], tuple[AddressSet | None, str]]


class Unknown(Exception):
    """Raised inside matching when a rule's match depends on data the snapshot lacks."""


@dataclass(frozen=True, slots=True)
class StageResult:
    decision: Action  # ALLOW or DENY; NEXT never escapes a stage
    tier: FilterTier | None
    rule: Rule | None
    reason: str
    unknown: str = ""  # set when the decision could not be made (missing data)
    tracked: bool = False  # allowed as the reply of a tracked connection


def _address_in(match: AddressMatch, addr: IPAddress, resolve: RefResolver, network_id: str) -> bool:
    if match.any:
        return True
    for net in match.cidrs:
        if addr.version == net.version and addr in net:
            return True
    for ref in match.refs:
        members, why = resolve(ref, network_id)
        if members is None:
            raise Unknown(why)
        if addr in members:
            return True
    return False


def rule_matches(rule: Rule, pkt: Flow, resolve: RefResolver, network_id: str) -> bool:
    if rule.protocol is not None:
        if pkt.protocol != rule.protocol:
            return False
        if rule.protocol in PORT_PROTOCOLS:
            if rule.dst_ports is not None and not any(pkt.dst_port in r for r in rule.dst_ports):
                return False
            if rule.src_ports is not None and not any(pkt.src_port in r for r in rule.src_ports):
                return False
        elif rule.protocol in ICMP_PROTOCOLS:
            if rule.icmp_type is not None and pkt.icmp_type != rule.icmp_type:
                return False
            if rule.icmp_code is not None and pkt.icmp_code != rule.icmp_code:
                return False
    elif rule.dst_ports is not None or rule.src_ports is not None:
        # "all protocols" with ports (Azure "*" protocol with a port): only port-carrying packets match
        if pkt.protocol not in PORT_PROTOCOLS:
            return False
        if rule.dst_ports is not None and not any(pkt.dst_port in r for r in rule.dst_ports):
            return False
        if rule.src_ports is not None and not any(pkt.src_port in r for r in rule.src_ports):
            return False
    return (_address_in(rule.sources, pkt.src, resolve, network_id)
            and _address_in(rule.destinations, pkt.dst, resolve, network_id))


def _tier_rules(tier: FilterTier, rule_sets: dict[str, RuleSet], direction: Direction) -> list[tuple[Rule, str]]:
    out: list[tuple[Rule, str]] = []
    for rid in tier.rule_set_ids:
        rs = rule_sets[rid]
        out.extend((r, rs.network_id) for r in rs.rules if r.direction is direction)
    if tier.ordering is Ordering.FIRST_MATCH:
        if tier.deny_wins_ties:
            out.sort(key=lambda rn: (rn[0].priority, rn[0].action is not Action.DENY))
        else:
            out.sort(key=lambda rn: rn[0].priority)
    elif any(r.stateless for r, _n in out):
        # A union tier with per-rule state: where a stateful and a stateless rule both match, the stateless
        # one decides and the connection is not tracked (OCI: "If traffic matches both a stateful and a
        # stateless rule in a direction, the stateless rule takes precedence and the connection is not
        # tracked", https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm).
        out.sort(key=lambda rn: rn[0].stateless is not True)
    return out


def tier_is_stateful(tier: FilterTier, rule_sets: dict[str, RuleSet]) -> bool:
    return all(rule_sets[r].stateful for r in tier.rule_set_ids if r in rule_sets)


def evaluate_tier(tier: FilterTier, rules: list[tuple[Rule, str]], direction: Direction, pkt: Flow,
                  resolve: RefResolver) -> tuple[Action, Rule | None, str]:
    """(ALLOW/DENY/NEXT, matched rule, unknown-reason). Raises nothing; unknown comes back as text."""
    pending_unknown = ""
    for rule, network_id in rules:
        try:
            hit = rule_matches(rule, pkt, resolve, network_id)
        except Unknown as exc:
            if tier.ordering is Ordering.FIRST_MATCH:
                return Action.NEXT, rule, str(exc)
            pending_unknown = pending_unknown or str(exc)
            continue
        if not hit:
            continue
        if tier.ordering is Ordering.UNION:
            if rule.action is Action.ALLOW:
                return Action.ALLOW, rule, ""
            continue
        return rule.action, rule, ""
    if pending_unknown:
        return Action.NEXT, None, pending_unknown
    return tier.default, None, ""


def evaluate_stage(stage: FilterStage, direction: Direction, pkt: Flow, rule_sets: dict[str, RuleSet],
                   resolve: RefResolver, tracked_tiers: set[str] | None = None,
                   place: str = "", network_id: str = "") -> StageResult:
    """Evaluate one filter stage. `tracked_tiers`: for a reply, the keys ("place|tier label") of the
    stateful tiers the forward packet passed: those allow the reply without consulting rules."""
    last: StageResult | None = None
    for tier in stage.tiers:
        missing = [r for r in tier.rule_set_ids if r not in rule_sets]
        if missing:
            return StageResult(Action.DENY, tier, None, "", unknown=f"{', '.join(missing)} not in the snapshot")
        if tracked_tiers is not None and f"{place}|{tier.label}" in tracked_tiers and tier_is_stateful(tier, rule_sets):
            return StageResult(Action.ALLOW, tier, None, f"reply of a connection tracked by the {tier.label}",
                               tracked=True)
        rules = _tier_rules(tier, rule_sets, direction)
        if network_id:  # resolve group references in the context of the place being evaluated
            rules = [(r, network_id) for r, _n in rules]
        action, rule, unknown = evaluate_tier(tier, rules, direction, pkt, resolve)
        if unknown:
            return StageResult(Action.DENY, tier, rule, "", unknown=unknown)
        if action is Action.NEXT:
            last = StageResult(Action.ALLOW, tier, rule, f"{tier.label}: no decision, passed on")
            continue
        verb = "allows" if action is Action.ALLOW else "denies"
        if rule is None:
            # the rule sets the user configured; a provider's built-in set (RuleSet.builtin) is not one to look up
            ids = ", ".join(r for r in tier.rule_set_ids if r not in rule_sets or not rule_sets[r].builtin) or "none"
            return StageResult(action, tier, None, f"{tier.label} ({ids}) {verb}: no rule matched, implicit "
                                                   f"{'deny' if action is Action.DENY else 'allow'}")
        return StageResult(action, tier, rule, f"{tier.label} {verb}")
    return last or StageResult(Action.ALLOW, None, None, "no filter rules apply")
