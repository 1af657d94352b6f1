"""The OCI calls `flightpath collect oci` makes: a read-only allow-list (list/get only), and the IAM policy.

Every call is an `Operation`: the SDK client and method, the snapshot file it writes (named after the REST
operation, as recognize.py reads them), and what it is scoped by: a compartment (one call per compartment x
region), or a parent resource found by an earlier call (one call per parent; the file is
`<Operation>/<parent OCID>.json`, or merged into `<Operation>.json` when `merge` is set). fetch.py refuses
any method that is not in ALLOWED, and tests/oci/test_oci_collect.py checks that the list holds only list_/get_
methods and that every method exists in the installed SDK.

IAM (https://docs.oracle.com/en-us/iaas/Content/Identity/Reference/corepolicyreference.htm): the family
`virtual-network-family` covers VCNs, subnets, route tables, security lists, NSGs, gateways, DRGs (and their
attachments, route tables and distributions), CPEs, IPSec connections, virtual circuits, private and public IPs
and VNICs; `instance-family` covers instances and VNIC attachments. The `read` verb allows the list and get
operations (INSPECT lists only; NSG security rules and IPSec tunnels need READ).
"""

from __future__ import annotations

from dataclasses import dataclass

from flightpath.collectors.oci import recognize as K


@dataclass(frozen=True)
class Operation:
    name: str  # REST operation name = snapshot file name
    client: str  # "network" | "compute" | "identity"
    method: str  # SDK method
    scope: str  # "compartment" | "region" | a parent kind from K (one call per parent)
    merge: bool = False  # per-parent results merged into one `<name>.json`
    args: tuple[tuple[str, str], ...] = ()  # fixed keyword arguments


COMPARTMENT_OPS = tuple(Operation(name, "network", method, "compartment") for name, method in (
    ("ListVcns", "list_vcns"), ("ListSubnets", "list_subnets"), ("ListSecurityLists", "list_security_lists"),
    ("ListNetworkSecurityGroups", "list_network_security_groups"), ("ListRouteTables", "list_route_tables"),
    ("ListInternetGateways", "list_internet_gateways"), ("ListNatGateways", "list_nat_gateways"),
    ("ListServiceGateways", "list_service_gateways"), ("ListLocalPeeringGateways", "list_local_peering_gateways"),
    ("ListDrgs", "list_drgs"), ("ListDrgAttachments", "list_drg_attachments"),
    ("ListIPSecConnections", "list_ip_sec_connections"), ("ListCpes", "list_cpes"),
    ("ListRemotePeeringConnections", "list_remote_peering_connections"),
    ("ListVirtualCircuits", "list_virtual_circuits"),
)) + (
    Operation("ListPublicIps", "network", "list_public_ips", "compartment", args=(("scope", "REGION"),)),
    Operation("ListInstances", "compute", "list_instances", "compartment"),
    Operation("ListVnicAttachments", "compute", "list_vnic_attachments", "compartment"),
)
# (parent kind, the keyword the SDK method takes the parent's OCID as)
CHILD_OPS = (
    (Operation(K.NSG_RULES, "network", "list_network_security_group_security_rules", K.NSG), "network_security_group_id"),
    (Operation("ListDrgRouteTables", "network", "list_drg_route_tables", K.DRG, merge=True), "drg_id"),
    (Operation("ListDrgRouteDistributions", "network", "list_drg_route_distributions", K.DRG, merge=True), "drg_id"),
    (Operation(K.TUNNELS, "network", "list_ip_sec_connection_tunnels", K.IPSEC), "ipsc_id"),
    (Operation("GetVnic", "network", "get_vnic", K.VNIC_ATTACHMENT), "vnic_id"),
    (Operation("ListPrivateIps", "network", "list_private_ips", K.VNIC_ATTACHMENT, merge=True), "vnic_id"),
)
GRANDCHILD_OPS = (
    (Operation(K.DRG_RULES, "network", "list_drg_route_rules", K.DRG_ROUTE_TABLE), "drg_route_table_id"),
    (Operation(K.DISTRIBUTION_STATEMENTS, "network", "list_drg_route_distribution_statements", K.DRG_DISTRIBUTION),
     "drg_route_distribution_id"),
)
IDENTITY_OPS = (Operation("ListCompartments", "identity", "list_compartments", "tenancy"),
                Operation("ListRegionSubscriptions", "identity", "list_region_subscriptions", "tenancy"))

ALLOWED = frozenset(op.method for op in COMPARTMENT_OPS) | frozenset(op.method for op, _ in CHILD_OPS + GRANDCHILD_OPS) \
    | frozenset(op.method for op in IDENTITY_OPS)
DEFAULT_WORKERS = 8

POLICY_NOTE = ("Oracle's policy reference: https://docs.oracle.com/en-us/iaas/Content/Identity/Reference/"
               "corepolicyreference.htm (virtual-network-family, instance-family; READ covers list and get). "
               "'inspect compartments' is for --tenancy, 'inspect tenancies' for --regions all.")


def policy(group: str = "flightpath-readers", compartments: list[str] | None = None, narrow: bool = False) -> list[str]:
    """The IAM policy statements `flightpath collect oci` needs: the two families at READ, or (narrow) one
    statement per resource type it reads."""
    where = [f"compartment {c}" for c in compartments] if compartments else ["tenancy"]
    lines: list[str] = []
    for w in where:
        if not narrow:
            lines += [f"Allow group {group} to read virtual-network-family in {w}",
                      f"Allow group {group} to read instance-family in {w}"]
            continue
        for resource in ("vcns", "subnets", "route-tables", "security-lists", "network-security-groups",
                         "internet-gateways", "nat-gateways", "service-gateways", "local-peering-gateways",
                         "drgs", "drg-attachments", "drg-route-tables", "drg-route-distributions", "cpes",
                         "ipsec-connections", "remote-peering-connections", "virtual-circuits", "private-ips",
                         "public-ips", "vnics", "vnic-attachments", "instances"):
            lines.append(f"Allow group {group} to read {resource} in {w}")
    if not compartments:
        lines.append(f"Allow group {group} to inspect compartments in tenancy")  # --tenancy
        lines.append(f"Allow group {group} to inspect tenancies in tenancy")  # --regions all
    return lines
