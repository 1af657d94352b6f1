"""Azure Load Balancer (internal frontends) → LoadBalancers, TargetGroups and frontend Interfaces (pure).

ARM `Microsoft.Network/loadBalancers` (https://learn.microsoft.com/rest/api/load-balancer/load-balancers/get):
frontendIPConfigurations (privateIPAddress + subnet: an internal frontend; publicIPAddress: public),
backendAddressPools (backendIPConfigurations: NIC ipConfiguration ids; loadBalancerBackendAddresses:
ipAddress), loadBalancingRules (frontendIPConfiguration, backendAddressPool(s), protocol Tcp/Udp/All,
frontendPort, backendPort; protocol All with ports 0 = HA ports, every port), probes.
Azure Load Balancer is pass-through: the backend sees the client's address
(https://learn.microsoft.com/azure/load-balancer/load-balancer-overview), so the backends' NSGs must admit
the client; health probes come from the AzureLoadBalancer service tag (168.63.129.16). Probe state is not
part of the ARM resource: every backend is evaluated, with a warning.
"""

from __future__ import annotations

from flightpath.model import Interface, LbTarget, Listener, LoadBalancer, NativeRef, TargetGroup
from flightpath.model.addresses import parse_address

from flightpath.collectors.azure import recognize as K
from flightpath.collectors.azure.arm import field, integer, key, lower, props, ref_id, ref_ids, seq
from flightpath.collectors.azure.index import Context

PROTOCOLS = {"tcp": (6,), "udp": (17,), "all": (6, 17)}


def build_balancers(ctx: Context) -> None:
    est = ctx.est
    for r in ctx.idx.all(K.LOAD_BALANCER):
        lb_ref = r.ref("load-balancer")
        groups: dict[str, str] = {}
        for pool in seq(r.p, "backendAddressPools"):
            pp, pid = props(pool), str(field(pool, "id") or "")
            targets = []
            for cid in ref_ids(field(pp, "backendIPConfigurations")):
                iface = est.interfaces.get(key(cid).split("/ipconfigurations/")[0])
                targets.append(LbTarget(iface.instance or iface.ref if iface else NativeRef("azure", "ip-configuration", cid),
                                        iface.private_ips[0] if iface and iface.private_ips else None))
            for j, a in enumerate(seq(pp, "loadBalancerBackendAddresses")):
                ip = field(props(a), "ipAddress")
                targets.append(LbTarget(NativeRef("azure", "backend-address", str(field(a, "name") or ip), str(ip)),
                                        parse_address(ip, f"{r.where}.backendAddressPools.{j}") if ip else None))
            groups[key(pid)] = pid
            est.target_groups[pid] = TargetGroup(
                NativeRef("azure", "backend-pool", pid, str(field(pool, "name") or ""), r.subscription, r.location),
                "All", None, tuple(targets), preserve_client_ip=True,
                health_missing="health probe state is not part of the ARM load balancer resource")
        listeners = []
        for rule in seq(r.p, "loadBalancingRules"):
            rp = props(rule)
            proto = lower(field(rp, "protocol")) or "tcp"
            port = integer(field(rp, "frontendPort"), 0)
            pools = [ref_id(field(rp, "backendAddressPool"))] + ref_ids(field(rp, "backendAddressPools"))
            listeners.append(Listener(
                NativeRef("azure", "load-balancing-rule", str(field(rule, "id") or ""), str(field(rule, "name") or ""),
                          r.subscription, r.location),
                PROTOCOLS.get(proto, (6,)), None if proto == "all" and port == 0 else port,
                tuple(dict.fromkeys(groups.get(key(p), p) for p in pools if p)),
                backend_port=integer(field(rp, "backendPort"), 0) or None,
                frontend_ids=(key(ref_id(field(rp, "frontendIPConfiguration"))),)))
        fronts = []
        for fe in seq(r.p, "frontendIPConfigurations"):
            fp, fid = props(fe), str(field(fe, "id") or "")
            subnet = key(ref_id(field(fp, "subnet")))
            ip = field(fp, "privateIPAddress")
            if not (subnet and ip):
                est.warnings.append(f"{r.where}: public frontend {field(fe, 'name')} of load balancer {r.name} is "
                                    "not evaluated (internal frontends only)")
                continue
            est.interfaces[key(fid)] = Interface(
                NativeRef("azure", "load-balancer-frontend", fid, str(field(fe, "name") or ""), r.subscription,
                          r.location), ctx.vnet_of_subnet(subnet), subnet,
                (parse_address(ip, f"{r.where}.frontendIPConfigurations.privateIPAddress"),), owner=lb_ref)
            fronts.append(key(fid))
        est.load_balancers[lb_ref.id] = LoadBalancer(lb_ref, tuple(listeners), tuple(fronts))
