"""`links.json` at the snapshot root: cross-cloud links the clouds' APIs cannot show, declared by the user.

Today one kind: the Azure–OCI Interconnect, an Azure ExpressRoute circuit joined to an OCI FastConnect virtual
circuit (https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/azure.htm: "The connection requires you to
create an Azure ExpressRoute circuit and an OCI FastConnect virtual circuit"; the Microsoft side:
https://learn.microsoft.com/azure/virtual-machines/workloads/oracle/oracle-oci-overview). Neither API names the
other cloud's resource (the FastConnect side holds only the ExpressRoute service key, which a snapshot never
stores), so the pairing is declared:

    {"format": "flightpath-links", "version": 1,
     "links": [{"name": "azure-oci",
                "azure": {"expressRouteCircuit": "/subscriptions/…/expressRouteCircuits/er-oci",
                          "connection": "/subscriptions/…/connections/cn-er-oci"},      (either or both)
                "oci": {"virtualCircuit": "ocid1.virtualcircuit.oc1.iad.…"}}]}

A malformed file or entry is a SnapshotError naming the file and field; an id the snapshot lacks is a warning and
the entry is ignored (traces that need it end `unknown`, never `no_route`). Applying an entry makes the two ends
each other's far end (VpnLink.declared_peer) and, where a side's BGP-learned routes are not in the snapshot,
derives them from what the other side advertises (Interconnect.advertises), with a warning.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from flightpath.errors import SnapshotError
from flightpath.model import Estate, Route, TargetKind, VpnLink

LINKS = "links.json"
FORMAT = "flightpath-links"
ER_CIRCUIT = "/providers/microsoft.network/expressroutecircuits/"
CONNECTION = "/providers/microsoft.network/connections/"


@dataclasses.dataclass(frozen=True)
class DeclaredLink:
    where: str  # "links.json links[0]"
    name: str
    circuit: str  # Azure ExpressRoute circuit key (lowercased ARM id) or ""
    connection: str  # Azure connection key or ""
    virtual_circuit: str  # OCI OCID


def parse_links(body: Any, path: Path) -> list[DeclaredLink]:
    """Validate the file's shape; every problem is one SnapshotError naming the file and the field."""
    def bad(where: str, what: str) -> SnapshotError:
        return SnapshotError(f"{path}: {where} {what}")

    if not isinstance(body, dict):
        raise bad("the document", "must be an object with a 'links' list")
    if "format" in body and body["format"] != FORMAT:
        raise bad("field 'format'", f"must be '{FORMAT}'")
    if "version" in body and body["version"] != 1:
        raise bad("field 'version'", "must be 1")
    items = body.get("links")
    if not isinstance(items, list):
        raise bad("field 'links'", "must be a list")
    out: list[DeclaredLink] = []
    for i, item in enumerate(items):
        at = f"links[{i}]"
        if not isinstance(item, dict):
            raise bad(at, "must be an object")
        name = item.get("name", "")
        if not isinstance(name, str):
            raise bad(f"{at}.name", "must be a string")
        azure, oci = item.get("azure"), item.get("oci")
        if not isinstance(azure, dict):
            raise bad(f"{at}.azure", "must be an object with 'expressRouteCircuit' and/or 'connection'")
        if not isinstance(oci, dict):
            raise bad(f"{at}.oci", "must be an object with 'virtualCircuit'")
        circuit = _arm(azure.get("expressRouteCircuit"), ER_CIRCUIT, f"{at}.azure.expressRouteCircuit", bad)
        connection = _arm(azure.get("connection"), CONNECTION, f"{at}.azure.connection", bad)
        if not circuit and not connection:
            raise bad(f"{at}.azure", "needs 'expressRouteCircuit' or 'connection' (an ARM id)")
        vc = oci.get("virtualCircuit")
        if not isinstance(vc, str) or not vc.strip().lower().startswith("ocid1.virtualcircuit."):
            raise bad(f"{at}.oci.virtualCircuit", f"must be a virtual circuit OCID (ocid1.virtualcircuit…), not {vc!r}")
        out.append(DeclaredLink(f"{LINKS} {at}", name or at, circuit, connection, vc.strip()))
    return out


def _arm(value: Any, segment: str, where: str, bad) -> str:
    if value is None:
        return ""
    key = value.strip().rstrip("/").lower() if isinstance(value, str) else ""
    if not key.startswith("/subscriptions/") or segment not in key:
        raise bad(where, f"must be an ARM id containing '{segment}', not {value!r}")
    return key


def apply_links(estate: Estate, links: list[DeclaredLink]) -> None:
    """Pair the declared ends in the merged estate (model-only: the collectors put the Interconnect on each end)."""
    for d in links:
        azure = _azure_end(estate, d)
        if azure is False:  # declared inconsistently (warned)
            continue
        oci_link = estate.vpn_links.get(d.virtual_circuit)
        if oci_link is not None and oci_link.interconnect is None:
            oci_link = None
        if azure is None or oci_link is None:
            azure_ids = " / ".join(x for x in (d.connection and f"connection {d.connection}",
                                               d.circuit and f"circuit {d.circuit}") if x)
            lacking = [] if azure is not None else [f"ExpressRoute {azure_ids}"]
            lacking += [] if oci_link is not None else [f"virtual circuit {d.virtual_circuit}"]
            estate.warnings.append(f"{d.where} ({d.name}): {' and '.join(lacking)} not in the snapshot; "
                                   "the link is ignored (traces over it end unknown)")
            continue
        az_id, az_link = azure
        estate.vpn_links[az_id] = _declared(az_link, d.virtual_circuit)
        estate.vpn_links[d.virtual_circuit] = _declared(oci_link, az_id)
        _derive(estate, az_link, oci_link, d)
        _derive(estate, oci_link, az_link, d)


def _azure_end(estate: Estate, d: DeclaredLink) -> tuple[str, VpnLink] | None | bool:
    """The Azure end: (key, link); None when the snapshot lacks it; False when the entry names a connection on
    another circuit (a warning says so)."""
    ends = sorted((lid, link) for lid, link in estate.vpn_links.items()
                  if link.ref.cloud == "azure" and link.interconnect is not None
                  and (lid == d.connection if d.connection else link.interconnect.circuit_id == d.circuit))
    if len(ends) > 1:
        estate.warnings.append(f"{d.where} ({d.name}): circuit {d.circuit} has {len(ends)} ExpressRoute connections; "
                               f"using {ends[0][0]} (name one with 'connection')")
    if ends and d.connection and d.circuit and ends[0][1].interconnect.circuit_id != d.circuit:
        estate.warnings.append(f"{d.where} ({d.name}): connection {d.connection} is on circuit "
                               f"{ends[0][1].interconnect.circuit_id or '?'}, not {d.circuit}; the link is ignored")
        return False
    return ends[0] if ends else None


def _declared(link: VpnLink, peer: str) -> VpnLink:
    ic = link.interconnect
    unknown = "" if link.unknown == ic.undeclared else link.unknown
    return dataclasses.replace(link, declared_peer=peer, unknown=unknown)


def _derive(estate: Estate, learner: VpnLink, speaker: VpnLink, d: DeclaredLink) -> None:
    """The learner side's BGP-learned routes are not in the snapshot: derive them from what the speaker advertises
    (Oracle: the DRG advertises the VCN CIDRs attached to it; Azure: the gateway advertises its VNet and the VNets
    that use it as remote gateway; azure.htm, oracle-oci-overview)."""
    ic = learner.interconnect
    if not ic.learned_into:
        return
    routes = tuple(Route(c, TargetKind(ic.learned_kind), ic.learned_target, ic.learned_rank, ic.learned_origin,
                         f"{c} -> {ic.learned_target.rsplit('/', 1)[-1]} (learned over {d.name}; derived from "
                         f"{LINKS})", yields_to_pinned=ic.learned_yields) for c in speaker.interconnect.advertises)
    for tid in ic.learned_into:
        table = estate.route_tables.get(tid)
        if table is None:
            continue
        missing = "" if table.missing == ic.learned_missing else table.missing
        estate.route_tables[tid] = dataclasses.replace(table, routes=table.routes + routes, missing=missing)
    said = ", ".join(map(str, speaker.interconnect.advertises)) or "none"
    estate.warnings.append(
        f"{d.where} ({d.name}): the routes {learner.ref.display()} learns over BGP are not in the snapshot; derived "
        f"from what {speaker.ref.display()} advertises ({said})")
