"""The OCI documents of one snapshot, indexed by kind and OCID, plus per-resource call results (pure).

Keys are OCIDs as given (OCIDs are case-sensitive). Every resource keeps where it came from (file and list
position) so that an error names the file and field. A resource listed twice keeps the first copy: the
loader has already refused two different bodies under one real OCID (recognize.item_ids), so what reaches
here is an identical overlap (two compartments' listings) or a redacted sample id shared by several
resources, which is named in a warning.

    RawDocument(kind="vcn", body=[{"id": "ocid1.vcn.oc1.iad.a", "displayName": "lab"}], scope={"region": "us-ashburn-1"})
    → Index.get("vcn", "ocid1.vcn.oc1.iad.a") = Res(id="ocid1.vcn.oc1.iad.a", name="lab", region="us-ashburn-1",
                                                    where="<file>[0]")
    RawDocument(kind="ListDrgRouteRules", body=[...], resource_id="ocid1.drgroutetable.oc1.iad.t")
    → Index.children("ListDrgRouteRules", "ocid1.drgroutetable.oc1.iad.t") = ([...], "<file>")
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flightpath.model import Estate, MissingData, NativeRef
from flightpath.snapshot import RawDocument

from flightpath.collectors.oci import recognize as K
from flightpath.collectors.oci.wire import ocid_region, region_name, text


@dataclass
class Res:
    kind: str
    item: dict[str, Any]
    id: str
    name: str
    tenancy: str
    region: str
    where: str  # file and position, for messages

    def ref(self, rtype: str, suffix: str = "", name: str | None = None) -> NativeRef:
        return NativeRef("oci", rtype, self.id + suffix, self.name if name is None else name, self.tenancy,
                         self.region)

    def get(self, name: str) -> Any:
        return self.item.get(name)

    def text(self, name: str) -> str:
        return text(self.item, name)


class Index:
    def __init__(self, docs: list[RawDocument], warnings: list[str]) -> None:
        self.by_kind: dict[str, dict[str, Res]] = defaultdict(dict)
        self.per_resource: dict[str, dict[str, tuple[list[Any], str]]] = defaultdict(dict)  # op -> parent -> (items, file)
        self.present: set[str] = set()
        self.unsupported: set[str] = set()
        self.public_ip_ranges: list[tuple[dict[str, Any], str]] = []  # (body, file) of each public_ip_ranges.json
        self.warnings = warnings
        for d in docs:
            self.present.add(d.kind)
            if d.kind == K.PUBLIC_IP_RANGES:
                self.public_ip_ranges.append((d.body, str(d.path)))
            elif d.kind == K.UNSUPPORTED:
                self.unsupported.update(d.body)
            elif d.kind in K.PER_RESOURCE:
                got = self.per_resource[d.kind].get(d.resource_id)
                merged = (got[0] if got else []) + [i for i in d.body if isinstance(i, dict)]
                self.per_resource[d.kind][d.resource_id] = (merged, str(d.path))
            else:
                for i, item in enumerate(d.body):
                    self._add(d, i, item)
        if self.unsupported:
            warnings.append("OCI resources of types flightpath does not use were ignored: "
                            + ", ".join(sorted(self.unsupported)))

    def _add(self, d: RawDocument, i: int, item: dict[str, Any]) -> None:
        rid = item["id"]
        kind = d.kind
        if rid in self.by_kind[kind]:
            self.warnings.append(f"{d.path}[{i}]: {kind} {rid} is listed more than once; the first copy is used")
            return
        region = d.scope.get("region") or ocid_region(rid) or region_name(text(item, "region"))
        # the tenancy: the folder's, else a root-compartment resource's compartmentId (the tenancy OCID is the root
        # compartment's: https://docs.oracle.com/en-us/iaas/Content/Identity/compartments/managingcompartments.htm)
        compartment = text(item, "compartmentId")
        tenancy = d.scope.get("tenancy") or (compartment if compartment.startswith("ocid1.tenancy.") else "")
        self.by_kind[kind][rid] = Res(kind, item, rid, text(item, "displayName"), tenancy, region, f"{d.path}[{i}]")

    def all(self, kind: str) -> list[Res]:
        return list(self.by_kind.get(kind, {}).values())

    def get(self, kind: str, rid: str) -> Res | None:
        return self.by_kind.get(kind, {}).get(rid) if rid else None

    def children(self, op: str, parent: str) -> tuple[list[Any], str] | None:
        return self.per_resource.get(op, {}).get(parent)


@dataclass
class Context:
    idx: Index
    est: Estate
    vcn_attachments: dict[tuple[str, str], str] | None = None  # (vcn, drg) -> DRG attachment (routes.py)
    osn: Any = None  # services.OsnRanges: Oracle Services Network labels -> CIDRs (normalize.py sets it)

    def why_missing(self, operation: str, default: str) -> str:
        """The manifest error that explains why something is absent (DESIGN rule 3), else `default`."""
        for m in self.est.missing:
            if m.operation == operation:
                return f"{operation} failed ({m.code}: {m.message})"
        return default

    def failed(self, operation: str, resource_id: str = "") -> MissingData | None:
        for m in self.est.missing:
            if m.operation == operation and (not resource_id or not m.resource_id or m.resource_id == resource_id):
                return m
        return None
