"""`flightpath collect azure` with the real azure-mgmt-network client, served recorded ARM JSON in process.

`ArmReplay` is an azure-core transport: the client's whole pipeline runs (bearer token, user agent, retry
policy with Retry-After, the read-only guard, the SDK's LRO poller); only the socket is replaced by answers
from `azure_wire/` keyed by method + path. Its `sleep` records instead of sleeping, so retry and polling
delays are asserted without waiting. No socket is opened (conftest refuses any outside 127.0.0.0/8).
"""

from __future__ import annotations

import ast
import copy
import http
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlparse

import pytest
import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, ServiceResponseTimeoutError
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest
from azure.core.rest._requests_basic import RestRequestsTransportResponse
from flightpath.collectors.azure import fetch
from flightpath.collectors.azure import operations as ops
from flightpath.collectors.azure.collect_types import AzureCollectOptions, parse_subscriptions, plan_effective_routes
from typer.testing import CliRunner

import flightpath
from flightpath.cli.collect import collect_app, permissions_app
from flightpath.cli.collect_azure import _AZURE_DEFAULT_WORKERS
from flightpath.errors import CollectorError
from flightpath.snapshot import read_snapshot

WIRE = Path(__file__).parent / "azure_wire"
ARM = "https://management.azure.com"
SUB = "11111111-2222-3333-4444-555555555555"
SUB2 = "22222222-3333-4444-5555-666666666666"
FAKE_TOKEN = "fake-arm-token-eyJ0eXAiOiJKV1QiLCJ4NXQiOiJ0ZXN0In0"
NET = "/providers/Microsoft.Network"
HANDWRITTEN = json.loads((WIRE / "handwritten.json").read_text())


def wire(name: str, sub: str = SUB) -> Any:
    """A served body: a spec example's 200 body, or an entry of handwritten.json; `subid` -> sub."""
    path = WIRE / f"{name}.json"
    body = json.loads(path.read_text())["responses"]["200"]["body"] if path.exists() else HANDWRITTEN[name]
    return json.loads(json.dumps(body).replace("/subscriptions/subid", f"/subscriptions/{sub}"))


class FakeCredential:  # a TokenCredential: the only thing that would otherwise reach Azure AD
    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        assert scopes == (f"{ARM}/.default",)
        return AccessToken(FAKE_TOKEN, int(time.time()) + 3600)


class NoLogin:  # what DefaultAzureCredential does when no login or identity is available
    def get_token(self, *_: str, **__: Any) -> AccessToken:
        raise ClientAuthenticationError("no az login\nDefaultAzureCredential: EnvironmentCredential: ...")


class ArmReplay(HttpTransport):
    """Recorded ARM answers by "METHOD /path[?query without api-version]" (case-insensitive). A key with
    several answers serves them in turn and repeats the last; an unknown key answers 404 and is noted."""

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, Any, dict[str, str]]]] = {}
        self.requests: list[dict[str, Any]] = []
        self.sleeps: list[float] = []
        self.misses: list[str] = []
        self._lock = threading.Lock()

    def add(self, method: str, path: str, *answers: tuple[int, Any, dict[str, str]] | Any) -> None:
        self.routes[f"{method} {path}".lower()] = [a if isinstance(a, tuple) else (200, a, {}) for a in answers]

    def hits(self, method: str, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["key"].split("?")[0] == f"{method} {path}".lower()]

    def send(self, request: Any, **kwargs: Any) -> Any:
        url = urlparse(request.url)
        query = [(k, v) for k, v in parse_qsl(url.query) if k != "api-version"]
        key = f"{request.method} {url.path}".lower() + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
        with self._lock:
            self.requests.append({"key": key, "method": request.method, "url": request.url,
                                  "api_version": dict(parse_qsl(url.query)).get("api-version"),
                                  "headers": dict(request.headers)})
            answers = self.routes.get(key.lower())
            if answers is None:
                self.misses.append(key)
                status, body, headers = 404, {"error": {"code": "NotFound", "message": key}}, {}
            else:
                status, body, headers = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(body, Exception):
            raise body
        raw = requests.Response()
        raw.status_code, raw.reason = status, http.HTTPStatus(status).phrase
        raw.url, raw.encoding = request.url, "utf-8"
        raw._content = json.dumps(body).encode() if body is not None else b""
        raw._content_consumed = True
        raw.headers = requests.structures.CaseInsensitiveDict({"Content-Type": "application/json; charset=utf-8",
                                                               **headers})
        response = RestRequestsTransportResponse(request=request, internal_response=raw)
        if not kwargs.get("stream"):
            response.read()
        return response

    def sleep(self, duration: float) -> None:
        self.sleeps.append(duration)

    def open(self) -> None:
        """No sockets: nothing to open or close."""
    close = open

    def __exit__(self, *args: Any) -> None:
        """Nothing to close."""


def list_path(op: ops.Operation | str, sub: str = SUB, **params: str) -> str:
    """The path of an operation (or of the subscription-wide list of a kind)."""
    op = op if isinstance(op, ops.Operation) else next(o for o in ops.SUBSCRIPTION_OPERATIONS if o.kind == op)
    return op.url(subscriptionId=sub, **params).split("?")[0]


def serve_estate(arm: ArmReplay, sub: str = SUB) -> dict[str, Any]:
    """Two resource groups, VNets over two pages, three NICs (VM running, VM deallocated, none), the
    effective-routes LRO for the running VM's NIC. Returns the served bodies by kind."""
    nic = wire("NetworkInterfaceGet", sub)
    web, spare = copy.deepcopy(nic), copy.deepcopy(nic)
    for other, name in ((web, "web-nic"), (spare, "spare-nic")):
        other["name"], other["id"] = name, nic["id"].replace("test-nic", name)
    web["properties"]["virtualMachine"]["id"] = nic["properties"]["virtualMachine"]["id"].replace("vm1", "vm2")
    del spare["properties"]["virtualMachine"]  # a NIC attached to no VM
    vnets = [wire("VirtualNetworkGet", sub), wire("hubVirtualNetwork", sub)]
    bodies = {
        "virtualNetworks": {"value": vnets}, "networkInterfaces": {"value": [nic, web, spare]},
        "networkSecurityGroups": wire("NetworkSecurityGroupList", sub),
        "applicationSecurityGroups": wire("applicationSecurityGroups", sub), "routeTables": wire("RouteTableList", sub),
        "publicIPAddresses": wire("publicIPAddresses", sub), "natGateways": {"value": []},
        "azureFirewalls": {"value": [wire("AzureFirewallGet", sub)]}, "firewallPolicies": wire("firewallPolicies", sub),
        "virtualMachines": wire("virtualMachines", sub), "loadBalancers": {"value": []},
        "expressRouteCircuits": {"value": []},
        "virtualNetworkGateways": {"value": [wire("VirtualNetworkGatewayGet", sub)]},
        "localNetworkGateways": wire("localNetworkGateways", sub),
        "connections": {"value": [wire("VirtualNetworkGatewayConnectionGet", sub)]},
        "ruleCollectionGroups": {"value": [wire("FirewallPolicyRuleCollectionGroupGet", sub)]},
    }
    for op in ops.SUBSCRIPTION_OPERATIONS:
        arm.add("GET", list_path(op, sub), bodies[op.kind])
    vnet_path = list_path("virtualNetworks", sub)
    q = f"?api-version={ops.NETWORK_API}"
    arm.add("GET", vnet_path, {"value": vnets[:1], "nextLink": f"{ARM}{vnet_path}{q}&$skiptoken=p2"})
    arm.add("GET", vnet_path + "?$skiptoken=p2", {"value": vnets[1:]})
    arm.add("GET", list_path(ops.LIST_RESOURCE_GROUPS, sub), wire("resourceGroups", sub))
    for op in ops.RESOURCE_GROUP_OPERATIONS:
        arm.add("GET", list_path(op, sub, resourceGroupName="rg1"), bodies[op.kind])
        arm.add("GET", list_path(op, sub, resourceGroupName="rg2"), {"value": []})
    arm.add("GET", list_path(ops.LIST_RULE_COLLECTION_GROUPS, sub, resourceGroupName="rg1",
                             firewallPolicyName="firewallPolicy"), bodies["ruleCollectionGroups"])
    for vm, view in (("vm1", "instanceViewRunning"), ("vm2", "instanceViewDeallocated")):
        arm.add("GET", list_path(ops.GET_INSTANCE_VIEW, sub, resourceGroupName="rg1", vmName=vm), wire(view, sub))
    status = f"/subscriptions/{sub}{NET}/locations/eastus/operations/op-1"
    result = f"/subscriptions/{sub}{NET}/locations/eastus/operationResults/op-1"
    lro = {"Azure-AsyncOperation": ARM + status + q, "Location": ARM + result + q}
    arm.add("POST", effective_path(sub), (202, None, lro))  # 202, poll the status URL, then GET Location
    arm.add("GET", status, (200, wire("asyncInProgress"), {"Retry-After": "10"}), wire("asyncSucceeded"))
    bodies["EffectiveRoutes"] = wire("NetworkInterfaceEffectiveRouteTableList", sub)
    arm.add("GET", result, bodies["EffectiveRoutes"])
    return bodies


def estate() -> tuple[ArmReplay, dict[str, Any]]:
    arm = ArmReplay()
    return arm, serve_estate(arm)


def effective_path(sub: str = SUB, nic: str = "test-nic") -> str:
    return list_path(ops.GET_EFFECTIVE_ROUTES, sub, resourceGroupName="rg1", networkInterfaceName=nic)


def run(tmp_path: Path, arm: ArmReplay, subscriptions: Any = None, **kw: Any) -> fetch.AzureCollectSummary:
    options = AzureCollectOptions(out=tmp_path / "snap", subscriptions=subscriptions or [SUB], workers=4,
                                  max_retries=2, retry_backoff=0.0, poll_interval=0.0, **kw)
    return fetch.collect(options, credential=FakeCredential(), transport=arm)


def read(out: Path, rel: str) -> Any:
    return json.loads((out / rel).read_text())


@pytest.fixture(autouse=True)
def fake_azure_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real Azure configuration can be picked up; the AZURE_* variables hold fake values only."""
    for name in [n for n in os.environ if n.startswith(("AZURE_", "MSI_", "IDENTITY_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(tmp_path / "no-azure-cli"))
    monkeypatch.setenv("AZURE_TENANT_ID", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")


def test_collects_every_kind_as_served(tmp_path: Path) -> None:
    arm, bodies = estate()
    summary = run(tmp_path, arm)
    out = tmp_path / "snap"
    assert summary.failed == 0 and not arm.misses, (summary.errors, arm.misses)
    kinds = {op.kind for op in ops.SUBSCRIPTION_OPERATIONS + ops.RESOURCE_GROUP_OPERATIONS} | {"ruleCollectionGroups"}
    assert {p.stem for p in (out / "azure" / SUB).glob("*.json")} == kinds
    for kind in kinds:  # the exact served bodies, pages and resource groups merged into {"value": [...]}
        assert read(out, f"azure/{SUB}/{kind}.json") == bodies[kind], kind
    assert len(arm.hits("GET", list_path("virtualNetworks"))) == 2  # two pages via nextLink
    assert summary.resources["virtualNetworks"] == 2 and summary.resources["networkInterfaces"] == 3
    # no effective-route call (POST) without --effective-routes
    assert not (out / "azure" / SUB / "EffectiveRoutes").exists() and {r["method"] for r in arm.requests} == {"GET"}
    assert read(out, "manifest.json")["scopes"] == [{"cloud": "azure", "subscription": SUB}]


def test_effective_routes_lro_for_running_vms_only_through_the_pipeline(tmp_path: Path) -> None:
    arm, bodies = estate()
    summary = run(tmp_path, arm, effective_routes=True)
    out = tmp_path / "snap"
    assert summary.failed == 0 and not arm.misses, (summary.errors, arm.misses)
    assert read(out, f"azure/{SUB}/EffectiveRoutes/test-nic.json") == bodies["EffectiveRoutes"]
    assert [p.name for p in (out / "azure" / SUB / "EffectiveRoutes").iterdir()] == ["test-nic.json"]
    # one POST, for the running VM's NIC (not for web-nic of the deallocated VM, nor for spare-nic, on no VM)
    assert [r["key"] for r in arm.requests if r["method"] == "POST"] == [f"POST {effective_path()}".lower()]
    polls = [f"/subscriptions/{SUB}{NET}/locations/eastus/{p}/op-1" for p in ("operations", "operationResults")]
    assert [len(arm.hits("GET", p)) for p in polls] == [2, 1]  # InProgress, Succeeded; then GET Location
    assert arm.sleeps == [10.0]  # the poller waited as the InProgress answer's Retry-After said
    assert summary.routes_skipped == 1 and summary.resources["EffectiveRoutes"] == 1
    versions = {op.path.rsplit("/", 1)[-1].lower(): op.api_version for op in ops.ALL_OPERATIONS}
    for req in arm.requests:  # every request went through the client's pipeline, at the pinned api-version
        assert req["headers"]["Authorization"] == f"Bearer {FAKE_TOKEN}"
        assert all(s in req["headers"]["User-Agent"] for s in ("flightpath/", "azsdk-python-mgmt-network/"))
        last = urlparse(req["url"]).path.rsplit("/", 1)[-1].lower()
        assert req["api_version"] == versions.get(last, ops.NETWORK_API), req["url"]  # polls: Network's


def test_authorization_failed_is_recorded_not_empty_and_cli_exits_3(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arm, _ = estate()
    arm.add("GET", routes := list_path("routeTables"), (403, wire("authorizationFailed"), {}))
    monkeypatch.setattr(fetch, "default_credential", FakeCredential)
    monkeypatch.setattr(fetch, "default_transport", lambda options: arm)
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB)  # the default subscription
    out = tmp_path / "snap"
    result = CliRunner().invoke(collect_app, ["azure", "--out", str(out), "--max-retries", "1"])
    assert result.exit_code == 3, result.output
    assert "azure " + SUB in result.output and "routeTables.list failed: AuthorizationFailed" in result.output
    assert not (out / "azure" / SUB / "routeTables.json").exists()
    [err] = read(out, "manifest.json")["errors"]
    assert err == {"cloud": "azure", "scope": SUB, "operation": "routeTables.list", "params": {},
                   "code": "AuthorizationFailed", "message": wire("authorizationFailed")["error"]["message"]}
    assert len(arm.hits("GET", routes)) == 1  # 403 is not retried
    assert [(m.scope, m.operation, m.code) for m in read_snapshot(out).missing] == [(SUB, "routeTables.list",
                                                                                     "AuthorizationFailed")]


def test_throttling_honours_retry_after_then_gives_up_like_timeouts(tmp_path: Path) -> None:
    arm, _ = estate()
    nat, pips, asgs = list_path("natGateways"), list_path("publicIPAddresses"), list_path("applicationSecurityGroups")
    throttled = (429, wire("throttled"), {"Retry-After": "7"})
    arm.add("GET", nat, throttled, {"value": []})  # throttled once, then answered
    arm.add("GET", pips, throttled)  # throttled on every attempt
    arm.add("GET", asgs, (0, ServiceResponseTimeoutError("read timed out"), {}))  # times out on every attempt
    summary = run(tmp_path, arm)  # max_retries=2
    out = tmp_path / "snap"
    assert read(out, f"azure/{SUB}/natGateways.json") == {"value": []}
    assert [len(arm.hits("GET", p)) for p in (nat, pips, asgs)] == [2, 3, 3]
    assert arm.sleeps.count(7.0) == 3  # the SDK's RetryPolicy slept for Retry-After before each retry
    assert [(e["operation"], e["code"]) for e in summary.errors] == [
        ("applicationSecurityGroups.list", "Timeout"), ("publicIPAddresses.list", "SubscriptionRequestsThrottled")]
    assert not (out / "azure" / SUB / "publicIPAddresses.json").exists()


def test_dependent_calls_are_recorded_when_their_listing_fails(tmp_path: Path) -> None:
    arm, _ = estate()
    arm.add("GET", list_path(ops.LIST_RESOURCE_GROUPS), (403, wire("authorizationFailed"), {}))
    arm.add("GET", list_path("networkInterfaces"), (503, None, {}))
    summary = run(tmp_path, arm, effective_routes=True)
    got = {(e["operation"], e["code"]) for e in summary.errors}
    assert got == {("resourceGroups.list", "AuthorizationFailed"), ("networkInterfaces.list", "HTTP503"),
                   ("virtualNetworkGateways.list", "NotCollected"), ("localNetworkGateways.list", "NotCollected"),
                   ("connections.list", "NotCollected"), ("networkInterfaces.effectiveRouteTable", "NotCollected")}
    assert not arm.hits("POST", effective_path())
    assert not (tmp_path / "snap" / "azure" / SUB / "connections.json").exists()


def test_all_subscriptions_and_no_token_written(tmp_path: Path) -> None:
    arm = ArmReplay()
    arm.add("GET", "/subscriptions", wire("subscriptions"))
    serve_estate(arm, SUB)
    serve_estate(arm, SUB2)
    summary = run(tmp_path, arm, subscriptions="all", effective_routes=True)
    out = tmp_path / "snap"
    assert summary.failed == 0 and not arm.misses, (summary.errors, arm.misses)
    assert read(out, "manifest.json")["scopes"] == [
        {"cloud": "azure", "subscription": SUB, "name": "prod-network"},
        {"cloud": "azure", "subscription": SUB2, "name": "dev-spokes"}]  # the Disabled one is skipped
    assert (out / "azure" / SUB2 / "EffectiveRoutes" / "test-nic.json").is_file()
    assert any(FAKE_TOKEN in r["headers"]["Authorization"] for r in arm.requests)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files and not [p for p in files if FAKE_TOKEN in p.read_text()]


def test_snapshot_loads(tmp_path: Path) -> None:
    arm, _ = estate()
    run(tmp_path, arm, effective_routes=True)
    out = tmp_path / "snap"
    contents = read_snapshot(out)
    assert contents.manifest is not None and contents.manifest["errors"] == [] and contents.warnings == []
    # every file is recognised as Azure (loadBalancers.json and expressRouteCircuits.json too)
    assert len(contents.documents["azure"]) == 17
    if importlib.util.find_spec("flightpath.collectors.azure.normalize") is None:
        return  # the Azure normalizer is not there yet: recognising the files is what can be checked
    topo = flightpath.load_snapshot(out, use_cache=False)
    nic = next(i for k, i in topo.estate.interfaces.items() if k.endswith("/networkinterfaces/test-nic"))
    assert "effective" in nic.route_table_id  # EffectiveRoutes/test-nic.json is that NIC's routing


def test_read_only_guard_refuses_writes_and_provider_registration(tmp_path: Path) -> None:
    arm = ArmReplay()
    collector = fetch.AzureCollector(AzureCollectOptions(out=tmp_path / "x", subscriptions=[SUB], max_retries=0),
                                     credential=FakeCredential(), transport=arm)
    client = collector.client(SUB)
    for method in ("PUT", "DELETE", "PATCH", "POST"):
        with pytest.raises(fetch.RefusedWrite):
            client.send_request(HttpRequest(method, f"/subscriptions/{SUB}{NET}/virtualNetworks/v?api-version=1"))
    assert arm.requests == []  # refused before anything was sent
    # A 409 MissingSubscriptionRegistration makes azure-mgmt-core try POST .../register: refused, recorded.
    serve_estate(arm)
    arm.add("GET", list_path("natGateways"), (409, wire("missingRegistration"), {}))
    summary = run(tmp_path, arm)
    assert [(e["operation"], e["code"]) for e in summary.errors] == [("natGateways.list", "RefusedWrite")]
    assert {r["method"] for r in arm.requests} == {"GET"}


def test_operations_are_read_only() -> None:
    for op in ops.ALL_OPERATIONS:
        assert op.action.endswith("/read") or op.action in ops.LIVE_STATE_ACTIONS, op.action
        assert op.method == "GET" or (op.method == "POST" and op.action in ops.LIVE_STATE_ACTIONS), op.name
    role = ops.custom_role([SUB])
    assert all(a.endswith("/read") or a in ops.LIVE_STATE_ACTIONS for a in role["Actions"])
    assert set(role["Actions"]) == {op.action for op in ops.ALL_OPERATIONS} | set(ops.POLLING_ACTIONS)
    assert ops.EFFECTIVE_ROUTE_ACTION not in ops.custom_role([SUB], effective_routes=False)["Actions"]
    assert ops.allowed_request("POST", effective_path()) and not ops.allowed_request("POST", effective_path() + "/x")
    assert not ops.allowed_request("PUT", list_path(ops.LIST_RESOURCE_GROUPS))
    result = CliRunner().invoke(permissions_app, ["azure", "--subscription", SUB])  # `flightpath permissions azure`
    assert result.exit_code == 0 and json.loads(result.stdout) == role, result.output
    assert role["AssignableScopes"] == [f"/subscriptions/{SUB}"] and ops.EFFECTIVE_ROUTE_ACTION in role["Actions"]


def test_options_credential_and_defaults(tmp_path: Path) -> None:
    result = CliRunner().invoke(collect_app, ["azure", "--out", "x", "--subscription", "not-a-guid"])
    assert result.exit_code != 0 and isinstance(result.exception, CollectorError)
    with pytest.raises(CollectorError, match="all cannot be combined"):
        parse_subscriptions(["all", SUB])
    assert parse_subscriptions([f"{SUB},{SUB2.upper()}"]) == [SUB, SUB2] and parse_subscriptions([], SUB) == [SUB]
    with pytest.raises(CollectorError, match="no usable Azure credential: no az login [(]run `az login`"):
        fetch.collect(AzureCollectOptions(tmp_path / "s", [SUB]), credential=NoLogin(), transport=ArmReplay())
    assert not (tmp_path / "s").exists()  # nothing written
    transport = fetch.default_transport(AzureCollectOptions(out=Path("x"), subscriptions=[SUB], workers=32))
    assert transport.session.get_adapter(ARM).poolmanager.connection_pool_kw["maxsize"] == 32
    assert transport.connection_config.read_timeout == 30.0
    transport.close()
    assert _AZURE_DEFAULT_WORKERS == ops.DEFAULT_WORKERS == AzureCollectOptions(Path("x"), "all").workers


def test_plan_effective_routes_files_and_repeated_names() -> None:
    vm = f"/subscriptions/{SUB}/resourcegroups/%s/providers/microsoft.compute/virtualmachines/%s"

    def nic(rg: str, name: str, on: str | None) -> dict[str, Any]:
        return {"id": f"/subscriptions/{SUB}/resourceGroups/{rg}{NET}/networkInterfaces/{name}", "name": name,
                "properties": {"virtualMachine": {"id": (vm % (rg, on)).upper()}} if on else {}}

    power = {vm % ("rg1", "a"): "PowerState/running", vm % ("rg2", "b"): "PowerState/running",
             vm % ("rg1", "c"): "PowerState/deallocated", vm % ("rg1", "d"): None}
    plan = plan_effective_routes([nic("rg2", "NIC", "b"), nic("rg1", "nic", "a"), nic("rg1", "n3", "c"),
                                  nic("rg1", "n4", "d"), nic("rg1", "n5", None), nic("rg1", "n6", "zz")], power)
    assert [rel for _, rel in plan.calls] == ["EffectiveRoutes/n4.json", "rg1/EffectiveRoutes/nic.json",
                                              "rg2/EffectiveRoutes/NIC.json"]
    assert plan.skipped == 1 and plan.unusable == []


def test_only_fetch_imports_the_azure_sdk() -> None:
    root = Path(__file__).resolve().parents[2]
    offenders = set()
    for path in [*(root / "flightpath").rglob("*.py"), *(root / "collectors").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            if any(n.split(".")[0] == "azure" for n in names):
                offenders.add(path.relative_to(root).as_posix())
    assert offenders == {"collectors/azure/fetch.py"}
    code = ("import sys, flightpath.cli.collect, flightpath.collectors.azure.collect_types, "
            "flightpath.collectors.azure.operations; assert not [m for m in sys.modules if m.startswith('azure')]")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
