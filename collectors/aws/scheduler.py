"""Plans and runs one AWS collection over a bounded thread pool (pure: no SDK; the calls come from an
`Api`, which fetch.AwsApi implements with boto3).

Jobs, all in one pool of `workers` threads: per account AssumeRole (with --role-name) and DescribeRegions
(with --regions all); per (account, region) every operation of `operations.REGION_OPERATIONS`; per
resource the `operations.RESOURCE_OPERATIONS` fed by a finished listing (a TGW route table's routes,
propagations and associations; a prefix list's entries). A job never waits for another inside the pool:
follow-up jobs are submitted by the main thread when a result arrives, so a small pool cannot deadlock.
Results come back to the main thread, which alone writes files, records failures and reports progress.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from flightpath.collectors.aws.collect_types import (
    CallFailed,
    CollectOptions,
    CollectSummary,
    NullReporter,
    Reporter,
    Target,
)
from flightpath.collectors.aws.operations import (
    ASSUME_ROLE,
    DESCRIBE_REGIONS,
    REGION_OPERATIONS,
    Operation,
    resource_operations_for,
)
from flightpath.snapshot import SnapshotWriter


class Api(Protocol):
    """What the scheduler needs from the SDK layer. Worker-thread methods raise CallFailed."""

    calls: int

    def identify(self, profile: str | None) -> Target: ...
    def organization_accounts(self, base: Target) -> list[str]: ...
    def assume(self, base: Target, account: str) -> Target: ...
    def enabled_regions(self, target: Target) -> list[str]: ...
    def call(self, target: Target, region: str, op: Operation, params: dict[str, Any]) -> dict[str, Any]: ...


@dataclass
class _Job:
    operation: str
    scope: str  # "account/region", or "account" for account-level jobs
    on_ok: Callable[[Any], None]
    resource_id: str = ""


class Scheduler:
    """One run: `run(writer)` collects everything and returns the summary (failures included)."""

    def __init__(self, api: Api, options: CollectOptions, reporter: Reporter | None = None) -> None:
        self.api = api
        self.o = options
        self.reporter = reporter or NullReporter()
        self.summary = CollectSummary(out=options.out)
        self._pending: dict[Future[Any], _Job] = {}
        self._open: Counter[str] = Counter()
        self._scope_stats: dict[str, list[int]] = {}
        self._writer: SnapshotWriter | None = None
        self._pool: ThreadPoolExecutor | None = None

    def run(self, writer: SnapshotWriter) -> CollectSummary:
        started = time.monotonic()
        self._writer = writer
        bases = [self.api.identify(p) for p in (self.o.profiles or [None])]
        with ThreadPoolExecutor(max_workers=self.o.workers, thread_name_prefix="flightpath-aws") as pool:
            self._pool = pool
            try:
                self._plan(bases)
                self._drain()
            except BaseException:  # Ctrl-C or a bug: drop queued jobs; the writer discards the folder
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        # Sorted, so that two collections of the same estate write the same manifest.
        for scope in sorted(self.summary.scopes, key=lambda s: (s["account"], s["region"])):
            writer.add_scope(scope)
        self.summary.errors.sort(key=lambda e: (e["scope"], e["operation"], str(e["params"])))
        for err in self.summary.errors:
            writer.add_error(**err)
        self.summary.calls = self.api.calls
        self.summary.elapsed = time.monotonic() - started
        return self.summary

    def _plan(self, bases: list[Target]) -> None:
        seen: set[str] = set()
        if not self.o.role_name:
            for base in bases:
                if base.account in seen:
                    self.reporter.message(f"account {base.account} reached again through profile "
                                          f"'{base.profile}'; collected once")
                    continue
                seen.add(base.account)
                self._start_target(base)
            return
        # Listed accounts are assumed from the first profile; `org` from each profile's organization.
        pairs = ([(bases[0], a) for a in self.o.accounts] if self.o.accounts != "org"
                 else [(b, a) for b in bases for a in self.api.organization_accounts(b)])
        for base, account in pairs:
            if account not in seen:
                seen.add(account)
                self._submit(self.api.assume, (base, account), _Job(ASSUME_ROLE.name, account, self._start_target))

    def _start_target(self, target: Target) -> None:
        self.summary.accounts.add(target.account)
        if self.o.regions == "all":
            self._submit(self.api.enabled_regions, (target,), _Job(
                DESCRIBE_REGIONS.name, target.account,
                lambda regions: [self._start_region(target, r) for r in regions]))
        else:
            for region in self.o.regions or [target.home_region]:
                self._start_region(target, region)

    def _start_region(self, target: Target, region: str) -> None:
        scope: dict[str, Any] = {"cloud": "aws", "account": target.account, "region": region}
        if target.profile:
            scope["profile"] = target.profile
        if target.role_arn:
            scope["role_arn"] = target.role_arn
        self.summary.scopes.append(scope)
        self.summary.regions.add(region)
        for op in REGION_OPERATIONS:
            self._submit_call(target, region, op)

    def _submit_call(self, target: Target, region: str, op: Operation, resource_id: str = "") -> None:
        base = f"aws/{target.account}/{region}/{op.name}"
        # an ARN (elbv2) is named by its last segment, the resource's id
        fname = resource_id.rsplit("/", 1)[-1] if resource_id.startswith("arn:") else resource_id
        path = f"{base}/{fname}.json" if resource_id else f"{base}.json"

        def on_ok(body: dict[str, Any]) -> None:
            assert self._writer is not None
            self._writer.write(path, body)
            self.summary.count_resources(op, body)
            for follow in resource_operations_for(op.name):
                for item in body.get(op.key, []):
                    if follow.wants(item):
                        self._submit_call(target, region, follow, item[follow.source_id])

        params = dict(op.params)
        if resource_id:
            params[op.id_param] = resource_id
        self._submit(self.api.call, (target, region, op, params),
                     _Job(op.name, f"{target.account}/{region}", on_ok, resource_id))

    def _submit(self, fn: Callable[..., Any], args: tuple[Any, ...], job: _Job) -> None:
        assert self._pool is not None
        self._pending[self._pool.submit(fn, *args)] = job
        self._open[job.scope] += 1
        self.reporter.planned(1)

    def _drain(self) -> None:
        while self._pending:
            done, _ = wait(self._pending, return_when=FIRST_COMPLETED)
            for future in done:
                job = self._pending.pop(future)
                failure = None
                try:
                    value = future.result()
                except CallFailed as exc:  # anything else is a bug: it propagates, nothing is written
                    failure = str(exc)
                    self.summary.errors.append({
                        "cloud": "aws", "scope": job.scope, "operation": job.operation,
                        "params": {"resource_id": job.resource_id} if job.resource_id else {},
                        "code": exc.code, "message": exc.message})
                else:
                    job.on_ok(value)
                self._finish(job, failure)

    def _finish(self, job: _Job, failure: str | None) -> None:
        label = f"{job.scope} {job.operation}" + (f" {job.resource_id}" if job.resource_id else "")
        self.reporter.done(label, failure)
        stats = self._scope_stats.setdefault(job.scope, [0, 0])
        stats[0] += 1
        stats[1] += failure is not None
        self._open[job.scope] -= 1
        if self._open[job.scope] == 0:
            calls, failed = self._scope_stats.pop(job.scope)
            if "/" in job.scope:  # an account/region is done (account-level jobs are not worth a line)
                self.reporter.scope_done(job.scope, calls, failed)
