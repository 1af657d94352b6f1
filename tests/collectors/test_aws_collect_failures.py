"""`flightpath collect aws` when things go wrong (moto on 127.0.0.1 behind a fault injector), with
recorded pages (moto ignores MaxResults, so it never pages), and with bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import aws_estate
import boto3
import pytest
from aws_env import ACCOUNT, DATA, FAKE_KEY_ID, REGION, cli, manifest, public_ip, region_file, trace
from aws_moto import Fault, MotoServer
from flightpath.collectors.aws.collect_types import CollectOptions, CollectSummary
from flightpath.collectors.aws.fetch import collect

from flightpath.errors import CollectorError

# -- failures ------------------------------------------------------------------------------------

def test_failed_calls_are_recorded_and_exit_3(aws: MotoServer, tmp_path: Path) -> None:
    ids = aws_estate.build(boto3.client("ec2"))
    aws.injector.hits.clear()
    aws.injector.faults.update({
        "DescribeNetworkAcls": Fault(403, "UnauthorizedOperation", "You are not authorized to perform this operation."),
        "DescribeRouteTables": Fault(503, "RequestLimitExceeded", "Request limit exceeded."),
        "DescribeVpnGateways": Fault(sleep=1.5),
    })
    out = tmp_path / "snap"
    result = cli("--out", str(out), "--regions", REGION, "--max-attempts", "2", "--timeout", "0.5")
    assert result.exit_code == 3, result.output
    errors = {e["operation"]: e for e in manifest(out)["errors"]}
    assert set(errors) == {"DescribeNetworkAcls", "DescribeRouteTables", "DescribeVpnGateways"}
    assert errors["DescribeNetworkAcls"] == {
        "cloud": "aws", "scope": f"{ACCOUNT}/{REGION}", "operation": "DescribeNetworkAcls", "params": {},
        "code": "UnauthorizedOperation", "message": "You are not authorized to perform this operation."}
    assert errors["DescribeRouteTables"]["code"] == "RequestLimitExceeded"
    assert errors["DescribeVpnGateways"]["code"] == "ReadTimeout"
    assert aws.injector.hits["DescribeRouteTables"] == 2  # retried, then given up (max attempts 2)
    for op in errors:  # a failed call is never written as an empty list
        assert not (out / "aws" / ACCOUNT / REGION / f"{op}.json").exists()
    assert (out / "aws" / ACCOUNT / REGION / "DescribeVpcs.json").exists()
    assert "DescribeNetworkAcls: UnauthorizedOperation" in result.stderr and "3 failed" in result.stderr
    # The traces that need the missing data cannot be answered.
    res = trace(out, "10.1.1.10", "10.1.2.10", 8080)
    assert res.verdict == "unknown", res.forward.reason
    assert ids["app"]


def test_flightpath_command_exit_codes(aws: MotoServer, tmp_path: Path) -> None:
    """Through the real entry point (cli.main): exit 3 when calls failed, 2 for bad input."""
    aws.injector.faults["DescribeNetworkAcls"] = Fault(403, "UnauthorizedOperation", "not authorized")
    command = [sys.executable, "-c", "from flightpath.cli import main; main()", "collect", "aws"]
    out = tmp_path / "snap"
    done = subprocess.run([*command, "--out", str(out), "--max-attempts", "1"], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)
    assert done.returncode == 3, done.stderr
    assert "DescribeNetworkAcls: UnauthorizedOperation: not authorized" in done.stderr and done.stdout == ""
    assert manifest(out)["errors"][0]["operation"] == "DescribeNetworkAcls"
    bad = subprocess.run([*command, "--out", str(out), "--accounts", "1"], capture_output=True, text=True,
                         env=dict(os.environ), timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("flightpath: error: --accounts"), bad.stderr


@pytest.mark.parametrize("operation,fault", [
    ("DescribeNetworkAcls", Fault(403, "UnauthorizedOperation", "not authorized")),
    ("DescribeRouteTables", Fault(503, "RequestLimitExceeded", "Request limit exceeded.")),  # after retries
])
def test_missing_data_makes_the_trace_unknown(aws: MotoServer, tmp_path: Path, operation: str, fault: Fault) -> None:
    aws_estate.build(boto3.client("ec2"))
    aws.injector.faults[operation] = fault
    out = tmp_path / "snap"
    summary = collect(CollectOptions(out=out, max_attempts=2))
    assert [(e["operation"], e["code"]) for e in summary.errors] == [(operation, fault.code)]
    res = trace(out, "10.1.1.10", "10.1.2.10", 8080)  # delivered when nothing is missing
    assert res.verdict == "unknown"
    assert operation in " ".join([h.reason for h in res.forward.hops] + [res.forward.reason])


def test_per_resource_failure_names_the_resource(aws: MotoServer, tmp_path: Path) -> None:
    ids = aws_estate.build(boto3.client("ec2"))
    # The message carries the access key id, as some AWS error messages do: it must be redacted.
    aws.injector.faults["GetManagedPrefixListEntries"] = Fault(
        403, "UnauthorizedOperation", f"key {FAKE_KEY_ID} may not call ec2:GetManagedPrefixListEntries")
    out = tmp_path / "snap"
    summary = collect(CollectOptions(out=out, max_attempts=1))
    errors = manifest(out)["errors"]
    assert summary.failed == len(errors) > 1
    assert {"resource_id": ids["pl-office"]} in [e["params"] for e in errors]
    assert all(e["operation"] == "GetManagedPrefixListEntries" for e in errors)
    assert FAKE_KEY_ID not in (out / "manifest.json").read_text()
    assert not (out / "aws" / ACCOUNT / REGION / "GetManagedPrefixListEntries").exists()
    eip = public_ip(out, ids["web"])
    assert trace(out, "203.0.113.7", eip, 22).verdict == "unknown"  # the rule needs pl-office's entries
    assert trace(out, "10.1.1.10", "10.1.2.10", 8080).verdict == "delivered"  # needs no prefix list


# -- pagination (recorded pages: moto never pages) -----------------------------------------------

def test_pages_are_merged(aws: MotoServer, tmp_path: Path) -> None:
    aws.injector.replay("DescribeSecurityGroups", {
        "": (DATA / "DescribeSecurityGroups.page1.xml").read_bytes(),
        "sg-page-2": (DATA / "DescribeSecurityGroups.page2.xml").read_bytes(),
        "sg-page-3": (DATA / "DescribeSecurityGroups.page3.xml").read_bytes()})
    aws.injector.replay("DescribeInstances", {
        "": (DATA / "DescribeInstances.page1.xml").read_bytes(),
        "i-page-2": (DATA / "DescribeInstances.page2.xml").read_bytes()})
    out = tmp_path / "snap"
    summary = collect(CollectOptions(out=out))
    assert summary.failed == 0
    assert aws.injector.tokens == {"DescribeSecurityGroups": ["", "sg-page-2", "sg-page-3"],
                                   "DescribeInstances": ["", "i-page-2"]}
    groups = region_file(out, "DescribeSecurityGroups")
    assert list(groups) == ["SecurityGroups"]
    assert [g["GroupId"][-4:] for g in groups["SecurityGroups"]] == ["0001", "0002", "0003", "0004"]
    assert groups["SecurityGroups"][2]["IpPermissions"][0]["PrefixListIds"] == [
        {"PrefixListId": "pl-0a1b2c3d4e5f60001", "Description": "office"}]
    reservations = region_file(out, "DescribeInstances")["Reservations"]
    assert [[i["InstanceId"][-4:] for i in r["Instances"]] for r in reservations] == [["0001", "0002"], ["0003"]]
    assert reservations[0]["Instances"][0]["LaunchTime"] == "2019-08-26T14:59:25.000Z"
    assert summary.resources["SecurityGroups"] == 4 and summary.resources["Instances"] == 3


def test_truncated_tgw_route_search_is_completed() -> None:
    """AdditionalRoutesAvailable without a NextToken: the search is narrowed by destination."""
    from botocore.stub import Stubber
    from flightpath.collectors.aws.fetch import fetch_operation
    from flightpath.collectors.aws.operations import RESOURCE_OPERATIONS

    recorded = json.loads((DATA / "SearchTransitGatewayRoutes.json").read_text())
    op = next(o for o in RESOURCE_OPERATIONS if o.name == "SearchTransitGatewayRoutes")
    params = dict(op.params, TransitGatewayRouteTableId=recorded["route_table_id"])
    client = boto3.client("ec2", region_name=REGION, aws_access_key_id="AKIASTUB", aws_secret_access_key="stub")
    with Stubber(client) as stub:
        for step in recorded["steps"]:
            filters = list(params["Filters"])
            if step["extra_filter"]:
                filters.append({"Name": step["extra_filter"][0], "Values": [step["extra_filter"][1]]})
            stub.add_response("search_transit_gateway_routes",
                              {"Routes": step["routes"], "AdditionalRoutesAvailable": step["more"]},
                              dict(params, Filters=filters))
        body = fetch_operation(client, op, params)
        stub.assert_no_pending_responses()
    assert body["AdditionalRoutesAvailable"] is False
    assert sorted(r["DestinationCidrBlock"] for r in body["Routes"]) == recorded["expected_destinations"]


# -- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("args,message", [
    (["--accounts", "111111111111"], "--accounts needs --role-name"),
    (["--role-name", "r"], "--role-name needs --accounts"),
    (["--role-name", "r", "--accounts", "1234"], "not a 12-digit account id"),
    (["--regions", "us-east-1,mars"], "not a region name: mars"),
    (["--profile", "nope"], "profile 'nope' not found"),
    (["--retry-mode", "eager"], "retry mode must be one of"),
])
def test_bad_input_is_a_collector_error(aws: MotoServer, tmp_path: Path, args: list[str], message: str) -> None:
    result = cli("--out", str(tmp_path / "snap"), *args)
    assert isinstance(result.exception, CollectorError), result.output
    assert message in str(result.exception)
    assert not (tmp_path / "snap").exists()


def test_no_credentials(aws: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var)
    with pytest.raises(CollectorError, match="no AWS credentials found"):
        collect(CollectOptions(out=tmp_path / "snap"))


def test_output_folder_is_protected_and_replaced(aws: MotoServer, tmp_path: Path) -> None:
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(CollectorError, match="not a flightpath snapshot"):
        collect(CollectOptions(out=precious))
    assert (precious / "notes.txt").read_text() == "keep me"
    out = tmp_path / "snap"
    first: CollectSummary = collect(CollectOptions(out=out))
    (out / "stale.json").write_text("{}")
    second = collect(CollectOptions(out=out))  # an existing snapshot is replaced as a whole
    assert first.failed == second.failed == 0 and not (out / "stale.json").exists()


def test_unreachable_endpoint_is_a_collector_error(aws: MotoServer, tmp_path: Path) -> None:
    """Nothing answers: the run cannot start (no identity), and says so in one line."""
    with pytest.raises(CollectorError, match="GetCallerIdentity failed: EndpointConnectionError"):
        collect(CollectOptions(out=tmp_path / "snap", endpoint_url="http://127.0.0.1:9", max_attempts=1))
    assert not (tmp_path / "snap").exists()
