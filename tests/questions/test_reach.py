"""`reach`: the exact port sets, argued from the rules by hand (AWS semantics: security groups are a union
of allows, https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html; NACLs are first
match by rule number and stateless, so the reply needs its own allow for the client's ephemeral port,
https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html and …/nacl-ephemeral-ports.html)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from scenario_builder import AwsScenario, any_proto, inbound, outbound, tcp

from flightpath.evaluate import trace
from flightpath.model.flow import Flow
from flightpath.questions.reach import reach, split
from flightpath.report.reach_report import build_reach_report, reach_schema
from flightpath.topology import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "fixtures" / "kickstart-aws"
MULTI = ROOT / "fixtures" / "kickstart"


@pytest.fixture(scope="module")
def lab():
    return load_snapshot(LAB, use_cache=False)


def _estate(tmp: Path, *, acl_in=(), acl_out=(), sg_in=(tcp(8000, 8100, cidr="10.1.0.0/16"),)):
    b = AwsScenario(tmp)
    b.vpc("a", "10.1.0.0/16")
    b.subnet("app", "a", "10.1.1.0/24")
    b.subnet("db", "a", "10.1.2.0/24")
    b.sg("app-sg", "a", ingress=[])
    b.sg("db-sg", "a", ingress=list(sg_in))
    if acl_in or acl_out:
        b.nacl("db-acl", "a", subnets=["db"], entries=[*acl_in, *acl_out])
    b.instance("app-vm", "app", "10.1.1.10", sgs=["app-sg"])
    b.instance("db-vm", "db", "10.1.2.20", sgs=["db-sg"])
    return load_snapshot(b.write(), use_cache=False)


def test_split_cuts_at_each_boundary() -> None:
    assert split((0, 65535), {22, 23}) == [(0, 21), (22, 22), (23, 65535)]
    assert split((49152, 65535), {0, 1024, 65536}) == [(49152, 65535)]


def test_lab_app_to_db_is_exactly_postgres(lab) -> None:
    """spoke-b-db-acl inbound: 100 allow tcp 5432 from 10.1/16, 110 deny tcp 22 from 10/8, 120 allow tcp
    1024-65535, * deny; db-b-sg allows tcp 5432 and 22 from 10.1/16 (fixtures/kickstart-aws/README.md).
    So only tcp 5432 passes: 22 dies at NACL 110, 1024-65535 but 5432 at the SG, the rest at the NACL."""
    r = reach(lab, "app-a", "db-b")
    assert r.summary == "tcp 5432"
    by = {s.describe(): s for s in r.segments}
    assert by["tcp 22"].blocker.rule.label == "110" and by["tcp 22"].blocker.code == "SUBNET_ACL_RESTRICTION"
    assert by["tcp 1024-5431"].blocker.resource.id == "eni-0f6a7b8c9d0e10031"
    assert by["tcp 1024-5431"].blocker.code == "ENI_SG_RULES_MISMATCH"
    assert by["tcp 0-21"].blocker.rule.label == by["udp 0-65535"].blocker.rule.label == "*"
    assert {rr.label for rr in by["tcp 5432"].admitted_by} >= {"100", "IpPermissions[0]"}


def test_sg_range_minus_a_nacl_deny(tmp_path: Path) -> None:
    """SG allows 8000-8100; the NACL denies 8080 (rule 100) before allowing everything (rule 110):
    8000-8079 and 8081-8100 pass, nothing else (the issue's own example)."""
    topo = _estate(tmp_path, acl_in=[inbound(100, 6, "deny", "0.0.0.0/0", ports=8080),
                                     inbound(110, -1, "allow", "0.0.0.0/0")],
                   acl_out=[outbound(100, -1, "allow", "0.0.0.0/0")])
    r = reach(topo, "app-vm", "db-vm", protocol=6)
    assert r.summary == "tcp 8000-8079, 8081-8100"
    assert next(s for s in r.segments if s.dst_ports == (8080, 8080)).blocker.rule.label == "100"


def test_reply_needs_the_clients_source_port_in_the_nacl(tmp_path: Path) -> None:
    """The NACL lets replies out only to tcp 50000-65535 (outbound rule 100): a client whose source port
    is 49152-49999 never gets its reply; with the default 49152-65535 the open set names the ports."""
    topo = _estate(tmp_path, sg_in=[tcp(443, cidr="10.1.0.0/16")],
                   acl_in=[inbound(100, -1, "allow", "0.0.0.0/0")],
                   acl_out=[outbound(100, 6, "allow", "0.0.0.0/0", ports=(50000, 65535))])
    r = reach(topo, "app-vm", "db-vm", protocol=6)
    assert r.summary == "tcp 443 (from source ports 50000-65535)"
    lost = next(s for s in r.segments if s.dst_ports == (443, 443) and s.src_ports == (49152, 49999))
    assert lost.verdict.value == "blocked" and lost.reason.startswith("return path")
    fixed = reach(topo, "app-vm", "db-vm", protocol=6, src_port=49152)
    assert fixed.summary == "nothing"


def test_every_protocol_splits_named_protocols(tmp_path: Path) -> None:
    """protocol=None: GRE (47) allowed by an SG rule of its own, every other protocol blocked."""
    topo = _estate(tmp_path, sg_in=[{**any_proto(cidr="10.1.0.0/16"), "IpProtocol": "47"}])
    r = reach(topo, "app-vm", "db-vm", protocol=None)
    assert r.summary == "gre"
    assert [s.label for s in r.segments if s.label] == ["every other protocol"]


def test_reach_agrees_with_single_traces(lab) -> None:
    """Differential: for random ports and source ports, the segment holding a flow has the verdict a
    plain trace of that flow gives (seeded; FLIGHTPATH_DIFF_FLOWS for more)."""
    import os

    rng = random.Random(1234)
    flows = int(os.environ.get("FLIGHTPATH_DIFF_FLOWS", "2000"))
    pairs = [("app-a", "db-b"), ("internet", "bastion"), ("app-a", "10.0.0.10")]
    results = {p: reach(lab, *p) for p in pairs}
    for _ in range(flows):
        pair = rng.choice(pairs)
        r = results[pair]
        proto = rng.choice([6, 17])
        port, sport = rng.randint(0, 65535), rng.randint(49152, 65535)
        seg = next(s for s in r.segments if s.protocol == proto and s.dst_ports[0] <= port <= s.dst_ports[1]
                   and s.src_ports[0] <= sport <= s.src_ports[1])
        t = trace(lab, Flow.build(proto, r.source.address, r.destination.address, port, sport), source=r.source)
        assert t.verdict is seg.verdict, (pair, proto, port, sport)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flightpath.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


def test_json_report_validates_and_cli_exit_codes(lab) -> None:
    r = reach(lab, "app-a", "db-b")
    report = build_reach_report(r, lab.info, {"src": "app-a", "dst": "db-b", "protocol": "default", "src_port": None})
    jsonschema.validate(report, reach_schema())
    assert report["open"] == "tcp 5432"
    for args, code in ((["app-a", "db-b"], 0), (["app-a", "10.99.0.5"], 1)):  # 10.99/16 is a TGW blackhole
        done = _cli("reach", *args, "-s", str(LAB), "-f", "json")
        assert done.returncode == code, done.stderr
        jsonschema.validate(json.loads(done.stdout), reach_schema())
    bad = _cli("reach", "app-a", "db-b", "-s", str(LAB), "--protocol", "bogus")
    assert bad.returncode == 2 and "unknown protocol" in bad.stderr and "Traceback" not in bad.stderr
    assert json.loads(_cli("schema", "reach").stdout)["properties"]["schema"]["const"] == "flightpath.reach/v1"


def test_multicloud_vnet_tag_admits_everything_from_the_vpn(tmp_path: Path) -> None:
    """Azure's AllowVnetInBound (65000) matches VirtualNetwork → VirtualNetwork, and the VirtualNetwork tag
    includes the prefixes connected through the VPN gateway (service-tags-overview): so everything from
    AWS app-a reaches vm-spoke1, tcp 22 and 443 by the explicit allow-aws-ssh-https rule."""
    r = reach(load_snapshot(MULTI, use_cache=False), "app-a", "vm-spoke1")
    assert r.summary == "tcp 0-65535; udp 0-65535; icmp type 0-255"
    by = {s.describe(): s for s in r.segments}
    assert any(x.label.endswith("allow-aws-ssh-https") for x in by["tcp 22"].admitted_by)
    assert any(x.label.endswith("AllowVnetInBound") for x in by["tcp 23-442"].admitted_by)


def test_reach_agrees_with_single_traces_on_a_generated_estate(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same differential property on a seeded synthetic estate (bench/generate.py, size XS: transit
    gateways, peerings, SG references, prefix lists, NACLs), over its designed source/destination pairs."""
    sys.path.insert(0, str(ROOT / "bench"))
    import generate  # bench/ is a folder of scripts

    out = generate.generate("XS", tmp_path_factory.mktemp("xs") / "XS", seed=11, jobs=1, pairs=40)
    topo = load_snapshot(out / "snapshot", use_cache=False)
    pairs = json.loads((out / "pairs.json").read_text())["pairs"]
    rng = random.Random(99)
    checked = 0
    for p in {(q["src"], q["dst"]) for q in pairs}:
        r = reach(topo, *p, protocol=6)
        for _ in range(25):
            port, sport = rng.randint(0, 65535), rng.randint(49152, 65535)
            seg = next(s for s in r.segments if s.dst_ports[0] <= port <= s.dst_ports[1]
                       and s.src_ports[0] <= sport <= s.src_ports[1])
            t = trace(topo, Flow.build(6, r.source.address, r.destination.address, port, sport), source=r.source)
            assert t.verdict is seg.verdict, (p, port, sport)
            checked += 1
    assert checked >= 500


def test_exposure_agrees_with_single_traces_on_a_generated_estate(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every port exposure reports open from the internet is delivered by a plain trace from that client,
    and a sample of ports it does not report is not (seeded)."""
    from flightpath.questions.exposure import exposure

    sys.path.insert(0, str(ROOT / "bench"))
    import generate

    out = generate.generate("XS", tmp_path_factory.mktemp("xs-exp") / "XS", seed=5, jobs=1, pairs=10)
    topo = load_snapshot(out / "snapshot", use_cache=False)
    r = exposure(topo)
    assert r.exposed
    rng = random.Random(3)
    for x in r.exposed:
        src = r.source_label
        for s in x.segments:
            if s.dst_ports is None:
                continue
            port = rng.randint(*s.dst_ports)
            t = trace(topo, Flow.build(s.protocol, __import__("ipaddress").ip_address(src), x.address, port,
                                       rng.randint(*s.src_ports)))
            assert t.verdict.reachable, (x.interface.ref.id, port)
        closed = [p for p in rng.sample(range(65536), 50)
                  if not any(s.protocol == 6 and s.dst_ports and s.dst_ports[0] <= p <= s.dst_ports[1]
                             for s in x.segments)]
        for port in closed[:10]:
            t = trace(topo, Flow.build(6, __import__("ipaddress").ip_address(src), x.address, port, 50000))
            assert not t.verdict.reachable, (x.interface.ref.id, port)


def test_a_load_balancer_listener_port_is_a_boundary(tmp_path: Path) -> None:
    """Targets whose security group admits every tcp port behind an NLB that listens on tcp 80 only: reach
    to the NLB's node address is exactly tcp 80 (a port with no listener is blocked by the load balancer,
    RA ELBV2_LISTENER_PORT_RESTRICTION). No rule draws 80 here: the listener must."""
    from test_load_balancers import _lab

    b, _topo, lb_arn = _lab(tmp_path)
    groups = next((tmp_path).rglob("DescribeSecurityGroups.json"))
    body = json.loads(groups.read_text())
    for g in body["SecurityGroups"]:
        if g["GroupName"] == "web-sg":
            g["IpPermissions"] = [tcp(0, 65535, cidr="10.1.0.0/16")]
    groups.write_text(json.dumps(body))
    topo = load_snapshot(groups.parents[3], use_cache=False)
    r = reach(topo, "app1", "10.1.3.10", protocol=6)
    assert r.summary == "tcp 80"
    blocked = next(s for s in r.segments if s.dst_ports == (81, 65535))
    assert (blocked.blocker.resource.id, blocked.blocker.code) == (lb_arn, "ELBV2_LISTENER_PORT_RESTRICTION")
