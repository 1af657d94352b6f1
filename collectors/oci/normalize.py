"""OCI wire JSON → the cloud-neutral Estate (pure; reads only what the OCI REST API and the oci CLI print).

Keys are OCIDs as given; NativeRef.name is the `displayName`, account the tenancy (folder name), region the
region (folder name, else the OCID's region segment, else the resource's `region`).

Worked example (one VCN with one regional subnet and its security list):

    ListVcns.json    [{"id": "ocid1.vcn.oc1..v", "cidrBlocks": ["10.0.0.0/16", "10.1.0.0/16"], "displayName": "lab"}]
    ListSubnets.json [{"id": "ocid1.subnet.oc1..web", "vcnId": "ocid1.vcn.oc1..v", "cidrBlock": "10.0.1.0/24",
                       "routeTableId": "ocid1.routetable.oc1..rt", "securityListIds": ["ocid1.securitylist.oc1..sl"],
                       "availabilityDomain": null}]
    → Network(oci/vcn lab, cidrs=(10.0.0.0/16, 10.1.0.0/16))
      Subnet(oci/subnet, network ocid1.vcn.oc1..v, cidrs=(10.0.1.0/24,), route_table_id=ocid1.routetable.oc1..rt,
             stage=None, zone="")   # OCI filters at the VNIC only (security lists are enforced per VNIC)

Module map: recognize.py (documents by OCID type), index.py (documents by kind and id), security.py (security
lists, NSGs, the VNIC stage), routes.py (VCN route tables), gateways.py (IGW, NAT, SGW, LPG), drg.py (DRGs,
attachments, DRG route tables, IPSec), interfaces.py (VNICs, IPs, instances), codes.py (NPA vocabulary).
services.py (Oracle Services Network labels from public_ip_ranges.json).
Not modelled: VLANs, IPv6, per-private-IP route tables, FastConnect BGP state,
DRG export distributions (what a VCN attachment advertises out), ZPR policies. (An LPG's route table, for
transit routing through a hub VCN, is modelled: gateways.py.)
"""

from __future__ import annotations

from flightpath.errors import SnapshotError
from flightpath.model import AddressGroup, Estate, IPNetwork, MissingData, NativeRef, Network, Subnet
from flightpath.model.addresses import parse_network
from flightpath.snapshot import RawDocument

from flightpath.collectors.oci import recognize as K
from flightpath.collectors.oci.codes import CODES
from flightpath.collectors.oci.drg import build_drgs
from flightpath.collectors.oci.gateways import build_gateways
from flightpath.collectors.oci.index import Context, Index
from flightpath.collectors.oci.interfaces import build_interfaces
from flightpath.collectors.oci.routes import build_route_tables
from flightpath.collectors.oci.security import (
    LINK_LOCAL, SERVICE_REF, link_local_rule_set, nsg_rules, security_list,
)
from flightpath.collectors.oci.services import osn_ranges


def normalize(docs: list[RawDocument], missing: list[MissingData]) -> Estate:
    """Build the Estate for every OCI document of a snapshot."""
    est = Estate(codes={"oci": dict(CODES)})
    est.missing.extend(m for m in missing if m.cloud == "oci")
    ctx = Context(Index(docs, est.warnings), est)
    ctx.osn = osn_ranges(ctx)
    _networks(ctx)
    _rule_sets(ctx)
    _service_labels(ctx)
    build_gateways(ctx)
    build_drgs(ctx)
    build_route_tables(ctx)
    _subnets(ctx)
    build_interfaces(ctx)
    est.warnings[:] = list(dict.fromkeys(est.warnings))
    return est


def _cidrs(values, where: str) -> tuple[IPNetwork, ...]:
    return tuple(parse_network(v, f"{where}[{i}]") for i, v in enumerate(values))


def _networks(ctx: Context) -> None:
    for r in ctx.idx.all(K.VCN):
        blocks = r.get("cidrBlocks")
        field = "cidrBlocks"
        if not isinstance(blocks, list) or not blocks:
            blocks, field = ([r.get("cidrBlock")] if r.get("cidrBlock") else []), "cidrBlock"
        ctx.est.networks[r.id] = Network(r.ref("vcn"), _cidrs(blocks, f"{r.where}.{field}"),
                                         main_route_table_id=r.text("defaultRouteTableId"))


def _rule_sets(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    est.rule_sets[LINK_LOCAL] = link_local_rule_set()
    for r in idx.all(K.SECURITY_LIST):
        est.rule_sets[r.id] = security_list(r.item, r.ref("security-list"), r.where, est.address_groups)
    nsg_vcn = {r.id: r.text("vcnId") for r in idx.all(K.NSG)}
    for r in idx.all(K.NSG):
        got = idx.children(K.NSG_RULES, r.id)
        if got is None:
            continue  # the VNIC's stage then names the NSG and the missing call (interfaces.py)
        est.rule_sets[r.id] = nsg_rules(got[0], r.ref("network-security-group"), r.text("vcnId"), got[1],
                                        est.address_groups, nsg_vcn, est.warnings)
    for parent, (items, path) in idx.per_resource.get(K.NSG_RULES, {}).items():
        if parent not in est.rule_sets:  # rules listed without the NSG itself
            est.rule_sets[parent] = nsg_rules(items, NativeRef("oci", "network-security-group", parent), "", path,
                                              est.address_groups)
            est.warnings.append(f"network security group {parent} is known only by its listed rules")


def _service_labels(ctx: Context) -> None:
    """Security rules naming an Oracle Services Network label match its published CIDRs (services.py), else the
    match stays unknown with the reason."""
    groups = ctx.est.address_groups
    for ref, group in list(groups.items()):
        if not ref.startswith(SERVICE_REF):
            continue
        label = ref[len(SERVICE_REF):]
        cidrs, why = ctx.osn.cidrs(label)
        source = NativeRef("oci", "oracle-services-network label", label, label)
        groups[ref] = AddressGroup(ref, cidrs, source=source) if cidrs else AddressGroup(ref, (), source, missing=why)


def _subnets(ctx: Context) -> None:
    est = ctx.est
    for r in ctx.idx.all(K.SUBNET):
        vcn = r.text("vcnId")
        blocks = r.get("ipv4CidrBlocks") if isinstance(r.get("ipv4CidrBlocks"), list) and r.get("ipv4CidrBlocks") \
            else [r.get("cidrBlock")]
        if blocks == [None]:
            raise SnapshotError(f"{r.where}.cidrBlock: missing")
        rt = r.text("routeTableId") or (est.networks[vcn].main_route_table_id if vcn in est.networks else "")
        if vcn not in est.networks:
            est.warnings.append(f"VCN {vcn} of subnet {r.name or r.id} is not in the snapshot; its address space "
                                "is unknown")
        est.subnets[r.id] = Subnet(r.ref("subnet"), vcn, _cidrs(blocks, f"{r.where}.cidrBlock"), route_table_id=rt,
                                   stage=None, zone=r.text("availabilityDomain"))
