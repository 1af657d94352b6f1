"""Azure Load Balancer → LoadBalancers, TargetGroups, frontend Interfaces and outbound-rule NAT Gateways (pure).

ARM `Microsoft.Network/loadBalancers` (https://learn.microsoft.com/rest/api/load-balancer/load-balancers/get):
frontendIPConfigurations (privateIPAddress + subnet: an internal frontend; publicIPAddress: a public one,
its address from the public IP resource), backendAddressPools (backendIPConfigurations: NIC ipConfiguration
ids; loadBalancerBackendAddresses: ipAddress), loadBalancingRules (frontendIPConfiguration,
backendAddressPool(s), protocol Tcp/Udp/All, frontendPort, backendPort; protocol All with ports 0 = HA
ports, every port), inboundNatRules, outboundRules, probes.

Azure Load Balancer is pass-through: the backend sees the client's address
(https://learn.microsoft.com/azure/load-balancer/load-balancer-overview), so the backends' NSGs must admit
the client. A public frontend is not in any subnet: it becomes an Interface with no subnet whose public
address maps to itself, in the backends' VNet; the walker hands a packet from the internet to the balancer.

Inbound NAT rules (https://learn.microsoft.com/azure/load-balancer/inbound-nat-rules): frontend port →
one backend NIC ipConfiguration's backendPort (v1), or a frontend port range over a backend pool (v2, each
member gets its own port from the range, a mapping Azure assigns and the ARM resource does not hold: every
member is a branch, with a warning). NAT rules use no health probe.

Outbound rules (https://learn.microsoft.com/azure/load-balancer/outbound-rules): the pool's members reach
the internet by SNAT to the rule's frontend public IPs, unless the VM has an instance-level public IP;
a NAT gateway on the subnet takes precedence over both
(https://learn.microsoft.com/azure/virtual-network/nat-gateway/nat-gateway-resource#outbound-connectivity).
Each outbound rule becomes a Gateway(kind NAT) `<lb key>#outbound/<rule>` whose interface_ids are the
members' NIC keys (the walker's outbound_rule_nat picks it for them), so a member does not use default
outbound access (https://learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access).

Health: probe state is not part of the ARM resource. LoadBalancerLoadBalancingRules_Health
(`POST .../loadBalancingRules/{rule}/health`, https://learn.microsoft.com/rest/api/load-balancer/load-balancer-load-balancing-rules/health)
returns `loadBalancerBackendAddresses: [{ipAddress, networkInterfaceIPConfigurationId, state, reason}]`;
the collector writes it at `LoadBalancerRuleHealth/<lb name>/<rule name>.json`. With it, Down backends get
no traffic (the reason said); without it, every backend is evaluated, with a warning. Probes come from the
AzureLoadBalancer service tag, 168.63.129.16
(https://learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-overview#probe-source-ip-address):
the rule's probe port is kept so that the walker can say when a backend's NSG denies it.
"""

from __future__ import annotations

from dataclasses import replace

from flightpath.model import Gateway, GatewayKind, Interface, LbTarget, Listener, LoadBalancer, NativeRef, TargetGroup
from flightpath.model.addresses import parse_address

from flightpath.collectors.azure import recognize as K
from flightpath.collectors.azure.arm import field, flag, integer, key, lower, parse_id, props, ref_id, ref_ids, seq
from flightpath.collectors.azure.gateways import pip_address
from flightpath.collectors.azure.index import Context

PROTOCOLS = {"tcp": (6,), "udp": (17,), "all": (6, 17)}
NO_HEALTH = "health probe state is not part of the ARM load balancer resource (collect LoadBalancerRuleHealth)"


def _health_docs(ctx: Context) -> dict[tuple[str, str], dict]:
    """(lb name, rule name) lowercased → the rule's health body (LoadBalancerRuleHealth/<lb>/<rule>.json)."""
    out: dict[tuple[str, str], dict] = {}
    for doc in ctx.idx.rule_health:
        parts = [p.lower() for p in doc.resource_id.replace("\\", "/").split("/")]
        if len(parts) >= 2 and isinstance(doc.body, dict):
            out[(parts[-2], parts[-1])] = doc.body
    return out


def _nic_target(est, cid: str) -> tuple[LbTarget, str]:
    """A backend NIC ipConfiguration → (target, NIC key)."""
    nic = key(cid).split("/ipconfigurations/")[0]
    iface = est.interfaces.get(nic)
    return (LbTarget(iface.instance or iface.ref if iface else NativeRef("azure", "ip-configuration", cid),
                     iface.private_ips[0] if iface and iface.private_ips else None), nic)


def _with_health(group: TargetGroup, body: dict, where: str, nics: list[str]) -> TargetGroup:
    """The pool as one rule's probe sees it: each target Up or Down (with Azure's reason)."""
    by_key: dict[str, tuple[str, str]] = {}
    for a in seq(body, "loadBalancerBackendAddresses"):
        state, reason = lower(field(a, "state")), str(field(a, "reason") or "")
        cid = key(ref_id(field(a, "networkInterfaceIPConfigurationId")))
        if cid:
            by_key[cid.split("/ipconfigurations/")[0]] = (state, reason)
        if field(a, "ipAddress"):
            by_key[str(field(a, "ipAddress")).strip()] = (state, reason)
    targets = []
    for t, nic in zip(group.targets, nics + [""] * len(group.targets)):
        got = next((by_key[k] for k in (nic, str(t.address)) if k and k in by_key), None)
        if got is None:
            targets.append(t)
            continue
        state, reason = got
        targets.append(replace(t, healthy=state == "up", state=state + (f": {reason}" if reason and reason.lower()
                                                                           != state else "")))
    return replace(group, targets=tuple(targets), health_missing="" if any(t.healthy is not None for t in targets)
                   else f"{where}: no backend of {group.ref.name} in the rule's health")


def build_balancers(ctx: Context) -> None:
    est = ctx.est
    health = _health_docs(ctx)
    for r in ctx.idx.all(K.LOAD_BALANCER):
        lb_ref = r.ref("load-balancer")
        groups: dict[str, str] = {}
        members: dict[str, list[str]] = {}  # pool key -> member NIC keys (in the order of its NIC targets)
        vnets: list[str] = []
        for pool in seq(r.p, "backendAddressPools"):
            pp, pid = props(pool), str(field(pool, "id") or "")
            targets = []
            for cid in ref_ids(field(pp, "backendIPConfigurations")):
                t, nic = _nic_target(est, cid)
                targets.append(t)
                members.setdefault(key(pid), []).append(nic)
                if nic in est.interfaces:
                    vnets.append(est.interfaces[nic].network_id)
            for j, a in enumerate(seq(pp, "loadBalancerBackendAddresses")):
                ip = field(props(a), "ipAddress")
                targets.append(LbTarget(NativeRef("azure", "backend-address", str(field(a, "name") or ip), str(ip)),
                                        parse_address(ip, f"{r.where}.backendAddressPools.{j}") if ip else None))
                vnets.append(key(ref_id(field(props(a), "virtualNetwork"))))
            groups[key(pid)] = pid
            est.target_groups[pid] = TargetGroup(
                NativeRef("azure", "backend-pool", pid, str(field(pool, "name") or ""), r.subscription, r.location),
                "All", None, tuple(targets), preserve_client_ip=True, health_missing=NO_HEALTH)
        probes = {key(field(p, "id")): integer(field(props(p), "port"), 0) or None for p in seq(r.p, "probes")}
        listeners = []
        for rule in seq(r.p, "loadBalancingRules"):
            rp = props(rule)
            proto = lower(field(rp, "protocol")) or "tcp"
            port = integer(field(rp, "frontendPort"), 0)
            pools = [groups.get(key(p), p) for p in [ref_id(field(rp, "backendAddressPool"))]
                     + ref_ids(field(rp, "backendAddressPools")) if p]
            body = health.get((r.name.lower(), str(field(rule, "name") or "").lower()))
            if body is not None:  # this rule's view of its pools: a copy per rule, with the probe's verdicts
                per_rule = []
                for pid in dict.fromkeys(pools):
                    if pid in est.target_groups:
                        gid = f"{pid}#health/{field(rule, 'name')}"
                        est.target_groups[gid] = _with_health(est.target_groups[pid], body, r.where,
                                                              members.get(key(pid), []))
                        per_rule.append(gid)
                    else:
                        per_rule.append(pid)
                pools = per_rule
            probe = probes.get(key(ref_id(field(rp, "probe"))))
            listeners.append(Listener(
                NativeRef("azure", "load-balancing-rule", str(field(rule, "id") or ""), str(field(rule, "name") or ""),
                          r.subscription, r.location),
                PROTOCOLS.get(proto, (6,)), None if proto == "all" and port == 0 else port,
                tuple(dict.fromkeys(pools)), backend_port=integer(field(rp, "backendPort"), 0) or None,
                frontend_ids=(key(ref_id(field(rp, "frontendIPConfiguration"))),), probe_port=probe))
        listeners += _nat_rules(ctx, r, groups)
        vnet = next((v for v in vnets if v), "")
        fronts = _frontends(ctx, r, lb_ref, vnet)
        outbound = _outbound_rules(ctx, r, lb_ref, members, vnet)
        est.load_balancers[lb_ref.id] = LoadBalancer(lb_ref, tuple(listeners), tuple(fronts), outbound=outbound)


def _frontends(ctx: Context, r, lb_ref: NativeRef, vnet: str) -> list[str]:
    est, fronts = ctx.est, []
    for fe in seq(r.p, "frontendIPConfigurations"):
        fp, fid = props(fe), str(field(fe, "id") or "")
        name = str(field(fe, "name") or "")
        ref = NativeRef("azure", "load-balancer-frontend", fid, name, r.subscription, r.location)
        subnet = key(ref_id(field(fp, "subnet")))
        ip = field(fp, "privateIPAddress")
        if subnet and ip:
            est.interfaces[key(fid)] = Interface(
                ref, ctx.vnet_of_subnet(subnet), subnet,
                (parse_address(ip, f"{r.where}.frontendIPConfigurations.privateIPAddress"),), owner=lb_ref)
            fronts.append(key(fid))
            continue
        pub_ref = field(fp, "publicIPAddress")
        pub = pip_address(ctx, pub_ref) if pub_ref else None
        if pub is None:
            why = ("its public IP " + (ref_id(pub_ref) or "?") + " is not in the snapshot (or has no address)"
                   if pub_ref else "it has neither a private address in a subnet nor a public IP")
            est.warnings.append(f"{r.where}: frontend {name} of load balancer {r.name} is not evaluated: {why}")
            continue
        if not vnet:
            est.warnings.append(f"{r.where}: public frontend {name} of load balancer {r.name} is not evaluated: no "
                                "backend's virtual network is in the snapshot")
            continue
        # A public frontend: no subnet, its public address maps to itself (Interface.public_ips), in the VNet
        # of the backends (a pool's members share one VNet: load-balancer-overview, backend pool).
        est.interfaces[key(fid)] = Interface(ref, vnet, "", (), public_ips=((pub, pub),), owner=lb_ref)
        fronts.append(key(fid))
    return fronts


def _nat_rules(ctx: Context, r, groups: dict[str, str]) -> list[Listener]:
    est, out = ctx.est, []
    for rule in seq(r.p, "inboundNatRules"):
        rp, rid, name = props(rule), str(field(rule, "id") or ""), str(field(rule, "name") or "")
        proto = lower(field(rp, "protocol")) or "tcp"
        ref = NativeRef("azure", "inbound-nat-rule", rid, name, r.subscription, r.location)
        backend, pool = ref_id(field(rp, "backendIPConfiguration")), ref_id(field(rp, "backendAddressPool"))
        start, end = integer(field(rp, "frontendPortRangeStart"), 0), integer(field(rp, "frontendPortRangeEnd"), 0)
        if pool and start:
            gid, port, port_to = groups.get(key(pool), pool), start, end or start
            note = (f"inbound NAT rule {name} maps each frontend port of {start}-{port_to} to one member of "
                    f"{gid.rsplit('/', 1)[-1]}; which one is Azure's mapping (LoadBalancers_ListInboundNatRulePort"
                    "Mappings), not in the snapshot: every member is evaluated")
            if gid in est.target_groups:
                gid2 = f"{gid}#nat/{name}"
                est.target_groups[gid2] = replace(est.target_groups[gid], health_missing="", health_applies=False)
                gid = gid2
        elif backend:
            t, _nic = _nic_target(est, backend)
            gid, port, port_to, note = f"{key(rid)}#backend", integer(field(rp, "frontendPort"), 0), None, ""
            est.target_groups[gid] = TargetGroup(
                NativeRef("azure", "inbound-nat-rule backend", backend, (parse_id(backend).name if parse_id(backend)
                                                                         else ""), r.subscription, r.location),
                "All", None, (t,), preserve_client_ip=True, health_applies=False)
        else:
            est.warnings.append(f"{r.where}: inbound NAT rule {name} of {r.name} has no backend (no "
                                "backendIPConfiguration, no backendAddressPool with a port range); it forwards nothing")
            gid, port, port_to, note = "", integer(field(rp, "frontendPort"), 0), None, ""
        out.append(Listener(ref, PROTOCOLS.get(proto, (6,)), port, (gid,) if gid else (),
                            backend_port=integer(field(rp, "backendPort"), 0) or None,
                            frontend_ids=(key(ref_id(field(rp, "frontendIPConfiguration"))),), port_to=port_to,
                            note=note))
    return out


def _outbound_rules(ctx: Context, r, lb_ref: NativeRef, members: dict[str, list[str]],
                    vnet: str) -> tuple[tuple[str, tuple[int, ...]], ...]:
    est, out = ctx.est, []
    fronts = {key(field(fe, "id")): props(fe) for fe in seq(r.p, "frontendIPConfigurations")}
    rules = [(props(rule), str(field(rule, "name") or ""), str(field(rule, "id") or ""),
              ref_ids(field(props(rule), "frontendIPConfigurations"))) for rule in seq(r.p, "outboundRules")]
    basic = lower(field(field(r.item, "sku"), "name")) == "basic"
    with_rule = {key(ref_id(field(rp, "backendAddressPool"))) for rp, *_ in rules}
    for rule in seq(r.p, "loadBalancingRules"):
        # "Deployed in the backend pool of a basic public load balancer" is explicit outbound connectivity
        # (default-outbound-access): a Basic load balancer's rules translate their pool's outbound flows to
        # the rule's public frontend (load-balancer-outbound-connections). A Standard one's rule does the same
        # unless `disableOutboundSnat` ("configures SNAT for the VMs in the backend pool to use the publicIP
        # address specified in the frontend of the load balancing rule", LoadBalancingRule in the ARM reference:
        # https://learn.microsoft.com/rest/api/load-balancer/load-balancers/get); an outbound rule for the pool
        # comes first. Only the address is modelled here (not SNAT port allocation).
        rp, fid = props(rule), ref_id(field(props(rule), "frontendIPConfiguration"))
        pool = key(ref_id(field(rp, "backendAddressPool")))
        if field(fronts.get(key(fid), {}), "publicIPAddress") is None or pool in with_rule:
            continue
        if basic or not flag(field(rp, "disableOutboundSnat")):
            rules.append(({"backendAddressPool": field(rp, "backendAddressPool"), "protocol": "all"},
                          f"{field(rule, 'name')} ({'Basic SKU' if basic else 'load-balancing rule SNAT'})",
                          str(field(rule, "id") or ""), [fid]))
    for rp, name, rid, front_ids in rules:
        pool = key(ref_id(field(rp, "backendAddressPool")))
        ips = []
        for fid in front_ids:
            pub_ref = field(fronts.get(key(fid), {}), "publicIPAddress")
            pub = pip_address(ctx, pub_ref) if pub_ref else None
            if pub is not None:
                ips.append(pub)
        nics = tuple(n for n in members.get(pool, []) if n in est.interfaces)
        if not nics:
            continue
        proto = lower(field(rp, "protocol")) or "all"
        gid = f"{key(r.id)}#outbound/{name.lower()}"
        if gid in est.gateways:
            continue
        out.append((gid, PROTOCOLS.get(proto, (6, 17))))
        note = "" if ips else f"the frontend public IP of outbound rule {name} is not in the snapshot"
        est.gateways[gid] = Gateway(
            replace(lb_ref, type="load-balancer outbound rule", id=rid or f"{r.id}/outboundRules/{name}",
                    name=f"{r.name}/{name}"),
            GatewayKind.NAT, (vnet or est.interfaces[nics[0]].network_id,), interface_ids=nics,
            public_ips=tuple(ips), note=note)
    return tuple(out)
