"""The scheduler with a fake Api (no SDK, no server): job planning, follow-up calls, failures."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from flightpath.collectors.aws.collect_types import CallFailed, CollectOptions, Target
from flightpath.collectors.aws.operations import REGION_OPERATIONS, Operation
from flightpath.collectors.aws.scheduler import Scheduler

from flightpath.snapshot import SnapshotWriter


class FakeApi:
    """Answers every listing with one item; per-resource calls with one entry; `fail` maps an operation
    name (or "name:resource_id") to an error code."""

    def __init__(self, fail: dict[str, str] | None = None, regions: list[str] | None = None) -> None:
        self.calls = 0
        self.fail = fail or {}
        self.regions = regions or ["eu-west-1"]
        self.seen: list[tuple[str, str, str, str]] = []
        self._lock = threading.Lock()

    def identify(self, profile: str | None) -> Target:
        return Target("123456789012", profile, object(), "us-east-1")

    def organization_accounts(self, base: Target) -> list[str]:
        return ["111111111111", "222222222222", "111111111111"]

    def _count(self, what: str) -> None:
        with self._lock:
            self.calls += 1
        if what in self.fail:
            raise CallFailed(self.fail[what], f"{what} refused")

    def assume(self, base: Target, account: str) -> Target:
        self._count(f"AssumeRole:{account}")
        return Target(account, base.profile, object(), base.home_region, role_arn=f"arn:aws:iam::{account}:role/r")

    def enabled_regions(self, target: Target) -> list[str]:
        self._count("DescribeRegions")
        return self.regions

    def call(self, target: Target, region: str, op: Operation, params: dict[str, Any]) -> dict[str, Any]:
        rid = params.get(op.id_param, "") if op.id_param else ""
        with self._lock:
            self.seen.append((target.account, region, op.name, rid))
        self._count(f"{op.name}:{rid}" if rid else op.name)
        if op.name == "DescribeTransitGatewayRouteTables":
            return {op.key: [{"TransitGatewayRouteTableId": "tgw-rtb-1", "State": "available"},
                             {"TransitGatewayRouteTableId": "tgw-rtb-gone", "State": "deleted"}]}
        if op.name == "DescribeManagedPrefixLists":
            return {op.key: [{"PrefixListId": "pl-1", "State": "create-complete"},
                             {"PrefixListId": "pl-2", "State": "modify-complete"}]}
        return {op.key: [{"Id": f"{op.name}-1"}]}


def run(tmp_path: Path, api: FakeApi, **options: Any) -> tuple[Any, Path]:
    out = tmp_path / "snap"
    opts = CollectOptions(out=out, **options)
    with SnapshotWriter(out) as writer:
        summary = Scheduler(api, opts).run(writer)
    return summary, out


def test_one_worker_runs_every_call_and_follow_up(tmp_path: Path) -> None:
    api = FakeApi()
    summary, out = run(tmp_path, api, workers=1, regions=["eu-west-1"])
    per_resource = sorted((op, rid) for _, _, op, rid in api.seen if rid)
    assert per_resource == [
        ("GetManagedPrefixListEntries", "pl-1"), ("GetManagedPrefixListEntries", "pl-2"),
        ("GetTransitGatewayRouteTableAssociations", "tgw-rtb-1"),
        ("GetTransitGatewayRouteTablePropagations", "tgw-rtb-1"), ("SearchTransitGatewayRoutes", "tgw-rtb-1"),
    ]  # the deleted route table is skipped
    assert summary.calls == len(REGION_OPERATIONS) + 5 and summary.failed == 0
    assert (out / "aws/123456789012/eu-west-1/SearchTransitGatewayRoutes/tgw-rtb-1.json").is_file()


def test_failed_source_listing_means_no_follow_ups(tmp_path: Path) -> None:
    api = FakeApi(fail={"DescribeTransitGatewayRouteTables": "UnauthorizedOperation",
                        "GetManagedPrefixListEntries:pl-2": "InvalidPrefixListID.NotFound"})
    summary, out = run(tmp_path, api, regions=["eu-west-1"])
    assert not any(op.startswith(("Search", "GetTransit")) for _, _, op, _ in api.seen)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [(e["operation"], e["params"], e["code"]) for e in manifest["errors"]] == [
        ("DescribeTransitGatewayRouteTables", {}, "UnauthorizedOperation"),
        ("GetManagedPrefixListEntries", {"resource_id": "pl-2"}, "InvalidPrefixListID.NotFound")]
    assert not (out / "aws/123456789012/eu-west-1/DescribeTransitGatewayRouteTables.json").exists()
    assert (out / "aws/123456789012/eu-west-1/GetManagedPrefixListEntries/pl-1.json").is_file()
    assert summary.failed == 2


def test_org_accounts_are_assumed_once_and_failures_scoped_to_the_account(tmp_path: Path) -> None:
    api = FakeApi(fail={"AssumeRole:222222222222": "AccessDenied"})
    summary, out = run(tmp_path, api, role_name="r", accounts="org", regions="all")
    assert summary.accounts == {"111111111111"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["errors"] == [{"cloud": "aws", "scope": "222222222222", "operation": "AssumeRole",
                                   "params": {}, "code": "AccessDenied", "message": "AssumeRole:222222222222 refused"}]
    assert manifest["scopes"] == [{"cloud": "aws", "account": "111111111111", "region": "eu-west-1",
                                   "role_arn": "arn:aws:iam::111111111111:role/r"}]


def test_describe_regions_failure_is_recorded(tmp_path: Path) -> None:
    summary, out = run(tmp_path, FakeApi(fail={"DescribeRegions": "UnauthorizedOperation"}), regions="all")
    assert summary.scopes == [] and summary.failed == 1
    assert summary.errors[0]["scope"] == "123456789012" and summary.errors[0]["operation"] == "DescribeRegions"


def test_a_bug_in_a_job_aborts_and_writes_nothing(tmp_path: Path) -> None:
    class Broken(FakeApi):
        def call(self, *args: Any) -> dict[str, Any]:
            raise KeyError("bug")

    with pytest.raises(KeyError):
        run(tmp_path, Broken(), regions=["eu-west-1"])
    assert not (tmp_path / "snap").exists()
