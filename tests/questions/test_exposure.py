"""`exposure`: what the internet (or an address inside) can reach, argued from the AWS docs: an internet
gateway reaches an instance only through a public IP bound to its ENI
(https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html), and its security groups
(a union of allows) and subnet NACL decide the ports
(https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from scenario_builder import AwsScenario, tcp

from flightpath.questions.exposure import exposure
from flightpath.questions.reach import reach
from flightpath.report.exposure_report import build_exposure_report, exposure_schema
from flightpath.topology import load_snapshot

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory):
    b = AwsScenario(tmp_path_factory.mktemp("exposure"))
    b.vpc("a", "10.1.0.0/16")
    b.subnet("pub", "a", "10.1.1.0/24")
    b.subnet("priv", "a", "10.1.2.0/24")
    b.igw("igw", "a")
    b.route_table("rt-pub", "a", subnets=["pub"], routes=[("0.0.0.0/0", "igw")])
    b.sg("web-sg", "a", ingress=[tcp(443, cidr="0.0.0.0/0"), tcp(22, cidr="192.0.2.0/24")])
    b.sg("db-sg", "a", ingress=[tcp(5432, cidr="0.0.0.0/0")])
    b.instance("web1", "pub", "10.1.1.10", sgs=["web-sg"], eip="3.3.3.10")
    b.instance("web2", "pub", "10.1.1.11", sgs=["web-sg"], eip="3.3.3.11")
    b.instance("db-public", "pub", "10.1.1.20", sgs=["db-sg"], eip="3.3.3.20")
    b.instance("db-private", "priv", "10.1.2.20", sgs=["db-sg"])  # no public IP, no route to the IGW
    return load_snapshot(b.write(), use_cache=False)


def test_internet_exposure_ports_sources_and_order(estate) -> None:
    """db-public: tcp 5432 from anyone (a database port: first). web1/web2: tcp 443 from anyone, tcp 22 only
    from 192.0.2.0/24. db-private has no public IP, so the internet cannot address it at all."""
    r = exposure(estate)
    got = {x.interface.instance.name: x for x in r.exposed}
    assert set(got) == {"db-public", "web1", "web2"}
    assert r.exposed[0].interface.instance.name == "db-public"
    assert got["db-public"].open == "tcp 5432" and "postgres 5432/tcp" in got["db-public"].risky_ports
    assert str(got["db-public"].address) == "3.3.3.20"
    for web in ("web1", "web2"):
        assert got[web].open == "tcp 443"
        assert [(c, o) for c, o, _s in got[web].restricted] == [("192.0.2.0/24", "tcp 22, 443")]
    assert r.candidates == 3  # the three public IPs
    assert r.classes == 2  # web1 and web2 share subnet, security groups and route table


def test_classes_agree_with_one_reach_per_member(estate) -> None:
    """The equivalence classes are an optimisation only: each member's answer is its own reach."""
    r = exposure(estate)
    for x in r.exposed:
        assert reach(estate, r.source_label, str(x.address)).summary == x.open


def test_exposure_from_inside(estate) -> None:
    """From web1 (inside the VPC): db-private and db-public answer on 5432 (db-sg allows it from anywhere);
    web2 on 443 (22 is only for 192.0.2.0/24)."""
    r = exposure(estate, "web1")
    got = {x.interface.instance.name: x.open for x in r.exposed}
    assert got == {"db-private": "tcp 5432", "db-public": "tcp 5432", "web2": "tcp 443"}


def test_lab_bastion_only_for_its_client_range() -> None:
    """kickstart-aws: bastion-sg admits tcp 22 from 198.51.100.0/24 only (README case 5: other clients are
    blocked), so nothing is open to any internet client and ssh is open to that range."""
    topo = load_snapshot(ROOT / "fixtures" / "kickstart-aws", use_cache=False)
    r = exposure(topo)
    (x,) = r.exposed
    assert x.interface.instance.name == "bastion" and x.open == "nothing"
    assert [(c, o) for c, o, _s in x.restricted] == [("198.51.100.0/24", "tcp 22")]
    jsonschema.validate(build_exposure_report(r, topo.info), exposure_schema())


def test_cli_json_is_schema_valid() -> None:
    done = subprocess.run([sys.executable, "-m", "flightpath.cli", "exposure", "-s", str(ROOT / "fixtures" / "kickstart"),
                           "-f", "json"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    jsonschema.validate(json.loads(done.stdout), exposure_schema())
