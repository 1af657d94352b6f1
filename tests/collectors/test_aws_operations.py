"""The AWS collector's operation list: read-only by construction, consistent with botocore's model,
with the loader's recognizer, and with the IAM policy that `flightpath permissions aws` prints."""

from __future__ import annotations

import ast
import functools
import json
import subprocess
import sys
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name
from botocore.credentials import Credentials
from flightpath.collectors.aws import operations as ops
from flightpath.collectors.aws import recognize
from flightpath.collectors.aws.collect_types import CollectOptions
from typer.testing import CliRunner

from flightpath.cli.collect import permissions_app
from flightpath.cli.collect_aws import _DEFAULT_WORKERS

ROOT = Path(__file__).resolve().parents[2]

# The brief's list of whole-region operations (DESIGN.md snapshot layout); keep in step with the loader.
EXPECTED_REGION_OPERATIONS = {
    "DescribeVpcs", "DescribeSubnets", "DescribeInstances", "DescribeNetworkInterfaces", "DescribeAddresses",
    "DescribeSecurityGroups", "DescribeNetworkAcls", "DescribeRouteTables", "DescribeInternetGateways",
    "DescribeEgressOnlyInternetGateways", "DescribeNatGateways", "DescribeVpcPeeringConnections",
    "DescribeTransitGateways", "DescribeTransitGatewayAttachments", "DescribeTransitGatewayVpcAttachments",
    "DescribeTransitGatewayPeeringAttachments", "DescribeTransitGatewayRouteTables",
    "DescribeManagedPrefixLists", "DescribePrefixLists", "DescribeVpnGateways", "DescribeVpnConnections",
    "DescribeCustomerGateways", "DescribeVpcEndpoints", "DescribeLoadBalancers", "DescribeTargetGroups",
}


@functools.cache
def _service(name: str):
    return botocore.session.get_session().get_service_model(name)


def test_every_operation_is_read_only() -> None:
    for op in ops.ALL_OPERATIONS:
        assert op.name.startswith(ops.READ_ONLY_PREFIXES), f"{op.action} is not Describe/Get/List/Search"
    # The one exception obtains credentials and changes nothing; it must stay the only one.
    assert [op.action for op in ops.CREDENTIAL_OPERATIONS] == ["sts:AssumeRole"]


def test_allowed_api_names_are_exactly_the_list() -> None:
    allowed = ops.allowed_api_names()
    listed = {(op.service, op.name) for op in ops.ALL_OPERATIONS + ops.CREDENTIAL_OPERATIONS}
    assert {(s, n) for s, names in allowed.items() for n in names} == listed


def test_region_operations_cover_what_the_loader_reads() -> None:
    assert {op.name for op in ops.REGION_OPERATIONS} == EXPECTED_REGION_OPERATIONS
    assert {op.name for op in ops.RESOURCE_OPERATIONS} == {
        "SearchTransitGatewayRoutes", "GetTransitGatewayRouteTablePropagations",
        "GetTransitGatewayRouteTableAssociations", "GetManagedPrefixListEntries", "DescribeListeners",
        "DescribeLoadBalancerAttributes", "DescribeTargetHealth", "DescribeTargetGroupAttributes", "DescribeRules"}
    for op in ops.REGION_OPERATIONS:
        assert op.key in recognize.LIST_KEYS or op.key == "PrefixLists", op.name
    from pathlib import Path

    for op in ops.RESOURCE_OPERATIONS:  # the file the collector writes is recognised as that operation
        rel = Path(f"123456789012/us-east-1/{op.name}/50dc6c495c0c9188.json")
        (doc,) = recognize.recognize({op.key: []}, rel, rel)
        assert doc.kind == (op.name if op.key not in recognize.LIST_KEYS else op.key), op.name


@pytest.mark.parametrize("op", ops.ALL_OPERATIONS + ops.CREDENTIAL_OPERATIONS, ids=lambda o: o.action)
def test_operation_matches_botocore_model(op: ops.Operation) -> None:
    model = _service(op.client or op.service)
    assert op.name in model.operation_names
    assert op.method == xform_name(op.name)
    operation = model.operation_model(op.name)
    assert op.key in operation.output_shape.members
    assert op.paginated == bool({"NextToken", "Marker"} & set(operation.input_shape.members)), \
        "paginated must follow NextToken (Marker in elbv2)"
    if op.scope == "resource":
        assert op.id_param in operation.input_shape.members
        source = next(s for s in ops.REGION_OPERATIONS + ops.RESOURCE_OPERATIONS if s.name == op.source)
        item_shape = model.operation_model(source.name).output_shape.members[source.key].member
        assert op.source_id in item_shape.members
        assert "State" in item_shape.members or op.service == "elasticloadbalancing"  # target groups have none
        assert not op.only_if or op.only_if[0] in item_shape.members


def test_operation_params_are_valid_requests() -> None:
    """Fixed parameters (the SearchTransitGatewayRoutes filter) pass botocore's own validation."""
    from botocore.validate import ParamValidator

    for op in ops.RESOURCE_OPERATIONS:
        model = _service(op.client or op.service)
        params = dict(op.params, **{op.id_param: "x-0123"})
        report = ParamValidator().validate(params, model.operation_model(op.name).input_shape)
        assert not report.has_errors(), report.generate_report()


def test_iam_policy_is_built_from_the_list() -> None:
    policy = ops.iam_policy()
    assert policy["Version"] == "2012-10-17"
    actions = {a for st in policy["Statement"] for a in st["Action"]}
    expected = {op.action for op in ops.ALL_OPERATIONS + ops.CREDENTIAL_OPERATIONS}
    assert actions == expected
    read = next(st for st in policy["Statement"] if st["Sid"] == "FlightpathRead")
    assert "ec2:DescribeVpcs" in read["Action"] and "sts:GetCallerIdentity" in read["Action"]
    assert "ec2:DescribeRegions" in read["Action"]
    assert all(a.split(":")[1].startswith(ops.READ_ONLY_PREFIXES) for a in read["Action"])
    assume = next(st for st in policy["Statement"] if st["Sid"] == "FlightpathAssumeCollectorRole")
    assert ops.iam_policy("fp-read")["Statement"][2]["Resource"] == "arn:aws:iam::*:role/fp-read"
    assert assume["Action"] == ["sts:AssumeRole"]


def test_permissions_cli_prints_the_policy() -> None:
    result = CliRunner().invoke(permissions_app, ["aws", "--role-name", "fp-read"])
    assert result.exit_code == 0, result.output
    policy = json.loads(result.stdout)
    assert policy == ops.iam_policy("fp-read")
    assert "organizations:ListAccounts" in json.dumps(policy)


def test_guard_refuses_writes_before_they_are_sent() -> None:
    from flightpath.collectors.aws.collect_types import Target
    from flightpath.collectors.aws.fetch import AwsApi, ReadOnlyViolation

    api = AwsApi(CollectOptions(out=Path("unused"), endpoint_url="http://127.0.0.1:9"))
    target = Target("123456789012", None, Credentials("AKIAGUARD0000000000", "guard-secret-000"), "us-east-1")
    ec2 = api.client(target, "us-east-1")
    with pytest.raises(ReadOnlyViolation, match="ec2:CreateVpc"):
        ec2.create_vpc(CidrBlock="10.0.0.0/16")  # port 9 is never reached: the guard runs first
    assert api.calls == 0


def test_only_fetch_imports_the_sdk() -> None:
    offenders = []
    for path in [*(ROOT / "flightpath").rglob("*.py"), *(ROOT / "collectors").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] in ("boto3", "botocore") for n in names):
                offenders.append(path.relative_to(ROOT).as_posix())
    assert set(offenders) <= {"collectors/aws/fetch.py", "flightpath/cli/collect_aws.py"}
    # cli/collect_aws.py only probes `import boto3` inside the command, to name the missing extra.
    code = "import sys, flightpath.cli; assert 'boto3' not in sys.modules and 'botocore' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_default_workers_agree() -> None:
    assert _DEFAULT_WORKERS == ops.DEFAULT_WORKERS == CollectOptions(out=Path("x")).workers
