"""Unit tests of rule matching and filter tiers (flightpath.evaluate.filters) and of route selection
(flightpath.topology.routes), with the cloud semantics each construct stands for:

- union of allows: AWS security groups ("the rules from each group are aggregated"), OCI security lists;
- first match by number/priority: AWS NACLs ("evaluated starting with the lowest numbered rule"), Azure NSGs;
- deny wins ties: GCP ("DENY rules take precedence over ALLOW rules if they have equal priority");
- NEXT passes on: GCP firewall policies' goto_next;
- longest prefix then rank: AWS route-tables-priority (static 0 > prefix list 1 > propagated 2);
- pinned / yields_to_pinned: Azure "System routes for traffic related to virtual network, virtual network
  peerings, or virtual network service endpoints, are preferred routes, even if BGP routes are more specific."
"""

from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest

from flightpath.evaluate.filters import Unknown, evaluate_stage, evaluate_tier, rule_matches
from flightpath.model import (
    ANY_ADDRESS,
    Action,
    AddressMatch,
    Direction,
    FilterStage,
    FilterTier,
    NativeRef,
    Ordering,
    PortRange,
    Route,
    Rule,
    RuleSet,
    TargetKind,
)
from flightpath.model.flow import Flow
from flightpath.topology.routes import PrefixTable, compile_routes, select

REF = NativeRef("test", "rule-set", "rs-1")
IN = Direction.INGRESS


def rule(label: str = "r", *, action: Action = Action.ALLOW, priority: int = 0, protocol: int | None = None,
         ports: tuple[int, int] | None = None, src_ports: tuple[int, int] | None = None,
         icmp_type: int | None = None, icmp_code: int | None = None, src: AddressMatch = ANY_ADDRESS,
         dst: AddressMatch = ANY_ADDRESS, direction: Direction = IN, ref: NativeRef = REF) -> Rule:
    return Rule(ref=ref, label=label, direction=direction, action=action, priority=priority, protocol=protocol,
                dst_ports=(PortRange(*ports),) if ports else None,
                src_ports=(PortRange(*src_ports),) if src_ports else None,
                icmp_type=icmp_type, icmp_code=icmp_code, sources=src, destinations=dst, summary=label)


def cidrs(*nets: str) -> AddressMatch:
    return AddressMatch(cidrs=tuple(ip_network(n) for n in nets))


def tcp(dst_port: int = 443, src: str = "10.0.0.1", dst: str = "10.0.1.1", src_port: int = 49152) -> Flow:
    return Flow.build(6, ip_address(src), ip_address(dst), dst_port=dst_port, src_port=src_port)


MEMBERS = {"grp": {ip_address("10.0.0.1")}}


def resolver(ref: str, network_id: str):
    if ref in MEMBERS:
        return MEMBERS[ref], ""
    return None, f"{ref} not in the snapshot"


def matches(r: Rule, pkt: Flow, resolve=resolver) -> bool:
    return rule_matches(r, pkt, resolve, "")


# ====================================================================================================
# rule matching
# ====================================================================================================

class TestRuleMatches:
    def test_protocol_none_matches_every_protocol(self) -> None:
        r = rule()
        assert matches(r, tcp()) and matches(r, Flow.build(17, ip_address("10.0.0.1"), ip_address("10.0.1.1"), 53))
        assert matches(r, Flow.build(50, ip_address("10.0.0.1"), ip_address("10.0.1.1")))
        assert matches(r, Flow.build(None, ip_address("10.0.0.1"), ip_address("10.0.1.1")))

    def test_protocol_must_equal(self) -> None:
        assert matches(rule(protocol=6), tcp())
        assert not matches(rule(protocol=17), tcp())
        assert not matches(rule(protocol=6), Flow.build(None, ip_address("10.0.0.1"), ip_address("10.0.1.1"))), \
            "a flow of every protocol is matched only by an every-protocol rule"

    @pytest.mark.parametrize("port,hit", [(1023, False), (1024, True), (40000, True), (65535, True)])
    def test_port_range_is_inclusive(self, port: int, hit: bool) -> None:
        assert matches(rule(protocol=6, ports=(1024, 65535)), tcp(port)) is hit

    def test_source_ports(self) -> None:
        r = rule(protocol=6, src_ports=(32768, 61000))
        assert matches(r, tcp(src_port=49152)) and not matches(r, tcp(src_port=1025))

    def test_ports_do_not_apply_to_portless_protocols(self) -> None:
        """A rule for protocol 50 with no ports matches ESP; AWS: protocols other than TCP/UDP/ICMP have no ports."""
        esp = Flow.build(50, ip_address("10.0.0.1"), ip_address("10.0.1.1"))
        assert matches(rule(protocol=50), esp)
        assert not matches(rule(protocol=51), esp)

    def test_icmp_type_and_code(self) -> None:
        echo = Flow.build(1, ip_address("10.0.0.1"), ip_address("10.0.1.1"), icmp_type=8, icmp_code=0)
        unreachable = Flow.build(1, ip_address("10.0.0.1"), ip_address("10.0.1.1"), icmp_type=3, icmp_code=4)
        assert matches(rule(protocol=1), echo)  # every type/code
        assert matches(rule(protocol=1, icmp_type=8), echo) and not matches(rule(protocol=1, icmp_type=8), unreachable)
        assert matches(rule(protocol=1, icmp_type=3, icmp_code=4), unreachable)
        assert not matches(rule(protocol=1, icmp_type=3, icmp_code=1), unreachable)

    def test_icmpv6_flow_for_ipv6(self) -> None:
        f = Flow.build(1, ip_address("2001:db8::1"), ip_address("2001:db8::2"))
        assert f.protocol == 58 and f.icmp_type == 128
        assert matches(rule(protocol=58, icmp_type=128), f) and not matches(rule(protocol=1), f)

    def test_all_protocols_with_ports_matches_port_protocols_only(self) -> None:
        """Azure "*" protocol with a destination port: only packets that carry ports can match."""
        r = rule(protocol=None, ports=(443, 443))
        assert matches(r, tcp(443)) and not matches(r, tcp(80))
        assert not matches(r, Flow.build(1, ip_address("10.0.0.1"), ip_address("10.0.1.1")))

    def test_cidrs_by_containment_and_version(self) -> None:
        r = rule(src=cidrs("10.0.0.0/8", "2001:db8::/32"))
        assert matches(r, tcp(src="10.200.3.4"))
        assert not matches(r, tcp(src="11.0.0.1"))
        assert matches(r, Flow.build(6, ip_address("2001:db8::9"), ip_address("2001:db8::1"), 443))
        assert not matches(rule(src=cidrs("::/0")), tcp()), "an IPv6 range never matches an IPv4 address"
        # CIDRs compare as networks, never as strings: 10.0.0.0/8 does not cover 100.0.0.1
        assert not matches(rule(src=cidrs("10.0.0.0/8")), tcp(src="100.0.0.1"))

    def test_destination_match(self) -> None:
        r = rule(dst=cidrs("10.0.1.0/24"), direction=Direction.EGRESS)
        assert matches(r, tcp(dst="10.0.1.9")) and not matches(r, tcp(dst="10.0.2.9"))

    def test_group_reference_resolves_members(self) -> None:
        r = rule(src=AddressMatch(refs=("grp",)))
        assert matches(r, tcp(src="10.0.0.1")) and not matches(r, tcp(src="10.0.0.2"))

    def test_unresolvable_reference_is_unknown_not_false(self) -> None:
        with pytest.raises(Unknown, match="ghost not in the snapshot"):
            matches(rule(src=AddressMatch(refs=("ghost",))), tcp())

    def test_literal_cidr_decides_before_an_unresolvable_ref(self) -> None:
        r = rule(src=AddressMatch(cidrs=(ip_network("10.0.0.0/24"),), refs=("ghost",)))
        assert matches(r, tcp(src="10.0.0.1"))


# ====================================================================================================
# tiers and stages
# ====================================================================================================

def rules_of(*rs: Rule) -> list[tuple[Rule, str]]:
    return [(r, "") for r in rs]


def tier(ordering: Ordering, default: Action = Action.DENY, *, ids: tuple[str, ...] = ("rs-1",),
         deny_wins_ties: bool = False, label: str = "t") -> FilterTier:
    return FilterTier(label, ids, ordering, default, deny_wins_ties, block_code="CODE")


class TestUnionTier:
    def test_any_allow_admits_whatever_the_order(self) -> None:
        t = tier(Ordering.UNION)
        a = rule("a", protocol=6, ports=(22, 22))
        b = rule("b", protocol=6, ports=(443, 443))
        for order in ((a, b), (b, a)):
            action, matched, unknown = evaluate_tier(t, rules_of(*order), IN, tcp(443), resolver)
            assert (action, matched.label, unknown) == (Action.ALLOW, "b", "")

    def test_nothing_matches_default_deny(self) -> None:
        action, matched, unknown = evaluate_tier(tier(Ordering.UNION), rules_of(rule(protocol=17)), IN, tcp(), resolver)
        assert (action, matched, unknown) == (Action.DENY, None, "")

    def test_unknown_reference_decides_only_when_nothing_allows(self) -> None:
        ghost = rule("ghost", src=AddressMatch(refs=("ghost",)))
        ok = rule("ok", protocol=6, ports=(443, 443))
        action, matched, unknown = evaluate_tier(tier(Ordering.UNION), rules_of(ghost, ok), IN, tcp(443), resolver)
        assert (action, matched.label) == (Action.ALLOW, "ok")
        action, _m, unknown = evaluate_tier(tier(Ordering.UNION), rules_of(ghost, ok), IN, tcp(80), resolver)
        assert action is Action.NEXT and "ghost" in unknown

    def test_next_default_passes_on(self) -> None:
        action, matched, _u = evaluate_tier(tier(Ordering.UNION, Action.NEXT), [], IN, tcp(), resolver)
        assert (action, matched) == (Action.NEXT, None)


def stage_eval(*tiers_and_rules: tuple[FilterTier, list[Rule]], stateful: bool = False, pkt: Flow | None = None,
               tracked: set[str] | None = None):
    rule_sets = {}
    tiers = []
    for i, (t, rs) in enumerate(tiers_and_rules):
        rid = f"rs-{i}"
        rule_sets[rid] = RuleSet(NativeRef("test", "rule-set", rid), tuple(rs), stateful=stateful)
        tiers.append(FilterTier(t.label if t.label != "t" else f"tier{i}", (rid,), t.ordering, t.default,
                                t.deny_wins_ties, t.block_code))
    return evaluate_stage(FilterStage(tuple(tiers)), IN, pkt or tcp(), rule_sets, resolver, tracked, "place")


class TestFirstMatchTier:
    def test_lowest_number_wins_not_list_order(self) -> None:
        """AWS NACL: deny 90 is evaluated before allow 100 whatever the order they are listed in."""
        res = stage_eval((tier(Ordering.FIRST_MATCH), [rule("100", priority=100),
                                                      rule("90", priority=90, action=Action.DENY)]))
        assert (res.decision, res.rule.label) == (Action.DENY, "90")

    def test_numbers_compare_as_numbers(self) -> None:
        res = stage_eval((tier(Ordering.FIRST_MATCH), [rule("100", priority=100, action=Action.DENY),
                                                      rule("20", priority=20)]))
        assert res.rule.label == "20" and res.decision is Action.ALLOW

    def test_first_match_ignores_later_contradiction(self) -> None:
        res = stage_eval((tier(Ordering.FIRST_MATCH), [rule("100", priority=100, protocol=6),
                                                      rule("200", priority=200, action=Action.DENY)]))
        assert (res.decision, res.rule.label) == (Action.ALLOW, "100")

    def test_no_match_is_implicit_deny(self) -> None:
        res = stage_eval((tier(Ordering.FIRST_MATCH), [rule("100", priority=100, protocol=17)]))
        assert res.decision is Action.DENY and res.rule is None and "implicit deny" in res.reason

    def test_deny_wins_ties_when_the_cloud_says_so(self) -> None:
        """GCP: DENY takes precedence over ALLOW at equal priority; without the flag, listing order stays."""
        allow, deny = rule("allow", priority=1000), rule("deny", priority=1000, action=Action.DENY)
        res = stage_eval((tier(Ordering.FIRST_MATCH, deny_wins_ties=True), [allow, deny]))
        assert (res.decision, res.rule.label) == (Action.DENY, "deny")
        res = stage_eval((tier(Ordering.FIRST_MATCH), [allow, deny]))
        assert res.decision is Action.ALLOW

    def test_unknown_reference_before_the_decision_is_unknown(self) -> None:
        """First match: if an earlier rule's peer cannot be resolved, what comes after cannot decide."""
        res = stage_eval((tier(Ordering.FIRST_MATCH), [rule("10", priority=10, action=Action.DENY,
                                                             src=AddressMatch(refs=("ghost",))),
                                                        rule("20", priority=20)]))
        assert res.unknown and "ghost" in res.unknown

    def test_unknown_reference_after_the_decision_does_not_matter(self) -> None:
        res = stage_eval((tier(Ordering.FIRST_MATCH), [rule("10", priority=10),
                                                        rule("20", priority=20, src=AddressMatch(refs=("ghost",)))]))
        assert res.decision is Action.ALLOW and not res.unknown


class TestStages:
    def test_next_rule_passes_to_the_next_tier(self) -> None:
        """GCP goto_next: the org policy passes on, the VPC tier denies."""
        res = stage_eval((tier(Ordering.FIRST_MATCH, label="org"), [rule("1", priority=1, action=Action.NEXT)]),
                         (tier(Ordering.FIRST_MATCH, label="vpc"), [rule("2", priority=2, action=Action.DENY)]))
        assert (res.decision, res.tier.label, res.rule.label) == (Action.DENY, "vpc", "2")

    def test_first_deciding_tier_wins(self) -> None:
        res = stage_eval((tier(Ordering.FIRST_MATCH, label="org"), [rule("1", priority=1)]),
                         (tier(Ordering.FIRST_MATCH, label="vpc"), [rule("2", priority=2, action=Action.DENY)]))
        assert (res.decision, res.tier.label) == (Action.ALLOW, "org")

    def test_every_tier_passing_on_allows(self) -> None:
        res = stage_eval((tier(Ordering.FIRST_MATCH, Action.NEXT, label="org"), []),
                         (tier(Ordering.UNION, Action.NEXT, label="net"), []))
        assert res.decision is Action.ALLOW

    def test_missing_rule_set_is_unknown(self) -> None:
        st = FilterStage((FilterTier("security groups", ("sg-ghost",), Ordering.UNION),))
        res = evaluate_stage(st, IN, tcp(), {}, resolver)
        assert "sg-ghost" in res.unknown

    def test_tracked_reply_of_a_stateful_tier_is_allowed_without_rules(self) -> None:
        res = stage_eval((tier(Ordering.UNION, label="sg"), []), stateful=True, tracked={"place|sg"})
        assert res.decision is Action.ALLOW and res.tracked

    def test_stateless_tier_is_never_tracked(self) -> None:
        """AWS NACLs are stateless: the reply needs its own allow even when the request passed."""
        res = stage_eval((tier(Ordering.FIRST_MATCH, label="nacl"), []), stateful=False, tracked={"place|nacl"})
        assert res.decision is Action.DENY and not res.tracked


# ====================================================================================================
# routing
# ====================================================================================================

def route(dest: str, target: str, rank: int = 0, **kw) -> Route:
    return Route(ip_network(dest), TargetKind.GATEWAY, target, rank=rank, label=f"{dest} -> {target}", **kw)


def pick(routes: list[Route], addr: str):
    return select(compile_routes([(r.destination, r) for r in routes]), ip_address(addr))


class TestPrefixTable:
    def test_longest_and_order_of_matches(self) -> None:
        t = PrefixTable()
        for n in ("0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32"):
            t.add(ip_network(n), n)
        t.freeze()
        assert t.longest(ip_address("10.1.2.3"))[1] == ["10.1.2.3/32"]
        assert [vals[0] for _n, vals in t.matches(ip_address("10.1.2.9"))] == [
            "10.1.2.0/24", "10.1.0.0/16", "10.0.0.0/8", "0.0.0.0/0"]
        assert t.longest(ip_address("192.0.2.1"))[1] == ["0.0.0.0/0"]

    def test_ipv4_and_ipv6_are_independent(self) -> None:
        t = PrefixTable()
        t.add(ip_network("0.0.0.0/0"), "v4-default")
        t.freeze()
        assert t.longest(ip_address("2001:db8::1")) is None
        t6 = PrefixTable()
        t6.add(ip_network("::/0"), "v6-default")
        t6.add(ip_network("2600:1f18:1:100::/56"), "vpc")
        t6.freeze()
        assert t6.longest(ip_address("2600:1f18:1:101::10"))[1] == ["vpc"]
        assert t6.longest(ip_address("10.0.0.1")) is None

    def test_several_values_for_one_prefix(self) -> None:
        t = PrefixTable()
        t.add(ip_network("10.0.0.0/16"), "a")
        t.add(ip_network("10.0.0.0/16"), "b")
        t.freeze()
        assert t.longest(ip_address("10.0.1.1"))[1] == ["a", "b"]


class TestSelect:
    def test_longest_prefix_wins_over_rank(self) -> None:
        """AWS route-tables-priority: longest prefix first, whatever the route type."""
        m = pick([route("10.0.0.0/8", "static", rank=0), route("10.1.0.0/16", "propagated", rank=2)], "10.1.2.3")
        assert m.route.target_id == "propagated" and str(m.destination) == "10.1.0.0/16"

    def test_same_prefix_lowest_rank_wins(self) -> None:
        """AWS: static (0) beats prefix list (1) beats propagated (2) for the same destination."""
        rs = [route("172.16.0.0/16", "vgw", rank=2), route("172.16.0.0/16", "pl", rank=1),
              route("172.16.0.0/16", "pcx", rank=0)]
        m = pick(rs, "172.16.1.1")
        assert m.route.target_id == "pcx"
        assert [r.target_id for r in m.shadowed] == ["pl", "vgw"]
        assert pick(rs[:2], "172.16.1.1").route.target_id == "pl"

    def test_no_match(self) -> None:
        assert pick([route("10.0.0.0/8", "x")], "192.168.1.1") is None

    def test_ipv6(self) -> None:
        rs = [route("::/0", "eigw"), route("2600:1f18:1:100::/56", "local")]
        assert pick(rs, "2600:1f18:1:1ff::1").route.target_id == "local"
        assert pick(rs, "2001:4860:4860::8888").route.target_id == "eigw"
        assert pick(rs, "8.8.8.8") is None

    def test_pinned_route_beats_a_more_specific_yielding_route(self) -> None:
        """Azure: a VNet system route (pinned) is preferred even if a BGP route (yields_to_pinned) is more
        specific."""
        rs = [route("10.0.0.0/16", "vnet", rank=2, pinned=True), route("10.0.1.0/24", "bgp", rank=1,
                                                                         yields_to_pinned=True)]
        m = pick(rs, "10.0.1.5")
        assert m.route.target_id == "vnet" and str(m.destination) == "10.0.0.0/16"

    def test_yielding_route_used_when_no_pinned_route_covers(self) -> None:
        rs = [route("0.0.0.0/0", "internet", rank=2), route("10.0.1.0/24", "bgp", rank=1, yields_to_pinned=True)]
        assert pick(rs, "10.0.1.5").route.target_id == "bgp"

    def test_more_specific_ordinary_route_beats_pinned(self) -> None:
        """A user-defined route (not yielding) that is more specific wins over the pinned system route."""
        rs = [route("10.0.0.0/16", "vnet", rank=2, pinned=True), route("10.0.1.0/24", "nva", rank=0)]
        assert pick(rs, "10.0.1.5").route.target_id == "nva"

    def test_same_prefix_user_route_beats_yielding_bgp(self) -> None:
        rs = [route("10.0.0.0/16", "vnet", rank=2, pinned=True), route("10.0.1.0/24", "bgp", rank=1,
                                                                         yields_to_pinned=True),
              route("10.0.1.0/24", "udr", rank=0)]
        assert pick(rs, "10.0.1.5").route.target_id == "udr"
