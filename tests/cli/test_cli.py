"""The CLI as a user meets it: exit codes, one-line errors on stderr, reports valid against the schema.

Expected verdicts come from the kickstart lab's documented outcomes (fixtures/kickstart-aws/README.md),
which follow AWS's documented NACL / SG / TGW behaviour.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "fixtures" / "kickstart-aws"
REGION = Path("aws/111122223333/us-east-1")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flightpath.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def schema() -> dict:
    return json.loads((ROOT / "flightpath" / "report" / "schemas" / "report-v1.json").read_text())


def assert_one_line_error(p: subprocess.CompletedProcess, *needles: str) -> None:
    assert p.returncode == 2, (p.returncode, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "Traceback" not in p.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])


@pytest.fixture()
def lab(tmp_path: Path) -> Path:
    dest = tmp_path / "lab"
    shutil.copytree(LAB, dest)
    return dest


def test_blocked_path_exit_1_and_json_names_the_nacl_rule():
    p = run("trace", "app-a", "db-b", "--port", "22", "--snapshot", str(LAB), "--format", "json")
    assert p.returncode == 1, p.stderr
    report = json.loads(p.stdout)
    jsonschema.validate(report, schema())
    assert report["verdict"] == "blocked"
    block = report["first_block"]
    # spoke-b-db-acl inbound rule 110 denies tcp 22 from 10.0.0.0/8 (NACL: first match by rule number)
    assert block["rule"]["resource"]["id"] == "acl-0d4e5f6a7b8c90031"
    assert block["rule"]["label"] == "110"
    assert block["code"] == "SUBNET_ACL_RESTRICTION"
    assert block["resource"]["type"] == "subnet"
    assert report["return"] is None
    assert len(report["snapshot"]["sha256"]) == 64


def test_delivered_path_exit_0_with_return_path():
    p = run("trace", "app-a", "db-b", "--port", "5432", "--snapshot", str(LAB), "--format", "json")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    jsonschema.validate(report, schema())
    assert report["verdict"] == "delivered"
    assert report["return"]["verdict"] == "delivered"
    # the reply leaves db-b's subnet through its NACL outbound rule 100 (tcp 1024-65535 to 10.0.0.0/8)
    nacl_out = [h for h in report["return"]["hops"]
                if h["check"] == "egress_filter" and h["rule"] and h["rule"]["resource"]["id"] == "acl-0d4e5f6a7b8c90031"]
    assert nacl_out and nacl_out[0]["rule"]["label"] == "100"
    assert nacl_out[0]["packet"]["dst_port"] == 49152


def test_markdown_and_table_outputs_name_the_block(tmp_path: Path):
    p = run("trace", "app-a", "db-b", "--port", "22", "--snapshot", str(LAB), "--format", "markdown")
    assert p.returncode == 1
    assert "acl-0d4e5f6a7b8c90031" in p.stdout and "110" in p.stdout and "**Verdict: blocked**" in p.stdout
    out = tmp_path / "trace.txt"
    p = run("trace", "app-a", "db-b", "--port", "22", "--snapshot", str(LAB), "--output", str(out))
    assert p.returncode == 1 and p.stdout == ""
    text = out.read_text()
    assert "blocked" in text and "acl-0d4e5f6a7b8c90031" in text


def test_all_blockers_and_internet_source():
    p = run("trace", "203.0.113.50", "bastion", "--port", "22", "--snapshot", str(LAB), "--format", "json",
            "--all-blockers")
    assert p.returncode == 1
    report = json.loads(p.stdout)
    jsonschema.validate(report, schema())
    # bastion-sg admits tcp 22 from 198.51.100.0/24 only: no rule matches 203.0.113.50 (implicit deny)
    assert report["first_block"]["code"] == "ENI_SG_RULES_MISMATCH"
    assert report["first_block"]["rule"]["resource"]["id"] == "sg-0e5f6a7b8c9d00011"


def test_internet_alias_is_a_documentation_address_inside_the_allowed_range():
    p = run("trace", "internet", "bastion", "--port", "22", "--snapshot", str(LAB), "--format", "json")
    report = json.loads(p.stdout)
    assert report["source"]["address"] == "198.51.100.1"
    assert report["verdict"] == "delivered" and p.returncode == 0


def test_unknown_endpoint_is_a_one_line_error():
    p = run("trace", "no-such-host", "db-b", "--port", "22", "--snapshot", str(LAB))
    assert_one_line_error(p, "no-such-host")


def test_ambiguous_name_lists_candidates(lab: Path):
    f = lab / REGION / "DescribeInstances.json"
    f.write_text(f.read_text().replace('"Value": "db-b"', '"Value": "app-a"'))
    p = run("trace", "app-a", "bastion", "--port", "22", "--snapshot", str(lab), "--no-cache")
    assert_one_line_error(p, "ambiguous", "i-01a2b3c4d5e6f0021", "i-01a2b3c4d5e6f0031")


def test_missing_snapshot_folder():
    p = run("trace", "a", "b", "--port", "1", "--snapshot", "/nonexistent/snap")
    assert_one_line_error(p, "/nonexistent/snap", "not found")


def test_truncated_json_names_file_and_line(lab: Path):
    f = lab / REGION / "DescribeSubnets.json"
    f.write_text(f.read_text()[:300])
    p = run("trace", "app-a", "db-b", "--port", "22", "--snapshot", str(lab))
    assert_one_line_error(p, "DescribeSubnets.json", "line")


def test_bad_cidr_names_file_field_and_value(lab: Path):
    f = lab / REGION / "DescribeSubnets.json"
    f.write_text(f.read_text().replace('"10.2.1.0/24"', '"10.2.1.0/33"', 1))
    p = run("trace", "app-a", "db-b", "--port", "22", "--snapshot", str(lab))
    assert_one_line_error(p, "DescribeSubnets.json", "CidrBlock", "10.2.1.0/33")


def test_unknown_file_is_a_warning_not_an_error(lab: Path):
    (lab / "notes.json").write_text('{"hello": "world"}')
    p = run("trace", "app-a", "db-b", "--port", "5432", "--snapshot", str(lab), "--format", "json")
    assert p.returncode == 0
    assert any("notes.json" in w for w in json.loads(p.stdout)["warnings"])


@pytest.mark.parametrize("args,needle", [
    (["--protocol", "bogus", "--port", "1"], "bogus"),
    (["--port", "70000"], "70000"),
    ([], "--port is required"),
    (["--port", "22", "--icmp-type", "300", "--protocol", "icmp"], "300"),
    (["--port", "22", "--format", "xml"], "xml"),
    (["--port", "22", "--bogus-flag"], "--bogus-flag"),
])
def test_bad_arguments(args, needle):
    p = run("trace", "app-a", "db-b", "--snapshot", str(LAB), *args)
    assert_one_line_error(p, needle)


def test_output_to_missing_folder_is_an_error_and_existing_file_untouched(tmp_path: Path):
    p = run("trace", "app-a", "db-b", "--port", "22", "--snapshot", str(LAB), "--output",
            str(tmp_path / "nope" / "r.json"))
    assert_one_line_error(p, "does not exist")
    keep = tmp_path / "keep.json"
    keep.write_text("precious")
    p = run("trace", "no-such-host", "db-b", "--port", "22", "--snapshot", str(LAB), "--output", str(keep))
    assert p.returncode == 2 and keep.read_text() == "precious"


def test_failed_collection_call_makes_the_trace_unknown(lab: Path):
    """DESIGN: missing data is a result: a failed DescribeNetworkAcls never reads as 'no NACL'."""
    (lab / REGION / "DescribeNetworkAcls.json").unlink()
    manifest = json.loads((lab / "manifest.json").read_text())
    manifest["errors"].append({"cloud": "aws", "scope": "111122223333/us-east-1", "operation": "DescribeNetworkAcls",
                               "params": {}, "code": "UnauthorizedOperation", "message": "not authorized"})
    (lab / "manifest.json").write_text(json.dumps(manifest))
    p = run("trace", "app-a", "db-b", "--port", "5432", "--snapshot", str(lab), "--format", "json")
    assert p.returncode == 3, p.stderr
    report = json.loads(p.stdout)
    jsonschema.validate(report, schema())
    assert report["verdict"] == "unknown"
    assert "DescribeNetworkAcls" in report["reason"] and "UnauthorizedOperation" in report["reason"]


def test_endpoints_schema_help_version():
    p = run("endpoints", "--snapshot", str(LAB), "--format", "json")
    assert p.returncode == 0
    rows = json.loads(p.stdout)
    app_a = [r for r in rows if r["name"] == "app-a"]
    assert app_a and app_a[0]["private_ips"] == ["10.1.1.10"] and app_a[0]["region"] == "us-east-1"
    assert app_a[0]["account"] == "111122223333" and app_a[0]["network"].startswith("vpc-0a1b2c3d4e5f60002")
    p = run("schema")
    assert p.returncode == 0
    jsonschema.Draft202012Validator.check_schema(json.loads(p.stdout))
    p = run("--help")
    assert p.returncode == 0 and "trace" in p.stdout
    p = run("--version")
    assert p.returncode == 0 and p.stdout.startswith("flightpath ")


LAB_QUERIES = [  # (src, dst, protocol, port, expected verdict) from fixtures/kickstart-aws/README.md
    ("app-a", "db-b", "tcp", 5432, "delivered"),
    ("app-a", "db-b", "tcp", 22, "blocked"),
    ("app-a", "8.8.8.8", "tcp", 443, "exited"),
    ("198.51.100.7", "bastion", "tcp", 22, "delivered"),
    ("203.0.113.50", "bastion", "tcp", 22, "blocked"),
    ("app-a", "10.99.0.5", "tcp", 443, "no_route"),
    ("app-a", "172.16.5.5", "tcp", 443, "exited"),
    ("app-a", "db-b", "icmp", None, "blocked"),  # db-b-sg admits no ICMP
    ("app-a", "db-b", "all", None, "blocked"),
]


@pytest.mark.parametrize("src,dst,proto,port,expected", LAB_QUERIES)
def test_every_view_of_every_lab_outcome(src, dst, proto, port, expected):
    """In-process: the JSON report validates against the schema; markdown and rich views render."""
    import io

    from rich.console import Console

    from flightpath import load_snapshot
    from flightpath.evaluate.tracing import Query, run_query
    from flightpath.report import build_report, markdown
    from flightpath.report.terminal import render

    topo = load_snapshot(LAB)
    for all_blockers in (False, True):
        result = run_query(topo, Query(src, dst, proto, port, all_blockers=all_blockers))
        report = build_report(result, topo.info)
        jsonschema.validate(report, schema())
        assert report["verdict"] == expected
        assert (report["first_block"] is not None) == (expected == "blocked")
        md = markdown(result, topo.info)
        assert f"**Verdict: {expected}**" in md
        console = Console(file=io.StringIO(), width=200)
        render(result, topo.info, console)
        assert expected in console.file.getvalue()


def test_bad_cidr_in_an_azure_address_space_is_an_error(tmp_path: Path):
    lab = tmp_path / "kickstart"
    shutil.copytree(ROOT / "fixtures" / "kickstart", lab)
    (vnets,) = lab.glob("azure/*/virtualNetworks.json")
    vnets.write_text(vnets.read_text().replace('"10.101.0.0/16"', '"10.101.0.0/40"'))
    p = run("trace", "app-a", "vm-spoke1", "--port", "443", "--snapshot", str(lab))
    assert_one_line_error(p, "virtualNetworks.json", "addressPrefixes", "10.101.0.0/40")


def test_multicloud_lab_outcomes():
    """fixtures/kickstart/README.md: EC2 -> Azure VM over the IPsec VPN (delivered both ways), an NSG block,
    and spoke-to-spoke no_route (Azure VNet peering is not transitive)."""
    lab = ROOT / "fixtures" / "kickstart"
    p = run("trace", "app-a", "vm-spoke1", "--port", "443", "--snapshot", str(lab), "--format", "json")
    report = json.loads(p.stdout)
    jsonschema.validate(report, schema())
    assert p.returncode == 0 and report["verdict"] == "delivered" and report["return"]["verdict"] == "delivered"
    clouds = [h["resource"]["cloud"] for h in report["forward"]["hops"]]
    assert clouds[0] == "aws" and clouds[-1] == "azure"
    p = run("trace", "app-a", "vm-spoke2", "--port", "22", "--snapshot", str(lab), "--format", "json")
    report = json.loads(p.stdout)
    assert p.returncode == 1 and report["first_block"]["rule"]["label"] == "deny-aws-ssh"
    p = run("trace", "vm-spoke1", "vm-spoke2", "--port", "22", "--snapshot", str(lab), "--format", "json")
    assert p.returncode == 1 and json.loads(p.stdout)["verdict"] == "no_route"
