"""`flightpath collect azure` and `flightpath permissions azure` (the Azure SDK is imported inside the command)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional

import typer

from flightpath.cli.collect import collect_app, permissions_app, run_collection
from flightpath.errors import CollectorError

_AZURE_DEFAULT_WORKERS = 8  # kept equal to azure operations.DEFAULT_WORKERS by tests/collectors/test_azure_collect.py


def _load_azure_fetch() -> Any:
    try:
        from flightpath.collectors.azure import fetch
    except ImportError as exc:
        if (exc.name or "").split(".")[0] == "azure":
            raise CollectorError("the Azure collector needs azure-identity and azure-mgmt-network: "
                                 "pip install 'flightpath[azure]'") from None
        raise
    return fetch


@collect_app.command("azure")
def collect_azure(
    out: Path = typer.Option(..., "--out", "-o", metavar="DIR", help="Snapshot folder to write (replaced atomically)."),
    subscription: Optional[list[str]] = typer.Option(
        None, "--subscription", metavar="ID|all",
        help="Subscription id; repeat for several, or 'all' (every readable one). Default: $AZURE_SUBSCRIPTION_ID."),
    effective_routes: bool = typer.Option(
        False, "--effective-routes", help="Also read the effective routes of every NIC of a running VM (one "
        "long-running call per NIC)."),
    workers: int = typer.Option(_AZURE_DEFAULT_WORKERS, "--workers", min=1, max=64, metavar="N",
                                help="Concurrent API calls."),
    max_retries: int = typer.Option(5, "--max-retries", min=0, max=20, metavar="N",
                                    help="Retries per request (throttling, 5xx, timeouts)."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.1, metavar="SECONDS",
                                  help="Read timeout per request, seconds."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or summary (failures still counted)."),
) -> None:
    """Collect Azure network configuration (read-only ARM calls, DefaultAzureCredential) into a snapshot folder."""
    fetch = _load_azure_fetch()
    from flightpath.collectors.azure.collect_types import AzureCollectOptions, parse_subscriptions

    options = AzureCollectOptions(
        out=out, subscriptions=parse_subscriptions(subscription or [], os.environ.get("AZURE_SUBSCRIPTION_ID", "")),
        effective_routes=effective_routes, workers=workers, max_retries=max_retries, read_timeout=timeout)
    run_collection(fetch.collect, options, "azure", out, quiet)


@permissions_app.command("azure")
def permissions_azure(
    subscription: Optional[list[str]] = typer.Option(
        None, "--subscription", metavar="ID", help="Subscription of AssignableScopes; repeat for several."),
    no_effective_routes: bool = typer.Option(
        False, "--no-effective-routes", help="Leave out the actions that only --effective-routes needs."),
) -> None:
    """Print the minimal Azure custom role (JSON) for `flightpath collect azure`."""
    from flightpath.collectors.azure.collect_types import parse_subscriptions
    from flightpath.collectors.azure.operations import ROLE_NOTE, custom_role

    subs = parse_subscriptions(subscription or [], "<subscription-id>") if subscription else None
    if subs == "all":
        raise CollectorError("--subscription: name the subscriptions (a role is assigned per scope)")
    typer.echo(json.dumps(custom_role(subs, effective_routes=not no_effective_routes), indent=2))
    typer.echo(ROLE_NOTE, err=True)
