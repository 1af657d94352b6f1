"""Live OCI collection with the `oci` SDK (the only module that imports it).

Raw bodies: DESIGN rule 1 says a snapshot holds what the API returned, never SDK model dicts. The SDK turns every
response into model objects (snake_case attributes, datetimes, dropped unknown fields), and `oci.util.to_dict`
would re-serialise those, not the wire JSON. So each client's `requests` session gets a response hook
(`session.hooks["response"]`, which the SDK's own session copies keep) that keeps the HTTP body the SDK received;
after a successful call (retries included) that body, parsed as JSON, is what is written. Pages (`opc-next-page`
→ `page`) are merged into one list, as the CLI's `--all` prints them. Clients are made per task (one compartment x
region) and per worker thread of its per-resource calls, so a hook never sees another thread's responses.

Failures (ServiceError 401/403/404/429 after retries, 5xx, timeouts) are recorded with SnapshotWriter.add_error
(`params.resource_id` for per-resource calls), and the trace then ends `unknown` naming the call. Calls: only
operations.ALLOWED (list_/get_ methods).

Oracle's public_ip_ranges.json (the CIDRs behind the Oracle Services Network labels, services.py) is not an API
call: one plain HTTPS GET with urllib (no credentials; `options.public_ip_ranges_url`), saved as
`oci/public_ip_ranges.json`. A failure is recorded in the manifest as operation GetPublicIpRanges (not fatal:
labels then stay unknown, naming it).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import oci

import flightpath
from flightpath.errors import CollectorError
from flightpath.snapshot import SnapshotWriter
from flightpath.snapshot.progress import NullReporter, Reporter, check_output_folder

from flightpath.collectors.oci import recognize as K
from flightpath.collectors.oci.collect_types import OciCollectOptions, OciSummary
from flightpath.collectors.oci.operations import ALLOWED, CHILD_OPS, COMPARTMENT_OPS, GRANDCHILD_OPS, Operation
from flightpath.collectors.oci.services import FILE as RANGES_FILE
from flightpath.collectors.oci.services import OPERATION as RANGES_OPERATION

CLIENTS = {"network": oci.core.VirtualNetworkClient, "compute": oci.core.ComputeClient,
           "identity": oci.identity.IdentityClient}


class _Capture:
    """requests response hook: the last HTTP body this client received."""

    def __init__(self) -> None:
        self.body: bytes = b""

    def __call__(self, response, *args: Any, **kwargs: Any):
        self.body = response.content
        return response


@dataclass
class _Result:
    region: str
    compartment: str
    lists: dict[str, list[Any]] = field(default_factory=dict)  # file name -> items
    singles: dict[str, Any] = field(default_factory=dict)  # relpath -> body
    errors: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str | None]] = field(default_factory=list)  # (label, failure)


class _Session:
    """One task's clients (one compartment x region)."""

    def __init__(self, options: OciCollectOptions, config: dict[str, Any], signer: Any, region: str) -> None:
        self.capture = _Capture()
        self.options = options
        self.retry = oci.retry.RetryStrategyBuilder(
            max_attempts_check=True, max_attempts=options.max_retries + 1, total_elapsed_time_check=True,
            total_elapsed_time_seconds=max(60, int(options.read_timeout * (options.max_retries + 1))),
            retry_max_wait_between_calls_seconds=max(options.retry_base_sleep * 8, 0.01),
            retry_base_sleep_time_seconds=options.retry_base_sleep, service_error_check=True,
            service_error_retry_on_any_5xx=True, service_error_retry_config={429: []},
            backoff_type=oci.retry.BACKOFF_FULL_JITTER_EQUAL_ON_THROTTLE_VALUE).get_retry_strategy()
        cfg = dict(config, region=region)
        kw: dict[str, Any] = {"timeout": (10.0, options.read_timeout),
                              "circuit_breaker_strategy": oci.circuit_breaker.NoCircuitBreakerStrategy()}
        if signer is not None:
            kw["signer"] = signer
        if options.endpoint:
            kw["service_endpoint"] = options.endpoint
        self._cfg, self._kw = cfg, kw
        self._clients: dict[str, Any] = {}

    def client(self, name: str) -> Any:
        """The SDK client (made on first use: a worker that only reads VNICs never builds the compute client)."""
        if name not in self._clients:
            client = CLIENTS[name](self._cfg, **self._kw)
            client.base_client.session.hooks.setdefault("response", []).append(self.capture)
            self._clients[name] = client
        return self._clients[name]

    def call(self, op: Operation, **params: Any) -> Any:
        """The wire body (pages merged); raises the SDK's exceptions."""
        if op.method not in ALLOWED or not op.method.startswith(("list_", "get_")):
            raise CollectorError(f"{op.method} is not in the read-only allow-list")
        method = getattr(self.client(op.client), op.method)
        params = dict(op.args) | params
        items: list[Any] = []
        page = None
        while True:
            kw = dict(params, retry_strategy=self.retry)
            if page:
                kw["page"] = page
            response = method(**kw)
            body = json.loads(self.capture.body or b"null")
            if not isinstance(body, list):
                return body
            items.extend(body)
            page = response.next_page
            if not page:
                return items


def _failure(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, oci.exceptions.ServiceError):
        return f"{exc.status} {exc.code}", str(exc.message)
    if isinstance(exc, (oci.exceptions.RequestException, oci.exceptions.ConnectTimeout)):
        return "RequestError", str(exc).splitlines()[0][:300]
    if isinstance(exc, OSError):
        return "ConnectionError", str(exc)[:300]
    if isinstance(exc, CollectorError):
        raise exc
    return type(exc).__name__, str(exc).splitlines()[0][:300] if str(exc) else ""  # e.g. a body that is not JSON


def _run(session: _Session, res: _Result, tenancy: str, op: Operation, parent: str = "", **params: Any) -> Any:
    label = f"{res.region} {op.name}" + (f" {parent}" if parent else "")
    try:
        body = session.call(op, **params)
    except Exception as exc:  # noqa: BLE001 (SDK and transport errors: recorded, never silent)
        code, message = _failure(exc)
        res.errors.append({"cloud": "oci", "scope": f"{tenancy}/{res.region}/{res.compartment}",
                           "operation": op.name, "params": dict(params, **({"resource_id": parent} if parent else {})),
                           "code": code, "message": message})
        res.calls.append((label, f"{code}: {message}"))
        return None
    res.calls.append((label, None))
    return body


def _task(options: OciCollectOptions, config: dict[str, Any], signer: Any, tenancy: str, region: str,
          compartment: str) -> _Result:
    session = _Session(options, config, signer, region)
    res = _Result(region, compartment)
    for op in COMPARTMENT_OPS:
        body = _run(session, res, tenancy, op, compartment_id=compartment)
        if body is not None:
            res.lists[op.name] = body
    parents = {K.NSG: "ListNetworkSecurityGroups", K.DRG: "ListDrgs", K.IPSEC: "ListIPSecConnections",
               K.VNIC_ATTACHMENT: "ListVnicAttachments"}
    jobs = []
    for op, keyword in CHILD_OPS:
        for item in res.lists.get(parents[op.scope], []):
            parent = item.get("vnicId") if op.scope == K.VNIC_ATTACHMENT else item.get("id")
            if parent:
                jobs.append((op, parent, {keyword: parent}))
    _fan_out(options, config, signer, tenancy, res, jobs)
    children = {K.DRG_ROUTE_TABLE: "ListDrgRouteTables", K.DRG_DISTRIBUTION: "ListDrgRouteDistributions"}
    _fan_out(options, config, signer, tenancy, res, [
        (op, item["id"], {keyword: item["id"]}) for op, keyword in GRANDCHILD_OPS
        for item in res.lists.get(children[op.scope], [])])
    return res


def _fan_out(options: OciCollectOptions, config: dict[str, Any], signer: Any, tenancy: str, res: _Result,
             jobs: list[tuple[Operation, str, dict[str, str]]]) -> None:
    """Per-resource calls (one per NSG, VNIC, DRG route table, ...) concurrently, each worker thread with its own
    clients (so a response hook only sees its own thread's bodies); results are merged here in job order, so the
    snapshot does not depend on timing."""
    if not jobs:
        return
    local = threading.local()

    def one(job: tuple[Operation, str, dict[str, str]]) -> tuple[Any, _Result]:
        op, parent, kw = job
        if getattr(local, "session", None) is None:
            local.session = _Session(options, config, signer, res.region)
        part = _Result(res.region, res.compartment)
        return _run(local.session, part, tenancy, op, parent, **kw), part

    with ThreadPoolExecutor(max_workers=max(1, min(options.workers, len(jobs)))) as pool:
        for (op, parent, _kw), (body, part) in zip(jobs, pool.map(one, jobs)):
            res.calls += part.calls
            res.errors += part.errors
            _store(res, op, parent, body)


def _store(res: _Result, op: Operation, parent: str, body: Any) -> None:
    if body is None:
        return
    if op.merge:
        res.lists.setdefault(op.name, []).extend(body if isinstance(body, list) else [body])
    else:
        res.singles[f"{op.name}/{parent}.json"] = body


def _public_ip_ranges(options: OciCollectOptions) -> tuple[Any, dict[str, Any] | None]:
    """(Oracle's public_ip_ranges.json, None) or (None, the manifest error)."""
    url = options.public_ip_ranges_url
    try:
        with urllib.request.urlopen(url, timeout=options.read_timeout) as response:  # noqa: S310 (https, or a test's 127.0.0.1)
            body = json.loads(response.read())
        if not K.is_public_ip_ranges(body):
            raise ValueError("the body is not Oracle's public_ip_ranges.json (no last_updated_timestamp / regions)")
        return body, None
    except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors; bad JSON is a ValueError
        code = f"HTTP {exc.code}" if isinstance(exc, urllib.error.HTTPError) else type(exc).__name__
        message = str(getattr(exc, "reason", "") or exc).splitlines()[0][:300] if str(exc) else ""
        return None, {"cloud": "oci", "scope": "oracle-services-network", "operation": RANGES_OPERATION,
                      "params": {"url": url}, "code": code, "message": message}


def _auth(options: OciCollectOptions) -> tuple[dict[str, Any], Any]:
    if options.config is not None:
        return options.config, None
    if options.instance_principal:
        try:
            # the instance metadata service (169.254.169.254, or OCI_METADATA_BASE_URL, which the SDK reads) gives
            # the certificate; the region's auth service exchanges it for a token. With --endpoint (tests) that is
            # the same host: https://docs.oracle.com/en-us/iaas/Content/Identity/Tasks/callingservicesfrominstances.htm
            fed = f"{options.endpoint.rstrip('/')}/v1/x509" if options.endpoint else None
            # the SDK's own metadata retry waits up to 180 s (404s while an instance boots); off an instance that
            # is a long hang, so the collector's retry budget (--max-retries, its back-off) bounds it instead
            retry = oci.retry.RetryStrategyBuilder(
                service_error_retry_config={-1: [], 404: [], 429: []}, service_error_retry_on_any_5xx=True,
                max_attempts=options.max_retries + 1, total_elapsed_time_seconds=60,
                retry_base_sleep_time_seconds=options.retry_base_sleep).get_retry_strategy()
            signer = oci.auth.signers.InstancePrincipalsSecurityTokenSigner(federation_endpoint=fed, retry_strategy=retry)
        except Exception as exc:  # noqa: BLE001
            raise CollectorError(f"instance principal authentication failed: {str(exc).splitlines()[0]}") from None
        return {"region": signer.region, "tenancy": signer.tenancy_id}, signer
    try:
        config = oci.config.from_file(file_location=options.config_file or oci.config.DEFAULT_LOCATION,
                                      profile_name=options.profile)
        oci.config.validate_config(config)
    except (oci.exceptions.ConfigFileNotFound, oci.exceptions.ProfileNotFound, oci.exceptions.InvalidConfig,
            oci.exceptions.InvalidKeyFilePath) as exc:
        raise CollectorError(f"OCI config: {str(exc).splitlines()[0]}") from None
    return config, None


def _scopes(options: OciCollectOptions, config: dict[str, Any], signer: Any) -> tuple[list[str], list[str]]:
    tenancy = config["tenancy"]
    identity = _Session(options, config, signer, config.get("region", ""))
    regions = list(options.regions) or [config.get("region", "")]
    if regions == ["all"]:
        subs = identity.client("identity").list_region_subscriptions(tenancy).data
        regions = sorted(s.region_name for s in subs if str(s.status).upper() == "READY")
    compartments = list(options.compartments) or [tenancy]
    if options.tenancy:
        listed = identity.call(Operation("ListCompartments", "identity", "list_compartments", "tenancy"),
                               compartment_id=tenancy, compartment_id_in_subtree=True, access_level="ACCESSIBLE")
        compartments = [tenancy] + [c["id"] for c in listed if c.get("lifecycleState") == "ACTIVE"]
    return regions, compartments


def collect(options: OciCollectOptions, reporter: Reporter | None = None) -> OciSummary:
    """Collect every compartment x region concurrently and write the snapshot atomically."""
    reporter = reporter or NullReporter()
    check_output_folder(options.out)
    config, signer = _auth(options)
    tenancy = config["tenancy"]
    regions, compartments = _scopes(options, config, signer)
    summary = OciSummary(options.out)
    results: list[_Result] = []
    reporter.planned(len(regions) * len(compartments) * len(COMPARTMENT_OPS))
    with ThreadPoolExecutor(max_workers=options.workers) as pool:
        ranges = pool.submit(_public_ip_ranges, options) if options.public_ip_ranges_url else None
        futures = [pool.submit(_task, options, config, signer, tenancy, r, c) for r in regions for c in compartments]
        for fut in as_completed(futures):
            res = fut.result()
            results.append(res)
            for label, failure in res.calls:
                reporter.done(label, failure)
            summary.calls += len(res.calls)
            failed = sum(1 for _l, f in res.calls if f)
            summary.failed += failed
            summary.failures += [f"{label}: {f}" for label, f in res.calls if f]
            summary.scopes.append(f"{res.region}/{res.compartment}")
            reporter.scope_done(f"{res.region} {res.compartment}", len(res.calls), failed)
        osn = ranges.result() if ranges is not None else (None, None)
    if ranges is not None:
        summary.calls += 1
        if osn[1] is not None:
            summary.failed += 1
            summary.failures.append(f"{RANGES_OPERATION} {options.public_ip_ranges_url}: {osn[1]['code']}: "
                                    f"{osn[1]['message']}")
    _write(options, tenancy, regions, compartments, results, osn)
    return summary


def _write(options: OciCollectOptions, tenancy: str, regions: list[str], compartments: list[str],
           results: list[_Result], osn: tuple[Any, dict[str, Any] | None] = (None, None)) -> None:
    with SnapshotWriter(options.out, flightpath.__version__) as w:
        if osn[0] is not None:
            w.write(RANGES_FILE, osn[0])
        if osn[1] is not None:
            w.add_error(**osn[1])
        for region in regions:
            base = f"oci/{tenancy}/{region}"
            merged: dict[str, list[Any]] = {}
            for res in sorted((r for r in results if r.region == region), key=lambda r: r.compartment):
                for name, items in res.lists.items():
                    seen = {i.get("id") for i in merged.setdefault(name, []) if isinstance(i, dict)}
                    merged[name] += [i for i in items if not (isinstance(i, dict) and i.get("id") in seen)]
                for rel, body in res.singles.items():
                    w.write(f"{base}/{rel}", body)
                for err in res.errors:
                    w.add_error(**err)
            for name, items in merged.items():
                w.write(f"{base}/{name}.json", items)
            w.add_scope({"cloud": "oci", "tenancy": tenancy, "region": region, "compartments": compartments})
