"""`flightpath check`: intents whose expected outcomes follow the lab's documented behaviour
(fixtures/kickstart-aws/README.md "Expected outcomes": postgres delivered, ssh denied by spoke-b-db-acl
rule 110, the bastion only for 198.51.100.0/24, 10.99.0.0/16 a TGW blackhole), JUnit read back by a real
consumer library (junitparser), and one-line errors for bad files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml
from scenario_builder import AwsScenario, inbound, outbound, tcp

from flightpath.questions.check import FAIL, PASS, UNKNOWN, check, exit_code, expand
from flightpath.questions.intents import IntentError, load_intents
from flightpath.report.check_report import junit_xml
from flightpath.topology import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "fixtures" / "kickstart-aws"
EXAMPLE = ROOT / "examples" / "kickstart-aws-intents.yaml"


@pytest.fixture(scope="module")
def lab():
    return load_snapshot(LAB, use_cache=False)


def _write(tmp: Path, text: str, name: str = "intents.yaml") -> Path:
    p = tmp / name
    p.write_text(text)
    return p


def test_the_example_intents_hold_on_the_lab(lab) -> None:
    outcomes = check(lab, load_intents(EXAMPLE))
    assert [o.status for o in outcomes] == [PASS] * 7 and exit_code(outcomes) == 0


def test_a_failing_intent_names_the_blocker_in_junit(lab, tmp_path: Path) -> None:
    """Expecting ssh app-a → db-b to work fails: spoke-b-db-acl rule 110 denies tcp 22 from 10.0.0.0/8."""
    f = _write(tmp_path, "- {name: ssh to db, from: app-a, to: db-b, port: 22, expect: reachable}\n"
                         "- {name: postgres to db, from: app-a, to: db-b, port: 5432}\n")
    outcomes = check(lab, load_intents(f))
    assert [o.status for o in outcomes] == [FAIL, PASS] and exit_code(outcomes) == 1
    assert "acl-0d4e5f6a7b8c90031" in outcomes[0].message or "spoke-b-db" in outcomes[0].message
    xml = tmp_path / "junit.xml"
    xml.write_text(junit_xml(outcomes, lab.info))
    suite = next(iter(JUnitXml.fromfile(str(xml))))
    cases = {c.name: c for c in suite}
    assert suite.tests == 2 and suite.failures == 1
    (failure,) = cases["ssh to db"].result
    assert isinstance(failure, Failure) and "expected reachable, got blocked" in failure.message
    assert cases["postgres to db"].is_passed


def test_blocked_by_and_via_must_name_the_right_resources(lab, tmp_path: Path) -> None:
    f = _write(tmp_path, "- {name: wrong blocker, from: app-a, to: db-b, port: 22, expect: blocked, "
                         "blocked_by: sg-0e5f6a7b8c9d00031}\n"
                         "- {name: wrong via, from: app-a, to: db-b, port: 5432, via: igw-02b3c4d5e6f7a0001}\n")
    a, b = check(lab, load_intents(f))
    assert a.status == FAIL and "not sg-0e5f6a7b8c9d00031" in a.message
    assert b.status == FAIL and "does not cross igw-02b3c4d5e6f7a0001" in b.message


def test_port_ranges_are_exact(tmp_path: Path) -> None:
    """The SG allows 8000-8100 and the NACL denies 8080 first (nacl-rules: first match): the whole range is
    not reachable (8080 fails), 8000-8079 is."""
    b = AwsScenario(tmp_path / "snap")
    b.vpc("a", "10.1.0.0/16")
    b.subnet("app", "a", "10.1.1.0/24")
    b.subnet("db", "a", "10.1.2.0/24")
    b.sg("db-sg", "a", ingress=[tcp(8000, 8100, cidr="10.1.0.0/16")])
    b.nacl("db-acl", "a", subnets=["db"], entries=[inbound(100, 6, "deny", "0.0.0.0/0", ports=8080),
                                                   inbound(110, -1, "allow", "0.0.0.0/0"),
                                                   outbound(100, -1, "allow", "0.0.0.0/0")])
    b.instance("app-vm", "app", "10.1.1.10")
    b.instance("db-vm", "db", "10.1.2.20", sgs=["db-sg"])
    topo = load_snapshot(b.write(), use_cache=False)
    f = _write(tmp_path, "- {name: all, from: app-vm, to: db-vm, port: 8000-8100}\n"
                         "- {name: low, from: app-vm, to: db-vm, port: 8000-8079}\n"
                         "- {name: none above, from: {cidr: 10.1.1.0/24}, to: {group: db-sg}, port: 8101-9000, "
                         "expect: unreachable}\n")
    whole, low, above = check(topo, load_intents(f))
    assert whole.status == FAIL and "tcp 8080" in whole.message
    assert low.status == PASS and above.status == PASS


def test_missing_data_is_unknown_exit_3(tmp_path: Path) -> None:
    b = AwsScenario(tmp_path / "snap")
    b.vpc("a", "10.1.0.0/16")
    b.subnet("app", "a", "10.1.1.0/24")
    b.instance("app-vm", "app", "10.1.1.10")
    b.instance("db-vm", "app", "10.1.1.20")
    b.error("DescribeSecurityGroups")
    topo = load_snapshot(b.write(), use_cache=False)
    (o,) = check(topo, load_intents(_write(tmp_path, "- {name: x, from: app-vm, to: db-vm, port: 443}\n")))
    assert o.status == UNKNOWN and exit_code([o]) == 3


def test_selectors_expand_to_host_interfaces(lab) -> None:
    assert expand(lab, {"cidr": "10.1.0.0/16"}, "t") == ["eni-0f6a7b8c9d0e10021"]  # app-a; not the TGW ENI
    assert expand(lab, {"subnet": "spoke-b-db"}, "t") == ["eni-0f6a7b8c9d0e10031"]
    with pytest.raises(IntentError, match="selects no interface"):
        expand(lab, {"network": "vpc-nothere"}, "t")


@pytest.mark.parametrize("text, message", [
    ("- {name: a, from: app-a, to: db-b, port: 22, expect: maybe}\n", "intents[0] (a).expect: expected one of"),
    ("- {from: app-a, to: db-b}\n", "intents[0].name: expected a non-empty string"),
    ("- {name: a, from: app-a, to: db-b, port: 70000}\n", "intents[0] (a).port: 70000 is not a port range"),
    ("- {name: a, from: app-a, to: db-b, colour: red}\n", "intents[0]: unknown field 'colour'"),
    ("- {name: a, from: {vpc: x}, to: db-b}\n", "intents[0] (a).from: expected an endpoint"),
    ("- {name: a, from: app-a\n", "malformed YAML at line"),
    ("[]\n", "expected a non-empty list of intents"),
])
def test_bad_intents_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    f = _write(tmp_path, text)
    with pytest.raises(IntentError) as exc:
        load_intents(f)
    assert message in str(exc.value) and str(f) in str(exc.value) and "\n" not in str(exc.value)


def test_cli_exit_codes(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flightpath.cli", *args], capture_output=True, text=True,
                              cwd=ROOT, timeout=60)

    assert cli("check", str(EXAMPLE), "-s", str(LAB)).returncode == 0
    bad = cli("check", str(_write(tmp_path, "- {name: a, from: nobody, to: db-b, port: 22}\n")), "-s", str(LAB))
    assert bad.returncode == 2 and "intent 'a'" in bad.stderr and "Traceback" not in bad.stderr
    out = tmp_path / "junit.xml"
    done = cli("check", str(_write(tmp_path, "- {name: s, from: app-a, to: db-b, port: 22}\n", "f.yaml")), "-s",
               str(LAB), "-f", "junit", "-o", str(out))
    assert done.returncode == 1 and JUnitXml.fromfile(str(out)).failures == 1
    assert cli("schema", "intents").returncode == 0
