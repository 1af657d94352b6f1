"""One end of a declared cross-cloud interconnect (the Azure–OCI Interconnect: an Azure ExpressRoute connection and
an OCI FastConnect virtual circuit). Carried by its VpnLink (`VpnLink.interconnect`); the snapshot's `links.json`
pairs two ends (flightpath/snapshot/links.py), making them each other's far end (`VpnLink.declared_peer`).

Oracle, https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/azure.htm: "The connection requires you to
create an Azure ExpressRoute circuit and an OCI FastConnect virtual circuit"; the two sides exchange routes over
BGP (Microsoft, https://learn.microsoft.com/azure/virtual-machines/workloads/oracle/oracle-oci-overview).
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network


@dataclass(frozen=True, slots=True)
class Interconnect:
    circuit_id: str  # Azure: the ExpressRoute circuit's key; OCI: the virtual circuit's OCID
    # what this side advertises over BGP to the other (used only to derive the other side's learned routes)
    advertises: tuple[IPv4Network | IPv6Network, ...] = ()
    # route tables that would hold what this side learns over BGP, where the snapshot lacks those routes
    learned_into: tuple[str, ...] = ()
    learned_kind: str = ""  # TargetKind value of a derived learned route
    learned_target: str = ""  # its target (Azure: the gateway key; OCI: the virtual circuit's DRG attachment)
    learned_rank: int = 0
    learned_origin: str = ""
    learned_yields: bool = False  # Route.yields_to_pinned (Azure BGP routes lose to VNet system routes)
    learned_missing: str = ""  # the `missing` the collector put on those tables (cleared once derived)
    undeclared: str = ""  # set on the link's `unknown` while no links.json entry declares its far end
