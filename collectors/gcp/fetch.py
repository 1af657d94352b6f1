"""Live GCP collection: Compute Engine v1 calls → the raw REST response bodies in a snapshot folder.

The only module of flightpath that imports google.*; `flightpath/cli/collect_gcp.py` imports it lazily.

Raw JSON, not SDK models. Every call goes through the real google-cloud-compute client over its REST
transport (`client.list(...)`, `client.aggregated_list(...)`, ...): the client builds the request, adds the
credentials, pages (`pageToken`) and retries. The body written is the bytes the API sent, captured by a
`requests` response hook on the client's own HTTP session (`client._transport._session`, an
`AuthorizedSession`): the client parses the same bytes into proto messages, which would drop unknown fields
and rename (`IPProtocol` → `I_p_protocol`), so the messages are not what is written. Pages are merged into
the first page's body (`items` concatenated; aggregated lists merged per scope; `nextPageToken` dropped).

Read-only by construction: each client's session refuses, before sending, any request that operations.py does
not allow (`allowed_request`: GETs of the listed paths only).

Shape of a run: for each project, every project-scope operation is submitted to one bounded thread pool;
when the routers and networks lists come back, one getRouterStatus per router and one getEffectiveFirewalls
per network follow. The main thread alone writes files, records failures (403, 429 after retries, timeouts)
in the manifest and reports progress. Authentication: Application Default Credentials (google.auth.default).
"""

from __future__ import annotations

import json
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import google.auth
from google.api_core import exceptions as gexc
from google.api_core import retry as gretry
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import compute_v1

from flightpath import __version__
from flightpath.collectors.gcp import operations as ops
from flightpath.errors import CollectorError
from flightpath.snapshot import SnapshotWriter
from flightpath.snapshot.progress import NullReporter, Reporter, check_output_folder

RETRYABLE = (gexc.TooManyRequests, gexc.ServiceUnavailable, gexc.InternalServerError, gexc.BadGateway,
             gexc.GatewayTimeout, gexc.DeadlineExceeded)


class RefusedWrite(Exception):
    """A client was about to send a request that is not a read (see operations.allowed_request)."""


@dataclass
class GcpCollectOptions:
    out: Path
    projects: list[str]
    organization: str = ""
    workers: int = ops.DEFAULT_WORKERS
    timeout: float = 30.0
    retry_deadline: float = 60.0  # total seconds of retries per call (429, 5xx, timeouts)
    initial_backoff: float = 1.0
    endpoint: str = ""  # tests: http://127.0.0.1:PORT
    anonymous: bool = False  # tests: no Application Default Credentials

    def __post_init__(self) -> None:
        if not self.projects:
            raise CollectorError("--project: name at least one project (listing an organization's projects needs "
                                 "the Resource Manager API, which the gcp extra does not include)")
        if self.workers < 1:
            raise CollectorError("--workers must be at least 1")


@dataclass
class GcpCollectSummary:
    out: Path
    projects: list[str] = field(default_factory=list)
    calls: int = 0
    resources: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def failed(self) -> int:
        return len(self.errors)

    def lines(self) -> list[str]:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.resources.items()) if v)
        out = [f"collected {len(self.projects)} project(s) into {self.out} in {self.elapsed:.1f} s: "
               f"{self.calls} calls, {self.failed} failed", f"  resources: {kinds or 'none'}"]
        for err in self.errors[:20]:
            out.append(f"    {err['scope']} {err['operation']}: {err['code']}: {err['message']}")
        return out


@dataclass(frozen=True)
class Call:
    op: ops.Operation
    project: str  # or organizations/<id> for the organization scope
    params: tuple[tuple[str, str], ...] = ()  # region / router / network

    @property
    def label(self) -> str:
        extra = "/".join(v for _k, v in self.params)
        return f"{self.project} {self.op.name}" + (f" {extra}" if extra else "")

    def relpath(self) -> str:
        p = dict(self.params)
        if self.op.scope == "organization":
            return f"gcp/{self.project.replace('/', '-')}/{self.op.file}.json"
        if self.op.scope == "router":
            return f"gcp/{self.project}/{self.op.file}/{p['region']}/{p['router']}.json"
        if self.op.scope == "network":
            return f"gcp/{self.project}/{self.op.file}/{p['network']}.json"
        return f"gcp/{self.project}/{self.op.file}.json"


def _credentials(options: GcpCollectOptions):
    if options.anonymous:
        return AnonymousCredentials()
    try:
        creds, _project = google.auth.default(scopes=["https://www.googleapis.com/auth/compute.readonly"])
    except google.auth.exceptions.DefaultCredentialsError as exc:
        raise CollectorError(f"no Application Default Credentials: {str(exc).splitlines()[0]} "
                             "(run `gcloud auth application-default login`)") from None
    return creds


def _client(op: ops.Operation, creds, options: GcpCollectOptions, pages: list[bytes]):
    """A client of the operation's class whose session captures every raw response body into `pages` and
    refuses every request that is not an allowed read."""
    kwargs: dict[str, Any] = {"credentials": creds}
    if options.endpoint:
        kwargs["client_options"] = ClientOptions(api_endpoint=options.endpoint)
    client = getattr(compute_v1, op.client)(**kwargs)
    session = client._transport._session
    send = session.request

    def guarded(method: str, url: str, *args: Any, **kw: Any):
        if not ops.allowed_request(method, urlparse(url).path):
            raise RefusedWrite(f"refused {method} {urlparse(url).path}: flightpath only reads")
        return send(method, url, *args, **kw)

    session.request = guarded
    session.hooks["response"].append(lambda r, *a, **k: pages.append(r.content) if r.status_code == 200 else None)
    return client


def _request(call: Call) -> dict[str, Any]:
    p = dict(call.params)
    if call.op.scope == "organization":
        return {"parent_id": call.project}
    return {"project": call.project, **p}


def run_call(call: Call, creds, options: GcpCollectOptions) -> tuple[Any, int]:
    """Make one call (all its pages) through the client; (merged raw body, pages)."""
    pages: list[bytes] = []
    client = _client(call.op, creds, options, pages)
    retry = gretry.Retry(predicate=gretry.if_exception_type(*RETRYABLE), initial=options.initial_backoff,
                         maximum=30.0, multiplier=2.0, timeout=options.retry_deadline)
    result = getattr(client, call.op.method)(request=_request(call), retry=retry, timeout=options.timeout)
    if call.op.method in ("list", "aggregated_list"):
        for _item in result:  # the pager fetches every page; the hook keeps each page's bytes
            pass
    bodies = [json.loads(b) for b in pages]
    return merge_pages(bodies), len(bodies)


def merge_pages(bodies: list[Any]) -> Any:
    """Pages of one list merged into the first body: items concatenated (aggregated: per scope)."""
    if not bodies:
        return {}
    first = dict(bodies[0])
    for extra in bodies[1:]:
        items = extra.get("items")
        if isinstance(items, list):
            first["items"] = list(first.get("items") or []) + items
        elif isinstance(items, dict):
            merged = dict(first.get("items") or {})
            for scope, value in items.items():
                have = merged.get(scope)
                if not isinstance(have, dict) or "warning" in have:
                    merged[scope] = value
                    continue
                merged[scope] = {k: (have.get(k, []) + v if isinstance(v, list) else v) for k, v in value.items()}
            first["items"] = merged
    first.pop("nextPageToken", None)
    return first


def error_code(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, gexc.GoogleAPICallError):
        reason = next((e.get("reason") for e in (exc.errors or []) if isinstance(e, dict) and e.get("reason")), "")
        return type(exc).__name__ + (f" ({reason})" if reason else ""), str(exc.message).split(": ", 1)[-1]
    if isinstance(exc, gexc.RetryError):
        cause = exc.cause
        code, msg = error_code(cause) if cause else ("RetryError", str(exc))
        return code, f"gave up after retrying: {msg}"
    return type(exc).__name__, str(exc)


def _follow_ups(call: Call, body: Any) -> list[Call]:
    """Per-resource calls that a list's answer asks for (router status per router, effective firewalls per network)."""
    by_name = {op.name: op for op in ops.OPERATIONS}
    out: list[Call] = []
    if call.op.name == "routers.aggregatedList":
        for scoped in (body.get("items") or {}).values():
            for r in scoped.get("routers", []) if isinstance(scoped, dict) else []:
                region = str(r.get("region", "")).rsplit("/", 1)[-1]
                out.append(Call(by_name["routers.getRouterStatus"], call.project,
                                (("region", region), ("router", str(r.get("name"))))))
    elif call.op.name == "networks.list":
        for n in body.get("items") or []:
            out.append(Call(by_name["networks.getEffectiveFirewalls"], call.project, (("network", str(n.get("name"))),)))
    return out


def _count(body: Any) -> int:
    items = body.get("items") if isinstance(body, dict) else None
    if isinstance(items, list):
        return len(items)
    if isinstance(items, dict):
        return sum(len(v) for s in items.values() if isinstance(s, dict) for v in s.values() if isinstance(v, list))
    return 1


def collect(options: GcpCollectOptions, reporter: Reporter | None = None) -> GcpCollectSummary:
    reporter = reporter or NullReporter()
    check_output_folder(options.out)
    creds = _credentials(options)
    started = time.monotonic()
    summary = GcpCollectSummary(options.out, list(options.projects))
    calls = [Call(op, p) for p in options.projects for op in ops.OPERATIONS if op.scope == "project"]
    if options.organization:
        org = ops.OPERATIONS[-1]
        calls.append(Call(org, f"organizations/{options.organization}"))
    with SnapshotWriter(options.out, __version__) as writer, ThreadPoolExecutor(options.workers) as pool:
        for p in options.projects:
            writer.add_scope({"cloud": "gcp", "project": p})
        if options.organization:
            writer.add_scope({"cloud": "gcp", "organization": options.organization})
        pending: dict[Future, Call] = {pool.submit(run_call, c, creds, options): c for c in calls}
        reporter.planned(len(calls))
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                call = pending.pop(fut)
                try:
                    body, pages = fut.result()
                except (gexc.GoogleAPIError, RefusedWrite, OSError, ValueError) as exc:
                    code, message = error_code(exc)
                    params = dict(call.params) | ({"resource_id": call.params[-1][1]} if call.params else {})
                    writer.add_error(cloud="gcp", scope=call.project, operation=call.op.name,
                                     params=params, code=code, message=message)
                    summary.errors.append(writer.errors[-1])
                    summary.calls += 1
                    reporter.done(call.label, f"{code}: {message}")
                    continue
                summary.calls += pages
                writer.write(call.relpath(), body)
                summary.resources[call.op.file] = summary.resources.get(call.op.file, 0) + _count(body)
                for unreachable in body.get("unreachables") or [] if isinstance(body, dict) else []:
                    writer.add_error(cloud="gcp", scope=call.project, operation=call.op.name,
                                     params={"scope": str(unreachable)}, code="Unreachable",
                                     message=f"{unreachable} did not answer (partial aggregated list)")
                    summary.errors.append(writer.errors[-1])
                more = _follow_ups(call, body)
                for c in more:
                    pending[pool.submit(run_call, c, creds, options)] = c
                reporter.planned(len(more))
                reporter.done(call.label, None)
        summary.elapsed = time.monotonic() - started
    return summary
