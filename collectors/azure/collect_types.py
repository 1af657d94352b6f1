"""Options, summary and the pure decisions of the Azure collector (no SDK: importable by the CLI).

`plan_effective_routes` decides which NICs get the effective-route call, from the NIC list and the
VMs' power states, e.g. NICs n1 (VM a, running), n2 (VM b, deallocated), n3 (no VM), n4 (VM c, power
state unreadable) → calls for n1 and n4 (the call itself then says whether c runs), one skipped (n2);
files EffectiveRoutes/n1.json and EffectiveRoutes/n4.json.
"""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from flightpath.snapshot.progress import Reporter
from flightpath.collectors.azure.operations import DEFAULT_WORKERS
from flightpath.errors import CollectorError

ARM_ENDPOINT = "https://management.azure.com"
SUBSCRIPTION_RE = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
NIC_FILE_RE = re.compile(r"^[\w.-]+$")  # Azure NIC names: letters, digits, _ . - (never a path)
RG_FILE_RE = re.compile(r"^[\w.()-]+$")  # resource group names: also ( )
RUNNING = "PowerState/running"
_MAX_LISTED_FAILURES = 20


@dataclass
class AzureCollectOptions:
    """What to collect and how. subscriptions: ids, or "all" (every readable subscription)."""

    out: Path
    subscriptions: list[str] | Literal["all"]
    effective_routes: bool = False
    workers: int = DEFAULT_WORKERS
    max_retries: int = 5  # retries after the first attempt (azure-core RetryPolicy retry_total)
    retry_backoff: float = 0.8  # seconds, doubled per retry, unless the answer says Retry-After
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    poll_interval: float = 5.0  # LRO polling delay when the service sends no Retry-After
    lro_timeout: float = 300.0
    endpoint: str = ARM_ENDPOINT

    def __post_init__(self) -> None:
        if self.workers < 1 or self.max_retries < 0:
            raise CollectorError("workers must be at least 1 and retries at least 0")
        if self.subscriptions != "all":
            bad = [s for s in self.subscriptions if not SUBSCRIPTION_RE.match(s)]
            if bad or not self.subscriptions:
                raise CollectorError(f"--subscription: not a subscription id: {', '.join(bad) or '(none given)'} "
                                     "(expected a GUID, or 'all')")


@dataclass
class AzureCollectSummary:
    """The outcome of a run. `failed` calls are also in the manifest; exit code 3 when any failed."""

    out: Path
    subscriptions: list[str] = field(default_factory=list)
    scopes: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0  # requests answered or failed (pages count; retries and LRO polls do not)
    resources: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    routes_skipped: int = 0  # NICs of VMs not running (Azure computes no effective routes for them)
    elapsed: float = 0.0

    @property
    def failed(self) -> int:
        return len(self.errors)

    def error(self, sub: str, operation: str, params: dict[str, str], code: str, message: str) -> None:
        self.errors.append({"cloud": "azure", "scope": sub, "operation": operation, "params": dict(params),
                            "code": code, "message": message})

    def lines(self) -> list[str]:
        """The closing lines: subscriptions, time, calls, failures, resources per kind."""
        n = len(self.subscriptions)
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.resources.items()) if v)
        out = [f"collected {n} subscription{'s' * (n != 1)} into {self.out} in {self.elapsed:.1f} s: "
               f"{self.calls} calls, {self.failed} failed", f"  resources: {kinds or 'none'}"]
        if self.routes_skipped:
            out.append(f"  effective routes skipped for {self.routes_skipped} NICs of VMs not running")
        if self.errors:
            out.append(f"  failed calls (all are in {self.out / 'manifest.json'}):")
            for err in self.errors[:_MAX_LISTED_FAILURES]:
                what = " ".join(str(v) for v in err["params"].values())
                out.append(f"    {err['scope']} {err['operation']}{' ' + what if what else ''}: "
                           f"{err['code']}: {err['message']}")
            if self.failed > _MAX_LISTED_FAILURES:
                out.append(f"    ... and {self.failed - _MAX_LISTED_FAILURES} more")
        return out


def resource_parts(resource_id: str) -> tuple[str, str]:
    """(resource group, name) of an ARM resource id: ".../resourceGroups/rg1/.../vm1" -> ("rg1", "vm1")."""
    segments = resource_id.strip("/").split("/")
    lower = [s.lower() for s in segments]
    if "resourcegroups" not in lower or len(segments) < 8:
        raise ValueError(f"not an ARM resource id: {resource_id}")
    return segments[lower.index("resourcegroups") + 1], segments[-1]


def power_state(instance_view: dict[str, Any] | None) -> str | None:
    """"PowerState/running", "PowerState/deallocated", ... from a VM instance view; None if absent."""
    codes = [str(s.get("code", "")) for s in (instance_view or {}).get("statuses", []) if isinstance(s, dict)]
    return next((c for c in codes if c.startswith("PowerState/")), None)


@dataclass
class RoutePlan:
    calls: list[tuple[dict[str, Any], str]]  # (NIC, its file under azure/<subscription>/) to call
    skipped: int  # NICs attached to a VM that is not running
    unusable: list[dict[str, Any]]  # NICs whose name or resource group cannot be a file name


def plan_effective_routes(nics: list[dict[str, Any]], power: dict[str, str | None]) -> RoutePlan:
    """NICs attached to a listed VM that runs (or whose power state is unknown: None); power maps each
    listed VM id, lowercased, to its power state. Files are named after the NIC, `EffectiveRoutes/<nic>.json`;
    a name that several resource groups use (case-insensitively) goes to `<resource group>/EffectiveRoutes/
    <nic>.json` for each of them (the layout the Azure recognizer reads, see recognize.py)."""
    plan = RoutePlan([], 0, [])
    chosen = []
    for nic in sorted(nics, key=lambda n: str(n.get("id", "")).lower()):
        vm = str(((nic.get("properties") or {}).get("virtualMachine") or {}).get("id", "")).lower()
        if not vm or vm not in power:
            continue
        if power[vm] not in (RUNNING, None):
            plan.skipped += 1
        elif not NIC_FILE_RE.match(str(nic.get("name", ""))) or not RG_FILE_RE.match(resource_parts(nic["id"])[0]):
            plan.unusable.append(nic)
        else:
            chosen.append(nic)
    names = Counter(n["name"].lower() for n in chosen)
    for nic in chosen:
        folder = "" if names[nic["name"].lower()] == 1 else resource_parts(nic["id"])[0] + "/"
        plan.calls.append((nic, f"{folder}EffectiveRoutes/{nic['name']}.json"))
    return plan


def health_calls(lbs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(load balancer, load balancing rule) for every rule of every listed load balancer whose names can
    name a file (LoadBalancerRuleHealth/<lb>/<rule>.json: the layout recognize.py reads), in id order."""
    out = []
    for lb in sorted(lbs, key=lambda x: str(x.get("id", "")).lower()):
        if not NIC_FILE_RE.match(str(lb.get("name", ""))):
            continue
        for rule in (lb.get("properties") or {}).get("loadBalancingRules") or []:
            if isinstance(rule, dict) and NIC_FILE_RE.match(str(rule.get("name", ""))):
                out.append((lb, rule))
    return out


@dataclass
class Merge:
    """Per-resource-group (or per-policy) calls of one kind, merged into one file when all are done."""

    kind: str
    parts: list[list[Any] | None]  # None: failed or pending
    pending: int


@dataclass
class SubscriptionState:
    """What the effective-route step of a subscription waits for: NICs, VMs and every VM's power state."""

    id: str
    client: Any  # the subscription's NetworkManagementClient
    nics: list[dict[str, Any]] | None = None
    vms: list[dict[str, Any]] | None = None
    power: dict[str, str | None] = field(default_factory=dict)  # vm id (lower) -> power state, None: unknown
    views_pending: int = 0
    blocked: str = ""  # the failed listing that makes effective routes impossible
    routes_planned: bool = False


@dataclass
class Job:
    """One call: its manifest label and params, and what to do with the answer or the failure."""

    sub: str
    operation: str
    on_ok: Callable[[Any], None]
    params: dict[str, str] = field(default_factory=dict)
    on_fail: Callable[[], None] | None = None


class JobPool:
    """A bounded thread pool whose results are handled on the thread that drains it: that thread alone
    writes files, records failures and reports progress. `classify(exc)` gives (code, message) for a
    failed call, or None for an exception that is a bug (raised)."""

    def __init__(self, workers: int, reporter: Reporter, summary: AzureCollectSummary,
                 classify: Callable[[BaseException], tuple[str, str] | None]) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="flightpath-azure")
        self.reporter, self.summary, self.classify = reporter, summary, classify
        self._pending: dict[Future[Any], Job] = {}
        self._open: Counter[str] = Counter()
        self._stats: dict[str, list[int]] = {}

    def __enter__(self) -> "JobPool":
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        self._executor.shutdown(wait=exc_type is None, cancel_futures=exc_type is not None)

    def submit(self, fn: Callable[..., Any], args: tuple[Any, ...], job: Job) -> None:
        self._pending[self._executor.submit(fn, *args)] = job
        self._open[job.sub] += 1
        self.reporter.planned(1)

    def drain(self) -> None:
        """Run until every call, including those submitted by the callbacks, has finished."""
        while self._pending:
            done, _ = wait(self._pending, return_when=FIRST_COMPLETED)
            for future in done:
                job = self._pending.pop(future)
                exc = future.exception()
                failed = self.classify(exc) if exc is not None else None
                if exc is not None and failed is None:
                    raise exc
                if failed:
                    self.summary.error(job.sub, job.operation, job.params, *failed)
                    if job.on_fail:
                        job.on_fail()
                else:
                    job.on_ok(future.result())
                self._finish(job, f"{failed[0]}: {failed[1]}" if failed else None)

    def _finish(self, job: Job, failure: str | None) -> None:
        detail = " ".join(job.params.values())
        self.reporter.done(f"{job.sub} {job.operation}" + (f" {detail}" if detail else ""), failure)
        stats = self._stats.setdefault(job.sub, [0, 0])
        stats[0] += 1
        stats[1] += failure is not None
        self._open[job.sub] -= 1
        if self._open[job.sub] == 0:
            self.reporter.scope_done(job.sub, *self._stats.pop(job.sub))


def parse_subscriptions(values: list[str], default: str = "") -> list[str] | Literal["all"]:
    """--subscription values (repeated, or comma-separated) -> ids or "all"; none -> `default`
    (the CLI passes $AZURE_SUBSCRIPTION_ID). Ids are checked by AzureCollectOptions."""
    names = [v.strip() for value in values for v in value.split(",") if v.strip()] or (
        [default.strip()] if default.strip() else [])
    if not names:
        raise CollectorError("--subscription: give a subscription id (repeat for several) or 'all', "
                             "or set AZURE_SUBSCRIPTION_ID")
    if any(n.lower() == "all" for n in names):
        if len(names) > 1:
            raise CollectorError("--subscription all cannot be combined with subscription ids")
        return "all"
    return list(dict.fromkeys(n.lower() for n in names))
