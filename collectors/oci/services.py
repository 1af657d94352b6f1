"""Oracle Services Network labels → CIDRs, from Oracle's published public_ip_ranges.json (pure).

A service gateway's route rules and the security rules that cover its traffic name a *service CIDR label*
(`destinationType: SERVICE_CIDR_BLOCK`): "A string that represents the regional public IP address ranges for the
Oracle service or services covered by this Service object ... Example: oci-phx-objectstorage" (the Service model,
https://docs.oracle.com/en-us/iaas/tools/python/latest/api/core/models/oci.core.models.Service.html). Oracle
publishes those ranges in https://docs.oracle.com/en-us/iaas/tools/public_ip_ranges.json
(https://docs.oracle.com/en-us/iaas/Content/General/Concepts/addressranges.htm): per region, CIDRs tagged `OCI`
(VCN addresses), `OSN` (the Oracle Services Network) and `OBJECT_STORAGE`; "The published addresses correspond to
the service CIDR label called All <region> Services in Oracle Services Network". The collector saves the file
as `oci/public_ip_ranges.json` (fetch.py); labels expand as:

- `all-<region key>-services-in-oracle-services-network` → the region's `OSN` and `OBJECT_STORAGE` CIDRs;
- `oci-<region key>-objectstorage` → the region's `OBJECT_STORAGE` CIDRs.

The region key is the label's airport code (`iad` → us-ashburn-1, wire.REGION_KEYS). Without the file, a label
stays unresolved (routes.py leaves its route rules out, a security rule naming it makes a match `unknown`),
and the reason says why (the manifest's failed GetPublicIpRanges call, if there was one).

    {"regions": [{"region": "us-ashburn-1", "cidrs": [{"cidr": "134.70.24.0/21", "tags": ["OSN", "OBJECT_STORAGE"]},
                                                      {"cidr": "147.154.0.0/19", "tags": ["OSN"]}]}]}
    → cidrs("oci-iad-objectstorage") = (134.70.24.0/21,), "";
      cidrs("all-iad-services-in-oracle-services-network") = (134.70.24.0/21, 147.154.0.0/19), ""
"""

from __future__ import annotations

import re
from typing import Any

from flightpath.model import IPNetwork
from flightpath.model.addresses import parse_network

from flightpath.collectors.oci.wire import REGION_KEYS, REGION_RE

OPERATION = "GetPublicIpRanges"  # the manifest's name for the collector's GET of public_ip_ranges.json
FILE = "oci/public_ip_ranges.json"
_LABELS = ((re.compile(r"^all-([a-z0-9-]+)-services-in-oracle-services-network$"), ("OSN", "OBJECT_STORAGE")),
           (re.compile(r"^oci-([a-z0-9-]+)-objectstorage$"), ("OBJECT_STORAGE",)))


class OsnRanges:
    """The published ranges by region and tag; `absent` says why there are none."""

    def __init__(self, files: list[tuple[dict[str, Any], str]], absent: str) -> None:
        self.by_region: dict[str, dict[str, list[IPNetwork]]] = {}
        self.absent = absent if not files else ""
        self.stamp = ""
        for body, path in files:
            self.stamp = max(self.stamp, str(body.get("last_updated_timestamp") or ""))
            for i, region in enumerate(body.get("regions") or []):
                tags = self.by_region.setdefault(str(region.get("region") or ""), {})
                for j, entry in enumerate(region.get("cidrs") or []):
                    if not isinstance(entry, dict):
                        continue
                    net = parse_network(entry.get("cidr"), f"{path}.regions[{i}].cidrs[{j}].cidr")
                    for tag in entry.get("tags") or []:
                        nets = tags.setdefault(str(tag).upper(), [])
                        if net not in nets:
                            nets.append(net)

    def cidrs(self, label: str) -> tuple[tuple[IPNetwork, ...], str]:
        """(the label's CIDRs, "") or ((), why not)."""
        if self.absent:
            return (), f"the CIDRs of the Oracle Services Network label {label} are not in the snapshot ({self.absent})"
        for pattern, tags in _LABELS:
            m = pattern.match(label.lower())
            if not m:
                continue
            key = m.group(1)
            region = key if REGION_RE.match(key) else REGION_KEYS.get(key, "")
            if not region:
                return (), f"the region of the Oracle Services Network label {label} ({key}) is not known"
            by_tag = self.by_region.get(region)
            if by_tag is None:
                return (), f"public_ip_ranges.json has no region {region} (label {label})"
            nets: list[IPNetwork] = []
            for tag in tags:
                nets += [n for n in by_tag.get(tag, []) if n not in nets]
            if not nets:
                return (), f"public_ip_ranges.json lists no {' or '.join(tags)} ranges for {region} (label {label})"
            return tuple(nets), ""
        return (), f"the Oracle Services Network label {label} is not one flightpath expands (all-<region>-services-" \
                   "in-oracle-services-network, oci-<region>-objectstorage)"


def osn_ranges(ctx) -> OsnRanges:
    """The snapshot's public_ip_ranges.json files, or why there are none (DESIGN rule 3: name the failed call)."""
    absent = ctx.why_missing(OPERATION, f"`flightpath collect oci` saves Oracle's public_ip_ranges.json as {FILE}; "
                                        "this snapshot has none")
    return OsnRanges(ctx.idx.public_ip_ranges, absent)
