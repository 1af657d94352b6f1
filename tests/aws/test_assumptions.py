"""Issue 10.5: explicit assumptions for incomplete or stale snapshots (`flightpath trace --assume NAME`).

Missing data stays `unknown` by default (DESIGN rule 3). With `--assume default-nacls` a subnet whose NACL
is not in the snapshot gets its VPC's default NACL, which "allows all inbound and outbound IPv4 traffic"
(https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html); with `--assume tunnels-up` a
VPN whose tunnels telemetry shows DOWN is treated as UP (a connection with both tunnels DOWN carries
nothing: RA BAD_STATE_VPN, https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console
from scenario_builder import AwsScenario, any_proto
from test_scenarios_aws import two_subnets

from flightpath import load_snapshot
from flightpath.errors import FlightpathError
from flightpath.evaluate.tracing import Query, run_query
from flightpath.model.outcome import Verdict
from flightpath.report import build_report, markdown
from flightpath.report.json_report import schema
from flightpath.report.terminal import render


def _no_nacls(tmp_path: Path) -> Path:
    b = two_subnets(tmp_path)
    b.sg("all", "a", ingress=[any_proto(cidr="10.0.0.0/8")])
    b.instance("app1", "app", "10.1.1.10", sgs=["all"])
    b.instance("db1", "db", "10.1.2.10", sgs=["all"])
    b.omit("DescribeNetworkAcls")
    return b.write()


def _vpn_down(tmp_path: Path) -> Path:
    b = two_subnets(tmp_path)
    b.vgw("vgw-a", "a")
    b.cgw("onprem-cgw", "192.0.2.10")
    b.vpn("onprem-vpn", "onprem-cgw", vgw="vgw-a", static_routes=["172.16.0.0/12"], up=False)
    b.main_routes("a", [("172.16.0.0/12", "vgw-a")])
    b.sg("all", "a", ingress=[any_proto(cidr="0.0.0.0/0")])
    b.instance("app1", "app", "10.1.1.10", sgs=["all"])
    return b.write()


def test_default_nacls(tmp_path: Path) -> None:
    topo = load_snapshot(_no_nacls(tmp_path), use_cache=False)
    # DESIGN rule 3: without the NACLs the answer is unknown
    assert run_query(topo, Query("app1", "db1", "tcp", 22)).trace.verdict is Verdict.UNKNOWN
    r = run_query(topo, Query("app1", "db1", "tcp", 22, assumptions=("default-nacls",)))
    t = r.trace
    # default NACL: allows all in and out -> delivered; both subnets' filters relied on the assumption
    assert t.verdict is Verdict.DELIVERED and t.assumptions == ("default-nacls",)
    assumed = [h for h in t.forward.hops if h.assumptions]
    assert [h.resource.type for h in assumed] == ["subnet", "subnet"]
    assert all(h.assumptions == ("default-nacls",) for h in assumed)
    assert any(h.assumptions for h in t.reply.hops)
    report = build_report(r, topo.info)
    jsonschema.validate(report, schema())
    assert report["assumptions"] == [{"name": "default-nacls", "description": report["assumptions"][0]["description"],
                                      "used": True}]
    assert [h["assumptions"] for h in report["forward"]["hops"] if h["assumptions"]] == [["default-nacls"]] * 2
    # the text views say so above the verdict
    md = markdown(r, topo.info)
    assert md.index("Assuming: default-nacls") < md.index("Verdict:")
    console = Console(file=io.StringIO(), width=200)
    render(r, topo.info, console)
    out = console.file.getvalue()
    assert out.index("assuming: default-nacls") < out.index("verdict:")


def test_tunnels_up(tmp_path: Path) -> None:
    topo = load_snapshot(_vpn_down(tmp_path), use_cache=False)
    t = run_query(topo, Query("app1", "172.16.5.5", "tcp", 443)).trace
    assert t.verdict is Verdict.NO_ROUTE and t.forward.hops[-1].code == "BAD_STATE_VPN"  # RA BAD_STATE_VPN
    r = run_query(topo, Query("app1", "172.16.5.5", "tcp", 443, assumptions=("tunnels-up", "default-nacls")))
    t = r.trace
    assert t.verdict is Verdict.EXITED
    assert t.forward.hops[-1].assumptions == ("tunnels-up",)
    report = build_report(r, topo.info)
    jsonschema.validate(report, schema())
    assert {(a["name"], a["used"]) for a in report["assumptions"]} == {("tunnels-up", True), ("default-nacls", False)}


def test_unknown_assumption_is_a_one_line_error(tmp_path: Path) -> None:
    topo = load_snapshot(_vpn_down(tmp_path), use_cache=False)
    with pytest.raises(FlightpathError, match="valid: default-nacls, tunnels-up"):
        run_query(topo, Query("app1", "172.16.5.5", "tcp", 443, assumptions=("nacls-open",)))
    root = Path(__file__).resolve().parents[2]
    p = subprocess.run([sys.executable, "-m", "flightpath.cli", "trace", "app-a", "db-b", "--port", "22",
                        "--snapshot", str(root / "fixtures" / "kickstart-aws"), "--assume", "nope"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    assert "nope" in p.stderr and "default-nacls, tunnels-up" in p.stderr


def test_cli_assume_is_repeatable_and_recorded(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "flightpath.cli", "trace", "app1", "172.16.5.5", "--port", "443",
                        "--snapshot", str(_vpn_down(tmp_path)), "--assume", "tunnels-up", "--assume",
                        "default-nacls", "--format", "json"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert [a["name"] for a in report["assumptions"]] == ["tunnels-up", "default-nacls"]
    assert report["verdict"] == "exited"
