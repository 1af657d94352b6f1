"""Bad input (issue 13): one line `file: path.to.field: expected X, found Y`, exit 2, never 70."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.cli.inproc import cli, one_line_error

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "fixtures" / "kickstart-aws"
KICK = ROOT / "fixtures" / "kickstart"
REGION = Path("aws/111122223333/us-east-1")
DEMO = ("trace", "app-a", "db-b", "--port", "22")


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    dst = tmp_path / "lab"
    shutil.copytree(LAB, dst)
    return dst


def _edit(path: Path, fn) -> None:
    doc = json.loads(path.read_text())
    fn(doc)
    path.write_text(json.dumps(doc))


def _trace(lab: Path, *extra: str):
    return cli(*DEMO, "--snapshot", str(lab), "--no-cache", *extra)


def test_security_groups_as_an_object(lab: Path):
    _edit(lab / REGION / "DescribeSecurityGroups.json", lambda d: d.update(SecurityGroups={"GroupId": "sg-1"}))
    one_line_error(_trace(lab), "DescribeSecurityGroups.json: SecurityGroups: expected a list, found an object")


def test_security_groups_null(lab: Path):
    _edit(lab / REGION / "DescribeSecurityGroups.json", lambda d: d.update(SecurityGroups=None))
    one_line_error(_trace(lab), "DescribeSecurityGroups.json: SecurityGroups: expected a list, found null")


def test_ip_permissions_as_an_object(lab: Path):
    _edit(lab / REGION / "DescribeSecurityGroups.json",
          lambda d: d["SecurityGroups"][0].update(IpPermissions={"IpProtocol": "tcp"}))
    one_line_error(_trace(lab), "SecurityGroups[0].IpPermissions: expected a list, found an object")


def test_from_port_not_a_number(lab: Path):
    def bad(d):
        for sg in d["SecurityGroups"]:
            for p in sg.get("IpPermissions", []):
                p["FromPort"] = "abc"
    _edit(lab / REGION / "DescribeSecurityGroups.json", bad)
    one_line_error(_trace(lab), ".FromPort: expected an integer", "found the string 'abc'")


def test_rule_number_not_a_number(lab: Path):
    _edit(lab / REGION / "DescribeNetworkAcls.json", lambda d: d["NetworkAcls"][0]["Entries"][0].update(RuleNumber="abc"))
    one_line_error(_trace(lab), "DescribeNetworkAcls.json: NetworkAcls[0].Entries[0].RuleNumber: expected an integer")


def test_huge_rule_number(lab: Path):
    _edit(lab / REGION / "DescribeNetworkAcls.json", lambda d: d["NetworkAcls"][0]["Entries"][0].update(RuleNumber=10**30))
    one_line_error(_trace(lab), "RuleNumber: expected an integer in 1..32768")


def test_eni_groups_as_an_object(lab: Path):
    _edit(lab / REGION / "DescribeNetworkInterfaces.json",
          lambda d: d["NetworkInterfaces"][0].update(Groups={"GroupId": "sg-1"}))
    one_line_error(_trace(lab), "NetworkInterfaces[0].Groups: expected a list, found an object")


def test_bad_cidr_in_an_azure_nsg_rule_is_a_bad_cidr(tmp_path: Path):
    lab = tmp_path / "kick"
    shutil.copytree(KICK, lab)
    hit = 0
    for f in lab.rglob("*.json"):
        text = f.read_text()
        if '"securityRules"' in text and '"sourceAddressPrefix"' in text:
            doc = json.loads(text)
            items = doc["value"] if isinstance(doc, dict) and "value" in doc else doc
            items = items if isinstance(items, list) else [items]
            for nsg in items:
                for r in nsg.get("securityRules") or (nsg.get("properties") or {}).get("securityRules", []):
                    target = r.get("properties", r)  # az CLI flattens properties; ARM nests them
                    target["sourceAddressPrefix"] = "10.0.0.0/33"
                    target.pop("sourceAddressPrefixes", None)
                    hit += 1
            f.write_text(json.dumps(doc))
    assert hit
    r = cli("endpoints", "--snapshot", str(lab))
    one_line_error(r, "sourceAddressPrefix: expected a CIDR", "10.0.0.0/33")
    assert "service tag" not in r.err.split("expected")[0]


def test_a_shape_no_accessor_checks_still_names_the_file(lab: Path):
    _edit(lab / REGION / "DescribeRouteTables.json", lambda d: d["RouteTables"][0].update(Associations="oops"))
    r = _trace(lab)
    assert r.code == 2 and "DescribeRouteTables.json" in r.err and len(r.err.splitlines()) == 1, r.err


def test_dangling_and_looping_symlinks_are_skipped_with_a_warning(lab: Path):
    os.symlink(lab / "nowhere.json", lab / "dangling.json")
    os.symlink(lab / "loop-b.json", lab / "loop-a.json")
    os.symlink(lab / "loop-a.json", lab / "loop-b.json")
    r = _trace(lab, "--format", "json")
    assert r.code == 1, r.err
    warnings = " ".join(json.loads(r.out)["warnings"])
    assert "dangling.json" in warnings and "loop-a.json" in warnings


def test_a_symlinked_folder_is_named_not_silently_skipped(lab: Path, tmp_path: Path):
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", lab / "linked")
    os.symlink(lab / "linked-loop", lab / "linked-loop")
    r = _trace(lab, "--format", "json")
    assert r.code == 1, r.err
    warnings = " ".join(json.loads(r.out)["warnings"])
    assert "linked: a symbolic link to a folder" in warnings


@pytest.mark.parametrize("kind", ["folder", "readonly", "nofolder", "denied"])
def test_output_that_cannot_be_written(lab: Path, tmp_path: Path, kind: str):
    if kind == "folder":
        target = tmp_path
    elif kind == "readonly":
        target = tmp_path / "ro.txt"
        target.write_text("keep me")
        target.chmod(0o444)
    elif kind == "nofolder":
        target = tmp_path / "no" / "such" / "out.txt"
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        target = locked / "out.txt"
        if os.access(locked, os.W_OK):  # root ignores permissions
            pytest.skip("running as root: permission bits are not enforced")
    r = _trace(lab, "--output", str(target))
    one_line_error(r, "--output", str(target))
    if kind == "readonly":
        assert target.read_text() == "keep me"
    assert not list(tmp_path.glob(".*.txt.*")), "half-written temp file left behind"


def test_bare_flightpath_prints_help():
    r = cli()
    assert r.code == 0 and "Usage: flightpath" in r.out and "trace" in r.out and not r.err


def test_snapshot_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLIGHTPATH_SNAPSHOT", str(LAB))
    r = cli(*DEMO)
    assert r.code == 1 and "acl-0d4e5f6a7b8c90031" in r.out


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_snapshot_warnings_in_every_view(lab: Path, fmt: str):
    (lab / "notes.json").write_text('{"hello": "world"}')
    r = _trace(lab, "--format", fmt, "--wide")
    assert r.code == 1
    assert "notes.json: not a recognised cloud API response" in r.out


def test_endpoints_table_shows_snapshot_warnings(lab: Path):
    (lab / "notes.json").write_text('{"hello": "world"}')
    r = cli("endpoints", "--snapshot", str(lab))
    assert r.code == 0 and "notes.json" in r.out


class _Tty:
    """A stderr that says it is a terminal and keeps what is written."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_on_a_terminal_after_a_second_unless_quiet(monkeypatch, quiet: bool):
    import sys
    import time

    import importlib

    import flightpath.topology as topology

    app = importlib.import_module("flightpath.cli.app")

    real = topology.load_snapshot

    def slow(*a, **kw):
        time.sleep(1.4)
        return real(*a, **kw)

    monkeypatch.setattr(topology, "load_snapshot", slow)
    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    app.load_with_progress(LAB, quiet=quiet)
    assert ("loading snapshot" in tty.text) is (not quiet), tty.text


def test_no_progress_when_stderr_is_not_a_terminal(monkeypatch):
    r = cli(*DEMO, "--snapshot", str(LAB))
    assert r.code == 1 and r.err == ""
