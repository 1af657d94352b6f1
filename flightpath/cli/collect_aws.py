"""`flightpath collect aws` and `flightpath permissions aws` (boto3 is imported inside the command)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from flightpath.cli.collect import PlainReporter, RichReporter, collect_app, permissions_app
from flightpath.errors import CollectorError

if TYPE_CHECKING:
    from flightpath.collectors.aws.collect_types import CollectSummary, Reporter

_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_MAX_LISTED_FAILURES = 20
_DEFAULT_WORKERS = 16  # kept equal to operations.DEFAULT_WORKERS by tests/collectors/test_aws_operations.py


def parse_regions(text: str) -> list[str] | str | None:
    """'' -> None (the profile's region), 'all' -> 'all', 'eu-west-1,us-east-1' -> the names."""
    text = text.strip()
    if not text:
        return None
    if text.lower() == "all":
        return "all"
    names = [r.strip() for r in text.split(",") if r.strip()]
    bad = [r for r in names if not _REGION_RE.match(r)]
    if bad or not names:
        raise CollectorError(f"--regions: not a region name: {', '.join(bad) or repr(text)} "
                             "(expected e.g. us-east-1,eu-west-1 or all)")
    return list(dict.fromkeys(names))


def parse_accounts(text: str) -> list[str] | str:
    """'' -> [], 'org' -> 'org', '111122223333,444455556666' -> the ids."""
    text = text.strip()
    if not text:
        return []
    if text.lower() == "org":
        return "org"
    ids = [a.strip() for a in text.split(",") if a.strip()]
    bad = [a for a in ids if not _ACCOUNT_RE.match(a)]
    if bad or not ids:
        raise CollectorError(f"--accounts: not a 12-digit account id: {', '.join(bad) or repr(text)} "
                             "(or use --accounts org)")
    return list(dict.fromkeys(ids))


def format_summary(summary: "CollectSummary") -> list[str]:
    """The closing lines: accounts, regions, time, calls, failures, resources per kind."""
    n_acc, n_reg = len(summary.accounts), len(summary.regions)
    lines = [
        f"collected {n_acc} account{'s' * (n_acc != 1)} x {n_reg} region{'s' * (n_reg != 1)} "
        f"into {summary.out} in {summary.elapsed:.1f} s: {summary.calls} calls, {summary.failed} failed",
    ]
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(summary.resources.items()) if n)
    lines.append(f"  resources: {kinds or 'none'}")
    if summary.errors:
        lines.append(f"  failed calls (all are in {summary.out / 'manifest.json'}):")
        for err in summary.errors[:_MAX_LISTED_FAILURES]:
            rid = err["params"].get("resource_id", "")
            lines.append(f"    {err['scope']} {err['operation']}{' ' + rid if rid else ''}: "
                         f"{err['code']}: {err['message']}")
        if summary.failed > _MAX_LISTED_FAILURES:
            lines.append(f"    ... and {summary.failed - _MAX_LISTED_FAILURES} more")
    return lines


def _load_fetch() -> Any:
    try:
        import boto3  # noqa: F401  (only to say which extra is missing)
    except ImportError:
        raise CollectorError("the AWS collector needs boto3: pip install 'flightpath[aws]'") from None
    from flightpath.collectors.aws import fetch

    return fetch


@collect_app.command("aws")
def collect_aws(
    out: Path = typer.Option(..., "--out", "-o", metavar="DIR",
                             help="Snapshot folder to write (replaced atomically)."),
    profile: Optional[list[str]] = typer.Option(None, "--profile", metavar="NAME",
                                                help="AWS profile; repeat for several. "
                                                     "Default: boto3's credential chain."),
    regions: str = typer.Option("", "--regions", metavar="R1,R2|all",
                                help="Regions, or 'all' (the enabled ones). Default: the profile's region."),
    role_name: str = typer.Option("", "--role-name", metavar="NAME",
                                  help="Role to assume in each account of --accounts."),
    accounts: str = typer.Option("", "--accounts", metavar="ID,ID|org",
                                 help="Account ids, or 'org' (every active account of the organization)."),
    workers: int = typer.Option(_DEFAULT_WORKERS, "--workers", min=1, max=256, metavar="N",
                                help="Concurrent API calls."),
    retry_mode: str = typer.Option("standard", "--retry-mode", metavar="standard|adaptive",
                                   help="botocore retry mode (throttling backs off either way)."),
    max_attempts: int = typer.Option(5, "--max-attempts", min=1, max=20, metavar="N",
                                     help="Attempts per call, the first included."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.1, metavar="SECONDS",
                                  help="Read timeout per request."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or summary (failures still counted)."),
    endpoint_url: Optional[str] = typer.Option(None, "--endpoint-url", hidden=True),
) -> None:
    """Collect AWS network configuration (read-only calls) into a snapshot folder."""
    fetch = _load_fetch()
    from flightpath.collectors.aws.collect_types import CollectOptions, NullReporter

    options = CollectOptions(
        out=out, profiles=list(profile or []), regions=parse_regions(regions),  # type: ignore[arg-type]
        role_name=role_name.strip(), accounts=parse_accounts(accounts),  # type: ignore[arg-type]
        workers=workers, retry_mode=retry_mode, max_attempts=max_attempts,
        read_timeout=timeout, endpoint_url=endpoint_url,
    )
    reporter: Reporter
    if quiet:
        summary = fetch.collect(options, NullReporter())
    elif sys.stderr.isatty():
        with RichReporter() as reporter:
            summary = fetch.collect(options, reporter)
    else:
        summary = fetch.collect(options, PlainReporter())
    if not quiet:
        for line in format_summary(summary):
            typer.echo(line, err=True)
    elif summary.failed:
        typer.echo(f"{summary.failed} calls failed; see {out / 'manifest.json'}", err=True)
    if summary.failed:
        raise typer.Exit(3)


@permissions_app.command("aws")
def permissions_aws(
    role_name: str = typer.Option("", "--role-name", metavar="NAME",
                                  help="Name the role in the sts:AssumeRole statement."),
) -> None:
    """Print the minimal IAM policy (JSON) for `flightpath collect aws`."""
    from flightpath.collectors.aws.operations import POLICY_NOTE, iam_policy

    typer.echo(json.dumps(iam_policy(role_name.strip()), indent=2))
    typer.echo(POLICY_NOTE, err=True)
