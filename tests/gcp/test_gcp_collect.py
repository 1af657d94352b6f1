"""The live GCP collector runs the REAL google-cloud-compute client (REST transport) against wire JSON served
in-process on 127.0.0.1: paging, aggregated lists, a 403, a 429 with retry, the read-only guard.

Wire bodies: forseti's recorded Compute v1 responses (fixtures/reference/gcp, Apache-2.0) for networks,
firewalls (two pages each), subnetworks (aggregated, two pages) and instances (aggregated); the rest
(routers, router status, effective firewalls, empty lists) is written here in the REST reference's shape.
Nothing may connect outside 127.0.0.0/8 (a socket guard fails the test)."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

pytest.importorskip("google.cloud.compute_v1")

from flightpath.collectors.gcp import fetch  # noqa: E402
from flightpath.collectors.gcp import operations as ops  # noqa: E402
from gcp_helpers import REFERENCE, REPO, trace  # noqa: E402

from flightpath.model import Verdict  # noqa: E402
from flightpath.topology import load_snapshot  # noqa: E402

P = "/compute/v1/projects/project1"
API = "https://www.googleapis.com/compute/v1/projects/project1"


def ref(name: str) -> dict:
    return json.loads((REFERENCE / f"{name}.json").read_text())


def empty(kind: str, path: str) -> dict:
    return {"kind": f"compute#{kind}", "id": f"projects/project1/{path}", "selfLink": f"{API}/{path}"}


ROUTER = {"kind": "compute#router", "name": "nat-router", "network": f"{API}/global/networks/default1",
          "region": f"{API}/regions/us-central1", "selfLink": f"{API}/regions/us-central1/routers/nat-router",
          "nats": [{"name": "nat-1", "natIpAllocateOption": "AUTO_ONLY",
                    "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES"}]}
STATUS = {"kind": "compute#routerStatusResponse", "result": {
    "network": f"{API}/global/networks/default1", "bestRoutes": [],
    "natStatus": [{"name": "nat-1", "autoAllocatedNatIps": ["35.192.0.7"], "minExtraNatIpsNeeded": 0}]}}


class Api:
    """path (+ pageToken) -> list of answers (status, body), the last one repeating."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[tuple[int, dict]]] = {}
        self.hits: list[tuple[str, str]] = []
        self.queries: list[str] = []

    def add(self, path: str, *answers: tuple[int, dict] | dict, page: str = "") -> None:
        self.routes[(path, page)] = [a if isinstance(a, tuple) else (200, a) for a in answers]

    def answer(self, method: str, url: str) -> tuple[int, dict]:
        u = urlparse(url)
        self.hits.append((method, u.path))
        self.queries.append(u.query)
        page = parse_qs(u.query).get("pageToken", [""])[0]
        queue = self.routes.get((u.path, page))
        if queue is None:
            return 404, {"error": {"code": 404, "message": f"not served: {u.path}", "errors": [{"reason": "notFound"}]}}
        return queue.pop(0) if len(queue) > 1 else queue[0]


def serve_estate(api: Api) -> None:
    api.add(f"{P}/global/networks", ref("NETWORKS_LIST_PAGE1"))
    api.add(f"{P}/global/networks", ref("NETWORKS_LIST_PAGE2"), page="12345")
    api.add(f"{P}/global/firewalls", ref("FIREWALLS_LIST_PAGE1"))
    api.add(f"{P}/global/firewalls", ref("FIREWALLS_LIST_PAGE2"), page="123")
    api.add(f"{P}/aggregated/subnetworks", ref("SUBNETWORKS_AGGREGATED_LIST_PAGE1"))
    api.add(f"{P}/aggregated/subnetworks", ref("SUBNETWORKS_AGGREGATED_LIST_PAGE2"), page="12345")
    api.add(f"{P}/aggregated/instances", ref("INSTANCES_AGGREGATED_LIST"))
    api.add(f"{P}/global/routes", (403, {"error": {"code": 403, "message": "Required 'compute.routes.list' permission "
                                                   "for 'projects/project1'", "errors": [{"reason": "forbidden"}]}}))
    api.add(f"{P}/aggregated/routers", {"kind": "compute#routerAggregatedList", "id": "projects/project1/aggregated/routers",
                                        "items": {"regions/us-central1": {"routers": [ROUTER]}}})
    api.add(f"{P}/regions/us-central1/routers/nat-router/getRouterStatus", STATUS)
    api.add(f"{P}/aggregated/addresses", (429, {"error": {"code": 429, "message": "Rate Limit Exceeded",
                                                          "errors": [{"reason": "rateLimitExceeded"}]}}),
            (429, {"error": {"code": 429, "message": "Rate Limit Exceeded", "errors": [{"reason": "rateLimitExceeded"}]}}),
            empty("addressAggregatedList", "aggregated/addresses"))
    for name, kind in (("vpnGateways", "vpnGateway"), ("vpnTunnels", "vpnTunnel"), ("targetVpnGateways", "targetVpnGateway"),
                       ("forwardingRules", "forwardingRule"), ("firewallPolicies", "networkFirewallPolicy")):
        api.add(f"{P}/aggregated/{name}", empty(f"{kind}AggregatedList", f"aggregated/{name}"))
    api.add(f"{P}/global/externalVpnGateways", empty("externalVpnGatewayList", "global/externalVpnGateways"))
    for net in ("default1", "default2"):
        api.add(f"{P}/global/networks/{net}/getEffectiveFirewalls",
                {"firewalls": [f for f in ref("FIREWALLS_LIST_PAGE1")["items"] + ref("FIREWALLS_LIST_PAGE2")["items"]
                               if f["network"].endswith("/" + net)], "firewallPolicys": []})


@pytest.fixture
def api(monkeypatch):
    real_connect = socket.socket.connect

    def loopback_only(self, address):
        host = address[0] if isinstance(address, tuple) else address
        assert str(host).startswith("127."), f"connection outside 127.0.0.0/8: {address}"
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    state = Api()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            code, body = state.answer(self.command, self.path)
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = do_PATCH = _reply

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.endpoint = f"http://127.0.0.1:{server.server_port}"
    serve_estate(state)
    yield state
    server.shutdown()


def options(out: Path, api: Api, **kw) -> fetch.GcpCollectOptions:
    return fetch.GcpCollectOptions(out=out, projects=["project1"], endpoint=api.endpoint, anonymous=True,
                                   initial_backoff=0.01, retry_deadline=5.0, **kw)


def test_collects_pages_aggregated_lists_and_per_resource_calls(tmp_path, api):
    out = tmp_path / "snap"
    summary = fetch.collect(options(out, api))
    base = out / "gcp" / "project1"
    nets = json.loads((base / "networks.json").read_text())
    assert [n["name"] for n in nets["items"]] == ["default1", "default2"] and "nextPageToken" not in nets
    fws = json.loads((base / "firewalls.json").read_text())
    assert len(fws["items"]) == 4 and fws["items"][0]["allowed"] == [{"IPProtocol": "icmp"}]  # the wire name, raw
    subs = json.loads((base / "subnetworks.json").read_text())["items"]
    assert sum(len(v.get("subnetworks", [])) for v in subs.values()) == 13  # both pages, merged per region
    assert (base / "getRouterStatus" / "us-central1" / "nat-router.json").is_file()
    assert (base / "getEffectiveFirewalls" / "default2.json").is_file()
    assert summary.failed == 1 and summary.errors[0]["operation"] == "routes.list"
    assert summary.errors[0]["code"].startswith("Forbidden")
    manifest = json.loads((out / "manifest.json").read_text())
    assert [e["operation"] for e in manifest["errors"]] == ["routes.list"]


def test_429_is_retried_by_the_client(tmp_path, api):
    fetch.collect(options(tmp_path / "snap", api))
    assert api.hits.count(("GET", f"{P}/aggregated/addresses")) == 3
    assert (tmp_path / "snap" / "gcp" / "project1" / "addresses.json").is_file()


def test_the_snapshot_loads_and_the_403_is_unknown_at_trace_time(tmp_path, api):
    out = tmp_path / "snap"
    fetch.collect(options(out, api))
    topo = load_snapshot(out, use_cache=False)
    nat = next(g for g in topo.estate.gateways.values() if g.ref.name == "nat-1")
    assert [str(ip) for ip in nat.public_ips] == ["35.192.0.7"]  # AUTO_ONLY: from the router status
    t = trace(topo, "iap-ig-79bj", "8.8.8.8", port=443)
    assert t.verdict is Verdict.UNKNOWN and "routes.list failed" in t.forward.reason


def test_read_only_guard_refuses_writes_before_sending(api):
    op = next(o for o in ops.OPERATIONS if o.name == "firewalls.list")
    client = fetch._client(op, fetch.AnonymousCredentials(), options(Path("unused"), api), [])
    with pytest.raises(fetch.RefusedWrite):
        client.delete(project="project1", firewall="default-allow-ssh")
    assert not [h for h in api.hits if h[0] != "GET"]


def test_operations_are_read_only_and_exist_in_the_client():
    from google.cloud import compute_v1

    for op in ops.OPERATIONS:
        assert op.method in ops.READ_METHODS, op
        assert op.permission.rsplit(".", 1)[-1] in ("list", "get", "getEffectiveFirewalls"), op
        assert callable(getattr(getattr(compute_v1, op.client), op.method)), op
    assert not ops.allowed_request("POST", "/compute/v1/projects/p/global/firewalls")
    assert not ops.allowed_request("GET", "/compute/v1/projects/p/global/firewalls/x/other")


def test_cli_exit_3_with_failures_and_permissions(tmp_path, api, monkeypatch):
    from typer.testing import CliRunner

    from flightpath.cli.app import app

    real = fetch.GcpCollectOptions
    monkeypatch.setattr(fetch, "GcpCollectOptions",
                        lambda **kw: real(**kw, endpoint=api.endpoint, anonymous=True, initial_backoff=0.01))
    result = CliRunner().invoke(app, ["collect", "gcp", "--out", str(tmp_path / "s"), "--project", "project1", "-q"])
    assert result.exit_code == 3, result.output
    result = CliRunner().invoke(app, ["permissions", "gcp"])
    assert result.exit_code == 0 and "compute.networks.getEffectiveFirewalls" in result.output


def test_only_fetch_imports_the_google_sdk():
    offenders = []
    for path in list((REPO / "collectors" / "gcp").glob("*.py")) + list((REPO / "flightpath").rglob("*.py")):
        text = path.read_text()
        if ("import google" in text or "from google" in text) and path.name != "fetch.py":
            offenders.append(str(path))
    assert offenders == []


def test_a_failed_firewall_list_leaves_the_nic_filter_unknown(tmp_path, api):
    denied = (403, {"error": {"code": 403, "message": "Required 'compute.firewalls.list' permission",
                              "errors": [{"reason": "forbidden"}]}})
    api.add(f"{P}/global/firewalls", denied)
    for net in ("default1", "default2"):
        api.add(f"{P}/global/networks/{net}/getEffectiveFirewalls", denied)
    out = tmp_path / "snap"
    summary = fetch.collect(options(out, api))
    assert {e["operation"] for e in summary.errors} == {"routes.list", "firewalls.list", "networks.getEffectiveFirewalls"}
    t = trace(load_snapshot(out, use_cache=False), "internet", "104.198.131.130", port=22)
    # never "no rules, so implied deny" nor an allow: the trace ends unknown and names the failed call
    assert t.verdict is Verdict.UNKNOWN and "firewalls.list failed" in t.forward.reason


def test_failed_routers_and_instances_lists_are_unknown_not_no_nat_or_unassigned(tmp_path, api):
    denied = (403, {"error": {"code": 403, "message": "Required permission", "errors": [{"reason": "forbidden"}]}})
    api.add(f"{P}/aggregated/routers", denied)
    api.add(f"{P}/global/routes", {"kind": "compute#routeList", "items": [{
        "kind": "compute#route", "name": "default", "destRange": "0.0.0.0/0", "priority": 1000,
        "network": f"{API}/global/networks/default2", "selfLink": f"{API}/global/routes/default",
        "nextHopGateway": f"{API}/global/gateways/default-internet-gateway"}]})
    out = tmp_path / "snap"
    fetch.collect(options(out, api))
    topo = load_snapshot(out, use_cache=False)
    t = trace(topo, "192.168.0.9", "8.8.8.8", port=443)  # default2 has no VM: starts in its subnet
    assert t.verdict is Verdict.UNKNOWN and "routers.aggregatedList failed" in t.forward.reason
    api.add(f"{P}/aggregated/instances", denied)
    fetch.collect(options(out, api))
    t = trace(load_snapshot(out, use_cache=False), "192.168.0.9", "192.168.0.10", port=443)
    # without the instances list, "no VM holds 192.168.0.10" would be a guess: unknown, naming the call
    assert t.verdict is Verdict.UNKNOWN and "instances.aggregatedList failed" in t.forward.reason


def test_organization_hierarchical_policies(tmp_path, api):
    policy = {"kind": "compute#firewallPolicy", "name": "271828", "shortName": "org-base",
              "selfLink": "https://www.googleapis.com/compute/v1/locations/global/firewallPolicies/271828",
              "associations": [{"name": "org", "attachmentTarget": "organizations/123"}],
              "rules": [{"priority": 10, "action": "deny", "direction": "INGRESS",
                         "match": {"srcIpRanges": ["0.0.0.0/0"], "layer4Configs": [{"ipProtocol": "tcp", "ports": ["22"]}]}}]}
    api.add("/compute/v1/locations/global/firewallPolicies",
            {"kind": "compute#firewallPolicyList", "items": [policy]})
    out = tmp_path / "snap"
    fetch.collect(options(out, api, organization="123"))
    assert json.loads((out / "gcp" / "organizations-123" / "firewallPolicies.json").read_text())["items"][0]["name"] == "271828"
    assert any("parentId=organizations%2F123" in q or "parentId=organizations/123" in q for q in api.queries)
