"""Recognising OCI JSON by content (wire camelCase and the oci CLI's kebab-case `{"data": ...}`), and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import trace
from oci_builder import OciScenario, egress, ingress

from flightpath import load_snapshot
from flightpath.errors import SnapshotError
from flightpath.model.outcome import Verdict


def _kebab(value):
    """What the oci CLI prints: the same resource with kebab-case keys."""
    if isinstance(value, dict):
        return {"".join("-" + c.lower() if c.isupper() else c for c in k): _kebab(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_kebab(v) for v in value]
    return value


def _lab(root: Path) -> Path:
    b = OciScenario(root)
    b.vcn("lab", "10.0.0.0/16", "10.1.0.0/16")
    b.route_table("rt", "lab", [("0.0.0.0/0", b.id("internetgateway", "igw"))])
    b.igw("igw", "lab")
    b.security_list("sl", "lab", ingress=[ingress("10.0.0.0/8", 6, 22)], egress=[egress("0.0.0.0/0")])
    b.subnet("web", "lab", "10.0.1.0/24", "rt", ["sl"])
    b.subnet("db", "lab", "10.1.1.0/24", "rt", ["sl"])
    b.instance("web1", "web", "10.0.1.10", public_ip="129.146.0.10", secondary=["10.0.1.20"])
    b.instance("db1", "db", "10.1.1.10")
    return b.write()


def _summary(e):
    return (sorted((n.ref.name, n.cidrs) for n in e.networks.values()),
            sorted((s.ref.name, s.cidrs, s.route_table_id) for s in e.subnets.values()),
            sorted((r.ref.name, len(r.rules)) for r in e.rule_sets.values()),
            sorted((i.ref.name, i.private_ips, i.public_ips) for i in e.interfaces.values()),
            sorted((t.ref.name, len(t.routes)) for t in e.route_tables.values()))


def test_cli_kebab_case_output_reads_like_the_wire_json(tmp_path):
    wire = _lab(tmp_path / "wire")
    cli = tmp_path / "cli"
    for f in wire.rglob("*.json"):
        dest = cli / f.relative_to(wire)
        dest.parent.mkdir(parents=True, exist_ok=True)
        body = json.loads(f.read_text())
        dest.write_text(json.dumps({"data": _kebab(body)}))
    a = load_snapshot(wire, use_cache=False).estate
    b = load_snapshot(cli, use_cache=False).estate
    assert _summary(a) == _summary(b)
    web = next(i for i in b.interfaces.values() if i.ref.name == "web1-vnic")
    assert [str(ip) for ip in web.private_ips] == ["10.0.1.10", "10.0.1.20"]  # primary + secondary private IP
    assert b.networks["ocid1.vcn.oc1.iad.lab"].cidrs[1].exploded == "10.1.0.0/16"  # several VCN CIDRs
    assert trace(load_snapshot(cli, use_cache=False), "web1", "db1", port=22).verdict is Verdict.DELIVERED


def test_empty_lists_unsupported_types_and_other_clouds(tmp_path):
    root = _lab(tmp_path)
    region = root / "oci" / "acme" / "us-ashburn-1"
    (region / "ListNatGateways.json").write_text("[]")
    (region / "ListDhcpOptions.json").write_text(json.dumps([{"id": "ocid1.dhcpoptions.oc1.iad.x", "options": []}]))
    (root / "notes.json").write_text(json.dumps({"hello": "world"}))
    text = "\n".join(load_snapshot(root, use_cache=False).estate.warnings)
    assert "ListNatGateways" not in text  # an empty list named after its call: "collected, nothing there"
    assert "types flightpath does not use were ignored: dhcpoptions" in text
    assert "notes.json: not a recognised cloud API response" in text  # no OCID: not claimed by OCI


def test_a_bad_cidr_in_a_security_list_names_the_file_and_field(tmp_path):
    root = _lab(tmp_path)
    path = root / "oci" / "acme" / "us-ashburn-1" / "ListSecurityLists.json"
    body = json.loads(path.read_text())
    body[0]["ingressSecurityRules"][0]["source"] = "10.0.0.300/8"
    path.write_text(json.dumps(body))
    with pytest.raises(SnapshotError) as exc:
        load_snapshot(root, use_cache=False)
    msg = str(exc.value)
    assert "ListSecurityLists.json[0].ingressSecurityRules[0].source" in msg and "10.0.0.300/8" in msg
    assert "\n" not in msg


def test_a_truncated_file_is_one_line_and_the_cli_exits_2(tmp_path):
    root = _lab(tmp_path)
    path = root / "oci" / "acme" / "us-ashburn-1" / "ListRouteTables.json"
    path.write_text(path.read_text()[:40])
    with pytest.raises(SnapshotError, match="ListRouteTables.json: malformed JSON"):
        load_snapshot(root, use_cache=False)
    p = subprocess.run([sys.executable, "-m", "flightpath.cli", "trace", "web1", "db1", "--snapshot", str(root)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "ListRouteTables.json" in p.stderr


def test_a_failed_list_call_makes_the_trace_unknown_naming_the_call(tmp_path):
    # DESIGN rule 3: a 403/404 on ListSecurityLists (recorded in the manifest) is not "no rules"
    root = _lab(tmp_path)
    (root / "oci" / "acme" / "us-ashburn-1" / "ListSecurityLists.json").unlink()
    (root / "manifest.json").write_text(json.dumps({
        "format": "flightpath-snapshot", "version": 1, "created_at": "2026-12-01T00:00:00+00:00",
        "tool_version": "0.1.0", "scopes": [{"cloud": "oci", "tenancy": "acme", "region": "us-ashburn-1"}],
        "errors": [{"cloud": "oci", "scope": "acme/us-ashburn-1", "operation": "ListSecurityLists",
                    "params": {"compartmentId": "ocid1.compartment.oc1..lab"}, "code": "NotAuthorizedOrNotFound",
                    "message": "Authorization failed or requested resource not found."}]}))
    t = trace(load_snapshot(root, use_cache=False), "web1", "db1", port=22)
    assert t.verdict is Verdict.UNKNOWN
    assert "ListSecurityLists failed (NotAuthorizedOrNotFound" in t.forward.reason
    assert "ocid1.securitylist.oc1.iad.sl not in the snapshot" in t.forward.reason


def test_region_and_tenancy_from_the_ocids_when_the_folders_do_not_say(tmp_path):
    # a plain folder of dumps: the region comes from the OCID's region segment (iad = us-ashburn-1)
    (tmp_path / "vcns.json").write_text(json.dumps({"data": [{"id": "ocid1.vcn.oc1.iad.aaaa", "cidr-block": "10.9.0.0/16",
                                                              "display-name": "plain",
                                                              "compartment-id": "ocid1.tenancy.oc1..root"}]}))
    net = load_snapshot(tmp_path, use_cache=False).estate.networks["ocid1.vcn.oc1.iad.aaaa"]
    assert net.ref.region == "us-ashburn-1" and net.ref.name == "plain" and str(net.cidrs[0]) == "10.9.0.0/16"
    assert net.ref.account == "ocid1.tenancy.oc1..root"  # in the root compartment, whose OCID is the tenancy's


def test_cli_get_output_with_its_etag_is_recognised(tmp_path):
    # `oci network vnic get --vnic-id ...` prints {"data": {...}, "etag": "..."}
    (tmp_path / "vnic.json").write_text(json.dumps({"data": {"id": "ocid1.vnic.oc1.iad.v", "private-ip": "10.9.1.5",
                                                             "subnet-id": "ocid1.subnet.oc1.iad.missing"},
                                                    "etag": "abc123"}))
    e = load_snapshot(tmp_path, use_cache=False).estate
    vnic = e.interfaces["ocid1.vnic.oc1.iad.v"]
    assert str(vnic.private_ips[0]) == "10.9.1.5" and vnic.stage is None
    assert "ocid1.subnet.oc1.iad.missing is not in the snapshot" in vnic.stage_missing
