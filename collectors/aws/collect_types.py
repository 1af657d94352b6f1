"""Options, targets, summary and progress interface of the AWS collector (pure: no SDK, importable by
the CLI and by the scheduler)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Sequence

from flightpath.snapshot.progress import NullReporter, Reporter, check_output_folder  # noqa: F401 (re-exported)
from flightpath.collectors.aws.operations import DEFAULT_WORKERS, Operation
from flightpath.errors import CollectorError

RETRY_MODES = ("standard", "adaptive")


@dataclass
class CollectOptions:
    """What to collect and how. regions: names, "all" (DescribeRegions), or None (the profile's region).
    accounts: ids or "org" (with role_name). profiles: empty = boto3's default credential chain."""

    out: Path
    profiles: Sequence[str] = ()
    regions: list[str] | Literal["all"] | None = None
    role_name: str = ""
    accounts: list[str] | Literal["org"] = field(default_factory=list)
    workers: int = DEFAULT_WORKERS
    retry_mode: str = "standard"
    max_attempts: int = 5
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    endpoint_url: str | None = None  # None: boto3's own resolution (AWS_ENDPOINT_URL, profile config)

    def __post_init__(self) -> None:
        if self.retry_mode not in RETRY_MODES:
            raise CollectorError(f"retry mode must be one of {', '.join(RETRY_MODES)}, not '{self.retry_mode}'")
        if self.workers < 1 or self.max_attempts < 1:
            raise CollectorError("workers and max attempts must be at least 1")
        if self.accounts and not self.role_name:
            raise CollectorError("--accounts needs --role-name (the role to assume in each account)")
        if self.role_name and not self.accounts:
            raise CollectorError("--role-name needs --accounts ID,ID or --accounts org")


def kind_label(op: Operation) -> str:
    """Summary label of what an operation lists: DescribeVpcs -> Vpcs, SearchTransitGatewayRoutes ->
    TransitGatewayRoutes, GetManagedPrefixListEntries -> ManagedPrefixListEntries."""
    for verb in ("Describe", "Search", "Get", "List"):
        if op.name.startswith(verb):
            return op.name[len(verb):]
    return op.name


@dataclass
class CollectSummary:
    """The outcome of a run. `failed` calls are also in the manifest; exit code 3 when any failed."""

    out: Path
    accounts: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    scopes: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0  # API requests answered or failed (pages count; retries do not)
    resources: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def failed(self) -> int:
        return len(self.errors)

    def count_resources(self, op: Operation, body: dict[str, Any]) -> None:
        items = body.get(op.key, [])
        if op.key == "Reservations":
            self.resources["Instances"] += sum(len(r.get("Instances", [])) for r in items)
        else:
            self.resources[kind_label(op)] += len(items)


class CallFailed(Exception):
    """A call that failed for good (after botocore's retries): the AWS error code, or the transport
    failure (ReadTimeout, ConnectTimeout, EndpointConnectionError, ...), and a redacted message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Target:
    """An account to collect and the credentials that read it (a botocore Credentials object, shared by
    every thread; refreshable ones refresh under their own lock)."""

    account: str
    profile: str | None
    credentials: Any
    home_region: str  # where STS, DescribeRegions and Organizations are asked
    partition: str = "aws"
    role_arn: str = ""

    @property
    def key(self) -> str:
        """Which credentials: the same account can be reached as itself and through a role."""
        return self.role_arn or f"{self.account}/{self.profile or '-'}"
