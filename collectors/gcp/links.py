"""Compute Engine resource links: keys, projects, regions and names from self links (pure).

Every GCP resource names its relatives by URL (`network`, `subnetwork`, `nextHopVpnTunnel`, ...), sometimes
with the API version (`compute/v1`, `compute/beta`) and sometimes as a partial path. The key of a resource is
its path from `projects/` on, whatever the version or host:

    "https://www.googleapis.com/compute/beta/projects/project1/global/networks/default1"
    → "projects/project1/global/networks/default1"        (key; project "project1", name "default1")
    "projects/p/regions/us-central1/subnetworks/app"       → the same string (region "us-central1")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flightpath.errors import SnapshotError
from flightpath.model import NativeRef


def key(link: Any) -> str:
    """The version-independent key of a resource link ("" for a missing link)."""
    if not isinstance(link, str) or not link:
        return ""
    text = link.strip().rstrip("/")
    at = text.find("projects/")
    while at > 0 and text[at - 1] != "/":
        at = text.find("projects/", at + 1)
    if at >= 0:
        return text[at:]
    at = text.find("locations/global/firewallPolicies/")  # hierarchical policies live outside projects
    if at >= 0:
        return text[at:]
    return text


def name_of(link: Any) -> str:
    k = key(link)
    return k.rsplit("/", 1)[-1] if k else ""


def project_of(link: Any) -> str:
    parts = key(link).split("/")
    return parts[1] if len(parts) > 1 and parts[0] == "projects" else ""


def region_of(link: Any) -> str:
    """'regions/us-central1' → us-central1; a zone link → its region (zone minus its last segment)."""
    parts = key(link).split("/")
    for i, p in enumerate(parts[:-1]):
        if p == "regions":
            return parts[i + 1]
        if p == "zones":
            return parts[i + 1].rsplit("-", 1)[0]
    return ""


def zone_of(link: Any) -> str:
    parts = key(link).split("/")
    return next((parts[i + 1] for i, p in enumerate(parts[:-1]) if p == "zones"), "")


@dataclass(frozen=True, slots=True)
class Item:
    """One resource of a document: its body, key, project and where it came from (for error messages)."""

    body: dict[str, Any]
    key: str
    project: str
    where: str
    region: str = ""  # the region of a regional or zonal resource ("" for global ones); see item()

    @property
    def name(self) -> str:
        return str(self.body.get("name", "")) or name_of(self.key)

    def ref(self, rtype: str, suffix: str = "", name: str = "") -> NativeRef:
        return NativeRef("gcp", rtype, self.key + suffix, name or self.name, self.project, self.region)

    def get(self, field: str, default: Any = None) -> Any:
        return self.body.get(field, default)

    def need(self, field: str) -> Any:
        value = self.body.get(field)
        if value in (None, ""):
            raise SnapshotError(f"{self.where}: field {field!r} is missing")
        return value


def item(body: dict[str, Any], k: str, project: str, where: str) -> Item:
    """An Item with its region worked out once (from `region`, `zone` or the key)."""
    return Item(body, k, project, where, region_of(body.get("region") or body.get("zone") or k))


def as_list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SnapshotError(f"{where}: expected a list, got {type(value).__name__}")
    return value
