"""Live AWS collection: the SDK layer. The only module of flightpath that imports boto3/botocore;
`flightpath/cli/collect_aws.py` imports it lazily, inside the command.

`collect(options)` resolves identities, then `scheduler.Scheduler` runs the calls of operations.py over a
thread pool through `AwsApi`, and the response bodies land in a snapshot folder written atomically.

Threads: boto3 sessions are not thread-safe, clients are (boto3 guide, "Clients", multithreading:
https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html).
Each worker thread makes its own session per account (all sharing one model loader, so a session costs
~10 ms rather than ~120 ms); each (account, region, service) client is made once and shared. Credentials
are resolved once per identity (one SSO/MFA prompt) and handed to every session.

Bodies are written as the AWS CLI prints them: pages merged, ResponseMetadata and NextToken dropped,
timestamps as the wire strings ("2019-08-26T14:59:25.000Z"). A failed call raises CallFailed with the
AWS error code; the scheduler records it in the manifest and writes no file for it.
"""

from __future__ import annotations

import ipaddress
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import CredentialProvider, Credentials, RefreshableCredentials
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ProfileNotFound,
    ReadTimeoutError,
)

from flightpath import __version__
from flightpath.collectors.aws.collect_types import (
    CallFailed,
    CollectOptions,
    CollectSummary,
    Reporter,
    Target,
    check_output_folder,
)
from flightpath.collectors.aws.operations import (
    DESCRIBE_REGIONS,
    GET_CALLER_IDENTITY,
    LIST_ACCOUNTS,
    Operation,
    allowed_api_names,
)
from flightpath.collectors.aws.scheduler import Scheduler
from flightpath.errors import CollectorError
from flightpath.snapshot import SnapshotWriter

SESSION_NAME = "flightpath-collect"
_DROP_KEYS = {"ResponseMetadata", "NextToken", "NextMarker"}


class ReadOnlyViolation(RuntimeError):
    """A client was asked to call an operation outside operations.py (a bug, never a user error)."""


class IncompleteResponse(Exception):
    """The API said more data exists but offered no way to page to it."""

    code = "AdditionalRoutesAvailable"


SDK_ERRORS = (ClientError, BotoCoreError, IncompleteResponse)


def error_code(exc: BaseException) -> tuple[str, str]:
    """(code, message) for a failed call: the AWS error code, or the kind of transport failure."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return str(err.get("Code") or "ClientError"), str(err.get("Message") or exc)
    if isinstance(exc, ReadTimeoutError):
        return "ReadTimeout", str(exc)
    if isinstance(exc, ConnectTimeoutError):  # a subclass of EndpointConnectionError: test it first
        return "ConnectTimeout", str(exc)
    if isinstance(exc, EndpointConnectionError):
        return "EndpointConnectionError", str(exc)
    if isinstance(exc, IncompleteResponse):
        return exc.code, str(exc)
    return type(exc).__name__, str(exc)


def jsonable(value: Any) -> Any:
    """A copy fit for JSON. Live sessions keep the wire timestamp strings (see `_new_session`); only
    stubbed responses carry datetimes, written in the same wire form."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        value = value.astimezone(timezone.utc) if value.tzinfo else value
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value


def paginate(client: Any, op: Operation, params: dict[str, Any]) -> dict[str, Any]:
    """Call `op` and merge every page into one body: the list under op.key, other keys from the last
    page; ResponseMetadata and NextToken dropped."""
    if not op.paginated:
        page = getattr(client, op.method)(**params)
        return jsonable({k: v for k, v in page.items() if k not in _DROP_KEYS})
    body: dict[str, Any] = {}
    items: list[Any] = []
    for page in client.get_paginator(op.method).paginate(**params):
        for key, value in page.items():
            if key == op.key:
                items.extend(value)
            elif key not in _DROP_KEYS:
                body[key] = value
    body[op.key] = items
    return jsonable(body)


def fetch_operation(client: Any, op: Operation, params: dict[str, Any]) -> dict[str, Any]:
    """`paginate`, then complete a SearchTransitGatewayRoutes answer that is still truncated."""
    body = paginate(client, op, params)
    if op.name == "SearchTransitGatewayRoutes" and body.get("AdditionalRoutesAvailable"):
        body = search_transit_gateway_routes(client, op, params)
    return body


def search_transit_gateway_routes(client: Any, op: Operation, params: dict[str, Any]) -> dict[str, Any]:
    """Complete a truncated SearchTransitGatewayRoutes (AdditionalRoutesAvailable: more routes match
    than one response holds, and API versions before NextToken offered no way on). Narrow by
    destination: for a CIDR, ask `route-search.exact-match` and `route-search.subnet-of-match`; while
    the latter is truncated, do the same for both halves (filter names: the operation's API reference).
    A route without a DestinationCidrBlock matches neither filter (known gap, see the report)."""
    routes: dict[tuple[str, str, str], dict[str, Any]] = {}
    stack = [ipaddress.ip_network("::/0"), ipaddress.ip_network("0.0.0.0/0")]
    while stack:
        net = stack.pop()
        for name in ("route-search.exact-match", "route-search.subnet-of-match"):
            narrowed = dict(params, Filters=[*params.get("Filters", []), {"Name": name, "Values": [str(net)]}])
            page = paginate(client, op, narrowed)
            for route in page.get(op.key, []):
                key = (route.get("DestinationCidrBlock", ""), route.get("PrefixListId", ""), route.get("Type", ""))
                routes[key] = route
            if not page.get("AdditionalRoutesAvailable"):
                continue
            if name.endswith("exact-match") or net.prefixlen == net.max_prefixlen:
                raise IncompleteResponse(f"more routes than one response holds for {net} ({name})")
            stack.extend(net.subnets(prefixlen_diff=1))
    return {op.key: [routes[k] for k in sorted(routes)], "AdditionalRoutesAvailable": False}


class _SharedCredentials(CredentialProvider):
    """Hands one already-resolved credentials object to a per-thread session (no second MFA/SSO prompt;
    botocore's RefreshableCredentials refreshes under its own lock, so sharing it is safe)."""

    METHOD = CANONICAL_NAME = "flightpath-shared"

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


class AwsApi:
    """Sessions, clients and calls for one run (scheduler.Api). Worker-thread methods raise CallFailed."""

    def __init__(self, options: CollectOptions) -> None:
        self.o = options
        self.config = Config(
            # total_max_attempts counts the first request; the Config key max_attempts would count
            # retries only (botocore.config.Config, "retries").
            retries={"mode": options.retry_mode, "total_max_attempts": options.max_attempts},
            connect_timeout=options.connect_timeout,
            read_timeout=options.read_timeout,
            max_pool_connections=max(10, options.workers),
            user_agent_extra=f"flightpath/{__version__}",
        )
        self.calls = 0  # requests answered or failed (each page counts; retries do not)
        self._allowed = allowed_api_names()
        self._loader: Any = None
        self._local = threading.local()
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._client_locks: dict[tuple[str, str, str], threading.Lock] = {}
        self._lock = threading.Lock()
        self._secrets: set[str] = set()

    # -- sessions and clients -------------------------------------------------------------------
    def _new_session(self, profile: str | None, credentials: Credentials | None = None) -> boto3.Session:
        bs = botocore.session.Session(profile=profile)
        session = boto3.Session(botocore_session=bs)  # appends boto3's data path to bs's own loader
        with self._lock:
            if self._loader is None:
                self._loader = bs.get_component("data_loader")
            else:  # then swap in the shared loader (models parsed once per run, not once per session)
                bs.register_component("data_loader", self._loader)
        # Keep timestamps as the wire strings, as the AWS CLI does with cli_timestamp_format=none.
        bs.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=lambda v: v)
        if credentials is not None:
            # First in the chain (with an explicit profile the chain has no "env" provider to go before).
            bs.get_component("credential_provider").providers.insert(0, _SharedCredentials(credentials))
        return session

    def _session(self, target: Target) -> boto3.Session:
        sessions = self._local.__dict__.setdefault("sessions", {})
        if target.key not in sessions:
            sessions[target.key] = self._new_session(target.profile, target.credentials)
        return sessions[target.key]

    def _make_client(self, session: boto3.Session, service: str, region: str) -> Any:
        client = session.client(service, region_name=region, config=self.config, endpoint_url=self.o.endpoint_url)
        client.meta.events.register("before-call", self._guard)
        client.meta.events.register("after-call", self._count_call)
        client.meta.events.register("after-call-error", self._count_call)
        return client

    def client(self, target: Target, region: str, service: str = "ec2") -> Any:
        """The shared client for (account, region, service), made once, by the first thread to ask."""
        key = (target.key, region, service)
        found = self._clients.get(key)
        if found is None:
            with self._lock:
                key_lock = self._client_locks.setdefault(key, threading.Lock())
            with key_lock:
                found = self._clients.get(key)
                if found is None:
                    found = self._clients[key] = self._make_client(self._session(target), service, region)
        return found

    def _guard(self, model: Any, **_: Any) -> None:
        """Read-only by construction: every client refuses any operation outside operations.py."""
        service = model.service_model.endpoint_prefix
        if model.name not in self._allowed.get(service, ()):
            raise ReadOnlyViolation(f"refusing {service}:{model.name}: the collector only reads (operations.py)")

    def _count_call(self, **_: Any) -> None:
        with self._lock:
            self.calls += 1

    def _remember_secrets(self, *values: str | None) -> None:
        with self._lock:
            self._secrets.update(v for v in values if v and len(v) >= 8)

    def redact(self, text: str) -> str:
        """Error messages are the only free text written: strip any credential value from them."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, "[redacted]")
        return text

    @contextmanager
    def _failures(self) -> Iterator[None]:
        try:
            yield
        except SDK_ERRORS as exc:
            code, message = error_code(exc)
            raise CallFailed(code, self.redact(message)) from None

    # -- main thread: identities and accounts ----------------------------------------------------
    def identify(self, profile: str | None) -> Target:
        """The account behind a profile (or boto3's default chain when profile is None)."""
        who = f"profile '{profile}'" if profile else "the default credentials"
        try:
            session = self._new_session(profile)
            credentials = session.get_credentials()
            region = session.region_name
        except ProfileNotFound:
            raise CollectorError(f"AWS profile '{profile}' not found in the AWS config files") from None
        if credentials is None:
            raise CollectorError(f"no AWS credentials found for {who}: set AWS_PROFILE, run `aws sso login`, "
                                 "or pass --profile")
        if not region and self.o.regions is None:
            raise CollectorError(f"no region configured for {who}: pass --regions r1,r2 (or all), "
                                 "or set AWS_DEFAULT_REGION")
        home = region or (self.o.regions[0] if isinstance(self.o.regions, list) else "us-east-1")
        try:
            frozen = credentials.get_frozen_credentials()
            self._remember_secrets(frozen.access_key, frozen.secret_key, frozen.token)
            with self._failures():
                ident = self._make_client(session, "sts", home).get_caller_identity()
        except CallFailed as exc:
            raise CollectorError(f"{who}: {GET_CALLER_IDENTITY.name} failed: {exc}") from None
        except SDK_ERRORS as exc:  # e.g. an SSO token that expired while refreshing
            raise CollectorError(f"{who}: cannot get credentials: {error_code(exc)[1]}") from None
        return Target(ident["Account"], profile, credentials, home, partition=ident["Arn"].split(":")[1])

    def organization_accounts(self, base: Target) -> list[str]:
        """Active accounts of the organization (Organizations ListAccounts, paginated)."""
        try:
            with self._failures():
                body = paginate(self.client(base, base.home_region, "organizations"), LIST_ACCOUNTS, {})
        except CallFailed as exc:
            raise CollectorError(f"cannot list the organization's accounts from {base.account}: {exc}") from None
        # `State` replaces the deprecated `Status` (Organizations API reference, Account).
        return [a["Id"] for a in body["Accounts"] if (a.get("State") or a.get("Status")) == "ACTIVE"]

    # -- worker threads --------------------------------------------------------------------------
    def assume(self, base: Target, account: str) -> Target:
        """AssumeRole into `account`; the credentials refresh themselves before they expire."""
        role_arn = f"arn:{base.partition}:iam::{account}:role/{self.o.role_name}"

        def fetch() -> dict[str, str]:
            sts = self.client(base, base.home_region, "sts")
            c = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
            self._remember_secrets(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
            return {"access_key": c["AccessKeyId"], "secret_key": c["SecretAccessKey"],
                    "token": c["SessionToken"], "expiry_time": jsonable(c["Expiration"])}

        with self._failures():
            credentials = RefreshableCredentials.create_from_metadata(fetch(), fetch, "assume-role")
        return Target(account, base.profile, credentials, base.home_region, base.partition, role_arn)

    def enabled_regions(self, target: Target) -> list[str]:
        with self._failures():
            body = paginate(self.client(target, target.home_region), DESCRIBE_REGIONS, {})
        return sorted(r["RegionName"] for r in body["Regions"])

    def call(self, target: Target, region: str, op: Operation, params: dict[str, Any]) -> dict[str, Any]:
        with self._failures():
            return fetch_operation(self.client(target, region, op.client or op.service), op, params)


def collect(options: CollectOptions, reporter: Reporter | None = None) -> CollectSummary:
    """Collect into options.out, written atomically: the folder changes only if the run completes
    (failed calls included: they are in the summary and the manifest)."""
    check_output_folder(options.out)
    with SnapshotWriter(options.out, __version__) as writer:
        return Scheduler(AwsApi(options), options, reporter).run(writer)
