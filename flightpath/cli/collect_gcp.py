"""`flightpath collect gcp` and `flightpath permissions gcp` (google-cloud-compute is imported inside the command)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from flightpath.cli.collect import collect_app, permissions_app, run_collection
from flightpath.errors import CollectorError


def _load_gcp_fetch() -> Any:
    try:
        from flightpath.collectors.gcp import fetch
    except ImportError as exc:
        if (exc.name or "").split(".")[0] == "google":
            raise CollectorError("the GCP collector needs google-cloud-compute: pip install 'flightpath[gcp]'") from None
        raise
    return fetch


@collect_app.command("gcp")
def collect_gcp(
    out: Path = typer.Option(..., "--out", "-o", metavar="DIR", help="Snapshot folder to write (replaced atomically)."),
    project: Optional[list[str]] = typer.Option(None, "--project", metavar="ID", help="Project id; repeat for several."),
    organization: str = typer.Option("", "--organization", metavar="ORG",
                                     help="Also read the organization's hierarchical firewall policies."),
    workers: int = typer.Option(8, "--workers", min=1, max=64, metavar="N", help="Concurrent API calls."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.1, metavar="SECONDS", help="Timeout per request."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or summary (failures still counted)."),
) -> None:
    """Collect GCP network configuration (read-only Compute Engine calls, Application Default Credentials)."""
    fetch = _load_gcp_fetch()
    options = fetch.GcpCollectOptions(out=out, projects=list(project or []), organization=organization,
                                      workers=workers, timeout=timeout)
    run_collection(fetch.collect, options, "gcp", out, quiet)


@permissions_app.command("gcp")
def permissions_gcp(
    project: str = typer.Option("<project-id>", "--project", metavar="ID", help="Project named in the description."),
) -> None:
    """Print the minimal GCP custom role (JSON) for `flightpath collect gcp`."""
    from flightpath.collectors.gcp.operations import ROLE_NOTE, custom_role

    typer.echo(json.dumps(custom_role(project), indent=2))
    typer.echo(ROLE_NOTE, err=True)
