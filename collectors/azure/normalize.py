"""Azure ARM JSON → the cloud-neutral Estate (pure; reads only what `az ... -o json` and the REST API print).

Keys are lowercased ARM ids (Azure ids are case-insensitive); NativeRef.id keeps the id as given,
NativeRef.name the resource name, account the subscription id, region the location.

Worked example (one VNet with one subnet whose NSG denies SSH from 10.0.0.0/8):

    {"id": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/spoke2",
     "type": "Microsoft.Network/virtualNetworks", "location": "westeurope",
     "properties": {"addressSpace": {"addressPrefixes": ["10.102.0.0/16"]},
       "subnets": [{"id": ".../virtualNetworks/spoke2/subnets/app", "properties": {
           "addressPrefix": "10.102.1.0/24", "networkSecurityGroup": {"id": ".../networkSecurityGroups/nsg-app"}}}]}}
    → Network(azure/virtual-network spoke2, cidrs=(10.102.0.0/16,))
      Subnet(azure/subnet app, network <spoke2 key>, cidrs=(10.102.1.0/24,),
             route_table_id="<app key>#routes" (synthesised: see routes.py),
             stage=FilterStage((FilterTier("subnet NSG", (<nsg-app key>,), first_match, deny, "NSG_DENY"),)),
             stage_applies_within=True)   # subnet NSGs filter traffic inside the subnet too
      RouteTable(<app key>#routes: 10.102.0.0/16 → VnetLocal, 0.0.0.0/0 → Internet, 10/8 ... → None, ...)
      AddressGroup("azure:tag:VirtualNetwork@<spoke2 key>", 10.102.0.0/16 + peers + gateway prefixes + ...)

Module map: index.py (documents by kind; shared facts), nsg.py (NSGs, service tags), gateways.py (peering,
VPN, NAT, internet), interfaces.py (NICs, VMs, ASGs), firewall.py (Azure Firewall), routes.py (route tables).
"""

from __future__ import annotations

import ipaddress

from flightpath.model import Estate, Gateway, GatewayKind, IPNetwork, MissingData, NativeRef, Network, Subnet
from flightpath.model.addresses import parse_network
from flightpath.snapshot import RawDocument

from flightpath.collectors.azure import gateways
from flightpath.collectors.azure import recognize as K
from flightpath.collectors.azure.arm import as_list, field, flag, key, parse_id, ref_id, seq
from flightpath.collectors.azure.codes import CODES
from flightpath.collectors.azure.firewall import build_firewalls
from flightpath.collectors.azure.index import Context, Index
from flightpath.collectors.azure.interfaces import build_interfaces, match_effective_routes, nsg_stage
from flightpath.collectors.azure.nsg import HOST_VIP, default_rules_synthesised, network_security_group, service_tags
from flightpath.collectors.azure.routes import build_effective_tables, build_route_tables, build_subnet_tables


from flightpath.collectors.azure.balancers import build_balancers  # noqa: E402


def normalize(docs: list[RawDocument], missing: list[MissingData]) -> Estate:
    """Build the Estate for every Azure document of a snapshot."""
    est = Estate(codes={"azure": dict(CODES)})
    est.missing.extend(m for m in missing if m.cloud == "azure")
    ctx = Context(Index(docs, est.warnings), est)
    _networks(ctx)
    _security_groups(ctx)
    gateways.build_public_ips(ctx)
    gateways.build_peerings(ctx)
    gateways.build_vpn(ctx)
    gateways.build_nat(ctx)
    gateways.build_internet(ctx)
    match_effective_routes(ctx)
    build_interfaces(ctx)
    build_firewalls(ctx)
    build_balancers(ctx)
    _subnets(ctx)
    build_subnet_tables(ctx)
    gateways.build_expressroute_routes(ctx)
    build_route_tables(ctx)
    build_effective_tables(ctx)
    _service_tags(ctx)
    est.warnings[:] = list(dict.fromkeys(est.warnings))
    return est


def _cidrs(values, where: str, warnings: list[str] | None = None) -> tuple[IPNetwork, ...]:
    """Address spaces and prefixes: a bad CIDR is an error naming the file and field. With `warnings`
    (user routes, whose addressPrefix may be a service tag such as "Storage"), one that is not a CIDR is
    skipped with a warning instead."""
    out: list[IPNetwork] = []
    for i, v in enumerate(values):
        if warnings is None:
            out.append(parse_network(v, f"{where}[{i}]"))
            continue
        try:
            out.append(ipaddress.ip_network(str(v).strip(), strict=False))
        except ValueError:
            warnings.append(f"{where}: {v!r} is not a CIDR; ignored")
    return tuple(out)


def _networks(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    for r in idx.all(K.VNET):
        space = field(r.p, "addressSpace") or {}
        est.networks[r.key] = Network(r.ref("virtual-network"),
                                      _cidrs(as_list(field(space, "addressPrefixes")),
                                             f"{r.where}.addressSpace.addressPrefixes"))
    for sn in idx.all(K.SUBNET):  # subnets listed without their VNet: the VNet's address space is unknown
        vnet = ctx.vnet_of_subnet(sn.key)
        if vnet and vnet not in est.networks:
            arm = parse_id(sn.id)
            parent = arm.parent if arm else vnet
            pa = parse_id(parent)
            est.networks[vnet] = Network(NativeRef("azure", "virtual-network", parent, pa.name if pa else "",
                                                   sn.subscription, sn.location), ())
            est.warnings.append(f"virtual network {parent} is referenced by subnet {sn.name} but not in the "
                                "snapshot; its address space is unknown")


def _security_groups(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    for r in idx.all(K.NSG):
        extra = [c.item for c in idx.children(K.NSG_RULE, r.key)]
        est.rule_sets[r.key] = network_security_group(r.item, extra, r.ref("network-security-group"), r.where,
                                                      est.warnings)
    orphans: dict[str, list] = {}
    for kind in (K.NSG_RULE, K.NSG_DEFAULT_RULE):
        for c in idx.all(kind):
            if c.parent_key not in est.rule_sets:
                orphans.setdefault(c.parent_key, []).append(c)
    for nsg_key, rules in orphans.items():  # `az network nsg rule list` without the NSG itself
        arm = parse_id(rules[0].id)
        ref = NativeRef("azure", "network-security-group", arm.parent if arm else nsg_key,
                        parse_id(arm.parent).name if arm and parse_id(arm.parent) else "",
                        rules[0].subscription, rules[0].location)
        body = {"id": ref.id, "properties": {
            "securityRules": [c.item for c in rules if c.kind == K.NSG_RULE],
            "defaultSecurityRules": [c.item for c in rules if c.kind == K.NSG_DEFAULT_RULE]
            or default_rules_synthesised(ref)}}
        est.rule_sets[nsg_key] = network_security_group(body, [], ref, rules[0].where, est.warnings)
        est.warnings.append(f"network security group {ref.id} is known only by its listed rules (the NSG itself "
                            "is not in the snapshot); the default rules are assumed")


def _subnets(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    for sn in idx.all(K.SUBNET):
        vnet = ctx.vnet_of_subnet(sn.key)
        cidrs = _cidrs(as_list(field(sn.p, "addressPrefixes")) or as_list(field(sn.p, "addressPrefix")),
                       f"{sn.where}.addressPrefix")
        stage, stage_missing = nsg_stage(ctx, ref_id(field(sn.p, "networkSecurityGroup")), "subnet NSG", sn.name)
        nat_id = ref_id(field(sn.p, "natGateway"))
        nat = key(nat_id)
        if nat and nat not in est.gateways:
            est.gateways[nat] = Gateway(NativeRef("azure", "nat-gateway", nat_id, nat_id.rstrip("/").rsplit("/", 1)[-1],
                                                  sn.subscription, sn.location), GatewayKind.NAT, (vnet,),
                                        overrides_public_ip=True,
                                        note=ctx.why_missing("natGateways", "the NAT gateway is not in the snapshot"))
        if not nat:
            nat = _implicit_outbound(ctx, sn, vnet)
        private = not nat and not flag(field(sn.p, "defaultOutboundAccess"), True)
        est.subnets[sn.key] = Subnet(
            sn.ref("subnet"), vnet, cidrs, route_table_id=f"{sn.key}#routes", stage=stage, stage_missing=stage_missing,
            egress_nat_id=nat, stage_applies_within=True,
            no_internet_reason="is a private subnet (defaultOutboundAccess: false) without a NAT gateway: add a "
                               "NAT gateway to the subnet, a public IP to the NIC, or a load balancer outbound rule"
            if private else "")


def _implicit_outbound(ctx: Context, sn, vnet: str) -> str:
    """Internet egress of a subnet without a NAT gateway, where Azure translates to an address that is not
    in the snapshot: an Azure Firewall's SNAT (not evaluated), or default outbound access
    (https://learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access: VMs without a
    public IP, NAT gateway or load balancer outbound rule get an Azure-chosen public address unless the
    subnet is private, `defaultOutboundAccess: false`). A VM's own public IP still wins (overrides_public_ip
    False); without one the trace ends unknown and says why, never "no public IP"."""
    if sn.name.lower() == "azurefirewallsubnet":
        note = "Azure Firewall translates outbound internet traffic to its public IP; that SNAT is not evaluated"
    elif flag(field(sn.p, "defaultOutboundAccess"), True):
        note = (f"subnet {sn.name} reaches the internet by default outbound access, which Azure is retiring "
                "(https://learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access): "
                "the public address is Azure's choice and may change; give the subnet a NAT gateway, or set "
                "the subnet's defaultOutboundAccess to false to make it private")
        gid = f"{sn.key}#outbound"
        ctx.est.gateways[gid] = Gateway(sn.ref("default outbound access", "#outbound", "default outbound access"),
                                        GatewayKind.NAT, (vnet,), note=note, provider_address=True)
        return gid
    else:
        return ""
    gid = f"{sn.key}#outbound"
    ctx.est.gateways[gid] = Gateway(sn.ref("implicit outbound (no NAT gateway)", "#outbound", "implicit outbound"),
                                    GatewayKind.NAT, (vnet,), note=note)
    return gid


def _service_tags(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    udr_prefixes: dict[str, list[IPNetwork]] = {}
    for sn in idx.all(K.SUBNET):  # "address prefixes used on user-defined routes" are in VirtualNetwork
        table = idx.get(K.ROUTE_TABLE, key(ref_id(field(sn.p, "routeTable"))))
        if table is None:
            continue
        items = list(seq(table.p, "routes")) + [c.item for c in idx.children(K.ROUTE, table.key)]
        for r in items:
            nets = _cidrs([field(r, "addressPrefix") or field(field(r, "properties") or {}, "addressPrefix")], "", [])
            # (a route's addressPrefix may be a service tag: skipped here, warned about with the routes)
            udr_prefixes.setdefault(ctx.vnet_of_subnet(sn.key), []).extend(nets)
    spaces: dict[str, tuple[list[IPNetwork], NativeRef]] = {}
    for r in idx.all(K.VNET):
        cidrs = list(est.networks[r.key].cidrs)
        for link in ctx.peers.get(r.key, []):
            if link.usable:
                cidrs += list(link.remote_cidrs)
        vng = ctx.gateway_for(r.key)
        cidrs += ctx.vng_prefixes.get(vng, []) if vng else []
        cidrs += udr_prefixes.get(r.key, [])
        cidrs.append(HOST_VIP)
        spaces[r.key] = (cidrs, r.ref("service tag VirtualNetwork", "", f"VirtualNetwork of {r.name}"))
    used: set[str] = set()
    for rs in est.rule_sets.values():
        if rs.ref.cloud != "azure":
            continue
        for rule in rs.rules:
            used.update(rule.sources.refs)
            used.update(rule.destinations.refs)
    for gid, group in service_tags(spaces, used).items():
        est.address_groups.setdefault(gid, group)
