"""Live Azure collection: ARM calls → the raw response bodies in a snapshot folder (DESIGN.md).

The only module of flightpath that imports azure.*; `flightpath/cli/collect_azure.py` imports it lazily.

Raw JSON, not SDK models. Every list goes through the real `NetworkManagementClient` pipeline as a
raw request (`client.send_request(HttpRequest("GET", url))`): the client's policies add the bearer
token, retries (429 and 5xx, honouring Retry-After), redirects and the user agent, and the body is
`response.json()`, byte-for-byte what ARM sent. The typed operations (`client.virtual_networks.list_all()`)
would deserialize into models and `as_dict()` back, which renames, drops unknown and adds fields: the
wire shape would depend on the SDK version. Raw requests also reach the Compute and Resources
providers through the same pipeline, and paging is the ARM rule: follow `nextLink` until absent
(pages merged into `{"value": [...]}`). The one long-running call, a NIC's effective routes, uses the
SDK's own poller (`begin_get_effective_route_table`, Azure-AsyncOperation / Location polling) with a
`cls` hook that returns the final response's raw JSON.

Read-only by construction: `ReadOnlyGuard` sits in the pipeline and refuses, before sending, any
request that operations.py does not allow. This also stops azure-mgmt-core's automatic resource
provider registration (a POST .../register after a 409 MissingSubscriptionRegistration).

Shape of a run: the main thread checks the credential, resolves the subscriptions (`all`: the
subscriptions list) and submits calls to one bounded thread pool; results come back to the main
thread, which alone writes files, records failures and reports progress. Written: one file per kind
(operations.py); not written: the subscription and resource-group lists and VM instance views.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable
from urllib.parse import urlparse

import requests
from azure.core.credentials import AccessToken, TokenCredential
from azure.core.exceptions import (AzureError, ClientAuthenticationError, HttpResponseError, ServiceRequestError,
                                   ServiceRequestTimeoutError, ServiceResponseTimeoutError)
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.core.pipeline.transport import HttpTransport, RequestsTransport
from azure.core.rest import HttpRequest, HttpResponse
from azure.mgmt.network import NetworkManagementClient
from urllib3.util.retry import Retry

from flightpath import __version__
from flightpath.snapshot.progress import NullReporter, Reporter, check_output_folder
from flightpath.collectors.azure import operations as ops
from flightpath.collectors.azure.collect_types import (
    SUBSCRIPTION_RE, AzureCollectOptions, AzureCollectSummary, Job, JobPool, Merge, SubscriptionState,
    health_calls, plan_effective_routes, power_state, resource_parts)
from flightpath.errors import CollectorError
from flightpath.snapshot import SnapshotWriter

_UNREADABLE_STATES = {"Disabled", "Deleted"}  # subscriptions whose resources cannot be read


class RefusedWrite(Exception):
    """The pipeline was asked to send a request that is not a read (see operations.allowed_request)."""


class ArmError(Exception):
    """ARM answered a raw request with an error (after the SDK's retries)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class UnexpectedResponse(Exception):
    """An answer that cannot be what the call returns (not JSON, no "value" list, a foreign nextLink)."""


CALL_ERRORS = (AzureError, ArmError, UnexpectedResponse, RefusedWrite)


def error_code(exc: BaseException) -> tuple[str, str]:
    """(code, message) for a failed call: ARM's error code, or the kind of transport failure."""
    if isinstance(exc, ArmError):
        return exc.code, exc.message
    if isinstance(exc, ClientAuthenticationError):  # the credential failed mid-run (a subclass of the next)
        return "AuthenticationFailed", str(exc.message)
    if isinstance(exc, HttpResponseError):
        err = exc.error
        code = getattr(err, "code", None) or (f"HTTP{exc.status_code}" if exc.status_code else "HttpResponseError")
        return str(code), str(getattr(err, "message", None) or exc.message)
    if isinstance(exc, (ServiceRequestTimeoutError, ServiceResponseTimeoutError)):
        return "Timeout", str(exc)
    if isinstance(exc, ServiceRequestError):
        return "ConnectionError", str(exc)
    if isinstance(exc, AzureError):
        return type(exc).__name__, str(exc.message)
    return type(exc).__name__, str(exc)


def arm_error(response: HttpResponse) -> ArmError:
    """The ARM error body {"error": {"code", "message"}} of a failed response."""
    try:
        err = response.json().get("error") or {}
    except (ValueError, AttributeError):
        err = {}
    code = err.get("code") or ("TooManyRequests" if response.status_code == 429 else f"HTTP{response.status_code}")
    return ArmError(str(code), str(err.get("message") or response.reason or ""))


class ReadOnlyGuard(SansIOHTTPPolicy):
    """Refuses every request that operations.allowed_request does not allow, before it is sent."""

    def on_request(self, request: PipelineRequest) -> None:  # type: ignore[override]
        http = request.http_request
        if not ops.allowed_request(http.method, urlparse(http.url).path):
            raise RefusedWrite(f"refused {http.method} {urlparse(http.url).path}: flightpath only reads "
                               "(a resource provider registration? register it yourself if needed)")


class _TokenRecorder:
    """A TokenCredential that remembers every token it hands out, so no message can leak one."""

    def __init__(self, inner: TokenCredential, secrets: set[str]) -> None:
        self._inner, self._secrets = inner, secrets

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        token = self._inner.get_token(*scopes, **kwargs)
        self._secrets.add(token.token)
        return token


def default_credential() -> TokenCredential:
    """azure-identity's chain: environment, workload identity, managed identity, az/azd/PowerShell login."""
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


def default_transport(options: AzureCollectOptions) -> HttpTransport:
    """azure-core's requests transport with a connection pool as large as the worker count (the pool
    of requests' default adapter holds 10), no urllib3 retries (azure-core retries) and the timeouts."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=max(10, options.workers),
                                            max_retries=Retry(total=False, redirect=False, raise_on_status=False))
    session.mount("https://", adapter)
    return RequestsTransport(session=session, session_owner=True, connection_timeout=options.connect_timeout,
                             read_timeout=options.read_timeout)


def _raw_final(pipeline_response: Any, _deserialized: Any, _headers: Any) -> Any:
    """`cls` hook of the LRO: the final response's JSON as ARM sent it, not the SDK model."""
    return pipeline_response.http_response.json()


class AzureCollector:
    """One collection run. `run(writer)` returns the summary; failures are in it and in the manifest."""

    def __init__(self, options: AzureCollectOptions, reporter: Reporter | None = None,
                 credential: TokenCredential | None = None, transport: HttpTransport | None = None) -> None:
        self.o = options
        self.reporter = reporter or NullReporter()
        self._secrets: set[str] = set()
        self.credential = _TokenRecorder(credential or default_credential(), self._secrets)
        self._own_transport = transport is None
        self.transport = transport or default_transport(options)
        self.summary = AzureCollectSummary(out=options.out)
        self._lock = threading.Lock()
        self._writer: SnapshotWriter | None = None
        self.pool: JobPool = None  # type: ignore[assignment]  # set by run()
        self._host = urlparse(options.endpoint).netloc.lower()

    # -- pipeline --------------------------------------------------------------------------------
    def client(self, subscription: str) -> NetworkManagementClient:
        return NetworkManagementClient(
            self.credential, subscription, base_url=self.o.endpoint, transport=self.transport,  # type: ignore[arg-type]
            credential_scopes=[self.o.endpoint + "/.default"], custom_hook_policy=ReadOnlyGuard(),
            retry_total=self.o.max_retries, retry_backoff_factor=self.o.retry_backoff,
            user_agent=f"flightpath/{__version__}", polling_interval=self.o.poll_interval)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def _classify(self, exc: BaseException) -> tuple[str, str] | None:
        if not isinstance(exc, CALL_ERRORS):
            return None
        code, message = error_code(exc)
        return code, self.redact(message)

    def _count(self) -> None:
        with self._lock:
            self.summary.calls += 1

    def get(self, client: NetworkManagementClient, url: str) -> Any:
        """One GET through the client's pipeline; the JSON body, or ArmError."""
        self._count()
        response = client.send_request(HttpRequest("GET", url))
        if response.status_code != 200:
            raise arm_error(response)
        try:
            return response.json()
        except ValueError:
            raise UnexpectedResponse(f"answer to GET {urlparse(url).path} is not JSON") from None

    def list_all(self, client: NetworkManagementClient, url: str) -> dict[str, Any]:
        """Every page of an ARM list (follow nextLink), merged into {"value": [...]}."""
        items: list[Any] = []
        seen: set[str] = set()
        next_url: str | None = url
        while next_url:
            if next_url in seen or (next_url.startswith("http") and urlparse(next_url).netloc.lower() != self._host):
                raise UnexpectedResponse(f"nextLink repeats or leaves {self.o.endpoint}: {next_url}")
            seen.add(next_url)
            page = self.get(client, next_url)
            if not isinstance(page, dict) or not isinstance(page.get("value"), list):
                raise UnexpectedResponse(f"answer to GET {urlparse(next_url).path} has no 'value' list")
            items.extend(page["value"])
            next_url = page.get("nextLink")
        return {"value": items}

    def effective_routes(self, client: NetworkManagementClient, resource_group: str, nic: str) -> dict[str, Any]:
        """The NIC's effective routes: the SDK's LRO poller, final body returned raw."""
        self._count()
        return self._lro_result(client.network_interfaces.begin_get_effective_route_table(
            resource_group, nic, api_version=ops.GET_EFFECTIVE_ROUTES.api_version,
            polling_interval=self.o.poll_interval, cls=_raw_final), f"effective routes of {nic}", "value")

    def rule_health(self, client: NetworkManagementClient, resource_group: str, lb: str, rule: str) -> dict[str, Any]:
        """A load balancing rule's backend health (LoadBalancerLoadBalancingRules_Health), final body raw."""
        self._count()
        return self._lro_result(client.load_balancer_load_balancing_rules.begin_health(
            resource_group, lb, rule, api_version=ops.GET_RULE_HEALTH.api_version,
            polling_interval=self.o.poll_interval, cls=_raw_final), f"health of {lb}/{rule}",
            "loadBalancerBackendAddresses")

    def _lro_result(self, poller: Any, what: str, list_key: str) -> dict[str, Any]:
        poller.wait(self.o.lro_timeout)
        if not poller.done():
            raise ServiceResponseTimeoutError(f"{what} not ready after {self.o.lro_timeout:.0f} s")
        body = poller.result()
        if not isinstance(body, dict) or not isinstance(body.get(list_key), list):
            raise UnexpectedResponse(f"final answer for {what} has no {list_key!r} list")
        return body

    # -- the run ---------------------------------------------------------------------------------
    def check_credential(self) -> None:
        try:
            self.credential.get_token(self.o.endpoint + "/.default")
        except ClientAuthenticationError as exc:
            first = self.redact(str(exc.message or exc)).strip().splitlines()[0]
            raise CollectorError(f"no usable Azure credential: {first} (run `az login`, or set AZURE_CLIENT_ID, "
                                 "AZURE_TENANT_ID and AZURE_CLIENT_SECRET)") from None

    def subscriptions(self) -> list[dict[str, Any]]:
        if self.o.subscriptions != "all":
            return [{"subscriptionId": s} for s in dict.fromkeys(s.lower() for s in self.o.subscriptions)]
        try:
            body = self.list_all(self.client("00000000-0000-0000-0000-000000000000"), ops.LIST_SUBSCRIPTIONS.url())
        except CALL_ERRORS as exc:
            code, message = error_code(exc)
            raise CollectorError(f"cannot list subscriptions: {code}: {self.redact(message)}") from None
        subs = [s for s in body["value"] if s.get("state") not in _UNREADABLE_STATES
                and SUBSCRIPTION_RE.match(str(s.get("subscriptionId", "")))]
        if not subs:
            raise CollectorError("the credential can read no subscription (subscriptions list is empty)")
        return sorted(subs, key=lambda s: s["subscriptionId"])

    def run(self, writer: SnapshotWriter) -> AzureCollectSummary:
        started = time.monotonic()
        self._writer = writer
        try:
            self.check_credential()
            subs = self.subscriptions()
            with JobPool(self.o.workers, self.reporter, self.summary, self._classify) as self.pool:
                for sub in subs:
                    self._start(sub)
                self.pool.drain()
        finally:
            if self._own_transport:
                self.transport.close()
        for scope in self.summary.scopes:
            writer.add_scope(scope)
        self.summary.errors.sort(key=lambda e: (e["scope"], e["operation"], sorted(e["params"].items())))
        for err in self.summary.errors:
            writer.add_error(**err)
        self.summary.elapsed = time.monotonic() - started
        return self.summary

    def _start(self, sub_info: dict[str, Any]) -> None:
        sid = sub_info["subscriptionId"]
        scope = {"cloud": "azure", "subscription": sid}
        if sub_info.get("displayName"):
            scope["name"] = sub_info["displayName"]
        self.summary.scopes.append(scope)
        self.summary.subscriptions.append(sid)
        sub = SubscriptionState(sid, self.client(sid))
        for op in ops.SUBSCRIPTION_OPERATIONS:
            self.pool.submit(self.list_all, (sub.client, op.url(subscriptionId=sid)),
                             Job(sid, op.name, self._listed(sub, op), on_fail=self._list_failed(sub, op)))
        rg_op = ops.LIST_RESOURCE_GROUPS
        self.pool.submit(self.list_all, (sub.client, rg_op.url(subscriptionId=sid)), Job(
            sid, rg_op.name, lambda body: self._per_group(sub, body["value"]),
            on_fail=lambda: [self._not_collected(sid, op.name, rg_op.name) for op in ops.RESOURCE_GROUP_OPERATIONS]))

    def _write(self, sub: str, kind: str, body: dict[str, Any]) -> None:
        assert self._writer is not None
        self._writer.write(f"azure/{sub}/{kind}.json", body)
        self.summary.resources[kind] += len(body["value"])

    def _listed(self, sub: SubscriptionState, op: ops.Operation) -> Callable[[dict[str, Any]], None]:
        def on_ok(body: dict[str, Any]) -> None:
            self._write(sub.id, op.kind, body)
            if op.kind == "firewallPolicies":
                self._per_item(sub, ops.LIST_RULE_COLLECTION_GROUPS, body["value"])
            elif self.o.effective_routes and op.kind == "networkInterfaces":
                sub.nics = body["value"]
                self._maybe_routes(sub)
            elif self.o.effective_routes and op.kind == "loadBalancers":
                self._rule_health(sub, body["value"])
            elif self.o.effective_routes and op.kind == "virtualMachines":
                sub.vms = body["value"]
                for vm in sorted(sub.vms, key=lambda v: v["id"].lower()) if not sub.blocked else []:
                    self._instance_view(sub, vm["id"])
                self._maybe_routes(sub)
        return on_ok

    def _list_failed(self, sub: SubscriptionState, op: ops.Operation) -> Callable[[], None]:
        def on_fail() -> None:
            if op.kind == "firewallPolicies":
                self._not_collected(sub.id, ops.LIST_RULE_COLLECTION_GROUPS.name, op.name)
            elif self.o.effective_routes and op.kind == "loadBalancers":
                self._not_collected(sub.id, ops.GET_RULE_HEALTH.name, op.name)
            elif self.o.effective_routes and op.kind in ("networkInterfaces", "virtualMachines"):
                sub.blocked = sub.blocked or op.name
                self._maybe_routes(sub)
        return on_fail

    def _not_collected(self, sub: str, operation: str, because: str) -> None:
        self.summary.error(sub, operation, {}, "NotCollected", f"not called: {because} failed")

    def _merged(self, sub: str, op: ops.Operation, urls: list[tuple[dict[str, str], str]], client: Any) -> None:
        merge = Merge(op.kind, [None] * len(urls), len(urls))

        def part_done(i: int, items: list[Any] | None) -> None:
            merge.parts[i] = items
            merge.pending -= 1
            if merge.pending == 0 and any(p is not None for p in merge.parts):
                self._write(sub, op.kind, {"value": [x for p in merge.parts if p for x in p]})

        if not urls:
            self._write(sub, op.kind, {"value": []})
        for i, (params, url) in enumerate(urls):
            self.pool.submit(self.list_all, (client, url), Job(
                sub, op.name, lambda body, i=i: part_done(i, body["value"]), params,
                on_fail=lambda i=i: part_done(i, None)))

    def _per_group(self, sub: SubscriptionState, groups: list[dict[str, Any]]) -> None:
        groups = sorted(groups, key=lambda g: g["name"].lower())
        for op in ops.RESOURCE_GROUP_OPERATIONS:  # a failed group is named by its id in the manifest
            urls = [({"resource_id": g["id"]}, op.url(subscriptionId=sub.id, resourceGroupName=g["name"]))
                    for g in groups]
            self._merged(sub.id, op, urls, sub.client)

    def _per_item(self, sub: SubscriptionState, op: ops.Operation, items: list[dict[str, Any]]) -> None:
        urls = []
        for item in sorted(items, key=lambda x: x["id"].lower()):
            rg, name = resource_parts(item["id"])
            urls.append(({"resource_id": item["id"]},
                         op.url(subscriptionId=sub.id, resourceGroupName=rg, firewallPolicyName=name)))
        self._merged(sub.id, op, urls, sub.client)

    def _rule_health(self, sub: SubscriptionState, lbs: list[dict[str, Any]]) -> None:
        for lb, rule in health_calls(lbs):  # one call per rule: LoadBalancerRuleHealth/<lb>/<rule>.json
            rg, name = resource_parts(lb["id"])
            rel = f"LoadBalancerRuleHealth/{name}/{rule['name']}.json"
            self.pool.submit(self.rule_health, (sub.client, rg, name, rule["name"]), Job(
                sub.id, ops.GET_RULE_HEALTH.name, lambda body, rel=rel: self._writer.write(  # type: ignore[union-attr]
                    f"azure/{sub.id}/{rel}", body), {"resource_id": rule.get("id") or lb["id"]}))

    # -- effective routes ------------------------------------------------------------------------
    def _instance_view(self, sub: SubscriptionState, vm_id: str) -> None:
        rg, name = resource_parts(vm_id)
        sub.views_pending += 1

        def done(body: dict[str, Any] | None) -> None:
            sub.power[vm_id.lower()] = power_state(body)
            sub.views_pending -= 1
            self._maybe_routes(sub)

        url = ops.GET_INSTANCE_VIEW.url(subscriptionId=sub.id, resourceGroupName=rg, vmName=name)
        self.pool.submit(self.get, (sub.client, url), Job(sub.id, ops.GET_INSTANCE_VIEW.name, done,
                                                          {"resource_id": vm_id}, on_fail=lambda: done(None)))

    def _maybe_routes(self, sub: SubscriptionState) -> None:
        """Once NICs, VMs and every power state are in: the effective-route calls (plan_effective_routes)."""
        if sub.routes_planned or (not sub.blocked and (sub.nics is None or sub.vms is None or sub.views_pending)):
            return
        sub.routes_planned = True
        op = ops.GET_EFFECTIVE_ROUTES
        if sub.blocked:
            return self._not_collected(sub.id, op.name, sub.blocked)
        plan = plan_effective_routes(sub.nics or [], sub.power)
        self.summary.routes_skipped += plan.skipped
        for nic in plan.unusable:
            self.summary.error(sub.id, op.name, {"resource_id": nic["id"]}, "UnusableName",
                               "the NIC or resource group name cannot name a file; not called")
        for nic, rel in plan.calls:
            rg, name = resource_parts(nic["id"])
            self.pool.submit(self.effective_routes, (sub.client, rg, name), Job(
                sub.id, op.name, lambda body, rel=rel: self._routes_done(sub.id, rel, body),
                {"resource_id": nic["id"]}))

    def _routes_done(self, sub: str, rel: str, body: dict[str, Any]) -> None:
        self._writer.write(f"azure/{sub}/{rel}", body)  # type: ignore[union-attr]
        self.summary.resources[ops.GET_EFFECTIVE_ROUTES.kind] += 1


def collect(options: AzureCollectOptions, reporter: Reporter | None = None, credential: TokenCredential | None = None,
            transport: HttpTransport | None = None) -> AzureCollectSummary:
    """Collect into options.out (written atomically: nothing changes there unless the run completes).
    credential: default DefaultAzureCredential; transport: default azure-core's requests transport."""
    check_output_folder(options.out)
    collector = AzureCollector(options, reporter, credential, transport)
    with SnapshotWriter(options.out, __version__) as writer:
        return collector.run(writer)
