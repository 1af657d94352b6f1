"""`flightpath diff`: three changes whose effect follows from the AWS docs.
- an NACL rule that starts denying postgres (first match by number, nacl-rules.html) → newly blocked;
- a route moved to a blackhole ("Black-hole/inactive routes ⇒ drop", VPC_Route_Tables.md) → newly blocked;
- a security group reference removed (a referenced group allows its members' private IPs,
  security-group-rules.html) → newly blocked; and the reverse change → newly open."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scenario_builder import AwsScenario, inbound, outbound, tcp

from flightpath.questions.diff import diff
from flightpath.questions.intents import load_intents
from flightpath.topology import load_snapshot

ROOT = Path(__file__).resolve().parents[2]


def _estate(root: Path, *, deny_5432: bool = False, blackhole: bool = False, sg_ref: bool = True,
            appliance: bool = False) -> Path:
    b = AwsScenario(root)
    b.vpc("a", "10.1.0.0/16")
    b.vpc("b", "10.2.0.0/16")
    b.subnet("app", "a", "10.1.1.0/24")
    b.subnet("db", "a", "10.1.2.0/24")
    b.subnet("far", "b", "10.2.1.0/24")
    b.peering("pcx", "a", "b")
    b.sg("app-sg", "a")
    ingress = [tcp(5432, sg="app-sg")] if sg_ref else []
    b.sg("db-sg", "a", ingress=ingress + [tcp(443, cidr="10.0.0.0/8")])
    b.sg("far-sg", "b", ingress=[tcp(443, cidr="10.0.0.0/8")])
    entries = ([inbound(90, 6, "deny", "0.0.0.0/0", ports=5432)] if deny_5432 else []) + [
        inbound(100, -1, "allow", "0.0.0.0/0"), outbound(100, -1, "allow", "0.0.0.0/0")]
    b.nacl("db-acl", "a", subnets=["db"], entries=entries)
    b.instance("app-vm", "app", "10.1.1.10", sgs=["app-sg"])
    b.instance("db-vm", "db", "10.1.2.20", sgs=["db-sg"])
    b.instance("far-vm", "far", "10.2.1.30", sgs=["far-sg"])
    if appliance:  # a forwarding instance in the db subnet: its NACL is crossed by traffic it forwards
        b.instance("fw-vm", "db", "10.1.2.99", source_dest_check=False)
    b.main_routes("a", [AwsScenario.route("10.2.0.0/16", "pcx", state="blackhole" if blackhole else "active")])
    b.main_routes("b", [("10.1.0.0/16", "pcx")])
    return b.write()


@pytest.fixture(scope="module")
def snaps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("diff")
    return {name: _estate(base / name, **kw) for name, kw in {
        "base": {}, "nacl": {"deny_5432": True}, "blackhole": {"blackhole": True}, "noref": {"sg_ref": False},
        "fw": {"appliance": True}, "fw-nacl": {"appliance": True, "deny_5432": True}}.items()}


def _pairs(tmp: Path) -> Path:
    p = tmp / "pairs.yaml"
    p.write_text("- {name: db, from: app-vm, to: db-vm, port: 5432}\n"
                 "- {name: far, from: app-vm, to: far-vm, port: 443}\n"
                 "- {name: db https, from: app-vm, to: db-vm, port: 443}\n")
    return p


def test_nacl_rule_change(snaps, tmp_path: Path) -> None:
    r = diff(load_snapshot(snaps["base"]), load_snapshot(snaps["nacl"]), pairs=load_intents(_pairs(tmp_path)))
    assert [(c.collection, c.change) for c in r.raw] == [("rule_sets", "changed")]
    assert any("ingress 90: deny tcp 5432" in d for d in r.raw[0].details)
    kinds = {(f.dst, f.what): f.kind for f in r.flows}
    assert kinds == {("db-vm", "tcp 5432"): "newly_blocked", ("far-vm", "tcp 443"): "unchanged",
                     ("db-vm", "tcp 443"): "unchanged"}
    assert next(f for f in r.flows if f.kind == "newly_blocked").after.endswith("(db-acl) 90")


def test_route_to_blackhole(snaps, tmp_path: Path) -> None:
    r = diff(load_snapshot(snaps["base"]), load_snapshot(snaps["blackhole"]), pairs=load_intents(_pairs(tmp_path)))
    assert [c.collection for c in r.raw] == ["route_tables"]
    kinds = {f.dst + " " + f.what: f.kind for f in r.flows}
    assert kinds["far-vm tcp 443"] == "newly_blocked" and kinds["db-vm tcp 5432"] == "unchanged"
    assert next(f for f in r.flows if f.dst == "far-vm").after.startswith("no_route")


def test_sg_reference_removed_scope_all_and_reverse(snaps) -> None:
    """With --scope all only the classes that use db-sg are re-examined, and only on the removed rule's
    traffic (tcp 5432: a stateful group's rule decides only requests it matches): app → db loses 5432."""
    before, after = load_snapshot(snaps["base"]), load_snapshot(snaps["noref"])
    r = diff(before, after, scope="all")
    assert "1 of 3 classes" in r.note
    (only,) = r.changed
    assert only.kind == "newly_blocked" and only.what == "tcp 5432"
    assert only.before == "tcp 5432" and only.after == "nothing"
    back = diff(after, before, scope="all")
    assert [f.kind for f in back.changed] == ["newly_open"]


def test_no_change_means_exit_0_and_cli_json(snaps, tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flightpath.cli", "diff", *args], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)

    same = cli(str(snaps["base"]), str(snaps["base"]), "--scope", "all")
    assert same.returncode == 0, same.stderr
    moved = cli(str(snaps["base"]), str(snaps["nacl"]), "--pairs", str(_pairs(tmp_path)), "-f", "json")
    assert moved.returncode == 1
    report = json.loads(moved.stdout)
    assert report["schema"] == "flightpath.diff/v1" and [f["kind"] for f in report["flows"]] == ["newly_blocked"]
    assert cli(str(snaps["base"]), str(snaps["nacl"])).returncode == 2


def test_a_stateless_nacl_change_compares_every_port(snaps) -> None:
    """An NACL is stateless, so its rules also match replies, whose ports are the client's: a changed NACL
    rule is compared on every port, not only on its own range (nacl-ephemeral-ports)."""
    r = diff(load_snapshot(snaps["base"]), load_snapshot(snaps["nacl"]), scope="all")
    changed = {(f.what, f.kind, f.before, f.after) for f in r.changed}
    assert ("every port", "newly_blocked", "tcp 443, 5432", "tcp 443") in changed


def test_a_rule_set_that_transit_traffic_crosses_compares_every_pair(snaps) -> None:
    """When the changed NACL also filters a forwarding appliance's subnet, traffic between two other
    interfaces may cross it, so no pair can be skipped."""
    r = diff(load_snapshot(snaps["fw"]), load_snapshot(snaps["fw-nacl"]), scope="all")
    assert "which traffic between other interfaces crosses" in r.note
    assert r.pairs_compared == 12  # 4 classes (app, db, fw, far), every ordered pair


def test_the_bundled_lab_after_its_fix() -> None:
    """fixtures/kickstart-aws-fixed adds spoke-b-db-acl rule 109 (allow tcp 22 from app-a): app-a gains ssh
    to db-b; the stateless NACL is compared on every port, only for app-a (the rule's peer)."""
    r = diff(load_snapshot(ROOT / "fixtures" / "kickstart-aws"), load_snapshot(ROOT / "fixtures" / "kickstart-aws-fixed"),
             scope="all")
    assert [(c.id, c.details) for c in r.raw] == [("acl-0d4e5f6a7b8c90031",
                                                   ["+ ingress 109: allow tcp 22 from 10.1.1.10/32"])]
    (f,) = r.changed
    assert (f.kind, f.before, f.after) == ("newly_open", "tcp 5432", "tcp 22, 5432") and "(app-a)" in f.src
