"""`flightpath collect oci` and `flightpath permissions oci` (the oci SDK is imported inside the command)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from flightpath.cli.collect import collect_app, permissions_app, run_collection
from flightpath.errors import CollectorError


def _load_oci_fetch() -> Any:
    try:
        from flightpath.collectors.oci import fetch
    except ImportError as exc:
        if (exc.name or "").split(".")[0] == "oci":
            raise CollectorError("the OCI collector needs the oci SDK: pip install 'flightpath[oci]'") from None
        raise
    return fetch


@collect_app.command("oci")
def collect_oci(
    out: Path = typer.Option(..., "--out", "-o", metavar="DIR", help="Snapshot folder to write (replaced atomically)."),
    profile: str = typer.Option("DEFAULT", "--profile", metavar="P", help="Profile of the OCI config file."),
    config_file: str = typer.Option("", "--config-file", metavar="FILE", help="OCI config file (default ~/.oci/config)."),
    instance_principal: bool = typer.Option(False, "--instance-principal",
                                            help="Authenticate as the instance (instance principal), not a config file."),
    compartment: Optional[list[str]] = typer.Option(None, "--compartment", metavar="OCID",
                                                    help="Compartment to read; repeat for several. Default: the tenancy's root."),
    tenancy: bool = typer.Option(False, "--tenancy", help="Every accessible compartment of the tenancy."),
    regions: Optional[list[str]] = typer.Option(None, "--regions", metavar="R[,R...]|all",
                                                help="Regions (default: the profile's region); 'all': every subscribed one."),
    workers: int = typer.Option(8, "--workers", min=1, max=64, metavar="N", help="Concurrent compartment x region tasks."),
    max_retries: int = typer.Option(5, "--max-retries", min=0, max=20, metavar="N",
                                    help="Retries per request (429 throttling, 5xx)."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.1, metavar="SECONDS", help="Read timeout per request."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or summary (failures still counted)."),
    endpoint: str = typer.Option("", "--endpoint", hidden=True, help="Service endpoint override (tests)."),
) -> None:
    """Collect OCI network configuration (read-only list/get calls) into a snapshot folder."""
    from flightpath.collectors.oci.collect_types import OciCollectOptions, parse_compartments, parse_regions

    options = OciCollectOptions(out=out, profile=profile, config_file=config_file,
                                instance_principal=instance_principal,
                                compartments=parse_compartments(compartment or [], tenancy), tenancy=tenancy,
                                regions=parse_regions(regions or []), workers=workers, max_retries=max_retries,
                                read_timeout=timeout, endpoint=endpoint)
    fetch = _load_oci_fetch()
    run_collection(fetch.collect, options, "oci", out, quiet)


@permissions_app.command("oci")
def permissions_oci(
    group: str = typer.Option("flightpath-readers", "--group", metavar="NAME", help="The IAM group to allow."),
    compartment: Optional[list[str]] = typer.Option(None, "--compartment", metavar="NAME",
                                                    help="Scope to a compartment (by name or path); repeat for several."),
    narrow: bool = typer.Option(False, "--narrow", help="One statement per resource type instead of the two families."),
) -> None:
    """Print the OCI IAM policy statements `flightpath collect oci` needs."""
    from flightpath.collectors.oci.operations import POLICY_NOTE, policy

    for line in policy(group, compartment or None, narrow):
        typer.echo(line)
    typer.echo(POLICY_NOTE, err=True)
