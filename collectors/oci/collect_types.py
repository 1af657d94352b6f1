"""Options and the summary of `flightpath collect oci` (no SDK: the CLI builds these before importing fetch)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flightpath.errors import CollectorError

from flightpath.collectors.oci.operations import DEFAULT_WORKERS


# Oracle's published ranges of the Oracle Services Network labels
# (https://docs.oracle.com/en-us/iaas/Content/General/Concepts/addressranges.htm); FLIGHTPATH_OCI_PUBLIC_IP_RANGES_URL
# overrides it (tests serve it on 127.0.0.1; an empty value skips the download).
PUBLIC_IP_RANGES_URL = "https://docs.oracle.com/en-us/iaas/tools/public_ip_ranges.json"


def public_ip_ranges_url() -> str:
    return os.environ.get("FLIGHTPATH_OCI_PUBLIC_IP_RANGES_URL", PUBLIC_IP_RANGES_URL)


@dataclass
class OciCollectOptions:
    out: Path
    profile: str = "DEFAULT"
    config_file: str = ""  # default ~/.oci/config
    instance_principal: bool = False
    compartments: tuple[str, ...] = ()  # empty: the tenancy's root compartment (or every one with `tenancy`)
    tenancy: bool = False  # every ACCESSIBLE compartment of the tenancy
    regions: tuple[str, ...] = ()  # empty: the profile's region; ("all",): every subscribed region
    workers: int = DEFAULT_WORKERS
    max_retries: int = 5
    read_timeout: float = 30.0
    retry_base_sleep: float = 1.0  # seconds; tests make it small
    endpoint: str = ""  # service endpoint override (tests: http://127.0.0.1:<port>)
    config: dict[str, Any] | None = None  # an SDK config dict instead of the file (tests)
    public_ip_ranges_url: str = field(default_factory=public_ip_ranges_url)  # "": not downloaded


@dataclass
class OciSummary:
    out: Path
    calls: int = 0
    failed: int = 0
    scopes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"oci: {self.calls} calls over {len(self.scopes)} compartment x region scopes, {self.failed} failed; "
               f"snapshot written to {self.out}"]
        out += [f"  failed: {f}" for f in self.failures[:20]]
        if len(self.failures) > 20:
            out.append(f"  ... and {len(self.failures) - 20} more (see {self.out / 'manifest.json'})")
        return out


def parse_regions(values: list[str]) -> tuple[str, ...]:
    regions: list[str] = []
    for v in values:
        regions += [r.strip() for r in v.split(",") if r.strip()]
    if "all" in regions and len(regions) > 1:
        raise CollectorError("--regions: give region names or 'all', not both")
    return tuple(regions)


def parse_compartments(values: list[str], tenancy: bool) -> tuple[str, ...]:
    if values and tenancy:
        raise CollectorError("give --compartment OCIDs or --tenancy, not both")
    for v in values:
        if not (v.startswith("ocid1.compartment.") or v.startswith("ocid1.tenancy.")):
            raise CollectorError(f"--compartment: {v!r} is not a compartment OCID (ocid1.compartment....)")
    return tuple(values)
