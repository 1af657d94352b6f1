"""Issue 10.3: AWS load balancers (NLB, ALB) as hops: listener -> target group -> each healthy target, with
the source the target sees; a port with no listener is blocked by the load balancer.

NLBSG  https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html
       (without security groups an NLB allows all client traffic to reach its listeners)
CIP    https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation
       (instance targets: client IP preserved; ip targets with TCP/TLS: off by default)
ALB    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html
       (the ALB connects to targets from its own address; X-Forwarded-For carries the client's)
HEALTH https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html
       (traffic goes to healthy targets only; if none is healthy, to all: fail open)
RA     https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html (ELBV2_LISTENER_PORT_RESTRICTION)
"""

from __future__ import annotations

import json
from ipaddress import ip_address
from pathlib import Path

import jsonschema
from scenario_builder import ACCOUNT, REGION, AwsScenario, tcp
from test_scenarios_aws import two_subnets

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.model.outcome import Check, Verdict
from flightpath.report import build_report
from flightpath.report.json_report import schema

LB_ID, TG_ID = "50dc6c495c0c9188", "73e2d6bc24d8a067"


def _arn(kind: str, name: str, rid: str, lb_type: str = "net") -> str:
    mid = f"loadbalancer/{lb_type}" if kind == "lb" else "targetgroup"
    return f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:{mid}/{name}/{rid}"


def _lab(tmp_path: Path, *, lb_type: str = "net", target_type: str = "instance", health=("healthy", "healthy"),
         web2_sg: str = "web-sg", lb_sgs=(), preserve: str | None = None):
    b = two_subnets(tmp_path)  # app 10.1.1.0/24 (client), db 10.1.2.0/24 (targets)
    b.subnet("lbs", "a", "10.1.3.0/24")
    b.sg("web-sg", "a", ingress=[tcp(80, cidr="10.1.0.0/16")])
    b.sg("closed-sg", "a", ingress=[])
    b.sg("node-only-sg", "a", ingress=[tcp(80, cidr="10.1.3.0/24")])
    b.sg("lb-sg", "a", ingress=[tcp(80, cidr="10.9.0.0/16")])
    b.instance("app1", "app", "10.1.1.10")
    b.instance("web1", "db", "10.1.2.10", sgs=["web-sg"])
    b.instance("web2", "db", "10.1.2.11", sgs=[web2_sg])
    b.managed_eni("lb:eni", "lbs", "10.1.3.10", "network_load_balancer" if lb_type == "net" else "interface",
                  f"ELB {lb_type}/web-lb/{LB_ID}", sgs=list(lb_sgs))
    root = b.write()
    base = root / "aws" / ACCOUNT / REGION
    lb_arn, tg_arn = _arn("lb", "web-lb", LB_ID, lb_type), _arn("tg", "web-tg", TG_ID)
    kind = "network" if lb_type == "net" else "application"
    (base / "DescribeLoadBalancers.json").write_text(json.dumps({"LoadBalancers": [{
        "LoadBalancerArn": lb_arn, "DNSName": f"web-lb-{LB_ID}.elb.{REGION}.amazonaws.com",
        "LoadBalancerName": "web-lb", "Scheme": "internal", "VpcId": b.id("a"), "State": {"Code": "active"},
        "Type": kind, "AvailabilityZones": [{"ZoneName": f"{REGION}a", "SubnetId": b.id("lbs")}],
        "SecurityGroups": [b.id(s) for s in lb_sgs], "IpAddressType": "ipv4"}]}))
    (base / "DescribeListeners.json").write_text(json.dumps({"Listeners": [{
        "ListenerArn": lb_arn.replace(":loadbalancer/", ":listener/") + "/f2f7dc8efc522ab2",
        "LoadBalancerArn": lb_arn, "Port": 80, "Protocol": "TCP" if lb_type == "net" else "HTTP",
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg_arn}]}]}))
    (base / "DescribeTargetGroups.json").write_text(json.dumps({"TargetGroups": [{
        "TargetGroupArn": tg_arn, "TargetGroupName": "web-tg", "Protocol": "TCP" if lb_type == "net" else "HTTP",
        "Port": 80, "VpcId": b.id("a"), "TargetType": target_type, "LoadBalancerArns": [lb_arn]}]}))
    ids = [b.id("web1"), b.id("web2")] if target_type == "instance" else ["10.1.2.10", "10.1.2.11"]
    (base / "DescribeTargetHealth").mkdir(exist_ok=True)
    (base / "DescribeTargetHealth" / f"web-tg-{TG_ID}.json").write_text(json.dumps({"TargetHealthDescriptions": [
        {"Target": {"Id": i, "Port": 80}, "HealthCheckPort": "80", "TargetHealth": {"State": h}}
        for i, h in zip(ids, health)]}))
    if preserve is not None:
        (base / "DescribeTargetGroupAttributes").mkdir(exist_ok=True)
        (base / "DescribeTargetGroupAttributes" / f"web-tg-{TG_ID}.json").write_text(json.dumps(
            {"Attributes": [{"Key": "preserve_client_ip.enabled", "Value": preserve}]}))
    return b, load_snapshot(root, use_cache=False), lb_arn


def trace(topo, src, dst, port):
    return run_query(topo, Query(src, dst, "tcp", port))


def test_nlb_listener_to_healthy_instance_targets(tmp_path: Path) -> None:
    b, topo, lb_arn = _lab(tmp_path)
    r = trace(topo, "app1", "10.1.3.10", 80)
    t = r.trace
    # NLBSG: no security groups on the NLB: the listener admits the client; both targets admit 80 -> delivered
    assert t.verdict is Verdict.DELIVERED, t.forward.reason
    assert len(t.branches) == 2 and all(br.verdict is Verdict.DELIVERED for br in t.branches)
    lb_hops = [h for h in t.forward.hops if h.resource.id == lb_arn]
    assert lb_hops and all(h.interface is not None and h.interface.id == b.id("lb:eni") for h in lb_hops)
    # CIP: instance targets see the client's own address
    delivered = t.forward.hops[-1]
    assert delivered.packet.src == ip_address("10.1.1.10") and delivered.packet.dst == ip_address("10.1.2.10")
    assert t.reply is not None and t.reply.verdict is Verdict.DELIVERED
    report = build_report(r, topo.info)
    jsonschema.validate(report, schema())
    assert [br["label"] for br in report["branches"]] and {br["verdict"] for br in report["branches"]} == {"delivered"}


def test_port_without_listener_is_blocked_by_the_load_balancer(tmp_path: Path) -> None:
    _b, topo, lb_arn = _lab(tmp_path)
    t = trace(topo, "app1", "10.1.3.10", 443).trace
    # RA ELBV2_LISTENER_PORT_RESTRICTION: the load balancer has no listener on 443
    assert t.verdict is Verdict.BLOCKED
    assert (t.first_block.resource.id, t.first_block.code) == (lb_arn, "ELBV2_LISTENER_PORT_RESTRICTION")
    assert "add a listener" in t.first_block.reason


def test_targets_that_end_differently_are_ambiguous_with_every_branch(tmp_path: Path) -> None:
    _b, topo, _lb = _lab(tmp_path, web2_sg="closed-sg")
    r = trace(topo, "app1", "10.1.3.10", 80)
    t = r.trace
    # web1 admits 80, web2's security group admits nothing: the flow works for half of the connections
    assert t.verdict is Verdict.AMBIGUOUS
    assert sorted(br.verdict.value for br in t.branches) == ["blocked", "delivered"]
    assert sorted(br.blocked for br in t.branches) == [False, True]
    jsonschema.validate(build_report(r, topo.info), schema())


def test_unhealthy_targets_get_no_traffic_and_all_unhealthy_fails_open(tmp_path: Path) -> None:
    # HEALTH: web2 unhealthy: only web1 is a target -> delivered even though web2 would block
    _b, topo, _lb = _lab(tmp_path, web2_sg="closed-sg", health=("healthy", "unhealthy"))
    t = trace(topo, "app1", "10.1.3.10", 80).trace
    assert t.verdict is Verdict.DELIVERED and t.forward.hops[-1].packet.dst == ip_address("10.1.2.10")
    # HEALTH: none healthy -> every target (fail open), said in a warning
    _b, topo, _lb = _lab(tmp_path / "b", web2_sg="closed-sg", health=("unhealthy", "unhealthy"))
    t = trace(topo, "app1", "10.1.3.10", 80).trace
    assert t.verdict is Verdict.AMBIGUOUS and any("fail open" in w for w in t.warnings)


def test_ip_targets_see_the_node_address_unless_client_ip_is_preserved(tmp_path: Path) -> None:
    # CIP: ip targets over TCP: client IP preservation off by default -> the source is the NLB node's
    _b, topo, _lb = _lab(tmp_path, target_type="ip", web2_sg="node-only-sg")
    t = trace(topo, "app1", "10.1.3.10", 80).trace
    assert t.verdict is Verdict.DELIVERED
    assert all(br.hops[-1].packet.src == ip_address("10.1.3.10") for br in t.branches)
    assert t.reply.verdict is Verdict.DELIVERED and t.reply.hops[-1].packet.src == ip_address("10.1.3.10")
    # preserve_client_ip.enabled true: web2 (admits only the node subnet) now sees 10.1.1.10 and blocks
    _b, topo, _lb = _lab(tmp_path / "p", target_type="ip", web2_sg="node-only-sg", preserve="true")
    t = trace(topo, "app1", "10.1.3.10", 80).trace
    assert t.verdict is Verdict.AMBIGUOUS


def test_alb_security_group_filters_the_client(tmp_path: Path) -> None:
    # ALB: its security groups decide which clients reach the listener; lb-sg admits only 10.9.0.0/16
    _b, topo, lb_arn = _lab(tmp_path, lb_type="app", lb_sgs=("lb-sg",))
    t = trace(topo, "app1", "10.1.3.10", 80).trace
    assert t.verdict is Verdict.BLOCKED
    assert t.first_block.resource.id == lb_arn and t.first_block.check is Check.INGRESS_FILTER
    assert t.first_block.code == "ENI_SG_RULES_MISMATCH"
