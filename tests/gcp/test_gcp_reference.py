"""The real published Compute Engine responses (fixtures/reference/gcp, forseti's recordings) load cleanly, and
bad input fails with one line naming the file and the field. Expected values are read off the JSON by hand."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from ipaddress import ip_address, ip_network

import pytest
from gcp_helpers import REFERENCE, ingress_rule, trace

from flightpath.errors import SnapshotError
from flightpath.model import Verdict
from flightpath.topology import load_snapshot

NET1 = "projects/project1/global/networks/default1"
NIC = "projects/project1/zones/us-central1-c/instances/iap-ig-79bj#nic0"


@pytest.fixture(scope="module")
def topo():
    return load_snapshot(REFERENCE, use_cache=False)


def test_networks_and_subnets(topo):
    e = topo.estate
    assert set(e.networks) == {NET1, "projects/project1/global/networks/default2"}
    # 12 regional subnets of the auto-mode network default1 (NETWORKS_LIST_PAGE1 lists 12 subnetworks) + default2;
    # SUBNETWORKS_LIST repeats two of them: kept once
    assert len(e.subnets) == 13
    assert e.networks["projects/project1/global/networks/default2"].cidrs == (ip_network("192.168.0.0/20"),)
    assert ip_network("10.128.0.0/20") in e.networks[NET1].cidrs and len(e.networks[NET1].cidrs) == 12
    sub = e.subnets["projects/project1/regions/us-central1/subnetworks/default1"]
    assert sub.cidrs == (ip_network("10.128.0.0/20"),) and sub.stage is None and sub.ref.region == "us-central1"
    assert not [w for w in topo.info.warnings if "not a recognised" in w]


def test_the_instance_nic(topo):
    i = topo.estate.interfaces[NIC]
    assert i.private_ips == (ip_address("10.128.0.2"),)
    assert i.public_ips == ((ip_address("10.128.0.2"), ip_address("104.198.131.130")),)
    assert i.instance.name == "iap-ig-79bj" and i.network_id == NET1 and not i.forwards
    assert len(topo.estate.interfaces) == 1  # the same VM in the aggregated and the zonal list


def test_the_four_default_rules_apply_to_the_vm(topo):
    i = topo.estate.interfaces[NIC]
    vpc = next(t for t in i.stage.tiers if t.label == "VPC firewall rules")
    rules = topo.estate.rule_sets[vpc.rule_set_ids[0]].rules
    assert {r.label for r in rules} == {"default-allow-icmp", "default-allow-rdp", "default-allow-ssh",
                                        "default-allow-internal"}
    assert len(rules) == 6  # default-allow-internal lists udp, tcp and icmp: three model rules
    internal = [r for r in rules if r.label == "default-allow-internal"]
    assert {r.protocol for r in internal} == {17, 6, 1}  # udp 1-65535, tcp 1-65535, icmp; from 10.0.0.0/8
    assert all(r.sources.cidrs == (ip_network("10.0.0.0/8"),) for r in internal)
    assert [t.label for t in i.stage.tiers] == ["always-blocked traffic", "VPC firewall rules", "implied rules"]


@pytest.mark.parametrize("src, proto, port, rule", [
    ("internet", "tcp", 22, "default-allow-ssh"),     # sourceRanges 0.0.0.0/0, tcp 22
    ("internet", "tcp", 3389, "default-allow-rdp"),
    ("internet", "icmp", None, "default-allow-icmp"),
])
def test_the_rules_admit_what_they_say(topo, src, proto, port, rule):
    t = trace(topo, src, "104.198.131.130" if src == "internet" else "10.128.0.2", proto, port)
    assert t.forward.verdict is Verdict.DELIVERED and ingress_rule(t) == rule


def test_implied_deny_and_missing_routes(topo):
    t = trace(topo, "internet", "104.198.131.130", port=80)
    assert t.verdict is Verdict.BLOCKED and t.first_block.rule.label == "implied deny ingress"
    # the reply needs the network's routes, which these files do not include: unknown, never a guess
    t = trace(topo, "internet", "104.198.131.130", port=22)
    assert t.verdict is Verdict.UNKNOWN and "routes of project project1" in t.reply.reason


# --- bad input ------------------------------------------------------------------------------------------
def _copy(tmp_path):
    dst = tmp_path / "snap" / "gcp" / "project1"
    shutil.copytree(REFERENCE, dst, ignore=shutil.ignore_patterns("*.md", "COMMIT", "LICENSE*"))
    return tmp_path / "snap", dst


def test_bad_range_in_a_firewall_rule(tmp_path):
    root, d = _copy(tmp_path)
    body = json.loads((d / "FIREWALLS_LIST_PAGE2.json").read_text())
    body["items"][0]["sourceRanges"] = ["10.0.0.300/8"]
    (d / "FIREWALLS_LIST_PAGE2.json").write_text(json.dumps(body))
    with pytest.raises(SnapshotError) as err:
        load_snapshot(root, use_cache=False)
    msg = str(err.value)
    assert "FIREWALLS_LIST_PAGE2.json" in msg and "sourceRanges[0]" in msg and "\n" not in msg


def test_route_referencing_a_missing_network(tmp_path):
    root, d = _copy(tmp_path)
    (d / "routes.json").write_text(json.dumps({"kind": "compute#routeList", "items": [{
        "kind": "compute#route", "name": "r1", "destRange": "0.0.0.0/0", "priority": 1000,
        "network": "https://www.googleapis.com/compute/v1/projects/project1/global/networks/nope",
        "nextHopGateway": "https://www.googleapis.com/compute/v1/projects/project1/global/gateways/default-internet-gateway",
        "selfLink": "https://www.googleapis.com/compute/v1/projects/project1/global/routes/r1"}]}))
    with pytest.raises(SnapshotError) as err:
        load_snapshot(root, use_cache=False)
    assert "routes.json" in str(err.value) and "'network'" in str(err.value) and "networks/nope" in str(err.value)


def test_truncated_json_cli_exit_2_one_line(tmp_path):
    root, d = _copy(tmp_path)
    text = (d / "NETWORKS_LIST_PAGE2.json").read_text()
    (d / "NETWORKS_LIST_PAGE2.json").write_text(text[: len(text) // 2])
    p = subprocess.run([sys.executable, "-m", "flightpath.cli", "trace", "iap-ig-79bj", "10.128.0.9",
                        "--snapshot", str(root)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "NETWORKS_LIST_PAGE2.json" in lines[0] and "Traceback" not in p.stderr
