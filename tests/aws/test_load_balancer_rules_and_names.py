"""Issue 10.3 (AWS): a load balancer named by its DNS name, and ALB listener rules beyond the default action.

DNS    https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html#dns-name
       (clients send requests to the load balancer's DNS name, which resolves to its nodes' addresses;
       `dualstack.` prefixes the name of a dualstack load balancer)
RULES  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#listener-rules
       (rules are evaluated in priority order, the default rule last; conditions on host, path, headers,
       method, query string or source IP decide which rule's actions apply)
ACTION https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#rule-action-types
       (forward sends to target groups; fixed-response and redirect are answered by the load balancer itself)
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from scenario_builder import ACCOUNT, REGION
from test_load_balancers import LB_ID, TG_ID, _arn, _lab, trace

from flightpath.errors import EndpointError
from flightpath.model.outcome import Check, Decision, Verdict
from flightpath.report import build_report
from flightpath.report.json_report import schema

LISTENER_ID = "f2f7dc8efc522ab2"


def _rule(lb_arn: str, rid: str, priority: str, conditions: list, actions: list) -> dict:
    arn = lb_arn.replace(":loadbalancer/", ":listener-rule/") + f"/{LISTENER_ID}/{rid}"
    return {"RuleArn": arn, "Priority": priority, "Conditions": conditions, "Actions": actions,
            "IsDefault": priority == "default"}


def _alb(tmp_path: Path, rules, *, extra_group: str = "", **kw):
    """The ALB lab of test_load_balancers with DescribeRules for its HTTP:80 listener; `extra_group`: a
    second target group api-tg holding that instance."""
    b, _topo, lb_arn = _lab(tmp_path, lb_type="app", **kw)
    base = b.root / "aws" / ACCOUNT / REGION
    tg_arn = _arn("tg", "web-tg", TG_ID)
    api_arn = _arn("tg", "api-tg", "0123456789abcdef")
    if extra_group:
        doc = json.loads((base / "DescribeTargetGroups.json").read_text())
        doc["TargetGroups"].append(dict(doc["TargetGroups"][0], TargetGroupArn=api_arn, TargetGroupName="api-tg"))
        (base / "DescribeTargetGroups.json").write_text(json.dumps(doc))
        (base / "DescribeTargetHealth" / "api-tg-0123456789abcdef.json").write_text(json.dumps(
            {"TargetHealthDescriptions": [{"Target": {"Id": b.id(extra_group), "Port": 80},
                                           "TargetHealth": {"State": "healthy"}}]}))
    (base / "DescribeRules").mkdir(exist_ok=True)
    (base / "DescribeRules" / f"{LISTENER_ID}.json").write_text(json.dumps(
        {"Rules": rules(lb_arn, tg_arn, api_arn)}))
    from flightpath import load_snapshot

    return load_snapshot(b.root, use_cache=False), lb_arn


def _forward(tg: str) -> list:
    return [{"Type": "forward", "Order": 1, "TargetGroupArn": tg,
             "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": tg, "Weight": 1}]}}]


def test_nlb_by_its_dns_name(tmp_path: Path) -> None:
    _b, topo, lb_arn = _lab(tmp_path)
    name = f"web-lb-{LB_ID}.elb.{REGION}.amazonaws.com"
    # DNS: the name resolves to the load balancer's node address; the trace is the one to that address
    by_ip = trace(topo, "app1", "10.1.3.10", 80).trace
    for text in (name, name.upper() + ".", f"dualstack.{name}"):
        t = trace(topo, "app1", text, 80).trace
        assert t.verdict is Verdict.DELIVERED and t.flow.dst == by_ip.flow.dst, text
        assert any(h.resource.id == lb_arn for h in t.forward.hops)
    with pytest.raises(EndpointError):
        trace(topo, "app1", f"other-{LB_ID}.elb.{REGION}.amazonaws.com", 80)


def test_every_listener_rule_is_a_branch_naming_its_rule(tmp_path: Path) -> None:
    def rules(lb, tg, _api):
        return [_rule(lb, "r10", "10", [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/maint/*"]}}],
                      [{"Type": "fixed-response", "Order": 1, "FixedResponseConfig": {"StatusCode": "503"}}]),
                _rule(lb, "rdef", "default", [], _forward(tg))]
    topo, lb_arn = _alb(tmp_path, rules)
    r = trace(topo, "app1", "10.1.3.10", 80)
    t = r.trace
    report = build_report(r, topo.info)
    jsonschema.validate(report, schema())  # the JSON report lists every branch by its label
    assert [br["label"] for br in report["branches"]] == [br.label for br in t.branches]
    # RULES/ACTION: rule 10 (path /maint/*) is answered by the ALB; the default rule forwards to web1 and
    # web2, which both admit the ALB's node: every branch reaches something -> delivered
    assert t.verdict is Verdict.DELIVERED, t.forward.reason
    labels = [br.label for br in t.branches]
    assert len(labels) == 3 and labels[0].startswith("rule 10 (path-pattern /maint/*)")
    assert sum(lbl.startswith("rule default") for lbl in labels) == 2
    fixed = t.branches[0]
    assert fixed.hops[-1].decision is Decision.DELIVER and fixed.hops[-1].resource.id == lb_arn
    assert "fixed-response 503" in fixed.hops[-1].reason


def test_rules_whose_targets_end_differently_are_ambiguous(tmp_path: Path) -> None:
    def rules(lb, tg, api):
        return [_rule(lb, "r5", "5", [{"Field": "host-header", "HostHeaderConfig": {"Values": ["api.example.com"]}}],
                      _forward(api)),
                _rule(lb, "rdef", "default", [], _forward(tg))]
    # web-tg: web2 unhealthy, so the default rule reaches web1 only; rule 5 forwards to api-tg = web2,
    # whose security group admits nothing
    topo, _lb = _alb(tmp_path, rules, extra_group="web2", web2_sg="closed-sg", health=("healthy", "unhealthy"))
    t = trace(topo, "app1", "10.1.3.10", 80).trace
    # RULES: an L4 flow cannot tell whether the request's host is api.example.com: both rules may apply,
    # and they end differently -> ambiguous, each branch naming its rule
    assert t.verdict is Verdict.AMBIGUOUS
    by_rule = {br.label.split(":")[0]: br for br in t.branches}
    assert set(by_rule) == {"rule 5 (host-header api.example.com)", "rule default"}
    assert by_rule["rule 5 (host-header api.example.com)"].verdict is Verdict.BLOCKED
    assert by_rule["rule default"].verdict is Verdict.DELIVERED


def test_redirect_only_listener_ends_at_the_load_balancer(tmp_path: Path) -> None:
    def rules(lb, _tg, _api):
        return [_rule(lb, "rdef", "default", [], [{"Type": "redirect", "Order": 1, "RedirectConfig": {
            "Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "StatusCode": "HTTP_301"}}])]
    topo, lb_arn = _alb(tmp_path, rules, web2_sg="closed-sg")
    t = trace(topo, "app1", "10.1.3.10", 80).trace
    # ACTION: a redirect is the ALB's own answer: delivered to the load balancer, no target involved (so
    # web2's closed security group does not matter), and the answer goes back to the client
    assert t.verdict is Verdict.DELIVERED and not t.branches
    assert t.forward.hops[-1].resource.id == lb_arn and "redirect HTTP_301 to HTTPS:443" in t.forward.hops[-1].reason
    assert t.forward.hops[-1].check is Check.DELIVER
    assert t.reply is not None and t.reply.verdict is Verdict.DELIVERED


def test_internet_facing_nlb_reply_leaves_from_the_node_not_the_target(tmp_path: Path) -> None:
    """An internet client reaches instance targets (client IP preserved, no public IP of their own) through
    an NLB node with an Elastic IP: the target's reply goes back through the load balancer, leaving with
    the node's public address (the NLB is the client's peer; CIP in test_load_balancers)."""
    from scenario_builder import tcp

    from flightpath import load_snapshot

    b, _topo, lb_arn = _lab(tmp_path)
    b.get("lb:eni").data["eip"] = "3.4.5.6"
    b.get("web-sg").data["ingress"].append(tcp(80, cidr="0.0.0.0/0"))
    b.igw("igw", "a")
    b.main_routes("a", [b.route("0.0.0.0/0", "igw")])
    b.write()
    topo = load_snapshot(b.root, use_cache=False)
    t = trace(topo, "internet", "3.4.5.6", 80).trace
    assert t.verdict is Verdict.DELIVERED, t.forward.reason
    assert t.forward.hops[-1].packet.src == trace(topo, "internet", "3.4.5.6", 80).source.address
    # the reply: translated to the node's address, then to its Elastic IP, out to the internet client
    assert t.reply is not None and t.reply.verdict is Verdict.EXITED, t.reply.reason
    assert any(h.check is Check.NAT and h.resource.id == lb_arn for h in t.reply.hops)
    assert t.reply.hops[-1].packet.src.exploded == "3.4.5.6"
    # by DNS name from the internet: the node's public address
    t2 = trace(topo, "internet", f"web-lb-{LB_ID}.elb.{REGION}.amazonaws.com", 80).trace
    assert t2.flow.dst.exploded == "3.4.5.6" and t2.verdict is Verdict.DELIVERED


def test_source_ip_conditions_are_decided_by_the_client_address(tmp_path: Path) -> None:
    def rules(lb, tg, api):
        return [_rule(lb, "r5", "5", [{"Field": "source-ip", "SourceIpConfig": {"Values": ["10.9.0.0/16"]}}],
                      _forward(api)),
                _rule(lb, "r7", "7", [{"Field": "source-ip", "SourceIpConfig": {"Values": ["10.1.1.0/24"]}}],
                      [{"Type": "fixed-response", "Order": 1, "FixedResponseConfig": {"StatusCode": "403"}}]),
                _rule(lb, "rdef", "default", [], _forward(tg))]
    topo, lb_arn = _alb(tmp_path, rules, extra_group="web2", web2_sg="closed-sg", health=("healthy", "unhealthy"))
    t = trace(topo, "app1", "10.1.3.10", 80).trace
    # RULES: source-ip is a condition a trace can decide: 10.1.1.10 is not in rule 5's 10.9.0.0/16 (skipped),
    # it is in rule 7's 10.1.1.0/24, which has no other condition, so rule 7 applies and the default rule
    # is never reached: the ALB answers 403 itself
    assert t.verdict is Verdict.DELIVERED and not t.branches, t.forward.reason
    assert t.forward.hops[-1].resource.id == lb_arn and "fixed-response 403" in t.forward.hops[-1].reason


def test_target_through_its_own_nlb_fails_when_the_flow_loops_back_to_it(tmp_path: Path) -> None:
    _b, topo, lb_arn = _lab(tmp_path)
    t = trace(topo, "web1", "10.1.3.10", 80).trace
    # https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-troubleshooting.html:
    # with client IP preservation (instance targets) NAT loopback is not supported: web1's flow fails when
    # the NLB picks web1 itself, and works when it picks web2
    assert t.verdict is Verdict.AMBIGUOUS
    verdicts = {br.label.split(" ")[0]: br.verdict for br in t.branches}
    assert sorted(v.value for v in verdicts.values()) == ["blocked", "delivered"]
    looped = next(br for br in t.branches if br.verdict is Verdict.BLOCKED)
    assert looped.hops[-1].resource.id == lb_arn and "loop" in looped.hops[-1].reason
