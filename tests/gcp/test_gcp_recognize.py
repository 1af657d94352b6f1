"""Recognising Compute Engine JSON by `kind`: list pages, aggregated lists, gcloud's bare lists, single
resources, empty pages; the project from the folder or the self link."""

from __future__ import annotations

import json
from pathlib import Path

from flightpath.collectors.gcp.recognize import recognize
from gcp_helpers import REFERENCE, trace

from flightpath.model import Verdict
from flightpath.snapshot import read_snapshot
from flightpath.topology import load_snapshot

API = "https://www.googleapis.com/compute/v1/projects/p9"


def rec(body, rel="dump.json"):
    return recognize(body, Path(rel), Path(rel))


def test_kinds_scopes_and_foreign_bodies():
    page = json.loads((REFERENCE / "FIREWALLS_LIST_PAGE1.json").read_text())
    (doc,) = rec(page, "gcp/project1/firewalls.json")
    assert doc.kind == "firewall" and len(doc.body) == 2 and doc.scope == {"project": "project1"}
    (doc,) = rec(json.loads((REFERENCE / "INSTANCES_AGGREGATED_LIST.json").read_text()))
    assert doc.kind == "instance" and len(doc.body) == 1  # scopes with only a NO_RESULTS_ON_PAGE warning skipped
    assert rec(page["items"])[0].kind == "firewall"  # gcloud --format=json: a bare list
    assert rec(page["items"][0])[0].body == [page["items"][0]]  # a single resource
    assert rec({"kind": "compute#routeList", "id": "projects/p/global/routes"})[0].body == []  # empty page
    assert rec({"SecurityGroups": []}) is None and rec([{"id": "x"}]) is None and rec([]) is None
    assert rec({"kind": "compute#diskList", "items": []})[0].kind == "disk?"  # claimed, then ignored with a warning


def test_gcloud_dumps_with_any_names_load(tmp_path):
    net = {"kind": "compute#network", "name": "n", "selfLink": f"{API}/global/networks/n"}
    sub = {"kind": "compute#subnetwork", "name": "s", "network": net["selfLink"], "ipCidrRange": "10.9.0.0/24",
           "region": f"{API}/regions/us-east1", "selfLink": f"{API}/regions/us-east1/subnetworks/s"}
    vm = {"kind": "compute#instance", "name": "vm", "status": "RUNNING", "zone": f"{API}/zones/us-east1-b",
          "selfLink": f"{API}/zones/us-east1-b/instances/vm",
          "networkInterfaces": [{"network": net["selfLink"], "subnetwork": sub["selfLink"], "networkIP": "10.9.0.5"}]}
    (tmp_path / "my-network.json").write_text(json.dumps(net))  # gcloud compute networks describe
    (tmp_path / "subnets.json").write_text(json.dumps([sub]))  # gcloud compute networks subnets list
    (tmp_path / "vms.json").write_text(json.dumps([vm]))
    (tmp_path / "routes.json").write_text(json.dumps({"kind": "compute#routeList", "id": "projects/p9/global/routes"}))
    (tmp_path / "disks.json").write_text(json.dumps({"kind": "compute#diskList", "items": []}))
    contents = read_snapshot(tmp_path)
    assert not contents.warnings
    topo = load_snapshot(tmp_path, use_cache=False)
    assert topo.estate.interfaces["projects/p9/zones/us-east1-b/instances/vm#nic0"].instance.account == "p9"
    assert any("disk" in w for w in topo.estate.warnings)
    # routes were listed (empty): the subnet route decides, the table is not "missing"
    t = trace(topo, "vm", "10.9.0.6", port=22)
    assert t.verdict is Verdict.UNASSIGNED
