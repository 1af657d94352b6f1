"""`trace --fix`: each suggestion is argued from the provider docs, then applied to the in-memory model and
the flow traced again (it must get through). AWS NACLs: "rules are evaluated starting with the lowest
numbered rule ... As soon as a rule matches traffic, it's applied" and they are stateless
(https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html); security groups allow only, as a union
(…/security-group-rules.html); Azure NSG priorities are 100-4096, lower first
(https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from scenario_builder import AwsScenario, inbound, outbound

from flightpath.evaluate import Query, run_query
from flightpath.model import Verdict
from flightpath.questions.fixes import Fix, NoSafeFix, apply, suggest, verify
from flightpath.report import schema
from flightpath.topology import Topology, load_snapshot

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "fixtures" / "kickstart-aws"


@pytest.fixture(scope="module")
def lab():
    return load_snapshot(LAB, use_cache=False)


def _fixed(topo, q: Query):
    fixes = suggest(topo, run_query(topo, q).trace)
    return fixes, run_query(Topology(apply(topo.estate, fixes)), Query(q.src, q.dst, q.protocol, q.port)).trace


def test_nacl_deny_gets_an_allow_just_below_it(lab) -> None:
    """spoke-b-db-acl: 100 allows 5432, 110 denies tcp 22 from 10.0.0.0/8. An allow at 109 (free, below 110)
    is evaluated before the deny and admits only app-a's address on port 22."""
    q = Query("app-a", "db-b", "tcp", 22)
    (fix,), after = _fixed(lab, q)
    assert isinstance(fix, Fix) and fix.rule_set.ref.id == "acl-0d4e5f6a7b8c90031" and fix.rule.priority == 109
    assert fix.command == ("aws ec2 create-network-acl-entry --network-acl-id acl-0d4e5f6a7b8c90031 --ingress "
                           "--rule-number 109 --protocol tcp --port-range From=22,To=22 --cidr-block 10.1.1.10/32 "
                           "--rule-action allow --region us-east-1")
    assert after.verdict is Verdict.DELIVERED
    assert lab.estate.rule_sets["acl-0d4e5f6a7b8c90031"].rules[-1].label == "*"  # the original is untouched
    # nothing wider than asked: another source still meets the deny
    other = run_query(Topology(apply(lab.estate, [fix])), Query("bastion", "db-b", "tcp", 22)).trace
    assert other.first_block is not None and other.first_block.rule.label == "110"


def test_security_group_implicit_deny_gets_an_ingress_rule(lab) -> None:
    """bastion-sg admits tcp 22 only from 198.51.100.0/24; a client at 203.0.113.50 needs its own rule."""
    (fix,), after = _fixed(lab, Query("203.0.113.50", "bastion", "tcp", 22))
    assert fix.rule_set.ref.id == "sg-0e5f6a7b8c9d00011"
    assert fix.command.startswith("aws ec2 authorize-security-group-ingress --group-id sg-0e5f6a7b8c9d00011 "
                                  "--ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=203.0.113.50/32}]'")
    assert after.verdict is Verdict.DELIVERED


def test_stateless_return_path_and_all_blockers(tmp_path: Path) -> None:
    """db's NACL admits tcp 443 in but lets only tcp 443 out, so the reply (to the client's port 49152) is
    denied on the return path; db-sg admits nothing. With --all-blockers both get a rule: an SG ingress
    rule and an NACL egress rule for the reply's port, with the ephemeral-range note."""
    b = AwsScenario(tmp_path)
    b.vpc("a", "10.1.0.0/16")
    b.subnet("app", "a", "10.1.1.0/24")
    b.subnet("db", "a", "10.1.2.0/24")
    b.sg("db-sg", "a", ingress=[])
    b.nacl("db-acl", "a", subnets=["db"], entries=[inbound(100, 6, "allow", "0.0.0.0/0", ports=443),
                                                   outbound(100, 6, "allow", "0.0.0.0/0", ports=443)])
    b.instance("app-vm", "app", "10.1.1.10")
    b.instance("db-vm", "db", "10.1.2.20", sgs=["db-sg"])
    topo = load_snapshot(b.write(), use_cache=False)
    q = Query("app-vm", "db-vm", "tcp", 443, all_blockers=True)
    fixes, after = _fixed(topo, q)
    kinds = sorted((f.path, f.rule_set.ref.type, f.rule.direction.value) for f in fixes)
    assert kinds == [("forward", "security-group", "ingress"), ("return", "network-acl", "egress")]
    nacl = next(f for f in fixes if f.path == "return")
    # the reply matched no numbered rule, so the `*` deny (32767) decided: 32766 is the free number just below
    assert nacl.rule.dst_ports[0].low == 49152 and nacl.rule.priority == 32766 and "ephemeral" in nacl.note
    assert after.verdict is Verdict.DELIVERED
    assert verify(topo, q, fixes) is Verdict.DELIVERED


def test_no_safe_fix_at_the_lowest_nsg_priority_and_for_a_blackhole(lab) -> None:
    """kickstart: nsg-spoke2-app's deny-aws-ssh sits at priority 100, the lowest an NSG allows: no allow can
    go above it. A TGW blackhole route (10.99.0.0/16) is no rule at all: options are named instead."""
    multi = load_snapshot(ROOT / "fixtures" / "kickstart", use_cache=False)
    (nsg,) = suggest(multi, run_query(multi, Query("app-a", "vm-spoke2", "tcp", 22)).trace)
    assert isinstance(nsg, NoSafeFix) and any("deny-aws-ssh" in o for o in nsg.options)
    (route,) = suggest(lab, run_query(lab, Query("app-a", "10.99.0.5", "tcp", 443)).trace)
    assert isinstance(route, NoSafeFix) and route.reason.startswith("no_route") and route.options


def test_cli_fix_json_validates() -> None:
    done = subprocess.run([sys.executable, "-m", "flightpath.cli", "trace", "app-a", "db-b", "--port", "22", "-s",
                           str(LAB), "--fix", "-f", "json"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1, done.stderr  # the trace itself is still blocked: the fix is a suggestion
    report = json.loads(done.stdout)
    jsonschema.validate(report, schema())
    assert report["fixes"]["verdict_with_fixes"] == "delivered"
