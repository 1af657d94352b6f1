"""`flightpath collect aws` reads the rules of each ALB listener (DescribeRules per HTTP/HTTPS listener, moto
server on 127.0.0.1; https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeRules.html)
and not of NLB listeners (TCP), which have no rules beyond their default action; the snapshot loads them."""

from __future__ import annotations

from pathlib import Path

import boto3
from aws_env import ACCOUNT, REGION, read
from aws_moto import MotoServer
from flightpath.collectors.aws.collect_types import CollectOptions
from flightpath.collectors.aws.fetch import collect

from flightpath import load_snapshot


def test_alb_listener_rules_are_collected_and_loaded(aws: MotoServer, tmp_path: Path) -> None:
    ec2, elb = boto3.client("ec2"), boto3.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subs = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]
            ["SubnetId"] for i, z in ((1, "a"), (2, "b"))]
    tgs = [elb.create_target_group(Name=n, Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")["TargetGroups"][0]
           ["TargetGroupArn"] for n in ("web-tg", "api-tg")]
    alb = elb.create_load_balancer(Name="web-alb", Subnets=subs, Type="application",
                                   Scheme="internal")["LoadBalancers"][0]["LoadBalancerArn"]
    listener = elb.create_listener(LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "forward", "TargetGroupArn": tgs[0]}])["Listeners"][0]["ListenerArn"]
    elb.create_rule(ListenerArn=listener, Priority=10, Conditions=[
        {"Field": "host-header", "HostHeaderConfig": {"Values": ["api.example.com"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": tgs[1]}])
    nlb = elb.create_load_balancer(Name="tcp-nlb", Subnets=subs[:1], Type="network",
                                   Scheme="internal")["LoadBalancers"][0]["LoadBalancerArn"]
    nlb_tg = elb.create_target_group(Name="tcp-tg", Protocol="TCP", Port=80, VpcId=vpc)["TargetGroups"][0]
    elb.create_listener(LoadBalancerArn=nlb, Protocol="TCP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": nlb_tg["TargetGroupArn"]}])
    aws.injector.hits.clear()
    out = tmp_path / "snap"
    summary = collect(CollectOptions(out=out, regions=[REGION]))
    assert summary.failed == 0, summary.errors
    base = f"aws/{ACCOUNT}/{REGION}"
    rules = read(out, f"{base}/DescribeRules/{listener.rsplit('/', 1)[-1]}.json")["Rules"]
    assert sorted(str(r["Priority"]) for r in rules) == ["10", "default"]
    # only the HTTP listener's rules were asked for: one DescribeRules file
    assert [p.stem for p in (out / base / "DescribeRules").iterdir()] == [listener.rsplit("/", 1)[-1]]
    est = load_snapshot(out, use_cache=False).estate
    (http,) = [li for lb in est.load_balancers.values() for li in lb.listeners if li.ref.name == "HTTP:80"]
    assert [(r.ref.name, r.conditions, r.target_group_ids) for r in http.rules] == [
        ("10", "host-header api.example.com", (tgs[1],)), ("default", "", (tgs[0],))]
