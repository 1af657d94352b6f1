"""GCP firewall semantics as scenario tests: each expected verdict is argued from GCP's documentation
(the URL beside the assertion), not from flightpath's output."""

from __future__ import annotations

import pytest
from gcp_builder import GcpLab, proto, tcp
from gcp_helpers import ingress_rule, trace

from flightpath.model import Check, Verdict
from flightpath.topology import load_snapshot

RULES = "https://cloud.google.com/firewall/docs/firewalls"
ORDER = "https://cloud.google.com/firewall/docs/firewall-policies-rule-eval-order"


def prule(priority: int, action: str, ports: list[str] | None = None, direction: str = "INGRESS",
          src: list[str] = ("0.0.0.0/0",), dst: list[str] = ()) -> dict:
    match = {"layer4Configs": [{"ipProtocol": "tcp", "ports": ports}] if ports else [{"ipProtocol": "all"}]}
    match["srcIpRanges" if direction == "INGRESS" else "destIpRanges"] = list(src if direction == "INGRESS" else dst)
    return {"kind": "compute#firewallPolicyRule", "priority": priority, "action": action, "direction": direction,
            "match": match}


@pytest.fixture(scope="module")
def topo(tmp_path_factory):
    lab = GcpLab()
    for net, order in (("fw", None), ("fw2", "BEFORE_CLASSIC_FIREWALL")):
        lab.network(net, **({"networkFirewallPolicyEnforcementOrder": order} if order else {}))
        lab.default_route(net)
    lab.subnet("fw-a", "fw", "10.10.1.0/24")
    lab.subnet("fw-b", "fw", "10.10.2.0/24")
    lab.subnet("fw2-a", "fw2", "10.11.1.0/24")
    lab.vm("client", "fw-a", "10.10.1.10", tags=["client"], sas=["client@proj-a.iam.gserviceaccount.com"])
    lab.vm("plain", "fw-a", "10.10.1.11")
    lab.vm("locked", "fw-a", "10.10.1.20", tags=["locked"])
    lab.vm("web", "fw-b", "10.10.2.10", tags=["web"], nat_ip="34.10.0.10")
    lab.vm("api", "fw-b", "10.10.2.11", sas=["api@proj-a.iam.gserviceaccount.com"])
    lab.vm("old", "fw-b", "10.10.2.12", tags=["web"], status="TERMINATED")
    lab.vm("c2", "fw2-a", "10.11.1.10")
    lab.vm("s2", "fw2-a", "10.11.1.11")
    f = lab.firewall
    f("allow-web", "fw", allowed=[tcp(80)], source_ranges=["10.0.0.0/8"], target_tags=["web"])
    f("deny-8080", "fw", priority=900, denied=[tcp(8080)], source_ranges=["10.10.1.0/24"], target_tags=["web"])
    f("allow-8080", "fw", priority=1000, allowed=[tcp(8080)], source_ranges=["10.0.0.0/8"], target_tags=["web"])
    f("allow-8443", "fw", priority=500, allowed=[tcp(8443)], source_ranges=["10.0.0.0/8"])
    f("deny-8443", "fw", priority=500, denied=[tcp(8443)], source_ranges=["10.0.0.0/8"])
    f("allow-9000", "fw", priority=800, allowed=[tcp(9000)], source_ranges=["10.0.0.0/8"])
    f("deny-9000", "fw", priority=900, denied=[tcp(9000)], source_ranges=["10.0.0.0/8"])
    f("from-client-tag", "fw", allowed=[tcp(5000)], source_tags=["client"], target_tags=["web"])
    f("api-by-sa", "fw", allowed=[tcp(443)], source_ranges=["10.10.0.0/16"],
      target_sas=["api@proj-a.iam.gserviceaccount.com"])
    f("allow-6000-disabled", "fw", allowed=[tcp(6000)], source_ranges=["10.0.0.0/8"], disabled=True)
    f("allow-ssh", "fw", allowed=[tcp(22)], source_ranges=["10.10.0.0/16"])
    f("allow-7000", "fw", allowed=[tcp(7000)], source_ranges=["10.0.0.0/8"])
    f("allow-telnet", "fw", allowed=[tcp(23)], source_ranges=["10.0.0.0/8"])
    f("deny-all-egress", "fw", direction="EGRESS", priority=65000, denied=[proto("all")],
      destination_ranges=["0.0.0.0/0"], target_tags=["locked"])
    # firewall rule names are unique per project (https://cloud.google.com/vpc/docs/firewalls#firewall_rule_components)
    f("allow-7000-fw2", "fw2", allowed=[tcp(7000)], source_ranges=["10.0.0.0/8"])
    netpol = [prule(100, "goto_next", ["22"]), prule(200, "deny", ["7000"]), prule(300, "deny", ["22"])]
    lab.policy("netpol", netpol, networks=["fw", "fw2"])
    lab.policy("org-guard", [prule(1000, "deny", ["23"])], org="111")
    return load_snapshot(lab.write(tmp_path_factory.mktemp("gcp-fw")), use_cache=False)


def test_a_matching_allow_delivers_and_names_the_rule(topo):
    t = trace(topo, "client", "web", port=80)
    assert t.verdict is Verdict.DELIVERED and ingress_rule(t) == "allow-web"
    assert t.reply.verdict is Verdict.DELIVERED  # stateful: the reply is tracked (RULES#specifications)


def test_priority_order_lower_number_first(topo):
    # "the rule with the highest priority (lowest number) whose components match applies" (RULES#priority_order_for_firewall_rules)
    t = trace(topo, "client", "web", port=8080)
    assert t.verdict is Verdict.BLOCKED and t.first_block.rule.label == "deny-8080"
    assert t.first_block.code == "FIREWALL_RULE"
    assert ingress_rule(trace(topo, "client", "web", port=9000)) == "allow-9000"


def test_deny_wins_ties(topo):
    # "a deny rule overrides an allow rule of the same priority" (RULES#priority_order_for_firewall_rules)
    t = trace(topo, "client", "web", port=8443)
    assert t.verdict is Verdict.BLOCKED and t.first_block.rule.label == "deny-8443"


def test_implied_deny_ingress(topo):
    # implied deny ingress at 65535 (RULES#default_firewall_rules)
    t = trace(topo, "client", "web", port=3306)
    assert t.verdict is Verdict.BLOCKED and t.first_block.rule.label == "implied deny ingress"
    assert t.first_block.code == "FIREWALL_RULE"


def test_implied_allow_egress(topo):
    # no egress rule targets client: the implied allow egress rule lets it out (RULES#default_firewall_rules)
    t = trace(topo, "client", "web", port=80)
    out = next(h for h in t.forward.hops if h.check is Check.EGRESS_FILTER)
    assert out.rule.label == "implied allow egress"


def test_target_tags_and_service_accounts_select_instances(topo):
    # a rule with target tags applies only to instances with one of them; with target service accounts, only to
    # instances running as one of them (RULES#rule_assignment)
    assert trace(topo, "client", "api", port=443).verdict is Verdict.DELIVERED
    t = trace(topo, "client", "web", port=443)
    assert t.verdict is Verdict.BLOCKED and t.first_block.rule.label == "implied deny ingress"
    assert trace(topo, "client", "api", port=80).verdict is Verdict.BLOCKED  # api has no tag web


def test_source_tags_match_the_tagged_instances_addresses(topo):
    # source tags: packets from instances with the tag (RULES#sources_for_ingress_rules)
    assert ingress_rule(trace(topo, "client", "web", port=5000)) == "from-client-tag"
    t = trace(topo, "plain", "web", port=5000)
    assert t.verdict is Verdict.BLOCKED and t.first_block.rule.label == "implied deny ingress"


def test_disabled_rule_is_skipped(topo):
    # "a disabled rule is not enforced" (RULES#disabled, field `disabled` of the firewalls resource)
    t = trace(topo, "client", "web", port=6000)
    assert t.verdict is Verdict.BLOCKED and t.first_block.rule.label == "implied deny ingress"


def test_goto_next_passes_to_the_vpc_rules(topo):
    # goto_next "continues to the next level of rule evaluation" (ORDER): the policy's later deny at 300 is not
    # reached, the VPC rule allow-ssh decides
    t = trace(topo, "client", "web", port=22)
    assert t.verdict is Verdict.DELIVERED and ingress_rule(t) == "allow-ssh"


def test_vpc_rules_before_network_policy_by_default_and_after_with_before_classic(topo):
    # AFTER_CLASSIC_FIREWALL (default): VPC firewall rules are evaluated before the global network policy (ORDER)
    t = trace(topo, "client", "web", port=7000)
    assert t.verdict is Verdict.DELIVERED and ingress_rule(t) == "allow-7000"
    # BEFORE_CLASSIC_FIREWALL: the network policy first, so its deny at 200 wins (ORDER)
    t = trace(topo, "c2", "s2", port=7000)
    assert t.verdict is Verdict.BLOCKED and t.first_block.rule.label == "netpol rule 200"


def test_hierarchical_policy_before_vpc_rules(topo):
    # hierarchical policies are evaluated before VPC firewall rules (ORDER, step 1)
    t = trace(topo, "client", "web", port=23)
    assert t.verdict is Verdict.BLOCKED and t.first_block.rule.label == "org-guard rule 1000"
    assert t.first_block.code == "FIREWALL_RULE"


def test_egress_tcp_25_to_the_internet_is_always_blocked(topo):
    # "GCP always blocks ... egress traffic to TCP destination port 25 (SMTP)" to external IPs (RULES#blockedtraffic)
    t = trace(topo, "web", "8.8.8.8", port=25)
    assert t.verdict is Verdict.BLOCKED and t.first_block.code == "TRAFFIC_TYPE_BLOCKED"
    assert trace(topo, "web", "8.8.8.8", port=587).verdict is Verdict.EXITED
    assert trace(topo, "client", "web", port=25).first_block.rule.label == "implied deny ingress"  # internal: not blocked


def test_metadata_server_is_always_allowed(topo):
    # "GCP always allows communication between a VM and its metadata server 169.254.169.254" (RULES#alwaysallowed)
    t = trace(topo, "locked", "169.254.169.254", port=80)
    # the filter allows it out; the metadata server is outside the model, so the reply is not evaluated and the
    # overall verdict is unknown (the core's rule for exits toward something it does not model)
    assert t.forward.verdict is Verdict.EXITED and "metadata server" in t.forward.reason
    assert next(h for h in t.forward.hops if h.check is Check.EGRESS_FILTER).rule.label == "metadata server (always allowed)"
    t = trace(topo, "locked", "web", port=80)
    assert t.verdict is Verdict.BLOCKED and t.first_block.rule.label == "deny-all-egress"


def test_stopped_instance_is_noted(topo):
    t = trace(topo, "client", "old", port=80)
    assert "TERMINATED" in " ".join(t.warnings + [t.forward.hops[-1].reason])


def test_identical_vms_share_rule_sets(topo):
    e = topo.estate
    web = next(i for i in e.interfaces.values() if i.instance.name == "web")
    old = next(i for i in e.interfaces.values() if i.instance.name == "old")
    assert web.stage is old.stage  # same network, region, tags and service accounts: one stage object
