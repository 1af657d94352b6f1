"""OCI wire JSON helpers (pure): one key style, OCID parsing, scope from paths.

Two spellings of the same resource reach a snapshot: the REST/SDK wire JSON (camelCase: `cidrBlock`,
`networkEntityId`) and the oci CLI (`{"data": [...]}` with kebab-case keys: `cidr-block`,
`network-entity-id`). `camel()` turns the CLI's spelling into the wire spelling once, recursively, when a
document is recognised; everything after recognition reads camelCase only. Values are never touched (tags
and free-form maps keep their keys as given, they are not read).

    camel({"cidr-block": "10.0.0.0/16", "route-rules": [{"network-entity-id": "ocid1.internetgateway..."}]})
    → {"cidrBlock": "10.0.0.0/16", "routeRules": [{"networkEntityId": "ocid1.internetgateway..."}]}

An OCID is `ocid1.<resource type>.<realm>.[region][.future use].<unique id>`
(https://docs.oracle.com/en-us/iaas/Content/General/Concepts/identifiers.htm): the type segment says what a
resource is (`ocid1.vcn.oc1.iad.aaaa...` → "vcn"), the region segment where it lives (empty for global
resources such as tenancies, compartments and, in redacted samples, everything).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_FREEFORM = {"freeform-tags", "defined-tags", "system-tags", "freeformTags", "definedTags", "systemTags",
             "metadata", "extended-metadata", "extendedMetadata"}
# Region keys as OCIDs and Instance.region carry them → region identifiers
# (https://docs.oracle.com/en-us/iaas/Content/General/Concepts/regions.htm); unknown keys are kept as given.
REGION_KEYS = {
    "iad": "us-ashburn-1", "phx": "us-phoenix-1", "sjc": "us-sanjose-1", "ord": "us-chicago-1",
    "yyz": "ca-toronto-1", "yul": "ca-montreal-1", "gru": "sa-saopaulo-1", "scl": "sa-santiago-1",
    "lhr": "uk-london-1", "cwl": "uk-cardiff-1", "fra": "eu-frankfurt-1", "ams": "eu-amsterdam-1",
    "zrh": "eu-zurich-1", "cdg": "eu-paris-1", "mad": "eu-madrid-1", "lin": "eu-milan-1", "arn": "eu-stockholm-1",
    "nrt": "ap-tokyo-1", "kix": "ap-osaka-1", "icn": "ap-seoul-1", "bom": "ap-mumbai-1", "hyd": "ap-hyderabad-1",
    "syd": "ap-sydney-1", "mel": "ap-melbourne-1", "sin": "ap-singapore-1", "dxb": "me-dubai-1",
    "jed": "me-jeddah-1", "jnb": "af-johannesburg-1",
}
REGION_RE = re.compile(r"^[a-z]{2,3}-[a-z]+-\d+$")  # us-ashburn-1, eu-frankfurt-1, sa-saopaulo-1


def _camel_key(k: str) -> str:
    if "-" not in k:
        return k
    head, *rest = k.split("-")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def camel(value: Any) -> Any:
    """The CLI's kebab-case keys → the wire's camelCase keys (recursively; tag maps left as they are)."""
    if isinstance(value, dict):
        return {_camel_key(k) if isinstance(k, str) else k: (v if k in _FREEFORM else camel(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


def ocid_type(value: Any) -> str:
    """'ocid1.vcn.oc1.iad.aaaa' → 'vcn'; '' for anything that is not an OCID."""
    if not isinstance(value, str) or not value.startswith("ocid1."):
        return ""
    parts = value.split(".")
    return parts[1].lower() if len(parts) > 2 else ""


def ocid_region(value: Any) -> str:
    """The region of an OCID's region segment ('iad' → 'us-ashburn-1'), '' when there is none."""
    if not ocid_type(value):
        return ""
    parts = value.split(".")
    return region_name(parts[3]) if len(parts) > 4 else ""


def region_name(key: str) -> str:
    """'iad' → 'us-ashburn-1'; a region identifier or an unknown key unchanged."""
    return REGION_KEYS.get(key.lower(), key) if key else ""


def scope_from_path(rel: Path) -> dict[str, str]:
    """`oci/<tenancy>/<region>/ListVcns.json` → {"tenancy": ..., "region": ...} (what the folders tell)."""
    parts = [p for p in rel.parts[:-1]]
    scope: dict[str, str] = {}
    for i, part in enumerate(parts):
        if REGION_RE.match(part):
            scope["region"] = part
        elif part.startswith("ocid1.tenancy."):
            scope["tenancy"] = part
        elif part.lower() == "oci" and i + 1 < len(parts) and not REGION_RE.match(parts[i + 1]):
            scope.setdefault("tenancy", parts[i + 1])
    return scope


def text(item: dict[str, Any], name: str) -> str:
    v = item.get(name)
    return v if isinstance(v, str) else ""


def items(item: dict[str, Any], name: str) -> list[Any]:
    v = item.get(name)
    return v if isinstance(v, list) else []
