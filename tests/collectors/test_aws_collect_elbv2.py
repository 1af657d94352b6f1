"""`flightpath collect aws` collects Elastic Load Balancing v2 (moto server on 127.0.0.1): load balancers and
target groups per region, listeners and attributes per load balancer, target health and attributes per
target group (files named after the ARN's last segment); the collected snapshot loads them."""

from __future__ import annotations

from pathlib import Path

import boto3
from aws_env import ACCOUNT, REGION, read, region_file
from aws_moto import MotoServer
from flightpath.collectors.aws.collect_types import CollectOptions
from flightpath.collectors.aws.fetch import collect

from flightpath import load_snapshot


def test_elbv2_is_collected_and_loaded(aws: MotoServer, tmp_path: Path) -> None:
    ec2, elb = boto3.client("ec2"), boto3.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    inst = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=sub,
                             PrivateIpAddress="10.7.1.10")["Instances"][0]["InstanceId"]
    tg = elb.create_target_group(Name="web-tg", Protocol="TCP", Port=80, VpcId=vpc,
                                 TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": inst, "Port": 80}])
    lb = elb.create_load_balancer(Name="web-nlb", Subnets=[sub], Type="network",
                                  Scheme="internal")["LoadBalancers"][0]["LoadBalancerArn"]
    elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    aws.injector.hits.clear()
    out = tmp_path / "snap"
    summary = collect(CollectOptions(out=out, regions=[REGION]))
    assert summary.failed == 0
    assert [x["LoadBalancerArn"] for x in region_file(out, "DescribeLoadBalancers")["LoadBalancers"]] == [lb]
    assert [x["TargetGroupArn"] for x in region_file(out, "DescribeTargetGroups")["TargetGroups"]] == [tg]
    lb_id, tg_id = lb.rsplit("/", 1)[-1], tg.rsplit("/", 1)[-1]
    base = f"aws/{ACCOUNT}/{REGION}"
    assert [x["Port"] for x in read(out, f"{base}/DescribeListeners/{lb_id}.json")["Listeners"]] == [80]
    health = read(out, f"{base}/DescribeTargetHealth/{tg_id}.json")["TargetHealthDescriptions"]
    assert [h["Target"]["Id"] for h in health] == [inst]
    assert "Attributes" in read(out, f"{base}/DescribeTargetGroupAttributes/{tg_id}.json")
    assert "Attributes" in read(out, f"{base}/DescribeLoadBalancerAttributes/{lb_id}.json")
    assert {"DescribeLoadBalancers", "DescribeListeners", "DescribeTargetHealth"} <= set(aws.injector.hits)
    est = load_snapshot(out, use_cache=False).estate
    (balancer,) = est.load_balancers.values()
    assert balancer.ref.name == "web-nlb" and [li.port for li in balancer.listeners] == [80]
    assert balancer.listeners[0].target_group_ids == (tg,)
    (target,) = est.target_groups[tg].targets
    assert str(target.address) == "10.7.1.10" and est.target_groups[tg].preserve_client_ip  # instance target
