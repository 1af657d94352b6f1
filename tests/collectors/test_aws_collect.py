"""`flightpath collect aws` against a moto server on 127.0.0.1: real boto3 over HTTP.

The estate (aws_estate.py) is built with boto3 the way a user would, collected by the CLI, then checked
three ways: the files (layout, contents, CLI shape, no secrets), the manifest, and traces on the
collected snapshot. Then the scope options: --regions all, --role-name with --accounts or org, profiles.
moto's gaps are kept out of the expectations: no verdict depends on TGW routing (moto leaves static
routes without attachments and associates attachments with the default route table) or on a NAT
gateway (moto gives it an address outside its subnet), and the NACL verdicts come from explicit entries
(moto adds no implicit deny entry). Failures and pagination: test_aws_collect_failures.py.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import aws_estate
import boto3
import pytest
from aws_env import (
    ACCOUNT,
    DATA,
    FAKE_KEY_ID,
    FAKE_SECRET,
    FAKE_TOKEN,
    REGION,
    WIRE_TIME,
    cli,
    configure,
    manifest,
    public_ip,
    read,
    region_file,
    trace,
)
from aws_moto import Fault, MotoServer
from flightpath.collectors.aws.collect_types import CollectOptions
from flightpath.collectors.aws.fetch import collect
from flightpath.collectors.aws.operations import REGION_OPERATIONS, allowed_api_names

from flightpath.snapshot import dump_json

# -- one estate, collected once by the CLI; the read-only tests below share it ----------------------

@dataclass
class Collected:
    ids: dict[str, str]
    out: Path
    result: Any
    hits: Counter[str]


@pytest.fixture(scope="module")
def collected(moto_server: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collected]:
    tmp = tmp_path_factory.mktemp("collected")
    with pytest.MonkeyPatch.context() as mp:
        configure(mp, moto_server, tmp)
        moto_server.reset()
        ids = aws_estate.build(boto3.client("ec2"))
        moto_server.injector.hits.clear()
        out = tmp / "snapshot"
        result = cli("--out", str(out), "--regions", REGION)
        yield Collected(ids, out, result, Counter(moto_server.injector.hits))


def test_cli_writes_every_operation(collected: Collected) -> None:
    assert collected.result.exit_code == 0, collected.result.output
    base = collected.out / "aws" / ACCOUNT / REGION
    for op in REGION_OPERATIONS:
        assert (base / f"{op.name}.json").is_file(), op.name
    rtb, pl = collected.ids["tgw-rtb"], collected.ids["pl-office"]
    for op in ("SearchTransitGatewayRoutes", "GetTransitGatewayRouteTablePropagations",
               "GetTransitGatewayRouteTableAssociations"):
        assert (base / op / f"{rtb}.json").is_file(), op
    assert read(collected.out, f"aws/{ACCOUNT}/{REGION}/GetManagedPrefixListEntries/{pl}.json") == {
        "Entries": [{"Cidr": "203.0.113.0/24", "Description": "office"}]}


def test_files_hold_the_estate(collected: Collected) -> None:
    out, ids = collected.out, collected.ids
    vpcs = {v["VpcId"]: v["CidrBlock"] for v in region_file(out, "DescribeVpcs")["Vpcs"]}
    assert vpcs[ids["vpc-a"]] == "10.1.0.0/16" and vpcs[ids["vpc-c"]] == "10.3.0.0/16"
    instances = {i["InstanceId"]: i["PrivateIpAddress"]
                 for r in region_file(out, "DescribeInstances")["Reservations"] for i in r["Instances"]}
    assert instances[ids["web"]] == "10.1.1.10" and instances[ids["db"]] == "10.2.1.10"
    groups = {g["GroupId"]: g for g in region_file(out, "DescribeSecurityGroups")["SecurityGroups"]}
    app_rules = groups[ids["sg-app"]]["IpPermissions"]
    assert any(p["GroupId"] == ids["sg-web"] for r in app_rules for p in r["UserIdGroupPairs"])
    web_rules = groups[ids["sg-web"]]["IpPermissions"]
    assert any(p["PrefixListId"] == ids["pl-office"] for r in web_rules for p in r["PrefixListIds"])
    acls = region_file(out, "DescribeNetworkAcls")["NetworkAcls"]
    acl = next(a for a in acls if a["NetworkAclId"] == ids["acl-priv"])
    assert {(e["RuleNumber"], e["RuleAction"], e["Egress"]) for e in acl["Entries"]} >= {(50, "deny", False)}
    assert acl["Associations"][0]["SubnetId"] == ids["a-priv"]
    routes = {rt["RouteTableId"]: rt["Routes"] for rt in region_file(out, "DescribeRouteTables")["RouteTables"]}
    priv = {r["DestinationCidrBlock"]: r for r in routes[ids["rt-priv"]]}
    assert priv["0.0.0.0/0"]["NatGatewayId"] == ids["nat"]
    assert priv["10.2.0.0/16"]["VpcPeeringConnectionId"] == ids["pcx"]
    assert priv["10.3.0.0/16"]["TransitGatewayId"] == ids["tgw"]
    igw = region_file(out, "DescribeInternetGateways")["InternetGateways"][0]
    assert igw["Attachments"][0]["VpcId"] == ids["vpc-a"]
    assert region_file(out, "DescribeNatGateways")["NatGateways"][0]["NatGatewayId"] == ids["nat"]
    pcx = region_file(out, "DescribeVpcPeeringConnections")["VpcPeeringConnections"][0]
    assert pcx["Status"]["Code"] == "active"
    atts = {a["TransitGatewayAttachmentId"] for a in
            region_file(out, "DescribeTransitGatewayVpcAttachments")["TransitGatewayVpcAttachments"]}
    assert atts == {ids["att-a"], ids["att-c"]}
    tgw_routes = read(out, f"aws/{ACCOUNT}/{REGION}/SearchTransitGatewayRoutes/{ids['tgw-rtb']}.json")["Routes"]
    assert {(r["DestinationCidrBlock"], r["State"]) for r in tgw_routes} == {
        ("10.1.0.0/16", "active"), ("10.3.0.0/16", "active"), ("10.99.0.0/16", "blackhole")}


def test_files_are_shaped_like_the_cli(collected: Collected) -> None:
    files = [p for p in collected.out.rglob("*.json")]
    for path in files:
        text = path.read_text()
        assert text == dump_json(json.loads(text)), f"{path} is not in the stable format"
        assert "ResponseMetadata" not in text and "NextToken" not in text, path
    # Timestamps stay the wire strings (as the AWS CLI prints them with cli_timestamp_format=none).
    launch = [i["LaunchTime"] for r in region_file(collected.out, "DescribeInstances")["Reservations"]
              for i in r["Instances"]]
    assert launch and all(WIRE_TIME.match(t) for t in launch), launch


def test_manifest_and_summary(collected: Collected) -> None:
    m = manifest(collected.out)
    assert m["format"] == "flightpath-snapshot" and m["errors"] == []
    assert m["scopes"] == [{"cloud": "aws", "account": ACCOUNT, "region": REGION}]
    stderr = collected.result.stderr
    assert "collected 1 account x 1 region" in stderr and ", 0 failed" in stderr
    assert "Instances 4" in stderr and "TransitGatewayRoutes 3" in stderr
    assert collected.result.stdout == ""  # stdout stays clean


def test_only_read_only_calls_reach_the_server(collected: Collected) -> None:
    allowed = set().union(*allowed_api_names().values())
    assert collected.hits and set(collected.hits) <= allowed, set(collected.hits) - allowed
    assert collected.hits["DescribeVpcs"] == 1 and collected.hits["GetCallerIdentity"] == 1


def test_no_credential_is_written(collected: Collected) -> None:
    for path in [collected.out, *collected.out.rglob("*")]:
        if path.is_file():
            text = path.read_text()
            for secret in (FAKE_KEY_ID, FAKE_SECRET, FAKE_TOKEN):
                assert secret not in text, f"{secret} written to {path}"
            assert "SecretAccessKey" not in text and "SessionToken" not in text


@pytest.mark.parametrize("src,dst,port,verdict,blocker,label", [
    ("10.1.1.10", "10.1.2.10", 8080, "delivered", None, None),  # sg-app allows sg-web (group reference)
    ("10.1.1.10", "10.1.2.10", 22, "blocked", "acl-priv", "50"),  # NACL deny before the SG's allow
    ("10.1.1.10", "10.1.2.10", 5432, "blocked", "sg-app", None),  # no SG rule: implicit deny
    ("10.1.2.10", "10.2.1.10", 5432, "delivered", None, None),  # across the peering
    ("10.1.1.10", "10.2.1.10", 5432, "blocked", "sg-db", None),  # sg-db admits only a-priv
    ("10.1.1.10", "8.8.8.8", 443, "exited", None, None),  # web has an EIP; rt-pub 0/0 -> igw
])
def test_traces_on_the_collected_snapshot(collected: Collected, src: str, dst: str, port: int, verdict: str,
                                          blocker: str | None, label: str | None) -> None:
    result = trace(collected.out, src, dst, port)
    assert result.verdict == verdict, result.forward.reason
    if blocker:
        rule = result.first_block.rule
        assert rule is not None and rule.resource.id == collected.ids[blocker]
        if label:
            assert rule.label == label


def test_prefix_list_reference_is_traced(collected: Collected) -> None:
    """sg-web admits ssh from the prefix list pl-office (203.0.113.0/24, read per resource)."""
    eip = public_ip(collected.out, collected.ids["web"])
    assert trace(collected.out, "203.0.113.7", eip, 22).verdict == "delivered"
    assert trace(collected.out, "198.51.100.7", eip, 22).verdict == "blocked"


# -- scope: regions, profiles, roles, organizations ----------------------------------------------

def test_regions_all_uses_describe_regions(aws: MotoServer, tmp_path: Path) -> None:
    aws.injector.replay("DescribeRegions", {"": (DATA / "DescribeRegions.xml").read_bytes()})
    out = tmp_path / "snap"
    summary = collect(CollectOptions(out=out, regions="all"))
    assert summary.failed == 0 and summary.regions == {"eu-west-1", "ap-southeast-2"}
    assert [s["region"] for s in manifest(out)["scopes"]] == ["ap-southeast-2", "eu-west-1"]
    for region in ("eu-west-1", "ap-southeast-2"):
        assert region_file(out, "DescribeVpcs", region=region)["Vpcs"]  # moto's default VPC
    assert aws.injector.hits["DescribeRegions"] == 1


def _vpc_in_account(account: str, cidr: str) -> str:
    creds = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/setup", RoleSessionName="setup")["Credentials"]
    ec2 = boto3.client("ec2", aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    return ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]


def test_role_name_with_accounts(aws: MotoServer, tmp_path: Path) -> None:
    vpc = _vpc_in_account("111111111111", "10.50.0.0/16")
    aws.injector.hits.clear()
    out = tmp_path / "snap"
    result = cli("--out", str(out), "--role-name", "fp-read", "--accounts", "111111111111,222222222222",
                 "--regions", REGION)
    assert result.exit_code == 0, result.output
    assert aws.injector.hits["AssumeRole"] == 2
    scopes = manifest(out)["scopes"]
    assert [(s["account"], s["role_arn"]) for s in scopes] == [
        ("111111111111", "arn:aws:iam::111111111111:role/fp-read"),
        ("222222222222", "arn:aws:iam::222222222222:role/fp-read")]
    in_111 = {v["VpcId"] for v in region_file(out, "DescribeVpcs", "111111111111")["Vpcs"]}
    in_222 = {v["VpcId"] for v in region_file(out, "DescribeVpcs", "222222222222")["Vpcs"]}
    assert vpc in in_111 and vpc not in in_222
    assert not (out / "aws" / ACCOUNT).exists()  # the caller's own account is not a target
    assert FAKE_KEY_ID not in aws.injector.key_ids["DescribeVpcs"]  # read with the role's keys
    assumed = re.compile(r"ASIA[0-9A-Z]{16}")  # moto's (and AWS's) temporary key ids
    for path in out.rglob("*.json"):
        assert not assumed.search(path.read_text()), path


def test_role_in_the_callers_own_account_reads_with_the_role(aws: MotoServer, tmp_path: Path) -> None:
    """The caller's account reached through a role: its calls are signed by the role, not the caller."""
    out = tmp_path / "snap"
    summary = collect(CollectOptions(out=out, role_name="fp-read", accounts=[ACCOUNT], regions=[REGION]))
    assert summary.failed == 0 and summary.accounts == {ACCOUNT}
    assert aws.injector.key_ids["AssumeRole"] == {FAKE_KEY_ID}
    signers = aws.injector.key_ids["DescribeVpcs"]
    assert len(signers) == 1 and FAKE_KEY_ID not in signers


def test_organization_accounts_active_only(aws: MotoServer, tmp_path: Path) -> None:
    org = boto3.client("organizations")
    org.create_organization(FeatureSet="ALL")
    active = org.create_account(AccountName="prod", Email="prod@example.com")["CreateAccountStatus"]["AccountId"]
    closed = org.create_account(AccountName="old", Email="old@example.com")["CreateAccountStatus"]["AccountId"]
    org.close_account(AccountId=closed)
    out = tmp_path / "snap"
    summary = collect(CollectOptions(out=out, role_name="OrganizationAccountAccessRole", accounts="org",
                                     regions=[REGION]))
    assert summary.failed == 0
    assert summary.accounts == {ACCOUNT, active}  # the management account is in the organization too
    assert not (out / "aws" / closed).exists()


def test_assume_role_failure_is_recorded(aws: MotoServer, tmp_path: Path) -> None:
    aws.injector.faults["AssumeRole"] = Fault(403, "AccessDenied", "not authorized to perform: sts:AssumeRole")
    out = tmp_path / "snap"
    result = cli("--out", str(out), "--role-name", "fp-read", "--accounts", "111111111111", "--regions", REGION)
    assert result.exit_code == 3
    m = manifest(out)
    assert m["scopes"] == []
    assert m["errors"] == [{"cloud": "aws", "scope": "111111111111", "operation": "AssumeRole", "params": {},
                            "code": "AccessDenied", "message": "not authorized to perform: sts:AssumeRole"}]


def test_several_profiles_from_the_aws_config(aws: MotoServer, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Profiles come from boto3's own chain: `b` assumes a role in 111111111111 from `a`'s keys."""
    config = tmp_path / "config"
    config.write_text(
        f"[profile a]\naws_access_key_id = {FAKE_KEY_ID}\naws_secret_access_key = {FAKE_SECRET}\n"
        "region = eu-west-1\n\n"
        "[profile b]\nrole_arn = arn:aws:iam::111111111111:role/fp-read\nsource_profile = a\n"
        "region = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var)
    out = tmp_path / "snap"
    result = cli("--out", str(out), "--profile", "a", "--profile", "b", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # --quiet
    assert [(s["account"], s["region"], s["profile"]) for s in manifest(out)["scopes"]] == [
        ("111111111111", "eu-west-1", "b"), (ACCOUNT, "eu-west-1", "a")]
