"""Compute Engine v1 JSON → the cloud-neutral Estate (pure; reads what the REST API and gcloud print).

Keys are resource paths from `projects/` on (links.py); NativeRef.account is the project, region the region.

Worked example (forseti NETWORKS_LIST_PAGE1 + SUBNETWORKS_AGGREGATED_LIST_PAGE1, network default1):

    {"kind": "compute#network", "name": "default1", "selfLink": ".../projects/project1/global/networks/default1",
     "autoCreateSubnetworks": true, "subnetworks": [...]}
    {"kind": "compute#subnetwork", "name": "default1", "network": ".../networks/default1",
     "ipCidrRange": "10.128.0.0/20", "region": ".../regions/us-central1", "selfLink": ".../subnetworks/default1"}
    → Network("projects/project1/global/networks/default1", cidrs=(10.128.0.0/20, ...),
              main_route_table_id="projects/project1/global/networks/default1#routes")
      Subnet("projects/project1/regions/us-central1/subnetworks/default1", cidrs=(10.128.0.0/20,),
             route_table_id=<the network's table>, stage=None)   # GCP filters only at the VM NIC
      RouteTable(<...>#routes: 10.128.0.0/20 LOCAL (subnet route, pinned), 169.254.169.254/32 metadata server,
                 + the network's custom routes)
      Gateway("<...>#internet", INTERNET)

Module map: recognize.py / index.py (documents), firewall.py + stages.py (firewall rules and policies → the
NIC's filter stage), routes.py (route tables), gateways.py (internet, Cloud NAT, peering, VPN),
instances.py (NICs), codes.py (Connectivity Tests drop causes).
"""

from __future__ import annotations

import ipaddress

from flightpath.model import Estate, Gateway, GatewayKind, IPNetwork, MissingData, NativeRef, Network, Route, Subnet, TargetKind
from flightpath.model.addresses import parse_network
from flightpath.model.interning import text
from flightpath.snapshot import RawDocument

from flightpath.collectors.gcp import gateways
from flightpath.collectors.gcp.codes import CODES
from flightpath.collectors.gcp.index import Context, Index
from flightpath.collectors.gcp.instances import build_interfaces
from flightpath.collectors.gcp.links import Item, as_list, item, key
from flightpath.collectors.gcp.routes import Routes
from flightpath.collectors.gcp.stages import Stages

METADATA_ROUTE = ipaddress.ip_network("169.254.169.254/32")


def normalize(docs: list[RawDocument], missing: list[MissingData]) -> Estate:
    est = Estate(codes={"gcp": dict(CODES)})
    est.missing.extend(m for m in missing if m.cloud == "gcp")
    ctx = Context(Index(docs, est.warnings), est, est.missing)
    networks = {n.key: n for n in ctx.idx.all("network")}
    subnets = {s.key: s for s in ctx.idx.all("subnetwork")}
    for s in subnets.values():
        _placeholder_network(ctx, networks, s)
    ranges = {s.key: _ranges(s) for s in subnets.values()}
    by_network: dict[str, list[IPNetwork]] = {}
    for k, s in subnets.items():
        by_network.setdefault(key(s.get("network")), []).extend(ranges[k])
    gateways.build_internet(ctx, networks)
    gateways.build_peerings(ctx, networks)
    gateways.build_vpn(ctx)
    nat_of = gateways.build_nat(ctx, subnets)
    routes = Routes(ctx, networks)
    routes.read()
    stages = Stages(ctx, networks)
    stages.internal = {n: tuple(c) for n, c in by_network.items()}
    for k, n in networks.items():
        est.networks[k] = Network(n.ref("network"), tuple(by_network.get(k, ())), main_route_table_id=f"{k}#routes")
        routes.table_id(k, "")
    subnet_tables: dict[str, str] = {}
    for k, s in subnets.items():
        net = key(s.get("network"))
        subnet_tables[k] = routes.table_id(net, s.region, pga=bool(s.get("privateIpGoogleAccess")))
        # DESIGN rule 3 as data: a failed instances list makes every trace into or out of the subnet unknown
        # (not "no VM holds it"); a failed routers list makes its Cloud NAT unknown (not "no NAT")
        lost_vms = ctx.why_missing("instances", s.project)
        est.subnets[k] = Subnet(s.ref("subnetwork"), net, ranges[k], route_table_id=subnet_tables[k],
                                egress_nat_id=nat_of.get(k, "") or _unknown_nat(ctx, s),
                                stage_missing=f"its VMs are unknown: {lost_vms}" if lost_vms else "",
                                stage_applies_within=bool(lost_vms))
    build_interfaces(ctx, stages, routes, subnet_tables)
    _group_refs(est)
    routes.build(_subnet_routes(subnets, ranges))
    _unmodeled(ctx)
    est.warnings[:] = list(dict.fromkeys(est.warnings))
    return est


def _unknown_nat(ctx: Context, s: Item) -> str:
    why = ctx.why_missing("routers", s.project)
    if not why:
        return ""
    gid = f"projects/{s.project}/regions/{s.region}#unknown-nat"
    ctx.est.gateways.setdefault(gid, Gateway(NativeRef("gcp", "cloud-nat", gid, f"Cloud NAT of {s.region} (unknown)",
                                                       s.project, s.region), GatewayKind.NAT, (key(s.get("network")),),
                                             note=f"whether Cloud NAT serves this subnet is unknown: {why}"))
    return gid


def _ranges(s: Item) -> tuple[IPNetwork, ...]:
    out = [parse_network(s.need("ipCidrRange"), f"{s.where}.ipCidrRange")]
    for i, sec in enumerate(as_list(s.get("secondaryIpRanges"), f"{s.where}.secondaryIpRanges")):
        out.append(parse_network(sec.get("ipCidrRange"), f"{s.where}.secondaryIpRanges[{i}].ipCidrRange"))
    if s.get("ipv6CidrRange"):
        out.append(parse_network(s.get("ipv6CidrRange"), f"{s.where}.ipv6CidrRange"))
    return tuple(out)


def _placeholder_network(ctx: Context, networks: dict[str, Item], s: Item) -> None:
    net = key(s.need("network"))
    if net in networks:
        return
    networks[net] = item({"name": net.rsplit("/", 1)[-1]}, net, net.split("/")[1] if "/" in net else s.project,
                         f"{s.where}.network")
    ctx.est.warnings.append(f"network {net} is referenced by subnetwork {s.name} but not in the snapshot; "
                            "its settings (peerings, firewall policy order) are unknown")


def _subnet_routes(subnets: dict[str, Item], ranges: dict[str, tuple[IPNetwork, ...]]) -> dict[str, list[Route]]:
    """Subnet routes (every primary and secondary range; routes#subnet-routes), pinned over custom routes;
    and the metadata server (always reachable from a VM: firewalls#alwaysallowed), outside the model."""
    out: dict[str, list[Route]] = {}
    for k, s in subnets.items():
        net = key(s.get("network"))
        for c in ranges[k]:
            out.setdefault(net, []).append(Route(c, TargetKind.LOCAL, "", 0, "subnet",
                                                 text(f"{c} -> subnet {s.name}"), pinned=True))
    for net, routes in out.items():
        routes.append(Route(METADATA_ROUTE, TargetKind.EXTERNAL, "the metadata server (metadata.google.internal)", 0,
                            "metadata server", "169.254.169.254/32 -> metadata server", pinned=True))
    return out


def _group_refs(est: Estate) -> None:
    """Every tag / service account a rule names is a group, even when no VM has it (empty, not unknown)."""
    for rs in est.rule_sets.values():
        for r in rs.rules:
            for ref in r.sources.refs:
                if ref.startswith(("gcp:tag:", "gcp:sa:")):
                    est.group_members.setdefault(ref, set())


def _unmodeled(ctx: Context) -> None:
    for kind, what in (("forwardingRule", "forwarding rules (load balancers) are not evaluated"),):
        items = [i for i in ctx.idx.all(kind) if not i.get("target") or "targetVpnGateways" not in str(i.get("target"))]
        if items:
            ctx.est.warnings.append(f"{len(items)} GCP {what}")
